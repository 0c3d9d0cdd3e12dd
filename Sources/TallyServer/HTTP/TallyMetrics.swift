import Metrics
import Prometheus

/// The process's Prometheus registry, served at `/metrics`.
///
/// swift-metrics may be bootstrapped once per process, so the registry is made
/// (and bootstrapped) on first use, whichever application asks first.
enum TallyMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
