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

    public struct MessageView: Sendable, Codable, Equatable {
        public var id: String
        public var status: String
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
            if let completing, let earlier = try await meter.store.smsSend(account: account, idempotencyKey: completing) {
                // This key handed its message to the carrier already: never again.
                throw TallyError.messageUnsettled(earlier.line.id)
            }
            var entry = meter.logEntry(meter.ids.make("sms"), account: account, feature: .sms, status: "", credits: .zero)
            entry.contactEmail = email
            entry.phone = number.e164
            entry.iso = quote.rate.iso
            entry.segments = quote.segmentation.segments
            entry.encoding = quote.segmentation.encoding.rawValue
            entry.event = event
            let price = quote.credits
            // The message is written down with its hold, before the carrier is asked.
            var send = SMSSend(holdID: HoldID(""), accountID: account, idempotencyKey: completing, line: entry, createdAt: entry.createdAt)
            do {
                send.holdID = try await meter.hold(price, for: entry) {
                    send.holdID = $0
                    return [.smsSend(send)]
                }
            } catch StoreError.insufficientCredits(let available) {
                try await meter.refuse(entry, available: available, price: price)
            } catch StoreError.duplicate(field: "idempotency_key") {
                throw TallyError.messageUnsettled(entry.id)
            }
            // From here on the carrier may have the message: whatever fails, the key is kept
            // and the reconciler settles the hold from this record.
            let outcome: SMSOutcome
            do {
                outcome = Self.outcome(try await gateway.send(to: number, body: request.body, reference: send.holdID.rawValue))
            } catch {
                // The answer was lost: ask the carrier what became of the message. Still no
                // answer: the message reconciler asks again.
                let known: SMSDelivery?
                do {
                    known = try await gateway.delivery(reference: send.holdID.rawValue, to: number)
                } catch {
                    throw TallyError.messageUnsettled(entry.id)
                }
                outcome = Self.outcome(known)
            }
            do {
                _ = try await meter.store.recordSMSOutcome(outcome, hold: send.holdID, account: account, at: meter.time.now())
                send.outcome = outcome
                let (transaction, answer) = try settlement(of: send, price: price, answerClaim: completing.map { ($0, IdempotencyFence.claimToken) })
                _ = try await meter.store.commit(transaction)
                return answer
            } catch {
                throw TallyError.messageUnsettled(entry.id)
            }
        }
    }

    /// The transaction that settles a message's hold from its record — capture when sent,
    /// release when not — with its log line and the answer its request gets (stored for
    /// its key, fenced by the claim when the request itself settles it).
    func settlement(of send: SMSSend, price: Credits, answerClaim: (key: String, token: Int64?)?) throws -> (WalletTransaction, Answer) {
        var line = send.line
        var view = MessageView(
            id: line.id,
            status: "sent",
            reason: nil,
            iso: line.iso ?? "",
            e164: line.phone ?? "",
            encoding: line.encoding.flatMap(SMSEncoding.init(rawValue:)) ?? .gsm7,
            segments: line.segments ?? 1,
            credits: price
        )
        let posting: Posting
        switch send.outcome ?? .failed(reason: Self.lostAnswer) {
        case .sent:
            posting = Posting(id: meter.ledgerID(), kind: .capture, change: .capture(price), reference: line.id, hold: send.holdID)
        case .failed(let reason):
            view.status = "failed"
            view.reason = reason
            view.credits = .zero
            posting = Posting(id: meter.ledgerID(), kind: .release, change: .release(price), reference: send.holdID.rawValue, hold: send.holdID)
        }
        line.status = view.status
        line.reason = view.reason
        line.credits = view.credits
        let answer = try Answer(status: 200, view)
        let transaction = WalletTransaction(
            accountID: send.accountID,
            postings: [posting],
            records: [
                .settleHold(send.holdID, status: view.status == "sent" ? .captured : .released, capturedCredits: view.credits),
                .usage(line), .settleSMS(send.holdID),
            ],
            idempotency: answerClaim.map {
                IdempotentResponse(key: $0.key, status: answer.status, body: answer.body, claimToken: $0.token)
            },
            at: meter.time.now()
        )
        return (transaction, answer)
    }

    /// Why a message whose carrier answer was never written is not charged.
    static let lostAnswer = "the carrier's answer was lost; nothing was charged"

    /// What the carrier says became of a message whose answer was lost: `.some(nil)` when it
    /// never got it, `nil` when it does not answer.
    private func askCarrier(about send: SMSSend) async -> SMSDelivery?? {
        guard case .success(let number) = PhoneNumber.parse(send.line.phone ?? "") else { return .some(nil) }
        do {
            return .some(try await gateway.delivery(reference: send.holdID.rawValue, to: number))
        } catch {
            return nil
        }
    }

    /// What Tally records of a carrier's answer.
    static func outcome(_ delivery: SMSDelivery?) -> SMSOutcome {
        switch delivery {
        case .sent: .sent
        case .failed(let reason): .failed(reason: reason)
        case nil: .failed(reason: "the carrier never got the message")
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
            // The carrier's answer was never recorded: ask it what became of the message.
            if let known = await askCarrier(about: send) {
                let outcome = Self.outcome(known)
                _ = try await meter.store.recordSMSOutcome(outcome, hold: send.holdID, account: send.accountID, at: now)
                send.outcome = outcome
            } else if send.createdAt > now.addingTimeInterval(-settling.messagesUnansweredAfterSeconds) {
                // No answer yet: asked again next time, until the hold's life is over.
                return false
            }
        }
        // The key's claim may have been taken over meanwhile: the answer is written unfenced.
        let claim = send.idempotencyKey.map { (key: $0, token: Int64?.none) }
        do {
            _ = try await meter.store.commit(try settlement(of: send, price: hold.credits, answerClaim: claim).0)
            return true
        } catch StoreError.conflict where claim != nil {
            // The key is no longer claimed (answered another way): settle the money alone.
            do {
                _ = try await meter.store.commit(try settlement(of: send, price: hold.credits, answerClaim: nil).0)
                return true
            } catch StoreError.conflict {
                // Settled meanwhile by its request or another process.
                return false
            }
        } catch StoreError.conflict {
            // Settled meanwhile by its request or another process.
            return false
        }
    }
}
