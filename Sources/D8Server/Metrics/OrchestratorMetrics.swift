import CoreMetrics
import D8Core
import D8Store
import Prometheus
import Synchronization

/// The orchestrator's Prometheus metrics: swift-metrics handles on a registry of this
/// orchestrator's own (several may share a process, as the tests' do), written out at
/// `/metrics` by swift-prometheus. Events are counted as they happen; queue depth, workers and
/// budgets are read from the scheduler at each scrape. Labels carry task types, worker types,
/// models, priorities, budget scopes and routes: nothing unbounded (no task id, key or prompt).
final class OrchestratorMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let handles = Mutex(Handles())

    private struct Handles {
        var counters: [Series: CoreMetrics.Counter] = [:]
        var amounts: [Series: CoreMetrics.FloatingPointCounter] = [:]
        var timers: [Series: CoreMetrics.Timer] = [:]
        var gauges: [Series: CoreMetrics.Gauge] = [:]
    }

    private struct Series: Hashable {
        let name: String
        let labels: [String]
        var dimensions: [(String, String)] { stride(from: 0, to: labels.count, by: 2).map { (labels[$0], labels[$0 + 1]) } }
        init(_ name: String, _ labels: KeyValuePairs<String, String>) {
            self.name = name
            self.labels = labels.flatMap { [$0.key, $0.value] }
        }
    }

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        let requests: [Duration] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30].map { .milliseconds(Int64($0 * 1000)) }
        let tasks: [Duration] = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800].map { .milliseconds(Int64($0 * 1000)) }
        factory.durationHistogramBuckets = [
            "d8_http_request_duration_seconds": requests,
            "d8_task_queue_wait_seconds": tasks, "d8_task_run_seconds": tasks, "d8_provider_call_seconds": tasks,
            "d8_provider_time_to_first_token_seconds": tasks,
        ]
        self.factory = factory
    }

    func count(_ name: String, _ labels: KeyValuePairs<String, String> = [:], by amount: Int = 1) {
        guard amount > 0 else { return }
        let series = Series(name, labels)
        handle(series, \.counters) { CoreMetrics.Counter(label: series.name, dimensions: series.dimensions, factory: factory) }.increment(by: Int64(amount))
    }

    /// A counter of a fractional amount (USD).
    func add(_ name: String, _ labels: KeyValuePairs<String, String>, _ amount: Double) {
        guard amount > 0 else { return }
        let series = Series(name, labels)
        handle(series, \.amounts) { CoreMetrics.FloatingPointCounter(label: series.name, dimensions: series.dimensions, factory: factory) }.increment(by: amount)
    }

    /// One observation of a histogram in seconds.
    func record(_ name: String, _ labels: KeyValuePairs<String, String>, seconds: Double) {
        guard seconds.isFinite, seconds >= 0 else { return }
        let series = Series(name, labels)
        handle(series, \.timers) { CoreMetrics.Timer(label: series.name, dimensions: series.dimensions, preferredDisplayUnit: .seconds, factory: factory) }
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    /// Sets the gauges of one family to these values; a series seen before and absent now is 0
    /// (a queue that emptied), never left at its last value.
    func setGauges(_ name: String, _ values: [(labels: KeyValuePairs<String, String>, value: Double)]) {
        let current = Dictionary(values.map { (Series(name, $0.labels), $0.value) }) { $1 }
        let stale = handles.withLock { $0.gauges.filter { $0.key.name == name && current[$0.key] == nil }.map(\.value) }
        for gauge in stale { gauge.record(0) }
        for (series, value) in current {
            handle(series, \.gauges) { CoreMetrics.Gauge(label: series.name, dimensions: series.dimensions, factory: factory) }.record(value)
        }
    }

    /// The exposition, Prometheus' text format.
    func exposition() -> [UInt8] { registry.emitToBuffer() }

    private func handle<H: Sendable>(_ series: Series, _ path: WritableKeyPath<Handles, [Series: H]>, make: () -> H) -> H {
        handles.withLock { handles in
            if let existing = handles[keyPath: path][series] { return existing }
            let made = make()
            handles[keyPath: path][series] = made
            return made
        }
    }
}
