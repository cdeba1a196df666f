import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// One state for an on-call team on one bastion (issue 21): two Unix users,
/// made for the test, members of one group, each running their own Vigil
/// with umask 077 on a setgid directory named by the configuration's
/// `state_dir:`. What one does, the other sees; the files stay the group's.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root to create users"))
struct SharedStateTests {
    let tag = String(getpid() % 100_000)
    var group: String { "vgl-team-\(tag)" }
    var alice: String { "vgl-alice-\(tag)" }
    var bob: String { "vgl-bob-\(tag)" }

    func makeUsers() throws {
        _ = try Support.run("/usr/sbin/groupadd", [group])
        for u in [alice, bob] { _ = try Support.run("/usr/sbin/useradd", ["-M", "-G", group, "-s", "/bin/sh", u]) }
    }

    func removeUsers() {
        for u in [alice, bob] { _ = try? Support.run("/usr/sbin/userdel", [u]) }
        _ = try? Support.run("/usr/sbin/groupdel", [group])
    }

    /// `command` as `user`, with its own primary group, the team group as a
    /// supplementary one, and a umask that would lock everyone else out.
    func asUser(_ user: String, _ command: String) -> String {
        "/usr/bin/setpriv --reuid=\(user) --regid=\(user) --init-groups -- /bin/sh -c 'umask 077; exec \(command)'"
    }

    func mode(_ path: String) throws -> (group: String, mode: Int) {
        let out = try Support.run("/usr/bin/stat", ["-c", "%G %a", path]).stdout.split(separator: " ")
        return (String(out[0]), Int(out[1].trimmingCharacters(in: .whitespacesAndNewlines), radix: 8) ?? 0)
    }

    func line(_ screen: String, _ text: String) -> String {
        screen.split(separator: "\n").first { $0.contains(text) }.map(String.init) ?? ""
    }

    @Test func twoEngineersShareAcknowledgementsIncidentsAndFiles() throws {
        // Users left by a run that was killed are this test's own: gone first.
        for line in (try? String(contentsOfFile: "/etc/group", encoding: .utf8))?.split(separator: "\n") ?? [] {
            let name = line.split(separator: ":").first.map(String.init) ?? ""
            guard name.hasPrefix("vgl-team-") else { continue }
            let old = name.dropFirst(9)
            for u in ["vgl-alice-\(old)", "vgl-bob-\(old)"] { _ = try? Support.run("/usr/sbin/userdel", [u]) }
            _ = try? Support.run("/usr/sbin/groupdel", [name])
        }
        try makeUsers()
        defer { removeUsers() }
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        chmod(dir.path, 0o755)
        let state = dir.appendingPathComponent("team").path
        // What the package's setup (or the README's command) makes.
        _ = try Support.run("/usr/bin/install", ["-d", "-m", "2770", "-g", group, state])
        let port = Support.freePort()
        let exporter = try Support.start(
            Support.vigil, ["demo", "--listen", "127.0.0.1:\(port)", "--start", "100", "--freeze"],
            log: dir.appendingPathComponent("demo.log"))
        defer { kill(exporter.processIdentifier, SIGKILL) }
        try Support.waitReady("http://127.0.0.1:\(port)/metrics")
        let config = try AlertsEndToEndTests.config(port: port, in: dir)
        try (String(contentsOfFile: config, encoding: .utf8) + "\nstate_dir: \(state)\n").write(
            toFile: config, atomically: true, encoding: .utf8)
        chmod(config, 0o644)

        let a = try TmuxSession(
            width: 160, height: 45, command: asUser(alice, "\(Support.vigil) --config \(config) --no-bell"),
            environment: ["USER": alice, "HOME": "/nonexistent"])
        let b = try TmuxSession(
            width: 160, height: 45, command: asUser(bob, "\(Support.vigil) --config \(config) --no-bell"),
            environment: ["USER": bob, "HOME": "/nonexistent"])
        // One of them records the history (a flock across users); the other
        // reads it and says who records.
        var recorder = ""
        let deadline = Date().addingTimeInterval(25)
        while recorder.isEmpty && Date() < deadline {
            for (who, t) in [(alice, a), (bob, b)] where t.screen().contains("history read-only: ") {
                recorder = who == alice ? bob : alice
            }
            usleep(200_000)
        }
        #expect(!recorder.isEmpty, "neither said who records the history:\n\(b.screen())")
        // The help screen names the state directory and whom it is shared with.
        try b.keys("?")
        b.waitFor("state   \(state) (state_dir: in the configuration; shared with group \(group))")
        try b.keys("Escape")

        // Alice acknowledges; Bob sees it at his next refresh.
        try a.keys("A")
        a.wait("High Error Rate firing") { self.line($0, "High Error Rate").contains("FIRING") }
        let e2e = AlertsEndToEndTests()
        try e2e.select("High Error Rate", in: a)
        try a.keys("a")
        a.waitFor("Acknowledge High Error Rate")
        try a.keys("-l", "alice rolls back")
        try a.keys("Enter")
        a.wait("acknowledged") { self.line($0, "High Error Rate").contains("ACKED") }
        try b.keys("A")
        let seen = b.wait("Alice's acknowledgement on Bob's screen") {
            self.line($0, "High Error Rate").contains("ACKED")
        }
        #expect(line(seen, "High Error Rate").contains("alice rolls back"), "\(seen)")

        // Bob opens an incident and writes a note; Alice sees both.
        try e2e.select("High Error Rate", in: b)
        try b.keys("i")
        b.wait("the incident's page") { $0.contains("INC-") && $0.contains("Timeline") }
        try b.keys("n")
        b.waitFor("Note on INC-")
        try b.keys("-l", "bob checks the database")
        try b.keys("Enter")
        b.waitFor("bob checks the database")
        try a.keys("Escape")
        try a.keys("I")
        a.wait("Bob's incident on Alice's list") { $0.contains("INC-") && $0.contains("High Error Rate") }
        try a.keys("Enter")
        let page = a.wait("Bob's note on Alice's screen") { $0.contains("bob checks the database") }
        #expect(page.contains("\(bob)@"), "\(page)")

        // Every file is the group's and group-writable, whatever the umask.
        let files = try FileManager.default.contentsOfDirectory(atPath: state).sorted()
        for f in ["journal.jsonl", "history.sqlite", "history.lock"] { #expect(files.contains(f), "\(files)") }
        for f in files {
            let m = try mode(state + "/" + f)
            #expect(m.group == group && m.mode & 0o060 == 0o060, "\(f): \(m)")
        }
        // Pruning the history (as Bob, who does not record it) keeps that.
        let pruned = try Support.run(
            "/bin/sh", ["-c", asUser(bob, "\(Support.vigil) history prune --config \(config)")])
        #expect(pruned.status == 0, "\(pruned.stderr)")
        #expect(pruned.stdout.hasPrefix("pruned "), "\(pruned.stdout)")
        for f in try FileManager.default.contentsOfDirectory(atPath: state) {
            let m = try mode(state + "/" + f)
            #expect(m.group == group && m.mode & 0o060 == 0o060, "after prune, \(f): \(m)")
        }
        try a.keys("q")
        try b.keys("q")
        a.waitFor("EXITED 0")
        b.waitFor("EXITED 0")

        // A file the group cannot write is said at start.
        chmod(state + "/journal.jsonl", 0o600)
        _ = try Support.run("/bin/chown", [alice, state + "/journal.jsonl"])
        let c = try TmuxSession(
            width: 200, height: 45, command: asUser(bob, "\(Support.vigil) --config \(config) --no-bell"),
            environment: ["USER": bob, "HOME": "/nonexistent"])
        c.waitFor(
            "state: journal.jsonl is not writable by group \(group) (mode 600): the others cannot write it; chmod g+rw")
    }
}
