import ArgumentParser
import Foundation
import VigilCore

/// The version reported by `--version` and sent as `User-Agent: vigil/<version>`.
let vigilVersion = VigilVersion.current

@main
struct Vigil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "A terminal console for launch day: scrape Prometheus endpoints, query them, watch dashboards.",
        version: vigilVersion,
        subcommands: [
            Dashboard.self, Check.self, Scrape.self, Query.self, Incidents.self, PostmortemCommand.self, Demo.self,
            JournalDebug.self,
        ],
        defaultSubcommand: Dashboard.self
    )

    /// Like ArgumentParser's own main, but a usage error exits with 2
    /// (Vigil's contract) rather than sysexits' 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}

/// Exit statuses: 0 ok, 1 a failed check, scrape or query, 2 usage or config error.
enum ExitStatus {
    static let failed = ExitCode(1)
    static let usage = ExitCode(2)
}

/// Prints to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
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

/// Minimal JSON string escaping for the --json outputs.
func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

func jsonLabels(_ labels: Labels) -> String {
    "{" + labels.pairs.map { "\(jsonString($0.name)): \(jsonString($0.value))" }.joined(separator: ", ") + "}"
}
