import Testing
import VigilApp
import VigilCore
import VigilUI

/// Switching dashboards shows the new one's values in the very frame the
/// key produces: the store has the data, so "NO DATA" would be a lie.
@Suite struct DashboardSwitchTests {
    static let config = try! ConfigLoader.parse(
        """
        refresh: 2s
        targets:
          - {name: api, url: "http://127.0.0.1:9/metrics", interval: 5s}
        metrics:
          errors: {name: Errors, unit: "%", query: 'max(errors_percent)', threshold: {warning: 1, critical: 5}}
          users: {name: Users, unit: count, query: 'sum(active_users)'}
        dashboards:
          - name: Main
            panels:
              - {title: Errors, type: stat, metrics: [errors]}
          - name: Business
            panels:
              - {title: Users, type: stat, metrics: [users]}
        """, file: "t.yaml")

    @Test func theNewDashboardHasItsValuesInTheFirstFrame() {
        var h = Harness(Self.config)
        h.answer = { _ in
            exposition(
                "# TYPE errors_percent gauge\nerrors_percent 0.5\n# TYPE active_users gauge\nactive_users 1234\n")
        }
        h.run(forMs: 12_000)
        #expect(h.screen(width: 40, height: 12)[4] == "┃             0.500%  ✓ OK             ┃")
        // Half-way between two refreshes: no tick comes before the frame.
        h.now += 500
        h.press(.char("2"))
        let lines = h.screen(width: 40, height: 12)
        #expect(lines[1] == "┏ Users ━━━━━━━━━━━━━━━━━━━━━━━━━ ✓ OK ┓")
        #expect(lines[4] == "┃             1.23k  ✓ OK              ┃")
    }

    /// The same data gives the same min and max whatever the window: they
    /// come from every evaluation, not from the window's sampled columns.
    @Test func minAndMaxDoNotDependOnTheWindow() throws {
        var h = Harness(Self.config)
        final class Wave: @unchecked Sendable { var n = 0 }
        let wave = Wave()
        h.answer = { _ in
            wave.n += 1
            // A spike on one scrape only: a coarse column can miss it.
            let v = wave.n == 7 ? 9.5 : 0.5 + Double(wave.n % 3) * 0.1
            return exposition("# TYPE errors_percent gauge\nerrors_percent \(v)\n")
        }
        h.run(forMs: 120_000)
        func extremes() -> [ClosedRange<Double>?] { h.app.snapshot.results["errors"]?.series.map(\.extremes) ?? [] }
        let fiveMinutes = extremes()
        #expect(fiveMinutes == [0.5...9.5])
        for _ in 0..<3 {
            h.press(.char("+"))
            h.send(.tick)
            #expect(extremes() == fiveMinutes, "window \(h.app.state.windowLabel)")
        }
    }
}
