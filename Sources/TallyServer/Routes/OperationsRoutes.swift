import Hummingbird
import Prometheus
import TallyApp

/// Health, metrics and the API description.
struct OperationsRoutes {
    let tally: Tally
    let metrics: PrometheusCollectorRegistry

    func add(to router: some RouterMethods<TallyRequestContext>) {
        router.get("/health") { _, _ -> Response in
            try await tally.store.ping()
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#))
            )
        }
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer()))
            )
        }
        router.get("/openapi.json") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.json))
            )
        }
    }
}
