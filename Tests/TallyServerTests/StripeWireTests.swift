import Crypto
import Foundation
import TallyApp
import Testing

/// Stripe's wire format as Tally writes and reads it (PROVIDERS.md "Payments: Stripe"):
/// the bracket-notation form encoding of requests, the objects read from answers, and the
/// `Stripe-Signature` check of events, against signatures computed here from Stripe's
/// documented algorithm.
@Suite("Stripe wire format")
struct StripeWireTests {
    struct FormCase: Sendable, CustomTestStringConvertible {
        var name: String
        var parameters: [(String, StripeWire.Value)]
        var form: String
        var testDescription: String { name }
    }

    static let formCases: [FormCase] = [
        FormCase(
            name: "plain values in order",
            parameters: [("amount", .integer(2_500)), ("currency", .string("usd"))],
            form: "amount=2500&currency=usd"
        ),
        FormCase(
            name: "booleans as true and false",
            parameters: [("confirm", .boolean(true)), ("off_session", .boolean(false))],
            form: "confirm=true&off_session=false"
        ),
        FormCase(
            name: "metadata in brackets",
            parameters: [("metadata", .object([("tally_account", .string("acct_1")), ("tally_purchase", .string("pur_2"))]))],
            form: "metadata[tally_account]=acct_1&metadata[tally_purchase]=pur_2"
        ),
        FormCase(
            name: "nested objects",
            parameters: [("payment_method_options", .object([("card", .object([("request_three_d_secure", .string("any"))]))]))],
            form: "payment_method_options[card][request_three_d_secure]=any"
        ),
        FormCase(
            name: "lists by index",
            parameters: [("payment_method_types", .list([.string("card"), .string("link")]))],
            form: "payment_method_types[0]=card&payment_method_types[1]=link"
        ),
        FormCase(
            name: "a list of objects",
            parameters: [("line_items", .list([.object([("price", .string("price_1")), ("quantity", .integer(2))])]))],
            form: "line_items[0][price]=price_1&line_items[0][quantity]=2"
        ),
        FormCase(
            name: "reserved characters escaped, spaces as %20",
            parameters: [("name", .string("Lee & Co = 100% sure")), ("return_url", .string("https://billing.example.com/billing?x=1#y"))],
            form: "name=Lee%20%26%20Co%20%3D%20100%25%20sure&return_url=https%3A%2F%2Fbilling.example.com%2Fbilling%3Fx%3D1%23y"
        ),
        FormCase(name: "UTF-8 escaped byte by byte", parameters: [("name", .string("Zoë"))], form: "name=Zo%C3%AB"),
        FormCase(name: "an empty object sends nothing", parameters: [("metadata", .object([])), ("amount", .integer(1))], form: "amount=1"),
        FormCase(
            name: "a bracket inside a metadata key is escaped",
            parameters: [("metadata", .object([("a[b]", .string("c"))]))],
            form: "metadata[a%5Bb%5D]=c"
        ),
    ]

    @Test(arguments: formCases)
    func formEncodingUsesStripesBracketNotation(_ example: FormCase) {
        #expect(StripeWire.form(example.parameters) == example.form)
    }

    @Test func stripesTextLosesAnyKeyItQuotes() {
        #expect(StripeWire.safe("Invalid API Key provided: sk_test_abcdef123") == "Invalid API Key provided: sk_***")
        #expect(StripeWire.safe("secret whsec_123 and rk_live_9") == "secret whsec_*** and rk_***")
        #expect(StripeWire.safe("two\nlines") == "two lines")
    }

    // MARK: - Objects

    @Test func aPaymentIntentIsReadWithItsNextActionAndLastError() throws {
        let json = """
            {"id":"pi_1","object":"payment_intent","status":"requires_action","amount":2500,"amount_received":0,
             "currency":"usd","customer":"cus_1","payment_method":"pm_1","metadata":{"tally_purchase":"pur_1"},
             "next_action":{"type":"redirect_to_url","redirect_to_url":{"url":"https://hooks.stripe.com/3ds/pi_1","return_url":"https://x"}},
             "last_payment_error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline","message":"Your card was declined."},
             "livemode":false,"unknown_field_added_later":{"a":1}}
            """
        let event = StripeEvent.read(
            Array(#"{"id":"evt_1","type":"payment_intent.requires_action","created":1700000000,"data":{"object":\#(json)}}"#.utf8)
        )
        let intent = try #require(event).object(as: StripePaymentIntent.self)
        #expect(intent.id == "pi_1")
        #expect(intent.knownStatus == .requiresAction)
        #expect(intent.amount == 2_500 && intent.amountReceived == 0 && intent.currency == "usd")
        #expect(intent.redirectURL == "https://hooks.stripe.com/3ds/pi_1")
        #expect(intent.lastPaymentError?.declineCode == "generic_decline")
        #expect(intent.metadata?["tally_purchase"] == "pur_1")
    }

    @Test func anEventKeepsItsObjectForItsHandler() throws {
        let body =
            #"{"id":"evt_9","object":"event","type":"refund.updated","created":1733400000,"livemode":false,"data":{"object":{"id":"re_1","object":"refund","status":"failed","amount":500,"payment_intent":"pi_1","failure_reason":"lost_or_stolen_card"}}}"#
        let event = try #require(StripeEvent.read(Array(body.utf8)))
        #expect(event.id == "evt_9" && event.type == "refund.updated" && event.created == 1_733_400_000)
        #expect(event.objectKind == "refund")
        let refund = try event.object(as: StripeRefund.self)
        #expect(refund.id == "re_1" && refund.status == "failed" && refund.amount == 500)
        #expect(refund.paymentIntent == "pi_1" && refund.failureReason == "lost_or_stolen_card")
        #expect(StripeEvent.read(Array(#"{"id":"evt_1","type":"x"}"#.utf8)) == nil)
        #expect(StripeEvent.read(Array("not json".utf8)) == nil)
    }

    // MARK: - Stripe-Signature

    static let secret = "whsec_test_secret_0123456789abcdef"
    static let payload = Array(#"{"id":"evt_1","object":"event","type":"payment_intent.succeeded"}"#.utf8)
    static let now: Int64 = 1_733_400_000

    /// Stripe's documented scheme, computed here independently: hex HMAC-SHA256 of
    /// `"<t>.<payload>"` keyed by the webhook secret.
    static func v1(_ payload: [UInt8], timestamp: Int64, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + payload, using: SymmetricKey(data: Array(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    static func verify(_ header: String?, payload: [UInt8] = payload, now: Int64 = now) -> StripeSignature.Refusal? {
        do {
            try StripeSignature.verify(payload: payload, header: header, secret: secret, now: now)
            return nil
        } catch {
            return error
        }
    }

    @Test func aSignatureMadeAsStripeDocumentsIsAccepted() {
        let signature = Self.v1(Self.payload, timestamp: Self.now, secret: Self.secret)
        #expect(Self.verify("t=\(Self.now),v1=\(signature)") == nil)
        // Other schemes beside it (Stripe's test-mode v0) are ignored.
        #expect(Self.verify("t=\(Self.now),v1=\(signature),v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39") == nil)
        // Signed four minutes ago: inside the five-minute tolerance.
        let earlier = Self.now - 240
        #expect(Self.verify("t=\(earlier),v1=\(Self.v1(Self.payload, timestamp: earlier, secret: Self.secret))") == nil)
    }

    @Test func anyOfSeveralV1SignaturesMayMatch() {
        let good = Self.v1(Self.payload, timestamp: Self.now, secret: Self.secret)
        let old = Self.v1(Self.payload, timestamp: Self.now, secret: "whsec_the_secret_being_rolled_out")
        #expect(Self.verify("t=\(Self.now),v1=\(old),v1=\(good)") == nil)
        #expect(Self.verify("t=\(Self.now),v1=\(good),v1=\(old)") == nil)
        #expect(Self.verify("t=\(Self.now),v1=\(old),v1=zz") == .noMatchingSignature)
    }

    @Test func aSignatureWithAnotherSecretOrOverAnotherPayloadIsRefused() {
        let wrongSecret = Self.v1(Self.payload, timestamp: Self.now, secret: "whsec_someone_else")
        #expect(Self.verify("t=\(Self.now),v1=\(wrongSecret)") == .noMatchingSignature)
        let signature = Self.v1(Self.payload, timestamp: Self.now, secret: Self.secret)
        #expect(Self.verify("t=\(Self.now),v1=\(signature)", payload: Self.payload + Array(" ".utf8)) == .noMatchingSignature)
        // The timestamp is signed too: moving it breaks the signature.
        #expect(Self.verify("t=\(Self.now + 1),v1=\(signature)", now: Self.now + 1) == .noMatchingSignature)
        // Upper-case hex of the right code is still the right code.
        #expect(Self.verify("t=\(Self.now),v1=\(signature.uppercased())") == nil)
    }

    @Test func aSignatureOlderThanFiveMinutesIsRefused() {
        let old = Self.now - 301
        let signature = Self.v1(Self.payload, timestamp: old, secret: Self.secret)
        #expect(Self.verify("t=\(old),v1=\(signature)") == .staleTimestamp)
        #expect(Self.verify("t=\(Self.now - 300),v1=\(Self.v1(Self.payload, timestamp: Self.now - 300, secret: Self.secret))") == nil)
    }

    @Test(arguments: [
        nil, "", "v1=abc", "t=1733400000", "t=1733400000,v0=abc", "t=soon,v1=abc", "garbage", "t=,v1=",
        String(repeating: "v1=00,", count: 1_000) + "t=1733400000",
    ])
    func aMalformedHeaderIsRefused(_ header: String?) {
        #expect(Self.verify(header) == .malformedHeader)
    }
}
