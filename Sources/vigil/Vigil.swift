import ArgumentParser
import Foundation
import VigilCore

/// The version reported by `--version` and sent as `User-Agent: vigil/<version>`.
let vigilVersion = VigilVersion.description

@main
struct Vigil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "A terminal console for launch day: scrape Prometheus endpoints, query them, watch dashboards.",
        version: vigilVersion,
        subcommands: [
            Dashboard.self, Check.self, Scrape.self, Query.self, Incidents.self, PostmortemCommand.self, History.self,
            Report.self, SLO.self, LaunchCommand.self, ChecklistCommand.self, NotifyCommand.self,
            TestCommand.self, ImportCommand.self, Demo.self, JournalDebug.self, HistoryAppend.self,
        ],
        defaultSubcommand: Dashboard.self
    )

    /// Like ArgumentParser's own main, but a usage error exits with 2
    /// (Vigil's contract) rather than sysexits' 64.
    static func main() {
        // A parent may have started Vigil with the termination signals
        // blocked (a test runner's thread, some supervisors: masks survive
        // exec): `vigil demo` or `vigil query` would then never end on
        // SIGTERM. The dashboard installs its own handlers over this.
        var termination = sigset_t()
        sigemptyset(&termination)
        for s in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&termination, s) }
        pthread_sigmask(SIG_UNBLOCK, &termination, nil)
        // Ignored is inherited too; nothing ignores SIGTERM on purpose
        // (SIGHUP stays as nohup left it).
        signal(SIGTERM, SIG_DFL)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            // ArgumentParser's own messages echo the arguments given:
            // they take the one output path too.
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .validationFailure {
                printError(message)
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            if !message.isEmpty {
                if code == .success { say(message) } else { printError(message) }
            }
            Foundation.exit(code.rawValue)
        }
    }
}

/// Exit statuses: 0 ok, 1 a failed check, scrape or query, 2 usage or config error.
enum ExitStatus {
    static let failed = ExitCode(1)
    static let usage = ExitCode(2)
}

/// Reads a file, or standard input for "-", as bytes.
func readInput(_ path: String) throws -> [UInt8] {
    if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    guard let data = FileManager.default.contents(atPath: path) else {
        printError("vigil: cannot read \(path)")
        throw ExitStatus.usage
    }
    return Array(data)
}

/// JSON string escaping for the --json outputs.
func jsonString(_ s: String) -> String { Quoting.json(s) }

func jsonLabels(_ labels: Labels) -> String {
    "{" + labels.pairs.map { "\(jsonString($0.name)):\(jsonString($0.value))" }.joined(separator: ",") + "}"
}
