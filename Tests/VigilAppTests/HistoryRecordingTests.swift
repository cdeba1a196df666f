import Testing
import VigilApp
import VigilCore
import VigilUI

/// What the application hands the history writer, and graphs drawn from
/// the history after a restart (issue 12).
@Suite struct HistoryRecordingTests {
    @Test func everyConfiguredMetricIsRecordedOnceARefreshAfterTheFirstScrapes() throws {
        var h = Harness(DashboardSwitchTests.config, history: true)
        h.answer = { _ in
            exposition(
                "# TYPE errors_percent gauge\nerrors_percent 0.5\n# TYPE active_users gauge\nactive_users 1234\n")
        }
        h.run(forMs: 20_000)
        // Nothing before the first scrapes; then one batch a refresh (2 s),
        // the shown metric (errors) and the hidden one (users) alike.
        #expect(h.recorded.count >= 8 && h.recorded.count <= 10)
        let last = try #require(h.recorded.last)
        #expect(Set(last.map(\.metric)) == ["errors", "users"])
        #expect(last.first { $0.metric == "users" }?.v == 1234)
        #expect(last.allSatisfy { $0.t == last[0].t })
        let times = h.recorded.map { $0[0].t }
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 >= 2000 })

        // A failing store: said once on the status line, nothing more recorded.
        let before = h.recorded.count
        h.send(.historyFailed("/s/history.sqlite: database disk image is malformed"))
        #expect(h.app.state.message == "NO HISTORY: /s/history.sqlite: database disk image is malformed")
        h.run(forMs: 10_000)
        #expect(h.recorded.count == before)
        // Without the option (server mode, --once), nothing is recorded.
        var off = Harness(DashboardSwitchTests.config)
        off.answer = h.answer
        off.run(forMs: 20_000)
        #expect(off.recorded.isEmpty)
    }

    @Test func afterARestartTheGraphsShowWhatTheHistoryHeld() throws {
        let t0: Int64 = 1_764_000_000_000
        var h = Harness(DashboardSwitchTests.config, at: t0)
        // Four minutes of stored points, every 2 s, ending now.
        let stored = (0..<120).map { i in (t0 - 240_000 + Int64(i) * 2000, Double(i % 10)) }
        h.app.backfill(["errors": [Labels(): stored]], until: t0)
        h.send(.tick)
        let values = try #require(h.app.snapshot.results["errors"]?.series.first?.values)
        // The 5-minute window's columns: the last four minutes from the store.
        #expect(values.compactMap { $0 }.count >= 90)
        #expect(values.prefix(20).allSatisfy { $0 == nil })
        #expect(values.compactMap { $0 }.allSatisfy { (0...9).contains($0) })
        #expect(Set(values.compactMap { $0 }).count >= 5)
    }
}
