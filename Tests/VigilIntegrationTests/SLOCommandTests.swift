import Foundation
import Testing
import VigilCore
import VigilHistory

/// `vigil slo` (issue 13): the objectives' figures from the rates the
/// dashboard recorded, and the criteria, for scripts.
@Suite struct SLOCommandTests {
    @Test func figuresFromTheRecordedRatesAndCriteriaFromTheJournal() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("vigil.yaml")
        try """
        metrics:
          users: {name: Users, unit: count, query: 'sum(active_users)'}
        alerts:
          severities:
            critical: {name: Critical, color: red}
        objectives:
          - {name: Availability, ratio: {bad: 'req_total{code="500"}', total: req_total}, objective: 99.9}
        criteria:
          - {name: Users, metric: users, at_least: 1000}
          - {name: No critical incidents, incidents: critical, at_most: 0}
          - {name: NPS, not_measured: surveys are outside Vigil}
        """.write(to: config, atomically: true, encoding: .utf8)
        // Two hours at 10 requests a second, recorded every 2 s; 0.05% failing.
        let now = (Int64(Date().timeIntervalSince1970 * 1000) / 60_000) * 60_000
        let store = try HistoryStore(path: dir.appendingPathComponent("history.sqlite").path)
        var points: [HistoryPoint] = []
        for t in stride(from: now - 7_200_000, to: now, by: 2000) {
            points.append(HistoryPoint(metric: "slo:availability", labels: Labels(["part": "good"]), t: t, v: 9.995))
            points.append(HistoryPoint(metric: "slo:availability", labels: Labels(["part": "total"]), t: t, v: 10))
            points.append(HistoryPoint(metric: "users", labels: Labels(), t: t, v: 2084))
        }
        try store.write(points)
        let args = ["slo", "--config", config.path, "--state-dir", dir.path, "--at", "\(now / 1000)"]
        let json = try Support.run(Support.vigil, args + ["--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let o = try #require((root["objectives"] as? [[String: Any]])?.first)
        #expect(o["state"] as? String == "ok")
        #expect(abs((o["sli"] as? Double ?? 0) - 0.9995) < 1e-9)
        // 120 minutes of 600 requests: 72,000, 36 of them failing, 72 allowed.
        #expect(abs((o["total"] as? Double ?? 0) - 72_000) < 1e-6)
        #expect(o["budgetText"] as? String == "36 of 72 errors left")
        #expect(abs((o["burn1h"] as? Double ?? 0) - 0.5) < 1e-9)
        #expect(o["coveredMinutes"] as? Int == 120)
        let criteria = try #require(root["criteria"] as? [[String: Any]])
        #expect(criteria.map { $0["state"] as? String } == ["pass", "pass", "not measured"])
        let text = try Support.run(Support.vigil, args)
        #expect(
            text.stdout.split(separator: "\n").map(String.init) == [
                "OK Availability: SLI 99.95% (objective 99.9%, rolling 30 d); budget 50%: 36 of 72 errors left; burn 5m 0.5, 1h 0.5, 6h 0.5, window 0.5; data for 2 h 0 m of 30 d 0 h",
                "PASS Users: 2084 (≥ 1000; users, last minute recorded)",
                "PASS No critical incidents: 0 (≤ 0; critical incidents in the journal)",
                "NOT MEASURED NPS: surveys are outside Vigil",
            ])
        // The daily report carries the objectives at the end of its day.
        let report = try Support.run(
            Support.vigil, ["report", "daily", "--config", config.path, "--state-dir", dir.path])
        #expect(report.stdout.contains("\n## Objectives\n"), "\(report.stdout)")
        #expect(report.stdout.contains("| Availability | 99.95% | 99.9% over rolling 30 d | "), "\(report.stdout)")
        // Unhappy figures are exit status 1, for scripts and cron.
        try """
        metrics:
          users: {name: Users, unit: count, query: 'sum(active_users)'}
        criteria:
          - {name: Users, metric: users, at_least: 100000}
        """.write(to: config, atomically: true, encoding: .utf8)
        let failing = try Support.run(Support.vigil, args)
        #expect(failing.status == 1)
        #expect(failing.stdout == "FAIL Users: 2084 (≥ 100000; users, last minute recorded)\n")
    }
}
