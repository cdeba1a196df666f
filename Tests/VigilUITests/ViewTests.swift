import Testing
import VigilCore

@testable import VigilUI

@Suite struct ViewTests {
    static let yaml = """
        metrics:
          err: {name: Error Rate, unit: "%", query: up, threshold: {warning: 1, critical: 5}}
          users: {name: Active Users, unit: count, query: up, threshold: {warning: 1000, critical: 500}}
          lat: {name: Latency, unit: ms, query: up, threshold: {warning: 2000, critical: 5000}}
          cves: {name: CVEs, query: up}
        dashboards:
          - name: Main
            panels:
              - {title: Error Rate, type: stat, metrics: [err]}
              - {title: Active Users, type: graph, metrics: [users]}
              - {title: Latency by Service, type: graph, metrics: [lat], group_by: service}
              - {title: CVEs, type: table, metrics: [cves], columns: [cve_id, severity]}
          - name: Other
            panels:
              - {title: Only, type: stat, metrics: [err]}
        """
    static let config = try! ConfigLoader.parse(yaml, file: "t.yaml")
    static let now: Int64 = 1_700_000_000_000
    static let up = TargetStatus(name: "api", up: true, lastError: nil, lastSuccessMs: now - 1000, intervalMs: 5000)

    static func series(_ labels: [String: String], _ values: [Double?], current: Double?) -> SeriesHistory {
        SeriesHistory(labels: Labels(labels), values: values, current: current)
    }

    static func snapshot(err: Double? = 7.5, users: Double? = 4200, targets: [TargetStatus] = [up], at: Int64 = now)
        -> Snapshot
    {
        func result(_ s: [SeriesHistory]) -> MetricResult { MetricResult(times: [1, 2, 3, 4], series: s, error: nil) }
        return Snapshot(
            timeMs: at,
            results: [
                "err": result(err.map { [series([:], [0.5, 1, 3, $0], current: $0)] } ?? []),
                "users": result(users.map { [series([:], [4000, 4100, 4150, $0], current: $0)] } ?? []),
                "lat": result([
                    series(["service": "api"], [100, 200, 6000, 6100], current: 6100),
                    series(["service": "web"], [80, 90, 95, 100], current: 100),
                ]),
                "cves": result([
                    series(["cve_id": "CVE-2026-31337", "severity": "critical"], [1, 1, 1, 1], current: 1),
                    series(["cve_id": "CVE-2026-2210", "severity": "low"], [1, 1, 1, 1], current: 1),
                ]),
            ], targets: targets, refreshMs: 2000)
    }

    func state() -> AppState { AppState(config: Self.config, themes: [.fallback]) }

    func render(_ s: Snapshot, _ st: AppState? = nil, width: Int = 80, height: Int = 24, ascii: Bool = false) -> Canvas
    {
        DashboardView(config: Self.config, ascii: ascii).render(st ?? state(), s, width: width, height: height)
    }

    @Test func panelsShowTheirStateInWordsAndColour() {
        let c = render(Self.snapshot())
        let lines = c.lines
        #expect(lines[0].hasPrefix(" Vigil  1 Main  2 Other"))
        #expect(lines[1].hasPrefix("┏ Error Rate "))
        #expect(lines[1].contains(" ✖ CRIT ┓"))
        #expect(lines[1].contains("┌ Active Users ") && lines[1].hasSuffix(" ✓ OK ┐"))
        #expect(lines.contains { $0.contains("✖ CRIT   ↑ 7%") })  // trend against the window's start
        // The critical panel's border is drawn in the theme's crit colour, bold.
        let crit = Theme.fallback.state(.critical)
        #expect(c[0, 1].style.fg == crit.fg && c[0, 1].style.attributes.contains(.bold))
        // Lower is worse: 4200 active users is OK, the graph shows it.
        #expect(lines.contains { $0.contains("now 4.20k") })
        // group_by: one row per service with its label and values.
        #expect(lines.contains { $0.contains("api") && $0.contains("6.10 s") })
        #expect(lines.contains { $0.contains("web") && $0.contains("100 ms") })
        // The table: header from the columns, the critical row in crit colour.
        let row = lines.firstIndex { $0.contains("CVE-2026-31337") }!
        #expect(
            lines[row - 1].contains("cve_id") && lines[row - 1].contains("severity") && lines[row - 1].contains("value")
        )
        let x = lines[row].distance(from: lines[row].startIndex, to: lines[row].range(of: "CVE-2026-31337")!.lowerBound)
        #expect(c[x, row].style.fg == crit.fg)
        #expect(lines[23].contains("targets 1/1 up"))
    }

    /// `columns`, `width` and `height` lay out the grid; `colors` paints
    /// the panel's states; the arrows follow the grid.
    @Test func theGridFollowsWidthsHeightsAndColours() throws {
        let config = try ConfigLoader.parse(
            """
            metrics:
              err: {name: Error Rate, unit: "%", query: up, threshold: {warning: 1, critical: 5}}
              users: {name: Active Users, unit: count, query: up}
            dashboards:
              - name: Main
                columns: 3
                panels:
                  - {title: Wide, type: stat, metrics: [err], width: 2, colors: [blue, magenta, cyan]}
                  - {title: Narrow, type: stat, metrics: [users]}
                  - {title: Tall, type: stat, metrics: [users], width: 3, height: 2}
            """, file: "t.yaml")
        var st = AppState(config: config, themes: [.fallback])
        let c = DashboardView(config: config, ascii: false).render(
            st, Self.snapshot(err: 7.5), width: 60, height: 14)
        // 12 rows of body: a third for the first row, two thirds for Tall.
        #expect(c.lines[1] == "┏ Wide ━━━━━━━━━━━━━━━━━━━━━━━━ ✖ CRIT ┓┌ Narrow ──── ✓ OK ┐")
        #expect(c.lines[5] == "┌ Tall ────────────────────────────────────────────── ✓ OK ┐")
        #expect(c.lines[12] == "└──────────────────────────────────────────────────────────┘")
        // CRIT in the panel's own third colour (cyan), not the theme's red.
        #expect(c[0, 1].style.fg == TermColor(6))
        let glyph = try #require(c.lines[1].firstIndex(of: "✖"))
        #expect(c[c.lines[1].distance(from: c.lines[1].startIndex, to: glyph), 1].style.fg == TermColor(6))
        // Narrow keeps the theme's OK colour.
        #expect(c[40, 1].style.fg == Theme.fallback.state(.ok).fg)
        // Right to Narrow, down to Tall, up to the nearest panel above.
        _ = st.handle(.right)
        #expect(st.selected == 1)
        _ = st.handle(.down)
        #expect(st.selected == 2)
        _ = st.handle(.up)
        #expect(st.selected == 0)
    }

    @Test func noDataStaleAndErrorAreDistinct() {
        // No data yet: nothing scraped.
        let fresh = TargetStatus(name: "api", up: nil, lastError: nil, lastSuccessMs: nil, intervalMs: 5000)
        var lines = render(Self.snapshot(err: nil, users: nil, targets: [fresh]), width: 120).lines
        #expect(lines[1].contains("… NO DATA"))
        #expect(lines.contains { $0.contains("no data yet: waiting for the first scrape") })
        // Error: the target is down, with its reason, in the panel and the status bar.
        let down = TargetStatus(
            name: "api", up: false, lastError: "refused (127.0.0.1:9464)", lastSuccessMs: Self.now - 60_000,
            intervalMs: 5000)
        lines = render(Self.snapshot(err: nil, users: nil, targets: [down])).lines
        #expect(lines[1].contains("⚠ ERROR"))
        #expect(lines.contains { $0.contains("api: refused (127.0.0.1:9464)") })
        #expect(lines[23].contains("targets 0/1 up: api: refused (127.0.0.1:9464)"))
        // Stale: the data behind the metric stopped (its target went
        // down); the last value is shown, dimmed, and since when.
        var stale = Self.snapshot(targets: [down])
        stale.results["err"]?.staleSinceMs = Self.now - 30_000
        let c = render(stale, width: 120)
        #expect(
            c.lines[1].hasPrefix(
                "┏ Error Rate ━━━━━━━━━━━━━━━━━━━━━━ ≈ STALE since \(TimeText.clock(Self.now - 30_000)) ┓┌ Active Users "
            ))
        #expect(c.lines.contains { $0.contains("7.50%") || $0.contains("███") })
        #expect(c[20, 9].style.attributes.contains(.dim))
        // One live metric keeps a panel live.
        #expect(PanelModel.staleSince([stale.results["err"], stale.results["users"]]) == nil)
        #expect(PanelModel.staleSince([stale.results["err"]]) == Self.now - 30_000)
    }

    @Test func asciiWhenTheLocaleIsNotUTF8() {
        let lines = render(Self.snapshot(), ascii: true).lines
        #expect(lines[1].hasPrefix("+ Error Rate ---"))
        #expect(lines[1].contains(" X CRIT +"))
        #expect(lines.contains { $0.contains("^ 7%") })
        #expect(lines.allSatisfy { $0.unicodeScalars.allSatisfy { $0.isASCII } })
    }

    @Test func tooSmallSaysWhatIsNeededAndAnySizeIsSafe() {
        let lines = render(Self.snapshot(), width: 30, height: 8).lines
        #expect(lines.contains { $0.contains("Terminal too small") })
        #expect(lines.contains { $0.contains("30×8, need 40×12") })
        for (w, h) in [(1, 1), (2, 2), (40, 12), (41, 13), (200, 60), (80, 5)] {
            var st = state()
            st.zoomed = true
            let c = render(Self.snapshot(), st, width: w, height: h)
            #expect(c.width == w && c.height == h)
        }
    }

    @Test func zoomShowsAxisAndValuesAndFilters() {
        var st = state()
        _ = st.handle(.right)
        _ = st.handle(.right)
        #expect(st.selected == 2)
        _ = st.handle(.enter)
        var lines = render(Self.snapshot(), st).lines
        #expect(lines[1].contains("Latency by Service (5m)"))
        #expect(
            lines.contains { $0.contains("series") && $0.contains("last") && $0.contains("min") && $0.contains("max") })
        #expect(
            lines.contains {
                $0.contains("api") && $0.contains("6.10 s") && $0.contains("100 ms") && $0.contains("✖ CRIT")
            }, "\(lines.joined(separator: "\n"))")
        #expect(lines.contains { $0.contains("-4m") && $0.contains("-1m") && $0.hasSuffix("now┃") })
        _ = st.handle(.char("/"))
        for ch in "web" { _ = st.handle(.char(ch)) }
        _ = st.handle(.enter)
        lines = render(Self.snapshot(), st).lines
        #expect(lines[1].contains("/web"))
        #expect(!lines.contains { $0.contains("api ") && $0.contains("6.10 s") })
        _ = st.handle(.escape)
        #expect(!st.zoomed && st.zoom.filter.isEmpty)
    }

    @Test func aZoomedPanelSaysWhatItsMetricIs() throws {
        let config = try ConfigLoader.parse(
            """
            metrics:
              err: {name: Error Rate, unit: "%", query: up, description: "5xx answers over all answers, last minute"}
            dashboards:
              - name: Main
                panels: [{title: Errors, type: graph, metrics: [err]}]
            """, file: "t.yaml")
        var st = AppState(config: config, themes: [.fallback])
        _ = st.handle(.enter)
        let c = DashboardView(config: config, ascii: false).render(st, Self.snapshot(), width: 70, height: 16)
        #expect(c.lines[2] == "┃Error Rate: 5xx answers over all answers, last minute               ┃")
        #expect(c[1, 2].style == Theme.fallback.dim)
    }

    @Test func keysDoWhatTheySay() {
        var st = state()
        #expect(st.handle(.tab).isEmpty && st.dashboard == 1)
        _ = st.handle(.backTab)
        #expect(st.dashboard == 0)
        _ = st.handle(.char("2"))
        #expect(st.dashboard == 1)
        _ = st.handle(.char("1"))
        _ = st.handle(.char("j"))
        #expect(st.selected == 2)
        _ = st.handle(.char("k"))
        _ = st.handle(.char("l"))
        #expect(st.selected == 1)
        #expect(st.handle(.char("+")) == [.windowChanged] && st.windowLabel == "15m")
        _ = st.handle(.char("-"))
        _ = st.handle(.char("-"))
        #expect(st.windowLabel == "1m")
        _ = st.handle(.char("p"))
        #expect(st.paused)
        #expect(st.handle(.char("r")) == [.scrapeNow])
        _ = st.handle(.char("?"))
        #expect(st.showHelp)
        _ = st.handle(.char("x"))
        #expect(!st.showHelp)
        #expect(st.handle(.char("q")) == [.quit])
        #expect(st.handle(.interrupt) == [.quit])
        // Remapping: quit on x instead of q.
        var remapped = AppState(config: Self.config, themes: [.fallback], keyOverrides: ["quit": "x"])
        #expect(remapped.handle(.char("q")).isEmpty)
        #expect(remapped.handle(.char("x")) == [.quit])
    }

    @Test func zoomedTableSortsByColumnAndScrolls() {
        var st = state()
        _ = st.handle(.char("l"))
        _ = st.handle(.char("j"))
        #expect(st.selected == 3)
        _ = st.handle(.enter)
        var lines = render(Self.snapshot(), st, height: 12).lines
        let first = { (ls: [String]) in ls.firstIndex { $0.contains("CVE-") }! }
        // By value (both 1): label order breaks no tie; then by cve_id ascending.
        _ = st.handle(.char("s"))
        lines = render(Self.snapshot(), st, height: 12).lines
        #expect(lines.contains { $0.contains("cve_id↑") })
        #expect(lines[first(lines)].contains("CVE-2026-2210"))
        // Scrolling: 20 rows in a table with room for a few.
        var many = Self.snapshot()
        many.results["cves"] = MetricResult(
            times: [1],
            series: (10..<30).map { Self.series(["cve_id": "CVE-2026-00\($0)", "severity": "low"], [1], current: 1) },
            error: nil)
        lines = render(many, st, height: 14).lines
        #expect(lines[first(lines)].contains("CVE-2026-0010"))
        #expect(lines.contains { $0.contains("rows 1-") && $0.contains("of 20") })
        _ = st.handle(.down)
        _ = st.handle(.down)
        lines = render(many, st, height: 14).lines
        #expect(lines[first(lines)].contains("CVE-2026-0012"))
        #expect(lines.contains { $0.contains("rows 3-") })
    }

    @Test func pausedStatusAndHelpOverlay() {
        var st = state()
        _ = st.handle(.char("p"))
        _ = st.handle(.char("?"))
        let lines = render(Self.snapshot(), st).lines
        #expect(lines[23].contains("PAUSED"))
        #expect(lines.contains { $0.contains("p") && $0.contains("pause the display (polling goes on)") })
        #expect(lines.contains { $0.contains("quit (also Ctrl-C)") })
    }

    /// The help screen names the configuration file (and why it was
    /// chosen) and the state directory first, where they are seen.
    @Test func helpNamesTheConfigurationAndStateDirectory() {
        var st = state()
        _ = st.handle(.char("?"))
        var view = DashboardView(config: Self.config, ascii: false)
        view.about = ["config  /etc/vigil/vigil.yaml (system configuration)", "state   /var/lib/vigil"]
        let lines = view.render(st, Self.snapshot(), width: 100, height: 30).lines
        let config = lines.firstIndex { $0.contains("config  /etc/vigil/vigil.yaml (system configuration)") }
        let state = lines.firstIndex { $0.contains("state   /var/lib/vigil") }
        let firstKey = lines.firstIndex { $0.contains("quit (also Ctrl-C)") }
        #expect(config != nil && state == config.map { $0 + 1 })
        #expect(firstKey != nil && firstKey! > state!)
    }

    @Test func shippedThemesLoad() throws {
        let dir = #filePath.components(separatedBy: "/Tests/")[0] + "/themes"
        for name in ["default", "light", "high-contrast", "colorblind", "mono"] {
            let spec = try ThemeSpec.load(path: "\(dir)/\(name).yaml")
            #expect(spec.name == name)
        }
        #expect(throws: ConfigErrors.self) {
            try ThemeSpec.parse("name: x\ncolors: {ok: chartreuse}\nseries: [1]\n", file: "x.yaml")
        }
        do {
            _ = try ThemeSpec.parse("name: x\ncolors: {ok: chartreuse}\nseries: [1]\n", file: "x.yaml")
        } catch {
            #expect(error.errors.contains { $0.description.hasPrefix("x.yaml:2:14: ok: unknown colour 'chartreuse'") })
        }
    }
}
