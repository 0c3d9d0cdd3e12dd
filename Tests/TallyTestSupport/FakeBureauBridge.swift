import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A bureau bridge as a platform would write one (PROVIDERS.md), on loopback, for the
/// tests: it checks `Tally-Signature` exactly as the protocol says (HMAC-SHA256 of
/// `"<t>.<body>"` with the shared secret, `t` within five minutes) and refuses a bad one
/// with 401; it records every request it gets.
///
/// Its answers to `POST`, by the last four digits of the phone:
/// - `4220`: 422 `{"reason":"no credit file for this person"}`
/// - `5000`: 500
/// - `5001`: 200 with an answer that cannot be read (`creditScore` a string)
/// - `5002`: 200 with a score of 900 (outside 300–850)
/// - `9000`: never answers (until the test ends)
/// - anything else: 200 `{"creditScore": 300 + digits % 551, "dtiPercent": 20 + digits % 40}`,
///   `dtiPercent` null for a `credit_score` check.
/// `GET` (the health check) answers 200 `{"status":"ok"}` when signed.
public final class FakeBureauBridge: Sendable {
    public struct Received: Sendable {
        public var method: String
        public var idempotencyKey: String?
        public var signature: String?
        public var contentType: String?
        public var body: Data
        public var signatureValid: Bool

        /// The body's JSON object.
        public var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
    }

    public let secret: String
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)/bureau" }
    private let shared: Shared

    init(port: Int, shared: Shared) {
        self.secret = shared.secret
        self.port = port
        self.shared = shared
    }

    /// Every request so far, oldest first.
    public var received: [Received] { shared.log.withLock { $0 } }

    /// The score the fake answers for a phone ending in `lastFour`.
    public static func score(lastFour: Int) -> Int { 300 + lastFour % 551 }
    public static func dtiPercent(lastFour: Int) -> Int { 20 + lastFour % 40 }

    /// Runs a bridge that checks signatures with `secret` for the time of `body`.
    public static func run<T: Sendable>(
        secret: String = "fake-bridge-secret-0123456789",
        _ body: @escaping @Sendable (FakeBureauBridge) async throws -> T
    ) async throws -> T {
        let state = Shared(secret: secret)
        let router = Router()
        router.post("/bureau") { request, _ -> Response in
            try await state.answer(request, get: false)
        }
        router.get("/bureau") { request, _ -> Response in
            try await state.answer(request, get: true)
        }
        return try await LoopbackServer.run(router, name: "fake-bureau-bridge") { port in
            try await body(FakeBureauBridge(port: port, shared: state))
        }
    }

    /// What the router's handlers share.
    final class Shared: Sendable {
        let secret: String
        let log = Mutex<[Received]>([])

        init(secret: String) { self.secret = secret }

        func answer(_ request: Request, get: Bool) async throws -> Response {
            var request = request
            let body = Data(buffer: try await request.collectBody(upTo: 1 << 20))
            let signature = request.headers[HTTPField.Name("Tally-Signature")!]
            let valid = FakeBureauBridge.verify(signature: signature, body: body, secret: secret)
            log.withLock {
                $0.append(
                    Received(
                        method: get ? "GET" : "POST",
                        idempotencyKey: request.headers[HTTPField.Name("Idempotency-Key")!],
                        signature: signature,
                        contentType: request.headers[.contentType],
                        body: body,
                        signatureValid: valid
                    )
                )
            }
            guard valid else { return Self.json(.unauthorized, #"{"reason":"bad signature"}"#) }
            if get { return Self.json(.ok, #"{"status":"ok"}"#) }
            let inquiry = ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:]
            let phone = inquiry["phone"] as? String ?? ""
            let lastFour = Int(phone.suffix(4)) ?? 0
            switch phone.suffix(4) {
            case "4220": return Self.json(.unprocessableContent, #"{"reason":"no credit file for this person"}"#)
            case "5000": return Self.json(.internalServerError, #"{"error":"the bureau is down"}"#)
            case "5001": return Self.json(.ok, #"{"creditScore":"high","dtiPercent":null}"#)
            case "5002": return Self.json(.ok, #"{"creditScore":900,"dtiPercent":null}"#)
            case "9000":
                try await Task.sleep(for: .seconds(120))
                return Self.json(.ok, #"{"creditScore":700,"dtiPercent":null}"#)
            default:
                let dti = inquiry["kind"] as? String == "dti" ? "\(FakeBureauBridge.dtiPercent(lastFour: lastFour))" : "null"
                return Self.json(.ok, #"{"creditScore":\#(FakeBureauBridge.score(lastFour: lastFour)),"dtiPercent":\#(dti)}"#)
            }
        }

        static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
            Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    /// `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, `t` within five minutes of now.
    public static func verify(signature: String?, body: Data, secret: String) -> Bool {
        guard let signature else { return false }
        var fields = [String: String]()
        for part in signature.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { fields[String(pair[0])] = String(pair[1]) }
        }
        guard let t = fields["t"], let timestamp = Int64(t), let v1 = fields["v1"] else { return false }
        guard abs(Int64(Date().timeIntervalSince1970) - timestamp) <= 300 else { return false }
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(t).".utf8) + body, using: SymmetricKey(data: Data(secret.utf8)))
        let expected = Data(mac).map { String(format: "%02x", $0) }.joined()
        // Compared in constant time, as a real bridge must.
        guard expected.utf8.count == v1.utf8.count else { return false }
        return zip(expected.utf8, v1.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
