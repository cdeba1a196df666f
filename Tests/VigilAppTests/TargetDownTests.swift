import Testing
import VigilApp
import VigilCore
import VigilUI

/// A target that dies and comes back: the built-in Target Down alert,
/// System Status as the traffic light, and panels that stop drawing new
/// points once their data is stale (issue 20 item 2).
@Suite struct TargetDownTests {
    static let yaml = """
        refresh: 2s
        targets:
          - {name: api, url: "http://127.0.0.1:9/metrics", interval: 5s}
        metrics:
          status: {name: System Status, unit: "%", query: '100 * sum(up) / count(up)', threshold: {warning: 99.9, critical: 50}}
          requests: {name: Requests, unit: req/s, query: 'sum(rate(requests_total[1m]))'}
        dashboards:
          - name: Main
            panels:
              - {title: System Status, type: status, metrics: [status]}
              - {title: Requests, type: graph, metrics: [requests]}
        alerts:
          severities:
            critical: {name: Critical, color: red, escalation: true, timeout: 30m}
            low: {name: Low, color: blue, timeout: 4h}
          escalation:
            - {level: 1, after: 0m, contacts: [on_call_engineer]}
        """
    static let down = AlertKey(
        rule: "Target Down", labels: Labels(["instance": "127.0.0.1:9", "job": "api"]))

    /// A counter that goes up by 10 a second of the harness' clock.
    final class Counter: @unchecked Sendable { var value = 0.0 }

    @Test func aDeadTargetFiresTargetDownTurnsStatusRedAndFreezesItsPanels() throws {
        let config = try ConfigLoader.parse(Self.yaml, file: "t.yaml")
        #expect(config.alerts.rules.map(\.name) == ["Target Down"])
        #expect(config.alerts.rules.first?.holdFor.milliseconds == 10_000)
        #expect(config.alerts.rules.first?.severity == "critical")
        var h = Harness(config)
        let counter = Counter()
        let alive: (SourcePoll) -> FetchOutcome = { _ in
            counter.value += 50
            return exposition("# TYPE requests_total counter\nrequests_total \(counter.value)\n")
        }
        h.answer = alive
        h.run(forMs: 90_000)
        let healthy = h.screen(width: 120, height: 30)
        #expect(
            healthy[1]
                == "┏ System Status ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ ✓ OK ┓┌ Requests ────────────────────────────────────────── ✓ OK ┐"
        )
        #expect(
            healthy[20]
                == "┃            ✓ 1/1 targets up, no alerts firing            ┃│                         ▆████████████████████████████████│"
        )

        h.answer = { _ in FetchOutcome(.failure(.refused("127.0.0.1:9"))) }
        h.run(forMs: 6_000)
        let diedAt = try #require(h.app.snapshot.results["requests"]?.staleSinceMs)
        h.run(forMs: 14_000)
        #expect(h.app.alerts.engine.alerts[Self.down]?.state == .firing)
        let dead = h.screen(width: 120, height: 30)
        let since = TimeText.clock(diedAt)
        #expect(
            dead[1]
                == "┏ System Status ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ ✖ CRIT ┓┌ Requests ──────────────────────── ≈ STALE since \(since) ┐"
        )
        // The last value, not drawn again at "now": the newest columns are empty.
        #expect(
            dead[2]
                == "┃                                                          ┃│last 10 req/s   min 1.83 req/s   max 10 req/s             │"
        )
        #expect(
            dead[7]
                == "┃              ██████  ████    ██████  ██████              ┃│                              ▂█████████████████████      │"
        )
        #expect(
            dead[19...21] == [
                "┃                    ✖ System Status 0%                    ┃│                  ▆█████████████████████████████████      │",
                "┃            ✖ api down: refused (127.0.0.1:9)             ┃│                 ▆██████████████████████████████████      │",
                "┃       ✖ 1 critical alert firing: Target Down (api)       ┃│                ▆███████████████████████████████████      │",
            ])
        #expect(
            dead[29]
                == " \(TimeText.clock(h.now)) │ 🔔 1 FIRING, 1 unacked, worst critical: Target Down (api) (A) │ Main │ targets 0/1 up: api: refused (127.0.…"
        )
        let frozen = h.app.snapshot.results["requests"]
        h.run(forMs: 6_000)
        #expect(h.app.snapshot.results["requests"]?.series.map(\.current) == frozen?.series.map(\.current))
        #expect(h.app.snapshot.results["requests"]?.staleSinceMs == diedAt)

        h.answer = alive
        h.run(forMs: 20_000)
        #expect(h.app.alerts.engine.alerts[Self.down]?.state != .firing)
        #expect(h.app.snapshot.results["requests"]?.staleSinceMs == nil)
        #expect(h.screen(width: 120, height: 30)[1] == healthy[1])
    }

    /// The shipped Error Rate: a ratio of rates over series told apart by
    /// a regex. All of them go stale together, so the panel does.
    @Test func aRatioOfRatesGoesStaleWithItsTarget() throws {
        let config = try ConfigLoader.parse(
            """
            refresh: 2s
            targets:
              - {name: api, url: "http://127.0.0.1:9/metrics", interval: 5s}
            metrics:
              errors: {name: Errors, unit: "%", query: '100 * sum(rate(requests_total{code=~"5.."}[1m])) / sum(rate(requests_total[1m]))'}
            dashboards:
              - name: Main
                panels:
                  - {title: Errors, type: stat, metrics: [errors]}
            """, file: "t.yaml")
        var h = Harness(config)
        let counter = Counter()
        h.answer = { _ in
            counter.value += 50
            return exposition(
                "# TYPE requests_total counter\nrequests_total{code=\"200\"} \(counter.value)\n"
                    + "requests_total{code=\"500\"} \(counter.value / 100)\n")
        }
        h.run(forMs: 90_000)
        #expect(h.app.snapshot.results["errors"]?.series.first?.current != nil)
        h.answer = { _ in FetchOutcome(.failure(.refused("127.0.0.1:9"))) }
        h.run(forMs: 90_000)
        let result = try #require(h.app.snapshot.results["errors"])
        #expect(result.staleSinceMs != nil)
        #expect(result.series.first?.current != nil)
        #expect(h.screen(width: 60, height: 14)[1].contains("≈ STALE since"))
    }
}
