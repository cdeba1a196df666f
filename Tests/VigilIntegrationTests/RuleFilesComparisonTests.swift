import Foundation
import Testing

/// Rule files and their unit tests, run by `vigil test rules` and by
/// Debian's `promtool test rules` (Prometheus 2.42): the same verdict on
/// every test file, the one its name intends (`.pass.yml` / `.fail.yml`,
/// so both cannot be wrong together), and for a failing test the same
/// failure text. `vigil check rules` and `promtool check rules` agree on
/// a good file and on a broken one.
@Suite(.serialized) struct RuleFilesComparisonTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/rules")
    static let promtool = "/usr/bin/promtool"

    /// Lines with text: promtool writes blank lines where Vigil does not.
    func lines(_ s: String) -> [String] { s.split(separator: "\n").map(String.init) }

    @Test func sameVerdictAndFailureTextAsPromtool() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path)
            .filter { $0.hasSuffix(".pass.yml") || $0.hasSuffix(".fail.yml") }.sorted()
        #expect(files.count >= 9)
        var passing = 0
        for name in files {
            let path = Self.fixtures.appendingPathComponent(name).path
            let theirs = try Support.run(Self.promtool, ["test", "rules", path])
            let ours = try Support.run(Support.vigil, ["test", "rules", path])
            let intended: Int32 = name.hasSuffix(".pass.yml") ? 0 : 1
            #expect(theirs.status == intended, "promtool on \(name): \(theirs.stderr)")
            #expect(ours.status == intended, "vigil on \(name): \(ours.stderr)")
            #expect(lines(ours.stdout) == ["Unit Testing:  \(path)"] + (intended == 0 ? ["  SUCCESS"] : []))
            if intended == 1 {
                #expect(lines(ours.stderr) == lines(theirs.stderr), "\(name)")
            } else {
                passing += 1
            }
        }
        #expect(passing >= 6)
    }

    @Test func checkRulesAgreesWithPromtool() throws {
        let good = Self.fixtures.appendingPathComponent("launch-rules.yml").path
        let theirs = try Support.run(Self.promtool, ["check", "rules", good])
        let ours = try Support.run(Support.vigil, ["check", "rules", good])
        #expect(theirs.status == 0 && ours.status == 0)
        #expect(lines(theirs.stdout) == ["Checking \(good)", "  SUCCESS: 9 rules found"])
        #expect(
            lines(ours.stdout) == [
                "Checking \(good)", "  SUCCESS: 9 rules found (3 groups: 6 alerting, 3 recording)",
            ])

        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.yml")
        try """
        groups:
          - name: g
            rules:
              - alert: X
                expr: rate(up[5m]
              - record: job:up
                expr: up
                annotations: {a: b}
        """.write(to: bad, atomically: true, encoding: .utf8)
        let theirsBad = try Support.run(Self.promtool, ["check", "rules", bad.path])
        let oursBad = try Support.run(Support.vigil, ["check", "rules", bad.path])
        #expect(theirsBad.status == 1 && oursBad.status == 1)
        // Both name the two rules; Vigil points at the column in the query.
        #expect(theirsBad.stderr.contains("group \"g\", rule 1, \"X\": could not parse expression"))
        #expect(
            theirsBad.stderr.contains("group \"g\", rule 2, \"job:up\": invalid field 'annotations' in recording rule"))
        #expect(
            lines(oursBad.stderr) == [
                "  FAILED:",
                "\(bad.path):5:26: group 'g', rule 1, 'X': could not parse expression: expected ',' or ')', found end of input (query column 12)",
                "\(bad.path):8:22: group 'g', rule 2, 'job:up': invalid field 'annotations' in recording rule",
            ])
    }

    /// A rule file in a configuration against Debian's node exporter: the
    /// recording rule's series on a panel (the value `vigil query` gives
    /// for its expression) and the alerting rule firing in the status bar.
    @Test func recordingRuleOnAPanelAgainstNodeExporter() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (exporter, url) = try Support.startNodeExporter(logDirectory: dir)
        defer { Support.stop(exporter) }
        try """
        groups:
          - name: node
            rules:
              - record: instance:cpus:count
                expr: count without (cpu, mode) (node_cpu_seconds_total{mode="idle"})
              - alert: NodeSeen
                expr: up{job="node"} == 1
                labels: {severity: page}
        """.write(to: dir.appendingPathComponent("node.rules.yml"), atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("vigil.yaml")
        try """
        refresh: 1s
        targets: [{name: node, url: "\(url)", interval: 2s}]
        metrics:
          cpus: {name: CPUs, unit: "", query: 'instance:cpus:count'}
        dashboards: [{name: Node, panels: [{title: CPUs, type: stat, metrics: [cpus]}]}]
        alerts:
          severities:
            critical: {name: Critical, color: red}
            low: {name: Low, color: blue}
        rule_files: [node.rules.yml]
        """.write(to: config, atomically: true, encoding: .utf8)
        let check = try Support.run(Support.vigil, ["check", "config", config.path])
        #expect(
            lines(check.stdout) == [
                "\(config.path): valid: 1 targets, 1 metrics, 1 dashboards with 1 panels, 2 alert rules",
                "\(config.path): rule files: 1 alerting rules, 1 recording rules",
            ])
        let query = try Support.run(
            Support.vigil,
            [
                "query", "count without (cpu, mode) (node_cpu_seconds_total{mode=\"idle\"})", "--target", url, "--over",
                "1s", "--interval", "1s",
            ])
        let cpus = try #require(query.stdout.split(separator: " ").last).trimmingCharacters(in: .whitespacesAndNewlines)
        let frame = try Support.run(
            Support.vigil,
            [
                "--once", "--config", config.path, "--size", "60x12", "--wait", "8s", "--color", "never", "--state-dir",
                dir.appendingPathComponent("state").path,
            ])
        #expect(frame.status == 0, "\(frame.stderr)")
        let screen = lines(frame.stdout)
        #expect(screen.count == 12, "\(frame.stdout)")
        // The stat line, its value centred: exactly the count and its state.
        #expect(
            screen[4].trimmingCharacters(in: CharacterSet(charactersIn: "┃ ")) == "\(cpus)  ✓ OK", "\(frame.stdout)")
        #expect(screen[11].dropFirst(10) == "│ 1 FIRING, 1 unacked │ Node │ targets 1/1 up", "\(frame.stdout)")
    }
}
