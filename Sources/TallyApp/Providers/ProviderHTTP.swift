import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The one HTTP client every real provider adapter calls out with, and the one way it
/// is called: a request with its bytes and headers in, the status and the whole (bounded)
/// body out. Redirects are never followed (a provider that moves is misconfigured, and a
/// signed request must not go elsewhere).
enum ProviderHTTP {
    struct Answer: Sendable {
        var status: Int
        var body: [UInt8]
    }

    /// The provider could not be reached, or its answer not read: `detail` says how.
    struct Unreachable: Error {
        var detail: String
    }

    /// Lives as long as the process: it is never shut down.
    static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: .seconds(5), read: .seconds(60))
        )
    )

    /// A call's own limit, past every provider deadline: the deadlines end calls first.
    static let hardLimit = TimeAmount.seconds(120)

    /// Sends one request and reads its whole answer, at most `maximumAnswerBytes`.
    static func send(
        _ method: HTTPMethod,
        _ url: URL,
        headers: [(String, String)],
        body: [UInt8] = [],
        maximumAnswerBytes: Int
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers = HTTPHeaders(headers)
        if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(request, timeout: hardLimit)
            let bytes = try await response.body.collect(upTo: maximumAnswerBytes)
            return Answer(status: Int(response.status.code), body: Array(buffer: bytes))
        } catch let error as CancellationError {
            throw error
        } catch {
            throw Unreachable(detail: String(String(describing: error).prefix(200)))
        }
    }
}

extension ProviderHTTP {
    /// RFC 3986's unreserved characters stay as they are; every other byte is `%XX` (`+`
    /// is `%2B`, `>` is `%3E`): form bodies and queries as Stripe and Twilio read them.
    static func formEscape(_ text: String) -> String {
        var escaped = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                escaped += "%" + (byte < 16 ? "0" : "") + hex
            }
        }
        return escaped
    }

    /// Decodes a provider's JSON object, its snake_case keys read as camelCase.
    static func decodeSnakeCase<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: Data(body))
    }
}
