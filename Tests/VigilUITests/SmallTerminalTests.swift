import Testing
import VigilCore

@testable import VigilUI

/// Small terminals keep the essentials, and lists behave alike (issue 20).
@Suite struct SmallTerminalTests {
    static let look = Look(theme: .fallback, glyphs: Glyphs(ascii: false))

    static func table(_ rows: [[String: String]], columns: [String]) -> PanelModel {
        var m = PanelModel(
            panel: ViewTests.config.dashboards[0].panels[3], config: ViewTests.config, snapshot: ViewTests.snapshot())
        m.columns = columns
        m.rowTable = true
        m.series = rows.map {
            SeriesModel(label: "", labels: Labels($0), values: [], current: nil, state: .ok, threshold: nil, unit: "")
        }
        return m
    }

    @Test func aNarrowTableKeepsTheTimeAndDropsTheDate() {
        let m = Self.table(
            [
                ["timestamp": "2026-11-29T11:58:01Z", "event": "login_failure"],
                ["timestamp": "2026-11-29T11:58:07Z", "event": "rate_limited"],
            ], columns: ["timestamp", "event"])
        var wide = Canvas(width: 40, height: 3)
        TableWidget(model: m, look: Self.look).render(in: Rect(x: 0, y: 0, width: 40, height: 3), on: &wide)
        #expect(wide.lines[1] == "2026-11-29T11:58:01Z login_failure      ")
        var narrow = Canvas(width: 24, height: 3)
        TableWidget(model: m, look: Self.look).render(in: Rect(x: 0, y: 0, width: 24, height: 3), on: &narrow)
        #expect(narrow.lines == ["timestamp event         ", "11:58:01Z login_failure ", "11:58:07Z rate_limited  "])
    }

    /// `s`: each column ascending, then descending, then the panel's own
    /// order again.
    @Test func sortGoesBothWaysAndBack() {
        let m = Self.table(
            [["name": "b", "n": "2"], ["name": "c", "n": "1"], ["name": "a", "n": "3"]], columns: ["name", "n"])
        func order(_ sort: Int?) -> [String] {
            var c = Canvas(width: 20, height: 4)
            TableWidget(model: m, look: Self.look, sortColumn: sort).render(
                in: Rect(x: 0, y: 0, width: 20, height: 4), on: &c)
            return c.lines.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        #expect(order(nil) == ["name n", "b    2", "c    1", "a    3"])
        #expect(order(0) == ["name↑ n", "a     3", "b     2", "c     1"])
        #expect(order(1) == ["name↓ n", "c     1", "b     2", "a     3"])
        #expect(order(2) == ["name n↑", "c    1", "b    2", "a    3"])
        #expect(order(4) == order(nil))
    }

    @Test func theHelpScrollsWhenTheScreenIsShort() {
        var st = AppState(config: ViewTests.config, themes: [.fallback])
        _ = st.handle(.char("?"))
        let view = DashboardView(config: ViewTests.config, ascii: false)
        var lines = view.render(st, ViewTests.snapshot(), width: 80, height: 14).lines
        #expect(lines.contains { $0.contains("↓ ") && $0.contains(" more lines (down scrolls)") })
        _ = st.handle(.down)
        _ = st.handle(.down)
        #expect(st.showHelp && st.helpScroll == 2)
        lines = view.render(st, ViewTests.snapshot(), width: 80, height: 14).lines
        #expect(lines.contains { $0.contains("↑ 3 lines above (up scrolls)") })
        _ = st.handle(.char("x"))
        #expect(!st.showHelp)
    }

    /// Decorations go before the value: a narrow multi-series panel keeps
    /// each series' current value.
    @Test func aNarrowGraphKeepsItsValues() {
        var m = PanelModel(
            panel: ViewTests.config.dashboards[0].panels[2], config: ViewTests.config, snapshot: ViewTests.snapshot())
        m.type = .graph
        var c = Canvas(width: 22, height: 3)
        GraphWidget(model: m, look: Self.look).render(in: Rect(x: 0, y: 0, width: 22, height: 3), on: &c)
        #expect(c.lines[0].hasSuffix("6.10 s") && c.lines[1].hasSuffix("100 ms"))
    }

    @Test func aZoomedTableClaimsNoTimeWindow() {
        var st = AppState(config: ViewTests.config, themes: [.fallback])
        for _ in 0..<3 { _ = st.handle(.right) }
        _ = st.handle(.enter)
        let lines = DashboardView(config: ViewTests.config, ascii: false).render(
            st, ViewTests.snapshot(), width: 80, height: 20
        ).lines
        #expect(lines[1].hasPrefix("┏ CVEs ━"))
    }
}
