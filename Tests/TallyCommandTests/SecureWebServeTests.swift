import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `tally serve` behind HTTPS (`TALLY_SECURE_COOKIES=1`), as an operator runs it.
@Suite("tally serve behind HTTPS")
struct SecureWebServeTests {
    static let operatorToken = "secure-web-operator"

    struct Answer {
        let status: Int
        let headers: [String: String]
        let body: String

        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }

        var csrf: String? {
            guard let range = body.range(of: #"name="csrf" value=""#) else { return nil }
            return String(body[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    /// No cookie store and no redirects followed: the test sees every header as sent.
    final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(
            _ session: URLSession,
            task: URLSessionTask,
            willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest,
            completionHandler: @escaping @Sendable (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }
    }

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        return URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }()

    func send(
        _ base: URL,
        _ method: String,
        _ path: String,
        cookie: String? = nil,
        form: String? = nil,
        json: String? = nil
    )
        async throws -> Answer
    {
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        request.httpMethod = method
        if let cookie { request.setValue(cookie, forHTTPHeaderField: "Cookie") }
        if let form {
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(form.utf8)
        }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue("Bearer \(Self.operatorToken)", forHTTPHeaderField: "Authorization")
            request.httpBody = Data(json.utf8)
        }
        let (data, response) = try await Self.session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var headers = [String: String]()
        for (name, value) in http.allHeaderFields { headers["\(name)"] = "\(value)" }
        return Answer(status: http.statusCode, headers: headers, body: String(decoding: data, as: UTF8.self))
    }

    /// Every answer tells browsers to use HTTPS only; the login form's cookie is
    /// `__Host-` prefixed and Secure; and a login form made before a restart still
    /// works after it, since its key comes from the installation's secret, not the process.
    @Test(.timeLimit(.minutes(2)))
    func everyAnswerCarriesHSTSAndTheLoginFormOutlivesARestart() async throws {
        let tally = try TallyExecutable.locate()
        let database = FileManager.default.temporaryDirectory.appendingPathComponent("tally-secure-\(UUID().uuidString).sqlite").path
        let environment = ["TALLY_SECURE_COOKIES": "1"]
        let first = try ServeProcess(tally: tally, database: database, token: Self.operatorToken, name: "secure-a", environment: environment)
        defer { first.kill() }
        try await first.waitUntilHealthy()
        let email = "owner-\(UUID().uuidString.prefix(8))@example.com"
        let created = try await send(
            first.base,
            "POST",
            "/v1/accounts",
            json: #"{"name":"Acme","owner":{"email":"\#(email)","name":"Olive","password":"correct horse"}}"#
        )
        #expect(created.status == 201, "\(created.body)")
        for path in ["/health", "/app/login", "/app/billing", "/v1/no-such-thing"] {
            let answer = try await send(first.base, "GET", path)
            #expect(answer.header("Strict-Transport-Security") == "max-age=31536000", "\(path)")
            #expect(answer.header("X-Content-Type-Options") == "nosniff", "\(path)")
        }
        let login = try await send(first.base, "GET", "/app/login")
        let setCookie = try #require(login.header("Set-Cookie"))
        #expect(setCookie.hasPrefix("__Host-tally_login_csrf="), "\(setCookie)")
        #expect(setCookie.contains("Secure"), "\(setCookie)")
        #expect(setCookie.range(of: #"Path=/(;|$)"#, options: .regularExpression) != nil, "\(setCookie)")
        let browser = String(setCookie.dropFirst("__Host-tally_login_csrf=".count).prefix { $0 != ";" })
        let csrf = try #require(login.csrf)
        _ = await first.stop()

        let second = try ServeProcess(tally: tally, database: database, token: Self.operatorToken, name: "secure-b", environment: environment)
        defer { second.kill() }
        try await second.waitUntilHealthy()
        let signedIn = try await send(
            second.base,
            "POST",
            "/app/login",
            cookie: "__Host-tally_login_csrf=\(browser)",
            form: "csrf=\(csrf)&email=\(email)&password=correct+horse"
        )
        #expect(signedIn.status == 303, "\(signedIn.status) \(signedIn.body.prefix(300))")
        #expect(signedIn.header("Set-Cookie")?.contains("tally_session=") == true)
        #expect(signedIn.header("Set-Cookie")?.contains("Secure") == true)
        _ = await second.stop()
    }
}
