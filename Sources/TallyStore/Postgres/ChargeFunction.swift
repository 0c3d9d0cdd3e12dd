/// `tally_charge`, the PL/pgSQL function that writes the common charge in one call: what
/// `PostgresStore.apply` does with its statements for a transaction of one debit and at
/// most one usage line, without a round trip for each of them.
///
/// In one subtransaction (the `BEGIN … EXCEPTION` block) it moves the wallet exactly as
/// `PostStatement` does (the credits of lots whose expiry has come are no debit's), writes
/// the ledger entry, draws the lots in `LotOrder` (priority, soonest expiry, oldest, id),
/// writes the usage line with its contact, day count and rollup, and claims or answers
/// the request's `Idempotency-Key` as `insert(_:answer:…)` and `complete(…)` do. A refusal
/// undoes every write of the call and is answered in `refusal`:
///
/// - `missing`: the account has no wallet;
/// - `insufficient`: credits are short; `refused_credits` is the available figure the
///   Swift path reports (the wallet's, less expired lots' credits; or the lots' own);
/// - `conflict`: held or used credits would go below zero;
/// - `lot`: lot `refused_lot` could not give `refused_credits`;
/// - `taken`: another request holds the key; `fenced`: the key is no longer this
///   request's claim to answer (answered, or taken over);
/// - `controls`: the charge passes one of the spend caps of its line's feature
///   (`p_capped`, the line's day its Pacific day): the store applies it statement by
///   statement, which refuses it with the cap's figures;
/// - `alerts`: one of the account's balance alerts fires or re-arms with this debit: the
///   store applies it statement by statement, which tells of it; the alerts of an
///   account are otherwise no reason to leave the call;
/// - `effects`: the debit may set off balance effects (available fell below `p_floor`,
///   the cheapest use, or below the account's auto-recharge threshold, or a recharge is
///   owed to its next spending) and the caller did not ask to apply them after the call
///   (`p_effects_after`).
///
/// Which notices and recharges a debit sets off is not decided here: `balance_effects`
/// only says the store must ask `AutoRechargePolicy` in the same transaction.
enum ChargeFunction {
    static let create = """
        CREATE OR REPLACE FUNCTION tally_charge(
            p_account TEXT, p_at BIGINT,
            p_entry TEXT, p_kind TEXT, p_available BIGINT, p_used BIGINT, p_total BIGINT, p_reference TEXT,
            p_request_key TEXT,
            \(lineParameters),
            \(keyParameters),
            p_capped BOOLEAN, p_effects_after BOOLEAN, p_floor BIGINT,
            \(answerColumns))
        LANGUAGE plpgsql AS $charge$
        DECLARE
            \(drawVariables)
        BEGIN
            BEGIN
                \(moveWallet(available: "p_available", held: "0", used: "p_used", total: "p_total"))
                INSERT INTO ledger (id, account_id, kind, available, held, used, total, available_after,
                    reference, created_at, idempotency_key)
                VALUES (p_entry, p_account, p_kind, p_available, 0, p_used, p_total, after_available,
                    p_reference, p_at, p_request_key);
                available_before := after_available - p_available;

                \(alertsStep)
                \(effectsStep)

                -- The lots, in draw order, never one whose expiry has come.
                \(drawLots("-p_available", heldUnder: nil))

                -- The usage line, as `UsageLineStatement` writes it.
                \(usageLineStep)

                \(capsStep)

                \(keyStep)
            \(refusedStep)
        END
        $charge$
        """

    /// The variables `moveWallet` and `drawLots` use, declared by each function that
    /// calls them.
    static let drawVariables = """
        v_wallet RECORD;
        v_expired BIGINT;
        v_lot RECORD;
        v_left BIGINT;
        v_taken BIGINT;
        v_spendable BIGINT := 0;
        """

    /// The wallet moved by four SQL expressions (`available`, `held`, `used`, `total`),
    /// as `PostStatement` moves it for a posting that draws lots. The balance check is the
    /// conditional update itself: the credits of lots whose expiry has come are no
    /// debit's. Refused, the row is locked to learn why (`missing`, `insufficient` with
    /// the figure the Swift path reports, or `conflict`), and the update tried once more
    /// if it fits by then.
    static func moveWallet(available: String, held: String, used: String, total: String) -> String {
        """
        FOR v_attempt IN 1..2 LOOP
            UPDATE wallets SET available = available + \(available), held = held + \(held), used = used + \(used),
                total = total + \(total)
            WHERE account_id = p_account AND held + \(held) >= 0 AND used + \(used) >= 0
                AND available + \(available) >= (
                    SELECT COALESCE(SUM(remaining), 0) FROM lots
                    WHERE account_id = p_account AND has_remaining AND expires_at <= p_at)
            RETURNING available, held, used, total, controls
            INTO after_available, after_held, after_used, after_total, wallet_controls;
            EXIT WHEN FOUND;
            IF v_attempt = 2 THEN
                refusal := 'conflict';
                RAISE EXCEPTION USING ERRCODE = 'TY001';
            END IF;
            SELECT available, held, used, total INTO v_wallet FROM wallets WHERE account_id = p_account FOR UPDATE;
            IF NOT FOUND THEN
                refusal := 'missing';
                RAISE EXCEPTION USING ERRCODE = 'TY001';
            END IF;
            SELECT COALESCE(SUM(remaining), 0) INTO v_expired FROM lots
            WHERE account_id = p_account AND has_remaining AND expires_at <= p_at;
            IF v_wallet.available - v_expired + \(available) < 0 THEN
                refusal := 'insufficient';
                refused_credits := v_wallet.available - v_expired;
                RAISE EXCEPTION USING ERRCODE = 'TY001';
            END IF;
            IF v_wallet.available + \(available) < 0 OR v_wallet.held + \(held) < 0 OR v_wallet.used + \(used) < 0
                OR v_wallet.available + \(available) + v_wallet.held + \(held) + v_wallet.used + \(used)
                    <> v_wallet.total + \(total)
            THEN
                refusal := 'conflict';
                RAISE EXCEPTION USING ERRCODE = 'TY001';
            END IF;
        END LOOP;
        """
    }

    /// `amount` (an SQL expression) drawn from the spendable lots in `LotOrder` (priority,
    /// soonest expiry, oldest, id), never from one whose expiry has come, each draw
    /// recorded under `p_entry`; held under `hold` (an SQL expression) when given, else
    /// spent. Lots short of it: `insufficient`, with what they offered.
    static func drawLots(_ amount: String, heldUnder hold: String?) -> String {
        let held = hold == nil ? "0" : "v_taken"
        return """
            v_left := \(amount);
            FOR v_lot IN
                SELECT id, remaining FROM lots
                WHERE account_id = p_account AND has_remaining AND (expires_at IS NULL OR expires_at > p_at)
                ORDER BY priority, expires_at NULLS LAST, created_at, id COLLATE "C"
            LOOP
                EXIT WHEN v_left = 0;
                v_spendable := v_spendable + v_lot.remaining;
                v_taken := LEAST(v_left, v_lot.remaining);
                UPDATE lots SET remaining = remaining - v_taken, held = held + \(held)
                WHERE id = v_lot.id AND account_id = p_account AND remaining - v_taken >= 0 AND held + \(held) >= 0
                    AND remaining - v_taken + held + \(held) <= credits;
                IF NOT FOUND THEN
                    refusal := 'lot';
                    refused_lot := v_lot.id;
                    refused_credits := v_taken;
                    RAISE EXCEPTION USING ERRCODE = 'TY001';
                END IF;
                INSERT INTO ledger_lots (ledger_id, lot_id, account_id, hold_id, available, held)
                VALUES (p_entry, v_lot.id, p_account, \(hold ?? "NULL"), -v_taken, \(held));
                v_left := v_left - v_taken;
            END LOOP;
            IF v_left > 0 THEN
                refusal := 'insufficient';
                refused_credits := v_spendable;
                RAISE EXCEPTION USING ERRCODE = 'TY001';
            END IF;
            """
    }

    /// A usage line as a wallet function takes it (`PostgresStore.LineValues`): absent when
    /// `p_line` is `NULL`.
    static let lineParameters = """
        p_line TEXT, p_feature TEXT, p_log TEXT, p_status TEXT, p_credits BIGINT, p_total_credits BIGINT,
        p_day TEXT, p_created_at BIGINT, p_contact_name TEXT, p_contact_email TEXT, p_phone TEXT, p_email TEXT,
        p_iso TEXT, p_segments BIGINT, p_encoding TEXT, p_event TEXT, p_credit_score BIGINT,
        p_dti_percent BIGINT, p_reason TEXT, p_contact TEXT, p_sent_at BIGINT, p_carrier_segments BIGINT,
        p_line_type TEXT
        """

    /// The usage line, as `UsageLineStatement` writes it: its contact (added the first
    /// time it is seen), its day count, its rollup when it charged, and the line.
    static let usageLineStep = """
        IF p_line IS NOT NULL THEN
            WITH known AS (
                SELECT id FROM usage_log_contacts
                WHERE account_id = p_account AND md5(text) = md5(p_contact) AND text = p_contact
            ), added AS (
                INSERT INTO usage_log_contacts (account_id, text)
                SELECT p_account, p_contact WHERE p_contact IS NOT NULL AND NOT EXISTS (SELECT 1 FROM known)
                ON CONFLICT (account_id, md5(text)) DO UPDATE SET text = usage_log_contacts.text
                RETURNING id
            ), counted AS (
                INSERT INTO usage_log_days (account_id, log, day, status, lines, credits)
                VALUES (p_account, p_log, p_day, p_status, 1, p_credits)
                ON CONFLICT (account_id, log, day, status)
                DO UPDATE SET lines = usage_log_days.lines + 1, credits = usage_log_days.credits + excluded.credits
            ), rolled AS (
                INSERT INTO usage_rollups (account_id, day, feature, uses, credits)
                SELECT p_account, p_day, p_feature, 1, p_credits WHERE p_credits > 0
                ON CONFLICT (account_id, day, feature)
                DO UPDATE SET uses = usage_rollups.uses + 1, credits = usage_rollups.credits + excluded.credits
            )
            INSERT INTO usage_log (id, account_id, feature, log, status, credits, total_credits, day, created_at,
                contact_name, contact_email, phone, email, iso, segments, encoding, event, credit_score,
                dti_percent, reason, contact_id, sent_at, carrier_segments, line_type)
            VALUES (p_line, p_account, p_feature, p_log, p_status, p_credits, p_total_credits, p_day,
                p_created_at, p_contact_name, p_contact_email, p_phone, p_email, p_iso, p_segments, p_encoding,
                p_event, p_credit_score, p_dti_percent, p_reason,
                (SELECT id FROM known UNION ALL SELECT id FROM added LIMIT 1), p_sent_at, p_carrier_segments,
                p_line_type);
        END IF;
        """

    /// Spend caps, counted as `checkSpendCaps` counts them: the spending on `p_feature` in
    /// each cap's Pacific day or month (`p_day`'s), this line and the feature's open holds
    /// (this one's) included, may not pass the cap (`SpendCapRule.passes`). One passed: the
    /// statements refuse the debit, with the figures.
    static let capsStep = """
        IF p_capped AND wallet_controls & 2 <> 0 AND EXISTS (
            SELECT 1 FROM spend_caps c
            WHERE c.account_id = p_account AND c.feature = p_feature
                AND (SELECT COALESCE(SUM(r.credits), 0) FROM usage_rollups r
                        WHERE r.account_id = p_account AND r.feature = p_feature
                            AND r.day >= CASE c.period WHEN 'day' THEN p_day ELSE left(p_day, 8) || '01' END
                            AND r.day <= CASE c.period WHEN 'day' THEN p_day ELSE left(p_day, 8) || '31' END)
                    + (SELECT COALESCE(SUM(h.credits), 0) FROM holds h
                        WHERE h.account_id = p_account AND h.feature = p_feature AND h.status = 'active')
                    > c.credits
        ) THEN
            refusal := 'controls';
            RAISE EXCEPTION USING ERRCODE = 'TY001';
        END IF;
        """

    /// What every wallet function answers: the wallet after it and before it, whether balance
    /// effects are to be asked for, or why it refused (`PostgresStore.outcome(of:_:)`).
    static let answerColumns = """
        OUT after_available BIGINT, OUT after_held BIGINT, OUT after_used BIGINT, OUT after_total BIGINT,
        OUT wallet_controls INTEGER, OUT available_before BIGINT, OUT balance_effects BOOLEAN,
        OUT refusal TEXT, OUT refused_credits BIGINT, OUT refused_lot TEXT
        """

    /// The request's key as every wallet function takes it (`PostgresStore.KeyValues`).
    static let keyParameters = """
        p_claim BOOLEAN, p_key TEXT, p_request_hash TEXT, p_lease_until BIGINT, p_status_code BIGINT,
        p_body BYTEA, p_token BIGINT
        """

    /// The key: claimed by this write (answered when the answer rides with it), or the
    /// claim this request holds answered, only while it is still its claim. A step of
    /// every wallet function (`tally_charge`, `tally_hold`, `tally_settle`).
    static let keyStep = """
        IF p_claim THEN
            INSERT INTO idempotency_keys (account_id, key, request_hash, claimed_at, status, body, completed_at,
                lease_until)
            VALUES (p_account, p_key, p_request_hash, p_at, p_status_code, p_body,
                CASE WHEN p_status_code IS NULL THEN NULL ELSE p_at END, p_lease_until)
            ON CONFLICT (account_id, key) DO NOTHING;
            IF NOT FOUND THEN
                refusal := 'taken';
                RAISE EXCEPTION USING ERRCODE = 'TY001';
            END IF;
        ELSIF p_key IS NOT NULL THEN
            UPDATE idempotency_keys SET status = p_status_code, body = p_body, completed_at = p_at
            WHERE account_id = p_account AND key = p_key AND status IS NULL
                AND (p_token IS NULL OR claimed_at = p_token);
            IF NOT FOUND THEN
                refusal := 'fenced';
                RAISE EXCEPTION USING ERRCODE = 'TY001';
            END IF;
        END IF;
        """

    /// Balance alerts, as `BalanceAlertRule.changes` decides on the state left: an armed
    /// one above available fires, a fired one at or below it re-arms. Either leaves the
    /// change to the statements, which tell of it.
    static let alertsStep = """
        IF wallet_controls & 1 <> 0 AND EXISTS (
            SELECT 1 FROM balance_alerts WHERE account_id = p_account
                AND ((fired_at IS NULL AND after_available < threshold)
                    OR (fired_at IS NOT NULL AND after_available >= threshold))
        ) THEN
            refusal := 'alerts';
            RAISE EXCEPTION USING ERRCODE = 'TY001';
        END IF;
        """

    /// What `AutoRechargePolicy.effects` may make of a debit: below the cheapest use, a
    /// notice; below the auto-recharge threshold (switched on or off), a notice or a
    /// recharge; with a recharge owed to the next spending, that. At or above the
    /// threshold with none owed, auto-recharge settings do nothing.
    static let effectsStep = """
        balance_effects := after_available < p_floor
            OR EXISTS (SELECT 1 FROM auto_recharges WHERE account_id = p_account
                AND (after_available < threshold OR recharge_armed));
        IF balance_effects AND NOT p_effects_after THEN
            refusal := 'effects';
            RAISE EXCEPTION USING ERRCODE = 'TY001';
        END IF;
        """

    /// The end of a wallet function's block: refused, the block's writes are undone and
    /// `refusal` says why.
    static let refusedStep = """
        EXCEPTION WHEN SQLSTATE 'TY001' THEN
            after_available := NULL;
            after_held := NULL;
            after_used := NULL;
            after_total := NULL;
            available_before := NULL;
        END;
        """
}
