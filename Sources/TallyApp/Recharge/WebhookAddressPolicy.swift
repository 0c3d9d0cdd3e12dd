import Foundation

/// Which webhook hosts an installation accepts.
///
/// Tally is self-hosted, so by default any http(s) URL is accepted, loopback and
/// private networks included. An operator whose users should not reach the
/// installation's own network sets `TALLY_WEBHOOK_PRIVATE_ADDRESSES=deny`:
/// `localhost`, `*.localhost` and IP literals in loopback, private, link-local
/// and unspecified ranges are then refused. (Names are not resolved here.)
public enum WebhookAddressPolicy: String, Sendable, Hashable {
    case allowPrivate = "allow"
    case denyPrivate = "deny"

    /// The policy the environment asks for; `allow` when unset.
    public static func fromEnvironment(_ environment: [String: String]) -> WebhookAddressPolicy? {
        guard let value = environment["TALLY_WEBHOOK_PRIVATE_ADDRESSES"], !value.isEmpty else { return .allowPrivate }
        return WebhookAddressPolicy(rawValue: value.lowercased())
    }

    /// Whether a webhook may be sent to `host`.
    public func allows(host: String) -> Bool {
        guard self == .denyPrivate else { return true }
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host.hasSuffix(".localhost") { return false }
        if let octets = Self.ipv4(host) { return !Self.isPrivate(octets) }
        if host.contains(":") { return !Self.isPrivateIPv6(host) }
        return true
    }

    static func ipv4(_ host: String) -> [Int]? {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let octets = parts.compactMap { Int($0) }.filter { (0...255).contains($0) }
        return octets.count == 4 ? octets : nil
    }

    static func isPrivate(_ octets: [Int]) -> Bool {
        switch (octets[0], octets[1]) {
        case (0, _), (10, _), (127, _): true
        case (169, 254): true
        case (172, 16...31): true
        case (192, 168): true
        case (100, 64...127): true  // carrier-grade NAT
        default: false
        }
    }

    static func isPrivateIPv6(_ host: String) -> Bool {
        if host == "::1" || host == "::" { return true }
        if host.hasPrefix("::ffff:"), let mapped = ipv4(String(host.dropFirst(7))) { return isPrivate(mapped) }
        let first = host.split(separator: ":").first.map(String.init) ?? ""
        guard let value = UInt16(first, radix: 16) else { return false }
        return (value & 0xfe00) == 0xfc00 || (value & 0xffc0) == 0xfe80
    }
}
