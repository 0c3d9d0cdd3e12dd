import TallyCore

/// The email verifier that asks DNS whether a domain takes mail (`TALLY_EMAIL_VERIFIER=dns`):
/// its MX records; with none, its A then AAAA records, where mail is delivered when a
/// domain has no MX (RFC 5321 §5.1). A null MX (RFC 7505), a domain that does not exist
/// or one with no address at all is undeliverable; a server that fails (SERVFAIL,
/// REFUSED) or stays silent is a `ProviderFailure`, never a verdict. Answers are kept
/// per domain for their TTL, so a burst of sign-ups on one domain asks once.
public struct DNSEmailVerifier: EmailVerifier {
    /// What `TALLY_DNS_SERVER` and `TALLY_DNS_CHECK_DOMAIN` say.
    public struct Settings: Sendable, Hashable {
        /// nil: the system's resolver.
        public var server: DNSServerAddress?
        /// The domain whose MX `tally providers check` asks for.
        public var checkDomain: String

        public init(server: DNSServerAddress? = nil, checkDomain: String = "example.com") {
            self.server = server
            self.checkDomain = checkDomain
        }
    }

    public let settings: Settings
    let resolver: DNSResolver
    let cache: DNSVerdictCache

    public init(_ settings: Settings, cacheCapacity: Int = 10_000) {
        self.settings = settings
        resolver = DNSResolver(server: settings.server)
        cache = DNSVerdictCache(capacity: cacheCapacity)
    }

    public func verify(_ address: EmailAddress) async throws -> EmailVerdict {
        let resolver = self.resolver
        let domain = address.domain
        return try await cache.verdict(for: domain) { try await Self.lookUp(domain, with: resolver) }
    }

    /// `tally providers check`: the check domain's MX, which must come back (a null MX counts).
    public func check() async -> ProviderCheck.Line.Result {
        do {
            let response = try await resolver.query(settings.checkDomain, .mx)
            guard response.responseCode == DNSResponse.noError else {
                return .failed("\(resolver.serverName) answered \(response.responseCodeName) for \(settings.checkDomain) MX")
            }
            guard !response.records.isEmpty else {
                return .failed("\(resolver.serverName) has no MX record for \(settings.checkDomain)")
            }
            return .ok
        } catch let failure as ProviderFailure {
            return .failed(failure.reason)
        } catch {
            return .failed("\(error)")
        }
    }

    /// MX, then A, then AAAA: as few questions as the answer needs.
    static func lookUp(_ domain: String, with resolver: DNSResolver) async throws -> DNSMailVerdict {
        let mx = try await resolver.query(domain, .mx)
        if let verdict = try DNSMailVerdict(mx: mx, domain: domain, server: resolver.serverName) { return verdict }
        var addresses = [DNSResponse]()
        for type in [DNSRecordType.a, .aaaa] {
            let response = try await resolver.query(domain, type)
            addresses.append(response)
            if let verdict = try DNSMailVerdict(addresses: addresses, afterMX: mx, domain: domain, server: resolver.serverName) {
                return verdict
            }
        }
        return DNSMailVerdict.noMailServer(after: [mx] + addresses)
    }
}

/// A domain's verdict from DNS, and how long it may be kept.
struct DNSMailVerdict: Sendable, Hashable {
    var verdict: EmailVerdict
    var ttlSeconds: UInt32

    /// How long an answer is kept at most, whatever its TTL: a domain that changes its
    /// mind is believed within the hour.
    static let maximumTTLSeconds: UInt32 = 3_600
    /// A negative answer without an SOA to say how long it holds.
    static let negativeTTLSeconds: UInt32 = 300

    static let nullMX = "null_mx"
    static let noSuchDomain = "no_such_domain"
    static let noMailServer = "no_mail_server"

    init(deliverable: Bool, reason: String?, ttlSeconds: UInt32) {
        verdict = EmailVerdict(deliverable: deliverable, reason: reason)
        self.ttlSeconds = min(ttlSeconds, Self.maximumTTLSeconds)
    }

    /// The MX answer's verdict, or nil when the domain exists with no MX (ask its addresses).
    init?(mx response: DNSResponse, domain: String, server: String) throws {
        switch response.responseCode {
        case DNSResponse.noError where !response.records.isEmpty:
            let ttl = response.records.map(\.ttlSeconds).min() ?? 0
            // RFC 7505: a null MX (`0 .`) says the domain takes no mail at all.
            let null = response.records.allSatisfy { $0.exchange.isEmpty }
            self.init(deliverable: !null, reason: null ? Self.nullMX : nil, ttlSeconds: ttl)
        case DNSResponse.noError:
            return nil
        case DNSResponse.nameError:
            self.init(deliverable: false, reason: Self.noSuchDomain, ttlSeconds: response.negativeTTLSeconds ?? Self.negativeTTLSeconds)
        default:
            throw ProviderFailure("\(server) answered \(response.responseCodeName) for \(domain) MX")
        }
    }

    /// The address answers' verdict so far: deliverable at the first address, nil while
    /// none was found.
    init?(addresses responses: [DNSResponse], afterMX mx: DNSResponse, domain: String, server: String) throws {
        guard let last = responses.last else { return nil }
        switch last.responseCode {
        case DNSResponse.noError where !last.records.isEmpty:
            let ttl = ([mx.negativeTTLSeconds ?? Self.negativeTTLSeconds] + last.records.map(\.ttlSeconds)).min() ?? 0
            self.init(deliverable: true, reason: nil, ttlSeconds: ttl)
        case DNSResponse.noError:
            return nil
        case DNSResponse.nameError:
            // Gone between two questions: believed, briefly.
            self.init(deliverable: false, reason: Self.noSuchDomain, ttlSeconds: last.negativeTTLSeconds ?? Self.negativeTTLSeconds)
        default:
            throw ProviderFailure("\(server) answered \(last.responseCodeName) for \(domain) \(responses.count == 1 ? "A" : "AAAA")")
        }
    }

    /// No MX and no address: the domain exists but has nowhere to deliver mail.
    static func noMailServer(after responses: [DNSResponse]) -> DNSMailVerdict {
        let ttl = responses.map { $0.negativeTTLSeconds ?? Self.negativeTTLSeconds }.min() ?? Self.negativeTTLSeconds
        return DNSMailVerdict(deliverable: false, reason: Self.noMailServer, ttlSeconds: ttl)
    }
}
