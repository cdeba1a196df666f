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

/// `+` past what memory keeps (issue 12): 24 h and 7 d windows, their older
/// part read from the history store's minute averages off the loop thread.
@Suite struct LongWindowTests {
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
              - {title: Errors, type: graph, metrics: [errors]}
        """, file: "t.yaml")

    static func scraped() -> FetchOutcome {
        exposition("# TYPE errors_percent gauge\nerrors_percent 0.5\n# TYPE active_users gauge\nactive_users 1234\n")
    }

    @Test func aDayIsDrawnFromTheStoreWhereMemoryHasNothing() throws {
        var h = Harness(Self.config, history: true)
        h.answer = { _ in Self.scraped() }
        h.run(forMs: 12_000)
        let started = h.app.dataSince!
        // 5m → 15m → 1h → 6h: memory holds these; nothing is read.
        h.press(.char("+"), .char("+"), .char("+"))
        #expect(h.app.state.windowLabel == "6h")
        #expect(h.loads.isEmpty)
        h.press(.char("+"))
        #expect(h.app.state.windowLabel == "1d")
        let load = try #require(h.loads.last)
        #expect(load.0 == ["errors", "users"])
        #expect((load.1, load.2) == (h.now - 86_400_000, started))
        // Asked once, not every refresh while the answer is on its way.
        h.run(forMs: 10_000)
        #expect(h.loads.count == 1)
        // The store's minute averages: 3% from 20 h ago to 2 h ago.
        let stored = stride(from: h.now - 20 * 3_600_000, to: h.now - 2 * 3_600_000, by: 60_000).map {
            ($0, 3.0)
        }
        h.send(.historyLoaded(["errors": [Labels(): stored]], from: load.1))
        h.send(.tick)
        let result = try #require(h.app.snapshot.results["errors"])
        let old = zip(result.times, result.series[0].values).filter { $0.0 < h.now - 3 * 3_600_000 }
        let drawn = old.compactMap(\.1)
        #expect(drawn.count > old.count * 2 / 3 && drawn.allSatisfy { $0 == 3 })
        #expect(result.series[0].current == 0.5)
        let screen = h.screen(width: 60, height: 14)
        #expect(screen[2] == "┃now 0.500%   min 0.500%   max 3%                          ┃")
        #expect(screen[7] == "┃████████████████████████████████████████████████          ┃")
        #expect(screen[10] == "┃   18:00         00:00          06:00         12:00    now┃")
        #expect(screen[13] == " 16:00:22 │ 0 firing │ Main │ targets 1/1 up │ window 1d")
        // A week reaches further back: read again, from a week ago.
        h.press(.char("+"))
        #expect(h.app.state.windowLabel == "1w")
        #expect(h.loads.count == 2 && h.loads[1].1 == h.now - 604_800_000)
        // The longest there is.
        h.press(.char("+"))
        #expect(h.app.state.message == "window 1w is the longest the history allows")
    }

    @Test func withoutAHistoryStoreMemoryIsTheLimit() {
        var h = Harness(Self.config)
        h.answer = { _ in Self.scraped() }
        h.run(forMs: 6000)
        h.press(.char("+"), .char("+"), .char("+"), .char("+"))
        #expect(h.app.state.windowLabel == "6h")
        #expect(h.app.state.message == "window 6h is the longest the history allows")
        #expect(h.loads.isEmpty)
    }

    @Test func anUnreadableStoreIsSaidOnceAndNotAskedAgain() {
        var h = Harness(Self.config, history: true)
        h.answer = { _ in Self.scraped() }
        h.run(forMs: 6000)
        h.press(.char("+"), .char("+"), .char("+"), .char("+"))
        #expect(h.loads.count == 1)
        h.send(.historyUnreadable("/s/history.sqlite: database disk image is malformed"))
        #expect(
            h.app.state.message
                == "history: cannot read the long window: /s/history.sqlite: database disk image is malformed")
        h.press(.char("+"))
        h.run(forMs: 30_000)
        #expect(h.loads.count == 1)
    }
}
