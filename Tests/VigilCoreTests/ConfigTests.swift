import Foundation
import Testing

@testable import VigilCore

@Suite struct ConfigTests {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("dashboards/normaldance.yaml").path

    func errors(_ yaml: String, environment: [String: String] = [:]) -> [String] {
        do {
            _ = try ConfigLoader.parse(yaml, file: "t.yaml", environment: environment)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    /// The plan's monitoring-config.js, monitoring-dashboards.js and
    /// alerting-config.js, completely.
    @Test func shippedConfigTranslatesThePlan() throws {
        let c = try ConfigLoader.load(path: Self.shipped)
        let plan: [(String, String, String, Double, Double, String)] = [
            ("response_time", "Response Time", "ms", 2000, 5000, "p95"),
            ("throughput", "Throughput", "req/s", 1000, 500, "sum"),
            ("error_rate", "Error Rate", "%", 1, 5, "avg"),
            ("active_users", "Active Users", "count", 1000, 500, "sum"),
            ("conversion_rate", "Conversion Rate", "%", 5, 2, "avg"),
            ("revenue", "Revenue", "$", 10000, 5000, "sum"),
            ("cpu_usage", "CPU Usage", "%", 70, 90, "avg"),
            ("memory_usage", "Memory Usage", "%", 80, 95, "avg"),
            ("disk_usage", "Disk Usage", "%", 80, 95, "avg"),
        ]
        for (id, name, unit, warning, critical, aggregation) in plan {
            let m = try #require(c.metric(id), "metric \(id)")
            #expect(m.name == name && m.unit == unit && m.aggregation == aggregation && m.chart == "line")
            #expect(m.threshold == Threshold(warning: warning, critical: critical))
        }
        // Critical below warning: lower is worse.
        for id in ["throughput", "active_users", "conversion_rate", "revenue"] {
            #expect(c.metric(id)?.threshold?.higherIsWorse == false, "\(id)")
            let t = try #require(c.metric(id)?.threshold)
            #expect(t.state(of: t.critical - 1) == .critical && t.state(of: t.warning + 1) == .ok)
        }
        #expect(c.metric("cpu_usage")?.threshold?.state(of: 75) == .warning)
        #expect(c.dashboards.map(\.name) == ["Main", "Performance", "Business", "Security", "Resources", "Logs"])
        #expect(
            c.dashboards.flatMap { $0.panels.map(\.title) } == [
                "System Status", "Response Time", "Error Rate", "Active Users",
                "Response Time by Service", "Throughput", "Database Performance", "Cache Hit Rate",
                "Active Users", "Conversion Rate", "Revenue (last hour)",
                "Security Events", "Failed Login Attempts", "Vulnerability Scan Results", "Access Control Violations",
                "CPU Usage", "Memory Usage", "Disk Usage", "DB Connection Failures",
                "Application Log", "Security Event Stream",
            ])
        #expect(c.dashboards[0].panels[0].type == .status)
        // Every metric a rule watches is on some dashboard.
        let shown = Set(c.dashboards.flatMap { $0.panels.flatMap(\.metrics) })
        #expect(c.alerts.rules.compactMap(\.metric).filter { !shown.contains($0) } == [])
        // The security tables take their rows from log sources.
        let security = c.dashboards[3]
        #expect(security.panels[0].source == "security_events")
        #expect(security.panels[2].source == "vulnerability_scan")
        #expect(c.logs.map(\.kind) == [.ndjson, .json, .text])
        #expect(c.dashboards[1].panels[0].groupBy == ["service"])
        #expect(security.panels[0].columns == ["timestamp", "event_type", "severity", "source"])
        #expect(security.panels[2].columns == ["cve_id", "severity", "status", "last_scan"])
        #expect(c.alerts.severities.map(\.id) == ["critical", "high", "medium", "low"])
        #expect(c.alerts.severities.map(\.timeout.milliseconds) == [30, 60, 120, 240].map { Int64($0) * 60_000 })
        #expect(c.alerts.severities.map(\.color) == ["red", "orange", "yellow", "blue"])
        #expect(c.alerts.severities.map(\.escalation) == [true, true, false, false])
        // The plan's four rules, Vigil's two security rules, and the built-in Target Down.
        let rules = c.alerts.rules.filter { $0.objective == nil }
        #expect(
            rules.map(\.name) == [
                "High Error Rate", "High Response Time", "High CPU Usage", "Database Connection Issues",
                "Critical Vulnerability Open", "Failed Login Burst", "Target Down",
            ])
        #expect(
            rules.map(\.severity) == [
                "high", "medium", "critical", "critical", "critical", "high", "critical",
            ])
        #expect(
            rules.map(\.holdFor.milliseconds) == [300_000, 600_000, 300_000, 300_000, 0, 60_000, 10_000])
        #expect(
            rules.map(\.metric) == [
                "error_rate", "response_time", "cpu_usage", "db.connection_failures", nil, "security.failed_logins",
                nil,
            ])
        #expect(rules.map(\.builtIn) == [false, false, false, false, false, false, true])
        // The success criteria: three objectives over 30 days, each with
        // two page pairs and a ticket, and the threshold criteria.
        #expect(c.objectives.map(\.id) == ["availability", "response-time", "target-uptime"])
        #expect(c.objectives.map(\.objective) == [0.999, 0.99, 0.999])
        #expect(c.objectives.map(\.budgeting) == [.events, .events, .timeslices])
        #expect(c.alerts.rules.filter { $0.objective != nil }.count == 9)
        #expect(c.criteria.count == 11)
        #expect(
            c.criteria.filter { if case .notMeasured = $0.kind { return false } else { return true } }.map(\.name) == [
                "Scalability (100,000+ users)", "Critical incidents", "Conversion rate 15%",
            ])
        #expect(c.alerts.escalation.map(\.after.milliseconds) == [0, 1_800_000, 3_600_000, 7_200_000])
        #expect(
            c.alerts.escalation.map(\.contacts) == [
                ["on_call_engineer"], ["tech_lead"], ["engineering_manager"], ["emergency_contact"],
            ])
    }

    @Test(arguments: [
        ("refresh: 2x\n", "t.yaml:1:10: refresh must be a duration like 30s, 5m or 1h30m"),
        (
            "bogus: 1\n",
            "t.yaml:1:1: unknown key 'bogus' in the configuration (expected one of: refresh, theme, history, retention, targets, prometheus, alertmanager, logs, metrics, dashboards, alerts, keys, objectives, criteria, state_dir, journal_compact_after, launch, channels, contacts, rule_files)"
        ),
        ("targets:\n  - url: ftp://x\n", "t.yaml:2:10: url must be an http:// or https:// URL"),
        ("targets:\n  - name: a\n", "t.yaml:2:5: a target needs a url"),
        (
            "targets:\n  - {url: 'http://a:1/m', interval: 1s, timeout: 5s}\n",
            "t.yaml:2:5: timeout (5s) must not exceed interval (1s)"
        ),
        (
            "targets:\n  - {url: 'http://a:1/m', bearer_token: '${NOPE}'}\n",
            "t.yaml:2:41: bearer_token: environment variable NOPE is not set"
        ),
        (
            "metrics:\n  a:\n    query: rate(x[5m:0s])\n",
            "t.yaml:3:22: query of metric a: the subquery step must be positive (query column 11)"
        ),
        (
            "metrics:\n  a:\n    query: sum(x\n",
            "t.yaml:3:17: query of metric a: expected ')', found end of input (query column 6)"
        ),
        (
            "metrics:\n  a:\n    query: up\n    threshold: {warning: 1}\n",
            "t.yaml:4:16: threshold of a needs warning and critical"
        ),
        (
            "metrics:\n  a:\n    query: up\n    threshold: {warning: x, critical: 2}\n",
            "t.yaml:4:26: warning must be a number"
        ),
        ("metrics:\n  a:\n    name: A\n", "t.yaml:2:3: metric a needs a query"),
        (
            "metrics:\n  a: {query: up, colour: red}\n",
            "t.yaml:2:18: unknown key 'colour' in metric a (expected one of: name, unit, query, threshold, chart, aggregation, description, datasource, legend, decimals, no_value, mappings, min, max)"
        ),
        (
            "dashboards:\n  - name: M\n    panels:\n      - {title: X, type: pie, metrics: []}\n",
            "t.yaml:4:26: panel type must be one of stat, graph, table, log, status, note"
        ),
        (
            "dashboards:\n  - name: M\n    panels:\n      - {title: X, type: stat, metrics: [nope]}\n",
            "t.yaml:4:42: undefined metric 'nope' (define it under metrics:)"
        ),
        (
            "alerts:\n  severities: {high: {timeout: 30}}\n",
            "t.yaml:2:32: timeout must be a duration like 30s, 5m or 1h30m"
        ),
        (
            "metrics: {e: {query: up}}\nalerts:\n  severities: {high: {timeout: 30m}}\n  rules:\n    - {name: R, condition: e > 5, for: 5m, severity: mega}\n",
            "t.yaml:5:54: unknown severity 'mega' (defined: high)"
        ),
        (
            "alerts:\n  severities: {high: {timeout: 30m}}\n  rules:\n    - {name: R, condition: zzz > 5, for: 5m, severity: high}\n",
            "t.yaml:4:28: condition names undefined metric 'zzz'"
        ),
        (
            "metrics: {e: {query: up}}\nalerts:\n  severities: {high: {timeout: 30m}}\n  rules:\n    - {name: R, condition: e > 5, for: 5q, severity: high}\n",
            "t.yaml:5:40: for must be a duration like 30s, 5m or 1h30m"
        ),
        (
            "targets: [{name: a, url: 'http://127.0.0.1:9/m'}]\nalerts:\n  severities: {high: {timeout: 30m}}\n  target_down: {severity: page}\n",
            "t.yaml:4:27: unknown severity 'page' (defined: high)"
        ),
        (
            "alerts:\n  target_down: maybe\n",
            "t.yaml:2:16: target_down (off, or a mapping with severity and for) must be true or false"
        ),
        ("targets: [\n", "t.yaml:2:1: YAML: did not find expected node content"),
        (
            "journal_compact_after: lots\n",
            "t.yaml:1:24: journal_compact_after must be a size like 4MiB (0: never compact)"
        ),
    ])
    func reportsErrorWithPosition(_ yaml: String, _ expected: String) {
        let found = errors(yaml)
        #expect(found.contains(expected), "got \(found)")
    }

    @Test func journalCompactionSize() throws {
        #expect(try ConfigLoader.parse("journal_compact_after: 2MiB\n", file: "t.yaml").journalCompactAfter == 2 << 20)
        #expect(try ConfigLoader.parse("journal_compact_after: 0\n", file: "t.yaml").journalCompactAfter == 0)
        #expect(try ConfigLoader.parse("refresh: 2s\n", file: "t.yaml").journalCompactAfter == 4 << 20)
    }

    @Test func everyErrorIsReportedInFileOrder() {
        let found = errors("refresh: 2x\ntheme: 3\nmetrics:\n  a: {query: 'sum('}\n  b: {query: up, x: 1}\n")
        #expect(found.count == 3)
        #expect(found.map { $0.split(separator: ":")[1] } == ["1", "4", "5"])
    }

    @Test func secretsComeFromEnvironmentOrFileAndNeverPrint() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-token-\(UUID().uuidString)")
        try "from-file\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let yaml = """
            targets:
              - {name: a, url: 'http://127.0.0.1:1/m', bearer_token: '${TOKEN}'}
              - {name: b, url: 'http://127.0.0.1:2/m', bearer_token_file: '\(file.path)'}
              - {name: c, url: 'https://127.0.0.1:3/m', basic_auth: {username: u, password: '${PW}'}, tls: {insecure_skip_verify: true}}
            """
        let c = try ConfigLoader.parse(yaml, file: "t.yaml", environment: ["TOKEN": "from-env", "PW": "pw"])
        #expect(c.targets[0].bearerToken?.value == "from-env")
        #expect(c.targets[1].bearerToken?.value == "from-file")
        #expect(c.targets[2].basicAuth?.password.value == "pw")
        #expect(c.targets[2].insecureSkipVerify)
        for t in c.targets {
            #expect(!String(describing: t).contains("from-") && !String(reflecting: t).contains("pw\""))
        }
    }

    @Test func durations() {
        #expect(PromDuration("1h30m")?.milliseconds == 5_400_000)
        #expect(PromDuration("250ms")?.milliseconds == 250)
        #expect(PromDuration("2d")?.milliseconds == 172_800_000)
        for bad in ["", "5", "m", "5m1h", "1.5h", "5mm", "-5m"] { #expect(PromDuration(bad) == nil, "\(bad)") }
        #expect(PromDuration(milliseconds: 5_400_000).description == "1h30m")
    }
}

/// The grid fields every dashboard panel may set: each changes what is
/// drawn, and a value that cannot is an error at its position.
@Suite struct LayoutConfigTests {
    func errors(_ panels: String, columns: String = "") -> [String] {
        let yaml = """
            metrics:
              m: {query: up}
            dashboards:
              - name: Main\(columns)
                panels:
            \(panels)
            """
        do {
            _ = try ConfigLoader.parse(yaml, file: "t.yaml")
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    @Test func widthsHeightsColumnsAndColoursAreChecked() throws {
        #expect(
            errors(
                """
                      - {title: A, type: stat, metrics: [m], width: 3}
                      - {title: B, type: stat, metrics: [m], height: 25}
                      - {title: C, type: stat, metrics: [m], colors: [green, red]}
                      - {title: D, type: stat, metrics: [m], colors: [green, yellow, purple]}
                """) == [
                    "t.yaml:6:53: width 3 is wider than the dashboard's 2 columns (set columns: on the dashboard)",
                    "t.yaml:7:54: height must be 1 to 24",
                    "t.yaml:8:54: colors lists three colours: for OK, WARN and CRIT (e.g. [green, yellow, red])",
                    "t.yaml:9:54: unknown colour 'purple' (one of black, blue, bright_blue, bright_cyan, bright_green, "
                        + "bright_magenta, bright_red, bright_white, bright_yellow, cyan, default, gray, green, magenta, "
                        + "orange, red, white, yellow)",
                ])
        #expect(errors("      - {title: A, type: stat, metrics: [m], width: 3}", columns: "\n    columns: 3").isEmpty)
        #expect(
            errors("      - {title: A, type: stat, metrics: [m]}", columns: "\n    columns: 25") == [
                "t.yaml:5:14: columns must be 1 to 24"
            ])
        let c = try ConfigLoader.parse(
            """
            metrics:
              m: {query: up}
            dashboards:
              - name: Main
                columns: 3
                panels:
                  - {title: A, type: stat, metrics: [m], width: 2, height: 2, colors: [blue, magenta, cyan]}
            """, file: "t.yaml")
        let p = c.dashboards[0].panels[0]
        #expect(
            c.dashboards[0].columns == 3 && p.width == 2 && p.height == 2 && p.colors == ["blue", "magenta", "cyan"])
    }
}

/// Decoding and resolution are two steps: a document built by another
/// reader (an importer) resolves through the same rules and errors.
@Suite struct ConfigResolverTests {
    static let yaml = """
        targets: [{name: api, url: "http://127.0.0.1:9/metrics"}]
        metrics:
          err: {name: Errors, query: 'sum(rate(errors_total[1m]))'}
        dashboards:
          - name: Main
            panels: [{title: Errors, type: graph, metrics: [err]}]
        alerts:
          severities: {high: {name: High}}
          rules: [{name: Errors High, condition: err > 5, for: 1m, severity: high}]
        """

    static func document() throws -> ConfigDocument {
        var doc = ConfigDocument(file: "imported.json")
        doc.settings.targets = [TargetConfig(name: "api", url: "http://127.0.0.1:9/metrics")]
        let q = "sum(rate(errors_total[1m]))"
        doc.metrics = [
            MetricDefinition(
                id: "err", name: "Errors", unit: "", queryText: q, query: try QueryParser.parse(q), threshold: nil,
                chart: "line", aggregation: nil, description: nil)
        ]
        let at = SourcePosition(line: 3, column: 7)
        doc.dashboards = [
            DashboardSpec(
                name: "Main", columns: nil,
                panels: [
                    PanelSpec(
                        panel: Panel(title: "Errors", type: .graph, metrics: []), metrics: [Located("err", at: at)],
                        source: nil, widthAt: at)
                ], at: at)
        ]
        doc.severities = try ConfigLoader.parse(yaml, file: "t.yaml").alerts.severities
        doc.rules = [
            RuleSpec(
                name: "Errors High", condition: Located("err > 5", at: at), expr: nil,
                holdFor: PromDuration(milliseconds: 60_000), keepFiringFor: nil, severity: Located("high", at: at),
                description: nil, action: nil, at: at)
        ]
        return doc
    }

    /// Target Down is built in: on with a target, off when asked, its
    /// severity and hold taken from the configuration when given.
    @Test func theTargetDownRuleIsBuiltInAndConfigurable() throws {
        let base =
            "targets: [{name: a, url: 'http://127.0.0.1:9/m', interval: 15s}]\nalerts:\n  severities: {high: {timeout: 30m}, low: {timeout: 1h}}\n"
        let plain = try ConfigLoader.parse(base, file: "t.yaml")
        let rule = try #require(plain.alerts.rules.first)
        #expect(plain.alerts.rules.count == 1)
        #expect(
            (rule.name, rule.promql, rule.severity, rule.holdFor.milliseconds) == (
                "Target Down", "up == 0", "high", 30_000
            ))
        let tuned = try ConfigLoader.parse(base + "  target_down: {severity: low, for: 1m}\n", file: "t.yaml")
        #expect(tuned.alerts.rules.map(\.severity) == ["low"])
        #expect(tuned.alerts.rules.map(\.holdFor.milliseconds) == [60_000])
        #expect(try ConfigLoader.parse(base + "  target_down: off\n", file: "t.yaml").alerts.rules.isEmpty)
        #expect(try ConfigLoader.parse(base + "  target_down: {enabled: false}\n", file: "t.yaml").alerts.rules.isEmpty)
        // Nothing to watch, nothing built in.
        #expect(
            try ConfigLoader.parse("alerts:\n  severities: {high: {timeout: 30m}}\n", file: "t.yaml").alerts.rules
                .isEmpty)
    }

    @Test func aDocumentFromAnotherReaderResolvesLikeTheYAML() throws {
        let fromYAML = try ConfigLoader.parse(Self.yaml, file: "t.yaml")
        let (config, errors) = ConfigResolver.resolve(try Self.document())
        #expect(errors.isEmpty)
        #expect(config.alerts.rules.map(\.promql) == fromYAML.alerts.rules.map(\.promql))
        #expect(config.alerts.rules.map(\.promql) == ["(sum(rate(errors_total[1m]))) > 5", "up == 0"])
        #expect(config.alerts.rules.map(\.metric) == ["err", nil])
        #expect(
            config.dashboards.map { $0.panels.map(\.metrics) } == fromYAML.dashboards.map { $0.panels.map(\.metrics) })
        #expect(config.metrics.map(\.remote) == [false])
    }

    @Test func itsBrokenReferencesAreErrorsAtTheirPositions() throws {
        var doc = try Self.document()
        doc.dashboards[0].panels[0].metrics = [Located("nope", at: SourcePosition(line: 12, column: 5))]
        doc.rules[0].severity = Located("urgent", at: SourcePosition(line: 20, column: 9))
        doc.datasources["err"] = Located("prometheus", at: SourcePosition(line: 4, column: 3))
        let (_, errors) = ConfigResolver.resolve(doc)
        #expect(
            errors.map(\.description).sorted() == [
                "imported.json:12:5: undefined metric 'nope' (define it under metrics:)",
                "imported.json:20:9: unknown severity 'urgent' (defined: high)",
                "imported.json:4:3: datasource prometheus needs a prometheus: section",
            ])
    }
}
