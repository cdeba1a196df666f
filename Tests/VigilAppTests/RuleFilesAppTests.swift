import Foundation
import Testing
import VigilApp
import VigilCore
import VigilUI

/// A team's Prometheus rule file in the configuration, fed messages: its
/// recording rules write series a panel shows, a group's `interval:` is
/// kept, its alerting rule fires through Vigil's engine with its labels,
/// and the Alerts screen reads its rendered annotations.
@Suite struct RuleFilesAppTests {
    static let rules = """
        groups:
          - name: recorded
            rules:
              - record: service:errors:max
                expr: max by (service) (errors_percent)
          - name: slow
            interval: 20s
            rules:
              - record: service:errors:slow
                expr: max by (service) (errors_percent)
          - name: alerts
            rules:
              - alert: ApiErrors
                expr: service:errors:max > 5
                for: 30s
                labels: {severity: page}
                annotations:
                  summary: 'errors at {{ humanize $value }}% on {{ $labels.service | toUpper }}'
                  runbook_url: https://runbooks.example/api-errors
        """

    func config(rules: String = rules) throws -> (VigilConfig, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try rules.write(to: dir.appendingPathComponent("team.rules.yml"), atomically: true, encoding: .utf8)
        let yaml = """
            refresh: 2s
            targets:
              - {name: api, url: "http://127.0.0.1:9/metrics", interval: 5s}
            metrics:
              recorded: {name: Recorded Errors, unit: "%", query: 'service:errors:max', threshold: {warning: 1, critical: 5}}
            dashboards:
              - name: Main
                panels:
                  - {title: Recorded Errors, type: stat, metrics: [recorded]}
            alerts:
              severities:
                critical: {name: Critical, color: red}
                low: {name: Low, color: blue}
            rule_files: [team.rules.yml]
            """
        return (try ConfigLoader.parse(yaml, file: dir.appendingPathComponent("vigil.yaml").path), dir)
    }

    @Test func recordedSeriesAlertsAndAnnotations() throws {
        let (config, dir) = try config()
        defer { try? FileManager.default.removeItem(at: dir) }
        var h = Harness(config)
        h.answer = AppTests.errors(9)
        h.run(forMs: 60_000)
        let key = AlertKey(rule: "ApiErrors", labels: Labels(["service": "api", "severity": "page"]))
        let alert = try #require(h.app.alerts.engine.alerts[key], "\(h.app.alerts.engine.alerts.keys)")
        #expect(alert.state == .firing && alert.severity == "critical")
        // The recorded series is in the store, under its name, every 2 s;
        // the slow group's only every 20 s.
        let fast = h.engine.store.series(
            matching: [try LabelMatcher("__name__", .equal, "service:errors:max")], minT: 0, maxT: .max)
        let slow = h.engine.store.series(
            matching: [try LabelMatcher("__name__", .equal, "service:errors:slow")], minT: 0, maxT: .max)
        let fastTimes = try #require(fast.first).points.map(\.t)
        let slowTimes = try #require(slow.first).points.map(\.t)
        #expect(zip(fastTimes, fastTimes.dropFirst()).allSatisfy { $1 - $0 <= 2_000 })
        #expect(slowTimes.count >= 2)
        #expect(
            zip(slowTimes, slowTimes.dropFirst()).allSatisfy { (19_000...21_000).contains($1 - $0) }, "\(slowTimes)")
        // A panel shows the recorded series; the Alerts screen the rule
        // file's words, rendered for this alert.
        let main = h.screen(width: 60, height: 12)
        #expect(main[4] == "┃                        9%  ✖ CRIT                        ┃", "\(main)")
        h.press(.char("A"))
        let screen = h.screen(width: 110, height: 14)
        #expect(
            Array(screen[5...8]) == [
                "┃>FIRING   critical  29s                9  ApiErrors {service=api s… not escalated (Critical)                ┃",
                "┃────────────────────────────────────────────────────────────────────────────────────────────────────────────┃",
                "┃ ApiErrors {service=api severity=page}: service:errors:max > 5 — errors at 9% on API                        ┃",
                "┃ action: runbook: https://runbooks.example/api-errors                                                       ┃",
            ], "\(screen)")
        #expect(screen.contains { $0.contains("runbook: https://runbooks.example/api-errors") }, "\(screen)")
    }

    @Test func aRuleLeftOutIsSaidOnTheAlertsScreen() throws {
        let (config, dir) = try config(
            rules: """
                groups:
                  - name: g
                    rules:
                      - alert: Later
                        expr: info(up)
                """)
        defer { try? FileManager.default.removeItem(at: dir) }
        var h = Harness(config)
        h.answer = AppTests.errors(1)
        h.run(forMs: 10_000)
        h.press(.char("A"))
        let screen = h.screen(width: 130, height: 12)
        #expect(
            Array(screen[4...5]) == [
                "┃ No alert is firing or pending.                                                                                                 ┃",
                "┃ rule file team.rules.yml:5:15: left out: group 'g', rule 1, 'Later': could not parse expression: unknown or unsupported functio┃",
            ],
            "\(screen)")
    }
}
