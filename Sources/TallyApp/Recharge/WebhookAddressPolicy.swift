import Foundation
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which webhook hosts an installation accepts.
///
/// Tally is self-hosted, so by default any http(s) URL is accepted, loopback and
/// private networks included. An operator whose users should not reach the
/// installation's own network sets `TALLY_WEBHOOK_PRIVATE_ADDRESSES=deny`: then
/// `localhost` and `*.localhost`, every address in a loopback, private, link-local,
/// carrier-grade NAT or unspecified range — written any way the resolver reads one
/// (`127.1`, `2130706433`, `0x7f000001`, `017700000001`, `::ffff:7f00:1`), with or
/// without the trailing dot of a fully qualified name (`localhost.`, `127.0.0.1.`) — and every
/// name that resolves to such an address are refused, at registration and again at
/// each delivery. Deliveries follow no redirects.
public enum WebhookAddressPolicy: String, Sendable, Hashable {
    case allowPrivate = "allow"
    case denyPrivate = "deny"

    /// The policy the environment asks for; `allow` when unset.
    public static func fromEnvironment(_ environment: [String: String]) -> WebhookAddressPolicy? {
        guard let value = environment["TALLY_WEBHOOK_PRIVATE_ADDRESSES"], !value.isEmpty else { return .allowPrivate }
        return WebhookAddressPolicy(rawValue: value.lowercased())
    }

    /// Whether a webhook may be sent to `host`, judging the host as written (no lookup).
    public func allows(host: String) -> Bool {
        guard self == .denyPrivate else { return true }
        let host = Self.bare(host).lowercased()
        if host == "localhost" || host.hasSuffix(".localhost") { return false }
        if let address = Self.literal(host) { return !address.isPrivate }
        return true
    }

    /// Whether a webhook may be sent to `host` now: as written, and every address its
    /// name resolves to. A name that does not resolve passes here (it cannot be reached).
    public func permits(host: String) async -> Bool {
        guard allows(host: host) else { return false }
        guard self == .denyPrivate else { return true }
        let bare = Self.bare(host)
        guard Self.literal(bare.lowercased()) == nil else { return true }
        let addresses = (try? await NIOThreadPool.singleton.runIfActive { Self.resolve(bare) }) ?? []
        return !addresses.contains(where: \.isPrivate)
    }

    /// `host` without the brackets of an IPv6 literal or the trailing dots of a fully
    /// qualified name: `localhost.` and `127.0.0.1.` reach what `localhost` and
    /// `127.0.0.1` reach, so they are judged as those.
    static func bare(_ host: String) -> String {
        var bare = Substring(host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")))
        while bare.hasSuffix(".") { bare = bare.dropLast() }
        return bare.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
    }

    /// An IP address, as the resolver reads it.
    enum Address: Equatable {
        case v4(UInt32)
        case v6([UInt8])

        var isPrivate: Bool {
            switch self {
            case .v4(let value): return WebhookAddressPolicy.isPrivate(v4: value)
            case .v6(let bytes): return WebhookAddressPolicy.isPrivate(v6: bytes)
            }
        }
    }

    /// `host` as an address literal: every IPv4 form `inet_aton` reads, or IPv6.
    static func literal(_ host: String) -> Address? {
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return .v6(withUnsafeBytes(of: &v6) { Array($0) })
        }
        // inet_aton takes what the resolver takes: 1 to 4 parts, decimal, octal or hex.
        guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == "x" }) else { return nil }
        var v4 = in_addr()
        guard inet_aton(host, &v4) != 0 else { return nil }
        return .v4(UInt32(bigEndian: v4.s_addr))
    }

    static func isPrivate(v4 value: UInt32) -> Bool {
        let a = value >> 24
        let b = (value >> 16) & 0xff
        switch (a, b) {
        case (0, _), (10, _), (127, _): return true
        case (169, 254): return true
        case (172, 16...31): return true
        case (192, 168): return true
        case (100, 64...127): return true  // carrier-grade NAT
        default: return a >= 224  // multicast and reserved
        }
    }

    static func isPrivate(v6 bytes: [UInt8]) -> Bool {
        guard bytes.count == 16 else { return true }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && (bytes[15] == 0 || bytes[15] == 1) { return true }  // :: and ::1
        // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses are their IPv4 address.
        let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
        let compatible = bytes[0..<12].allSatisfy { $0 == 0 }
        if mapped || compatible {
            let value = bytes[12..<16].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return isPrivate(v4: value)
        }
        if bytes[0] & 0xfe == 0xfc { return true }  // unique local fc00::/7
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return true }  // link-local fe80::/10
        if bytes[0] == 0xff { return true }  // multicast
        return false
    }

    /// Every address `name` resolves to now; none when it does not resolve.
    static func resolve(_ name: String) -> [Address] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses = [Address]()
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let entry = next {
            if let socket = entry.pointee.ai_addr {
                switch Int32(entry.pointee.ai_family) {
                case AF_INET:
                    socket.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        addresses.append(.v4(UInt32(bigEndian: $0.pointee.sin_addr.s_addr)))
                    }
                case AF_INET6:
                    socket.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                        var address = $0.pointee.sin6_addr
                        addresses.append(.v6(withUnsafeBytes(of: &address) { Array($0) }))
                    }
                default:
                    break
                }
            }
            next = entry.pointee.ai_next
        }
        return addresses
    }
}
