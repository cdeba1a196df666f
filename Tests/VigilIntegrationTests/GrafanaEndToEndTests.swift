import Foundation
import Testing
import VigilCore
import VigilUI

/// Imported Grafana dashboards drawn by `vigil --once` against real
/// exporters: the demo exporter (the fixture as a `grafana:` entry of the
/// configuration) and Debian's node exporter (`vigil import grafana`'s
/// YAML). Each value on screen is what `vigil query` gives for the
/// panel's expression, formatted in the panel's unit.
@Suite(.serialized) struct GrafanaEndToEndTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/grafana")

    func query(_ expr: String, _ url: String) throws -> Double {
        let out = try Support.run(Support.vigil, ["query", expr, "--target", url, "--over", "1s", "--interval", "1s"])
        let text = try #require(out.stdout.split(separator: " ").last, "\(out.stderr)")
        return try #require(Double(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// A panel's text on a line of the frame: its segment between borders.
    func segments(_ line: String) -> [String] {
        line.split(whereSeparator: { "┃│".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test func theFixtureAgainstTheDemoExporter() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Support.freePort()
        let demo = try Support.start(
            Support.vigil, ["demo", "--listen", "127.0.0.1:\(port)", "--start", "100", "--freeze"],
            log: dir.appendingPathComponent("demo.log"))
        defer { Support.stop(demo) }
        let url = "http://127.0.0.1:\(port)/metrics"
        try Support.waitReady(url)
        let config = dir.appendingPathComponent("vigil.yaml")
        try """
        refresh: 1s
        targets: [{name: demo, url: "\(url)", interval: 2s}]
        dashboards:
          - grafana: \(Self.fixtures.appendingPathComponent("launch-overview.json").path)
            vars: {service: [api, checkout]}
        """.write(to: config, atomically: true, encoding: .utf8)
        let check = try Support.run(Support.vigil, ["check", "config", config.path])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("2 dashboards with 9 panels"), "\(check.stdout)")
        // Panels Vigil cannot draw are listed, each with its reason.
        #expect(
            check.stderr.split(separator: "\n").filter { $0.contains("unsupported panel type") }.map(String.init) == [
                "\(Self.fixtures.path)/launch-overview.json: panel 'Traffic share': unsupported panel type 'piechart'"
            ])
        let memory = try query(
            "100 * (1 - sum(node_memory_MemAvailable_bytes) / sum(node_memory_MemTotal_bytes))", url)
        let frame = try Support.run(
            Support.vigil,
            [
                "--once", "--config", config.path, "--size", "120x20", "--wait", "8s", "--color", "never",
                "--state-dir", dir.appendingPathComponent("state").path,
            ])
        #expect(frame.status == 0, "\(frame.stderr)")
        let screen = frame.stdout.split(separator: "\n").map(String.init)
        #expect(screen.count == 20)
        #expect(
            screen[0]
                == " Vigil  1 Launch Overview  2 Launch Overview / Details for api + checkout  A Alerts  I Incidents  S Silences  O Objectiv"
        )
        // Its thresholds: yellow from 80%, red from 90%.
        let state = memory >= 90 ? "✖ CRIT" : memory >= 80 ? "! WARN" : "✓ OK"
        #expect(segments(screen[2]).last == "\(ValueFormat.format(memory, unit: "%"))  \(state)", "\(frame.stdout)")
        // The text panel, as text.
        #expect(
            screen.contains { segments($0) == ["Roll back with vigil launch rollback when the error ratio is red."] })
        // The collapsed row is the second dashboard: its notes say why.
        let row = try Support.run(
            Support.vigil,
            [
                "--once", "--config", config.path, "--size", "120x14", "--wait", "8s", "--color", "never",
                "--dashboard", "2", "--state-dir", dir.appendingPathComponent("state").path,
            ])
        let rowScreen = row.stdout.split(separator: "\n").map { segments(String($0)) }
        // The piechart's note, wrapped in its narrow panel; the logs panel's beside it.
        let at = try #require(
            rowScreen.firstIndex { $0.count == 3 && $0[1] == "unsupported panel type" }, "\(row.stdout)")
        #expect(rowScreen[at] == ["instance        job  value", "unsupported panel type", "logs panel: no Loki log"])
        #expect(rowScreen[at + 1].dropFirst().map { $0 } == ["'piechart'", "source named 'loki-main'"])
    }

    @Test func printedYAMLAgainstNodeExporter() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (exporter, url) = try Support.startNodeExporter(logDirectory: dir)
        defer { Support.stop(exporter) }
        let json = dir.appendingPathComponent("node.json")
        try """
        {
          "title": "Node",
          "templating": {"list": [{"name": "mode", "type": "custom", "query": "idle,user", "current": {"value": "idle"}}]},
          "panels": [
            {"id": 1, "type": "stat", "title": "CPUs ($mode)", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 4},
             "targets": [{"refId": "A", "expr": "count(node_cpu_seconds_total{mode=\\"$mode\\"})"}]},
            {"id": 2, "type": "stat", "title": "Memory", "gridPos": {"x": 12, "y": 0, "w": 12, "h": 4},
             "fieldConfig": {"defaults": {"unit": "decbytes"}},
             "targets": [{"refId": "A", "expr": "node_memory_MemTotal_bytes"}]},
            {"id": 3, "type": "news", "title": "News", "gridPos": {"x": 0, "y": 4, "w": 24, "h": 4}}
          ]
        }
        """.write(to: json, atomically: true, encoding: .utf8)
        let printed = try Support.run(Support.vigil, ["import", "grafana", json.path])
        #expect(printed.status == 0, "\(printed.stderr)")
        let config = dir.appendingPathComponent("vigil.yaml")
        try ("refresh: 1s\ntargets: [{name: node, url: \"\(url)\", interval: 2s}]\n" + printed.stdout).write(
            to: config, atomically: true, encoding: .utf8)
        let cpus = try query("count(node_cpu_seconds_total{mode=\"idle\"})", url)
        let memory = try query("node_memory_MemTotal_bytes", url)
        let frame = try Support.run(
            Support.vigil,
            [
                "--once", "--config", config.path, "--size", "80x16", "--wait", "8s", "--color", "never",
                "--state-dir", dir.appendingPathComponent("state").path,
            ])
        #expect(frame.status == 0, "\(frame.stderr)")
        let screen = frame.stdout.split(separator: "\n").map(String.init)
        #expect(screen[1].hasPrefix("┏ CPUs (idle) ") && screen[1].contains("┌ Memory "), "\(frame.stdout)")
        let values = screen.map(segments).first { $0.count == 2 && $0.allSatisfy { !$0.isEmpty } }
        #expect(
            values == [
                "\(ValueFormat.format(cpus, unit: ""))  ✓ OK", "\(ValueFormat.format(memory, unit: "decbytes"))  ✓ OK",
            ], "\(frame.stdout)")
        #expect(screen.contains { segments($0) == ["unsupported panel type 'news'"] }, "\(frame.stdout)")
    }

    /// The variable picker in a real terminal: `v` opens it over the
    /// dashboard, right steps the variable to its next value, Enter
    /// applies it, and the panel's title and query follow.
    @Test func theVariablePickerUnderTmux() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (exporter, url) = try Support.startNodeExporter(logDirectory: dir)
        defer { Support.stop(exporter) }
        try """
        {
          "title": "Node",
          "templating": {"list": [{"name": "mode", "type": "custom", "query": "idle,user", "current": {"value": "idle"}}]},
          "panels": [
            {"id": 1, "type": "stat", "title": "CPUs in $mode", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 8},
             "targets": [{"refId": "A", "expr": "count(node_cpu_seconds_total{mode=\\"$mode\\"})"}]}
          ]
        }
        """.write(to: dir.appendingPathComponent("node.json"), atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("vigil.yaml")
        try "refresh: 1s\ntargets: [{name: node, url: \"\(url)\", interval: 2s}]\ndashboards:\n  - grafana: node.json\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let t = try TmuxSession(
            width: 80, height: 16,
            command: "\(Support.vigil) --config \(config.path) --state-dir \(dir.appendingPathComponent("state").path)")
        t.waitFor("CPUs in idle")
        try t.keys("v")
        let picker = t.wait("the picker") { $0.contains("Variables") }
        #expect(
            picker.split(separator: "\n").contains {
                $0 == "┃         ┃ mode  < idle >  2 choices                                ┃         ┃"
            }, "\(picker)")
        try t.keys("Right", "Enter")
        let after = t.wait("the panel for user") { $0.contains("CPUs in user") && !$0.contains("Variables") }
        #expect(!after.contains("ERROR"), "\(after)")
        try t.keys("q")
        t.waitFor("EXITED 0")
    }
}
