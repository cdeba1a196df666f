import Testing
import VigilApp
import VigilCore
import VigilUI

/// The two bars say where one is and what time it is (issue 20 polish).
@Suite struct StatusBarTests {
    @Test func theClockRunsWhilePausedAndTheTabsMarkEveryScreen() {
        var h = Harness(DashboardSwitchTests.config)
        h.answer = { _ in exposition("# TYPE errors_percent gauge\nerrors_percent 0.5\n") }
        h.run(forMs: 6_000)
        h.press(.char("p"))
        h.run(forMs: 20_000)
        let lines = h.screen(width: 100, height: 12)
        // The data holds still; the clock does not.
        #expect(lines[11].hasPrefix(" \(TimeText.clock(h.now)) │ 0 firing │ Main │ targets 1/1 up │ window 5m"))
        #expect(lines[11].contains(" │ PAUSED │ "))
        #expect(lines[0] == " Vigil  1 Main  2 Business  A Alerts  I Incidents  S Silences  O Objectives")
        h.press(.char("A"))
        #expect(h.screen(width: 100, height: 12)[0] == lines[0])
        // The Alerts tab is the one drawn in the accent, reversed.
        let canvas = h.app.render(width: 100, height: 12)
        let alertsTab = lines[0].distance(from: lines[0].startIndex, to: lines[0].range(of: " A Alerts ")!.lowerBound)
        #expect(canvas[alertsTab + 1, 0].style.attributes.contains(.reverse))
        #expect(!canvas[9, 0].style.attributes.contains(.reverse))  // "1 Main" is not the current screen now
    }

    /// A target whose OpenMetrics breaks a rule Prometheus does not check
    /// is up, and the status line says which rule, in the warning colour.
    @Test func anOpenMetricsViolationIsSaidOnTheStatusLine() {
        var h = Harness(DashboardSwitchTests.config)
        let body = "# TYPE errors_percent gauge\nerrors_percent 0.5 2\nerrors_percent 0.6 1\n# EOF\n"
        h.answer = { _ in
            FetchOutcome(
                .success(
                    FetchResponse(
                        status: 200, contentType: "application/openmetrics-text; version=1.0.0",
                        body: Array(body.utf8))), durationSeconds: 0.01)
        }
        h.run(forMs: 6_000)
        let lines = h.screen(width: 140, height: 12)
        #expect(
            lines[11].hasPrefix(
                " \(TimeText.clock(h.now)) │ 0 firing │ Main │ targets 1/1 up: api: not OpenMetrics 1.0 at 3:1: "
                    + "timestamps of a series go backwards │ window 5m"))
        let canvas = h.app.render(width: 140, height: 12)
        let at = lines[11].distance(from: lines[11].startIndex, to: lines[11].range(of: "targets 1/1")!.lowerBound)
        #expect(canvas[at, 11].style.fg == h.app.state.theme.color("warn"))
    }

    @Test func theThemeKeySaysWhichThemeIsOn() {
        var state = AppState(
            config: DashboardSwitchTests.config,
            themes: [.fallback, Theme(spec: ThemeSpec(name: "mono", description: "", colors: [:], series: []))])
        _ = state.handle(.char("t"))
        #expect(state.message == "theme mono (2 of 2)")
        _ = state.handle(.char("t"))
        #expect(state.message == "theme \(Theme.fallback.name) (1 of 2)")
    }
}
