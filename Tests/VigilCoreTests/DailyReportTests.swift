import Foundation
import Testing

@testable import VigilCore

/// The daily report from rollups of known values (issue 12): exact
/// figures, coverage, what is not measured, and the incidents' times.
@Suite struct DailyReportTests {
    static let config = try! ConfigLoader.parse(
        """
        metrics:
          system.status: {name: System Status, unit: "%", query: up, threshold: {warning: 99.9, critical: 50}}
          response_time: {name: Response Time, unit: ms, query: up, aggregation: p95, threshold: {warning: 2000, critical: 5000}}
          error_rate: {name: Error Rate, unit: "%", query: up, aggregation: avg, threshold: {warning: 1, critical: 5}}
        """, file: "t.yaml")
    static let day: Int64 = 1_764_028_800_000  // 2025-11-25 00:00 UTC

    static func minutes(_ values: [Double], from start: Int64 = day) -> [HistoryRollup] {
        values.enumerated().map { i, v in
            HistoryRollup(minute: start + Int64(i) * 60_000, min: v, max: v, sum: v * 30, last: v, count: 30)
        }
    }

    @Test func figuresFromKnownValues() throws {
        // Response time 100, 200, … 2000 ms over 20 minutes: p95 of those
        // is 1905 ms (interpolated); error rate 1% for 10 min, 3% for 10.
        let latency = (1...20).map { Double($0) * 100 }
        let errors = Array(repeating: 1.0, count: 10) + Array(repeating: 3.0, count: 10)
        let report = DailyReport.build(
            date: "2025-11-25", from: Self.day, to: Self.day + 86_400_000, config: Self.config,
            rollups: [
                "response_time": [Labels(): Self.minutes(latency)],
                "error_rate": [Labels(["service": "api"]): Self.minutes(errors)],
            ], incidents: [], source: "test")
        let system = try #require(report.sections.first { $0.title == "System" })
        let rt = try #require(system.figures.first { $0.name == "Response time" })
        #expect(rt.value == 1905)
        #expect(rt.how == "p95 of the minute averages of response_time")
        #expect((rt.watchedMinutes, rt.periodMinutes) == (20, 1440))
        #expect(rt.state == "ok")
        let er = try #require(system.figures.first { $0.name == "Error rate" })
        #expect(er.value == 2)
        #expect(er.state == "warning")
        // Configured but nothing recorded; not configured at all.
        let uptime = try #require(system.figures.first { $0.name == "Uptime" })
        #expect(uptime.value == nil)
        #expect(uptime.missing == "not measured: nothing recorded for system.status in the period")
        let throughput = try #require(system.figures.first { $0.name == "Throughput" })
        #expect(throughput.missing == "not measured: no metric throughput in the configuration")
        let users = try #require(report.sections.first { $0.title == "Users" })
        #expect(
            users.figures[1].missing == "not measured: the plan names it, the configuration defines no metric for it")
        #expect(!report.isEmpty)
        #expect(
            report.markdown.contains(
                "| Response time | 1905 ms | ok | p95 of the minute averages of response_time | watched 20 m of 24 h 0 m |"
            ))
    }

    @Test func incidentsCountAndTheirTimesToResolve() {
        func history(_ id: String, severity: String, opened: Int64, resolvedAfter: Int64?) -> IncidentHistory {
            var records = [
                JournalRecord(
                    t: opened,
                    .incidentOpened(
                        IncidentOpened(
                            id: id, alert: AlertKey(rule: "R", labels: Labels()), title: id, severity: severity,
                            description: nil, services: [], assignee: nil, by: "a")))
            ]
            if let after = resolvedAfter {
                records.append(
                    JournalRecord(
                        t: opened + after,
                        .incidentUpdated(IncidentUpdated(id: id, status: .resolved, note: "", by: "a"))))
            }
            var book = IncidentBook()
            for r in records { book.apply(r) }
            return IncidentHistory(incident: book[id]!, records: records, nowMs: opened + 86_400_000)
        }
        let figures = DailyReport.incidentFigures(
            [
                history("A", severity: "critical", opened: Self.day, resolvedAfter: 600_000),
                history("B", severity: "high", opened: Self.day + 1000, resolvedAfter: 1_200_000),
                history("C", severity: "critical", opened: Self.day + 2000, resolvedAfter: 3_000_000),
                history("D", severity: "low", opened: Self.day + 3000, resolvedAfter: nil),
            ], config: Self.config)
        #expect((figures.total, figures.critical, figures.resolved) == (4, 2, 3))
        #expect(figures.meanTimeToResolveMs == 1_600_000)
        #expect(figures.medianTimeToResolveMs == 1_200_000)
    }

    /// The week against the week before: the trend by day, the change,
    /// time past the critical threshold, root causes, and the stated
    /// recommendation rules.
    @Test func theWeeklyReportComparesWeeksAndRecommends() throws {
        let week: Int64 = 7 * 86_400_000
        let monday = Self.day - 86_400_000  // 2025-11-24, a Monday
        // Error rate: 1% every minute of the week before; this week 1% on
        // Monday, except 90 minutes at 6% (past critical 5), and 2% on
        // Tuesday; nothing recorded after Tuesday.
        var previous: [HistoryRollup] = []
        for m in 0..<(7 * 1440) {
            previous.append(
                HistoryRollup(minute: monday - week + Int64(m) * 60_000, min: 1, max: 1, sum: 30, last: 1, count: 30))
        }
        let monday1 = (0..<1440).map { m -> HistoryRollup in
            let v = m < 90 ? 6.0 : 1.0
            return HistoryRollup(minute: monday + Int64(m) * 60_000, min: v, max: v, sum: v * 30, last: v, count: 30)
        }
        let tuesday = Self.minutes(Array(repeating: 2.0, count: 1440), from: monday + 86_400_000)
        let report = WeeklyReport.build(
            weekOf: "2025-11-24", from: monday, config: Self.config,
            rollups: ["error_rate": [Labels(): previous + monday1 + tuesday]], incidents: [], source: "test")
        let er = try #require(report.sections[0].figures.first { $0.week.name == "Error rate" })
        // (90 × 6 + 1350 × 1 + 1440 × 2) / 2880 minutes.
        let expected: Double = Double(90 * 6 + 1350 + 1440 * 2) / 2880
        #expect(abs(er.week.value! - expected) < 1e-9)
        #expect(er.previous == 1)
        #expect(abs(er.change! - (expected - 1)) < 1e-9)
        #expect(er.criticalMinutes == 90)
        let mondayValue: Double = Double(90 * 6 + 1350) / 1440
        #expect(er.daily[0].map { abs($0 - mondayValue) < 1e-9 } == true)
        #expect(er.daily[1] == 2 && er.daily[2] == nil)
        #expect(
            report.recommendations == [
                "Error rate was past its critical threshold for 1 h 30 m of the week",
                "Error rate is 66% higher than the week before",
                "Error rate was watched only 29% of the week: the figures are partial",
            ])
        #expect(report.markdown.contains("## Recommendations\n\n- Error rate was past its critical threshold"))
    }
}
