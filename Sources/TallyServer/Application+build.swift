import Hummingbird
import Logging
import TallyApp

/// Builds the HTTP application: one router, every route group, the middleware.
public func buildApplication(
    tally: Tally, host: String, port: Int
) -> some ApplicationProtocol {
    let router = Router()
    router.get("/health") { _, _ -> Response in
        try await tally.store.ping()
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(host, port: port), serverName: "tally"),
        logger: tally.logger)
}
