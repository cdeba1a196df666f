import ArgumentParser
import CShims
import Foundation
import VigilApp
import VigilCore
import VigilHistory
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
            t cycles themes, A shows the alerts (a acknowledges, u unacknowledges or lifts a silence, s silences, i opens an \
            incident), I shows the incidents (n adds a note, > moves the status on), S shows Alertmanager's silences, \
            O the objectives, L the launch (P starts or promotes, H holds, B rolls back, o overrides with a reason), \
            C the checklist (x passed, F failed, K skipped, R runs the automated items), \
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
            discussion:
                "Default: the configuration's state_dir:, else $XDG_STATE_HOME/vigil (~/.local/state/vigil); "
                + "with --demo, its demo/ subdirectory."))
    var stateDir: String?
    @Flag(help: "Do not ring the terminal bell when a critical or high alert fires.") var noBell = false
    @Flag(help: "Neither record nor read the history store (a read-only disk; the benchmark's baseline).")
    var noHistory = false
    @Option(
        help: "Open on this screen: dashboards (default), alerts, incidents, silences, objectives, launch or checklist."
    )
    var screen: String?
    /// Tests start the demo's cycle just before its outage.
    @Option(help: .hidden) var demoStart: Double = 0

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
        var exporter: DemoExporter?
        if demo {
            // The exporter's server and simulation run as tasks that hold
            // what they need; nothing here has to keep it alive.
            let demoExporter = try DemoExporter(port: 0, startAt: demoStart)
            exporter = demoExporter
            let port = try runBlocking { try await demoExporter.start() }
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
            cfg = DemoExporter.compressObjectives(cfg)
            cfg.launch = DemoExporter.compressLaunch(cfg.launch, port: port)
        }
        let state = locations.stateDirectory(option: stateDir, configured: cfg.stateDir, demo: demo)
        let dir = state.path
        // Shown at the top of the help screen: which files this is about,
        // and whom the state is shared with.
        let shared = SharedState.group(of: dir).map { "; shared with group \(SharedState.groupName($0))" } ?? ""
        let about = ["config  \(choice)", "state   \(state.path) (\(state.why)\(shared))"]
        if once {
            try runOnce(cfg, themes: themes, stateDir: dir, about: about)
            return
        }
        try runInteractive(cfg, themes: themes, stateDir: dir, about: about, exporter: exporter)
    }

    /// The state directory a command without `--state-dir` uses, as the
    /// dashboard would (the configuration's `state_dir:` first).
    static func defaultStateDir(demo: Bool, config: VigilConfig? = nil) -> String {
        FileLocations.current.stateDirectory(option: nil, configured: config?.stateDir, demo: demo).path
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

    /// The application, with the dashboard asked for shown first.
    func makeApp(_ cfg: VigilConfig, themes: [Theme], options: AppOptions, alerts: AlertCenter) throws -> App {
        var app = App(config: cfg, themes: themes, options: options, alerts: alerts)
        if let dashboard {
            do { try app.show(dashboard: dashboard) } catch {
                printError("vigil: \(error.message)")
                throw ExitStatus.usage
            }
        }
        if let screen {
            do { try app.show(screen: screen) } catch {
                printError("vigil: \(error.message)")
                throw ExitStatus.usage
            }
        }
        return app
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
        let fast = App.onceConfig(cfg)
        var options = AppOptions()
        options.ascii = ascii || !Terminal.localeIsUTF8()
        options.graphColumns = w
        options.about = about
        options.bell = false
        // --once shows the journal's alerts but never writes it: printing a
        // frame must not change what the on-call engineers see.
        let journal = Journal.forState(directory: stateDir, write: false).journal
        let identity = AlertCenter.defaultIdentity()
        var app = try makeApp(
            fast, themes: themes, options: options,
            alerts: .replaying(journal, config: fast, identity: identity))
        // The objectives' windows as the history holds them: a one-shot
        // frame has only its own seconds otherwise.
        // Only a store that exists: --once writes nothing, not even an empty file.
        let historyPath = stateDir + "/history.sqlite"
        if !fast.objectives.isEmpty, FileManager.default.fileExists(atPath: historyPath) {
            // A store that cannot be read is said; the frame then has the
            // objectives of this run's seconds only.
            do {
                let store = try HistoryStore(path: historyPath)
                let now = RunLoop.now()
                var stored: [String: [Labels: [(Int64, Double)]]] = [:]
                for o in fast.objectives {
                    let id = SLOLedger.historyID(o)
                    stored[id] = try store.minuteAverages(metric: id, from: o.window.bounds(now: now).start, to: now)
                }
                app.backfillObjectives(stored)
            } catch {
                printError("vigil: objectives without their history: \(error.message)")
            }
        }
        RunLoop.once(&app, within: waitDuration.milliseconds)
        let useColor =
            color == .always
            || (color == .auto && isatty(1) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
        sayFrame(PlainText.render(app.render(width: w, height: h), color: useColor))
        // The frame shows a failed scrape; the exit status says it too, for
        // scripts and cron (1: a failed scrape, as everywhere).
        let down = app.downTargets
        if !down.isEmpty {
            printError(
                "vigil: \(down.count) of \(app.snapshot.targets.count) targets down: "
                    + down.map { "\($0.name): \($0.lastError ?? "down")" }.joined(separator: "; "))
            throw ExitStatus.failed
        }
    }

    // MARK: - Interactive

    func runInteractive(
        _ cfg: VigilConfig, themes: [Theme], stateDir: String, about: [String], exporter: DemoExporter? = nil
    ) throws {
        let (journal, cannotWrite) = Journal.forState(directory: stateDir, write: true)
        var readOnly = cannotWrite
        // Appends go through a thread with a journal (descriptor, lock) of
        // its own, which also compacts; this one only reads.
        var appender: Journal?
        if journal?.writable == true {
            do {
                appender = try Journal(directory: stateDir)
                appender?.compactAfterBytes = cfg.journalCompactAfter
            } catch {
                readOnly = error.message
            }
        }
        let alerts = AlertCenter.replaying(journal, config: cfg, identity: AlertCenter.defaultIdentity())
        // From here on the writer's thread reads the journal too.
        var writer: JournalWriter?
        if let appender, let journal { writer = JournalWriter(journal: appender, reader: journal) }
        for w in alerts.warnings { printError("vigil: \(w)") }
        let signalFD = vigil_install_signal_pipe()
        let terminal: Terminal
        do {
            terminal = try Terminal()
        } catch {
            printError("vigil: \(error.message)")
            throw ExitStatus.usage
        }
        var options = AppOptions()
        options.ascii = ascii || !terminal.capabilities.utf8
        options.graphColumns = terminal.size.width
        options.colors = terminal.capabilities.colors
        options.bell = !noBell
        options.about = about
        options.identity = alerts.identity
        options.readOnlyReason = readOnly
        let history = noHistory ? OpenedHistory() : openHistory(cfg, stateDir: stateDir)
        options.recordHistory = history.writer != nil
        options.readHistory = history.reader != nil
        // A shared directory whose files the group cannot write: said at
        // start and on the help screen (the files this user owns were set
        // right as they were opened).
        let unshared = SharedState.problems(in: stateDir)
        options.about += unshared.map { "warning \($0)" }
        var app = try makeApp(cfg, themes: themes, options: options, alerts: alerts)
        if let stored = history.stored { app.backfill(stored, until: RunLoop.now()) }
        if let problem = history.problem { _ = app.update(.historyFailed(problem), now: RunLoop.now()) }
        if let note = history.note { app.state.message = note }
        if let first = unshared.first {
            app.state.message = "state: " + first + (unshared.count > 1 ? " (and \(unshared.count - 1) more)" : "")
        }
        // VIGIL_TIMINGS=FILE: per server round, the time from asking to the
        // screen showing every answer (the server-mode benchmark reads it).
        let timings = ProcessInfo.processInfo.environment["VIGIL_TIMINGS"].flatMap { FileHandle(forWritingAtPath: $0) }
        // Read-only still follows what other instances append; the app asks
        // for no writes then.
        // The demo's exporter follows the launch's traffic share.
        var traffic: (@Sendable (Double?) -> Void)?
        if let exporter { traffic = { share in exporter.follow(traffic: share) } }
        let status = RunLoop.interactive(
            &app, terminal: terminal, journal: journal, writer: writer, history: history, signalFD: signalFD,
            timings: timings, traffic: traffic)
        terminal.close()
        history.writer?.close()
        history.reader?.close()
        if status != 0 { Foundation.exit(status) }
    }
}

extension Dashboard {
    /// The history store in the state directory: its writer (none when
    /// another Vigil records this directory), a reader for long windows,
    /// and what it held for the last hours. In server mode it records
    /// nothing (the server is the history); a damaged or locked file is a
    /// reason the status line gives, and Vigil goes on without history.
    func openHistory(_ cfg: VigilConfig, stateDir: String) -> OpenedHistory {
        var opened = OpenedHistory()
        let local = cfg.metrics.filter { !$0.remote }
        guard !local.isEmpty else { return opened }
        do {
            try SharedState.makeDirectory(stateDir)
            let path = stateDir + "/history.sqlite"
            let holder = RecorderLock.claim(directory: stateDir)
            let store = try HistoryStore(path: path)
            let now = RunLoop.now()
            var stored: [String: [Labels: [(Int64, Double)]]] = [:]
            for m in local {
                let points = try store.points(metric: m.id, from: now - AppState.memoryMs, to: now)
                if !points.isEmpty { stored[m.id] = points }
            }
            opened.stored = stored
            opened.reader = HistoryReader(path: path)
            if let holder {
                opened.note = "history read-only: \(holder) records it"
            } else {
                opened.writer = HistoryWriter(store: store, retention: cfg.retention)
            }
        } catch let error as HistoryError {
            opened.problem = error.message
        } catch {
            opened.problem = "\(stateDir): \(error.localizedDescription)"
        }
        return opened
    }
}

/// What `openHistory` found.
struct OpenedHistory {
    var writer: HistoryWriter?
    var reader: HistoryReader?
    var stored: [String: [Labels: [(Int64, Double)]]]?
    /// Why there is no history at all; or why this instance only reads it.
    var problem: String?
    var note: String?
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
