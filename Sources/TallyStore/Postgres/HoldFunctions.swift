/// `tally_hold` and `tally_settle`, the PL/pgSQL functions that write a hold placed, and a
/// hold captured, released or expired, in one call each: what `PostgresStore.apply` does
/// with its statements for the holds of the API (`POST /v1/accounts/{account}/holds` and
/// its `capture` and `release`) and the sweeper's expiries, without a round trip for each
/// row. Both answer the columns `tally_charge` answers (`ChargeFunction`), with its
/// refusals, and undo every write of a refused call (their `BEGIN … EXCEPTION` block).
///
/// `tally_hold` moves the wallet as `PostStatement` does for a hold (available to held; the
/// credits of lots whose expiry has come are no debit's), writes the ledger entry, draws
/// the lots in `LotOrder` into held credits under the hold, writes the hold, and claims or
/// answers the request's key; a message's hold also writes the message's record. Like
/// `tally_charge` it leaves to the statements a hold that passes a spend cap of its
/// feature (`controls`), fires or re-arms a balance alert (`alerts`), or may set off
/// balance effects the caller does not apply after it (`effects`).
///
/// `tally_settle` moves the wallet once for the capture and the release together, writes
/// the capture's entry and then the release's, ends the hold while it is active (refusal
/// `hold`: it is not, so nothing was captured), takes the held credits from the lots the
/// hold drew in `LotOrder` (`LotOrder.heldDraws`), the capture's first, adds the capture
/// to the day's rollup (a hold of the API), or writes the log line and settles the record
/// of a message (refusal `message`: settled already), and claims or answers the key. Two cases are the statements'
/// (refusal `lots`, nothing written): credits going back to a lot whose expiry has come
/// (the statements expire them again at once), and a hold whose own lots do not hold its
/// credits (one made before lots existed). A release that re-arms an alert is left too
/// (`alerts`). A settlement only ever raises available credits, so it sets off no effects.
///
/// `tally_credit` writes a purchase's credit step: the credits added to the wallet with
/// their entry and their own lot, the payment intent settled once (refusal `intent`: it
/// was settled already, by the reconciler or another request), the purchase, and the key.
/// Credits added may re-arm an alert (`alerts`); they set off no balance effects.
///
/// All three lock the wallet first, as every wallet transaction does, then the rows under it.
enum HoldFunctions {
    static let createHold = """
        CREATE OR REPLACE FUNCTION tally_hold(
            p_account TEXT, p_at BIGINT,
            p_entry TEXT, p_credits BIGINT, p_reference TEXT, p_request_key TEXT,
            p_hold TEXT, p_feature TEXT, p_hold_reference TEXT, p_created_at BIGINT, p_expires_at BIGINT,
            p_capped BOOLEAN, p_day TEXT,
            p_message TEXT, p_message_key TEXT, p_message_line TEXT, p_message_digest TEXT,
            \(ChargeFunction.keyParameters),
            p_effects_after BOOLEAN, p_floor BIGINT,
            \(ChargeFunction.answerColumns))
        LANGUAGE plpgsql AS $hold$
        DECLARE
            \(ChargeFunction.drawVariables)
        BEGIN
            BEGIN
                \(ChargeFunction.moveWallet(available: "(-p_credits)", held: "p_credits", used: "0", total: "0"))
                INSERT INTO ledger (id, account_id, kind, available, held, used, total, available_after,
                    reference, created_at, idempotency_key)
                VALUES (p_entry, p_account, 'hold', -p_credits, p_credits, 0, 0, after_available,
                    p_reference, p_at, p_request_key);
                available_before := after_available + p_credits;

                -- Balance alerts and effects, as `tally_charge` decides them.
                \(ChargeFunction.alertsStep)
                \(ChargeFunction.effectsStep)

                -- The lots, in draw order, never one whose expiry has come: their spendable
                -- credits become held under the hold.
                \(ChargeFunction.drawLots("p_credits", heldUnder: "p_hold"))

                INSERT INTO holds (id, account_id, feature, credits, reference, status, captured_credits, created_at,
                    expires_at)
                VALUES (p_hold, p_account, p_feature, p_credits, p_hold_reference, 'active', 0, p_created_at, p_expires_at);

                -- A message's record, written with its hold before the carrier is asked
                -- (`Statements.Messages.add`); a second message under one key is refused by
                -- its unique index, as the statements' insert is.
                IF p_message IS NOT NULL THEN
                    INSERT INTO sms_sends (hold_id, account_id, idempotency_key, line, created_at, message_id, body_digest)
                    VALUES (p_hold, p_account, p_message_key, p_message_line, p_created_at, p_message, p_message_digest);
                END IF;

                -- The hold counts among the feature's open holds against its caps.
                \(ChargeFunction.capsStep)

                -- The key, as `tally_charge` claims or answers it.
                \(ChargeFunction.keyStep)
            \(ChargeFunction.refusedStep)
        END
        $hold$
        """

    static let createSettle = """
        CREATE OR REPLACE FUNCTION tally_settle(
            p_account TEXT, p_at BIGINT, p_hold TEXT, p_hold_status TEXT, p_reference TEXT, p_request_key TEXT,
            p_capture_entry TEXT, p_capture BIGINT, p_release_entry TEXT, p_release BIGINT,
            p_held_day TEXT, p_held_feature TEXT,
            \(ChargeFunction.lineParameters),
            p_settle_message BOOLEAN,
            \(ChargeFunction.keyParameters),
            \(ChargeFunction.answerColumns))
        LANGUAGE plpgsql AS $settle$
        DECLARE
            v_lot RECORD;
            v_capture BIGINT;
            v_release BIGINT;
            v_capture_left BIGINT := p_capture;
            v_release_left BIGINT := p_release;
        BEGIN
            BEGIN
                -- The capture and the release together: held credits become used and available.
                \(addToWallet(available: "p_release", held: "(-p_capture - p_release)", used: "p_capture", total: "0"))
                IF p_capture > 0 THEN
                    INSERT INTO ledger (id, account_id, kind, available, held, used, total, available_after,
                        reference, created_at, idempotency_key)
                    VALUES (p_capture_entry, p_account, 'capture', 0, -p_capture, p_capture, 0, available_before,
                        p_reference, p_at, p_request_key);
                END IF;
                IF p_release > 0 THEN
                    INSERT INTO ledger (id, account_id, kind, available, held, used, total, available_after,
                        reference, created_at, idempotency_key)
                    VALUES (p_release_entry, p_account, 'release', p_release, -p_release, 0, 0, after_available,
                        p_reference, p_at, p_request_key);
                END IF;

                -- The hold, while it is active (as `Statements.Metering.settleHold`).
                UPDATE holds SET status = p_hold_status, captured_credits = p_capture, settled_at = p_at
                WHERE id = p_hold AND account_id = p_account AND status = 'active';
                IF NOT FOUND THEN
                    refusal := 'hold';
                    RAISE EXCEPTION USING ERRCODE = 'TY001';
                END IF;

                -- A release may re-arm alerts, as `tally_charge` decides them.
                IF p_release > 0 THEN
                    \(ChargeFunction.alertsStep)
                END IF;

                -- The lots the hold drew, each offering what the hold still holds of it, in draw
                -- order: the capture takes first, the release what is left.
                FOR v_lot IN
                    SELECT l.id, l.expires_at, LEAST(l.held, s.held) AS offered
                    FROM (
                        SELECT lot_id, SUM(held) AS held FROM ledger_lots
                        WHERE hold_id = p_hold AND account_id = p_account GROUP BY lot_id
                    ) s
                    JOIN lots l ON l.account_id = p_account AND l.id = s.lot_id
                    WHERE s.held > 0
                    ORDER BY l.priority, l.expires_at NULLS LAST, l.created_at, l.id COLLATE "C"
                LOOP
                    EXIT WHEN v_capture_left = 0 AND v_release_left = 0;
                    CONTINUE WHEN v_lot.offered <= 0;
                    v_capture := LEAST(v_capture_left, v_lot.offered);
                    v_release := LEAST(v_release_left, v_lot.offered - v_capture);
                    -- Credits given back to a lot whose expiry has come (or was taken) are expired
                    -- again at once: the statements' work.
                    IF v_release > 0 AND v_lot.expires_at IS NOT NULL AND (v_lot.expires_at <= p_at OR EXISTS (
                        SELECT 1 FROM ledger_lots m JOIN ledger e ON e.account_id = m.account_id AND e.id = m.ledger_id
                        WHERE m.account_id = p_account AND m.lot_id = v_lot.id AND m.hold_id IS NULL
                            AND e.kind = 'expiry'))
                    THEN
                        refusal := 'lots';
                        RAISE EXCEPTION USING ERRCODE = 'TY001';
                    END IF;
                    UPDATE lots SET remaining = remaining + v_release, held = held - v_capture - v_release
                    WHERE id = v_lot.id AND account_id = p_account AND held - v_capture - v_release >= 0
                        AND remaining + held - v_capture <= credits;
                    IF NOT FOUND THEN
                        refusal := 'lot';
                        refused_lot := v_lot.id;
                        refused_credits := v_capture + v_release;
                        RAISE EXCEPTION USING ERRCODE = 'TY001';
                    END IF;
                    IF v_capture > 0 THEN
                        INSERT INTO ledger_lots (ledger_id, lot_id, account_id, hold_id, available, held)
                        VALUES (p_capture_entry, v_lot.id, p_account, p_hold, 0, -v_capture);
                    END IF;
                    IF v_release > 0 THEN
                        INSERT INTO ledger_lots (ledger_id, lot_id, account_id, hold_id, available, held)
                        VALUES (p_release_entry, v_lot.id, p_account, p_hold, v_release, -v_release);
                    END IF;
                    v_capture_left := v_capture_left - v_capture;
                    v_release_left := v_release_left - v_release;
                END LOOP;
                IF v_capture_left > 0 OR v_release_left > 0 THEN
                    refusal := 'lots';
                    RAISE EXCEPTION USING ERRCODE = 'TY001';
                END IF;

                -- What is captured is one use of the hold's feature in the day's rollup.
                IF p_capture > 0 AND p_held_feature IS NOT NULL THEN
                    INSERT INTO usage_rollups (account_id, day, feature, uses, credits)
                    VALUES (p_account, p_held_day, p_held_feature, 1, p_capture)
                    ON CONFLICT (account_id, day, feature)
                    DO UPDATE SET uses = usage_rollups.uses + 1, credits = usage_rollups.credits + excluded.credits;
                END IF;

                -- A message's settlement: its log line (as `tally_charge` writes one), and its
                -- record settled once (`Statements.Messages.settle`).
                \(ChargeFunction.usageLineStep)
                IF p_settle_message THEN
                    UPDATE sms_sends SET settled_at = p_at
                    WHERE hold_id = p_hold AND account_id = p_account AND settled_at IS NULL;
                    IF NOT FOUND THEN
                        refusal := 'message';
                        RAISE EXCEPTION USING ERRCODE = 'TY001';
                    END IF;
                END IF;

                -- The key, as `tally_charge` claims or answers it.
                \(ChargeFunction.keyStep)
            \(ChargeFunction.refusedStep)
        END
        $settle$
        """

    static let createCredit = """
        CREATE OR REPLACE FUNCTION tally_credit(
            p_account TEXT, p_at BIGINT, p_entry TEXT, p_kind TEXT, p_credits BIGINT, p_reference TEXT, p_request_key TEXT,
            p_lot TEXT, p_lot_source TEXT, p_lot_source_id TEXT, p_lot_cost_cents BIGINT, p_lot_expires_at BIGINT,
            p_lot_priority BIGINT, p_lot_reason TEXT, p_lot_created_by TEXT,
            p_settle_intent BOOLEAN,
            p_purchase TEXT, p_purchase_credits BIGINT, p_amount_cents BIGINT, p_currency TEXT, p_purchase_status TEXT,
            p_origin TEXT, p_payment_method TEXT, p_payment_reference TEXT, p_failure_reason TEXT,
            p_purchase_created_at BIGINT,
            \(ChargeFunction.keyParameters),
            \(ChargeFunction.answerColumns))
        LANGUAGE plpgsql AS $credit$
        BEGIN
            BEGIN
                -- The purchase's credits added, as `PostStatement` adds them.
                \(addToWallet(available: "p_credits", held: "0", used: "0", total: "p_credits"))
                INSERT INTO ledger (id, account_id, kind, available, held, used, total, available_after,
                    reference, created_at, idempotency_key)
                VALUES (p_entry, p_account, p_kind, p_credits, 0, 0, p_credits, after_available,
                    p_reference, p_at, p_request_key);

                -- They become a lot of their own (`Statements.Lots.insert`), moved by the entry.
                INSERT INTO lots (id, account_id, source, source_id, credits, remaining, held, cost_cents, expires_at,
                    priority, reason, created_by, created_at)
                VALUES (p_lot, p_account, p_lot_source, p_lot_source_id, p_credits, p_credits, 0, p_lot_cost_cents,
                    p_lot_expires_at, p_lot_priority, p_lot_reason, p_lot_created_by, p_at);
                INSERT INTO ledger_lots (ledger_id, lot_id, account_id, hold_id, available, held)
                VALUES (p_entry, p_lot, p_account, NULL, p_credits, 0);

                -- The payment intent settled, once (`Statements.Providers.settlePaymentIntent`),
                -- and the purchase written (`Statements.Purchases.insertPurchase`).
                IF p_settle_intent THEN
                    UPDATE payment_intents SET settled_at = p_at, lease_until = NULL
                    WHERE id = p_purchase AND account_id = p_account AND settled_at IS NULL;
                    IF NOT FOUND THEN
                        refusal := 'intent';
                        RAISE EXCEPTION USING ERRCODE = 'TY001';
                    END IF;
                END IF;
                INSERT INTO purchases (id, account_id, credits, amount_cents, currency, status, origin,
                    payment_method_id, payment_reference, failure_reason, created_at)
                VALUES (p_purchase, p_account, p_purchase_credits, p_amount_cents, p_currency, p_purchase_status, p_origin,
                    p_payment_method, p_payment_reference, p_failure_reason, p_purchase_created_at);

                -- Credits added may re-arm alerts, as `tally_charge` decides them.
                \(ChargeFunction.alertsStep)

                -- The key, as `tally_charge` claims or answers it.
                \(ChargeFunction.keyStep)
            \(ChargeFunction.refusedStep)
        END
        $credit$
        """

    /// The wallet moved by four SQL expressions that never lower available credits (a
    /// settlement, credits added), as `PostStatement` moves it for a posting that draws no
    /// lots: refused (`missing` or `conflict`) when a figure would go below zero. Such a
    /// move sets off no balance effects.
    static func addToWallet(available: String, held: String, used: String, total: String) -> String {
        """
        UPDATE wallets SET available = available + \(available), held = held + \(held), used = used + \(used),
            total = total + \(total)
        WHERE account_id = p_account AND held + \(held) >= 0 AND used + \(used) >= 0 AND available + \(available) >= 0
        RETURNING available, held, used, total, controls
        INTO after_available, after_held, after_used, after_total, wallet_controls;
        IF NOT FOUND THEN
            refusal := CASE WHEN EXISTS (SELECT 1 FROM wallets WHERE account_id = p_account)
                THEN 'conflict' ELSE 'missing' END;
            RAISE EXCEPTION USING ERRCODE = 'TY001';
        END IF;
        available_before := after_available - \(available);
        balance_effects := FALSE;
        """
    }
}
