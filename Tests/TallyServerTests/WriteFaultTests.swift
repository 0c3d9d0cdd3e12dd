import Foundation
import TallyApp
import TallyCore
import Testing

/// A database fault at every write of a money request, one write at a time: whichever
/// write fails, retrying the request with its `Idempotency-Key` ends with it done exactly
/// once — once every hold has ended, the wallet moved as one clean request moves it, or
/// not at all for a refusal — and every wallet still equals its ledger and its lots.
///
/// This is the sweep that catches a money decision split over two transactions (say, an
/// answer stored after its charge instead of with it): the fault between the two leaves
/// the charge without its answer, and the retry charges again.
@Suite("A fault at every write")
struct WriteFaultTests {
    /// One money request: what it sends, and with whose token.
    struct Request: CustomStringConvertible {
        var name: String
        var body: any AccountRequest
        var token: String?
        var description: String { name }
        /// The name as a key's part.
        var slug: String { name.replacingOccurrences(of: " ", with: "-") }
    }

    @Test func everyWriteOfEveryMoneyRequestFailsOnceAndTheRetryDoesItOnce() async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 1_790_000_000))
        try await Harness.run(time: clock) { harness in
            let faults = try #require(harness.faults)
            let account = try await harness.makeAccount()
            try #require(try await account.buy(500).status == 201)
            let card = try await account.saveCard()
            _ = try await harness.call(
                .post,
                "/v1/accounts/\(account.id)/verification",
                token: Harness.operatorToken,
                json: #"{"usBusinessEntity":true}"#
            )

            let ann = ContactBody(name: "Ann")
            var requests = [
                Request(name: "email validation", body: EmailValidationRequest(email: "ann@example.com", contact: ann)),
                Request(name: "phone validation", body: PhoneValidationRequest(phone: "+1 415 867 5309", contact: ann)),
                Request(name: "hold", body: HoldRequest(feature: "calls", credits: 2, ttlSeconds: 86_400)),
                Request(name: "purchase", body: PurchaseRequest(credits: 100, paymentMethodId: card)),
                Request(
                    name: "credit check",
                    body: CreditCheckRequest(kind: "dti", contact: ContactBody(name: "Ann", email: "ann@example.com", phone: "+1 415 867 5309"))
                ),
                Request(name: "grant", body: GrantRequest(credits: 5, reason: "goodwill"), token: Harness.operatorToken),
                Request(name: "adjustment", body: AdjustmentRequest(credits: -1, reason: "correction"), token: Harness.operatorToken),
            ]
            let purchase = try await account.buy(1_000)
            try #require(purchase.status == 201, "\(purchase)")
            requests.append(Request(name: "refund", body: RefundRequest(purchase: try purchase.string("id"), credits: 1)))

            defer { print("write-fault sweep: \(faults.thrownWriteFaults) writes failed across \(requests.count) kinds of request") }
            for request in requests {
                // A clean run first: how the ledger moves for one request of this kind.
                var cleanReply: Reply?
                let clean = try await ledgerGrowth(account, clock: clock) {
                    let reply = try await send(request, account: account, key: "clean-\(request.slug)-\(UUID().uuidString)")
                    cleanReply = reply
                    return reply
                }
                var write = 0
                while true {
                    faults.failWrite(after: write)
                    let key = "fault-\(request.slug)-\(write)-\(UUID().uuidString)"
                    var final: Reply?
                    let growth = try await ledgerGrowth(account, clock: clock) {
                        var reply = try await send(request, account: account, key: key)
                        faults.disarmWriteFault()
                        // Asked again until it gets a final answer.
                        for _ in 0..<5 where reply.status >= 500 {
                            reply = try await send(request, account: account, key: key)
                        }
                        final = reply
                        return reply
                    }
                    let reply = try #require(final)
                    let fired = write < 12 && growth.fired
                    #expect(reply.status < 500, "\(request) with write \(write + 1) failing: \(reply)")
                    if (200..<300).contains(reply.status) {
                        #expect(
                            growth.change == clean.change,
                            "\(request) with write \(write + 1) failing moved the wallet \(growth.change), a clean one \(clean.change)"
                        )
                    } else {
                        #expect(growth.change == [0, 0, 0, 0], "\(request) refused after write \(write + 1) failed, yet moved the wallet")
                    }
                    #expect(try await harness.tally.store.verifyWallets() == [])
                    #expect(try await harness.tally.store.verifyLots() == [])
                    guard fired else { break }
                    write += 1
                }
                #expect(write > 0, "\(request): no write of it was ever failed")
                #expect(clean.change != [0, 0, 0, 0], "\(request): a clean request moved nothing: \(cleanReply.map(String.init(describing:)) ?? "")")
            }
        }
    }

    struct NotCredits: Error {
        var text: String
    }

    struct Growth {
        /// How available, held, used and total changed, in thousandths.
        var change: [Int64]
        var fired: Bool
    }

    /// How the wallet moved once every hold `body` left has ended (the clock is moved past
    /// the longest hold and the sweeper run), and whether an armed write fault was thrown.
    func ledgerGrowth(_ account: TestAccount, clock: ManualTime, _ body: () async throws -> Reply) async throws -> Growth {
        let before = try await figures(account)
        let faultsBefore = account.harness.faults?.thrownWriteFaults ?? 0
        _ = try await body()
        clock.advance(seconds: 700)
        _ = try await account.harness.tally.holds.expire()
        let after = try await figures(account)
        return Growth(
            change: zip(after, before).map { $0 - $1 },
            fired: (account.harness.faults?.thrownWriteFaults ?? 0) > faultsBefore
        )
    }

    func figures(_ account: TestAccount) async throws -> [Int64] {
        try await account.figures().map { text in
            guard case .success(let credits) = Credits.parse(text) else { throw WriteFaultTests.NotCredits(text: text) }
            return credits.thousandths
        }
    }

    func send(_ request: Request, account: TestAccount, key: String) async throws -> Reply {
        try await account.send(request.body, token: request.token, key: key)
    }
}
