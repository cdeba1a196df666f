import Foundation
import Testing
import VigilCore

/// Vigil's local PromQL engine against the real Prometheus (Debian's 2.42)
/// on the same backfilled data: every function, aggregation and operator
/// Vigil claims, at several evaluation times, must give the same result set
/// within a relative difference of 1e-9.
@Suite(.serialized) struct PrometheusQueryComparisonTests {
    static let start: Int64 = 1_700_000_000_000  // ms
    static let step: Int64 = 15_000

    /// Deterministic OpenMetrics backfill data: counters with resets,
    /// gauges (some negative, one that stops early), a histogram by
    /// service, with slightly irregular timestamps.
    static func backfillData() -> String {
        var rng = UInt64(42)
        func next() -> Double {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(rng >> 11) / Double(1 << 53)
        }
        let points = 240
        func ts(_ i: Int) -> String {
            // Jitter of a few milliseconds, as real scrapes have.
            let ms = start + Int64(i) * step + Int64(i % 7) * 3
            return String(format: "%lld.%03lld", ms / 1000, ms % 1000)
        }
        var out = ""
        out += "# HELP http_requests Requests served.\n# TYPE http_requests counter\n"
        for service in ["api", "web", "auth"] {
            for code in ["200", "404", "500"] {
                var v = Double(Int(next() * 100))
                for i in 0..<points {
                    v += Double(Int(next() * (code == "200" ? 50 : 5)))
                    // Restarts reset some counters.
                    if (service == "web" && i == 100) || (service == "auth" && code == "500" && i == 170) {
                        v = Double(Int(next() * 3))
                    }
                    out += "http_requests_total{service=\"\(service)\",code=\"\(code)\"} \(Int(v)) \(ts(i))\n"
                }
            }
        }
        out += "# TYPE cpu_usage_percent gauge\n"
        for instance in ["host-a:9100", "host-b:9100", "host-c:9100"] {
            for i in 0..<points {
                let v = 50 + 30 * sin(Double(i) / 20 + Double(instance.count)) + next() * 10
                if instance == "host-c:9100" && i > 200 { break }  // stops early: lookback and absent
                out += "cpu_usage_percent{instance=\"\(instance)\"} \(v) \(ts(i))\n"
            }
        }
        out += "# TYPE temperature_celsius gauge\n"
        for zone in ["north", "south"] {
            for i in 0..<points {
                let v = (zone == "north" ? -5 : 12) + next() * 8 - 4
                out += "temperature_celsius{zone=\"\(zone)\"} \(v) \(ts(i))\n"
            }
        }
        out += "# TYPE request_duration_seconds histogram\n"
        let bounds = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"]
        for service in ["api", "web"] {
            var counts = [Double](repeating: 0, count: bounds.count)
            var sum = 0.0
            for i in 0..<points {
                for _ in 0..<Int(next() * 20) {
                    let obs = pow(next(), 2) * (service == "api" ? 1.5 : 3)
                    sum += obs
                    for (b, bound) in bounds.enumerated() where bound == "+Inf" || obs <= Double(bound)! {
                        counts[b] += 1
                    }
                }
                for (b, bound) in bounds.enumerated() {
                    out +=
                        "request_duration_seconds_bucket{service=\"\(service)\",le=\"\(bound)\"} \(Int(counts[b])) \(ts(i))\n"
                }
                out +=
                    "request_duration_seconds_count{service=\"\(service)\"} \(Int(counts[bounds.count - 1])) \(ts(i))\n"
                out += "request_duration_seconds_sum{service=\"\(service)\"} \(sum) \(ts(i))\n"
            }
        }
        out += "# EOF\n"
        return out
    }

    static let queries: [String] = [
        // Selectors and modifiers.
        "http_requests_total", "http_requests_total{code=\"200\"}", "http_requests_total{code!=\"200\"}",
        "http_requests_total{service=~\"api|web\"}", "http_requests_total{service!~\"a.*\"}",
        "http_requests_total offset 5m", "cpu_usage_percent", "{__name__=~\"temp.*\"}",
        // Range functions.
        "rate(http_requests_total[5m])", "irate(http_requests_total[5m])", "increase(http_requests_total[10m])",
        "rate(http_requests_total[1m] offset 3m)", "delta(cpu_usage_percent[10m])", "idelta(cpu_usage_percent[5m])",
        "deriv(cpu_usage_percent[10m])", "predict_linear(cpu_usage_percent[10m], 600)",
        "resets(http_requests_total[30m])", "changes(cpu_usage_percent[10m])",
        "avg_over_time(cpu_usage_percent[10m])", "min_over_time(temperature_celsius[10m])",
        "max_over_time(temperature_celsius[10m])", "sum_over_time(cpu_usage_percent[5m])",
        "count_over_time(cpu_usage_percent[5m])", "last_over_time(cpu_usage_percent[5m])",
        "quantile_over_time(0.9, cpu_usage_percent[10m])", "stddev_over_time(cpu_usage_percent[10m])",
        "stdvar_over_time(temperature_celsius[10m])",
        // Histograms.
        "histogram_quantile(0.95, sum by (le) (rate(request_duration_seconds_bucket[5m])))",
        "histogram_quantile(0.5, rate(request_duration_seconds_bucket[5m]))",
        "histogram_quantile(0.99, sum by (service, le) (rate(request_duration_seconds_bucket[10m])))",
        // Instant functions.
        "abs(temperature_celsius)", "ceil(temperature_celsius)", "floor(temperature_celsius)",
        "round(cpu_usage_percent)", "round(cpu_usage_percent, 5)", "sqrt(cpu_usage_percent)",
        "exp(temperature_celsius / 10)", "ln(cpu_usage_percent)", "log2(cpu_usage_percent)",
        "log10(cpu_usage_percent)", "clamp(cpu_usage_percent, 30, 60)", "clamp_min(temperature_celsius, 0)",
        "clamp_max(cpu_usage_percent, 55)", "time()", "timestamp(cpu_usage_percent)", "vector(7)",
        "scalar(sum(cpu_usage_percent))", "absent(nonexistent_metric{job=\"x\"})", "absent(cpu_usage_percent)",
        "label_replace(cpu_usage_percent, \"host\", \"$1\", \"instance\", \"(.*):.*\")",
        "label_join(http_requests_total, \"combo\", \"-\", \"service\", \"code\")",
        "sort(cpu_usage_percent)", "sort_desc(rate(http_requests_total[5m]))",
        // Aggregations.
        "sum(http_requests_total)", "sum by (service) (http_requests_total)", "avg by (code) (http_requests_total)",
        "min(cpu_usage_percent)", "max by (service) (rate(http_requests_total[5m]))", "count(http_requests_total)",
        "stddev(cpu_usage_percent)", "stdvar by (service) (http_requests_total)", "topk(2, cpu_usage_percent)",
        "bottomk(2, http_requests_total)", "quantile(0.5, http_requests_total)",
        "count_values(\"rounded\", round(temperature_celsius))", "group by (service) (http_requests_total)",
        "sum without (code) (http_requests_total)",
        // Arithmetic and comparison.
        "http_requests_total * 2", "2 - cpu_usage_percent", "cpu_usage_percent / 0", "cpu_usage_percent % 7",
        "cpu_usage_percent ^ 2", "-cpu_usage_percent", "cpu_usage_percent > 50", "cpu_usage_percent > bool 50",
        "50 < cpu_usage_percent", "1 + 2 * 3", "2 ^ 3 ^ 2", "1 > bool 2", "-2 ^ 2",
        "cpu_usage_percent atan2 100",
        // Vector matching.
        "rate(http_requests_total{code=\"500\"}[5m]) / ignoring(code) rate(http_requests_total{code=\"200\"}[5m])",
        "sum by (service) (rate(http_requests_total{code=\"500\"}[5m])) / on(service) sum by (service) (rate(http_requests_total[5m]))",
        "http_requests_total / on(service) group_left sum by (service) (http_requests_total)",
        "sum by (service) (http_requests_total) / on(service) group_right http_requests_total",
        "http_requests_total > on(service, code) group_left http_requests_total offset 10m",
        "http_requests_total and http_requests_total{code=\"200\"}",
        "http_requests_total{code=\"200\"} or cpu_usage_percent",
        "http_requests_total unless on(service) http_requests_total{service=\"api\"}",
        "sum by (service) (http_requests_total) > bool on(service) sum by (service) (http_requests_total offset 10m)",
        // Subqueries (the default step is Prometheus' evaluation interval, 1m).
        "max_over_time(rate(http_requests_total[1m])[10m:30s])", "avg_over_time(cpu_usage_percent[15m:1m])",
        "rate(http_requests_total[5m:])", "sum_over_time(temperature_celsius[10m:1m] offset 5m)",
        "max_over_time(sum by (service) (rate(http_requests_total[2m]))[20m:2m])",
        "min_over_time(cpu_usage_percent[5m:] @ 1700001200)", "deriv(avg_over_time(cpu_usage_percent[2m])[10m:15s])",
        "max_over_time(max_over_time(temperature_celsius[1m:10s])[5m:1m])",
        "increase(http_requests_total[10m:45s])", "stddev_over_time((cpu_usage_percent * 2)[7m:20s])",
        // Keywords in any case.
        "SUM BY (service) (http_requests_total)",
        "http_requests_total AND ON (service) http_requests_total{code=\"200\"}",
        "count(cpu_usage_percent) WITHOUT (instance)", "cpu_usage_percent > BOOL 50", "http_requests_total OFFSET 5m",
        "TopK(2, cpu_usage_percent)",
        "sum by (service) (http_requests_total) / ON(service) GROUP_RIGHT http_requests_total",
        "http_requests_total UNLESS IGNORING (code) http_requests_total{service=\"api\"}",
        // Trigonometry and friends.
        "sin(cpu_usage_percent)", "cos(temperature_celsius)", "tan(temperature_celsius / 10)",
        "asin(cpu_usage_percent / 100)", "acos(cpu_usage_percent / 100)", "atan(temperature_celsius)",
        "sinh(temperature_celsius / 10)", "cosh(temperature_celsius / 10)", "tanh(temperature_celsius)",
        "asinh(temperature_celsius)", "acosh(cpu_usage_percent)", "atanh(cpu_usage_percent / 200)",
        "deg(temperature_celsius)", "rad(cpu_usage_percent)", "pi()",
        // holt_winters and the smaller disagreements of issue 19.
        "holt_winters(cpu_usage_percent[10m], 0.3, 0.6)", "holt_winters(http_requests_total[15m], 0.8, 0.1)",
        "rate((http_requests_total[5m]))", "timestamp((cpu_usage_percent))", "clamp(cpu_usage_percent, 0, NaN)",
        "absent(nonexistent{a=\"b\", a=~\"b.*\"})", "topk(3, rate(http_requests_total[5m]))",
        "bottomk(2, cpu_usage_percent)", "cpu_usage_percent @ end()", "rate(http_requests_total[5m] @ start())",
    ]

    /// Debian's Prometheus on a loopback port, serving the backfill data
    /// (written to `dir`, turned into blocks by promtool).
    static func startPrometheusOnBackfill(in dir: URL) throws -> (Process, Int, URL) {
        let data = dir.appendingPathComponent("backfill.om")
        try backfillData().write(to: data, atomically: true, encoding: .utf8)
        let tsdb = dir.appendingPathComponent("tsdb")
        let created = try Support.run(
            "/usr/bin/promtool", ["tsdb", "create-blocks-from", "openmetrics", data.path, tsdb.path])
        guard created.status == 0 else { throw SupportError(message: "promtool failed: \(created.stderr)") }
        let config = dir.appendingPathComponent("prometheus.yml")
        try "global:\n  scrape_interval: 1h\n".write(to: config, atomically: true, encoding: .utf8)
        let port = Support.freePort()
        let prometheus = try Support.start(
            "/usr/bin/prometheus",
            [
                "--config.file=\(config.path)", "--storage.tsdb.path=\(tsdb.path)",
                "--storage.tsdb.retention.time=100y", "--web.listen-address=127.0.0.1:\(port)",
            ], log: dir.appendingPathComponent("prometheus.log"))
        do {
            try Support.waitReady("http://127.0.0.1:\(port)/-/ready")
        } catch {
            Support.stop(prometheus)
            throw error
        }
        return (prometheus, port, data)
    }

    static let times: [Int64] = [
        start + 20 * 60_000, start + 37 * 60_000 + 12_345, start + 59 * 60_000, start + 62 * 60_000 + 500,
    ]

    @Test func localEngineMatchesPrometheus() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (prometheus, port, data) = try Self.startPrometheusOnBackfill(in: dir)
        defer { Support.stop(prometheus) }

        let store = try InstantQuery.loadBackfill(Array(try Data(contentsOf: data)))
        var compared = 0
        var failures: [String] = []
        for query in Self.queries where !query.isEmpty {
            let expr = try QueryParser.parse(query)
            for t in Self.times {
                let ours = try InstantQuery.run(expr, on: store, at: t)
                let theirs = try prometheusQuery(port: port, query: query, timeMs: t)
                let ordered = ["sort", "topk", "bottomk"].contains { query.lowercased().hasPrefix($0) }
                if let problem = Self.difference(ours, theirs, ordered: ordered) {
                    failures.append("\(query) @ \(t): \(problem)")
                }
                compared += 1
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(compared) differ:\n\(failures.joined(separator: "\n"))")
        #expect(compared == Self.queries.filter { !$0.isEmpty }.count * Self.times.count)
    }

    /// The CLI gives the same rows as the engine it wraps.
    @Test func queryCommandPrintsSortedRows() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("backfill.om")
        try Self.backfillData().write(to: data, atomically: true, encoding: .utf8)
        let at = Double(Self.times[1]) / 1000
        let out = try Support.run(
            Support.vigil,
            ["query", "sum by (service) (rate(http_requests_total[5m]))", "--data", data.path, "--at", "\(at)"])
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(
            lines.map { $0.components(separatedBy: " ")[0] } == [
                "{service=\"api\"}", "{service=\"auth\"}", "{service=\"web\"}",
            ])
        let bad = try Support.run(Support.vigil, ["query", "rate(http_requests_total[5m:0s])", "--data", data.path])
        #expect(bad.status == 2)
        #expect(bad.stderr == "vigil: query: column 29: the subquery step must be positive\n")
    }

    /// `vigil query --json` prints Prometheus' /api/v1/query answer: the
    /// same resultType and result shape for scalars, strings, vectors and
    /// matrices (compared as parsed JSON, values as strings: raw samples,
    /// whose digits must agree exactly; computed values are compared with
    /// a tolerance by the test above).
    @Test func queryJSONHasPrometheusShape() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (prometheus, port, data) = try Self.startPrometheusOnBackfill(in: dir)
        defer { Support.stop(prometheus) }
        let at = Self.times[1]
        let time = String(format: "%.3f", Double(at) / 1000)
        for query in [
            "1.5", "\"text\"", "cpu_usage_percent", "cpu_usage_percent[1m]", "topk(2, cpu_usage_percent)",
            "temperature_celsius[2m:30s]",
        ] {
            let ours = try Support.run(
                Support.vigil, ["query", "--json", "--data", data.path, "--at", time, "--", query])
            #expect(ours.status == 0, "\(query): \(ours.stderr)")
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            let q = query.addingPercentEncoding(withAllowedCharacters: allowed)!
            let theirs = try Support.httpGet("http://127.0.0.1:\(port)/api/v1/query?query=\(q)&time=\(time)")
            let a = try JSONSerialization.jsonObject(with: Data(ours.stdout.utf8)) as? NSDictionary
            let b = try JSONSerialization.jsonObject(with: theirs.body) as? NSDictionary
            // Prometheus orders a plain vector or matrix as its index does; Vigil
            // by labels. Compare those as sets of series.
            let ordered = query.hasPrefix("topk") || !query.contains("cpu_usage_percent") || query == "1.5"
            #expect(
                Self.sameAnswer(a, b, ordered: ordered),
                "\(query):\nours   \(ours.stdout)\ntheirs \(String(decoding: theirs.body, as: UTF8.self))")
        }
    }

    static func sameAnswer(_ a: NSDictionary?, _ b: NSDictionary?, ordered: Bool) -> Bool {
        guard let a, let b, a["status"] as? String == "success", b["status"] as? String == "success",
            let da = a["data"] as? NSDictionary, let db = b["data"] as? NSDictionary,
            da["resultType"] as? String == db["resultType"] as? String
        else { return false }
        if let ra = da["result"] as? [NSDictionary], let rb = db["result"] as? [NSDictionary] {
            func key(_ d: NSDictionary) -> String {
                "\((d["metric"] as? [String: String] ?? [:]).sorted { $0.key < $1.key })"
            }
            let sa = ordered ? ra : ra.sorted { key($0) < key($1) }
            let sb = ordered ? rb : rb.sorted { key($0) < key($1) }
            return sa.count == sb.count && zip(sa, sb).allSatisfy { $0.isEqual(to: $1 as! [AnyHashable: Any]) }
        }
        return (da["result"] as? NSArray)?.isEqual(to: (db["result"] as? [Any]) ?? []) ?? false
    }

    func prometheusQuery(port: Int, query: String, timeMs: Int64) throws -> [QueryResultRow] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let q = query.addingPercentEncoding(withAllowedCharacters: allowed)!
        let time = String(format: "%.3f", Double(timeMs) / 1000)
        let r = try Support.httpGet("http://127.0.0.1:\(port)/api/v1/query?query=\(q)&time=\(time)")
        guard let json = try JSONSerialization.jsonObject(with: r.body) as? [String: Any],
            json["status"] as? String == "success", let data = json["data"] as? [String: Any]
        else {
            throw SupportError(message: "Prometheus failed on \(query): \(String(decoding: r.body, as: UTF8.self))")
        }
        func value(_ pair: Any?) -> Double {
            let s = (pair as? [Any])?[1] as? String ?? "NaN"
            switch s {
            case "+Inf": return .infinity
            case "-Inf": return -.infinity
            case "NaN": return .nan
            default: return Double(s)!
            }
        }
        if data["resultType"] as? String == "scalar" {
            return [QueryResultRow(labels: Labels(), value: value(data["result"]), timeMs: timeMs)]
        }
        return (data["result"] as? [[String: Any]] ?? []).map { item in
            QueryResultRow(
                labels: Labels(item["metric"] as? [String: String] ?? [:]), value: value(item["value"]), timeMs: timeMs)
        }
    }

    static func difference(_ ours: [QueryResultRow], _ theirs: [QueryResultRow], ordered: Bool) -> String? {
        // Sorted results must agree on the order of values; series with equal
        // values may come in any order (Go's sort is not stable).
        if ordered {
            let same =
                ours.count == theirs.count
                && zip(ours, theirs).allSatisfy { Support.approximatelyEqual($0.value, $1.value) }
            guard same else { return "order differs: ours \(ours.map(\.value)) theirs \(theirs.map(\.value))" }
        }
        let mine = Dictionary(ours.map { ($0.labels, $0.value) }, uniquingKeysWith: { a, _ in a })
        let other = Dictionary(theirs.map { ($0.labels, $0.value) }, uniquingKeysWith: { a, _ in a })
        if Set(mine.keys) != Set(other.keys) {
            let onlyOurs = Set(mine.keys).subtracting(other.keys).map(\.description)
            let onlyTheirs = Set(other.keys).subtracting(mine.keys).map(\.description)
            return "series differ: only ours \(onlyOurs), only Prometheus \(onlyTheirs)"
        }
        for (k, v) in mine where !Support.approximatelyEqual(v, other[k]!) {
            return "\(k): ours \(v), Prometheus \(other[k]!)"
        }
        return nil
    }
}
