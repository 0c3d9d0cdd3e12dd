import GRDB

/// The SQLite schema, as named migrations applied in order.
///
/// Amounts are INTEGER thousandths of a credit or cents; times are INTEGER
/// milliseconds since 1970 (UTC).
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1-accounts-wallets-ledger") { db in
            try db.execute(sql: accountsWalletsLedger)
        }
        migrator.registerMigration("2-metering") { db in
            try db.execute(sql: metering)
        }
        migrator.registerMigration("3-recharges-webhooks") { db in
            try db.execute(sql: rechargesWebhooks)
        }
        migrator.registerMigration("4-payment-intents") { db in
            try db.execute(sql: paymentIntents)
        }
        migrator.registerMigration("5-api-key-revocation") { db in
            try db.execute(sql: "ALTER TABLE api_keys ADD COLUMN revoked_at INTEGER")
        }
        migrator.registerMigration("6-usage-logs") { db in
            try db.execute(sql: usageLogs)
        }
        migrator.registerMigration("7-login-attempts") { db in
            try db.execute(sql: loginAttempts)
        }
        migrator.registerMigration("8-card-fingerprints") { db in
            try db.execute(sql: cardFingerprints)
        }
        migrator.registerMigration("9-log-search") { db in
            try db.execute(sql: logSearch)
        }
        migrator.registerMigration("10-sms-sends") { db in
            try db.execute(sql: smsSends)
        }
        migrator.registerMigration("11-recharge-intents") { db in
            try db.execute(sql: rechargeIntents)
        }
        migrator.registerMigration("12-credit-lots") { db in
            try db.execute(sql: creditLots)
        }
        migrator.registerMigration("13-log-contacts") { db in
            try db.execute(sql: logContacts)
        }
        migrator.registerMigration("14-clustered-rollups") { db in
            try db.execute(sql: clusteredRollups)
        }
        migrator.registerMigration("15-claim-leases") { db in
            try db.execute(sql: claimLeases)
        }
        migrator.registerMigration("16-recharge-armed") { db in
            try db.execute(sql: rechargeArmed)
        }
        migrator.registerMigration("17-provider-inbox") { db in
            try db.execute(sql: providerInbox)
        }
        migrator.registerMigration("18-carrier-reports") { db in
            try db.execute(sql: carrierReports)
        }
        migrator.registerMigration("19-spending-control") { db in
            try db.execute(sql: spendingControl)
        }
        migrator.registerMigration("20-ledger-request-keys") { db in
            try db.execute(sql: ledgerRequestKeys)
        }
        migrator.registerMigration("21-spending-controls") { db in
            try db.execute(sql: spendingControls)
        }
        migrator.registerMigration("22-lot-flags") { db in
            try db.execute(sql: lotFlags)
        }
        return migrator
    }

    /// Whether a lot has credits left (`has_remaining`) and holds any (`has_held`), as
    /// columns the lot indexes' conditions name, as on PostgreSQL, where a charge's draw
    /// then changes no indexed column and updates the lot in place
    /// (`PostgresMigrations.lotFlags`). The same statements read both engines.
    static let lotFlags = """
        ALTER TABLE lots ADD COLUMN has_remaining INTEGER GENERATED ALWAYS AS (remaining > 0) VIRTUAL;
        ALTER TABLE lots ADD COLUMN has_held INTEGER GENERATED ALWAYS AS (held > 0) VIRTUAL;
        DROP INDEX lots_spendable;
        DROP INDEX lots_held;
        DROP INDEX lots_expiry;
        CREATE INDEX lots_spendable ON lots(account_id) WHERE has_remaining;
        CREATE INDEX lots_held ON lots(account_id) WHERE has_held;
        CREATE INDEX lots_expiry ON lots(expires_at) WHERE has_remaining AND expires_at IS NOT NULL;
        """

    /// Which spending controls an account has (`SpendingControls`: 1 its balance alerts,
    /// 2 its spend caps), kept on its wallet row as on PostgreSQL, so that the posting that
    /// updates the row also says whether a charge needs to read them. Set from the rows an
    /// account already has, so alerts and caps saved before this migration keep working.
    static let spendingControls = """
        ALTER TABLE wallets ADD COLUMN controls INTEGER NOT NULL DEFAULT 0;
        UPDATE wallets SET controls =
            CASE WHEN EXISTS (SELECT 1 FROM balance_alerts a WHERE a.account_id = wallets.account_id) THEN 1 ELSE 0 END
            | CASE WHEN EXISTS (SELECT 1 FROM spend_caps c WHERE c.account_id = wallets.account_id) THEN 2 ELSE 0 END;
        """

    /// Spending control: an account's balance alerts, each armed (`fired_at` NULL) until
    /// available falls below its threshold, and its spend caps, at most so many credits of
    /// a feature per Pacific day or month.
    static let spendingControl = """
        CREATE TABLE balance_alerts (
            account_id TEXT NOT NULL REFERENCES accounts(id),
            threshold INTEGER NOT NULL CHECK (threshold > 0),
            fired_at INTEGER,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (account_id, threshold)
        );
        CREATE TABLE spend_caps (
            account_id TEXT NOT NULL REFERENCES accounts(id),
            feature TEXT NOT NULL,
            period TEXT NOT NULL CHECK (period IN ('day', 'month')),
            credits INTEGER NOT NULL CHECK (credits > 0),
            created_at INTEGER NOT NULL,
            PRIMARY KEY (account_id, feature, period)
        );
        CREATE INDEX holds_open_by_feature ON holds(account_id, feature) WHERE status = 'active';
        """

    /// A ledger entry keeps the `Idempotency-Key` of the request that wrote it, so that
    /// every charge can be explained down to the request that made it. Entries written
    /// before, or by Tally's own background work, have none. A log line finds the entry
    /// that charged it by its reference.
    static let ledgerRequestKeys = """
        ALTER TABLE ledger ADD COLUMN idempotency_key TEXT;
        CREATE INDEX ledger_reference ON ledger(account_id, reference);
        """

    /// What carriers and phone providers report. A message the carrier queued keeps the
    /// carrier's id (and its segment count) until the carrier reports it sent or failed;
    /// its status callbacks name it by Tally's message id. A log line keeps when its
    /// message was sent, the carrier's segment count when it differs, and a phone's line type.
    static let carrierReports = """
        ALTER TABLE sms_sends ADD COLUMN message_id TEXT;
        ALTER TABLE sms_sends ADD COLUMN carrier_id TEXT;
        ALTER TABLE sms_sends ADD COLUMN carrier_segments INTEGER;
        ALTER TABLE sms_sends ADD COLUMN body_digest TEXT;
        CREATE INDEX sms_sends_message ON sms_sends(message_id) WHERE message_id IS NOT NULL;
        ALTER TABLE usage_log ADD COLUMN sent_at INTEGER;
        ALTER TABLE usage_log ADD COLUMN carrier_segments INTEGER;
        ALTER TABLE usage_log ADD COLUMN line_type TEXT;
        """

    /// What payment providers tell Tally after the fact. Their events land in an inbox
    /// keyed by the provider's own id, so a retried delivery is stored once and applied
    /// once (`applied_at` is set in the transaction that moves its credits); one that
    /// could not be applied keeps its `problem`. A dispute or a refund made at the
    /// provider is a reversal of its purchase; the purchase shows where its latest dispute
    /// stands. An account keeps the one gateway customer its cards are saved under.
    static let providerInbox = """
        CREATE TABLE provider_events (
            provider TEXT NOT NULL,
            id TEXT NOT NULL,
            type TEXT NOT NULL,
            body BLOB NOT NULL,
            received_at INTEGER NOT NULL,
            applied_at INTEGER,
            problem TEXT,
            PRIMARY KEY (provider, id)
        );
        CREATE INDEX provider_events_unapplied ON provider_events(provider, received_at, id) WHERE applied_at IS NULL;
        CREATE TABLE reversals (
            id TEXT NOT NULL,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            kind TEXT NOT NULL CHECK (kind IN ('dispute', 'refund')),
            purchase_id TEXT NOT NULL,
            lot_id TEXT NOT NULL,
            amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
            credits_taken INTEGER NOT NULL CHECK (credits_taken >= 0),
            shortfall INTEGER NOT NULL CHECK (shortfall >= 0),
            status TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),
            reason TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            closed_at INTEGER,
            PRIMARY KEY (account_id, id)
        );
        CREATE INDEX reversals_purchase ON reversals(account_id, purchase_id, created_at);
        ALTER TABLE purchases ADD COLUMN dispute_status TEXT CHECK (dispute_status IN ('open', 'won', 'lost'));
        ALTER TABLE accounts ADD COLUMN gateway_customer TEXT;
        ALTER TABLE payment_intents ADD COLUMN save_card INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE payment_intents ADD COLUMN gateway_reference TEXT;
        """

    /// A recharge owed to the account's next spending: a refund, an adjustment, a dispute
    /// or an expiry took available below the threshold (`BalanceEffects.rechargeArmed`).
    static let rechargeArmed = """
        ALTER TABLE auto_recharges ADD COLUMN recharge_armed INTEGER NOT NULL DEFAULT 0;
        """

    /// Until when (wall clock, milliseconds) an open claim's request is known to be alive:
    /// a running request renews it, so a lapsed lease is a request whose process is gone.
    static let claimLeases = """
        ALTER TABLE idempotency_keys ADD COLUMN lease_until INTEGER;
        """

    /// The daily rollups stored in their key's order (`WITHOUT ROWID`): a usage report
    /// reads a range of an account's days, and each rollup then sits in the key's own
    /// pages instead of one more lookup away in the table.
    static let clusteredRollups = """
        CREATE TABLE usage_rollups_clustered (
            account_id TEXT NOT NULL REFERENCES accounts(id),
            day TEXT NOT NULL,
            feature TEXT NOT NULL,
            uses INTEGER NOT NULL,
            credits INTEGER NOT NULL,
            PRIMARY KEY (account_id, day, feature)
        ) WITHOUT ROWID;
        INSERT INTO usage_rollups_clustered (account_id, day, feature, uses, credits)
            SELECT account_id, day, feature, uses, credits FROM usage_rollups;
        DROP TABLE usage_rollups;
        ALTER TABLE usage_rollups_clustered RENAME TO usage_rollups;
        """

    /// Every credit added is a lot; each ledger entry's movements of lots are kept
    /// beside it. Existing wallets get one lot per past addition (what was spent or held
    /// of it before lots existed is one movement named `backfill`): the credits still in
    /// the wallet belong to the newest additions (the oldest were spent first), and of
    /// those the held credits to the oldest (`LotBackfill` states the same rule).
    static let creditLots = """
        CREATE TABLE lots (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            source TEXT NOT NULL CHECK (source IN ('purchase', 'recharge', 'grant', 'adjustment')),
            source_id TEXT NOT NULL,
            credits INTEGER NOT NULL CHECK (credits > 0),
            remaining INTEGER NOT NULL CHECK (remaining >= 0),
            held INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0),
            cost_cents INTEGER NOT NULL DEFAULT 0 CHECK (cost_cents >= 0),
            expires_at INTEGER,
            priority INTEGER NOT NULL DEFAULT 100,
            reason TEXT,
            created_by TEXT,
            created_at INTEGER NOT NULL,
            expiry_noticed_at INTEGER,
            lease_until INTEGER,
            CHECK (remaining + held <= credits)
        );
        CREATE INDEX lots_spendable ON lots(account_id) WHERE remaining > 0;
        CREATE INDEX lots_held ON lots(account_id) WHERE held > 0;
        CREATE INDEX lots_source ON lots(account_id, source_id);
        CREATE INDEX lots_expiry ON lots(expires_at) WHERE remaining > 0 AND expires_at IS NOT NULL;
        CREATE TABLE ledger_lots (
            ledger_id TEXT NOT NULL,
            lot_id TEXT NOT NULL REFERENCES lots(id),
            account_id TEXT NOT NULL,
            hold_id TEXT,
            available INTEGER NOT NULL,
            held INTEGER NOT NULL,
            PRIMARY KEY (ledger_id, lot_id)
        );
        CREATE INDEX ledger_lots_lot ON ledger_lots(lot_id);
        CREATE INDEX ledger_lots_hold ON ledger_lots(hold_id) WHERE hold_id IS NOT NULL;
        CREATE TABLE refunds (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            purchase_id TEXT NOT NULL,
            lot_id TEXT NOT NULL,
            credits INTEGER NOT NULL CHECK (credits > 0),
            amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
            status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
            gateway_reference TEXT,
            failure_reason TEXT,
            created_at INTEGER NOT NULL,
            settled_at INTEGER,
            lease_until INTEGER
        );
        CREATE INDEX refunds_purchase ON refunds(account_id, purchase_id, created_at);
        CREATE INDEX refunds_pending ON refunds(created_at) WHERE status = 'pending';
        CREATE TABLE adjustments (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            credits INTEGER NOT NULL CHECK (credits <> 0),
            reason TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        ALTER TABLE purchases ADD COLUMN refunded_credits INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE purchases ADD COLUMN refunded_cents INTEGER NOT NULL DEFAULT 0;
        INSERT INTO lots (id, account_id, source, source_id, credits, remaining, held, cost_cents, priority, created_at)
        WITH additions AS (
            SELECT l.sequence, l.id AS ledger_id, l.account_id, l.kind, l.reference, l.total AS credits, l.created_at,
                COALESCE((SELECT p.amount_cents FROM purchases p
                    WHERE p.id = l.reference AND p.account_id = l.account_id), 0) AS cost,
                COALESCE(SUM(l.total) OVER (PARTITION BY l.account_id ORDER BY l.sequence DESC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS newer
            FROM ledger l WHERE l.total > 0
        ), unused AS (
            SELECT a.*, w.held AS wallet_held, MAX(0, MIN(a.credits, w.available + w.held - a.newer)) AS unused
            FROM additions a JOIN wallets w ON w.account_id = a.account_id
        ), older AS (
            SELECT u.*, COALESCE(SUM(u.unused) OVER (PARTITION BY u.account_id ORDER BY u.sequence
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS older_unused
            FROM unused u
        ), shares AS (
            SELECT o.*, MAX(0, MIN(o.unused, o.wallet_held - o.older_unused)) AS held_share FROM older o
        )
        SELECT 'lot_' || ledger_id, account_id,
            CASE kind WHEN 'purchase' THEN 'purchase' WHEN 'recharge' THEN 'recharge' ELSE 'adjustment' END,
            reference, credits, unused - held_share, held_share, cost, 100, created_at
        FROM shares;
        INSERT INTO ledger_lots (ledger_id, lot_id, account_id, hold_id, available, held)
        SELECT substr(id, 5), id, account_id, NULL, credits, 0 FROM lots;
        INSERT INTO ledger_lots (ledger_id, lot_id, account_id, hold_id, available, held)
        SELECT 'backfill', id, account_id, NULL, remaining - credits, held FROM lots;
        """

    /// Each usage line names its log (credit score and DTI share one), so a page of a
    /// log is one index range in log order; per-day counts answer a log's totals
    /// without reading the log. Existing lines are filed and counted.
    static let usageLogs = """
        ALTER TABLE usage_log ADD COLUMN log TEXT NOT NULL DEFAULT '';
        ALTER TABLE usage_log ADD COLUMN total_credits INTEGER;
        UPDATE usage_log SET log = CASE WHEN feature IN ('credit_score', 'dti') THEN 'credit_checks' ELSE feature END;
        DROP INDEX usage_log_feature;
        CREATE INDEX usage_log_page ON usage_log(account_id, log, created_at, id);
        CREATE INDEX usage_log_result ON usage_log(account_id, log, status, created_at, id);
        CREATE TABLE usage_log_days (
            account_id TEXT NOT NULL REFERENCES accounts(id),
            log TEXT NOT NULL,
            day TEXT NOT NULL,
            status TEXT NOT NULL,
            lines INTEGER NOT NULL,
            credits INTEGER NOT NULL,
            PRIMARY KEY (account_id, log, day, status)
        );
        INSERT INTO usage_log_days (account_id, log, day, status, lines, credits)
            SELECT account_id, log, day, status, COUNT(*), SUM(credits) FROM usage_log
            GROUP BY account_id, log, day, status;
        """

    /// Login attempts counted per email, shared by every process on the database.
    /// A trigram index of the text a log line is searched by (contact name and email,
    /// the email or phone checked), one row per line naming it: a search finds a
    /// person's lines without reading the range. Existing lines are indexed.
    static let logSearch = """
        CREATE VIRTUAL TABLE usage_log_search USING fts5(line UNINDEXED, text, tokenize = 'trigram', detail = 'none');
        INSERT INTO usage_log_search (line, text)
            SELECT id, trim(coalesce(contact_name, '') || ' ' || coalesce(contact_email, '') || ' '
                || coalesce(email, '') || ' ' || coalesce(phone, ''))
            FROM usage_log WHERE coalesce(contact_name, contact_email, email, phone) IS NOT NULL;
        """

    /// The text a line is searched by, as `LogSearch.indexedText` joins it: the non-empty
    /// fields, one space apart; NULL when there is none.
    static let lineSearchText = """
        NULLIF(substr(coalesce(' ' || nullif(contact_name, ''), '') || coalesce(' ' || nullif(contact_email, ''), '')
            || coalesce(' ' || nullif(email, ''), '') || coalesce(' ' || nullif(phone, ''), ''), 2), '')
        """

    /// The people a log is about, each once per account: a line names its contact (the
    /// text it is searched by), and the trigram index holds the contacts, not the lines.
    /// A search finds the few contacts matching and reads their lines by key, so its cost
    /// follows the matches, not the log's length; and a charge adds to the index only for
    /// a contact not seen before. Existing lines are given their contacts; the per-line
    /// index goes.
    static let logContacts = """
        CREATE TABLE usage_log_contacts (
            id INTEGER PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            text TEXT NOT NULL,
            UNIQUE (account_id, text)
        );
        CREATE VIRTUAL TABLE usage_log_contact_search USING fts5(
            text, content = 'usage_log_contacts', content_rowid = 'id', tokenize = 'trigram', detail = 'none'
        );
        INSERT INTO usage_log_contacts (account_id, text)
            SELECT DISTINCT account_id, \(lineSearchText) FROM usage_log WHERE \(lineSearchText) IS NOT NULL;
        INSERT INTO usage_log_contact_search (rowid, text) SELECT id, text FROM usage_log_contacts;
        ALTER TABLE usage_log ADD COLUMN contact_id INTEGER REFERENCES usage_log_contacts(id);
        UPDATE usage_log SET contact_id = (
            SELECT id FROM usage_log_contacts
            WHERE usage_log_contacts.account_id = usage_log.account_id AND usage_log_contacts.text = \(lineSearchText)
        );
        CREATE INDEX usage_log_contact ON usage_log(account_id, log, contact_id, created_at);
        DROP TABLE usage_log_search;
        """

    /// Messages on their way to the carrier, with the carrier's answer once it came:
    /// the record a message's hold is settled from, by its request or the reconciler.
    static let smsSends = """
        CREATE TABLE sms_sends (
            hold_id TEXT PRIMARY KEY REFERENCES holds(id),
            account_id TEXT NOT NULL REFERENCES accounts(id),
            idempotency_key TEXT,
            line TEXT NOT NULL,
            outcome TEXT CHECK (outcome IN ('sent', 'failed')),
            reason TEXT,
            created_at INTEGER NOT NULL,
            answered_at INTEGER,
            settled_at INTEGER
        );
        CREATE UNIQUE INDEX sms_sends_key ON sms_sends(account_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE INDEX sms_sends_unsettled ON sms_sends(created_at) WHERE settled_at IS NULL;
        """

    /// A recharge's payment is written down before the card processor is asked, like a
    /// person's purchase; the recharge worker settles it, whatever the settings say then.
    static let rechargeIntents = """
        ALTER TABLE payment_intents ADD COLUMN recharge_id TEXT;
        CREATE INDEX payment_intents_recharge ON payment_intents(recharge_id) WHERE settled_at IS NULL;
        """

    static let loginAttempts = """
        CREATE TABLE login_attempts (
            email TEXT PRIMARY KEY,
            attempts INTEGER NOT NULL,
            window_start INTEGER NOT NULL
        );
        """

    /// One live card per card number and account.
    static let cardFingerprints = """
        ALTER TABLE payment_methods ADD COLUMN fingerprint TEXT;
        CREATE UNIQUE INDEX payment_methods_fingerprint ON payment_methods(account_id, fingerprint)
            WHERE deleted_at IS NULL AND fingerprint IS NOT NULL;
        """

    static let paymentIntents = """
        CREATE TABLE payment_intents (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            credits INTEGER NOT NULL CHECK (credits > 0),
            amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
            payment_method_id TEXT NOT NULL,
            gateway_token TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            lease_until INTEGER,
            settled_at INTEGER
        );
        CREATE INDEX payment_intents_unsettled ON payment_intents(created_at) WHERE settled_at IS NULL;
        """

    static let rechargesWebhooks = """
        CREATE TABLE auto_recharges (
            account_id TEXT PRIMARY KEY REFERENCES accounts(id),
            enabled INTEGER NOT NULL,
            threshold INTEGER NOT NULL CHECK (threshold > 0),
            credits INTEGER NOT NULL CHECK (credits > 0),
            payment_method_id TEXT NOT NULL,
            max_per_day INTEGER NOT NULL CHECK (max_per_day >= 0),
            max_spend_month_cents INTEGER NOT NULL CHECK (max_spend_month_cents >= 0),
            last_result TEXT,
            last_reason TEXT,
            last_result_at INTEGER
        );
        CREATE TABLE recharges (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'capped')),
            credits INTEGER NOT NULL CHECK (credits > 0),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            lease_until INTEGER,
            reason TEXT,
            settled_day TEXT,
            amount_cents INTEGER,
            created_at INTEGER NOT NULL
        );
        -- One recharge in flight per wallet, whatever runs concurrently.
        CREATE UNIQUE INDEX recharges_one_pending ON recharges(account_id) WHERE status = 'pending';
        CREATE INDEX recharges_due ON recharges(next_attempt_at) WHERE status = 'pending';
        CREATE INDEX recharges_spend ON recharges(account_id, settled_day) WHERE status = 'succeeded';
        CREATE TABLE webhooks (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            url TEXT NOT NULL,
            secret TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            deleted_at INTEGER
        );
        CREATE TABLE webhook_deliveries (
            id TEXT PRIMARY KEY,
            webhook_id TEXT NOT NULL REFERENCES webhooks(id),
            notification_id TEXT NOT NULL REFERENCES notifications(id),
            status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_status_code INTEGER,
            next_attempt_at INTEGER,
            lease_until INTEGER,
            delivered_at INTEGER,
            created_at INTEGER NOT NULL,
            UNIQUE (webhook_id, notification_id)
        );
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
        """

    static let metering = """
        CREATE TABLE holds (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            feature TEXT NOT NULL,
            credits INTEGER NOT NULL CHECK (credits > 0),
            reference TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('active', 'captured', 'released', 'expired')),
            captured_credits INTEGER NOT NULL DEFAULT 0 CHECK (captured_credits >= 0 AND captured_credits <= credits),
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            settled_at INTEGER
        );
        CREATE INDEX holds_active_expiry ON holds(expires_at) WHERE status = 'active';
        CREATE TABLE usage_log (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            feature TEXT NOT NULL,
            status TEXT NOT NULL,
            credits INTEGER NOT NULL CHECK (credits >= 0),
            day TEXT NOT NULL,
            created_at INTEGER NOT NULL,
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
        );
        CREATE INDEX usage_log_feature ON usage_log(account_id, feature, created_at);
        CREATE TABLE usage_rollups (
            account_id TEXT NOT NULL REFERENCES accounts(id),
            day TEXT NOT NULL,
            feature TEXT NOT NULL,
            uses INTEGER NOT NULL,
            credits INTEGER NOT NULL,
            PRIMARY KEY (account_id, day, feature)
        );
        CREATE TABLE events (
            account_id TEXT NOT NULL REFERENCES accounts(id),
            id TEXT NOT NULL,
            config TEXT NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (account_id, id)
        );
        CREATE TABLE usage_guards (
            account_id TEXT PRIMARY KEY REFERENCES accounts(id),
            enabled INTEGER NOT NULL,
            max_requests INTEGER NOT NULL,
            window_seconds INTEGER NOT NULL,
            paused INTEGER NOT NULL DEFAULT 0,
            paused_at INTEGER
        );
        CREATE TABLE usage_guard_requests (
            account_id TEXT NOT NULL REFERENCES accounts(id),
            at INTEGER NOT NULL
        );
        CREATE INDEX usage_guard_requests_window ON usage_guard_requests(account_id, at);
        CREATE TABLE notifications (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            kind TEXT NOT NULL,
            message TEXT NOT NULL,
            data TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX notifications_account ON notifications(account_id, created_at);
        """

    static let accountsWalletsLedger = """
        CREATE TABLE accounts (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            us_business_entity INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE users (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            email TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('owner', 'super_admin', 'admin', 'member')),
            password_hash TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX users_account ON users(account_id);
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users(id),
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL
        );
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            name TEXT NOT NULL,
            key_hash TEXT NOT NULL UNIQUE,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE wallets (
            account_id TEXT PRIMARY KEY REFERENCES accounts(id),
            available INTEGER NOT NULL,
            held INTEGER NOT NULL,
            used INTEGER NOT NULL,
            total INTEGER NOT NULL,
            CHECK (available >= 0 AND held >= 0 AND used >= 0 AND available + held + used = total)
        );
        CREATE TABLE ledger (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            kind TEXT NOT NULL,
            available INTEGER NOT NULL,
            held INTEGER NOT NULL,
            used INTEGER NOT NULL,
            total INTEGER NOT NULL,
            available_after INTEGER NOT NULL,
            reference TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            CHECK (available + held + used = total)
        );
        CREATE INDEX ledger_account ON ledger(account_id, sequence);
        CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TABLE idempotency_keys (
            account_id TEXT NOT NULL REFERENCES accounts(id),
            key TEXT NOT NULL,
            request_hash TEXT NOT NULL,
            status INTEGER,
            body BLOB,
            claimed_at INTEGER NOT NULL,
            completed_at INTEGER,
            PRIMARY KEY (account_id, key)
        );
        CREATE TABLE payment_methods (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            brand TEXT NOT NULL,
            last4 TEXT NOT NULL,
            exp_month INTEGER NOT NULL,
            exp_year INTEGER NOT NULL,
            gateway_token TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            deleted_at INTEGER
        );
        CREATE INDEX payment_methods_account ON payment_methods(account_id);
        CREATE TABLE purchases (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            credits INTEGER NOT NULL CHECK (credits > 0),
            amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
            currency TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('succeeded', 'declined')),
            origin TEXT NOT NULL CHECK (origin IN ('purchase', 'recharge')),
            payment_method_id TEXT,
            payment_reference TEXT,
            failure_reason TEXT,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX purchases_account ON purchases(account_id, created_at);
        """
}
