import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The servers server mode is proven against: Debian's Prometheus, and
/// Debian's VictoriaMetrics with vmalert evaluating the same rule file.
enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case prometheus, victoriaMetrics
    var testDescription: String { rawValue }
}

/// Server mode against a real server and Debian's Alertmanager on loopback
/// ports: the server scrapes the demo (held inside its incident) every
/// second and fires a rule at the Alertmanager; Vigil reads both.
final class ServerStack {
    let backend: Backend
    let dir = Support.temporaryDirectory()
    let demoPort = Support.freePort()
    let promPort = Support.freePort()
    let amPort = Support.freePort()
    let vmalertPort = Support.freePort()
    var demo: Process?
    var server: Process?
    var vmalert: Process?
    var alertmanager: Process?

    var promURL: String { "http://127.0.0.1:\(promPort)" }
    var amURL: String { "http://127.0.0.1:\(amPort)" }

    init(_ backend: Backend = .prometheus) throws {
        self.backend = backend
        demo = try Support.start(
            Support.vigil, ["demo", "--listen", "127.0.0.1:\(demoPort)", "--start", "100", "--freeze"],
            log: dir.appendingPathComponent("demo.log"))
        try Support.waitReady("http://127.0.0.1:\(demoPort)/metrics")
        try """
        route: {receiver: blackhole, group_wait: 1s, group_interval: 1s, repeat_interval: 1h}
        receivers: [{name: blackhole}]
        """.write(to: dir.appendingPathComponent("am.yml"), atomically: true, encoding: .utf8)
        try """
        groups:
          - name: launch
            interval: 1s
            rules:
              - alert: HighErrorRate
                expr: 100 * sum(rate(http_requests_total{code=~"5.."}[10s])) / sum(rate(http_requests_total[10s])) > 5
                for: 2s
                labels: {severity: high, service: api}
                annotations: {summary: Error rate above 5%}
        """.write(to: dir.appendingPathComponent("rules.yml"), atomically: true, encoding: .utf8)
        try """
        global: {scrape_interval: 1s, evaluation_interval: 1s}
        rule_files: [\(dir.path)/rules.yml]
        alerting: {alertmanagers: [{static_configs: [{targets: ['127.0.0.1:\(amPort)']}]}]}
        scrape_configs:
          - job_name: normaldance
            static_configs: [{targets: ['127.0.0.1:\(demoPort)']}]
        """.write(to: dir.appendingPathComponent("prom.yml"), atomically: true, encoding: .utf8)
        alertmanager = try Support.start(
            "/usr/bin/prometheus-alertmanager",
            [
                "--config.file=\(dir.path)/am.yml", "--storage.path=\(dir.path)/am",
                "--web.listen-address=127.0.0.1:\(amPort)", "--cluster.listen-address=",
            ], log: dir.appendingPathComponent("am.log"))
        try Support.waitReady(amURL + "/-/ready")
        try startServer()
        if backend == .victoriaMetrics {
            // vmalert evaluates the rule file against VictoriaMetrics and
            // sends to the Alertmanager, as Prometheus does for itself.
            vmalert = try Support.start(
                "/usr/bin/vmalert",
                [
                    "-rule=\(dir.path)/rules.yml", "-datasource.url=\(promURL)", "-notifier.url=\(amURL)",
                    "-evaluationInterval=1s", "-httpListenAddr=127.0.0.1:\(vmalertPort)",
                ], log: dir.appendingPathComponent("vmalert.log"))
            try Support.waitReady("http://127.0.0.1:\(vmalertPort)/health")
        }
    }

    func startServer() throws {
        switch backend {
        case .prometheus:
            server = try Support.start(
                "/usr/bin/prometheus",
                [
                    "--config.file=\(dir.path)/prom.yml", "--storage.tsdb.path=\(dir.path)/prom",
                    "--web.listen-address=127.0.0.1:\(promPort)", "--rules.alert.resend-delay=1s",
                ], log: dir.appendingPathComponent("prom.log"))
            try Support.waitReady(promURL + "/-/ready")
        case .victoriaMetrics:
            // Samples become visible after -search.latencyOffset (30 s by
            // default); a second keeps the tests short. The README says
            // what the default means for panels. The scrape config is
            // Prometheus' own: VictoriaMetrics refuses its rule_files and
            // alerting sections unless told to skip what it does not use.
            server = try Support.start(
                "/usr/bin/victoria-metrics",
                [
                    "-storageDataPath=\(dir.path)/vm", "-httpListenAddr=127.0.0.1:\(promPort)",
                    "-promscrape.config=\(dir.path)/prom.yml", "-promscrape.config.strictParse=false",
                    "-search.latencyOffset=1s", "-retentionPeriod=1d",
                ], log: dir.appendingPathComponent("vm.log"))
            try Support.waitReady(promURL + "/health")
        }
    }

    func stopServer() {
        if let p = server {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        server = nil
    }

    /// How many query_range requests the server has answered (each counts
    /// its own API calls).
    func rangeRequests() throws -> Double {
        let metrics = try Support.run("/usr/bin/curl", ["-s", promURL + "/metrics"]).stdout
        let mark =
            backend == .prometheus
            ? ("prometheus_http_requests_total{", "handler=\"/api/v1/query_range\"")
            : ("vm_http_requests_total{", "path=\"/api/v1/query_range\"")
        return metrics.split(separator: "\n").filter { $0.hasPrefix(mark.0) && $0.contains(mark.1) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    /// The shipped config with the server in place of the target.
    func config(extra: String = "") throws -> String {
        var text = try String(contentsOfFile: TmuxSession.root + "/dashboards/normaldance.yaml", encoding: .utf8)
        let start = text.range(of: "targets:\n")!
        let end = text.range(of: "\nlogs:")!
        text.replaceSubrange(
            start.lowerBound..<end.lowerBound,
            with: "prometheus:\n  url: \(promURL)\nalertmanager:\n  url: \(amURL)\n  interval: 1s\n\(extra)")
        // The demo's log endpoints live on the demo's port.
        text = text.replacingOccurrences(of: "http://127.0.0.1:9464/", with: "http://127.0.0.1:\(demoPort)/")
        let path = dir.appendingPathComponent("vigil.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func query(_ q: String) throws -> Double? {
        let out = try Support.run(
            "/usr/bin/curl", ["-s", "-G", promURL + "/api/v1/query", "--data-urlencode", "query=\(q)"]
        ).stdout
        guard let root = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any],
            let result = (root["data"] as? [String: Any])?["result"] as? [[String: Any]],
            let value = result.first?["value"] as? [Any], let s = value.last as? String
        else { return nil }
        return Double(s)
    }

    func amtool(_ args: [String]) throws -> String {
        try Support.run("/usr/bin/amtool", ["--alertmanager.url=\(amURL)"] + args).stdout
    }

    deinit {
        for p in [demo, server, vmalert, alertmanager].compactMap({ $0 }) { kill(p.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: dir)
    }
}

@Suite(.serialized) struct ServerModeTests {
    func line(_ screen: String, _ text: String) -> String {
        screen.split(separator: "\n").first { $0.contains(text) }.map(String.init) ?? ""
    }

    @Test(arguments: Backend.allCases) func panelsEqualTheServersAPIAndGraphsComeFromQueryRange(
        _ backend: Backend
    ) throws {
        let stack = try ServerStack(backend)
        let config = try stack.config()
        // Let Prometheus collect a few seconds first: the graph must show history at once.
        Thread.sleep(forTimeInterval: 4)
        let out = try Support.run(
            Support.vigil,
            [
                "--config", config, "--once", "--size", "160x40", "--color", "never", "--wait", "15s",
                "--state-dir", stack.dir.appendingPathComponent("state").path,
            ])
        #expect(out.status == 0, "\(out.stderr)")
        let server = try #require(
            try stack.query(
                #"100 * sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))"#))
        // The demo is frozen in its incident: the value holds still to 3 digits.
        #expect(out.stdout.contains(String(format: "now %.1f%%", server)), "server \(server), frame:\n\(out.stdout)")
        // Graphs: answered by query_range.
        #expect(try stack.rangeRequests() >= 4)
        #expect(!out.stdout.contains("ERROR") && !out.stdout.contains("NO DATA"))
        // A query the server refuses at execution: the panel says so in its words.
        let bad = try stack.config()
        var text = try String(contentsOfFile: bad, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "    query: sum(active_users)", with: "    query: http_requests_total / on() http_requests_total")
        try text.write(toFile: bad, atomically: true, encoding: .utf8)
        let failed = try Support.run(
            Support.vigil,
            [
                "--config", bad, "--once", "--size", "160x40", "--color", "never", "--wait", "8s",
                "--state-dir", stack.dir.appendingPathComponent("state").path,
            ])
        // Prometheus: `execution: …`; VictoriaMetrics: the reason without its
        // repetition of the query.
        let words = backend == .prometheus ? "execution: " : "HTTP 422: duplicate time series on the left side"
        #expect(failed.stdout.contains(words), "\(failed.stdout)")
        #expect(line(failed.stdout, "Active Users").contains("ERROR"))
    }

    @Test(arguments: Backend.allCases) func acknowledgementIsASilenceAndTheServerCanGoAway(_ backend: Backend) throws {
        let stack = try ServerStack(backend)
        // Short silences, to see Vigil extend one while the alert fires.
        let config = try stack.config(extra: "  silence_duration: 8s\n")
        let t = try TmuxSession(
            width: 170, height: 45,
            command: "\(Support.vigil) --config \(config) --state-dir \(stack.dir.path)/state --no-bell",
            environment: ["USER": "oncall"])
        try t.keys("A")
        t.wait("the Alertmanager alert") { self.line($0, "alertmanager/HighErrorRate").contains("FIRING") }
        // The shipped config's own High Error Rate is the server's rule too.
        t.waitFor("evaluated twice: Vigil's rule High Error Rate is also the server's alertmanager/HighErrorRate")
        // Firing alerts sort first: the top row.
        for _ in 0..<8 { try t.keys("k") }
        t.wait("the Alertmanager alert selected") { s in
            s.split(separator: "\n").contains { $0.contains(">FIRING") && $0.contains("alertmanager/HighErrorRate") }
        }
        try t.keys("a")
        t.waitFor("Acknowledge alertmanager/HighErrorRate")
        try t.keys("-l", "rolling back deploy 42")
        try t.keys("Enter")
        t.wait("acknowledged") { self.line($0, "alertmanager/HighErrorRate").contains("ACKED") }
        let silences = try stack.amtool(["silence", "query", "-o", "extended"])
        #expect(silences.contains("rolling back deploy 42"), "\(silences)")
        #expect(silences.contains("alertname=\"HighErrorRate\"") && silences.contains("service=\"api\""))
        #expect(silences.contains("oncall@"))
        // Past its first 8 s the silence still holds: Vigil extended it.
        Thread.sleep(forTimeInterval: 10)
        #expect(try stack.amtool(["silence", "query"]).contains("rolling back deploy 42"))
        #expect(line(t.screen(), "alertmanager/HighErrorRate").contains("ACKED"))
        // Un-acknowledging expires it.
        try t.keys("u")
        t.wait("unacknowledged") { self.line($0, "alertmanager/HighErrorRate").contains("FIRING") }
        #expect(!(try stack.amtool(["silence", "query"])).contains("rolling back deploy 42"))
        #expect(try stack.amtool(["silence", "query", "--expired"]).contains("rolling back deploy 42"))
        // A silence made with amtool shows in the inventory.
        _ = try stack.amtool([
            "silence", "add", "alertname=Other", "--comment=planned maintenance", "--author=alice@bastion",
            "--duration=3h",
        ])
        try t.keys("S")
        t.wait("the amtool silence") { s in
            s.contains("alice@bastion") && s.contains("planned maintenance") && s.contains("{alertname=Other}")
        }
        // Prometheus stops: panels say why, keys still work; it comes back, so do they.
        try t.keys("1")
        t.wait("live panels") { $0.contains("Error Rate") && !$0.contains("ERROR") && $0.contains("now ") }
        stack.stopServer()
        t.wait("the error with its reason", seconds: 30) {
            $0.contains("ERROR") && $0.contains("refused (127.0.0.1:\(stack.promPort))")
        }
        try t.keys("2")
        t.waitFor("Response Time by Service")
        try stack.startServer()
        try t.keys("1")
        t.wait("recovered", seconds: 40) { $0.contains("Error Rate") && !$0.contains("ERROR") && $0.contains("now ") }
        try t.keys("q")
        t.waitFor("EXITED 0")
    }
}
