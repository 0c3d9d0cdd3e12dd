import Hummingbird
import TallyApp

/// Health and the API description.
struct OperationsRoutes {
    let tally: Tally

    func add(to router: some RouterMethods<TallyRequestContext>) {
        router.get("/health") { _, _ -> Response in
            try await tally.store.ping()
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("/openapi.json") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.json)))
        }
    }
}
