import ArgumentParser
import Foundation
import VigilCore

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a configuration file, a metrics exposition or Prometheus rule files.",
        subcommands: [CheckConfig.self, CheckMetrics.self, CheckRules.self]
    )
}

struct CheckMetrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Validate a Prometheus or OpenMetrics exposition, like `promtool check metrics`.",
        discussion: "Reads FILE, or standard input when FILE is - or absent. Exit status 1 when it is invalid."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case auto, prometheus, openmetrics }

    @Argument(help: "The exposition file, or - for standard input.") var file: String = "-"
    @Option(help: "auto (OpenMetrics when the text ends with # EOF), prometheus or openmetrics.") var format: Format =
        .auto

    func run() throws {
        let bytes = try readInput(file)
        let chosen: ExpositionFormat
        switch format {
        case .prometheus: chosen = .prometheus
        case .openmetrics: chosen = .openMetrics
        case .auto: chosen = ExpositionFormat(sniffing: bytes)
        }
        do {
            let samples = try ExpositionParser.parseAll(bytes: bytes, format: chosen)
            let families = Set(samples.map(\.family)).count
            say(
                "\(file == "-" ? "stdin" : file): valid \(chosen.rawValue), \(samples.count) samples in \(families) families"
            )
        } catch {
            printError("\(file == "-" ? "stdin" : file):\(error)")
            throw ExitStatus.failed
        }
    }
}
