import Testing
import VigilApp
import VigilCore
import VigilUI

/// The engine (the worker thread) parses and evaluates; the application
/// only asks. A slow engine must never queue work without bound, and keys
/// must go on being answered from what is already in.
@Suite struct EngineWorkTests {
    static let config = DashboardSwitchTests.config

    static func body(_ errors: Double) -> FetchOutcome {
        exposition(
            "# TYPE errors_percent gauge\nerrors_percent \(errors)\n# TYPE active_users gauge\nactive_users 1234\n")
    }

    func evaluations(_ h: Harness) -> Int {
        h.worked.filter { if case .evaluate = $0 { true } else { false } }.count
    }

    @Test func aRefreshDueWhileTheEngineEvaluatesIsCoalescedNotQueued() {
        var h = Harness(Self.config)
        h.answer = { _ in Self.body(0.5) }
        h.run(forMs: 12_000)
        let before = evaluations(h)
        // The engine is stuck in an evaluation for 30 s (ten refreshes).
        h.hold = { if case .evaluate = $0 { true } else { false } }
        h.run(forMs: 2_000)
        #expect(evaluations(h) == before + 1)
        #expect(h.app.evaluating)
        h.hold = { _ in false }
        h.run(forMs: 28_000)
        #expect(evaluations(h) == before + 1)
        // Keys are answered meanwhile, from the last evaluation.
        let draws = h.draws
        h.press(.char("2"))
        #expect(h.draws == draws + 1)
        #expect(h.screen(width: 40, height: 12)[4] == "┃             1.23k  ✓ OK              ┃")
        // The answer comes; the refresh that waited is asked once, at once.
        h.release()
        #expect(!h.app.evaluating)
        h.send(.tick)
        #expect(evaluations(h) == before + 2)
        h.send(.tick)
        #expect(evaluations(h) == before + 2)
    }

    @Test func aTargetIsNotScrapedAgainBeforeItsLastBodyIsIngested() {
        var h = Harness(Self.config)
        h.answer = { _ in Self.body(0.5) }
        h.run(forMs: 6_000)
        let scrapes = { (h: Harness) in h.started.filter { $0.source == .targets }.count }
        let before = scrapes(h)
        // The engine takes a minute over one body: no second body waits.
        h.hold = { if case .ingest = $0 { true } else { false } }
        h.run(forMs: 60_000)
        #expect(scrapes(h) == before + 1)
        #expect(h.held.filter { if case .ingest = $0 { true } else { false } }.count == 1)
        h.hold = { _ in false }
        h.release()
        h.run(forMs: 6_000)
        #expect(scrapes(h) > before + 1)
        #expect(h.app.targets.health[0].up == true)
    }

    @Test func theEngineAnswersWithTheBodysValuesAndTheSeriesItHolds() {
        var h = Harness(Self.config)
        h.answer = { _ in Self.body(7) }
        h.run(forMs: 12_000)
        #expect(h.screen(width: 40, height: 12)[4] == "┃              7%  ✖ CRIT              ┃")
        // errors_percent, active_users, and the scrape's own three series.
        #expect(h.app.seriesHeld == 5)
    }
}
