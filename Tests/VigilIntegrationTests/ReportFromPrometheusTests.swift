import Foundation
import Testing

/// Server-mode reports (issue 12): with a `prometheus:` datasource the
/// daily report reads each figure from query_range, exact over the day
/// whatever Vigil saw. Debian's Prometheus is backfilled with a known day
/// by `promtool tsdb create-blocks-from openmetrics`; every figure must
/// equal the same aggregation written in PromQL and asked of Prometheus'
/// own API. A query Prometheus refuses, and then a Prometheus that is
/// gone, turn figures into "not measured" with the reason, never invented.
@Suite(.serialized) struct ReportFromPrometheusTests {
    static let day: Int64 = 1_699_920_000_000  // 2023-11-14 00:00 UTC
    static let date = "2023-11-14"

    /// A day and a bit at a 30 s scrape: two targets, one down 03:00–06:00;
    /// latency with an hour-long spike; request counters with errors;
    /// active users only in the morning (half the day missing); CPU of two
    /// hosts (a table: its series add up).
    static func backfill() -> String {
        var out = ""
        let first = day - 10 * 60_000
        let n = (24 * 60 + 20) * 2
        func ts(_ i: Int) -> String { String(first / 1000 + Int64(i) * 30) }
        func minute(_ i: Int) -> Int { (i - 20) / 2 }
        out += "# TYPE up gauge\n"
        for instance in ["a", "b"] {
            for i in 0..<n {
                let down = instance == "b" && minute(i) >= 180 && minute(i) < 360
                out += "up{instance=\"\(instance)\"} \(down ? 0 : 1) \(ts(i))\n"
            }
        }
        out += "# TYPE latency_ms gauge\n"
        for service in ["api", "web"] {
            for i in 0..<n {
                let spike = minute(i) >= 600 && minute(i) < 660 ? 2500.0 : 0
                let base = service == "api" ? 300.0 : 450.0
                out += "latency_ms{service=\"\(service)\"} \(base + 200 * sin(Double(i) / 50) + spike) \(ts(i))\n"
            }
        }
        out += "# TYPE requests counter\n"
        var ok = 0
        var failed = 0
        for i in 0..<n {
            ok += 100 + i % 13
            failed += i % 9 == 0 ? 3 : 0
            out += "requests_total{code=\"200\"} \(ok) \(ts(i))\n"
        }
        for i in 0..<n {
            failed += i % 9 == 0 ? 3 : 0
            out += "requests_total{code=\"500\"} \(failed / 2) \(ts(i))\n"
        }
        out += "# TYPE active_users gauge\n"
        for i in 0..<n where minute(i) < 720 { out += "active_users \(1000 + i % 97) \(ts(i))\n" }
        out += "# TYPE cpu_percent gauge\n"
        for host in ["x", "y"] {
            for i in 0..<n { out += "cpu_percent{host=\"\(host)\"} \(host == "x" ? 40 : 25) \(ts(i))\n" }
        }
        return out + "# EOF\n"
    }

    /// The report's metrics: the plan's ids, each with its query. Memory's
    /// query is valid PromQL that Prometheus refuses when it runs it (two
    /// series on one side of a one-to-one match).
    static let queries: [(String, String, String)] = [
        ("system.status", "100 * sum(up) / count(up)", "avg"),
        ("response_time", "max(latency_ms)", "p95"),
        (
            "error_rate", "100 * sum(rate(requests_total{code=\"500\"}[5m])) / sum(rate(requests_total[5m]))",
            "avg"
        ),
        ("active_users", "active_users", "avg"),
        ("cpu_usage", "cpu_percent", "avg"),
    ]

    static func config(prometheus: String) -> String {
        var text = "prometheus:\n  url: \(prometheus)\nmetrics:\n"
        for (id, query, aggregation) in queries {
            text += "  \(id): {name: \(id), unit: \"\", query: '\(query)', aggregation: \(aggregation)}\n"
        }
        text += "  memory_usage: {name: Memory, unit: \"%\", query: 'vector(1) + on() latency_ms', aggregation: avg}\n"
        return text
    }

    /// A PromQL instant query's single value.
    static func ask(_ base: String, _ query: String, at: Int64) throws -> Double? {
        let out = try Support.run(
            "/usr/bin/curl",
            [
                "-s", "-G", base + "/api/v1/query", "--data-urlencode", "query=\(query)", "--data-urlencode",
                "time=\(at / 1000)",
            ]
        ).stdout
        guard let root = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any],
            let result = (root["data"] as? [String: Any])?["result"] as? [[String: Any]],
            let value = result.first?["value"] as? [Any], let s = value.last as? String
        else { return nil }
        return Double(s)
    }

    /// The report's figures by metric id: value and minutes watched.
    static func figures(_ json: String) throws -> [String: [String: Any]] {
        let root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        var out: [String: [String: Any]] = [:]
        for section in root["sections"] as! [[String: Any]] {
            for f in section["figures"] as! [[String: Any]] {
                if let metric = f["metric"] as? String { out[metric] = f }
            }
        }
        return out
    }

    @Test func dailyFiguresEqualPromQLOverTheSameDay() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("day.om")
        try Self.backfill().write(to: data, atomically: true, encoding: .utf8)
        let tsdb = dir.appendingPathComponent("tsdb")
        let created = try Support.run(
            "/usr/bin/promtool", ["tsdb", "create-blocks-from", "openmetrics", data.path, tsdb.path])
        #expect(created.status == 0, "\(created.stderr)")
        try "global:\n  scrape_interval: 1h\n".write(
            to: dir.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        let port = Support.freePort()
        let base = "http://127.0.0.1:\(port)"
        let prometheus = try Support.start(
            "/usr/bin/prometheus",
            [
                "--config.file=\(dir.appendingPathComponent("prometheus.yml").path)",
                "--storage.tsdb.path=\(tsdb.path)", "--storage.tsdb.retention.time=100y",
                "--web.listen-address=127.0.0.1:\(port)",
            ], log: dir.appendingPathComponent("prometheus.log"))
        defer { Support.stop(prometheus) }
        try Support.waitReady(base + "/-/ready")
        let config = dir.appendingPathComponent("vigil.yaml")
        try Self.config(prometheus: base).write(to: config, atomically: true, encoding: .utf8)
        let args = [
            "report", "daily", "--date", Self.date, "--format", "json", "--config", config.path, "--state-dir",
            dir.path,
        ]
        let run = try Support.run(Support.vigil, args)
        #expect(run.status == 0, "\(run.stderr)")
        let figures = try Self.figures(run.stdout)

        // The day's evaluations a minute, 00:00 to 23:59, as one subquery
        // at 23:59 (Prometheus 2 ranges include both ends).
        let at = Self.day + 1439 * 60_000
        for (id, query, aggregation) in Self.queries {
            let series = "(sum(\(query)))[1439m:1m]"
            let promql =
                aggregation == "p95" ? "quantile_over_time(0.95, \(series))" : "avg_over_time(\(series))"
            let expected = try #require(try Self.ask(base, promql, at: at), "\(promql)")
            let minutes = try #require(try Self.ask(base, "count_over_time(\(series))", at: at))
            let f = try #require(figures[id], "\(id) is in the report")
            let value = try #require(f["value"] as? Double, "\(id): \(f)")
            #expect(Support.approximatelyEqual(value, expected), "\(id): \(value) against PromQL's \(expected)")
            #expect(f["watchedMinutes"] as? Int == Int(minutes), "\(id)")
            #expect(f["periodMinutes"] as? Int == 1440)
        }
        // The figures are the day's: a sanity check of the data itself.
        #expect(figures["system.status"]?["value"] as? Double == 100 - 50 * 180 / 1440.0)
        #expect(figures["cpu_usage"]?["value"] as? Double == 65)
        #expect((figures["active_users"]?["watchedMinutes"] as? Int ?? 0) < 800)
        // Refused by Prometheus: not measured, with Prometheus' reason.
        let memory = try #require(figures["memory_usage"])
        #expect(memory["value"] == nil)
        let missing = memory["missing"] as? String ?? ""
        #expect(missing.hasPrefix("not measured: Prometheus answered HTTP 422: execution: "), "\(missing)")
        #expect(missing.hasSuffix("(for 2023-11-14)"), "\(missing)")
        // Not configured: not measured, never invented.
        #expect(figures["throughput"] == nil)
        let markdown = try Support.run(Support.vigil, Array(args.prefix(4)) + Array(args.dropFirst(6)))
        #expect(markdown.stdout.contains("| Throughput | not measured: no metric throughput in the configuration |"))
        #expect(markdown.stdout.contains("source: Prometheus at \(base) (query_range, one evaluation a minute)."))
        #expect(
            markdown.stdout.contains(
                "| Uptime | 93.75 |  | average of the one-minute evaluations of system.status | watched 24 h 0 m of 24 h 0 m |"
            ), "\(markdown.stdout)")

        // Objectives in server mode: every figure from Prometheus (issue 13),
        // equal to the same ratios asked of it directly.
        let slo = dir.appendingPathComponent("slo.yaml")
        try """
        prometheus:
          url: \(base)
        objectives:
          - name: Availability
            ratio: {bad: 'requests_total{code="500"}', total: requests_total}
            objective: 99.9
            window: {since: "2023-11-14T00:00:00Z", length: 3d}
          - {name: Uptime, gauge: up, objective: 99, window: {since: "2023-11-14T00:00:00Z", length: 3d}}
        """.write(to: slo, atomically: true, encoding: .utf8)
        let judged = try Support.run(
            Support.vigil,
            ["slo", "--json", "--at", "2023-11-14T23:59:00Z", "--config", slo.path, "--state-dir", dir.path])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(judged.stdout.utf8)) as? [String: Any])
        let objectives = try #require(root["objectives"] as? [[String: Any]])
        let availability = objectives[0]
        let range = "86340s"
        let bad = try #require(try Self.ask(base, "sum(increase(requests_total{code=\"500\"}[\(range)]))", at: at))
        let total = try #require(try Self.ask(base, "sum(increase(requests_total[\(range)]))", at: at))
        #expect(Support.approximatelyEqual(availability["sli"] as? Double ?? 0, 1 - bad / total), "\(availability)")
        #expect(Support.approximatelyEqual(availability["total"] as? Double ?? 0, total))
        let hour = try #require(
            try Self.ask(
                base, "sum(rate(requests_total{code=\"500\"}[1h])) / sum(rate(requests_total[1h]))", at: at))
        #expect(Support.approximatelyEqual(availability["burn1h"] as? Double ?? 0, hour / 0.001))
        #expect(availability["problem"] == nil, "\(availability)")
        // Uptime in time slices: b was down three hours, 180 bad minutes
        // (and their lookback) of the 1,440, at 99% against 30 allowed.
        let uptime = objectives[1]
        #expect(uptime["budgeting"] as? String == "timeslices")
        let badMinutes = try #require(
            try Self.ask(base, "sum_over_time(((1 - avg(avg_over_time(up[1m]))) > bool 0.01)[\(range):1m])", at: at))
        #expect(uptime["total"] as? Double == 1440, "\(uptime)")
        #expect(uptime["good"] as? Double == 1440 - badMinutes, "\(uptime)")
        #expect(badMinutes >= 180)
        #expect(uptime["state"] as? String == "critical")
        #expect(judged.status == 1)

        // Prometheus gone: every figure says why, and nothing measured is
        // exit status 1.
        Support.stop(prometheus)
        let gone = try Support.run(Support.vigil, Array(args.prefix(4)) + Array(args.dropFirst(6)))
        #expect(gone.status == 1)
        #expect(gone.stderr.contains("vigil report: nothing measured for 2023-11-14"), "\(gone.stderr)")
        #expect(gone.stdout.contains("| Uptime | not measured: Prometheus did not answer: "), "\(gone.stdout)")
    }
}
