import Foundation
import Testing
import VigilCore

/// The burn-rate alerts generated from objectives (issue 13) are PromQL
/// over the raw series: Vigil's engine and Debian's Prometheus, on the
/// same backfilled hour, must agree on every rule and on every window's
/// error ratio, at several times, within a relative 1e-9.
@Suite(.serialized) struct BurnRateComparisonTests {
    /// Objectives over the comparison test's data. 90% over 3 days makes
    /// the thresholds low enough (0.144, 0.06, 0.01) that the data's 8% of
    /// 500s fires some pairs and not others: both answers are compared.
    static let config = """
        alerts:
          severities:
            critical: {name: Critical, color: red}
            medium: {name: Medium, color: yellow}
        objectives:
          - {name: Errors, ratio: {bad: 'http_requests_total{code="500"}', total: http_requests_total}, objective: 90, window: 3d}
          - {name: Not Found, ratio: {good: 'http_requests_total{code!="404"}', total: http_requests_total}, objective: 99.9}
          - {name: Api Latency, latency: {histogram: 'request_duration_seconds{service="api"}', threshold: 0.5}, objective: 95, window: 7d}
          - {name: Cpu, gauge: 'cpu_usage_percent{instance="host-a:9100"}', objective: 10, window: week}
        """

    @Test func generatedRulesAndErrorRatiosMatchPrometheus() throws {
        let cfg = try ConfigLoader.parse(Self.config, file: "t.yaml")
        #expect(cfg.alerts.rules.filter { $0.objective != nil }.count == 12)
        // The PromQL of every pair (in scrape mode the ticket reads the
        // ledger instead; on a server it is this expression).
        let ruleQueries = Set(
            cfg.objectives.flatMap { o in BurnRateAlerts.pairs.map { BurnRateAlerts.expression(o, $0) } })
        var queries = Array(ruleQueries)
        for o in cfg.objectives {
            for p in BurnRateAlerts.pairs {
                for ms in [p.longMs, p.shortMs] {
                    queries.append(o.errorRatio(PromDuration(milliseconds: ms).description))
                }
            }
        }
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (prometheus, port, data) = try PrometheusQueryComparisonTests.startPrometheusOnBackfill(in: dir)
        defer { Support.stop(prometheus) }
        let store = try InstantQuery.loadBackfill(Array(try Data(contentsOf: data)))
        let comparison = PrometheusQueryComparisonTests()
        var failures: [String] = []
        var firing = 0
        var quiet = 0
        for query in Set(queries).sorted() {
            let expr = try QueryParser.parse(query)
            for t in PrometheusQueryComparisonTests.times {
                let ours = try InstantQuery.run(expr, on: store, at: t)
                let theirs = try comparison.prometheusQuery(port: port, query: query, timeMs: t)
                if let problem = PrometheusQueryComparisonTests.difference(ours, theirs, ordered: false) {
                    failures.append("\(query) @ \(t): \(problem)")
                }
                if ruleQueries.contains(query) {
                    if theirs.isEmpty { quiet += 1 } else { firing += 1 }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) differ:\n\(failures.joined(separator: "\n"))")
        // Both kinds of answer were compared: rules that hold and rules that do not.
        #expect(firing > 0 && quiet > 0, "firing \(firing), quiet \(quiet)")
    }
}
