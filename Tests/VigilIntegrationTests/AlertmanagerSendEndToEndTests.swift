import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Vigil's own alert reaches Debian's Alertmanager (issue 15, item 1): it
/// appears in `/api/v2/alerts` and in `amtool alert query` with its labels
/// while it fires, and is ended there when it resolves in Vigil. The target
/// is a file served by Python's http.server, rewritten to fire and resolve.
@Suite(.serialized) struct AlertmanagerSendEndToEndTests {
    @Test func aFiringAlertIsInAlertmanagerUntilItResolves() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let amPort = Support.freePort()
        let amURL = "http://127.0.0.1:\(amPort)"
        let target = try Support.FileTarget(in: dir, Support.FileTarget.errors(9))
        defer { kill(target.process.processIdentifier, SIGKILL) }
        try
            "route: {receiver: blackhole, group_wait: 1s, group_interval: 1s, repeat_interval: 1h}\nreceivers: [{name: blackhole}]\n"
            .write(to: dir.appendingPathComponent("am.yml"), atomically: true, encoding: .utf8)
        let am = try Support.start(
            "/usr/bin/prometheus-alertmanager",
            [
                "--config.file=\(dir.path)/am.yml", "--storage.path=\(dir.path)/am",
                "--web.listen-address=127.0.0.1:\(amPort)", "--cluster.listen-address=",
            ], log: dir.appendingPathComponent("am.log"))
        defer { kill(am.processIdentifier, SIGKILL) }
        try Support.waitReady(amURL + "/-/ready")
        let config = dir.appendingPathComponent("vigil.yaml").path
        try
            (target.configHead
                + """
                alerts:
                  severities:
                    high: {name: High, color: orange}
                  rules:
                    - {name: High Error Rate, condition: error_rate > 5, for: 2s, severity: high,
                       description: High error rate detected, action: notify_team}
                  target_down: off
                alertmanager: {url: "\(amURL)", interval: 1s, resend_interval: 2s}
                """).write(toFile: config, atomically: true, encoding: .utf8)
        let t = try TmuxSession(
            width: 140, height: 30,
            command: "\(Support.vigil) --config \(config) --state-dir \(dir.path)/state --no-bell")
        func alerts() -> [[String: Any]] {
            let out = (try? Support.run("/usr/bin/curl", ["-s", amURL + "/api/v2/alerts"]).stdout) ?? ""
            return (try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]]) ?? []
        }
        func ours() -> [String: Any]? {
            alerts().first { ($0["labels"] as? [String: String])?["alertname"] == "High Error Rate" }
        }
        let deadline = Date().addingTimeInterval(40)
        while ours() == nil && Date() < deadline { usleep(300_000) }
        let alert = try #require(ours(), "\(t.screen())")
        #expect(
            alert["labels"] as? [String: String] == [
                "alertname": "High Error Rate", "severity": "high", "service": "api",
            ])
        let annotations = alert["annotations"] as? [String: String]
        #expect(annotations?["description"] == "High error rate detected")
        #expect(annotations?["action"] == "notify_team")
        #expect(annotations?["value"] == "9")
        let amtool = try Support.run(
            "/usr/bin/amtool", ["--alertmanager.url=\(amURL)", "alert", "query", "alertname=High Error Rate"])
        #expect(amtool.stdout.contains("High Error Rate"), "\(amtool.stdout) \(amtool.stderr)")
        // Read back, it is Vigil's own: the Alerts screen lists it once.
        try t.keys("A")
        let screen = t.wait("the alert firing") { $0.contains("FIRING") }
        #expect(!screen.contains("[alertmanager]"), "\(screen)")
        // Resolved in Vigil: ended in Alertmanager.
        try target.write(Support.FileTarget.errors(1))
        let resolvedBy = Date().addingTimeInterval(30)
        while ours() != nil && Date() < resolvedBy { usleep(300_000) }
        #expect(ours() == nil, "\(alerts())")
        try t.keys("q")
        t.waitFor("EXITED 0")
    }
}
