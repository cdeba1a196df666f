import Foundation
import Testing
import VigilApp
import VigilCore
import VigilUI

/// Objectives in the running application (issue 13): the ledger fed from
/// the scrapes, the figures on the `O` screen, the rates handed to the
/// history, and the window read back from it at start.
@Suite struct ObjectivesAppTests {
    static let config = try! ConfigLoader.parse(
        """
        refresh: 2s
        targets:
          - {name: api, url: "http://127.0.0.1:9/metrics", interval: 5s}
        metrics:
          users: {name: Users, unit: count, query: 'sum(active_users)'}
        dashboards:
          - name: Main
            panels:
              - {title: Users, type: stat, metrics: [users]}
        alerts:
          severities:
            critical: {name: Critical, color: red}
            medium: {name: Medium, color: yellow}
        objectives:
          - {name: Availability, ratio: {bad: 'req_total{code="500"}', total: req_total}, objective: 99.9}
        criteria:
          - {name: Users, metric: users, at_least: 100000}
          - {name: No critical incidents, incidents: critical, at_most: 0}
          - {name: NPS above 50, not_measured: surveys are outside Vigil}
        """, file: "t.yaml")

    final class Counters: @unchecked Sendable {
        var ok = 0.0
        var failed = 0.0
    }

    /// 20 requests a second, 1% of them failing: ten times the budget's pace.
    static func answer(_ c: Counters) -> (SourcePoll) -> FetchOutcome {
        { _ in
            c.ok += 99
            c.failed += 1
            return exposition(
                "# TYPE req_total counter\nreq_total{code=\"200\"} \(c.ok)\nreq_total{code=\"500\"} \(c.failed)\n"
                    + "# TYPE active_users gauge\nactive_users 2084\n")
        }
    }

    @Test func aFailingServiceSpendsItsBudgetOnTheObjectivesScreen() throws {
        var h = Harness(Self.config, history: true)
        // At start the objectives' window is asked of the history.
        #expect(h.loads.first?.0 == ["slo:availability"])
        #expect(h.loads.first?.1 == h.now - 30 * 86_400_000)
        h.answer = Self.answer(Counters())
        h.run(forMs: 180_000)
        let f = try #require(h.app.objectiveFigures.first)
        #expect(abs(f.sli! - 0.99) < 1e-6)
        #expect(abs(f.burn5m! - 10) < 1e-6)
        #expect(f.state == .critical)  // ten times the allowed errors: the budget is overspent
        #expect(f.budgetText == "overspent: 31 of 3.1 errors")
        // The rates go to the history beside the metrics.
        let points = try #require(h.recorded.last).filter { $0.metric == "slo:availability" }
        #expect(points.map { $0.labels["part"] } == ["good", "total"])
        #expect(abs(points[0].v - 19.8) < 1e-6 && abs(points[1].v - 20) < 1e-6)
        h.press(.char("O"))
        let screen = h.screen(width: 160, height: 14)
        #expect(screen[0] == " Vigil  1 Main  A Alerts  I Incidents  S Silences  O Objectives")
        #expect(
            screen[1]
                == "┏ Objectives: 1 critical, 0 warning, 0 ok; criteria: 1 pass, 1 fail, 1 not measured ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ ✖ CRIT ┓"
        )
        #expect(
            screen[2]
                == "┃   STATE   OBJECTIVE         SLI       TARGET  BUDGET            OVER WINDOW  LEFT                          BURN 5m  1h     6h     WINDOW  COVERAGE           ┃"
        )
        #expect(
            screen[3]
                == "┃ > ✖ CRIT  Availability      99%       99.9%   ░░░░░░░░░░ -900%             ▁ overspent: 31 of 3.1 errors   10       10     10     10      3 m of 30 d 0 h    ┃"
        )
        #expect(
            screen[6]
                == "┃ Users                               2084          ≥ 100000      ✖ FAIL                                                                                       ┃"
        )
        #expect(
            screen[7]
                == "┃ No critical incidents               0             ≤ 0           ✓ PASS                                                                                       ┃"
        )
        #expect(
            screen[8]
                == "┃ NPS above 50                        –                           … not measured (surveys are outside Vigil)                                                   ┃"
        )
    }

    @Test func enterOpensAnObjectiveWithItsBurnDownRatesAndAlerts() throws {
        var h = Harness(Self.config, history: true)
        h.answer = Self.answer(Counters())
        h.run(forMs: 180_000)
        h.press(.char("O"), .enter)
        let screen = h.screen(width: 120, height: 30)
        #expect(
            screen[1]
                == "┏ Availability: 99.9% over rolling 30 d, events ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ ✖ CRIT ┓"
        )
        #expect(
            screen[2].hasPrefix(
                "┃ CRIT Availability: SLI 99% (objective 99.9%, rolling 30 d); budget -900%: overspent: 31"))
        // The chart: the "spent" line at 0%, the budget far below it, and
        // only at the right edge: three minutes of a month have data.
        #expect(screen[3].hasPrefix("┃    0% ┄ budget spent ┄┄┄"))
        #expect(screen[12].hasSuffix("⣀┃") && screen[12].dropFirst().dropLast(2).allSatisfy { $0 == " " })
        #expect(
            screen[15]
                == "┃ budget left of the errors the traffic so far allowed (0%: spent at the sustainable rate), 2025-10-25 16:03 to 2025-… ┃"
        )
        let table = Array(screen.drop { !$0.contains("WINDOW    BURN") }.prefix(8))
        #expect(
            table == [
                "┃ WINDOW    BURN      ALERTS AT                                                                                        ┃",
                "┃ 5m        10        page at 14.4 (with 1h)                                                                           ┃",
                "┃ 1h        10        page at 14.4 (with 5m)                                                                           ┃",
                "┃ 6h        10        page at 6 (with 30m); ticket at 1 (with 3d)                                                      ┃",
                "┃ window    10        1 spends the budget exactly over the window                                                      ┃",
                "┃                                                                                                                      ┃",
                "┃ ALERTS OF THIS OBJECTIVE                                                                                             ┃",
                // The ticket waits until the ledger covers its 6-hour window.
                "┃ none pending or firing                                                                                               ┃",
            ])
        h.press(.escape)
        #expect(h.screen(width: 120, height: 30)[1].hasPrefix("┏ Objectives: "))
        h.press(.escape)
        #expect(h.app.state.screen == .dashboards)
    }

    /// The history reader's answer: the availability objective's good
    /// and total rates, one point at the end of each stored minute.
    static func stored(_ minutes: StrideTo<Int64>, good: Double, total: Double, from: Int64) -> Message {
        .historyLoaded(
            [
                "slo:availability": [
                    Labels(["part": "good"]): minutes.map { ($0 + 58_000, good) },
                    Labels(["part": "total"]): minutes.map { ($0 + 58_000, total) },
                ]
            ], from: from)
    }

    @Test func theWindowBeforeThisProcessComesFromTheHistory() throws {
        var h = Harness(Self.config, history: true)
        h.answer = Self.answer(Counters())
        let load = try #require(h.loads.first)
        // A day before: 20 requests a second, all good, as minute averages.
        let day = stride(from: h.now - 86_400_000, to: h.now - 60_000, by: 60_000)
        h.send(Self.stored(day, good: 20, total: 20, from: load.1))
        h.run(forMs: 60_000)
        let f = try #require(h.app.objectiveFigures.first)
        #expect(f.coveredMinutes >= 1439)
        // 1,438 minutes of 1,200 good requests, then a minute at 1%.
        #expect(f.total > 1_438 * 1200 && f.sli! > 0.9999)
        // The last five minutes mix stored good minutes with this one's 1%:
        // above 1, far below the minute's own 10; the window is well within budget.
        #expect((f.burn5m ?? 0) > 1 && (f.burn5m ?? 0) < 3)
        #expect(f.state == .ok)
    }
}

/// Server mode: an objective's figures come from Prometheus' answers to
/// its queries; nothing is recorded locally.
@Suite struct ServerObjectivesTests {
    static let config = try! ConfigLoader.parse(
        """
        prometheus: {url: "http://127.0.0.1:9090"}
        metrics:
          users: {name: Users, unit: count, query: 'sum(active_users)'}
        dashboards:
          - name: Main
            panels:
              - {title: Users, type: stat, metrics: [users]}
        objectives:
          - {name: Availability, ratio: {bad: 'req_total{code="500"}', total: req_total}, objective: 99.9}
        """, file: "t.yaml")

    @Test func theFiguresAreTheServersAnswers() throws {
        var h = Harness(Self.config, history: true)
        h.answer = { p in
            let query = URLComponents(string: p.poll.request.url)?.queryItems?.first { $0.name == "query" }?.value ?? ""
            // Window: 1,440 minutes covered, 60,000 requests, 12 failed; the
            // burn windows' error ratio 0.0002 (a burn of 0.2).
            let value =
                query.contains("count_over_time")
                ? "1440"
                : query.contains(") - (")
                    ? "12" : query.hasPrefix("sum(increase(") ? "60000" : query.contains("req_total") ? "0.0002" : "7"
            return FetchOutcome(
                .success(
                    FetchResponse(
                        status: 200, contentType: "application/json",
                        body: Array(
                            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1764000000,\"\(value)\"]}]}}"
                                .utf8))))
        }
        // Server mode has no targets: `--once` waits for the server's
        // answers alone, not for scrapes that never come.
        let early = h.app.readyToPrint
        #expect(early == false)
        h.run(forMs: 10_000)
        let ready = h.app.readyToPrint
        #expect(ready)
        let f = try #require(h.app.objectiveFigures.first)
        #expect(f.problem == nil)
        #expect(f.total == 60_000 && f.sli == 1 - 12.0 / 60_000)
        #expect(abs(f.burn1h! - 0.2) < 1e-9 && f.coveredMinutes == 1440)
        #expect(f.budgetText == "48 of 60 errors left" && f.state == .ok)
        // Nothing of the objective is recorded or read locally in server mode.
        #expect(h.recorded.flatMap { $0 }.allSatisfy { !$0.metric.hasPrefix("slo:") })
        #expect(h.loads.isEmpty)
        // The window's queries once a minute, the burn windows each refresh.
        let asked = h.started.compactMap {
            URLComponents(string: $0.poll.request.url)?.queryItems?.first { $0.name == "query" }?.value
        }
        // A month is asked as five subqueries of six days (VictoriaMetrics
        // refuses 43,200 points in one); the counts as increases.
        let window = asked.filter { $0.contains("count_over_time") }
        #expect(window.count == 1)
        #expect(window.first?.components(separatedBy: "[518399999ms:1m] offset ").count == 5, "\(window)")
        #expect(asked.contains("sum(increase(req_total[2592000s]))"))
        #expect(asked.filter { $0.contains("req_total[5m]") }.count >= 4)
    }
}

/// In scrape mode the ticket's 3 days are not in memory: its rule reads the
/// ledger's error ratios, which reach back into the history.
@Suite struct LedgerTicketTests {
    @Test func theTicketFiresOnTheStoredWindow() throws {
        var cfg = ObjectivesAppTests.config
        // The demo's clock: the ticket's windows are 2h24m and 12m, its hold 2m.
        cfg.alerts.rules.removeAll { $0.objective != nil }
        cfg.objectives[0].speedup = 30
        cfg.alerts.rules += BurnRateAlerts.rules(cfg.objectives[0], remote: false)
        var h = Harness(cfg, history: true)
        h.answer = ObjectivesAppTests.answer(ObjectivesAppTests.Counters())
        let load = try #require(h.loads.first)
        // Three stored hours at 1% errors: ten times the sustainable burn.
        let hours = stride(from: h.now - 3 * 3_600_000, to: h.now - 60_000, by: 60_000)
        h.send(ObjectivesAppTests.stored(hours, good: 19.8, total: 20, from: load.1))
        h.run(forMs: 200_000)
        let ticket = h.app.alertsModel.rows.first { $0.key.rule == "Availability budget burn (ticket, 3d/6h)" }
        #expect(ticket?.state == .firing, "\(h.app.alertsModel.rows.map(\.key.rule))")
        #expect(abs((ticket?.value ?? 0) - 10) < 0.01)
    }
}

/// A restarted service resets its counters: the ledger counts rates, and
/// `rate` treats a reset as Prometheus does, so the budget sees neither a
/// negative count nor a burst.
@Suite struct CounterResetTests {
    @Test func aResetCounterNeitherSpendsNorRefundsTheBudget() throws {
        var h = Harness(ObjectivesAppTests.config)
        let counters = ObjectivesAppTests.Counters()
        h.answer = ObjectivesAppTests.answer(counters)
        h.run(forMs: 120_000)
        let before = try #require(h.app.objectiveFigures.first)
        // The service restarts: both counters start again from zero.
        counters.ok = 0
        counters.failed = 0
        h.run(forMs: 120_000)
        let after = try #require(h.app.objectiveFigures.first)
        // Two more minutes at 20 requests a second, 1% failing: about 2,400
        // more requests and 24 more errors, the SLI still 99%.
        #expect(after.total - before.total > 2_200 && after.total - before.total < 2_600)
        #expect(abs(after.sli! - 0.99) < 0.001)
        #expect(after.burn5m! > 9 && after.burn5m! < 11)
    }
}
