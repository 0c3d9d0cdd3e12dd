/// `tally providers check`: each role's provider called once, harmlessly (the bureau
/// bridge: its `GET` health), within the usual provider deadline. Sandbox roles are not
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
    public static func run(_ configuration: ProviderConfiguration, deadlines: ProviderDeadlines = ProviderDeadlines()) async -> [Line] {
        let providers = configuration.providers()
        let choices = ProviderChoices(providers)
        var lines = [Line]()
        for role in ProviderRole.allCases {
            var line = Line(role: role, provider: choices.provider(for: role), result: nil)
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
}
