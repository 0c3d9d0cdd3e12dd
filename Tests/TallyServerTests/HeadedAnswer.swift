import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A whole answer with its headers: for what the headers carry — cookies, redirects,
/// `Allow`, the security policies — beside the status and the body.
struct HeadedAnswer: Sendable {
    let status: Int
    let headers: HTTPFields
    let body: String

    var location: String? { headers[.location] }
    var allow: String? { headers[.allow] }
    var contentType: String? { headers[.contentType] }

    /// The value of the first hidden `csrf` field.
    var csrf: String? {
        guard let range = body.range(of: #"name="csrf" value=""#) else { return nil }
        return String(body[range.upperBound...].prefix { $0 != "\"" })
    }

    func cookie(_ name: String) -> String? {
        for value in headers[values: .setCookie] where value.hasPrefix(name + "=") {
            return String(value.dropFirst(name.count + 1).prefix { $0 != ";" })
        }
        return nil
    }
}

extension Harness {
    /// Sends one request as a browser or a client would — cookies, a bearer token, a form
    /// or JSON — and keeps the whole answer with its headers.
    func exchange(
        _ method: HTTPRequest.Method,
        _ path: String,
        cookies: [String: String] = [:],
        token: String? = nil,
        form: String? = nil,
        json: String? = nil
    ) async throws -> HeadedAnswer {
        var headers: HTTPFields = [:]
        if !cookies.isEmpty {
            headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }
        if let token { headers[.authorization] = "Bearer \(token)" }
        if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        if json != nil { headers[.contentType] = "application/json" }
        let body = form ?? json
        return try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) {
            HeadedAnswer(status: Int($0.status.code), headers: $0.headers, body: String(buffer: $0.body))
        }
    }
}
