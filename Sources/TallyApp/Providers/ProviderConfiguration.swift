import Foundation
import TallyCore

/// Which provider plays each role, read once at start-up from the environment
/// (PROVIDERS.md). Every role is the sandbox unless its variables turn a real provider
/// on; a variable that is set but wrong stops `tally serve` with one line naming it, so
/// an operator who asked for a real provider never gets the sandbox by mistake.
///
/// Payments may be Stripe (`TALLY_STRIPE_SECRET_KEY`, `TALLY_STRIPE_WEBHOOK_SECRET`), SMS
/// Twilio (`TALLY_TWILIO_ACCOUNT_SID`, `TALLY_TWILIO_AUTH_TOKEN`, and `TALLY_TWILIO_FROM` or
/// `TALLY_TWILIO_MESSAGING_SERVICE_SID`), phone validation Twilio Lookup
/// (`TALLY_PHONE_VERIFIER=twilio` with the same account), email validation DNS
/// (`TALLY_EMAIL_VERIFIER=dns`, `TALLY_DNS_SERVER`) and the credit bureau the bureau bridge
/// (`TALLY_BUREAU_URL`, `TALLY_BUREAU_SECRET`).
public struct ProviderConfiguration: Sendable, Hashable {
    /// Who answers credit checks.
    public enum Bureau: Sendable, Hashable {
        case sandbox
        /// The platform's bridge to its bureau.
        case bridge(BureauBridge.Settings)
    }

    /// Who answers email validations beyond the offline syntax check.
    public enum Email: Sendable, Hashable {
        case sandbox
        /// DNS: the domain's MX, else its addresses.
        case dns(DNSEmailVerifier.Settings)
    }

    public var bureau: Bureau
    public var email: Email
    /// Stripe's settings when payments go to Stripe; the sandbox otherwise.
    public var stripe: StripePaymentGateway.Settings?
    /// The Twilio account, when SMS or phone validation goes to Twilio.
    public var twilio: TwilioClient.Settings?
    /// Whether messages go to Twilio (the account has a sender).
    public var twilioSMS = false
    /// Whether phone validation asks Twilio Lookup.
    public var twilioLookup = false
    /// `TALLY_PUBLIC_URL`: where the outside world reaches Tally (return URLs, callbacks).
    public var publicURL: URL?

    public init(
        bureau: Bureau = .sandbox,
        email: Email = .sandbox,
        stripe: StripePaymentGateway.Settings? = nil,
        publicURL: URL? = nil
    ) {
        self.bureau = bureau
        self.email = email
        self.stripe = stripe
        self.publicURL = publicURL
    }

    /// Every role on its sandbox.
    public static let sandbox = ProviderConfiguration()

    /// Reads the configuration from `environment`. A variable set to the empty string
    /// counts as not set.
    public init(environment: [String: String]) throws(ProviderConfigurationError) {
        let value = { (name: String) -> String? in
            guard let text = environment[name], !text.isEmpty else { return nil }
            return text
        }
        self.init()
        email = try Self.email(value)
        if let text = value("TALLY_PUBLIC_URL") {
            publicURL = try Self.baseURL(text, variable: "TALLY_PUBLIC_URL")
        }
        stripe = try Self.stripe(value)
        if stripe != nil, publicURL == nil {
            throw ProviderConfigurationError(
                "TALLY_PUBLIC_URL",
                "is missing: Stripe sends cardholders back to it (for example https://billing.example.com)"
            )
        }
        let phoneChoice = value("TALLY_PHONE_VERIFIER") ?? "sandbox"
        guard phoneChoice == "sandbox" || phoneChoice == "twilio" else {
            throw ProviderConfigurationError("TALLY_PHONE_VERIFIER", "must be sandbox or twilio")
        }
        (twilio, twilioSMS) = try Self.twilio(value, lookup: phoneChoice == "twilio")
        twilioLookup = phoneChoice == "twilio"
        if twilioSMS, publicURL == nil {
            throw ProviderConfigurationError(
                "TALLY_PUBLIC_URL",
                "is missing: Twilio reports each message's status to it (for example https://billing.example.com)"
            )
        }
        switch (value("TALLY_BUREAU_URL"), value("TALLY_BUREAU_SECRET")) {
        case (nil, nil):
            bureau = .sandbox
        case (.some, nil):
            throw ProviderConfigurationError("TALLY_BUREAU_SECRET", "is missing: the bureau bridge needs it with TALLY_BUREAU_URL")
        case (nil, .some):
            throw ProviderConfigurationError("TALLY_BUREAU_URL", "is missing: the bureau bridge needs it with TALLY_BUREAU_SECRET")
        case (.some(let url), .some(let secret)):
            bureau = .bridge(
                BureauBridge.Settings(
                    url: try Self.baseURL(url, variable: "TALLY_BUREAU_URL"),
                    secret: try Self.signingSecret(secret, variable: "TALLY_BUREAU_SECRET")
                )
            )
        }
    }

    /// Twilio's variables: none, or an account (SID and auth token) with one sender for
    /// messages, or without a sender for Lookup alone. Whether messages go to Twilio.
    static func twilio(
        _ value: (String) -> String?,
        lookup: Bool
    ) throws(ProviderConfigurationError) -> (TwilioClient.Settings?, sms: Bool) {
        let names = [
            "TALLY_TWILIO_AUTH_TOKEN", "TALLY_TWILIO_FROM", "TALLY_TWILIO_MESSAGING_SERVICE_SID", "TALLY_TWILIO_API_BASE",
            "TALLY_TWILIO_LOOKUP_BASE",
        ]
        guard let sid = value("TALLY_TWILIO_ACCOUNT_SID") else {
            if lookup {
                throw ProviderConfigurationError("TALLY_TWILIO_ACCOUNT_SID", "is missing: TALLY_PHONE_VERIFIER=twilio asks Twilio Lookup with it")
            }
            for variable in names where value(variable) != nil {
                throw ProviderConfigurationError("TALLY_TWILIO_ACCOUNT_SID", "is missing: \(variable) is set, and Twilio needs the account SID")
            }
            return (nil, false)
        }
        guard Self.isTwilioSID(sid, prefix: "AC") else {
            throw ProviderConfigurationError("TALLY_TWILIO_ACCOUNT_SID", "must be a Twilio account SID (AC followed by 32 hexadecimal digits)")
        }
        guard let token = value("TALLY_TWILIO_AUTH_TOKEN") else {
            throw ProviderConfigurationError("TALLY_TWILIO_AUTH_TOKEN", "is missing: Twilio needs it with TALLY_TWILIO_ACCOUNT_SID")
        }
        let authToken = try signingSecret(token, variable: "TALLY_TWILIO_AUTH_TOKEN")
        let sender: TwilioClient.Settings.Sender?
        switch (value("TALLY_TWILIO_FROM"), value("TALLY_TWILIO_MESSAGING_SERVICE_SID")) {
        case (.some, .some):
            throw ProviderConfigurationError(
                "TALLY_TWILIO_MESSAGING_SERVICE_SID",
                "is set with TALLY_TWILIO_FROM: messages go from one sender, set only one"
            )
        case (.some(let from), nil):
            guard from.hasPrefix("+"), (9...16).contains(from.count), from.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw ProviderConfigurationError("TALLY_TWILIO_FROM", "must be a phone number in E.164 form, such as +15017122661")
            }
            sender = .from(from)
        case (nil, .some(let service)):
            guard Self.isTwilioSID(service, prefix: "MG") else {
                throw ProviderConfigurationError(
                    "TALLY_TWILIO_MESSAGING_SERVICE_SID",
                    "must be a Twilio messaging service SID (MG followed by 32 hexadecimal digits)"
                )
            }
            sender = .messagingService(service)
        case (nil, nil):
            guard lookup else {
                throw ProviderConfigurationError(
                    "TALLY_TWILIO_FROM",
                    "is missing: messages need a sender (TALLY_TWILIO_FROM or TALLY_TWILIO_MESSAGING_SERVICE_SID)"
                )
            }
            sender = nil
        }
        let apiBase = try value("TALLY_TWILIO_API_BASE").map { text throws(ProviderConfigurationError) in
            try baseURL(text, variable: "TALLY_TWILIO_API_BASE")
        }
        let lookupBase = try value("TALLY_TWILIO_LOOKUP_BASE").map { text throws(ProviderConfigurationError) in
            try baseURL(text, variable: "TALLY_TWILIO_LOOKUP_BASE")
        }
        let settings = TwilioClient.Settings(
            apiBase: apiBase ?? TwilioClient.defaultAPIBase,
            lookupBase: lookupBase ?? TwilioClient.defaultLookupBase,
            accountSID: sid,
            authToken: authToken,
            sender: sender ?? .from("")
        )
        return (settings, sender != nil)
    }

    /// `prefix` followed by 32 hexadecimal digits: Twilio's SIDs.
    static func isTwilioSID(_ text: String, prefix: String) -> Bool {
        text.count == 34 && text.hasPrefix(prefix) && text.dropFirst(2).allSatisfy(\.isHexDigit)
    }

    /// The providers this configuration names; the roles it leaves to the sandbox keep
    /// what `base` has.
    /// Stripe's variables: none, or a secret key with its webhook secret.
    static func stripe(_ value: (String) -> String?) throws(ProviderConfigurationError) -> StripePaymentGateway.Settings? {
        guard let key = value("TALLY_STRIPE_SECRET_KEY") else {
            for variable in ["TALLY_STRIPE_WEBHOOK_SECRET", "TALLY_STRIPE_PUBLISHABLE_KEY", "TALLY_STRIPE_API_BASE"] where value(variable) != nil {
                throw ProviderConfigurationError("TALLY_STRIPE_SECRET_KEY", "is missing: \(variable) is set, and Stripe needs its secret key")
            }
            return nil
        }
        guard key.hasPrefix("sk_test_") || key.hasPrefix("sk_live_") || key.hasPrefix("rk_test_") || key.hasPrefix("rk_live_"),
            key.count >= 16, key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f })
        else {
            throw ProviderConfigurationError("TALLY_STRIPE_SECRET_KEY", "must be a Stripe secret key (sk_test_… or sk_live_…)")
        }
        guard let webhookSecret = value("TALLY_STRIPE_WEBHOOK_SECRET") else {
            throw ProviderConfigurationError(
                "TALLY_STRIPE_WEBHOOK_SECRET",
                "is missing: Stripe's events cannot be checked without it (whsec_…, from the webhook endpoint in Stripe's dashboard)"
            )
        }
        guard webhookSecret.hasPrefix("whsec_") else {
            throw ProviderConfigurationError("TALLY_STRIPE_WEBHOOK_SECRET", "must be a Stripe webhook signing secret (whsec_…)")
        }
        let secret = try signingSecret(webhookSecret, variable: "TALLY_STRIPE_WEBHOOK_SECRET")
        let publishable = value("TALLY_STRIPE_PUBLISHABLE_KEY")
        if let publishable, !(publishable.hasPrefix("pk_test_") || publishable.hasPrefix("pk_live_")) {
            throw ProviderConfigurationError("TALLY_STRIPE_PUBLISHABLE_KEY", "must be a Stripe publishable key (pk_test_… or pk_live_…)")
        }
        if let publishable, publishable.hasPrefix("pk_test_") != (key.hasPrefix("sk_test_") || key.hasPrefix("rk_test_")) {
            throw ProviderConfigurationError(
                "TALLY_STRIPE_PUBLISHABLE_KEY",
                "is for the other mode than TALLY_STRIPE_SECRET_KEY (test and live keys mixed)"
            )
        }
        let base = try value("TALLY_STRIPE_API_BASE").map { text throws(ProviderConfigurationError) in
            try baseURL(text, variable: "TALLY_STRIPE_API_BASE")
        }
        return StripePaymentGateway.Settings(
            client: StripeClient.Settings(apiBase: base ?? StripeClient.defaultAPIBase, secretKey: key),
            webhookSecret: secret,
            publishableKey: publishable
        )
    }

    /// The email verifier's variables: `TALLY_EMAIL_VERIFIER` sandbox (or unset) or dns;
    /// with dns, `TALLY_DNS_SERVER` (an IPv4 address and port) and `TALLY_DNS_CHECK_DOMAIN`.
    static func email(_ value: (String) -> String?) throws(ProviderConfigurationError) -> Email {
        let choice = value("TALLY_EMAIL_VERIFIER") ?? "sandbox"
        guard choice == "dns" else {
            guard choice == "sandbox" else { throw ProviderConfigurationError("TALLY_EMAIL_VERIFIER", "must be sandbox or dns") }
            for variable in ["TALLY_DNS_SERVER", "TALLY_DNS_CHECK_DOMAIN"] where value(variable) != nil {
                throw ProviderConfigurationError(variable, "is set, but TALLY_EMAIL_VERIFIER is not dns; set TALLY_EMAIL_VERIFIER=dns or unset it")
            }
            return .sandbox
        }
        var settings = DNSEmailVerifier.Settings()
        if let text = value("TALLY_DNS_SERVER") {
            guard let server = DNSServerAddress.parse(text) else {
                throw ProviderConfigurationError("TALLY_DNS_SERVER", "must be an IPv4 address and a port, such as 127.0.0.1:53")
            }
            settings.server = server
        }
        if let text = value("TALLY_DNS_CHECK_DOMAIN") {
            guard case .success(let address) = EmailAddress.parse("postmaster@" + text) else {
                throw ProviderConfigurationError("TALLY_DNS_CHECK_DOMAIN", "must be a domain name, such as example.com")
            }
            settings.checkDomain = address.domain
        }
        return .dns(settings)
    }

    public func providers(over base: Providers = .sandbox) -> Providers {
        var providers = base
        if case .dns(let settings) = email { providers.emailVerifier = DNSEmailVerifier(settings) }
        if let stripe { providers.payments = StripePaymentGateway(stripe) }
        if let twilio, twilioSMS, let publicURL {
            providers.sms = TwilioSMSGateway(client: TwilioClient(twilio, deadline: ProviderDeadlines().features), publicURL: publicURL)
        }
        if let twilio, twilioLookup {
            providers.phoneVerifier = TwilioLookupVerifier(client: TwilioClient(twilio, deadline: ProviderDeadlines().features))
        }
        providers.publicURL = publicURL
        if case .bridge(let settings) = bureau { providers.creditBureau = BureauBridge(settings) }
        return providers
    }

    /// One line for the start-up log: each role and its provider, never a secret.
    public var summary: String {
        let choices = ProviderChoices(providers())
        let roles = ProviderRole.allCases.map { role in
            var text = "\(role.rawValue) \(choices.provider(for: role))"
            if role == .payments { text += " (\(choices.payments.mode) mode)" }
            if role == .bureau, case .bridge(let settings) = bureau { text += " (the bridge at \(settings.url.host ?? "?"))" }
            if role == .email, case .dns(let settings) = email {
                text += " (\(settings.server.map { "the DNS server at \($0)" } ?? "the system's resolver"))"
            }
            return text
        }
        return "providers: " + roles.joined(separator: ", ")
    }

    // MARK: Rules for values

    /// A provider's or Tally's base address: an absolute `https://` URL, or `http://` for
    /// a loopback host only (a test's fake, a bridge on the same machine); no user
    /// name or password in it (secrets have their own variables, and URLs get printed),
    /// no query or fragment.
    public static func baseURL(_ text: String, variable: String) throws(ProviderConfigurationError) -> URL {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty, let url = components.url
        else {
            throw ProviderConfigurationError(variable, "must be an absolute URL such as https://host.example.com/path")
        }
        guard scheme == "https" || scheme == "http" else {
            throw ProviderConfigurationError(variable, "must be an https:// URL")
        }
        guard components.user == nil, components.password == nil else {
            throw ProviderConfigurationError(variable, "must not carry a user name or password")
        }
        guard components.query == nil, components.fragment == nil else {
            throw ProviderConfigurationError(variable, "must not have a query or fragment")
        }
        guard scheme == "https" || isLoopback(host: host) else {
            throw ProviderConfigurationError(variable, "must be an https:// URL (plain http:// only for a loopback address)")
        }
        return url
    }

    /// `localhost`, 127.0.0.0/8 or `::1`.
    public static func isLoopback(host: String) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ $0.count <= 3 && UInt8($0) != nil }) else { return false }
        return octets[0] == "127"
    }

    /// A shared signing secret: long enough not to be guessed, and no whitespace or
    /// control character (a stray newline from a file would sign differently).
    public static func signingSecret(_ text: String, variable: String) throws(ProviderConfigurationError) -> String {
        guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7f }) else {
            throw ProviderConfigurationError(variable, "must not contain spaces, line breaks or control characters")
        }
        guard text.count >= 16 else { throw ProviderConfigurationError(variable, "must be at least 16 characters long") }
        guard text.utf8.count <= 1_024 else { throw ProviderConfigurationError(variable, "must be at most 1024 bytes long") }
        return text
    }
}

/// A variable that stops Tally at start-up, and what is wrong with it. Its text is the
/// one line `tally serve` prints; it never repeats the variable's value.
public struct ProviderConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var variable: String
    public var problem: String

    public init(_ variable: String, _ problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable) \(problem)" }
}

/// A role Tally hands to a provider.
public enum ProviderRole: String, Sendable, CaseIterable {
    case payments, sms, phone, email, bureau
}

/// Which provider each role uses, as `GET /v1/providers` writes it.
public struct ProviderChoices: Sendable, Codable, Hashable {
    public struct Payments: Sendable, Codable, Hashable {
        /// `sandbox` or `stripe`.
        public var provider: String
        /// `test` or `live`: the sandbox is always test.
        public var mode: String
    }

    public struct Choice: Sendable, Codable, Hashable {
        public var provider: String
    }

    public var payments: Payments
    public var sms: Choice
    public var phone: Choice
    public var email: Choice
    /// `sandbox` or `http` (the bureau bridge).
    public var bureau: Choice

    /// What `providers` are: a real adapter by its name, anything else the sandbox.
    public init(_ providers: Providers) {
        if let stripe = providers.payments as? StripePaymentGateway {
            payments = Payments(provider: "stripe", mode: stripe.settings.isTestMode ? "test" : "live")
        } else {
            payments = Payments(provider: "sandbox", mode: "test")
        }
        sms = Choice(provider: providers.sms is TwilioSMSGateway ? "twilio" : "sandbox")
        phone = Choice(provider: providers.phoneVerifier is TwilioLookupVerifier ? "twilio" : "sandbox")
        email = Choice(provider: providers.emailVerifier is DNSEmailVerifier ? "dns" : "sandbox")
        bureau = Choice(provider: providers.creditBureau is BureauBridge ? "http" : "sandbox")
    }

    /// The provider playing `role`.
    public func provider(for role: ProviderRole) -> String {
        switch role {
        case .payments: payments.provider
        case .sms: sms.provider
        case .phone: phone.provider
        case .email: email.provider
        case .bureau: bureau.provider
        }
    }
}
