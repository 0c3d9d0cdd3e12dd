import Foundation
import TallyCore
import TallyStore

/// SMS: priced by destination country × segments, held, sent, then captured
/// when sent or released when the carrier fails. One log line per message.
public struct SMSMessages: Sendable {
    let meter: Meter
    let idempotency: Idempotency
    let gateway: any SMSGateway

    public struct QuoteRequest: Sendable, Codable {
        public var to: String
        public var body: String
    }

    public struct QuoteView: Sendable, Codable, Equatable {
        public var iso: String
        public var country: String
        public var e164: String
        public var encoding: SMSEncoding
        public var segments: Int
        public var creditsPerSegment: Credits
        public var credits: Credits
    }

    public struct SendRequest: Sendable, Codable {
        public var to: String
        public var body: String
        public var contact: Contact?
        public var event: String?
    }

    /// What became of a message, as its answer says.
    public enum Status: String, Sendable, Codable {
        /// The carrier sent it: charged.
        case sent
        /// The carrier did not send it: nothing charged.
        case failed
        /// The carrier accepted it and has not reported it yet: its credits stay held.
        case queued
    }

    public struct MessageView: Sendable, Codable, Equatable {
        public var id: String
        public var status: Status
        @Nullable public var reason: String?
        public var iso: String
        public var e164: String
        public var encoding: SMSEncoding
        public var segments: Int
        public var credits: Credits
    }

    public func quote(_ request: QuoteRequest) throws -> QuoteView {
        let (number, quote) = try Self.price(to: request.to, body: request.body)
        return QuoteView(
            iso: quote.rate.iso,
            country: quote.rate.country,
            e164: number.e164,
            encoding: quote.segmentation.encoding,
            segments: quote.segmentation.segments,
            creditsPerSegment: quote.rate.creditsPerSegment,
            credits: quote.credits
        )
    }

    static func price(to: String, body: String) throws(TallyError) -> (PhoneNumber, SMSQuote) {
        guard to.count <= Limits.maximumPhoneLength else {
            throw .invalid("to", "must be at most \(Limits.maximumPhoneLength) characters")
        }
        let number: PhoneNumber
        switch PhoneNumber.parse(to) {
        case .success(let parsed): number = parsed
        case .failure(let error): throw .invalid("to", error.reason)
        }
        switch SMSQuote.quote(to: number, body: body) {
        case .success(let quote): return (number, quote)
        case .failure(let error): throw .invalid(error.field, error.reason)
        }
    }

    public func send(
        _ request: SendRequest,
        by caller: FeatureCaller,
        idempotency key: IdempotencyRequest?
    ) async throws
        -> Answer
    {
        var errors = [FieldError]()
        let email = Limits.text(request.contact?.email, field: "contact.email", maximum: Limits.maximumEmailLength, required: false, errors: &errors)
        let event = Limits.text(request.event, field: "event", maximum: Limits.maximumReferenceLength, required: false, errors: &errors)
        guard errors.isEmpty else { throw TallyError.invalid(errors) }
        let (number, quote) = try Self.price(to: request.to, body: request.body)
        let account = caller.accountID
        let store = meter.store
        let unsettled: @Sendable (String) async throws -> TallyError? = { key in
            guard let send = try await store.smsSend(account: account, idempotencyKey: key), send.settledAt == nil else {
                return nil
            }
            return TallyError.messageUnsettled(send.line.id)
        }
        return try await idempotency.run(account: account, request: key, unsettled: unsettled) { completing in
            if let completing, let earlier = try await meter.store.smsSend(account: account, idempotencyKey: completing.key) {
                // This key handed its message to the carrier already: never again.
                throw TallyError.messageUnsettled(earlier.line.id)
            }
            var entry = meter.logEntry(meter.ids.make("sms"), account: account, feature: .sms, status: .pending, credits: .zero)
            entry.contactEmail = email
            entry.phone = number.e164
            entry.iso = quote.rate.iso
            entry.segments = quote.segmentation.segments
            entry.encoding = quote.segmentation.encoding.rawValue
            entry.event = event
            let price = quote.credits
            // The message is written down with its hold, before the carrier is asked.
            let attempt = SMSAttempt(messageID: entry.id, reference: "", to: number, body: request.body, startedAt: entry.createdAt)
            var send = SMSSend(
                holdID: HoldID(""),
                accountID: account,
                idempotencyKey: completing?.key,
                line: entry,
                bodyDigest: attempt.bodyDigest,
                createdAt: entry.createdAt
            )
            do {
                send.holdID = try await meter.hold(price, for: entry, request: completing) {
                    send.holdID = $0
                    return [.smsSend(send)]
                }
            } catch StoreError.insufficientCredits(let available) {
                try await meter.refuse(entry, available: available, price: price, request: completing)
            } catch let reached as SpendCapReached {
                try await meter.refuse(entry, reached: reached, request: completing)
            } catch StoreError.duplicate(field: "idempotency_key") {
                throw TallyError.messageUnsettled(entry.id)
            }
            // From here on the carrier may have the message: whatever fails, the key is kept
            // and the reconciler settles the hold from this record.
            var handed = attempt
            handed.reference = send.holdID.rawValue
            let delivery: SMSDelivery
            do {
                delivery = try await gateway.send(handed)
            } catch {
                // The answer was lost: ask the carrier what became of the message. Still no
                // answer: the message reconciler asks again.
                do {
                    delivery = try await gateway.delivery(of: handed) ?? .failed(reason: Self.neverGot)
                } catch {
                    throw TallyError.messageUnsettled(entry.id)
                }
            }
            do {
                if case .queued(let carrierID, let segments) = delivery {
                    return try await queued(send, carrierID: carrierID, segments: segments, price: price, claim: completing)
                }
                let outcome = Self.outcome(delivery)
                if try await meter.store.recordSMSOutcome(outcome, hold: send.holdID, account: account, at: meter.time.now()) {
                    send.outcome = outcome
                } else if let recorded = try await meter.store.smsSend(messageID: entry.id) {
                    // The carrier's status report came first and wrote the outcome.
                    send = recorded
                }
                let (transaction, answer) = try settlement(of: send, price: price, answerClaim: completing.map { ($0.key, $0.token) })
                do {
                    _ = try await meter.store.commit(transaction)
                    return answer
                } catch StoreError.conflict {
                    // Settled meanwhile by the carrier's report (with its key's answer): the
                    // request answers that outcome.
                    guard let settled = try await meter.store.smsSend(messageID: entry.id), settled.settledAt != nil else {
                        throw TallyError.messageUnsettled(entry.id)
                    }
                    return try settlement(of: settled, price: price, answerClaim: nil).1
                }
            } catch {
                throw TallyError.messageUnsettled(entry.id)
            }
        }
    }

    /// A message the carrier queued: its hold waits for the carrier's report (a status
    /// callback, or the reconciler asking), and the request is answered `queued` with the
    /// credits held — the answer its key keeps, so a retry never sends it again.
    private func queued(_ send: SMSSend, carrierID: String?, segments: Int?, price: Credits, claim: RequestClaim?) async throws -> Answer {
        if let carrierID {
            _ = try await meter.store.recordSMSCarrier(carrierID, segments: segments, hold: send.holdID, account: send.accountID)
        }
        var view = Self.view(of: send.line, credits: price)
        view.status = .queued
        let answer = try Answer(status: 200, view)
        if let claim {
            do {
                try await meter.store.completeIdempotencyKey(claim.response(answer), account: send.accountID, at: meter.time.now())
            } catch StoreError.conflict {
                // The carrier's report came first and settled the message with its key's
                // answer: a retry gets that one; this answer was true when it was given.
            }
        }
        return answer
    }

    static func view(of line: UsageLogEntry, credits: Credits) -> MessageView {
        MessageView(
            id: line.id,
            status: .sent,
            reason: nil,
            iso: line.iso ?? "",
            e164: line.phone ?? "",
            encoding: line.encoding.flatMap(SMSEncoding.init(rawValue:)) ?? .gsm7,
            segments: line.segments ?? 1,
            credits: credits
        )
    }

    /// The transaction that settles a message's hold from its record — capture when sent,
    /// release when not — with its log line and the answer its request gets (stored for
    /// its key, fenced by the claim when the request itself settles it).
    func settlement(
        of send: SMSSend,
        price: Credits,
        answerClaim: (key: String, token: Int64?)?,
        marks: [WalletRecord] = []
    ) throws -> (WalletTransaction, Answer) {
        var line = send.line
        var view = Self.view(of: line, credits: price)
        let posting: Posting
        switch send.outcome ?? .failed(reason: send.carrierID == nil ? Self.lostAnswer : Self.neverReported) {
        case .sent:
            posting = Posting(id: meter.ledgerID(), kind: .capture, change: .capture(price), reference: line.id, hold: send.holdID)
            line.sentAt = send.answeredAt ?? meter.time.now()
            if let counted = send.carrierSegments, counted != line.segments { line.carrierSegments = counted }
            line.status = .sent
        case .failed(let reason):
            view.status = .failed
            line.status = .failed
            view.reason = reason
            view.credits = .zero
            posting = Posting(id: meter.ledgerID(), kind: .release, change: .release(price), reference: send.holdID.rawValue, hold: send.holdID)
        }
        line.reason = view.reason
        line.credits = view.credits
        let answer = try Answer(status: 200, view)
        let transaction = WalletTransaction(
            accountID: send.accountID,
            postings: [posting],
            records: [
                .settleHold(send.holdID, status: view.status == .sent ? .captured : .released, capturedCredits: view.credits),
                .usage(line), .settleSMS(send.holdID),
            ] + marks,
            idempotency: answerClaim.map {
                IdempotentResponse(key: $0.key, status: answer.status, body: answer.body, claimToken: $0.token)
            },
            // The request, when one is answered, is named by its answer's key.
            request: nil,
            at: meter.time.now()
        )
        return (transaction, answer)
    }

    /// Why a message whose carrier answer was never written is not charged.
    static let lostAnswer = "the carrier's answer was lost; nothing was charged"
    /// Why a message the carrier queued but never reported sent is not charged.
    static let neverReported = "the carrier did not report the message sent before its hold expired; nothing was charged"
    /// Why a message the carrier says it never got is not charged.
    static let neverGot = "the carrier never got the message"

    /// What the carrier says became of a message whose answer was lost: `.some(nil)` when it
    /// never got it, `nil` when it does not answer.
    private func askCarrier(about send: SMSSend) async -> SMSDelivery?? {
        guard case .success(let number) = PhoneNumber.parse(send.line.phone ?? "") else { return .some(nil) }
        let attempt = SMSAttempt(
            messageID: send.line.id,
            reference: send.holdID.rawValue,
            to: number,
            bodyDigest: send.bodyDigest ?? "",
            carrierID: send.carrierID,
            startedAt: send.createdAt
        )
        do {
            return .some(try await gateway.delivery(of: attempt))
        } catch {
            return nil
        }
    }

    /// What Tally records of a carrier's final answer (a queued message has none yet).
    static func outcome(_ delivery: SMSDelivery?) -> SMSOutcome {
        switch delivery {
        case .sent: .sent
        case .failed(let reason): .failed(reason: reason)
        case nil, .queued: .failed(reason: neverGot)
        }
    }

    /// Settles what requests left unsettled: messages whose carrier answered over 30 s ago
    /// (by default; their request's commit failed or it crashed), and messages whose carrier
    /// answer was never written — the carrier is asked what became of them and they are
    /// charged once if it sent them; if it cannot say by the time their hold would have
    /// expired, they are released, not charged (Tally charges only for a message it knows
    /// was sent). Each message's answer is stored for its key, so a retry learns it and
    /// never sends again. What the message reconciler runs.
    public func reconcile(limit: Int = 100, settling: Settling = Settling()) async throws -> Int {
        let now = meter.time.now()
        let pending = try await meter.store.unsettledSMS(
            answeredBefore: now.addingTimeInterval(-settling.messagesAnsweredAfterSeconds),
            unansweredBefore: now.addingTimeInterval(-settling.messagesAnsweredAfterSeconds),
            limit: limit
        )
        // One message that cannot be settled is set aside; the others, of every account, go on.
        return await BackgroundPass.each(pending, kind: "sms send", id: \.holdID) { send in
            try await settle(send, at: now, settling: settling)
        }
    }

    /// Settles one message left unsettled; whether it was settled now.
    private func settle(_ pending: SMSSend, at now: Date, settling: Settling) async throws -> Bool {
        var send = pending
        guard let hold = try await meter.store.hold(send.holdID, account: send.accountID), hold.status == .active else {
            return false
        }
        if send.outcome == nil {
            // The carrier's answer was never recorded, or it queued the message and has not
            // reported it yet: ask it what became of the message.
            switch await askCarrier(about: send) {
            case .some(.queued(let carrierID, let segments)):
                if let carrierID, send.carrierID == nil {
                    _ = try await meter.store.recordSMSCarrier(carrierID, segments: segments, hold: send.holdID, account: send.accountID)
                    send.carrierID = carrierID
                }
                fallthrough
            case nil:
                // No answer yet: asked again next time, until the hold's life is over.
                if send.createdAt > now.addingTimeInterval(-settling.messagesUnansweredAfterSeconds) { return false }
            case .some(let known):
                let outcome = Self.outcome(known)
                if try await !meter.store.recordSMSOutcome(outcome, hold: send.holdID, account: send.accountID, at: now) {
                    // Its status report came meanwhile and wrote the outcome: it settles the message.
                    return false
                }
                send.outcome = outcome
                send.answeredAt = now
            }
        }
        return try await commitSettlement(of: send, price: hold.credits)
    }

    /// Settles a message away from its request: its key's answer written unfenced (the
    /// claim may have been taken over), or the money alone when the key was answered
    /// another way. False when the message was settled meanwhile by its request or
    /// another process.
    private func commitSettlement(of send: SMSSend, price: Credits, marks: [WalletRecord] = []) async throws -> Bool {
        let claim = send.idempotencyKey.map { (key: $0, token: Int64?.none) }
        do {
            _ = try await meter.store.commit(try settlement(of: send, price: price, answerClaim: claim, marks: marks).0)
            return true
        } catch StoreError.conflict where claim != nil {
            do {
                _ = try await meter.store.commit(try settlement(of: send, price: price, answerClaim: nil, marks: marks).0)
                return true
            } catch StoreError.conflict {
                return false
            }
        } catch StoreError.conflict {
            return false
        }
    }

    /// What a carrier reported of a message it queued (a status callback).
    public enum CarrierReport: Sendable, Hashable {
        /// `sent` or `delivered`: the message left the carrier.
        case sent
        /// `failed`, or `undelivered` before any `sent`: it never reached the phone.
        case failed(reason: String)
        /// Any other status (`queued`, `sending`, …): nothing to settle yet.
        case inProgress
    }

    /// Applies a carrier's report on the message with Tally's id `messageID`: the first
    /// `sent` captures its hold (charged once), a failure before it releases the hold; a
    /// report after the message was settled changes nothing (an `undelivered` after `sent`
    /// stays charged). `mark` (the report's inbox mark) is written with the settlement.
    /// Whether the report settled the message.
    public func report(_ report: CarrierReport, messageID: String, carrierID: String, carrierSegments: Int?, mark: WalletRecord) async throws -> Bool
    {
        guard var send = try await meter.store.smsSend(messageID: messageID) else { return false }
        if send.carrierID == nil {
            // The answer to the hand-over was lost: the report names the carrier's message.
            _ = try await meter.store.recordSMSCarrier(carrierID, segments: carrierSegments, hold: send.holdID, account: send.accountID)
            send.carrierID = carrierID
            send.carrierSegments = carrierSegments
        }
        guard send.settledAt == nil, let hold = try await meter.store.hold(send.holdID, account: send.accountID), hold.status == .active
        else { return false }
        if send.outcome == nil {
            let now = meter.time.now()
            let outcome: SMSOutcome
            switch report {
            case .sent: outcome = .sent
            case .failed(let reason): outcome = .failed(reason: reason)
            case .inProgress: return false
            }
            if try await meter.store.recordSMSOutcome(outcome, hold: send.holdID, account: send.accountID, at: now) {
                send.outcome = outcome
                send.answeredAt = now
            } else if let recorded = try await meter.store.smsSend(messageID: messageID) {
                // Another report wrote its outcome first: the message settles as that one says.
                send = recorded
            }
        }
        guard send.outcome != nil else { return false }
        return try await commitSettlement(of: send, price: hold.credits, marks: [mark])
    }
}
