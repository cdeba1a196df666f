import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The launch end to end (issue 14): the demo under tmux, where the api
/// incident holds the first phase NO-GO and a promotion goes through once
/// it is over; a restart shows the same launch; and the command line's
/// `vigil launch` and `vigil checklist` against a real exporter and real
/// HTTP probes on loopback, refusing what must be refused and writing
/// nothing then.
@Suite(.serialized) struct LaunchEndToEndTests {
    static var vigil: String { Support.vigil }

    func line(_ screen: String, _ text: String) -> String {
        screen.split(separator: "\n").first { $0.contains(text) }.map(String.init) ?? ""
    }

    @Test func theIncidentHoldsThePhaseAndAPromotionFollowsIt() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("state").path
        // 125 s into the demo's cycle: the api is down until 150 s, and its
        // errors leave the one-minute rate some 50 s later.
        let command = "\(Self.vigil) --demo --demo-start 125 --no-bell --state-dir \(state)"
        var t = try TmuxSession(width: 150, height: 45, command: command)
        t.wait("live data") { $0.contains("targets 1/1 up") }
        try t.keys("L")
        t.waitFor("DEMO: the plan's hours are minutes here")
        try t.keys("P")
        t.waitFor("start or promote: why")
        try t.keys("-l", "launch day")
        try t.keys("Enter")
        var s = t.wait("the first phase") { $0.contains("▶ internal_launch") }
        #expect(line(s, "start (start) → internal_launch by ").contains(": launch day"), "\(s)")
        // The incident turns the error rate check NO-GO.
        s = t.wait("NO-GO", seconds: 60) { $0.contains("NO-GO    error_rate") }
        #expect(line(s, "NO-GO    error_rate").contains("> 5%"), "\(s)")
        #expect(line(s, "NO-GO: ").contains("error_rate "), "\(s)")
        try t.keys("H")
        t.waitFor("hold this phase: why")
        try t.keys("-l", "api incident")
        try t.keys("Enter")
        t.waitFor("hold internal_launch by")
        try t.keys("P")
        try t.keys("Enter")
        t.wait("the promotion refused", seconds: 30) { self.line($0, " │ ").contains("refused: ") }
        // Over: no check is NO-GO any more, and the promotion goes through.
        t.wait("the incident over", seconds: 150) { !$0.contains("NO-GO") && $0.contains("error_rate") }
        try t.keys("P")
        try t.keys("-l", "error rate back under 5%")
        try t.keys("Enter")
        s = t.wait("the second phase", seconds: 30) { $0.contains("▶ beta_users_launch") }
        #expect(s.contains("✓ internal_launch"), "\(s)")
        try t.keys("q")
        t.waitFor("EXITED 0")
        // A restart shows the same launch and its decisions.
        t = try TmuxSession(width: 150, height: 45, command: command + " --screen launch")
        s = t.wait("the launch after a restart") { $0.contains("▶ beta_users_launch") }
        #expect(s.contains("promote internal_launch → beta_users_launch by "), "\(s)")
        #expect(s.contains("hold internal_launch by "), "\(s)")
        try t.keys("q")
        t.waitFor("EXITED 0")
        // The report lists the phases, the decisions and what held.
        let report = try Support.run(
            Self.vigil,
            ["launch", "report", "--config", TmuxSession.root + "/dashboards/normaldance.yaml", "--state-dir", state])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("| internal_launch | 10% | 2h00m | "), "\(report.stdout)")
        #expect(report.stdout.contains("| promote |"), "\(report.stdout)")
        #expect(report.stdout.contains("hold: internal_launch → internal_launch"), "\(report.stdout)")
        #expect(report.stdout.contains("Reason: api incident"), "\(report.stdout)")
        #expect(report.stdout.contains("internal_launch: error_rate NO-GO at "), "\(report.stdout)")
    }

    @Test func theCommandLineDecidesAsTheKeysDo() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Support.freePort()
        // 100 s into the cycle, frozen: the api incident lasts.
        let exporter = try Support.start(
            Self.vigil, ["demo", "--listen", "127.0.0.1:\(port)", "--start", "100", "--freeze"],
            log: dir.appendingPathComponent("demo.log"))
        defer { kill(exporter.processIdentifier, SIGKILL) }
        try Support.waitReady("http://127.0.0.1:\(port)/metrics")
        let config = dir.appendingPathComponent("vigil.yaml").path
        try """
        refresh: 1s
        targets:
          - {name: api, url: "http://127.0.0.1:\(port)/metrics", interval: 1s, timeout: 1s}
        metrics:
          error_rate:
            name: Error Rate
            unit: "%"
            query: 100 * sum(rate(http_requests_total{code=~"5.."}[5s])) / sum(rate(http_requests_total[5s]))
            threshold: {warning: 1, critical: 5}
        launch:
          phases:
            - {name: internal, traffic: 10, duration: 1h, checks: [{metric: error_rate}]}
            - {name: public, traffic: 100, duration: 1h, checks: [{metric: error_rate}]}
          checklist:
            ops:
              - Pager rota
              - {title: Security events, http: 'http://127.0.0.1:\(port)/security/events'}
              - {title: Status page, http: 'http://127.0.0.1:\(port)/status'}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let state = dir.appendingPathComponent("state").path
        func vigil(_ args: String...) throws -> Support.Output {
            try Support.run(Self.vigil, args + ["--config", config, "--state-dir", state])
        }
        func journalTypes() -> [String] {
            let text = (try? String(contentsOfFile: state + "/journal.jsonl", encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { l in
                (try? JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any])?["type"] as? String
            }.filter { $0 != "journal_generation" }
        }
        // The probes run: the status page answers 404, the events 200.
        var out = try vigil("checklist", "run")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("✓ ops.security-events"), "\(out.stdout)")
        #expect(out.stdout.contains("✗ ops.status-page"), "\(out.stdout)")
        #expect(out.stdout.contains("HTTP 404 (expected 200)"), "\(out.stdout)")
        #expect(journalTypes() == ["checklist", "checklist"])
        // A failed item refuses the start, and nothing is written.
        out = try vigil("launch", "start")
        #expect(out.status == 1)
        #expect(out.stderr.contains("refused: checklist: ops.status-page failed"), "\(out.stderr)")
        #expect(journalTypes().count == 2)
        // A skip needs its reason; then the start goes through.
        out = try vigil("checklist", "tick", "ops.status-page", "--skip")
        #expect(out.status == 1 && out.stderr.contains("skipping ops.status-page needs a reason"), "\(out.stderr)")
        out = try vigil("checklist", "tick", "ops.status-page", "--skip", "--note", "not public yet")
        #expect(out.status == 0, "\(out.stderr)")
        out = try vigil("checklist", "tick", "ops.pager-rota", "--note", "rota in PD")
        #expect(out.status == 0, "\(out.stderr)")
        out = try vigil("checklist", "tick", "ops.pager-rota")
        #expect(out.status == 1 && out.stderr.contains("ops.pager-rota is already pass"), "\(out.stderr)")
        out = try vigil("launch", "start", "--reason", "go")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.hasPrefix("entered internal"), "\(out.stdout)")
        // The incident: status says NO-GO (exit 1); a promotion is refused.
        out = try vigil("launch", "status", "--json")
        #expect(out.status == 1)
        let status = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(status["phase"] as? String == "internal")
        let decision = status["decision"] as? [String: Any]
        #expect(decision?["verdict"] as? String == "NO-GO", "\(out.stdout)")
        let checks = status["checks"] as? [[String: Any]]
        #expect(checks?.first?["verdict"] as? String == "NO-GO")
        #expect((checks?.first?["value"] as? Double ?? 0) > 5)
        let before = journalTypes()
        out = try vigil("launch", "promote")
        #expect(out.status == 1 && out.stderr.contains("refused: error_rate is NO-GO"), "\(out.stderr)")
        out = try vigil("launch", "override")
        #expect(out.status == 1 && out.stderr.contains("an override needs a reason"), "\(out.stderr)")
        #expect(journalTypes() == before)
        out = try vigil("launch", "override", "--reason", "retries absorb it; bob agreed")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(journalTypes().last == "launch_override")
        out = try vigil("launch", "status")
        #expect(out.stdout.contains("Launch: public 100%"), "\(out.stdout)")
        let report = try vigil("launch", "report")
        #expect(report.stdout.contains("override: internal → public"), "\(report.stdout)")
        #expect(report.stdout.contains("Reason: retries absorb it; bob agreed"), "\(report.stdout)")
        #expect(report.stdout.contains("| error_rate | NO-GO | "), "\(report.stdout)")
        #expect(report.stdout.contains("| ops.status-page | – skipped | "), "\(report.stdout)")
    }
}
