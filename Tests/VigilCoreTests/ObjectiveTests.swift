import Foundation
import Testing

@testable import VigilCore

/// Success criteria as SLOs (issue 13): the configuration, its errors at
/// their positions, the generated burn-rate rules, and the budget
/// arithmetic against cases worked by hand.
@Suite struct ObjectiveTests {
    static let severities = """
        alerts:
          severities:
            critical: {name: Critical, color: red}
            medium: {name: Medium, color: yellow}
            low: {name: Low, color: blue}
        """

    func errors(_ objectives: String) -> [String] {
        do {
            _ = try ConfigLoader.parse(Self.severities + "\n" + objectives, file: "t.yaml")
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    @Test func badObjectivesAreErrorsAtTheirPositionsSayingWhy() {
        #expect(
            errors(
                """
                objectives:
                  - {name: A, ratio: {bad: 'e{code="500"}', total: e}, objective: 100}
                """)
                == [
                    "t.yaml:7:67: objective must be above 0 and below 100 (a percentage; 100% leaves no error budget, so any error at all would exhaust it)"
                ])
        #expect(
            errors(
                """
                objectives:
                  - {name: A, ratio: {good: 'e{code="200"}', total: 'e{job="api"}'}, objective: 99}
                """)
                == [
                    "t.yaml:7:29: good can exceed total: it lacks total's matcher job=\"api\" (good and bad must be total narrowed by more matchers)"
                ])
        #expect(
            errors(
                """
                objectives:
                  - {name: A, gauge: up, objective: 99.9, window: 1d}
                """)
                == [
                    "t.yaml:7:51: window 1d is shorter than the longest burn-rate alert window (3d, the ticket alert's)"
                ])
        #expect(
            errors(
                """
                objectives:
                  - {name: A, ratio: {bad: 'rate(e[5m])', total: e}, objective: 99}
                """)
                == [
                    "t.yaml:7:28: ratio.bad must be a plain selector such as http_requests_total{code!~\"5..\"}, not an expression"
                ])
        #expect(
            errors(
                """
                objectives:
                  - {name: A, gauge: up, objective: 99, alerts: {page: urgent}}
                """)
                == ["t.yaml:7:56: unknown severity 'urgent' (defined: critical, medium, low)"])
        #expect(
            errors(
                """
                criteria:
                  - {name: Users, metric: users, at_least: 100000}
                """) == ["t.yaml:7:27: undefined metric 'users' (define it under metrics:)"])
    }

    @Test func eachObjectiveGetsPageAndTicketRulesWithFactorsScaledToItsWindow() throws {
        let c = try ConfigLoader.parse(
            Self.severities + "\n"
                + """
                objectives:
                  - {name: Availability, ratio: {bad: 'http_requests_total{code=~"5.."}', total: http_requests_total}, objective: 99.9}
                  - {name: Fast Pages, latency: {histogram: 'http_request_duration_seconds{job="web"}', threshold: 0.25}, objective: 99, window: week, alerts: {ticket: low}}
                """, file: "t.yaml")
        let rules = c.alerts.rules.filter { $0.objective != nil }
        #expect(
            rules.map(\.name) == [
                "Availability budget burn (page, 1h/5m)", "Availability budget burn (page, 6h/30m)",
                "Availability budget burn (ticket, 3d/6h)", "Fast Pages budget burn (page, 1h/5m)",
                "Fast Pages budget burn (page, 6h/30m)", "Fast Pages budget burn (ticket, 3d/6h)",
            ])
        #expect(rules.map(\.severity) == ["critical", "critical", "medium", "critical", "critical", "low"])
        // 30 days: a burn of 14.4 (the error ratio over the budget, 0.001).
        #expect(
            rules[0].promql
                == "(sum(rate(http_requests_total{code=~\"5..\"}[1h])) / sum(rate(http_requests_total[1h]))) / 0.001 > 14.4 and (sum(rate(http_requests_total{code=~\"5..\"}[5m])) / sum(rate(http_requests_total[5m]))) / 0.001 > 14.4"
        )
        // A week: 2% in an hour is 3.36 times the sustainable rate; 10% in 3 days, 0.2333….
        #expect(
            rules[3].promql.hasSuffix(
                " / 0.01 > 3.36 and (1 - sum(rate(http_request_duration_seconds_bucket{job=\"web\", le=~\"0\\\\.25(\\\\.0+)?\"}[5m])) / sum(rate(http_request_duration_seconds_count{job=\"web\"}[5m]))) / 0.01 > 3.36"
            ))
        #expect(rules[5].promql.contains(" / 0.01 > 0.233333333333 and "))
        #expect(
            (rules[0].holdFor.milliseconds, rules[1].holdFor.milliseconds, rules[2].holdFor.milliseconds) == (
                120_000, 900_000, 3_600_000
            ))
        // The pages wait for their short window only; memory keeps 6 h, not
        // 3 days: in scrape mode the ticket reads the ledger's ratios.
        #expect(rules[0].coverageMs == 300_000 && rules[2].coverageMs == 0)
        #expect(
            rules[2].promql
                == "max(vigil_slo_error_ratio{objective=\"availability\", window=\"long\"}) / 0.001 > 1 and max(vigil_slo_error_ratio{objective=\"availability\", window=\"short\"}) / 0.001 > 1"
        )
        #expect(c.longestQueryReachMs == 21_600_000)
    }

    static let now: Int64 = 1_795_910_400_000 + 12 * 3_600_000  // 2026-11-29 12:00 UTC

    static func objective(_ yaml: String) throws -> Objective {
        try #require(try ConfigLoader.parse("objectives:\n  - " + yaml, file: "t.yaml").objectives.first)
    }

    @Test func eventsBudgetFromKnownTraffic() throws {
        let o = try Self.objective("{name: A, ratio: {bad: 'e{code=\"500\"}', total: e}, objective: 99.9}")
        var ledger = SLOLedger()
        // An hour of 1,000 requests a minute; 2 errors a minute in the last 10.
        var minutes: [Int64: SLOLedger.Minute] = [:]
        for i in 0..<60 {
            let m = Self.now - Int64(60 - i) * 60_000
            minutes[m] = SLOLedger.Minute(good: i >= 50 ? 998 : 1000, total: 1000)
        }
        ledger.backfill(minutes)
        let f = SLOFigures.compute(o, ledger: ledger, now: Self.now)
        #expect(f.total == 60_000 && f.good == 59_980)
        #expect(f.sli == 59_980.0 / 60_000)
        // 60 errors allowed by 60,000 requests at 99.9%; 20 spent.
        #expect(abs(f.budgetAllowed! - 60) < 1e-9 && abs(f.budgetRemaining! - 2.0 / 3) < 1e-12)
        #expect(f.budgetText == "40 of 60 errors left")
        #expect(abs(f.burn1h! - 1.0 / 3) < 1e-9 && abs(f.burn5m! - 2) < 1e-9)
        #expect(f.coveredMinutes == 60 && f.windowMinutes == 43_200)
        #expect(f.state == .ok)
        // Time to exhaustion at the hour's burn: 2/3 of 30 days at a third of the sustainable rate.
        #expect(abs(f.exhaustionMs! - 2 * 30 * 86_400_000) <= 1)
    }

    @Test func timeSlicesBudgetIsTime() throws {
        let o = try Self.objective("{name: Up, gauge: up, objective: 99.9}")
        var ledger = SLOLedger()
        // Two hours of minutes, 12 of them with a target down for a while.
        for i in 0..<120 {
            let t = Self.now - Int64(120 - i) * 60_000
            for s in 0..<6 {
                ledger.feed(good: i % 10 == 0 && s == 0 ? 0 : 1, total: 1, gauge: true, at: t + Int64(s) * 10_000)
            }
        }
        let f = SLOFigures.compute(o, ledger: ledger, now: Self.now)
        #expect(f.budgeting == "timeslices")
        #expect((f.good, f.total) == (108, 120))
        // 30 days at 99.9%: 43.2 minutes, 12 spent.
        #expect(f.budgetText == "31 min 12 s of 43 min 12 s left")
        #expect(abs(f.budgetRemaining! - (1 - 12 / 43.2)) < 1e-12)
        // The last hour: 6 bad minutes of 60 → a burn of 100.
        #expect(abs(f.burn1h! - 100) < 1e-9)
        #expect(f.state == .critical)
    }

    @Test func anchoredAndCalendarWindowsAndNoTraffic() throws {
        let launch = try Self.objective(
            "{name: L, gauge: up, objective: 99, window: {since: \"2026-11-29T11:00:00Z\", length: 7d}}")
        #expect(launch.window.bounds(now: Self.now) == (Self.now - 3_600_000, Self.now))
        let f = SLOFigures.compute(launch, ledger: SLOLedger(), now: Self.now)
        #expect(f.windowMinutes == 60 && f.state == .noData && f.sli == nil && f.budgetText == "no data")
        let month = try Self.objective("{name: M, gauge: up, objective: 99.9, window: month}")
        #expect(month.window.bounds(now: Self.now).start == 1_793_491_200_000)  // 2026-11-01
        #expect(month.window.fullLengthMs(now: Self.now) == 30 * 86_400_000)
        #expect(month.window.fullLengthMs(now: 1_770_681_600_000) == 28 * 86_400_000)  // February 2026
        let week = try Self.objective("{name: W, gauge: up, objective: 99.9, window: week}")
        #expect(week.window.bounds(now: Self.now).start == 1_795_392_000_000)  // Monday 2026-11-23
    }

    @Test func theLedgerCountsRatesOverTimeAndSkipsGaps() {
        var ledger = SLOLedger()
        let t0: Int64 = 1_795_968_000_000
        ledger.feed(good: 9, total: 10, gauge: false, at: t0)  // the first feed only starts the clock
        ledger.feed(good: 9, total: 10, gauge: false, at: t0 + 2000)
        ledger.feed(good: 9, total: 10, gauge: false, at: t0 + 4000)
        #expect(ledger.sum(from: t0, to: t0 + 60_000) == SLOLedger.Minute(good: 36, total: 40))
        // Ten minutes of silence count as a minute at most.
        ledger.feed(good: 1, total: 1, gauge: false, at: t0 + 604_000)
        #expect(ledger.sum(from: t0 + 600_000, to: t0 + 660_000) == SLOLedger.Minute(good: 60, total: 60))
        ledger.feed(good: .nan, total: 1, gauge: false, at: t0 + 606_000)
        #expect(ledger.sum(from: t0 + 600_000, to: t0 + 660_000) == SLOLedger.Minute(good: 60, total: 60))
    }
}
