import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real binary in tmux against the demo exporter: what an operator
/// sees and types. Each test uses its own tmux server socket.
final class TmuxSession {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    let socket = "vigil-test-\(UUID().uuidString.prefix(8))"
    let dir = Support.temporaryDirectory()

    init(width: Int = 120, height: Int = 40, command: String, environment: [String: String] = [:]) throws {
        // A 256-colour terminal unless the test says otherwise: without a
        // TERM of its own the test process would leave tmux's "screen".
        // The journal goes to the test's own directory, never the home one.
        let env = ["TERM": "xterm-256color", "XDG_STATE_HOME": dir.path + "/state"].merging(environment) { $1 }.map {
            "\($0.key)=\($0.value)"
        }
        .joined(separator: " ")
        // The pane keeps the shell alive after vigil exits, to read its status.
        // NO_COLOR too is only there when the test asks: the test runner's
        // own environment may carry it.
        let unset = environment["NO_COLOR"] == nil ? "-u NO_COLOR " : ""
        let script = "cd \(Self.root) && env \(unset)\(env) \(command); echo EXITED $?; sleep 600"
        // posix_spawn and waitpid, not Foundation's Process: the tmux
        // server this starts daemonises and would inherit the descriptor
        // Process watches for the child's exit, so that wait never ends.
        let argv = [
            "/usr/bin/tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", "\(width)", "-y", "\(height)",
            "-s", "t", script,
        ]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var cargs = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        // An empty signal mask: the test runner's blocked signals must not
        // leak into the session.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, &attr, &cargs, environ) == 0 else {
            throw SupportError(message: "cannot start tmux")
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        try Support.run("/usr/bin/tmux", ["-L", socket, "-f", "/dev/null"] + args).stdout
    }

    func screen(colors: Bool = false) -> String {
        (try? tmux(["capture-pane", "-p"] + (colors ? ["-e"] : []) + ["-t", "t"])) ?? ""
    }

    func keys(_ k: String...) throws { try tmux(["send-keys", "-t", "t"] + k) }

    /// Waits until the screen satisfies `condition`, or fails with the screen.
    @discardableResult
    func wait(_ what: String, seconds: Double = 25, _ condition: (String) -> Bool) -> String {
        let end = Date().addingTimeInterval(seconds)
        var s = ""
        while Date() < end {
            s = screen()
            if condition(s) { return s }
            usleep(150_000)
        }
        Issue.record("timed out waiting for \(what); screen:\n\(s)")
        return s
    }

    func waitFor(_ text: String, seconds: Double = 25) { wait("'\(text)'", seconds: seconds) { $0.contains(text) } }

    deinit {
        _ = try? tmux(["kill-server"])
        try? FileManager.default.removeItem(at: dir)
    }
}

@Suite(.serialized) struct TmuxTests {
    static var vigil: String { Support.vigil }

    static let titles = [
        ["System Status", "Response Time", "Error Rate", "Active Users"],
        ["Response Time by Service", "Throughput", "Database Performance", "Cache Hit Rate"],
        ["Active Users", "Conversion Rate", "Revenue (last hour)"],
        ["Security Events", "Failed Login Attempts", "Vulnerability Scan Results", "Access Control Violations"],
        ["CPU Usage", "Memory Usage", "Disk Usage", "DB Connection Failures"],
        ["Application Log", "Security Event Stream"],
    ]

    @Test func everyDashboardShowsItsPanelsWithValuesAndKeysWork() throws {
        let t = try TmuxSession(command: "\(Self.vigil) --demo")
        // Every panel of every dashboard: title and a value, none waiting.
        for (i, titles) in Self.titles.enumerated() {
            try t.keys("\(i + 1)")
            let s = t.wait("dashboard \(i + 1) with data") { s in
                titles.allSatisfy { s.contains($0) } && !s.contains("NO DATA") && !s.contains("ERROR")
            }
            #expect(s.contains("targets 1/1 up"))
        }
        try t.keys("Tab")
        t.waitFor("System Status")
        try t.keys("BTab")
        t.waitFor("Application Log")
        try t.keys("1", "l", "j", "Enter")  // select Active Users, zoom
        t.wait("zoomed Active Users with its axis") {
            $0.contains("Active Users (5m)") && $0.contains("series") && $0.contains("-4m") && $0.contains("now")
        }
        try t.keys("+")
        t.waitFor("Active Users (15m)")
        try t.keys("-", "-")
        t.waitFor("Active Users (1m)")
        try t.keys("Escape")
        t.wait("back to the grid") { !$0.contains("Active Users (1m)") && $0.contains("System Status") }
        try t.keys("?")
        t.waitFor("pause the display (polling goes on)")
        try t.keys("x")
        t.wait("help closed") { !$0.contains("pause the display") }
        try t.keys("p")
        t.waitFor("PAUSED")
        try t.keys("p", "r")
        t.wait("unpaused") { !$0.contains("PAUSED") }
        // Themes: the status bar's background is 236 in default, 252 in light.
        #expect(t.screen(colors: true).contains("48;5;236"))
        try t.keys("t")
        t.wait("the light theme") { _ in
            let colored = t.screen(colors: true)
            return colored.contains("48;5;252") && !colored.contains("48;5;236")
        }
        try t.keys("q")
        t.waitFor("EXITED 0")
    }

    @Test func resizesAndTooSmall() throws {
        let t = try TmuxSession(command: "\(Self.vigil) --demo")
        t.waitFor("System Status")
        for (w, h) in [(80, 24), (60, 20)] {
            try t.tmux(["resize-window", "-t", "t", "-x", "\(w)", "-y", "\(h)"])
            t.wait("\(w)x\(h)") { s in
                s.contains("System Status") && s.split(separator: "\n").allSatisfy { $0.count <= w }
            }
            #expect(
                try t.tmux(["display", "-p", "-t", "t", "#{window_width}x#{window_height}"]).hasPrefix("\(w)x\(h)"))
        }
        try t.tmux(["resize-window", "-t", "t", "-x", "20", "-y", "5"])
        t.waitFor("20×5, need 40×12")
        try t.tmux(["resize-window", "-t", "t", "-x", "120", "-y", "40"])
        t.wait("back to 120x40") { $0.contains("Active Users") && $0.contains("targets 1/1 up") }
        try t.keys("C-c")
        t.waitFor("EXITED 0")
    }

    @Test(arguments: [
        ("LANG=C", ["LANG": "C", "LC_ALL": "C"]),
        ("TERM=xterm", ["TERM": "xterm"]),
        ("TERM=vt100", ["TERM": "vt100"]),
        ("NO_COLOR", ["NO_COLOR": "1"]),
    ])
    func degradedTerminalsStillReadStates(_ name: String, _ env: [String: String]) throws {
        let t = try TmuxSession(command: "\(Self.vigil) --demo", environment: env)
        let s = t.wait("\(name): states in words") { s in
            s.contains("System Status") && (s.contains(" OK ") || s.contains(" WARN ") || s.contains(" CRIT "))
        }
        if name == "LANG=C" {
            #expect(s.contains("+ System Status -"), "ASCII borders:\n\(s)")
            #expect(!s.contains("┌") && !s.contains("█"))
        }
        if name == "NO_COLOR" {
            #expect(!t.screen(colors: true).contains("38;5;"), "no colours with NO_COLOR")
        }
        try t.keys("q")
        t.waitFor("EXITED 0")
    }

    /// A target dies and comes back (issue 20 item 2): the status bar
    /// and System Status say so at once, Target Down fires, the panels
    /// turn STALE with the time their data stopped and keep their last
    /// value; keys work throughout; once it is back everything is live
    /// again and no rule fires on the gap.
    @Test func aDeadExporterIsSaidEverywhereAndItsReturnIsClean() throws {
        let port = Support.freePort()
        let demoLog = Support.temporaryDirectory().appendingPathComponent("demo.log")
        var exporter = try Support.start(Self.vigil, ["demo", "--listen", "127.0.0.1:\(port)"], log: demoLog)
        defer { kill(exporter.processIdentifier, SIGKILL) }
        try Support.waitReady("http://127.0.0.1:\(port)/metrics")
        let config = Support.temporaryDirectory().appendingPathComponent("vigil.yaml")
        let shipped = try String(contentsOfFile: TmuxSession.root + "/dashboards/normaldance.yaml", encoding: .utf8)
        try shipped.replacingOccurrences(of: "http://127.0.0.1:9464/metrics", with: "http://127.0.0.1:\(port)/metrics")
            .write(to: config, atomically: true, encoding: .utf8)
        let t = try TmuxSession(width: 160, height: 48, command: "\(Self.vigil) --config \(config.path) --no-bell")
        // Rates need two scrapes: the panels have values before the target dies.
        t.wait("live data") {
            $0.contains("targets 1/1 up") && $0.contains("1/1 targets up, no alerts firing") && !$0.contains("NO DATA")
        }
        kill(exporter.processIdentifier, SIGKILL)
        let s = t.wait("the target down everywhere", seconds: 40) {
            $0.contains("FIRING, 1 unacked, worst critical: Target Down (normaldance)") && $0.contains("STALE since")
        }
        #expect(s.contains("targets 0/1 up: normaldance: refused"))
        #expect(s.contains("✖ normaldance down: refused (127.0.0.1:\(port))"))
        #expect(s.contains("✖ 1 critical alert firing: Target Down (normaldance)"))
        #expect(s.contains("✖ CRIT"))
        try t.keys("2")
        t.wait("keys still work, dashboard 2 stale", seconds: 5) {
            $0.contains("Response Time by Service") && $0.contains("STALE since")
        }
        exporter = try Support.start(Self.vigil, ["demo", "--listen", "127.0.0.1:\(port)"], log: demoLog)
        try Support.waitReady("http://127.0.0.1:\(port)/metrics")
        try t.keys("1")
        t.wait("back to live", seconds: 40) {
            $0.contains("targets 1/1 up") && $0.contains("1/1 targets up, no alerts firing") && !$0.contains("STALE")
        }
        // Half a minute on: the gap made no rule fire or go pending.
        sleep(30)
        try t.keys("A")
        let alerts = t.wait("the alerts screen") { $0.contains("Alerts: ") }
        #expect(alerts.contains("Alerts: 0 firing, 0 pending"), "\(alerts)")
        #expect(!alerts.contains("High CPU Usage"), "\(alerts)")
        try t.keys("q")
        t.waitFor("EXITED 0")
    }

    @Test(arguments: ["HUP", "TERM", "INT"])
    func signalsRestoreTheTerminal(_ signal: String) throws {
        let dir = Support.temporaryDirectory()
        let before = dir.appendingPathComponent("before").path
        let after = dir.appendingPathComponent("after").path
        let t2 = try TmuxSession(
            command:
                "stty -a > \(before); \(Self.vigil) --demo; rc=$?; stty -a > \(after); tput cnorm >/dev/null; (exit $rc)"
        )
        t2.waitFor("System Status")
        #expect(try t2.tmux(["display", "-p", "-t", "t", "#{cursor_flag}"]).hasPrefix("0"), "vigil hides the cursor")
        _ = try Support.run("/usr/bin/pkill", ["-\(signal)", "-f", "^\(Self.vigil) --demo"])
        t2.waitFor("EXITED")
        let a = try String(contentsOfFile: before, encoding: .utf8)
        let b = try String(contentsOfFile: after, encoding: .utf8)
        #expect(a == b, "stty -a changed after SIG\(signal)")
        #expect(try t2.tmux(["display", "-p", "-t", "t", "#{cursor_flag}"]).hasPrefix("1"), "cursor visible again")
    }

    @Test func onceRendersPlainTextAndColourOnRequest() throws {
        let out = try Support.run(
            Self.vigil, ["--demo", "--once", "--size", "100x30", "--wait", "6s", "--dashboard", "Security"])
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 31)  // 30 rows and the final newline
        for title in Self.titles[3] { #expect(out.stdout.contains(title)) }
        #expect(!out.stdout.contains("\u{1B}"), "no escape sequences when not asked")
        let colored = try Support.run(
            Self.vigil, ["--demo", "--once", "--size", "100x30", "--wait", "3s", "--color", "always"])
        #expect(colored.stdout.contains("\u{1B}[0;"))
        let noTTY = try Support.run(Self.vigil, ["--demo"])
        #expect(noTTY.status == 2)
        #expect(noTTY.stderr.contains("must be a terminal (use --once for plain text)"))
        let dumb = try Support.run(
            Self.vigil, ["--demo", "--once", "--size", "60x15", "--wait", "1s"],
            environment: ["TERM": "dumb", "PATH": "/usr/bin:/bin"])
        #expect(dumb.status == 0)
    }
}

/// The security dashboard from log sources, and a log panel's search.
@Suite(.serialized) struct LogScreenTests {
    @Test func securityTablesFillFromTheDemoAndALogSearchFindsALine() throws {
        let t = try TmuxSession(width: 160, height: 45, command: "\(Support.vigil) --demo --no-bell")
        try t.keys("4")
        let s = t.wait("security events and scan results") { s in
            s.contains("Security Events") && s.contains("event_type") && s.contains("config_change")
                && s.contains("CVE-2026-2210") && s.contains("CVE-2025-9931")
        }
        #expect(s.contains("api.replicas") || s.contains("deploy-bot"))
        // Logs: the application log, zoomed; search for a route.
        try t.keys("6")
        t.waitFor("Application Log")
        t.wait("application log lines") { $0.contains("INFO  api GET") }
        try t.keys("Enter")
        t.waitFor("following")
        try t.keys("/")
        try t.keys("-l", "re:GET /v1/checkout")
        try t.keys("Enter")
        let found = t.wait("a match") { s in
            s.contains("matches (1)")
                && s.split(separator: "\n").contains { $0.contains("▶ ") && $0.contains("GET /v1/checkout") }
        }
        #expect(!found.contains(" 0 matches"))
        try t.keys("w")
        t.waitFor("│ wrap")
        try t.keys("q")
        t.waitFor("EXITED 0")
    }
}
