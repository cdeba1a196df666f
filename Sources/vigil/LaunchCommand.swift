import ArgumentParser
import Foundation
import VigilApp
import VigilCore
import VigilNet
import VigilUI

/// The application as `vigil launch` and `vigil checklist` run it: no
/// terminal, targets scraped until the current phase's checks and the
/// automated checklist items are measured once, decisions written to the
/// journal exactly as the keys write them.
struct LaunchRunner {
    var app: App
    let journal: Journal?
    /// Whether this command writes (then what it measures is recorded).
    let write: Bool

    init(_ options: JournalOptions, write: Bool) throws {
        let cfg = try loadConfig(FileLocations.current.requireConfig(option: options.config))
        let dir = options.directory(cfg)
        let (journal, readOnly) = Journal.forState(directory: dir, write: write)
        self.journal = journal
        self.write = write
        var fast = App.onceConfig(cfg)
        // A one-off command measures every second while it waits.
        for p in fast.launch.phases.indices {
            for c in fast.launch.phases[p].checks.indices { fast.launch.phases[p].checks[c].intervalMs = 1000 }
        }
        var appOptions = AppOptions()
        appOptions.bell = false
        appOptions.identity = AlertCenter.defaultIdentity()
        appOptions.readOnlyReason = readOnly
        let center = AlertCenter.replaying(journal, config: fast, identity: appOptions.identity)
        for w in center.warnings { printError("vigil: \(w)") }
        app = App(config: fast, themes: [.fallback], options: appOptions, alerts: center)
        if let readOnly, write {
            printError("vigil: the journal in \(dir) cannot be written: \(readOnly)")
            throw ExitStatus.failed
        }
    }

    /// Scrapes until every check of the current phase and every automated
    /// item has been measured once, or `withinMs` passes.
    mutating func measure(withinMs: Int64) {
        // A command that writes records what the automated items found
        // (a change of result, as the dashboard would); one that only
        // reads writes nothing.
        _ = RunLoop.run(&app, within: withinMs, journal: write ? journal : nil) { $0.launchMeasured }
    }

    /// Carries out what the application decided (a waiting promotion, the
    /// journal's records) and returns a failed write's reason.
    mutating func settle(withinMs: Int64) -> String? {
        RunLoop.run(&app, within: withinMs, journal: journal) { !$0.launchPending && $0.alerts.outbox.isEmpty }
    }

    var text: LaunchText {
        let now = RunLoop.now()
        return LaunchText(
            plan: app.config.launch, book: app.alerts.launch, gate: app.gateStatus(now: now),
            checklist: app.checklistStatus(now: now), now: now, clock: { TimeText.clock($0) })
    }
}

struct LaunchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "launch",
        abstract: "Where the launch stands, and its decisions: start, promote, hold, roll back, override, report.",
        discussion: """
            vigil launch [status]            the phases, the current phase's checks and the decision (--json)
            vigil launch start               the first phase begins (refused while a checklist item failed)
            vigil launch promote             on to the next phase (refused while a check is NO-GO or an item failed)
            vigil launch override --reason   promote despite a NO-GO or a failed item (the reason is required)
            vigil launch hold --reason       stay in the phase, on the record
            vigil launch rollback --reason   the traffic went back to the phase before
            vigil launch report [-o FILE]    the whole launch in Markdown

            The checks are measured by scraping the targets for a few seconds (--wait), so a one-off command \
            sees one sample of each; the dashboard counts samples and passes over the whole phase. Every \
            decision is written to the journal with who, when, why and the checks' evidence, as the keys of \
            the Launch screen write it. Exit status: 1 when an action is refused, or (status) when a check is \
            NO-GO or a checklist item failed.
            """)

    @Argument(help: "status, start, promote, override, hold, rollback or report.") var action: String = "status"
    @Option(help: "Why (required for override).") var reason: String = ""
    @Flag(help: "status: print JSON.") var json = false
    @Option(help: "How long to scrape for the checks' measurements.") var wait: String = "10s"
    @Option(name: .shortAndLong, help: "report: write to this file instead of standard output.") var output: String?
    @OptionGroup var journal: JournalOptions

    func run() throws {
        guard let waitMs = PromDuration(wait)?.milliseconds else {
            printError("vigil launch: invalid --wait '\(wait)'")
            throw ExitStatus.usage
        }
        switch action {
        case "status":
            var runner = try LaunchRunner(journal, write: false)
            runner.measure(withinMs: waitMs)
            let t = runner.text
            say(json ? Self.json(t) : Self.lines(t, measured: true).joined(separator: "\n"))
            let failed = t.checklist.contains { $0.state == .fail }
            if t.gate?.noGo.isEmpty == false || failed { throw ExitStatus.failed }
        case "report":
            let runner = try LaunchRunner(journal, write: false)
            let md = LaunchReport.markdown(
                plan: runner.app.config.launch, book: runner.app.alerts.launch,
                incidents: runner.app.alerts.incidents.all, now: RunLoop.now(), clock: IncidentHistory.time)
            try emitDocument(md, to: output, command: "vigil launch")
        default:
            guard let kind = LaunchDecision.Action(rawValue: action) else {
                printError(
                    "vigil launch: unknown action '\(action)' (status, start, promote, override, hold, rollback, report)"
                )
                throw ExitStatus.usage
            }
            var runner = try LaunchRunner(journal, write: true)
            runner.measure(withinMs: waitMs)
            let before = runner.app.alerts.launch.decisions.count
            let first = runner.app.requestLaunch(kind, reason: reason, now: RunLoop.now())
            if let failure = runner.settle(withinMs: 20_000) {
                printError("vigil launch: not written: \(failure)")
                throw ExitStatus.failed
            }
            let decided = runner.app.alerts.launch.decisions.count > before
            let message = runner.app.state.message ?? first
            if decided {
                say(
                    Sanitizer.clean(
                        runner.app.launchPending ? first : message.isEmpty ? first : message, maxLength: 600))
                for line in runner.text.phaseLines { say("  " + line.text) }
            } else {
                printError("vigil launch: \(Sanitizer.clean(message, maxLength: 600)); nothing written")
                throw ExitStatus.failed
            }
        }
    }

    static func lines(_ t: LaunchText, measured: Bool) -> [String] {
        var out: [String] = []
        out.append("Launch: " + t.standing)
        if let note = t.plan.note { out.append(Sanitizer.clean(note, maxLength: 200)) }
        out.append(t.decisionLine.text)
        if let held = t.holdLine { out.append(held.text) }
        if measured && t.gate != nil {
            out.append("(measured once by this command; the dashboard counts samples and passes over the phase)")
        }
        out.append("")
        out.append("PHASES")
        out += t.phaseLines.map { "  " + $0.text }
        if !t.checkLines.isEmpty {
            out.append("")
            out.append("CHECKS")
            out += t.checkLines.map { "  " + $0.text }
        }
        if !t.checklist.isEmpty {
            let passed = t.checklist.filter { $0.state == .pass }.count
            let failed = t.checklist.filter { $0.state == .fail }
            out.append("")
            out.append(
                "CHECKLIST \(passed) of \(t.checklist.count) pass"
                    + (failed.isEmpty ? "" : ", failed: " + failed.map(\.item.id).joined(separator: ", ")))
        }
        out.append("")
        out.append("DECISIONS")
        out += t.decisionLines.isEmpty ? ["  none yet"] : t.decisionLines.map { "  " + $0.text }
        return out
    }

    static func json(_ t: LaunchText) -> String {
        func num(_ v: Double?) -> String { v.map { $0.isFinite ? GateText.number($0) : "null" } ?? "null" }
        func time(_ ms: Int64?) -> String { ms.map { jsonString(Instant.format($0)) } ?? "null" }
        var parts: [String] = []
        parts.append("\"phase\":" + (t.book.current.map(jsonString) ?? "null"))
        parts.append("\"entered_at\":" + time(t.book.enteredAt))
        parts.append("\"started_at\":" + time(t.book.startedAt))
        parts.append("\"completed_at\":" + time(t.book.completedAt))
        var decision = "\"decision\":{\"text\":\(jsonString(t.decisionLine.text))"
        if let gate = t.gate {
            switch gate.decision {
            case .go: decision += ",\"verdict\":\"GO\""
            case .noGo: decision += ",\"verdict\":\"NO-GO\""
            case .hold(_, let at): decision += ",\"verdict\":\"HOLD\",\"go_possible_at\":\(time(at))"
            }
        }
        parts.append(decision + "}")
        parts.append(
            "\"checks\":["
                + (t.gate?.evidence ?? []).map { e in
                    "{\"check\":\(jsonString(e.check)),\"verdict\":\(jsonString(e.verdict)),\"value\":\(num(e.value)),"
                        + "\"bound\":\(jsonString(e.bound)),\"samples\":\(e.samples),\"passes\":\(e.passes),"
                        + "\"query\":\(jsonString(e.query)),\"detail\":\(e.detail.map(jsonString) ?? "null")}"
                }.joined(separator: ",") + "]")
        parts.append(
            "\"phases\":["
                + t.plan.phases.map { p in
                    let span = t.book.spans.last { $0.phase == p.name }
                    return "{\"name\":\(jsonString(p.name)),\"traffic\":\(num(p.traffic)),"
                        + "\"min_duration_s\":\(p.minDurationMs / 1000),\"entered_at\":\(time(span?.enteredAt)),"
                        + "\"left_at\":\(time(span?.leftAt))}"
                }.joined(separator: ",") + "]")
        parts.append("\"checklist\":" + ChecklistCommand.json(t.checklist))
        parts.append(
            "\"decisions\":["
                + t.book.decisions.map { d in
                    "{\"at\":\(time(d.at)),\"action\":\(jsonString(d.decision.action.rawValue)),"
                        + "\"from\":\(d.decision.from.map(jsonString) ?? "null"),\"to\":\(d.decision.to.map(jsonString) ?? "null"),"
                        + "\"by\":\(jsonString(d.decision.by)),\"reason\":\(jsonString(d.decision.reason))}"
                }.joined(separator: ",") + "]")
        return "{" + parts.joined(separator: ",") + "}"
    }
}

struct ChecklistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checklist",
        abstract: "The pre-launch checklist: list it, tick an item, or run the automated items now.",
        discussion: """
            vigil checklist [list]                 every item: pass, fail, skipped, not checked, stale (--json)
            vigil checklist tick ITEM [--note T]   a person's tick (--fail: it failed; --skip with --note: skipped)
            vigil checklist run                    run the automated items now and record what changed

            ITEM is category.slug as the list prints it. Ticks are journal entries with who and when, as the \
            Checklist screen writes them; ticking an item already in that state is refused. Exit status 1 \
            when an item failed (list) or a tick is refused.
            """)

    @Argument(help: "list, tick or run.") var action: String = "list"
    @Argument(help: "The item, for tick.") var item: String?
    @Option(help: "A note on the tick (the reason of a skip or a failure).") var note: String = ""
    @Flag(help: "tick: the item failed.") var fail = false
    @Flag(help: "tick: skip the item (--note gives the reason).") var skip = false
    @Flag(help: "list: print JSON.") var json = false
    @Option(help: "run: how long to wait for the automated items.") var wait: String = "15s"
    @OptionGroup var journal: JournalOptions

    func run() throws {
        switch action {
        case "list":
            let runner = try LaunchRunner(journal, write: false)
            let t = runner.text
            if json {
                say(Self.json(t.checklist))
            } else {
                if t.checklist.isEmpty { say("no checklist: add launch.checklist: to the configuration") }
                for line in t.checklistLines(ids: true) { say(line.text) }
            }
            if t.checklist.contains(where: { $0.state == .fail }) { throw ExitStatus.failed }
        case "tick":
            guard let item else {
                printError("vigil checklist tick: which item? (vigil checklist lists them)")
                throw ExitStatus.usage
            }
            guard !(fail && skip) else {
                printError("vigil checklist tick: --fail or --skip, not both")
                throw ExitStatus.usage
            }
            var runner = try LaunchRunner(journal, write: true)
            let result: ChecklistMark.Result = fail ? .fail : skip ? .skip : .pass
            let before = runner.app.alerts.launch.marks[item]?.count ?? 0
            let message = runner.app.tickChecklist(item, result, note: note, now: RunLoop.now())
            guard (runner.app.alerts.launch.marks[item]?.count ?? 0) > before else {
                printError("vigil checklist: \(Sanitizer.clean(message, maxLength: 600))")
                throw ExitStatus.failed
            }
            if let failure = runner.settle(withinMs: 5000) {
                printError("vigil checklist: not written: \(failure)")
                throw ExitStatus.failed
            }
            say(Sanitizer.clean(message, maxLength: 600))
        case "run":
            guard let ms = PromDuration(wait)?.milliseconds else {
                printError("vigil checklist: invalid --wait '\(wait)'")
                throw ExitStatus.usage
            }
            var runner = try LaunchRunner(journal, write: true)
            runner.measure(withinMs: ms)
            if let failure = runner.settle(withinMs: 5000) {
                printError("vigil checklist: not written: \(failure)")
                throw ExitStatus.failed
            }
            for line in runner.text.checklistLines(ids: true) { say(line.text) }
        default:
            printError("vigil checklist: unknown action '\(action)' (list, tick or run)")
            throw ExitStatus.usage
        }
    }

    static func json(_ items: [ChecklistStatus]) -> String {
        "["
            + items.map { s in
                var o = "{\"id\":\(jsonString(s.item.id)),\"category\":\(jsonString(s.item.category)),"
                o += "\"title\":\(jsonString(s.item.title)),\"state\":\(jsonString(s.word.lowercased())),"
                o += "\"automated\":\(s.item.automated)"
                if let last = s.last {
                    o += ",\"at\":\(jsonString(Instant.format(last.at))),\"by\":\(jsonString(last.mark.by)),"
                    o += "\"note\":\(jsonString(last.mark.note))"
                }
                if let p = s.previous { o += ",\"previous\":\(jsonString(p.rawValue))" }
                return o + "}"
            }.joined(separator: ",") + "]"
    }
}
