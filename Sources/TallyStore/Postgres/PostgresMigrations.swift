import PostgresNIO

/// One numbered step of the PostgreSQL schema: statements applied together, once.
struct PostgresMigration: Sendable {
    /// The order migrations run in; recorded in `schema_migrations` once applied.
    var version: Int
    var name: String
    /// One statement each: the extended query protocol runs a single statement at a time.
    var statements: [PostgresQuery]
}

/// The PostgreSQL schema, as numbered migrations applied in order.
///
/// The same tables and checks as the SQLite schema. Amounts are BIGINT thousandths
/// of a credit or cents; times are BIGINT milliseconds since 1970 (UTC).
enum PostgresMigrations {
    /// The advisory lock held while migrating, so that processes starting together
    /// migrate one after the other. Any constant works; this one spells "tally".
    static let lockKey: Int64 = 0x7461_6C6C_79

    static let all: [PostgresMigration] = [
        accountsWalletsLedger, metering, rechargesWebhooks, paymentIntents, apiKeyRevocation, usageLogs, loginAttempts,
        cardFingerprints, logSearch, smsSends, rechargeIntents, creditLots, logContacts, accountKeys,
        sessionAndDeliveryAccounts, claimLeases, rechargeArmed, providerInbox, carrierReports, spendingControl,
        ledgerRequestKeys, chargeInOneCall, ledgerKeyOnce, lotFlags, chargeWithControls, holdsInOneCall,
    ]

    static let accountsWalletsLedger = PostgresMigration(
        version: 1,
        name: "accounts-wallets-ledger",
        statements: [
            """
            CREATE TABLE accounts (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                us_business_entity BOOLEAN NOT NULL DEFAULT FALSE,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                email TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('owner', 'super_admin', 'admin', 'member')),
                password_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX users_account ON users(account_id)",
            """
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id),
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                name TEXT NOT NULL,
                key_hash TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE wallets (
                account_id TEXT PRIMARY KEY REFERENCES accounts(id),
                available BIGINT NOT NULL,
                held BIGINT NOT NULL,
                used BIGINT NOT NULL,
                total BIGINT NOT NULL,
                CHECK (available >= 0 AND held >= 0 AND used >= 0 AND available + held + used = total)
            )
            """,
            """
            CREATE TABLE ledger (
                sequence BIGSERIAL PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                kind TEXT NOT NULL,
                available BIGINT NOT NULL,
                held BIGINT NOT NULL,
                used BIGINT NOT NULL,
                total BIGINT NOT NULL,
                available_after BIGINT NOT NULL,
                reference TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                CHECK (available + held + used = total)
            )
            """,
            "CREATE INDEX ledger_account ON ledger(account_id, sequence)",
            """
            CREATE FUNCTION ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the ledger is append-only' USING ERRCODE = 'restrict_violation';
            END
            $$
            """,
            """
            CREATE TRIGGER ledger_no_update_or_delete BEFORE UPDATE OR DELETE ON ledger
                FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only()
            """,
            """
            CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger
                FOR EACH STATEMENT EXECUTE FUNCTION ledger_is_append_only()
            """,
            """
            CREATE TABLE idempotency_keys (
                account_id TEXT NOT NULL REFERENCES accounts(id),
                key TEXT NOT NULL,
                request_hash TEXT NOT NULL,
                status INTEGER,
                body BYTEA,
                claimed_at BIGINT NOT NULL,
                completed_at BIGINT,
                PRIMARY KEY (account_id, key)
            )
            """,
            """
            CREATE TABLE payment_methods (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                brand TEXT NOT NULL,
                last4 TEXT NOT NULL,
                exp_month INTEGER NOT NULL,
                exp_year INTEGER NOT NULL,
                gateway_token TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                deleted_at BIGINT
            )
            """,
            "CREATE INDEX payment_methods_account ON payment_methods(account_id)",
            """
            CREATE TABLE purchases (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                credits BIGINT NOT NULL CHECK (credits > 0),
                amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
                currency TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('succeeded', 'declined')),
                origin TEXT NOT NULL CHECK (origin IN ('purchase', 'recharge')),
                payment_method_id TEXT,
                payment_reference TEXT,
                failure_reason TEXT,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX purchases_account ON purchases(account_id, created_at)",
        ]
    )

    /// SQLite's "2-metering". Rows of `holds`, `usage_log` and `notifications` carry a
    /// `sequence` (BIGSERIAL), PostgreSQL's stand-in for SQLite's rowid: it breaks ties
    /// in insertion order, and ends their indexes as the rowid ends SQLite's. Days
    /// (`YYYY-MM-DD`) collate by bytes, as SQLite compares them, whatever the locale.
    static let metering = PostgresMigration(
        version: 2,
        name: "metering",
        statements: [
            """
            CREATE TABLE holds (
                id TEXT PRIMARY KEY,
                sequence BIGSERIAL NOT NULL,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                feature TEXT NOT NULL,
                credits BIGINT NOT NULL CHECK (credits > 0),
                reference TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('active', 'captured', 'released', 'expired')),
                captured_credits BIGINT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                settled_at BIGINT,
                CHECK (captured_credits >= 0 AND captured_credits <= credits)
            )
            """,
            "CREATE INDEX holds_active_expiry ON holds(expires_at, sequence) WHERE status = 'active'",
            """
            CREATE TABLE usage_log (
                id TEXT PRIMARY KEY,
                sequence BIGSERIAL NOT NULL,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                feature TEXT NOT NULL,
                status TEXT NOT NULL,
                credits BIGINT NOT NULL CHECK (credits >= 0),
                day TEXT COLLATE "C" NOT NULL,
                created_at BIGINT NOT NULL,
                contact_name TEXT,
                contact_email TEXT,
                phone TEXT,
                email TEXT,
                iso TEXT,
                segments INTEGER,
                encoding TEXT,
                event TEXT,
                credit_score INTEGER,
                dti_percent INTEGER,
                reason TEXT
            )
            """,
            "CREATE INDEX usage_log_feature ON usage_log(account_id, feature, created_at, sequence)",
            """
            CREATE TABLE usage_rollups (
                account_id TEXT NOT NULL REFERENCES accounts(id),
                day TEXT COLLATE "C" NOT NULL,
                feature TEXT NOT NULL,
                uses BIGINT NOT NULL,
                credits BIGINT NOT NULL,
                PRIMARY KEY (account_id, day, feature)
            )
            """,
            """
            CREATE TABLE events (
                account_id TEXT NOT NULL REFERENCES accounts(id),
                id TEXT NOT NULL,
                config TEXT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (account_id, id)
            )
            """,
            """
            CREATE TABLE usage_guards (
                account_id TEXT PRIMARY KEY REFERENCES accounts(id),
                enabled BOOLEAN NOT NULL,
                max_requests INTEGER NOT NULL,
                window_seconds INTEGER NOT NULL,
                paused BOOLEAN NOT NULL DEFAULT FALSE,
                paused_at BIGINT
            )
            """,
            """
            CREATE TABLE usage_guard_requests (
                account_id TEXT NOT NULL REFERENCES accounts(id),
                at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX usage_guard_requests_window ON usage_guard_requests(account_id, at)",
            """
            CREATE TABLE notifications (
                id TEXT PRIMARY KEY,
                sequence BIGSERIAL NOT NULL,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                kind TEXT NOT NULL,
                message TEXT NOT NULL,
                data TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX notifications_account ON notifications(account_id, created_at, sequence)",
        ]
    )

    /// SQLite's "3-recharges-webhooks". `recharges` and `webhook_deliveries` carry a
    /// `sequence` as the metering tables do, so claims and listings break ties in
    /// insertion order as SQLite's rowid does.
    static let rechargesWebhooks = PostgresMigration(
        version: 3,
        name: "recharges-webhooks",
        statements: [
            """
            CREATE TABLE auto_recharges (
                account_id TEXT PRIMARY KEY REFERENCES accounts(id),
                enabled BOOLEAN NOT NULL,
                threshold BIGINT NOT NULL CHECK (threshold > 0),
                credits BIGINT NOT NULL CHECK (credits > 0),
                payment_method_id TEXT NOT NULL,
                max_per_day INTEGER NOT NULL CHECK (max_per_day >= 0),
                max_spend_month_cents BIGINT NOT NULL CHECK (max_spend_month_cents >= 0),
                last_result TEXT,
                last_reason TEXT,
                last_result_at BIGINT
            )
            """,
            """
            CREATE TABLE recharges (
                id TEXT PRIMARY KEY,
                sequence BIGSERIAL NOT NULL,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'capped')),
                credits BIGINT NOT NULL CHECK (credits > 0),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at BIGINT NOT NULL,
                lease_until BIGINT,
                reason TEXT,
                settled_day TEXT COLLATE "C",
                amount_cents BIGINT,
                created_at BIGINT NOT NULL
            )
            """,
            // One recharge in flight per wallet, whatever runs concurrently, in any process.
            "CREATE UNIQUE INDEX recharges_one_pending ON recharges(account_id) WHERE status = 'pending'",
            "CREATE INDEX recharges_due ON recharges(next_attempt_at, sequence) WHERE status = 'pending'",
            "CREATE INDEX recharges_spend ON recharges(account_id, settled_day) WHERE status = 'succeeded'",
            "CREATE INDEX recharges_account ON recharges(account_id, created_at, sequence)",
            """
            CREATE TABLE webhooks (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                url TEXT NOT NULL,
                secret TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                deleted_at BIGINT
            )
            """,
            "CREATE INDEX webhooks_account ON webhooks(account_id) WHERE deleted_at IS NULL",
            """
            CREATE TABLE webhook_deliveries (
                id TEXT PRIMARY KEY,
                sequence BIGSERIAL NOT NULL,
                webhook_id TEXT NOT NULL REFERENCES webhooks(id),
                notification_id TEXT NOT NULL REFERENCES notifications(id),
                status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                last_status_code INTEGER,
                next_attempt_at BIGINT,
                lease_until BIGINT,
                delivered_at BIGINT,
                created_at BIGINT NOT NULL,
                UNIQUE (webhook_id, notification_id)
            )
            """,
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at, sequence) WHERE status = 'pending'",
        ]
    )

    /// SQLite's "4-payment-intents": payments written before the gateway is asked.
    static let paymentIntents = PostgresMigration(
        version: 4,
        name: "payment-intents",
        statements: [
            """
            CREATE TABLE payment_intents (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                credits BIGINT NOT NULL CHECK (credits > 0),
                amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
                payment_method_id TEXT NOT NULL,
                gateway_token TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                lease_until BIGINT,
                settled_at BIGINT
            )
            """,
            "CREATE INDEX payment_intents_unsettled ON payment_intents(created_at) WHERE settled_at IS NULL",
        ]
    )

    /// SQLite's "5-api-key-revocation".
    static let apiKeyRevocation = PostgresMigration(
        version: 5,
        name: "api-key-revocation",
        statements: ["ALTER TABLE api_keys ADD COLUMN revoked_at BIGINT"]
    )

    /// SQLite's "6-usage-logs": each line names its log; per-day counts per result.
    static let usageLogs = PostgresMigration(
        version: 6,
        name: "usage-logs",
        statements: [
            "ALTER TABLE usage_log ADD COLUMN log TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE usage_log ADD COLUMN total_credits BIGINT",
            """
            UPDATE usage_log SET log = CASE WHEN feature IN ('credit_score', 'dti') THEN 'credit_checks' ELSE feature END
            """,
            "DROP INDEX usage_log_feature",
            "CREATE INDEX usage_log_page ON usage_log(account_id, log, created_at, id)",
            "CREATE INDEX usage_log_result ON usage_log(account_id, log, status, created_at, id)",
            """
            CREATE TABLE usage_log_days (
                account_id TEXT NOT NULL REFERENCES accounts(id),
                log TEXT NOT NULL,
                day TEXT COLLATE "C" NOT NULL,
                status TEXT NOT NULL,
                lines BIGINT NOT NULL,
                credits BIGINT NOT NULL,
                PRIMARY KEY (account_id, log, day, status)
            )
            """,
            """
            INSERT INTO usage_log_days (account_id, log, day, status, lines, credits)
            SELECT account_id, log, day, status, COUNT(*), SUM(credits) FROM usage_log
            GROUP BY account_id, log, day, status
            """,
        ]
    )

    /// SQLite's "7-login-attempts".
    static let loginAttempts = PostgresMigration(
        version: 7,
        name: "login-attempts",
        statements: [
            """
            CREATE TABLE login_attempts (
                email TEXT PRIMARY KEY,
                attempts BIGINT NOT NULL,
                window_start BIGINT NOT NULL
            )
            """
        ]
    )

    /// SQLite's "8-card-fingerprints".
    static let cardFingerprints = PostgresMigration(
        version: 8,
        name: "card-fingerprints",
        statements: [
            "ALTER TABLE payment_methods ADD COLUMN fingerprint TEXT",
            """
            CREATE UNIQUE INDEX payment_methods_fingerprint ON payment_methods(account_id, fingerprint)
            WHERE deleted_at IS NULL AND fingerprint IS NOT NULL
            """,
        ]
    )

    /// SQLite's "9-log-search": a trigram index (pg_trgm, a trusted extension the
    /// database's owner may create) of the text a log line is searched by.
    static let logSearch = PostgresMigration(
        version: 9,
        name: "log-search",
        statements: [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "CREATE INDEX usage_log_search ON usage_log USING gin ((\(unescaped: PostgresStore.searchText)) gin_trgm_ops)",
        ]
    )

    /// SQLite's "13-log-contacts". A contact's text is unique per account by its md5 (a
    /// B-tree entry holds at most a third of a page; a name has no such bound), and
    /// found by md5 and text.
    static let logContacts = PostgresMigration(
        version: 13,
        name: "log-contacts",
        statements: [
            """
            CREATE TABLE usage_log_contacts (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                text TEXT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX usage_log_contacts_text ON usage_log_contacts (account_id, md5(text))",
            """
            INSERT INTO usage_log_contacts (account_id, text)
            SELECT DISTINCT account_id, \(unescaped: PostgresStore.lineSearchText) FROM usage_log
            WHERE \(unescaped: PostgresStore.lineSearchText) IS NOT NULL
            """,
            "ALTER TABLE usage_log ADD COLUMN contact_id BIGINT REFERENCES usage_log_contacts(id)",
            """
            UPDATE usage_log SET contact_id = usage_log_contacts.id FROM usage_log_contacts
            WHERE usage_log_contacts.account_id = usage_log.account_id
                AND usage_log_contacts.text = \(unescaped: PostgresStore.lineSearchText)
            """,
            "CREATE INDEX usage_log_contact ON usage_log (account_id, log, contact_id, created_at)",
            "CREATE INDEX usage_log_contact_search ON usage_log_contacts USING gin (text gin_trgm_ops)",
            "DROP INDEX usage_log_search",
        ]
    )

    /// SQLite's "10-sms-sends".
    static let smsSends = PostgresMigration(
        version: 10,
        name: "sms-sends",
        statements: [
            """
            CREATE TABLE sms_sends (
                hold_id TEXT PRIMARY KEY REFERENCES holds(id),
                account_id TEXT NOT NULL REFERENCES accounts(id),
                idempotency_key TEXT,
                line TEXT NOT NULL,
                outcome TEXT CHECK (outcome IN ('sent', 'failed')),
                reason TEXT,
                created_at BIGINT NOT NULL,
                answered_at BIGINT,
                settled_at BIGINT
            )
            """,
            """
            CREATE UNIQUE INDEX sms_sends_key ON sms_sends(account_id, idempotency_key)
            WHERE idempotency_key IS NOT NULL
            """,
            "CREATE INDEX sms_sends_unsettled ON sms_sends(created_at) WHERE settled_at IS NULL",
        ]
    )

    /// SQLite's "11-recharge-intents".
    static let rechargeIntents = PostgresMigration(
        version: 11,
        name: "recharge-intents",
        statements: [
            "ALTER TABLE payment_intents ADD COLUMN recharge_id TEXT",
            "CREATE INDEX payment_intents_recharge ON payment_intents(recharge_id) WHERE settled_at IS NULL",
        ]
    )

    /// SQLite's "12-credit-lots". `lots`, `ledger_lots` and `refunds` carry a `sequence`
    /// as the metering tables do: ties break in insertion order, as SQLite's rowid breaks
    /// them (a ledger entry's movements are listed in the order they were written). The
    /// backfill is SQLite's, with GREATEST and LEAST for SQLite's scalar MAX and MIN, and
    /// window sums (NUMERIC in PostgreSQL) cast back to BIGINT.
    static let creditLots = PostgresMigration(
        version: 12,
        name: "credit-lots",
        statements: [
            """
            CREATE TABLE lots (
                id TEXT PRIMARY KEY,
                sequence BIGSERIAL NOT NULL,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                source TEXT NOT NULL CHECK (source IN ('purchase', 'recharge', 'grant', 'adjustment')),
                source_id TEXT NOT NULL,
                credits BIGINT NOT NULL CHECK (credits > 0),
                remaining BIGINT NOT NULL CHECK (remaining >= 0),
                held BIGINT NOT NULL DEFAULT 0 CHECK (held >= 0),
                cost_cents BIGINT NOT NULL DEFAULT 0 CHECK (cost_cents >= 0),
                expires_at BIGINT,
                priority INTEGER NOT NULL DEFAULT 100,
                reason TEXT,
                created_by TEXT,
                created_at BIGINT NOT NULL,
                expiry_noticed_at BIGINT,
                lease_until BIGINT,
                CHECK (remaining + held <= credits)
            )
            """,
            "CREATE INDEX lots_spendable ON lots(account_id) WHERE remaining > 0",
            "CREATE INDEX lots_held ON lots(account_id) WHERE held > 0",
            "CREATE INDEX lots_source ON lots(account_id, source_id, sequence)",
            "CREATE INDEX lots_expiry ON lots(expires_at, sequence) WHERE remaining > 0 AND expires_at IS NOT NULL",
            """
            CREATE TABLE ledger_lots (
                ledger_id TEXT NOT NULL,
                lot_id TEXT NOT NULL REFERENCES lots(id),
                sequence BIGSERIAL NOT NULL,
                account_id TEXT NOT NULL,
                hold_id TEXT,
                available BIGINT NOT NULL,
                held BIGINT NOT NULL,
                PRIMARY KEY (ledger_id, lot_id)
            )
            """,
            "CREATE INDEX ledger_lots_lot ON ledger_lots(lot_id)",
            "CREATE INDEX ledger_lots_hold ON ledger_lots(hold_id) WHERE hold_id IS NOT NULL",
            """
            CREATE TABLE refunds (
                id TEXT PRIMARY KEY,
                sequence BIGSERIAL NOT NULL,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                purchase_id TEXT NOT NULL,
                lot_id TEXT NOT NULL,
                credits BIGINT NOT NULL CHECK (credits > 0),
                amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
                status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
                gateway_reference TEXT,
                failure_reason TEXT,
                created_at BIGINT NOT NULL,
                settled_at BIGINT,
                lease_until BIGINT
            )
            """,
            "CREATE INDEX refunds_purchase ON refunds(account_id, purchase_id, created_at)",
            "CREATE INDEX refunds_pending ON refunds(created_at, sequence) WHERE status = 'pending'",
            """
            CREATE TABLE adjustments (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                credits BIGINT NOT NULL CHECK (credits <> 0),
                reason TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "ALTER TABLE purchases ADD COLUMN refunded_credits BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE purchases ADD COLUMN refunded_cents BIGINT NOT NULL DEFAULT 0",
            """
            WITH additions AS (
                SELECT l.sequence, l.id AS ledger_id, l.account_id, l.kind, l.reference, l.total AS credits, l.created_at,
                    COALESCE((SELECT p.amount_cents FROM purchases p
                        WHERE p.id = l.reference AND p.account_id = l.account_id), 0) AS cost,
                    COALESCE(SUM(l.total) OVER (PARTITION BY l.account_id ORDER BY l.sequence DESC
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::BIGINT AS newer
                FROM ledger l WHERE l.total > 0
            ), unused AS (
                SELECT a.*, w.held AS wallet_held, GREATEST(0, LEAST(a.credits, w.available + w.held - a.newer)) AS unused
                FROM additions a JOIN wallets w ON w.account_id = a.account_id
            ), older AS (
                SELECT u.*, COALESCE(SUM(u.unused) OVER (PARTITION BY u.account_id ORDER BY u.sequence
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::BIGINT AS older_unused
                FROM unused u
            ), shares AS (
                SELECT o.*, GREATEST(0, LEAST(o.unused, o.wallet_held - o.older_unused)) AS held_share FROM older o
            )
            INSERT INTO lots (id, account_id, source, source_id, credits, remaining, held, cost_cents, priority, created_at)
            SELECT 'lot_' || ledger_id, account_id,
                CASE kind WHEN 'purchase' THEN 'purchase' WHEN 'recharge' THEN 'recharge' ELSE 'adjustment' END,
                reference, credits, unused - held_share, held_share, cost, 100, created_at
            FROM shares ORDER BY sequence
            """,
            """
            INSERT INTO ledger_lots (ledger_id, lot_id, account_id, hold_id, available, held)
            SELECT substr(id, 5), id, account_id, NULL, credits, 0 FROM lots ORDER BY sequence
            """,
            """
            INSERT INTO ledger_lots (ledger_id, lot_id, account_id, hold_id, available, held)
            SELECT 'backfill', id, account_id, NULL, remaining - credits, held FROM lots ORDER BY sequence
            """,
        ]
    )

    /// Keys for distributing by account: the primary key, unique keys and foreign keys of
    /// the tables that carried their account but were keyed by `id` alone now name the
    /// account first, so a row, its uniqueness and its references live with the account
    /// (docs/scaling.md, `SchemaKeysTests`). Every lookup already names the account; the
    /// background work that finds rows across accounts reads them by account and id.
    static let accountKeys = PostgresMigration(
        version: 14,
        name: "account-keys",
        statements: [
            // The foreign keys by another row's id alone hang on the keys being replaced.
            "ALTER TABLE ledger_lots DROP CONSTRAINT ledger_lots_lot_id_fkey",
            "ALTER TABLE sms_sends DROP CONSTRAINT sms_sends_hold_id_fkey",
            "ALTER TABLE usage_log DROP CONSTRAINT usage_log_contact_id_fkey",
            // Every primary key and unique key names the account first.
            "ALTER TABLE adjustments DROP CONSTRAINT adjustments_pkey, ADD PRIMARY KEY (account_id, id)",
            "ALTER TABLE api_keys DROP CONSTRAINT api_keys_pkey, ADD PRIMARY KEY (account_id, id)",
            "ALTER TABLE holds DROP CONSTRAINT holds_pkey, ADD PRIMARY KEY (account_id, id)",
            "ALTER TABLE lots DROP CONSTRAINT lots_pkey, ADD PRIMARY KEY (account_id, id)",
            "ALTER TABLE payment_intents DROP CONSTRAINT payment_intents_pkey, ADD PRIMARY KEY (account_id, id)",
            "ALTER TABLE payment_methods DROP CONSTRAINT payment_methods_pkey, ADD PRIMARY KEY (account_id, id)",
            "ALTER TABLE purchases DROP CONSTRAINT purchases_pkey, ADD PRIMARY KEY (account_id, id)",
            "ALTER TABLE recharges DROP CONSTRAINT recharges_pkey, ADD PRIMARY KEY (account_id, id)",
            "ALTER TABLE refunds DROP CONSTRAINT refunds_pkey, ADD PRIMARY KEY (account_id, id)",
            "ALTER TABLE usage_log DROP CONSTRAINT usage_log_pkey, ADD PRIMARY KEY (account_id, id)",
            "ALTER TABLE usage_log_contacts DROP CONSTRAINT usage_log_contacts_pkey, ADD PRIMARY KEY (account_id, id)",
            "ALTER TABLE ledger DROP CONSTRAINT ledger_pkey, ADD PRIMARY KEY (account_id, sequence)",
            "ALTER TABLE ledger DROP CONSTRAINT ledger_id_key, ADD UNIQUE (account_id, id)",
            "ALTER TABLE ledger_lots DROP CONSTRAINT ledger_lots_pkey, ADD PRIMARY KEY (account_id, ledger_id, lot_id)",
            "ALTER TABLE sms_sends DROP CONSTRAINT sms_sends_pkey, ADD PRIMARY KEY (account_id, hold_id)",
            // And the foreign keys again, by account and id.
            "ALTER TABLE ledger_lots ADD FOREIGN KEY (account_id, lot_id) REFERENCES lots (account_id, id)",
            "ALTER TABLE sms_sends ADD FOREIGN KEY (account_id, hold_id) REFERENCES holds (account_id, id)",
            "ALTER TABLE usage_log ADD FOREIGN KEY (account_id, contact_id) REFERENCES usage_log_contacts (account_id, id)",
        ]
    )

    /// Sessions and webhook deliveries carry their account (the user's, the webhook's), so
    /// users, webhooks and notifications are keyed `(account_id, id)` too and every
    /// reference names the account. A session is still found by its token's hash before
    /// any account is known (a lookup docs/scaling.md keeps on the coordinator); a delivery
    /// attempt is recorded by its id, through an index of its own.
    static let sessionAndDeliveryAccounts = PostgresMigration(
        version: 15,
        name: "session-and-delivery-accounts",
        statements: [
            "ALTER TABLE sessions ADD COLUMN account_id TEXT",
            "UPDATE sessions s SET account_id = u.account_id FROM users u WHERE u.id = s.user_id",
            "ALTER TABLE sessions ALTER COLUMN account_id SET NOT NULL",
            "ALTER TABLE webhook_deliveries ADD COLUMN account_id TEXT",
            "UPDATE webhook_deliveries d SET account_id = w.account_id FROM webhooks w WHERE w.id = d.webhook_id",
            "ALTER TABLE webhook_deliveries ALTER COLUMN account_id SET NOT NULL",
            "ALTER TABLE sessions DROP CONSTRAINT sessions_user_id_fkey",
            "ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_webhook_id_fkey",
            "ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_notification_id_fkey",
            "ALTER TABLE users DROP CONSTRAINT users_pkey, ADD PRIMARY KEY (account_id, id)",
            "ALTER TABLE webhooks DROP CONSTRAINT webhooks_pkey, ADD PRIMARY KEY (account_id, id)",
            "ALTER TABLE notifications DROP CONSTRAINT notifications_pkey, ADD PRIMARY KEY (account_id, id)",
            "ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_pkey, ADD PRIMARY KEY (account_id, id)",
            """
            ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_webhook_id_notification_id_key,
                ADD UNIQUE (account_id, webhook_id, notification_id)
            """,
            "ALTER TABLE sessions ADD FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id)",
            "ALTER TABLE webhook_deliveries ADD FOREIGN KEY (account_id, webhook_id) REFERENCES webhooks (account_id, id)",
            """
            ALTER TABLE webhook_deliveries ADD FOREIGN KEY (account_id, notification_id)
                REFERENCES notifications (account_id, id)
            """,
            "CREATE INDEX webhook_deliveries_id ON webhook_deliveries (id)",
        ]
    )

    /// Until when (wall clock, milliseconds) an open claim's request is known to be alive:
    /// a running request renews it, so a lapsed lease is a request whose process is gone.
    static let claimLeases = PostgresMigration(
        version: 16,
        name: "claim-leases",
        statements: ["ALTER TABLE idempotency_keys ADD COLUMN lease_until BIGINT"]
    )

    /// A recharge owed to the account's next spending: a refund, an adjustment, a dispute
    /// or an expiry took available below the threshold (`BalanceEffects.rechargeArmed`).
    static let rechargeArmed = PostgresMigration(
        version: 17,
        name: "recharge-armed",
        statements: ["ALTER TABLE auto_recharges ADD COLUMN recharge_armed BOOLEAN NOT NULL DEFAULT FALSE"]
    )

    /// SQLite's "17-provider-inbox". The inbox belongs to no account: an event is stored
    /// before it is known whose it is, so it is a reference table (docs/scaling.md).
    static let providerInbox = PostgresMigration(
        version: 18,
        name: "provider-inbox",
        statements: [
            """
            CREATE TABLE provider_events (
                provider TEXT NOT NULL,
                id TEXT NOT NULL,
                type TEXT NOT NULL,
                body BYTEA NOT NULL,
                received_at BIGINT NOT NULL,
                applied_at BIGINT,
                problem TEXT,
                PRIMARY KEY (provider, id)
            )
            """,
            """
            CREATE INDEX provider_events_unapplied ON provider_events(provider, received_at, id COLLATE "C")
                WHERE applied_at IS NULL
            """,
            """
            CREATE TABLE reversals (
                id TEXT NOT NULL,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                kind TEXT NOT NULL CHECK (kind IN ('dispute', 'refund')),
                purchase_id TEXT NOT NULL,
                lot_id TEXT NOT NULL,
                amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
                credits_taken BIGINT NOT NULL CHECK (credits_taken >= 0),
                shortfall BIGINT NOT NULL CHECK (shortfall >= 0),
                status TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),
                reason TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                closed_at BIGINT,
                PRIMARY KEY (account_id, id)
            )
            """,
            "CREATE INDEX reversals_purchase ON reversals(account_id, purchase_id, created_at)",
            "ALTER TABLE purchases ADD COLUMN dispute_status TEXT CHECK (dispute_status IN ('open', 'won', 'lost'))",
            "ALTER TABLE accounts ADD COLUMN gateway_customer TEXT",
            "ALTER TABLE payment_intents ADD COLUMN save_card BOOLEAN NOT NULL DEFAULT FALSE",
            "ALTER TABLE payment_intents ADD COLUMN gateway_reference TEXT",
        ]
    )

    /// What carriers and phone providers report (see `SQLiteMigrations.carrierReports`).
    static let carrierReports = PostgresMigration(
        version: 19,
        name: "carrier-reports",
        statements: [
            "ALTER TABLE sms_sends ADD COLUMN message_id TEXT",
            "ALTER TABLE sms_sends ADD COLUMN carrier_id TEXT",
            "ALTER TABLE sms_sends ADD COLUMN carrier_segments INTEGER",
            "ALTER TABLE sms_sends ADD COLUMN body_digest TEXT",
            "CREATE INDEX sms_sends_message ON sms_sends(message_id) WHERE message_id IS NOT NULL",
            "ALTER TABLE usage_log ADD COLUMN sent_at BIGINT",
            "ALTER TABLE usage_log ADD COLUMN carrier_segments INTEGER",
            "ALTER TABLE usage_log ADD COLUMN line_type TEXT",
        ]
    )

    /// Spending control (see `SQLiteMigrations.spendingControl`).
    static let spendingControl = PostgresMigration(
        version: 20,
        name: "spending-control",
        statements: [
            """
            CREATE TABLE balance_alerts (
                account_id TEXT NOT NULL REFERENCES accounts(id),
                threshold BIGINT NOT NULL CHECK (threshold > 0),
                fired_at BIGINT,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (account_id, threshold)
            )
            """,
            """
            CREATE TABLE spend_caps (
                account_id TEXT NOT NULL REFERENCES accounts(id),
                feature TEXT NOT NULL,
                period TEXT NOT NULL CHECK (period IN ('day', 'month')),
                credits BIGINT NOT NULL CHECK (credits > 0),
                created_at BIGINT NOT NULL,
                PRIMARY KEY (account_id, feature, period)
            )
            """,
            "CREATE INDEX holds_open_by_feature ON holds(account_id, feature) WHERE status = 'active'",
            // Which of them an account has (`SpendingControls`): read by the posting that locks the row.
            "ALTER TABLE wallets ADD COLUMN controls INTEGER NOT NULL DEFAULT 0",
        ]
    )

    /// The request key of each ledger entry (see `SQLiteMigrations.ledgerRequestKeys`).
    static let ledgerRequestKeys = PostgresMigration(
        version: 21,
        name: "ledger-request-keys",
        statements: [
            "ALTER TABLE ledger ADD COLUMN idempotency_key TEXT",
            "CREATE INDEX ledger_reference ON ledger(account_id, reference)",
        ]
    )

    /// A charge in one call, PostgreSQL's own (SQLite runs its statements in its writer
    /// without a round trip each): `PostgresStore.ChargeCall` explains what it does and
    /// when the store uses it. Versioned with the schema it writes: `ChargeFunction.create`
    /// is its current text, created again by each migration that changes it.
    static let chargeInOneCall = PostgresMigration(
        version: 22,
        name: "charge-in-one-call",
        statements: [PostgresQuery(unsafeSQL: ChargeFunction.create)]
    )

    /// The ledger's index by account and sequence, kept once: since "account-keys" made
    /// `(account_id, sequence)` the primary key, `ledger_account` repeated it, and every
    /// entry written paid for both. (SQLite keys its ledger by `sequence` alone and keeps
    /// its `ledger_account`.)
    static let ledgerKeyOnce = PostgresMigration(
        version: 23,
        name: "ledger-key-once",
        statements: ["DROP INDEX ledger_account"]
    )

    /// A lot drawn from is updated in place. Its indexes' conditions named `remaining` and
    /// `held`, which every draw, hold and release changes, so each of them wrote a new copy
    /// of the lot into every one of its indexes, and a busy wallet's lot left a trail of
    /// dead entries for the next charge's scan to skip. The conditions now name flags that
    /// change only when a lot runs out or stops holding (generated, so no statement can set
    /// them wrong), and the lot's pages keep room for its new versions (`fillfactor`):
    /// PostgreSQL's update in place, which writes no index. Adding the columns rewrites the
    /// table once. `tally_charge` reads the flags from now on.
    static let lotFlags = PostgresMigration(
        version: 24,
        name: "lot-flags",
        statements: [
            "ALTER TABLE lots ADD COLUMN has_remaining BOOLEAN GENERATED ALWAYS AS (remaining > 0) STORED",
            "ALTER TABLE lots ADD COLUMN has_held BOOLEAN GENERATED ALWAYS AS (held > 0) STORED",
            "ALTER TABLE lots SET (fillfactor = 80)",
            "DROP INDEX lots_spendable",
            "DROP INDEX lots_held",
            "DROP INDEX lots_expiry",
            "CREATE INDEX lots_spendable ON lots(account_id) WHERE has_remaining",
            "CREATE INDEX lots_held ON lots(account_id) WHERE has_held",
            "CREATE INDEX lots_expiry ON lots(expires_at, sequence) WHERE has_remaining AND expires_at IS NOT NULL",
            PostgresQuery(unsafeSQL: ChargeFunction.create),
        ]
    )

    /// An account's balance alerts and spend caps no longer send its charges statement by
    /// statement: `tally_charge` checks them, and leaves to the statements only the debit
    /// that fires or re-arms an alert (which they tell of) or passes a cap (which they
    /// refuse, with its figures). And auto-recharge settings ask for balance effects only
    /// below their threshold or with a recharge owed: above it, a charge is one call alone.
    static let chargeWithControls = PostgresMigration(
        version: 25,
        name: "charge-with-controls",
        statements: [PostgresQuery(unsafeSQL: ChargeFunction.create)]
    )

    /// A hold of the API placed, and captured, released or expired, and a purchase's credit
    /// step, in one call each, as a charge is (`HoldFunctions`): each was a transaction of a
    /// statement per row.
    static let holdsInOneCall = PostgresMigration(
        version: 26,
        name: "holds-in-one-call",
        statements: [
            PostgresQuery(unsafeSQL: HoldFunctions.createHold), PostgresQuery(unsafeSQL: HoldFunctions.createSettle),
            PostgresQuery(unsafeSQL: HoldFunctions.createCredit),
        ]
    )
}
