import Foundation
import TallyApp
import Testing

/// Which provider each role uses, from the environment (PROVIDERS.md "Common rules"):
/// the sandbox unless a real provider is turned on, and a misconfiguration refused with
/// one line naming the variable — never the sandbox in its place.
@Suite("Provider configuration")
struct ProviderConfigurationTests {
    static let secret = "bridge-secret-0123456789abcdef"

    @Test func noVariablesIsEverySandbox() throws {
        let configuration = try ProviderConfiguration(environment: ["PATH": "/usr/bin", "TALLY_OPERATOR_TOKEN": "x"])
        #expect(configuration == .sandbox)
        #expect(
            configuration.summary
                == "providers: payments sandbox (test mode), sms sandbox, phone sandbox, email sandbox, bureau sandbox"
        )
        #expect(ProviderChoices(configuration.providers()).bureau.provider == "sandbox")
    }

    /// Empty variables count as unset; `sandbox` may be named explicitly.
    @Test func emptyVariablesAndExplicitSandboxesAreTheSandbox() throws {
        let configuration = try ProviderConfiguration(environment: [
            "TALLY_BUREAU_URL": "", "TALLY_BUREAU_SECRET": "", "TALLY_STRIPE_SECRET_KEY": "",
            "TALLY_PHONE_VERIFIER": "sandbox", "TALLY_EMAIL_VERIFIER": "sandbox",
        ])
        #expect(configuration == .sandbox)
    }

    @Test(arguments: [
        "https://bridge.example.com/check", "https://bridge.example.com:8443/", "http://127.0.0.1:9000/bureau",
        "http://localhost:9000", "http://[::1]:9000/bureau", "http://127.5.6.7/b",
    ])
    func theBridgeIsOnWithAURLAndASecret(url: String) throws {
        let configuration = try ProviderConfiguration(environment: ["TALLY_BUREAU_URL": url, "TALLY_BUREAU_SECRET": Self.secret])
        guard case .bridge(let settings) = configuration.bureau else {
            Issue.record("the bureau is not the bridge for \(url)")
            return
        }
        #expect(settings.secret == Self.secret)
        #expect(ProviderChoices(configuration.providers()).bureau.provider == "http")
        #expect(configuration.summary.hasSuffix("bureau http (the bridge at \(settings.url.host ?? "?"))"))
    }

    struct Refusal: Sendable, CustomStringConvertible {
        var environment: [String: String]
        var line: String
        var description: String { line }
    }

    static let bridge = ["TALLY_BUREAU_URL": "https://bridge.example.com/check", "TALLY_BUREAU_SECRET": secret]

    static let refusals: [Refusal] = [
        Refusal(
            environment: ["TALLY_BUREAU_URL": "https://bridge.example.com/check"],
            line: "TALLY_BUREAU_SECRET is missing: the bureau bridge needs it with TALLY_BUREAU_URL"
        ),
        Refusal(
            environment: ["TALLY_BUREAU_SECRET": secret],
            line: "TALLY_BUREAU_URL is missing: the bureau bridge needs it with TALLY_BUREAU_SECRET"
        ),
        Refusal(
            environment: bridge.merging(["TALLY_BUREAU_URL": "http://bridge.example.com/check"]) { $1 },
            line: "TALLY_BUREAU_URL must be an https:// URL (plain http:// only for a loopback address)"
        ),
        Refusal(
            environment: bridge.merging(["TALLY_BUREAU_URL": "http://10.0.0.7/check"]) { $1 },
            line: "TALLY_BUREAU_URL must be an https:// URL (plain http:// only for a loopback address)"
        ),
        Refusal(
            environment: bridge.merging(["TALLY_BUREAU_URL": "http://127.0.0.1.example.com/check"]) { $1 },
            line: "TALLY_BUREAU_URL must be an https:// URL (plain http:// only for a loopback address)"
        ),
        Refusal(
            environment: bridge.merging(["TALLY_BUREAU_URL": "bridge.example.com"]) { $1 },
            line: "TALLY_BUREAU_URL must be an absolute URL such as https://host.example.com/path"
        ),
        Refusal(
            environment: bridge.merging(["TALLY_BUREAU_URL": "ftp://bridge.example.com/"]) { $1 },
            line: "TALLY_BUREAU_URL must be an https:// URL"
        ),
        Refusal(
            environment: bridge.merging(["TALLY_BUREAU_URL": "https://user:pw@bridge.example.com/"]) { $1 },
            line: "TALLY_BUREAU_URL must not carry a user name or password"
        ),
        Refusal(
            environment: bridge.merging(["TALLY_BUREAU_URL": "https://bridge.example.com/?token=1"]) { $1 },
            line: "TALLY_BUREAU_URL must not have a query or fragment"
        ),
        Refusal(
            environment: bridge.merging(["TALLY_BUREAU_SECRET": "short"]) { $1 },
            line: "TALLY_BUREAU_SECRET must be at least 16 characters long"
        ),
        Refusal(
            environment: bridge.merging(["TALLY_BUREAU_SECRET": secret + "\n"]) { $1 },
            line: "TALLY_BUREAU_SECRET must not contain spaces, line breaks or control characters"
        ),
        Refusal(
            environment: ["TALLY_PUBLIC_URL": "http://billing.example.com"],
            line: "TALLY_PUBLIC_URL must be an https:// URL (plain http:// only for a loopback address)"
        ),
        Refusal(
            environment: ["TALLY_STRIPE_SECRET_KEY": "sk_test_51TallyKey0123456789"],
            line: "TALLY_STRIPE_WEBHOOK_SECRET is missing: Stripe's events cannot be checked without it "
                + "(whsec_…, from the webhook endpoint in Stripe's dashboard)"
        ),
        Refusal(
            environment: ["TALLY_STRIPE_WEBHOOK_SECRET": "whsec_0123456789abcdef"],
            line: "TALLY_STRIPE_SECRET_KEY is missing: TALLY_STRIPE_WEBHOOK_SECRET is set, and Stripe needs its secret key"
        ),
        Refusal(
            environment: stripe.merging(["TALLY_STRIPE_SECRET_KEY": "pk_test_51TallyKey0123456789"]) { $1 },
            line: "TALLY_STRIPE_SECRET_KEY must be a Stripe secret key (sk_test_… or sk_live_…)"
        ),
        Refusal(
            environment: stripe.merging(["TALLY_STRIPE_WEBHOOK_SECRET": "0123456789abcdef0123"]) { $1 },
            line: "TALLY_STRIPE_WEBHOOK_SECRET must be a Stripe webhook signing secret (whsec_…)"
        ),
        Refusal(
            environment: stripe.merging(["TALLY_STRIPE_PUBLISHABLE_KEY": "pk_live_51TallyKey0123456789"]) { $1 },
            line: "TALLY_STRIPE_PUBLISHABLE_KEY is for the other mode than TALLY_STRIPE_SECRET_KEY (test and live keys mixed)"
        ),
        Refusal(
            environment: stripe.merging(["TALLY_PUBLIC_URL": ""]) { $1 },
            line: "TALLY_PUBLIC_URL is missing: Stripe sends cardholders back to it (for example https://billing.example.com)"
        ),
        Refusal(
            environment: stripe.merging(["TALLY_STRIPE_API_BASE": "http://stripe.example.com"]) { $1 },
            line: "TALLY_STRIPE_API_BASE must be an https:// URL (plain http:// only for a loopback address)"
        ),
        Refusal(
            environment: ["TALLY_TWILIO_ACCOUNT_SID": "AC123"],
            line: "TALLY_TWILIO_ACCOUNT_SID must be a Twilio account SID (AC followed by 32 hexadecimal digits)"
        ),
        Refusal(
            environment: ["TALLY_TWILIO_AUTH_TOKEN": twilioToken],
            line: "TALLY_TWILIO_ACCOUNT_SID is missing: TALLY_TWILIO_AUTH_TOKEN is set, and Twilio needs the account SID"
        ),
        Refusal(
            environment: ["TALLY_TWILIO_ACCOUNT_SID": twilioSID, "TALLY_TWILIO_FROM": "+15017122661"],
            line: "TALLY_TWILIO_AUTH_TOKEN is missing: Twilio needs it with TALLY_TWILIO_ACCOUNT_SID"
        ),
        Refusal(
            environment: twilio.merging(["TALLY_TWILIO_FROM": ""]) { $1 },
            line: "TALLY_TWILIO_FROM is missing: messages need a sender (TALLY_TWILIO_FROM or TALLY_TWILIO_MESSAGING_SERVICE_SID)"
        ),
        Refusal(
            environment: twilio.merging(["TALLY_TWILIO_FROM": "5017122661"]) { $1 },
            line: "TALLY_TWILIO_FROM must be a phone number in E.164 form, such as +15017122661"
        ),
        Refusal(
            environment: twilio.merging(["TALLY_TWILIO_MESSAGING_SERVICE_SID": "MG" + String(repeating: "a", count: 32)]) { $1 },
            line: "TALLY_TWILIO_MESSAGING_SERVICE_SID is set with TALLY_TWILIO_FROM: messages go from one sender, set only one"
        ),
        Refusal(
            environment: twilio.merging(["TALLY_PUBLIC_URL": ""]) { $1 },
            line: "TALLY_PUBLIC_URL is missing: Twilio reports each message's status to it (for example https://billing.example.com)"
        ),
        Refusal(
            environment: twilio.merging(["TALLY_TWILIO_API_BASE": "http://api.twilio.example.com"]) { $1 },
            line: "TALLY_TWILIO_API_BASE must be an https:// URL (plain http:// only for a loopback address)"
        ),
        Refusal(
            environment: ["TALLY_PHONE_VERIFIER": "twilio"],
            line: "TALLY_TWILIO_ACCOUNT_SID is missing: TALLY_PHONE_VERIFIER=twilio asks Twilio Lookup with it"
        ),
        Refusal(environment: ["TALLY_PHONE_VERIFIER": "lookup"], line: "TALLY_PHONE_VERIFIER must be sandbox or twilio"),
        Refusal(environment: ["TALLY_EMAIL_VERIFIER": "smtp"], line: "TALLY_EMAIL_VERIFIER must be sandbox or dns"),
        Refusal(
            environment: ["TALLY_DNS_SERVER": "127.0.0.1:53"],
            line: "TALLY_DNS_SERVER is set, but TALLY_EMAIL_VERIFIER is not dns; set TALLY_EMAIL_VERIFIER=dns or unset it"
        ),
        Refusal(
            environment: ["TALLY_EMAIL_VERIFIER": "sandbox", "TALLY_DNS_CHECK_DOMAIN": "example.com"],
            line: "TALLY_DNS_CHECK_DOMAIN is set, but TALLY_EMAIL_VERIFIER is not dns; set TALLY_EMAIL_VERIFIER=dns or unset it"
        ),
        Refusal(
            environment: ["TALLY_EMAIL_VERIFIER": "dns", "TALLY_DNS_CHECK_DOMAIN": "not a domain"],
            line: "TALLY_DNS_CHECK_DOMAIN must be a domain name, such as example.com"
        ),
    ]

    /// `TALLY_DNS_SERVER` is an IPv4 address and a port: a resolver is not found by name.
    static let dnsServerRefusals: [Refusal] = [
        "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "localhost:53", "dns.example.com:53", "[::1]:53", "127.0.0.1:53 ", "1.2.3:53",
    ].map {
        Refusal(
            environment: ["TALLY_EMAIL_VERIFIER": "dns", "TALLY_DNS_SERVER": $0],
            line: "TALLY_DNS_SERVER must be an IPv4 address and a port, such as 127.0.0.1:53"
        )
    }

    @Test(arguments: refusals + dnsServerRefusals)
    func aMisconfigurationIsRefusedInOneLineNamingTheVariable(_ refusal: Refusal) {
        #expect(throws: ProviderConfigurationError.self) { try ProviderConfiguration(environment: refusal.environment) }
        do {
            _ = try ProviderConfiguration(environment: refusal.environment)
        } catch {
            #expect(error.description == refusal.line)
            #expect(!error.description.contains("\n"))
        }
    }

    /// Neither the refusal nor the start-up line nor a dump of the settings shows a secret.
    @Test func secretsAreNeverShown() throws {
        let configuration = try ProviderConfiguration(environment: Self.bridge)
        #expect(!configuration.summary.contains(Self.secret))
        #expect(!"\(configuration)".contains(Self.secret))
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!dumped.contains(Self.secret))
        do {
            _ = try ProviderConfiguration(environment: ["TALLY_BUREAU_SECRET": "sk_live_" + Self.secret])
        } catch {
            #expect(!error.description.contains(Self.secret))
        }
    }

    static let stripe = [
        "TALLY_STRIPE_SECRET_KEY": "sk_test_51TallyKey0123456789",
        "TALLY_STRIPE_WEBHOOK_SECRET": "whsec_0123456789abcdef0123",
        "TALLY_PUBLIC_URL": "https://billing.example.com",
    ]

    static let twilioSID = "AC" + String(repeating: "0123456789abcdef", count: 2)
    static let twilioToken = String(repeating: "fedcba9876543210", count: 2)
    static let twilio = [
        "TALLY_TWILIO_ACCOUNT_SID": twilioSID,
        "TALLY_TWILIO_AUTH_TOKEN": twilioToken,
        "TALLY_TWILIO_FROM": "+15017122661",
        "TALLY_PUBLIC_URL": "https://billing.example.com",
    ]

    /// A whole Twilio configuration turns messages to Twilio; Lookup is turned on on its own,
    /// and may run without a sender. The auth token is never shown.
    @Test func twilioIsOnWithItsAccountASenderAndAPublicURL() throws {
        let sms = try ProviderConfiguration(environment: Self.twilio)
        #expect(ProviderChoices(sms.providers()).sms.provider == "twilio")
        #expect(ProviderChoices(sms.providers()).phone.provider == "sandbox")
        #expect(!sms.summary.contains(Self.twilioToken))
        #expect(!String(describing: sms).contains(Self.twilioToken))
        let lookupOnly = try ProviderConfiguration(environment: [
            "TALLY_PHONE_VERIFIER": "twilio", "TALLY_TWILIO_ACCOUNT_SID": Self.twilioSID, "TALLY_TWILIO_AUTH_TOKEN": Self.twilioToken,
        ])
        #expect(ProviderChoices(lookupOnly.providers()).sms.provider == "sandbox")
        #expect(ProviderChoices(lookupOnly.providers()).phone.provider == "twilio")
        let both = try ProviderConfiguration(
            environment: Self.twilio.merging([
                "TALLY_TWILIO_FROM": "", "TALLY_TWILIO_MESSAGING_SERVICE_SID": "MG" + String(repeating: "ab", count: 16),
                "TALLY_PHONE_VERIFIER": "twilio",
            ]) { $1 }
        )
        #expect(ProviderChoices(both.providers()).sms.provider == "twilio")
        #expect(ProviderChoices(both.providers()).phone.provider == "twilio")
    }

    /// A whole Stripe configuration turns payments to Stripe, in test or live mode by its key.
    @Test func stripeIsOnWithItsKeysAndAPublicURL() throws {
        let test = try ProviderConfiguration(environment: Self.stripe)
        let payments = ProviderChoices(test.providers()).payments
        #expect(payments.provider == "stripe" && payments.mode == "test")
        #expect(test.summary.contains("payments stripe (test mode)"))
        #expect(!test.summary.contains("sk_test_51TallyKey0123456789"))
        var dumped = ""
        dump(test, to: &dumped)
        #expect(!dumped.contains("sk_test_51TallyKey0123456789") && !dumped.contains("whsec_0123456789abcdef0123"))
        let live = try ProviderConfiguration(
            environment: Self.stripe.merging(["TALLY_STRIPE_SECRET_KEY": "sk_live_51TallyKey0123456789"]) { $1 }
        )
        #expect(ProviderChoices(live.providers()).payments.mode == "live")
    }

    /// `TALLY_EMAIL_VERIFIER=dns` turns DNS validation on, on the system's resolver unless
    /// `TALLY_DNS_SERVER` names one.
    @Test func dnsIsOnWithItsVerifierVariable() throws {
        let system = try ProviderConfiguration(environment: ["TALLY_EMAIL_VERIFIER": "dns"])
        #expect(system.email == .dns(DNSEmailVerifier.Settings()))
        #expect(ProviderChoices(system.providers()).email.provider == "dns")
        #expect(system.summary.contains("email dns (the system's resolver)"))
        let local = try ProviderConfiguration(environment: [
            "TALLY_EMAIL_VERIFIER": "dns", "TALLY_DNS_SERVER": "127.0.0.1:5353", "TALLY_DNS_CHECK_DOMAIN": "Example.ORG",
        ])
        #expect(local.email == .dns(DNSEmailVerifier.Settings(server: DNSServerAddress(host: "127.0.0.1", port: 5353), checkDomain: "example.org")))
        #expect(local.summary.contains("email dns (the DNS server at 127.0.0.1:5353)"))
    }

    @Test func aPublicURLIsKept() throws {
        let configuration = try ProviderConfiguration(environment: ["TALLY_PUBLIC_URL": "https://billing.example.com"])
        #expect(configuration.publicURL?.absoluteString == "https://billing.example.com")
        let local = try ProviderConfiguration(environment: ["TALLY_PUBLIC_URL": "http://127.0.0.1:8080"])
        #expect(local.publicURL?.host == "127.0.0.1")
    }
}
