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
