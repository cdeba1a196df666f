import ArgumentParser
import CShims
import Foundation
import VigilCore
import VigilNet
import VigilTerminal
import VigilUI

/// The dashboard: the default command.
struct Dashboard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Watch the dashboards of a configuration in the terminal (the default command).",
        discussion: """
            Keys: 1-9 and Tab/Shift-Tab switch dashboards, arrows or h j k l select a panel, Enter or f zooms, \
            Esc goes back, + and - change the time window, / filters a zoomed panel, p pauses, r scrapes now, \
            t cycles themes, A shows the alerts (a acknowledges, u unacknowledges, s silences, i opens an \
            incident), I shows the incidents (n adds a note, > moves the status on), S shows Alertmanager's silences, \
            in a zoomed log / searches (n N between matches, G end, F follow, w wrap), ? shows help, q or Ctrl-C quits.
            """
    )

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "The configuration file.",
            discussion:
                "Default: $VIGIL_CONFIG, else $XDG_CONFIG_HOME/vigil/vigil.yaml, else /etc/vigil/vigil.yaml, else the shipped NormalDance dashboards (always those with --demo)."
        ))
    var config: String?
    @Flag(help: "Start the built-in demo exporter on a free loopback port and watch it.") var demo = false
    @Flag(help: "Print one frame as plain text and exit (for scripts, cron mail and tests).") var once = false
    @Option(help: "Frame size for --once, WxH (default: the terminal's, or 120x40).") var size: String?
    @Option(help: "With --once: print after every panel has data, or after this long.") var wait: String = "10s"
    @Option(help: "Colour in --once output: auto, always or never.") var color: ColorMode = .auto
    @Option(help: "The dashboard to show first, by name or number.") var dashboard: String?
    @Option(help: "Theme name (a file in the themes directories).") var theme: String?
    @Option(
        help: ArgumentHelp(
            "Directory of theme files.",
            discussion:
                "Default: $XDG_CONFIG_HOME/vigil/themes, then /usr/share/vigil/themes, then themes/ beside the binary or in the working directory; a theme found earlier hides one of the same name later."
        ))
    var themesDir: String?
    @Flag(help: "Draw with ASCII only, whatever the locale says.") var ascii = false
    @Option(
        help: ArgumentHelp(
            "Where the journal of alerts, acknowledgements and incidents is kept.",
            discussion: "Default: $XDG_STATE_HOME/vigil (~/.local/state/vigil); with --demo, its demo/ subdirectory."))
    var stateDir: String?
    @Flag(help: "Do not ring the terminal bell when a critical or high alert fires.") var noBell = false

    enum ColorMode: String, ExpressibleByArgument, CaseIterable { case auto, always, never }

    func run() throws {
        let locations = FileLocations.current
        let choice = try locations.requireConfig(option: config, demo: demo)
        var cfg = try loadConfig(choice)
        let themeDirectories = locations.themeDirectories(option: themesDir)
        // --theme overrides the file's theme, and is checked by loadThemes.
        var checked = cfg
        if theme != nil { checked.theme = nil }
        try requireChecks(checked, themes: installedThemes(themeDirectories))
        let themes = try loadThemes(preferred: theme ?? cfg.theme, from: themeDirectories)
        if demo {
            // The exporter's server and simulation run as tasks that hold
            // what they need; nothing here has to keep it alive.
            let exporter = try DemoExporter(port: 0)
            let port = try runBlocking { try await exporter.start() }
            // The demo's one target is its own exporter; keep the config's
            // interval and timeout.
            var t = cfg.targets.first ?? TargetConfig(name: "demo", url: "")
            t.name = "demo"
            t.url = "http://127.0.0.1:\(port)/metrics"
            cfg.targets = [t]
            // Log sources on the shipped demo address follow the exporter.
            for i in cfg.logs.indices where cfg.logs[i].http.url.hasPrefix("http://127.0.0.1:9464/") {
                cfg.logs[i].http.url = "http://127.0.0.1:\(port)/" + cfg.logs[i].http.url.dropFirst(22)
            }
            // The demo compresses a launch day into minutes; its alerts
            // hold, escalate and time out 30 times faster to match.
            cfg.alerts = DemoExporter.compress(cfg.alerts)
        }
        let dir = stateDir ?? Self.defaultStateDir(demo: demo)
        // Shown at the top of the help screen: which files this is about.
        let about = ["config  \(choice)", "state   \(dir)"]
        if once {
            try runOnce(cfg, themes: themes, stateDir: dir, about: about)
            return
        }
        try runInteractive(cfg, themes: themes, stateDir: dir, about: about)
    }

    static func defaultStateDir(demo: Bool) -> String {
        let env = ProcessInfo.processInfo.environment
        var base = env["XDG_STATE_HOME"] ?? ""
        if base.isEmpty { base = (env["HOME"] ?? NSHomeDirectory()) + "/.local/state" }
        return base + "/vigil" + (demo ? "/demo" : "")
    }

    /// Every theme in the directories, a name found earlier hiding the
    /// same name later; the preferred one first.
    func loadThemes(preferred: String?, from directories: [String]) throws -> [Theme] {
        if let themesDir {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: themesDir, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                printError("vigil: --themes-dir \(themesDir): no such directory")
                throw ExitStatus.usage
            }
        }
        let order = ["default", "light", "high-contrast", "colorblind", "mono"]
        var paths: [String: String] = [:]
        for dir in directories {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for file in files where file.hasSuffix(".yaml") && paths[String(file.dropLast(5))] == nil {
                paths[String(file.dropLast(5))] = (dir as NSString).appendingPathComponent(file)
            }
        }
        var themes: [Theme] = []
        for name in paths.keys.sorted(by: { a, b in
            (order.firstIndex(of: a) ?? 99, a) < (order.firstIndex(of: b) ?? 99, b)
        }) {
            do {
                themes.append(Theme(spec: try ThemeSpec.load(path: paths[name]!)))
            } catch {
                printError(error.description)
                throw ExitStatus.usage
            }
        }
        if themes.isEmpty { themes = [.fallback] }
        if let preferred {
            guard let i = themes.firstIndex(where: { $0.name == preferred }) else {
                printError(
                    "vigil: unknown theme '\(preferred)' (have: \(themes.map(\.name).joined(separator: ", ")); "
                        + "looked in \(directories.joined(separator: ", "))\(paths.isEmpty ? ", which hold no theme files" : ""))"
                )
                throw ExitStatus.usage
            }
            themes = Array(themes[i...] + themes[..<i])
        }
        // NO_COLOR: the mono theme first, whatever else is asked.
        if let v = ProcessInfo.processInfo.environment["NO_COLOR"], !v.isEmpty,
            let i = themes.firstIndex(where: { $0.name == "mono" })
        {
            themes = Array(themes[i...] + themes[..<i])
        }
        return themes
    }

    func pickDashboard(_ runtime: DashboardRuntime) throws {
        guard let dashboard else { return }
        let names = runtime.config.dashboards.map(\.name)
        if let n = Int(dashboard), n >= 1, n <= names.count {
            runtime.state.dashboard = n - 1
        } else if let i = names.firstIndex(where: { $0.lowercased() == dashboard.lowercased() }) {
            runtime.state.dashboard = i
        } else {
            printError("vigil: no dashboard '\(dashboard)' (have: \(names.joined(separator: ", ")))")
            throw ExitStatus.usage
        }
    }

    // MARK: - Once

    func runOnce(_ cfg: VigilConfig, themes: [Theme], stateDir: String, about: [String]) throws {
        var (w, h) = (120, 40)
        if let size {
            let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] > 0 else {
                printError("vigil: --size must look like 120x40")
                throw ExitStatus.usage
            }
            (w, h) = (parts[0], parts[1])
            // A frame that small is only the "too small" notice: say so
            // here instead of printing it with a "q quits" nobody can press.
            guard w >= DashboardView.minWidth, h >= DashboardView.minHeight else {
                printError(
                    "vigil: --size \(w)x\(h) is smaller than a frame needs (\(DashboardView.minWidth)x\(DashboardView.minHeight))"
                )
                throw ExitStatus.usage
            }
        } else {
            var ws = winsize()
            if isatty(1) != 0, ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 {
                (w, h) = (Int(ws.ws_col), Int(ws.ws_row))
            }
        }
        guard let waitDuration = PromDuration(wait) else {
            printError("vigil: invalid --wait '\(wait)'")
            throw ExitStatus.usage
        }
        // Scrape at least every second, so rates exist within the wait.
        var fast = cfg
        for i in fast.targets.indices where fast.targets[i].interval.milliseconds > 1000 {
            fast.targets[i].interval = PromDuration(milliseconds: 1000)
            fast.targets[i].timeout = PromDuration(milliseconds: min(fast.targets[i].timeout.milliseconds, 1000))
        }
        // --once shows the journal's alerts but never writes it: printing a
        // frame must not change what the on-call engineers see.
        let runtime = DashboardRuntime(
            config: fast, themes: themes, ascii: ascii || !Terminal.localeIsUTF8(), graphColumns: w,
            alerts: AlertCenter(config: fast, stateDir: stateDir, write: false))
        runtime.view.about = about
        try pickDashboard(runtime)
        let deadline = DashboardRuntime.now() + waitDuration.milliseconds
        var scrapes = 0
        while true {
            let wait = runtime.startDue()
            scrapes += runtime.pump(timeoutMs: Int(max(1, min(wait, 200))))
            let now = DashboardRuntime.now()
            runtime.evaluate(now: now)
            // Rates need two scrapes; then every panel has its answer.
            // A server's answers (graphs' ranges too) must all be in.
            let serverDone = runtime.remote.map { $0.outstanding == 0 && $0.queued == 0 && $0.sent > 0 } ?? true
            if scrapes >= 2 * max(1, fast.targets.count) && runtime.everyPanelSettled && serverDone { break }
            if now >= deadline { break }
        }
        let canvas = runtime.render(width: w, height: h)
        let useColor =
            color == .always
            || (color == .auto && isatty(1) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
        sayFrame(PlainText.render(canvas, color: useColor))
        // The frame shows a failed scrape; the exit status says it too, for
        // scripts and cron (1: a failed scrape, as everywhere).
        let down = runtime.snapshot.targets.filter { $0.up == false }
        if !down.isEmpty {
            printError(
                "vigil: \(down.count) of \(runtime.snapshot.targets.count) targets down: "
                    + down.map { "\($0.name): \($0.lastError ?? "down")" }.joined(separator: "; "))
            throw ExitStatus.failed
        }
    }

    // MARK: - Interactive

    func runInteractive(_ cfg: VigilConfig, themes: [Theme], stateDir: String, about: [String]) throws {
        let alerts = AlertCenter(config: cfg, stateDir: stateDir)
        for w in alerts.warnings { printError("vigil: \(w)") }
        let signalFD = vigil_install_signal_pipe()
        let terminal: Terminal
        do {
            terminal = try Terminal()
        } catch {
            printError("vigil: \(error.message)")
            throw ExitStatus.usage
        }
        let asciiOnly = ascii || !terminal.capabilities.utf8
        let rt = DashboardRuntime(
            config: cfg, themes: themes, ascii: asciiOnly, graphColumns: terminal.size.width, alerts: alerts)
        if terminal.capabilities.colors == 0, let i = rt.state.themes.firstIndex(where: { $0.name == "mono" }) {
            rt.state.themeIndex = i
        }
        rt.view.about = about
        try pickDashboard(rt)
        if let w = alerts.warnings.first {
            rt.state.message =
                "journal: \(w)" + (alerts.warnings.count > 1 ? " (+\(alerts.warnings.count - 1), see A)" : "")
        }
        var dirty = true
        var quitSignal: Int32 = 0
        // VIGIL_TIMINGS=FILE: per server round, the time from asking to the
        // screen showing every answer (the server-mode benchmark reads it).
        let timings = ProcessInfo.processInfo.environment["VIGIL_TIMINGS"].flatMap { FileHandle(forWritingAtPath: $0) }
        var roundStart: Int64?
        // New data shows at once, at most four evaluations a second: an
        // answer that arrives sooner is shown 250 ms after the last one.
        var redrawAt = Int64.max
        loop: while true {
            let now = DashboardRuntime.now()
            let untilScrape = rt.startDue()
            let untilEval = min(rt.lastEvaluation + cfg.refresh.milliseconds, redrawAt) - now
            if untilEval <= 0 {
                redrawAt = .max
                let events = rt.evaluate(now: now)
                if rt.askServer && roundStart == nil { roundStart = now }
                // A newly firing critical or high alert rings the bell once
                // and stays highlighted until it is seen.
                let loud = events.filter { alerts.rings($0) }.map(\.key)
                if !loud.isEmpty {
                    if rt.state.screen != .alerts { rt.state.unseen.formUnion(loud) }
                    if !noBell { terminal.bell() }
                }
                dirty = true
            }
            if dirty {
                let (w, h) = terminal.size
                terminal.draw(rt.render(width: w, height: h))
                dirty = false
                if let start = roundStart, let remote = rt.remote, remote.outstanding == 0, remote.queued == 0 {
                    let line = "refresh_to_screen_ms \(DashboardRuntime.now() - start) sent \(remote.sent)\n"
                    timings?.seekToEndOfFile()
                    timings?.write(Data(line.utf8))
                    roundStart = nil
                }
            }
            let nextEval = min(rt.lastEvaluation + cfg.refresh.milliseconds, redrawAt)
            let timeout = max(0, min(untilScrape, max(0, nextEval - DashboardRuntime.now()), 1000))
            let completed = rt.pump(timeoutMs: Int(timeout), extraFDs: signalFD >= 0 ? [0, signalFD] : [0])
            if vigil_last_signal() != 0 {
                quitSignal = vigil_last_signal()
                break
            }
            // New data (or a new failure) shows at once, not at the next
            // refresh tick; at most four evaluations a second.
            if completed > 0 { redrawAt = min(redrawAt, rt.lastEvaluation + 250) }
            // The server's last answer of a round is drawn at once.
            if completed > 0, let remote = rt.remote, remote.outstanding == 0, remote.queued == 0 {
                redrawAt = DashboardRuntime.now()
            }
            // Keys are read every turn, not only when standard input polled
            // ready: curses may already hold some in its own buffer.
            do {
                for key in terminal.readKeys() {
                    if key == .resize {
                        terminal.resized()
                        dirty = true
                        continue
                    }
                    for effect in rt.state.handle(key) {
                        switch effect {
                        case .quit: break loop
                        case .scrapeNow:
                            rt.scraper.scrapeNow()
                            rt.logs.pollNow()
                        case .windowChanged: rt.lastEvaluation = 0
                        default: rt.perform(effect, now: DashboardRuntime.now())
                        }
                    }
                    dirty = true
                }
            }
            if dirty && rt.state.screen == .incidents { rt.refreshAlertsModel(now: DashboardRuntime.now()) }
        }
        terminal.close()
        // Ctrl-C is a way to quit (status 0); SIGTERM and SIGHUP say
        // someone else ended Vigil (status 128 + signal).
        if quitSignal != 0 && quitSignal != SIGINT { Foundation.exit(128 + quitSignal) }
    }
}

/// Runs an async operation from synchronous code and waits for it.
/// A result handed from a task to a waiting thread: written once by the
/// task before the semaphore is signalled, read after the wait.
final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}

func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

/// A canvas as text lines, with ANSI SGR colours when asked.
enum PlainText {
    static func render(_ c: Canvas, color: Bool) -> String {
        var out = ""
        for y in 0..<c.height {
            var current: Style?
            var line = ""
            for x in 0..<c.width {
                let cell = c[x, y]
                guard cell.width > 0 else { continue }
                if color && cell.style != current {
                    line += sgr(cell.style)
                    current = cell.style
                }
                line += cell.text
            }
            if color {
                line += "\u{1B}[0m"
            } else {
                while line.hasSuffix(" ") { line.removeLast() }
            }
            out += line + "\n"
        }
        return out
    }

    static func sgr(_ s: Style) -> String {
        var codes = ["0"]
        if s.attributes.contains(.bold) { codes.append("1") }
        if s.attributes.contains(.dim) { codes.append("2") }
        if s.attributes.contains(.underline) { codes.append("4") }
        if s.attributes.contains(.reverse) { codes.append("7") }
        if s.fg.index >= 0 { codes.append("38;5;\(s.fg.index)") }
        if s.bg.index >= 0 { codes.append("48;5;\(s.bg.index)") }
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }
}

/// `vigil demo`: the demo exporter alone, for a real Prometheus to scrape.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the built-in demo exporter alone (a time-compressed launch day at /metrics).")

    @Option(help: "Loopback address and port to listen on.") var listen: String = "127.0.0.1:9464"
    @Option(help: "Start this many seconds into the four-minute launch cycle (90: the api incident).")
    var start: Double = 0
    @Flag(help: "Stay at the --start moment of the cycle (counters still count): for tests and screenshots.")
    var freeze = false

    func run() throws {
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
            printError("vigil demo: --listen must look like 127.0.0.1:9464")
            throw ExitStatus.usage
        }
        let host = String(listen[..<colon])
        guard host == "127.0.0.1" || host == "localhost" else {
            printError("vigil demo: the demo exporter only listens on 127.0.0.1")
            throw ExitStatus.usage
        }
        let exporter = try DemoExporter(host: "127.0.0.1", port: port, startAt: start, freeze: freeze)
        let bound = try runBlocking { try await exporter.start() }
        // Unbuffered, so a script reading the port sees it at once.
        FileHandle.standardOutput.write(
            Data("vigil demo exporter: http://127.0.0.1:\(bound)/metrics (Ctrl-C stops)\n".utf8))
        while true { sleep(3600) }
    }
}
