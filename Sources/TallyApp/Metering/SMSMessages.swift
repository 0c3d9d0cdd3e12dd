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
        return try await idempotency.run(account: account, request: key) { completing in
            var entry = meter.logEntry(meter.ids.make("sms"), account: account, feature: .sms, status: "", credits: .zero)
            entry.contactEmail = email
            entry.phone = number.e164
            entry.iso = quote.rate.iso
            entry.segments = quote.segmentation.segments
            entry.encoding = quote.segmentation.encoding.rawValue
            entry.event = event
            let price = quote.credits
            let holdID: HoldID
            do {
                holdID = try await meter.hold(price, for: entry)
            } catch StoreError.insufficientCredits(let available) {
                try await meter.refuse(entry, available: available, price: price)
            }
            let delivery: SMSDelivery
            do {
                delivery = try await gateway.send(to: number, body: request.body)
            } catch {
                delivery = .failed(reason: "the carrier did not answer")
            }
            var view = MessageView(
                id: entry.id,
                status: "sent",
                reason: nil,
                iso: quote.rate.iso,
                e164: number.e164,
                encoding: quote.segmentation.encoding,
                segments: quote.segmentation.segments,
                credits: price
            )
            let posting: Posting
            switch delivery {
            case .sent:
                posting = Posting(id: meter.ledgerID(), kind: .capture, change: .capture(price), reference: entry.id)
            case .failed(let reason):
                view.status = "failed"
                view.reason = reason
                view.credits = .zero
                posting = Posting(id: meter.ledgerID(), kind: .release, change: .release(price), reference: holdID.rawValue)
            }
            entry.status = view.status
            entry.reason = view.reason
            entry.credits = view.credits
            let answer = try Answer(status: 200, view)
            do {
                _ = try await meter.store.commit(
                    WalletTransaction(
                        accountID: account,
                        postings: [posting],
                        records: [
                            .settleHold(holdID, status: view.status == "sent" ? .captured : .released, capturedCredits: view.credits), .usage(entry),
                        ],
                        idempotency: completing.map { IdempotentResponse(key: $0, status: answer.status, body: answer.body) },
                        at: meter.time.now()
                    )
                )
            } catch StoreError.conflict {
                throw TallyError.conflict("the message took longer than its hold; nothing was charged")
            }
            return answer
        }
    }
}
