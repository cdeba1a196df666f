import Foundation
import Testing

/// The `vigil` binary's contract: exit statuses (0 ok, 1 failed check,
/// scrape or query, 2 usage or config error), messages that name the
/// problem, and secrets that never reach the output.
@Suite(.serialized) struct CommandLineTests {
    @Test func checkMetricsExitStatuses() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.prom")
        try "# TYPE a counter\na 1\n".write(to: good, atomically: true, encoding: .utf8)
        let bad = dir.appendingPathComponent("bad.om")
        try "# TYPE a counter\na_total -1\n# EOF\n".write(to: bad, atomically: true, encoding: .utf8)
        let ok = try Support.run(Support.vigil, ["check", "metrics", good.path])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("valid prometheus, 1 samples in 1 families"))
        let failed = try Support.run(Support.vigil, ["check", "metrics", bad.path])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("bad.om:2:9: a counter's _total must not be NaN or negative"))
        let forced = try Support.run(Support.vigil, ["check", "metrics", "--format", "openmetrics", good.path])
        #expect(forced.status == 1)
        #expect(forced.stderr.contains("good.prom:2:1: sample a does not belong to counter family a"))
        let usage = try Support.run(Support.vigil, ["check", "metrics", "--format", "xml", good.path])
        #expect(usage.status == 2)
    }

    @Test func checkConfigListsEveryError() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.yaml")
        try "refresh: soon\nmetrics:\n  a: {query: 'rate(x[5m]'}\n  b: {query: up, colour: red}\n".write(
            to: file, atomically: true, encoding: .utf8)
        let out = try Support.run(Support.vigil, ["check", "config", file.path])
        #expect(out.status == 2)
        let lines = out.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(out.stderr)")
        #expect(lines[0].hasPrefix("\(file.path):1:10: refresh must be a duration"))
        #expect(lines[1].hasPrefix("\(file.path):3:"))
        #expect(lines[2].hasPrefix("\(file.path):4:18: unknown key 'colour'"))
        #expect(lines[3] == "\(file.path): 3 errors")
        let shipped = try Support.run(
            Support.vigil,
            [
                "check", "config",
                URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .deletingLastPathComponent().appendingPathComponent("dashboards/normaldance.yaml").path,
            ])
        #expect(shipped.status == 0, "\(shipped.stderr)")
        // A team's configuration: its state directory, and the rules it
        // leaves to the server, said.
        let team = dir.appendingPathComponent("team.yaml")
        try """
        state_dir: shared
        prometheus: {url: "http://127.0.0.1:9090"}
        alertmanager: {url: "http://127.0.0.1:9093"}
        metrics:
          e: {query: 'up'}
        dashboards: [{name: Main, panels: [{title: E, type: stat, metrics: [e]}]}]
        alerts:
          severities: {high: {name: High}}
          rules:
            - {name: High Error Rate, condition: e > 5, severity: high, datasource: alertmanager}
        """.write(to: team, atomically: true, encoding: .utf8)
        let checked = try Support.run(Support.vigil, ["check", "config", team.path])
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(
            checked.stdout.split(separator: "\n").map(String.init) == [
                "\(team.path): valid: 0 targets, 1 metrics, 1 dashboards with 1 panels, 1 alert rules",
                "\(team.path): left to the server (datasource: alertmanager, shown from Alertmanager): High Error Rate",
                "\(team.path): state_dir: \(dir.path)/shared",
            ])
    }

    /// `--once` reads the objectives' windows from the history; a store it
    /// cannot read is said, not passed over in silence.
    @Test func onceSaysAnUnreadableHistory() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "not a database, padded to more than a page of SQLite header bytes\n".write(
            to: dir.appendingPathComponent("history.sqlite"), atomically: true, encoding: .utf8)
        let shipped =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("dashboards/normaldance.yaml").path
        let out = try Support.run(
            Support.vigil,
            ["--config", shipped, "--once", "--size", "100x30", "--wait", "1s", "--state-dir", dir.path])
        #expect(
            out.stderr.contains(
                "vigil: objectives without their history: \(dir.path)/history.sqlite: file is not a database"),
            "\(out.stderr)")
    }

    @Test func scrapeFailureIsExitOneWithReasonAndNoSecret() throws {
        let port = Support.freePort()
        let env = ProcessInfo.processInfo.environment.merging(["VIGIL_TOKEN": "tok-3f9a"]) { $1 }
        let out = try Support.run(
            Support.vigil,
            [
                "scrape", "http://127.0.0.1:\(port)/metrics", "--json", "--bearer-token", "${VIGIL_TOKEN}", "--timeout",
                "2s",
            ],
            environment: env)
        #expect(out.status == 1)
        #expect(out.stdout.contains("\"error\": \"refused (127.0.0.1:\(port))\""))
        #expect(out.stderr.contains("refused"))
        #expect(!(out.stdout + out.stderr).contains("tok-3f9a"))
        let unset = try Support.run(
            Support.vigil, ["scrape", "http://127.0.0.1:\(port)/m", "--bearer-token", "${NOT_SET_ANYWHERE}"])
        #expect(unset.status == 2)
        #expect(unset.stderr.contains("environment variable NOT_SET_ANYWHERE is not set"))
    }

    @Test func queryOverLiveTargets() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (exporter, url) = try Support.startNodeExporter(logDirectory: dir)
        defer { Support.stop(exporter) }
        let out = try Support.run(
            Support.vigil,
            [
                "query", "sum by (job) (rate(node_cpu_seconds_total[10s])) > bool 0", "--target",
                url, "--over", "3s", "--interval", "1s",
            ])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == "{job=\"target1\"} 1\n")
        let up = try Support.run(Support.vigil, ["query", "up", "--target", url, "--over", "1s", "--json"])
        let instance = url.replacingOccurrences(of: "http://", with: "").replacingOccurrences(of: "/metrics", with: "")
        #expect(up.stdout.hasPrefix("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{"))
        #expect(up.stdout.contains("\"instance\":\"\(instance)\""))
        #expect(up.stdout.contains("\"value\":[") && up.stdout.contains(",\"1\"]}]}}"))
    }

    /// Issue 17: which configuration is loaded and why, themes that are not
    /// there, a new state directory, the version line.
    @Test func configLookupAndFirstRunMessages() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var env = ProcessInfo.processInfo.environment
        env["XDG_CONFIG_HOME"] = dir.path
        env["VIGIL_CONFIG"] = nil
        let shipped = try Support.run(Support.vigil, ["check", "config"], environment: env)
        #expect(shipped.status == 0, "\(shipped.stderr)")
        #expect(shipped.stdout.hasPrefix("using "))
        #expect(shipped.stdout.contains("/dashboards/normaldance.yaml (the shipped NormalDance dashboards)\n"))
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("vigil"), withIntermediateDirectories: true)
        try "refresh: 3s\n".write(
            to: dir.appendingPathComponent("vigil/vigil.yaml"), atomically: true, encoding: .utf8)
        let user = try Support.run(Support.vigil, ["check", "config"], environment: env)
        #expect(user.stdout.hasPrefix("using \(dir.path)/vigil/vigil.yaml (user configuration)\n"), "\(user.stdout)")
        env["VIGIL_CONFIG"] = dir.appendingPathComponent("missing.yaml").path
        let missing = try Support.run(Support.vigil, ["check", "config"], environment: env)
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("\(dir.path)/missing.yaml:1:1: cannot read the file (no such file)\n"))
        let themes = try Support.run(
            Support.vigil, ["--once", "--themes-dir", dir.appendingPathComponent("nope").path])
        #expect(themes.status == 2)
        #expect(themes.stderr == "vigil: --themes-dir \(dir.path)/nope: no such directory\n")
        let empty = dir.appendingPathComponent("state").path
        let list = try Support.run(Support.vigil, ["incidents", "--state-dir", empty])
        #expect(list.status == 0)
        #expect(list.stdout == "no incidents yet: no journal in \(empty) yet\n")
        let show = try Support.run(Support.vigil, ["incidents", "show", "INC-1", "--state-dir", empty])
        #expect(show.status == 1)
        let version = try Support.run(Support.vigil, ["--version"])
        #expect(version.stdout == "0.1.0 (built from a working tree; no commit recorded)\n")
    }

    /// `--once` is for scripts and cron: a refused target is exit status 1
    /// after the frame (which shows it), and a size too small to draw in is
    /// a usage error rather than a "too small, q quits" frame.
    @Test func onceExitStatusSaysWhatTheFrameShows() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Support.freePort()
        let config = dir.appendingPathComponent("c.yaml")
        try """
        targets:
          - {name: api, url: "http://127.0.0.1:\(port)/metrics"}
        metrics:
          up: {name: Up, query: up}
        dashboards:
          - {name: Main, panels: [{title: Up, type: stat, metrics: [up]}]}

        """.write(to: config, atomically: true, encoding: .utf8)
        let state = dir.appendingPathComponent("state").path
        let down = try Support.run(
            Support.vigil,
            ["--once", "--config", config.path, "--size", "100x20", "--wait", "3s", "--state-dir", state])
        #expect(down.status == 1)
        #expect(down.stdout.contains("targets 0/1 up: api: refused (127.0.0.1:\(port))"))
        #expect(down.stderr == "vigil: 1 of 1 targets down: api: refused (127.0.0.1:\(port))\n")
        let small = try Support.run(Support.vigil, ["--once", "--config", config.path, "--size", "39x11"])
        #expect(small.status == 2)
        #expect(small.stdout.isEmpty)
        #expect(small.stderr == "vigil: --size 39x11 is smaller than a frame needs (40x12)\n")
    }

    /// Started by a test runner (whose threads block or ignore signals, and
    /// masks survive exec), `vigil demo` still ends on SIGTERM after it has
    /// served scrapes.
    @Test func theDemoEndsOnSIGTERM() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Support.freePort()
        let demo = try Support.start(
            Support.vigil, ["demo", "--listen", "127.0.0.1:\(port)"], log: dir.appendingPathComponent("demo.log"))
        try Support.waitReady("http://127.0.0.1:\(port)/metrics")
        for _ in 0..<3 { _ = try Support.httpGet("http://127.0.0.1:\(port)/metrics") }
        demo.terminate()
        for _ in 0..<100 where demo.isRunning { usleep(50_000) }
        let ended = !demo.isRunning
        if !ended { kill(demo.processIdentifier, SIGKILL) }
        demo.waitUntilExit()
        #expect(ended, "still running 5 s after SIGTERM")
        #expect(demo.terminationReason == .uncaughtSignal && demo.terminationStatus == SIGTERM)
    }
}
