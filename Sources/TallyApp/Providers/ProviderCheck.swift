import TallyStore

/// `tally providers check`: each role's provider called once, harmlessly (Stripe: `GET
/// /v1/balance`; Twilio, for messages and for Lookup: the account; DNS: the check domain's
/// MX; the bureau bridge: its `GET` health), within the usual provider deadline.
/// With the database at hand, Stripe's events kept but not applied are named too. Sandbox roles are not
/// called: there is nothing outside Tally to reach.
public enum ProviderCheck {
    /// One role's result.
    public struct Line: Sendable, Hashable {
        public var role: ProviderRole
        public var provider: String
        /// nil for a sandbox role.
        public var result: Result?

        /// `ok`, or `failed` with why.
        public enum Result: Sendable, Hashable {
            case ok
            case failed(String)
        }

        public var failed: Bool {
            if case .failed = result { return true }
            return false
        }
    }

    /// Calls every configured real provider; a line per role, in `ProviderRole` order.
    public static func run(
        _ configuration: ProviderConfiguration,
        deadlines: ProviderDeadlines = ProviderDeadlines(),
        store: (any Store)? = nil
    ) async -> [Line] {
        let providers = configuration.providers()
        let choices = ProviderChoices(providers)
        var lines = [Line]()
        for role in ProviderRole.allCases {
            var line = Line(role: role, provider: choices.provider(for: role), result: nil)
            if role == .payments, let stripe = providers.payments as? StripePaymentGateway {
                line.result = await check(stripe, store: store)
            }
            if role == .sms, let twilio = providers.sms as? TwilioSMSGateway {
                line.result = await check(twilio.client)
            }
            if role == .phone, let lookup = providers.phoneVerifier as? TwilioLookupVerifier {
                line.result = await check(lookup.client)
            }
            if role == .email, let dns = providers.emailVerifier as? DNSEmailVerifier {
                do {
                    line.result = try await ProviderDeadlines.run("the DNS resolver", within: deadlines.features) { await dns.check() }
                } catch {
                    line.result = .failed((error as? ProviderFailure)?.reason ?? "\(error)")
                }
            }
            if role == .bureau, let bridge = providers.creditBureau as? BureauBridge {
                do {
                    try await ProviderDeadlines.run("the bridge", within: deadlines.features) { try await bridge.health() }
                    line.result = .ok
                } catch let failure as ProviderFailure {
                    line.result = .failed(failure.reason)
                } catch {
                    line.result = .failed("\(error)")
                }
            }
            lines.append(line)
        }
        return lines
    }

    /// Twilio answers for the account with its auth token, and the account is active.
    static func check(_ twilio: TwilioClient) async -> Line.Result {
        do {
            let account = try await twilio.account()
            guard account.status == "active" else { return .failed("the Twilio account is \(account.status)") }
            return .ok
        } catch {
            return .failed(error.description)
        }
    }

    /// Stripe answers with the key, in the key's mode; and no event of Stripe's waits
    /// unapplied (a shape Tally could not read: Stripe keeps sending it).
    static func check(_ stripe: StripePaymentGateway, store: (any Store)?) async -> Line.Result {
        do {
            let live = try await stripe.balanceIsLive()
            guard live != stripe.settings.isTestMode else {
                return .failed("Stripe answered in \(live ? "live" : "test") mode for a \(stripe.settings.isTestMode ? "test" : "live") key")
            }
        } catch let failure as ProviderFailure {
            return .failed(failure.reason)
        } catch {
            return .failed("\(error)")
        }
        guard let store else { return .ok }
        do {
            let waiting = try await store.unappliedProviderEvents(provider: "stripe", limit: 10)
            guard !waiting.isEmpty else { return .ok }
            let named = waiting.map { "\($0.id) (\($0.type)\($0.problem.map { ": " + $0 } ?? ""))" }.joined(separator: ", ")
            return .failed("Stripe events kept but not applied: \(named)")
        } catch {
            return .failed("the database could not be read: \(error)")
        }
    }
}
