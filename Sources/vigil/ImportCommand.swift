import ArgumentParser
import Foundation
import VigilCore

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn what a team already has into Vigil's configuration.",
        subcommands: [ImportGrafana.self]
    )
}

struct ImportGrafana: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grafana",
        abstract: "Print a Grafana dashboard (classic JSON model) as Vigil's metrics and dashboards.",
        discussion: """
            The same import as a `grafana:` entry under dashboards:, written out to edit. Panels Vigil cannot \
            draw become notes that say so, and are listed as comments at the top. Exit status 2 when the file \
            cannot be read as a Grafana dashboard (every mistake with file:line:column).
            """
    )

    @Argument(help: "The dashboard's JSON file.") var file: String
    @Option(name: .customLong("var"), help: "A variable's value, NAME=VALUE (repeatable; a,b for several).")
    var vars: [String] = []
    @Option(help: "$__interval: the targets' scrape interval.") var scrapeInterval: String = "15s"

    func run() throws {
        var settings = GrafanaImportSettings()
        for v in vars {
            guard let eq = v.firstIndex(of: "="), eq != v.startIndex else {
                printError("vigil: import grafana: --var \(v): give NAME=VALUE")
                throw ExitStatus.usage
            }
            settings.vars[String(v[..<eq])] = String(v[v.index(after: eq)...])
        }
        guard let interval = PromDuration(scrapeInterval), interval.milliseconds > 0 else {
            printError("vigil: import grafana: --scrape-interval \(scrapeInterval): not a duration")
            throw ExitStatus.usage
        }
        settings.scrapeIntervalMs = interval.milliseconds
        do {
            let g = try GrafanaImporter.load(path: file, settings: settings)
            say(GrafanaYAML.render(g, source: file), terminator: "")
        } catch {
            printError(error.description)
            throw ExitStatus.usage
        }
    }
}
