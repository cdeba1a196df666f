import Testing
import VigilCore

@testable import VigilUI

/// What imported Grafana dashboards bring to the screen: note panels (a
/// text panel, a panel Vigil cannot draw) and one-sided thresholds (green
/// and yellow, no red), drawn as whole lines.
@Suite struct NotePanelTests {
    static let config = try! ConfigLoader.parse(
        """
        metrics:
          mem: {name: Memory, unit: "%", query: up, threshold: {warning: 80, critical: .inf}}
        dashboards:
          - name: Imported
            columns: 24
            panels:
              - {title: Memory, type: graph, metrics: [mem], width: 12}
              - {title: Runbook, type: note, text: "Roll back when red.\\nAsk #launch first.", width: 12}
              - {title: Share, type: note, text: "unsupported panel type 'piechart'", unsupported: true, width: 24}
        """, file: "t.yaml")

    @Test func notesAndAOneSidedThreshold() {
        let now: Int64 = 1_700_000_000_000
        let snapshot = Snapshot(
            timeMs: now,
            results: [
                "mem": MetricResult(
                    times: [1, 2, 3, 4],
                    series: [SeriesHistory(labels: Labels(), values: [70, 75, 82, 85], current: 85)],
                    error: nil)
            ],
            targets: [TargetStatus(name: "api", up: true, lastError: nil, lastSuccessMs: now - 1000, intervalMs: 5000)],
            refreshMs: 2000)
        let lines = DashboardView(config: Self.config, ascii: false).render(
            AppState(config: Self.config, themes: [.fallback]), snapshot, width: 80, height: 16
        ).lines
        #expect(
            Array(lines[1...14]) == [
                "┏ Memory ━━━━━━━━━━━━━━━━━━━━━━ ! WARN ┓┌ Runbook ─────────────────────────────┐",
                "┃now 85%   min 70%   max 85%           ┃│ Roll back when red.                  │",
                "┃                                      ┃│ Ask #launch first.                   │",
                "┃                                   ▁▅▇┃│                                      │",
                "┃                                  ▆███┃│                                      │",
                "┃60%–100%  warn 80%                    ┃│                                      │",
                "┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┛└──────────────────────────────────────┘",
                "┌ Share ───────────────────────────────────────────────────────────────────────┐",
                "│ unsupported panel type 'piechart'                                            │",
                "│                                                                              │",
                "│                                                                              │",
                "│                                                                              │",
                "│                                                                              │",
                "└──────────────────────────────────────────────────────────────────────────────┘",
            ], "\(lines.joined(separator: "\n"))")
    }

    @Test func mappedValuesDecimalsAndNoValue() {
        let config = try! ConfigLoader.parse(
            """
            metrics:
              disk: {name: Disk, unit: "%", query: up, mappings: [{from: 95, to: 100, text: full}]}
              load: {name: Load, query: up, decimals: 3}
              users: {name: Users, query: up, no_value: no users yet}
            dashboards:
              - name: D
                columns: 3
                panels:
                  - {title: Disk, type: stat, metrics: [disk]}
                  - {title: Load, type: stat, metrics: [load]}
                  - {title: Users, type: stat, metrics: [users]}
            """, file: "t.yaml")
        func one(_ v: Double) -> MetricResult {
            MetricResult(
                times: [1, 2], series: [SeriesHistory(labels: Labels(), values: [v, v], current: v)], error: nil)
        }
        let lines = Self.frame(
            config,
            ["disk": one(97), "load": one(1.5), "users": MetricResult(times: [1, 2], series: [], error: nil)],
            width: 60)
        #expect(
            [lines[4], lines[6]] == [
                "┃    full  ✓ OK    ┃│   1.500  ✓ OK    ││                  │",
                "┃               ██ ┃│               ██ ││   no users yet   │",
            ], "\(lines.joined(separator: "\n"))")
    }

    /// A table's text cells take the regex mappings (the first match
    /// replaced, `$1` its group), and its value column the value mappings,
    /// as a stat does.
    @Test func aTableMapsItsCellsAndValues() {
        let config = try! ConfigLoader.parse(
            """
            metrics:
              pods:
                query: up
                mappings: [{regex: "^checkout-(.*)$", text: "$1"}, {value: "1", text: up}, {value: "0", text: down}]
            dashboards:
              - name: D
                panels:
                  - {title: Pods, type: table, metrics: [pods], columns: [pod]}
            """, file: "t.yaml")
        func series(_ pod: String, _ v: Double) -> SeriesHistory {
            SeriesHistory(labels: Labels(["pod": pod]), values: [v, v], current: v)
        }
        let lines = Self.frame(
            config,
            [
                "pods": MetricResult(
                    times: [1, 2], series: [series("checkout-7f9c", 1), series("api-1", 0)], error: nil)
            ],
            width: 40)
        #expect(
            Array(lines[2...4]) == [
                "┃pod   value                           ┃",
                "┃7f9c  up                              ┃",
                "┃api-1 down                            ┃",
            ], "\(lines.joined(separator: "\n"))")
    }

    @Test func aRegexMappingThatIsNotOneIsAnError() {
        #expect(throws: ConfigErrors.self) {
            try ConfigLoader.parse(
                "metrics:\n  a: {query: up, mappings: [{regex: \"(\", text: x}]}\n", file: "t.yaml")
        }
        do {
            _ = try ConfigLoader.parse(
                "metrics:\n  a: {query: up, mappings: [{regex: \"(\", text: x}]}\n", file: "t.yaml")
        } catch {
            #expect(error.errors.map(\.description) == ["t.yaml:2:37: regex '(' is not a valid regular expression"])
        }
    }

    /// A metric with a scale (Grafana's gauge `min` and `max`) is drawn as
    /// a bar across it in place of the sparkline.
    @Test func aGaugeScaleIsABar() {
        let config = try! ConfigLoader.parse(
            """
            metrics:
              disk: {name: Disk, unit: "%", query: up, min: 0, max: 100, threshold: {warning: 80, critical: 90}}
            dashboards:
              - name: D
                panels:
                  - {title: Disk, type: stat, metrics: [disk]}
            """, file: "t.yaml")
        let lines = Self.frame(
            config,
            [
                "disk": MetricResult(
                    times: [1, 2], series: [SeriesHistory(labels: Labels(), values: [20, 25], current: 25)], error: nil)
            ],
            width: 42)
        #expect(
            Array(lines[4...6]) == [
                "┃               25%  ✓ OK                ┃",
                "┃                  ↑ 5%                  ┃",
                "┃ ██████████░░░░░░░░░░░░░░░░░░░░░░░░░░░░ ┃",
            ], "\(lines.joined(separator: "\n"))")
    }

    @Test func aScaleWhoseMaxIsNotAboveItsMinIsAnError() {
        do {
            _ = try ConfigLoader.parse("metrics:\n  a: {query: up, min: 5, max: 5}\n", file: "t.yaml")
            Issue.record("loaded")
        } catch {
            #expect(error.errors.map(\.description) == ["t.yaml:2:31: max (5) must be above min (5)"])
        }
    }

    /// The frame of `config`'s first dashboard with these results, one
    /// target up.
    static func frame(_ config: VigilConfig, _ results: [String: MetricResult], width: Int) -> [String] {
        let now: Int64 = 1_700_000_000_000
        let snapshot = Snapshot(
            timeMs: now, results: results,
            targets: [TargetStatus(name: "api", up: true, lastError: nil, lastSuccessMs: now - 1000, intervalMs: 5000)],
            refreshMs: 2000)
        return DashboardView(config: config, ascii: false).render(
            AppState(config: config, themes: [.fallback]), snapshot, width: width, height: 12
        ).lines
    }
}
