import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Notifications end to end (issue 15): a firing alert's pages reach
/// loopback receivers shaped after PagerDuty's Events API v2, a Slack
/// incoming webhook and a generic webhook (no real PagerDuty or Slack can
/// be had here); with the receivers down and Vigil killed with SIGKILL,
/// a restart delivers each notification exactly once; `vigil notify test`
/// and `vigil notify outbox` say what happened, secrets never shown.
@Suite(.serialized) struct NotifyEndToEndTests {
    struct Stack {
        let dir = Support.temporaryDirectory()
        let receiverPort = Support.freePort()
        var processes: [Process] = []
        var receiverLog: URL { dir.appendingPathComponent("received.jsonl") }
        var config: String { dir.appendingPathComponent("vigil.yaml").path }
        var state: String { dir.appendingPathComponent("state").path }

        init() throws {
            let target = try Support.FileTarget(in: dir, Support.FileTarget.errors(9))
            processes.append(target.process)
            let r = "http://127.0.0.1:\(receiverPort)"
            try
                (target.configHead
                    + """
                    alerts:
                      severities:
                        critical: {name: Critical, color: red, channels: [pagerduty, slack, sms]}
                      rules:
                        - {name: High Error Rate, condition: error_rate > 5, for: 2s, severity: critical, description: Errors, action: page}
                      target_down: off
                    channels:
                      - {name: pagerduty, kind: pagerduty, url: "\(r)/v2/enqueue", routing_key: "${PD_KEY}"}
                      - {name: slack, kind: slack, url: "\(r)/hooks/T0K3N"}
                      - {name: sms, kind: webhook, url: "\(r)/sms"}
                    """).write(toFile: config, atomically: true, encoding: .utf8)
        }

        mutating func startReceivers() throws {
            processes.append(
                try Support.start(
                    "/usr/bin/python3",
                    [
                        TmuxSession.root + "/Tests/VigilIntegrationTests/Fixtures/receivers.py", "--port",
                        "\(receiverPort)", "--log", receiverLog.path,
                    ], log: dir.appendingPathComponent("receivers.log")))
            for _ in 0..<100 {
                if (try? Support.run(
                    "/usr/bin/curl",
                    ["-s", "-o", "/dev/null", "-X", "POST", "-d", "{}", "http://127.0.0.1:\(receiverPort)/ping"]))?
                    .status == 0
                {
                    return
                }
                usleep(100_000)
            }
        }

        func received() -> [(path: String, body: [String: Any])] {
            let text = (try? String(contentsOf: receiverLog, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let path = o["path"] as? String, path != "/ping"
                else { return nil }
                return (path, o["body"] as? [String: Any] ?? [:])
            }
        }

        func journalTypes() -> [String] {
            let text = (try? String(contentsOfFile: state + "/journal.jsonl", encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { l in
                (try? JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any])?["type"] as? String
            }
        }

        func stop() {
            for p in processes { kill(p.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(at: dir)
        }
    }

    @Test func aKilledVigilDeliversEachNotificationOnceAfterARestart() throws {
        var stack = try Stack()
        defer { stack.stop() }
        let command = "\(Support.vigil) --config \(stack.config) --state-dir \(stack.state) --no-bell"
        let env = ["PD_KEY": "R0UT1NG-SECRET"]
        // The receivers are down: the alert fires, three notifications wait.
        var t = try TmuxSession(width: 140, height: 30, command: command, environment: env)
        let deadline = Date().addingTimeInterval(40)
        while stack.journalTypes().filter({ $0 == "notify_queued" }).count < 3 && Date() < deadline { usleep(200_000) }
        #expect(stack.journalTypes().filter { $0 == "notify_queued" }.count == 3, "\(t.screen())")
        sleep(2)  // a retry or two against the closed port
        try Support.run("/usr/bin/pkill", ["-9", "-f", "^\(Support.vigil) --config \(stack.config)"])
        t.waitFor("EXITED 137")
        #expect(stack.journalTypes().filter { $0.hasPrefix("notify_sent") || $0 == "notify_failed" }.isEmpty)
        // Up again: the restart sends what was pending.
        try stack.startReceivers()
        t = try TmuxSession(width: 140, height: 30, command: command, environment: env)
        let by = Date().addingTimeInterval(30)
        while stack.received().count < 3 && Date() < by { usleep(200_000) }
        sleep(4)  // anything sent twice would arrive by now
        let got = stack.received()
        #expect(got.map(\.path).sorted() == ["/hooks/T0K3N", "/sms", "/v2/enqueue"], "\(got)")
        let pd = try #require(got.first { $0.path == "/v2/enqueue" }?.body)
        #expect(pd["event_action"] as? String == "trigger")
        #expect(pd["routing_key"] as? String == "R0UT1NG-SECRET")
        #expect(pd["dedup_key"] as? String == #"High Error Rate{service="api"}"#)
        #expect(
            (got.first { $0.path == "/hooks/T0K3N" }?.body["text"] as? String)?.contains(
                "*FIRING* [critical] High Error Rate {service=api}") == true)
        #expect((got.first { $0.path == "/sms" }?.body["status"] as? String) == "firing")
        #expect(stack.journalTypes().filter { $0 == "notify_sent" }.count == 3)
        // The Alerts screen says where it went.
        try t.keys("A")
        let s = t.wait("the deliveries") { $0.contains("notified: pagerduty ✓") }
        #expect(s.contains("slack ✓") && s.contains("sms ✓"), "\(s)")
        try t.keys("q")
        t.waitFor("EXITED 0")
        // The outbox: all delivered; no secret in any output or the journal.
        let outbox = try Support.run(
            Support.vigil, ["notify", "outbox", "--all", "--config", stack.config, "--state-dir", stack.state],
            environment: ProcessInfo.processInfo.environment.merging(env) { $1 })
        #expect(outbox.status == 0, "\(outbox.stderr)")
        #expect(outbox.stdout.split(separator: "\n").filter { $0.contains("delivered") }.count == 3, "\(outbox.stdout)")
        let journal = (try? String(contentsOfFile: stack.state + "/journal.jsonl", encoding: .utf8)) ?? ""
        for secret in ["R0UT1NG-SECRET", "T0K3N"] {
            #expect(!outbox.stdout.contains(secret) && !journal.contains(secret))
        }
    }

    @Test func aTestMessageReachesEachChannel() throws {
        var stack = try Stack()
        defer { stack.stop() }
        try stack.startReceivers()
        var env = ProcessInfo.processInfo.environment
        env["PD_KEY"] = "R0UT1NG-SECRET"
        let pd = try Support.run(
            Support.vigil, ["notify", "test", "pagerduty", "--config", stack.config], environment: env)
        #expect(pd.status == 0, "\(pd.stderr)")
        #expect(pd.stdout.hasPrefix("pagerduty trigger: HTTP 202 {\"status\": \"success\""), "\(pd.stdout)")
        #expect(pd.stdout.contains("pagerduty resolve: HTTP 202"), "\(pd.stdout)")
        let slack = try Support.run(
            Support.vigil, ["notify", "test", "slack", "--config", stack.config], environment: env)
        #expect(slack.stdout == "slack trigger: HTTP 200 ok\n", "\(slack.stdout)")
        let missing = try Support.run(
            Support.vigil, ["notify", "test", "email", "--config", stack.config], environment: env)
        #expect(
            missing.status == 2 && missing.stderr.contains("no channel 'email' (configured: pagerduty, slack, sms)"))
        #expect(stack.received().map(\.path) == ["/v2/enqueue", "/v2/enqueue", "/hooks/T0K3N"])
        #expect(!(pd.stdout + slack.stdout).contains("T0K3N") && !(pd.stdout + slack.stdout).contains("R0UT1NG"))
    }
}
