import ArgumentParser
import Foundation
import VigilCore
import VigilNet
import VigilUI

/// Options shared by the commands that read the journal.
struct JournalOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The configuration file (severities, rules, units).")
    var config: String?
    @Option(
        help: "The state directory holding the journal (default: the config's state_dir:, else $XDG_STATE_HOME/vigil).")
    var stateDir: String?

    /// The configuration and the journal, replayed, without writing it;
    /// nil, with `noJournal` saying why, when the state directory has no
    /// journal yet.
    func open() throws -> AlertCenter? {
        let cfg = try loadConfig(FileLocations.current.requireConfig(option: config))
        let dir = directory(cfg)
        guard FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent("journal.jsonl")) else {
            return nil
        }
        let center = AlertCenter.replaying(
            Journal.forState(directory: dir, write: false).journal, config: cfg, identity: AlertCenter.defaultIdentity()
        )
        for w in center.warnings { printError("vigil: \(w)") }
        return center
    }

    /// Why there is nothing to show: no journal yet in the state directory,
    /// and where the demo's journal is when the demo has run.
    /// `--state-dir`, else the configuration's `state_dir:`, else one's own.
    func directory(_ cfg: VigilConfig?) -> String {
        stateDir ?? Dashboard.defaultStateDir(demo: false, config: cfg)
    }

    var noJournal: String {
        let cfg = try? loadConfig(FileLocations.current.requireConfig(option: config))
        let dir = directory(cfg)
        var text = "no journal in \(dir) yet"
        let demo = Dashboard.defaultStateDir(demo: true)
        if stateDir == nil, cfg?.stateDir == nil, FileManager.default.fileExists(atPath: demo + "/journal.jsonl") {
            text += " (the demo keeps its own: --state-dir \(demo))"
        }
        return text
    }
}

/// Text from the journal goes to a terminal: one clean line each.
func safeLine(_ s: String) -> String { Sanitizer.clean(s, maxLength: 4000) }

struct Incidents: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the incidents in the journal, or show one with its timeline.",
        discussion:
            "vigil incidents [list]        every incident, newest first\nvigil incidents show ID      one incident")

    @Argument(help: "list, or show") var action: String = "list"
    @Argument(help: "The incident id, for show.") var id: String?
    @OptionGroup var journal: JournalOptions

    func run() throws {
        guard action == "list" || action == "show" else {
            printError("vigil incidents: unknown action '\(action)' (list or show ID)")
            throw ExitStatus.usage
        }
        guard let center = try journal.open() else {
            // A new state directory: nothing has happened yet, which is
            // not an error for a list.
            if action == "list" {
                say("no incidents yet: \(journal.noJournal)")
                return
            }
            printError("vigil: no incident \(id ?? ""): \(journal.noJournal)")
            throw ExitStatus.failed
        }
        let now = PollDriver.now()
        switch action {
        case "list":
            let all = center.incidents.all
            if all.isEmpty {
                say("no incidents yet")
                return
            }
            say(
                DisplayWidth.pad("ID", to: 22) + DisplayWidth.pad("STATUS", to: 15)
                    + DisplayWidth.pad("SEVERITY", to: 10)
                    + DisplayWidth.pad("OPENED (UTC)", to: 21) + DisplayWidth.pad("ASSIGNEE", to: 20) + "TITLE")
            for i in all {
                say(
                    safeLine(
                        DisplayWidth.pad(i.id, to: 22) + DisplayWidth.pad(i.status.rawValue, to: 15)
                            + DisplayWidth.pad(i.severity, to: 10)
                            + DisplayWidth.pad(String(IncidentHistory.time(i.openedAtMs).dropLast(4)), to: 21)
                            + DisplayWidth.pad(i.assignee, to: 20) + i.title))
            }
        case "show":
            guard let id else {
                printError("vigil incidents show: give an incident id (see vigil incidents list)")
                throw ExitStatus.usage
            }
            guard let h = center.history(of: id, now: now) else {
                printError("vigil: no incident \(id)")
                throw ExitStatus.failed
            }
            let i = h.incident
            say(safeLine("\(i.id): \(i.title)"))
            say(safeLine("status \(i.status.rawValue), severity \(i.severity), assignee \(i.assignee)"))
            say(safeLine("services: \(i.services.isEmpty ? "not known" : i.services.joined(separator: ", "))"))
            say(safeLine("opened \(IncidentHistory.time(i.openedAtMs)) by \(i.openedBy)"))
            say("time to acknowledge: \(h.timeToAcknowledgeMs.map(IncidentHistory.span) ?? "-")")
            say("time to resolve: \(h.timeToResolveMs.map(IncidentHistory.span) ?? "-")")
            say("timeline:")
            for e in h.timeline { say(safeLine("  \(IncidentHistory.time(e.atMs))  \(e.text)")) }
        default:
            printError("vigil incidents: unknown action '\(action)' (list or show ID)")
            throw ExitStatus.usage
        }
    }
}

struct PostmortemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postmortem",
        abstract: "Write an incident's post-mortem as Markdown: summary, impact, timeline, TTA, TTR, the metric.")

    @Argument(help: "The incident id (see vigil incidents).") var id: String
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?
    @OptionGroup var journal: JournalOptions

    func run() throws {
        guard let center = try journal.open() else {
            printError("vigil: no incident \(id): \(journal.noJournal)")
            throw ExitStatus.failed
        }
        guard let h = center.history(of: id, now: PollDriver.now()) else {
            printError("vigil: no incident \(id)")
            throw ExitStatus.failed
        }
        try emitDocument(
            Postmortem.markdown(
                h, config: center.config.alerts, metrics: center.config.metrics, launch: center.launch), to: output,
            command: "vigil")
    }
}
