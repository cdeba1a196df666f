import Foundation
import Testing

@testable import VigilCore

/// Prometheus rule files: read with promtool's checks, every mistake at
/// its line and column; their rules joined to the alert engine.
struct RuleFileTests {
    static let good = """
        groups:
          - name: api
            interval: 30s
            rules:
              - record: job:requests:rate1m
                expr: sum by (job) (rate(http_requests_total[1m]))
              - alert: ApiDown
                expr: up{job="api"} == 0
                for: 2m
                keep_firing_for: 1m
                labels: {severity: page, team: '{{ $labels.job }}'}
                annotations:
                  summary: '{{ $labels.instance }} is down'
                  runbook_url: https://runbooks.example/api-down
          - name: more
            rules:
              - alert: ApiDown
                expr: absent(up{job="api"})
        """

    @Test func readsGroupsAndRules() throws {
        let file = try RuleFileLoader.parse(Self.good, path: "r.yml")
        #expect(file.groups.map(\.name) == ["api", "more"])
        #expect(file.groups[0].intervalMs == 30_000)
        #expect(file.groups[0].rules.map(\.kind) == [.record, .alert])
        let alert = file.groups[0].rules[1]
        #expect(alert.holdFor.milliseconds == 120_000 && alert.keepFiringFor?.milliseconds == 60_000)
        #expect(alert.staticLabels == ["severity": "page"])
        #expect(alert.annotations.map(\.0) == ["summary", "runbook_url"])
    }

    @Test func everyKindOfMistakeAtItsPlace() {
        let text = """
            groups:
              - name: g
                rules:
                  - alert: X
                    expr: up ==
                  - record: bad name
                    expr: up
                  - alert: Y
                    expr: up
                    annotations:
                      s: '{{ .Foo '
                  - expr: up
                  - record: r
                    expr: up
                    for: 5m
                  - alert: Z
                    expr: up
                    labels: {0bad: x}
                    wat: 1
              - name: g
                rules: []
            """
        var errors: [String] = []
        do {
            _ = try RuleFileLoader.parse(text, path: "bad.yml")
        } catch {
            errors = error.errors.map(\.description)
        }
        #expect(
            errors == [
                "bad.yml:5:20: group 'g', rule 1, 'X': could not parse expression: unexpected end of query (query column 6)",
                "bad.yml:6:17: group 'g', rule 2, 'bad name': invalid recording rule name: bad name",
                "bad.yml:11:14: group 'g', rule 3, 'Y': annotation s: template: unclosed action (template line 1)",
                "bad.yml:12:9: group 'g', rule 4, '': one of 'record' or 'alert' must be set",
                "bad.yml:15:14: group 'g', rule 5, 'r': invalid field 'for' in recording rule",
                "bad.yml:18:18: group 'g', rule 6, 'Z': invalid label name: 0bad",
                "bad.yml:19:9: unknown key 'wat' in a rule (expected one of: alert, record, expr, for, keep_firing_for, labels, annotations)",
                "bad.yml:20:5: groupname: 'g' is repeated in the same file",
            ])
    }

    @Test func alertingRulesJoinTheEngineWithThePlansSeverities() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.good.write(to: dir.appendingPathComponent("api.rules.yml"), atomically: true, encoding: .utf8)
        let config = try ConfigLoader.parse(
            """
            targets: [{name: api, url: 'http://127.0.0.1:9/metrics'}]
            alerts:
              severities:
                critical: {name: Critical, color: red}
                high: {name: High, color: orange}
                low: {name: Low, color: blue}
            rule_files:
              files: ['*.rules.yml']
              severities: {page: high}
              external_labels: {cluster: eu}
            """, file: dir.appendingPathComponent("vigil.yaml").path)
        let rules = config.alerts.rules.filter { $0.imported != nil }
        // One alert name twice in the file: two rules in Vigil, one name outside.
        #expect(rules.map(\.name) == ["ApiDown", "ApiDown #2"])
        #expect(rules.map(\.alertName) == ["ApiDown", "ApiDown"])
        // `page` mapped by the configuration; no severity label: the least severe.
        #expect(rules.map(\.severity) == ["high", "low"])
        #expect(config.alerts.recordingRules.map(\.name) == ["job:requests:rate1m"])
        #expect(config.alerts.recordingRules[0].groupIntervalMs == 30_000)
        let labels = rules[0].alertLabels(Labels(["__name__": "up", "job": "api", "instance": "a:1"]), value: 0)
        #expect(labels == Labels(["job": "api", "instance": "a:1", "severity": "page", "team": "api"]))
        #expect(rules[0].describe(labels: ["instance": "a:1"], value: 0) == "a:1 is down")
        #expect(rules[0].actionText(labels: [:], value: 0) == "runbook: https://runbooks.example/api-down")
        // Alertmanager hears the file's own name and severity word.
        let alert = Alert(
            key: AlertKey(rule: "ApiDown #2", labels: Labels(["job": "api"])), severity: "low", state: .firing,
            activeSinceMs: 0, lastTrueMs: 0, value: 1)
        #expect(
            AlertmanagerPush.labels(alert, rule: rules[1]) == ["alertname": "ApiDown", "job": "api", "severity": "low"])
    }

    @Test func aBrokenRuleIsLeftOutAndTheRestLoads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
        groups:
          - name: g
            rules:
              - alert: Fine
                expr: up == 0
              - alert: Unsupported
                expr: info(up)
              - alert: BadTemplate
                expr: up == 0
                annotations: {summary: '{{ $value | nosuch }}'}
              - alert: Queried
                expr: up == 0
                annotations: {summary: '{{ with query "up" }}{{ . | first | value }}{{ end }} targets', runbook_url: '{{ graphLink "up" }}'}
        """.write(to: dir.appendingPathComponent("team.yml"), atomically: true, encoding: .utf8)
        let config = try ConfigLoader.parse(
            """
            targets: [{name: api, url: 'http://127.0.0.1:9/metrics'}]
            alerts: {severities: {critical: {name: C, color: red}}}
            rule_files: [team.yml]
            """, file: dir.appendingPathComponent("v.yaml").path)
        #expect(config.alerts.rules.compactMap(\.imported).map(\.alertName) == ["Fine", "Queried"])
        // Valid in Prometheus, beyond Vigil: the alert stays, its text says so.
        let queried = try #require(config.alerts.rules.first { $0.name == "Queried" })
        #expect(
            queried.annotations(labels: [:], value: 1) == [
                "summary": "(not rendered by Vigil: {{with}} is not supported in Vigil's alert templates)",
                "runbook_url": "(not rendered by Vigil: graphLink is not supported in Vigil's alert templates)",
            ])
        #expect(
            config.alerts.ruleFileProblems.map(\.description) == [
                "\(dir.path)/team.yml:7:15: group 'g', rule 2, 'Unsupported': could not parse expression: unknown or unsupported function 'info' (query column 1)",
                "\(dir.path)/team.yml:10:32: group 'g', rule 3, 'BadTemplate': annotation summary: template: function \"nosuch\" not defined (template line 1)",
            ])
    }

    @Test func configurationMistakesAboutRuleFiles() {
        func errors(_ yaml: String) -> [String] {
            do {
                _ = try ConfigLoader.parse(yaml, file: "/nonexistent-dir/v.yaml")
                return []
            } catch { return error.errors.map(\.description) }
        }
        #expect(
            errors(
                """
                alerts:
                  severities: {critical: {name: C, color: red}}
                rule_files: [rules/*.yml]
                """) == ["/nonexistent-dir/v.yaml:3:14: rule file 'rules/*.yml' matches no file"])
        #expect(
            errors(
                """
                alerts:
                  severities: {critical: {name: C, color: red}}
                rule_files: {files: [], severities: {page: urgent}, default_severity: nope}
                """) == [
                    "/nonexistent-dir/v.yaml:3:44: severity 'page' maps to unknown severity 'urgent' (defined: critical)",
                    "/nonexistent-dir/v.yaml:3:71: default_severity 'nope' is not a defined severity",
                ])
        #expect(
            errors("rule_files: {files: []}") == [
                "/nonexistent-dir/v.yaml:1:13: rule files need alerts.severities to map their severity labels onto"
            ])
    }
}
