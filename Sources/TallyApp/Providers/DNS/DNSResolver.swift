import CResolv
import NIOPosix

/// A DNS server to ask instead of the system's (`TALLY_DNS_SERVER`): an IPv4 address and
/// a port, such as `127.0.0.1:5353`. An address, not a name: the resolver cannot be found
/// by asking itself.
public struct DNSServerAddress: Sendable, Hashable, CustomStringConvertible {
    /// A dotted quad.
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `a.b.c.d:port`, or nil.
    public static func parse(_ text: String) -> DNSServerAddress? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = Int(parts[1]), (1...65_535).contains(port), parts[1].allSatisfy(\.isASCII) else { return nil }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCII) && UInt8($0) != nil }) else {
            return nil
        }
        return DNSServerAddress(host: octets.map { String(UInt8($0) ?? 0) }.joined(separator: "."), port: port)
    }

    public var description: String { "\(host):\(port)" }
}

/// The record types the email verifier asks for.
enum DNSRecordType: Int32, Sendable, CustomStringConvertible {
    case a = 1
    case mx = 15
    case aaaa = 28

    var description: String {
        switch self {
        case .a: "A"
        case .mx: "MX"
        case .aaaa: "AAAA"
        }
    }
}

/// A DNS server's response to one question.
struct DNSResponse: Sendable, Hashable {
    /// The response code: 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED…
    var responseCode: Int32
    /// The answer's records of the asked type (a CNAME on the way is not one).
    var records: [DNSRecord]
    /// How long a negative answer may be kept (RFC 2308), when the server sent an SOA.
    var negativeTTLSeconds: UInt32?

    static let noError: Int32 = 0
    static let nameError: Int32 = 3

    /// Its response code as DNS tools print it.
    var responseCodeName: String {
        switch responseCode {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        default: "response code \(responseCode)"
        }
    }
}

/// One answer record.
struct DNSRecord: Sendable, Hashable {
    var ttlSeconds: UInt32
    /// MX only: its preference and exchange ("" for the root: a null MX, RFC 7505).
    var preference: Int = 0
    var exchange: String = ""
}

/// Questions to a DNS server through glibc's libresolv. Its calls block, so they run on
/// a few threads of their own, never on an event loop; each call has its own resolver
/// state, so they run side by side.
struct DNSResolver: Sendable {
    /// nil: the system's resolver (`/etc/resolv.conf`).
    var server: DNSServerAddress?
    /// Per try; a silent server is tried `attempts` times.
    var timeoutSeconds: Int = 3
    var attempts: Int = 2

    /// Lookups waiting for a DNS server at most this many at a time; more wait their turn
    /// (and their deadline).
    static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()

    /// Who is asked, for messages.
    var serverName: String { server.map { "the DNS server at \($0)" } ?? "the system's DNS resolver" }

    /// Asks `name` for its `type` records. A response of any code comes back; no response
    /// (or one that cannot be read) is a `ProviderFailure`.
    func query(_ name: String, _ type: DNSRecordType) async throws -> DNSResponse {
        let server = self.server
        let timeoutSeconds = Int32(clamping: timeoutSeconds)
        let attempts = Int32(clamping: attempts)
        let serverName = self.serverName
        return try await Self.threads.runIfActive {
            let answer = UnsafeMutablePointer<tally_dns_answer>.allocate(capacity: 1)
            defer { answer.deallocate() }
            if let server {
                tally_dns_query(name, type.rawValue, server.host, Int32(server.port), timeoutSeconds, attempts, answer)
            } else {
                tally_dns_query(name, type.rawValue, nil, 0, timeoutSeconds, attempts, answer)
            }
            switch Int(answer.pointee.outcome) {
            case Int(TALLY_DNS_ANSWERED): return Self.response(answer.pointee)
            case Int(TALLY_DNS_NO_ANSWER): throw ProviderFailure("\(serverName) did not answer for \(name) \(type)")
            default: throw ProviderFailure("\(serverName) could not be asked for \(name) \(type)")
            }
        }
    }

    private static func response(_ answer: tally_dns_answer) -> DNSResponse {
        var records = [DNSRecord]()
        let count = Int(min(max(answer.count, 0), Int32(TALLY_DNS_MAX_RECORDS)))
        withUnsafeBytes(of: answer.records) { raw in
            for record in raw.bindMemory(to: tally_dns_record.self).prefix(count) {
                let exchange = withUnsafeBytes(of: record.exchange) { name in
                    String(decoding: name.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                records.append(DNSRecord(ttlSeconds: record.ttl_seconds, preference: Int(record.preference), exchange: exchange))
            }
        }
        return DNSResponse(
            responseCode: answer.rcode,
            records: records,
            negativeTTLSeconds: answer.has_negative_ttl != 0 ? answer.negative_ttl_seconds : nil
        )
    }
}
