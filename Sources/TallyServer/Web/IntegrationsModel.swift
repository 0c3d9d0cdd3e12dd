import TallyApp
import TallyCore

/// Integrations: which provider serves each role, in which mode, and where its log is.
///
/// Read from `Tally.providerChoices` — the providers Tally was assembled with — so the
/// page cannot disagree with what runs (the same source as `GET /v1/providers`).
struct IntegrationsModel {
    struct Row {
        let role: String
        let test: String
        let what: String
        let provider: String
        let mode: String
        /// `sandbox`, `test` or `live`: the pill's class.
        let modeClass: String
        let note: Text
        let logLabel: String
        let logHref: String
    }

    let rows: [Row]
    let testMode: Bool

    init(_ choices: ProviderChoices) {
        testMode = choices.inTestMode
        rows = ProviderRole.allCases.map { role in
            let provider = choices.provider(for: role)
            let sandbox = provider == "sandbox"
            let mode: (label: String, className: String)
            switch role {
            case .payments:
                mode = sandbox ? ("Sandbox · test", "sandbox") : choices.payments.mode == "live" ? ("Live", "live") : ("Test", "test")
            default:
                mode = sandbox ? ("Sandbox", "sandbox") : ("Live", "live")
            }
            return Row(
                role: Self.roleLabel(role),
                test: "integration-\(role.rawValue)",
                what: Self.purpose(role),
                provider: Self.providerLabel(role == .phone && provider == "twilio" ? "twilio_lookup" : provider),
                mode: mode.label,
                modeClass: mode.className,
                note: Text(sandbox ? Self.sandboxNote(role) : ""),
                logLabel: Self.logLabel(role),
                logHref: Self.logHref(role)
            )
        }
    }

    static func roleLabel(_ role: ProviderRole) -> String {
        switch role {
        case .payments: "Payments"
        case .sms: "SMS"
        case .phone: "Phone validation"
        case .email: "Email validation"
        case .bureau: "Credit checks"
        }
    }

    static func purpose(_ role: ProviderRole) -> String {
        switch role {
        case .payments: "Charges cards for credit purchases and auto-recharge."
        case .sms: "Delivers the text messages your platform sends."
        case .phone: "Checks that a lead's phone number is real and reachable."
        case .email: "Checks that a lead's email address can receive mail."
        case .bureau: "Answers credit score and DTI checks."
        }
    }

    static func providerLabel(_ provider: String) -> String {
        switch provider {
        case "sandbox": "Tally sandbox"
        case "stripe": "Stripe"
        case "twilio": "Twilio"
        case "twilio_lookup": "Twilio Lookup"
        case "dns": "DNS (MX records)"
        case "http": "Your bureau bridge"
        default: provider.prefix(1).uppercased() + provider.dropFirst()
        }
    }

    static func sandboxNote(_ role: ProviderRole) -> String {
        switch role {
        case .payments: "No card is charged: test cards only (4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined)."
        case .sms: "Messages are not delivered to phones; each is logged and charged as if sent."
        case .phone, .email: "Answers are simulated from the number or address itself."
        case .bureau: "Scores and DTI are simulated; no bureau is asked."
        }
    }

    static func logLabel(_ role: ProviderRole) -> String {
        switch role {
        case .payments: "Purchase history"
        case .sms: "SMS log"
        case .phone: "Phone validation log"
        case .email: "Email validation log"
        case .bureau: "Credit check log"
        }
    }

    static func logHref(_ role: ProviderRole) -> String {
        switch role {
        case .payments: "/app/billing#purchases"
        case .sms: "/app/logs/\(FeatureLog.sms.rawValue)"
        case .phone: "/app/logs/\(FeatureLog.phoneValidation.rawValue)"
        case .email: "/app/logs/\(FeatureLog.emailValidation.rawValue)"
        case .bureau: "/app/logs/\(FeatureLog.creditChecks.rawValue)"
        }
    }
}

extension ProviderChoices {
    /// Payments are the sandbox or a test key: the pages wear the Test mode ribbon.
    var inTestMode: Bool {
        payments.provider == "sandbox" || payments.mode != "live"
    }
}
