import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The on-call promise end to end, under tmux against the demo exporter:
/// the api incident goes pending then firing, `a` acknowledges it with a
/// note, Vigil is killed with SIGKILL and restarted and the alert is still
/// acknowledged, `i` opens an incident, and `vigil postmortem` prints a
/// timeline holding those events in order with their times.
@Suite(.serialized) struct AlertsEndToEndTests {
    static var vigil: String { Support.vigil }

    /// The shipped config pointed at `port`, scraping every second, with
    /// the rules' holds cut to seconds (the plan's 5m would make a slow test).
    static func config(port: Int, in dir: URL) throws -> String {
        let shipped = try String(contentsOfFile: TmuxSession.root + "/dashboards/normaldance.yaml", encoding: .utf8)
        // The objectives' burn-rate alerts would join the list as it is
        // walked; this test is about the plan's rules, so it leaves them out.
        let withoutObjectives = shipped.range(of: "\nobjectives:").map { String(shipped[..<$0.lowerBound]) } ?? shipped
        let text =
            withoutObjectives
            .replacingOccurrences(of: "http://127.0.0.1:9464/metrics", with: "http://127.0.0.1:\(port)/metrics")
            .replacingOccurrences(of: "interval: 5s", with: "interval: 1s")
            .replacingOccurrences(of: "timeout: 2s", with: "timeout: 1s")
            .replacingOccurrences(of: "refresh: 2s", with: "refresh: 1s")
            .replacingOccurrences(of: "for: 5m", with: "for: 4s")
            .replacingOccurrences(of: "for: 10m", with: "for: 6s")
            // Rules wait until the store covers their ranges: ten seconds, not a minute.
            .replacingOccurrences(of: "[1m]", with: "[10s]")
        let path = dir.appendingPathComponent("vigil.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Selects the Alerts screen row that mentions `text`.
    func select(_ text: String, in t: TmuxSession) throws {
        for _ in 0..<8 {
            if t.screen().split(separator: "\n").contains(where: { $0.contains(">") && $0.contains(text) }) { return }
            try t.keys("j")
            usleep(300_000)
        }
        Issue.record("could not select \(text); screen:\n\(t.screen())")
    }

    func line(_ screen: String, _ text: String) -> String {
        screen.split(separator: "\n").first { $0.contains(text) }.map(String.init) ?? ""
    }

    @Test func incidentIsAcknowledgedSurvivesKillAndWritesItsPostmortem() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Support.freePort()
        // 100 s into the cycle, frozen: the api is down until the test ends.
        let exporter = try Support.start(
            Self.vigil, ["demo", "--listen", "127.0.0.1:\(port)", "--start", "100", "--freeze"],
            log: dir.appendingPathComponent("demo.log"))
        defer { kill(exporter.processIdentifier, SIGKILL) }
        try Support.waitReady("http://127.0.0.1:\(port)/metrics")
        let config = try Self.config(port: port, in: dir)
        let state = dir.appendingPathComponent("state").path
        let command = "\(Self.vigil) --config \(config) --state-dir \(state)"

        var t = try TmuxSession(width: 160, height: 45, command: command)
        try t.keys("A")
        t.wait("High Error Rate pending") { self.line($0, "High Error Rate").contains("pending") }
        var s = t.wait("High Error Rate firing") { self.line($0, "High Error Rate").contains("FIRING") }
        #expect(line(s, "High Error Rate").contains("on_call_engineer"))
        let status = s.split(separator: "\n").last { $0.contains(" │ ") }.map(String.init) ?? ""
        #expect(status.contains("unacked, worst critical: "), "\(status)")
        try select("High Error Rate", in: t)
        try t.keys("a")
        t.waitFor("Acknowledge High Error Rate")
        try t.keys("-l", "rolling back deploy 42")
        try t.keys("Enter")
        s = t.wait("acknowledged") { self.line($0, "High Error Rate").contains("ACKED") }
        #expect(line(s, "High Error Rate").contains("rolling back deploy 42"))

        // kill -9, and a new Vigil on the same state directory.
        // Only Vigil itself (not the tmux server or the pane's shell, whose
        // command lines hold the same words).
        let pids = try Support.run("/usr/bin/pgrep", ["-f", "--", "^\(command)"]).stdout.split(separator: "\n")
        #expect(pids.count == 1)
        #expect(!pids.isEmpty)
        for p in pids { kill(pid_t(p)!, SIGKILL) }
        t.waitFor("EXITED 137")
        t = try TmuxSession(width: 160, height: 45, command: command)
        try t.keys("A")
        s = t.wait("still acknowledged after the restart") {
            self.line($0, "High Error Rate").contains("ACKED")
                && self.line($0, "High Error Rate").contains("rolling back deploy 42")
        }
        try select("High Error Rate", in: t)
        try t.keys("i")
        s = t.wait("the incident's page") { $0.contains("INC-") && $0.contains("Timeline") }
        #expect(s.contains("incident opened by"))
        #expect(s.contains("assignee on_call_engineer"))
        try t.keys("q")
        t.waitFor("EXITED 0")

        let list = try Support.run(Self.vigil, ["incidents", "--config", config, "--state-dir", state])
        #expect(list.status == 0)
        let id = try #require(
            list.stdout.split(separator: "\n").dropFirst().first.map { String($0.split(separator: " ")[0]) })
        #expect(id.hasPrefix("INC-"))
        let pm = try Support.run(Self.vigil, ["postmortem", id, "--config", config, "--state-dir", state])
        #expect(pm.status == 0, "\(pm.stderr)")
        // The timeline: rows of "| 2026-11-25 06:05:04 | event |", in order.
        let rows = pm.stdout.split(separator: "\n").filter { $0.hasPrefix("| 2") }.map(String.init)
        func index(_ text: String) -> Int? { rows.firstIndex { $0.contains(text) } }
        let pending = try #require(index("alert pending"), "\(pm.stdout)")
        let firing = try #require(index("alert firing"))
        let acked = try #require(index("acknowledged by"))
        let opened = try #require(index("incident opened by"))
        #expect(pending < firing && firing < acked && acked < opened)
        #expect(rows[acked].contains("rolling back deploy 42"))
        let times = rows.map { $0.split(separator: "|")[0].trimmingCharacters(in: .whitespaces) }
        #expect(times == times.sorted())
        #expect(times.allSatisfy { $0.count == 19 })  // yyyy-MM-dd HH:mm:ss
        #expect(pm.stdout.contains("- Time to acknowledge: "))
        #expect(!pm.stdout.contains("- Time to acknowledge: not acknowledged"))
        #expect(pm.stdout.contains("## Root cause"))
    }
}
