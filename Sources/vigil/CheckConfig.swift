import ArgumentParser
import Foundation
import VigilCore
import VigilUI

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Validate a configuration file and print every error with file:line:column.",
        discussion: "Exit status 0 when valid, 2 when not. Nothing is scraped."
    )

    @Argument(
        help: ArgumentHelp(
            "The YAML configuration file.",
            discussion:
                "Default: the one the dashboard would load ($VIGIL_CONFIG, $XDG_CONFIG_HOME/vigil/vigil.yaml, /etc/vigil/vigil.yaml, the shipped dashboards), named with the reason."
        ))
    var file: String?

    func run() throws {
        let choice = try FileLocations.current.requireConfig(option: file)
        let file = choice.path
        if self.file == nil { say("using \(choice)") }
        do {
            let config = try ConfigLoader.load(path: file)
            // What only shows at start: keys and the theme, against the
            // actions and the installed themes.
            try requireChecks(config, themes: installedThemes(FileLocations.current.themeDirectories(option: nil)))
            let panels = config.dashboards.reduce(0) { $0 + $1.panels.count }
            say(
                "\(file): valid: \(config.targets.count) targets, \(config.metrics.count) metrics, "
                    + "\(config.dashboards.count) dashboards with \(panels) panels, \(config.alerts.rules.count) alert rules"
                    + (config.objectives.isEmpty && config.criteria.isEmpty
                        ? ""
                        : " (\(config.alerts.rules.filter { $0.objective != nil }.count) of them burn-rate), "
                            + "\(config.objectives.count) objectives, \(config.criteria.count) criteria")
                    + (config.launch.phases.isEmpty && config.launch.checklist.isEmpty
                        ? ""
                        : ", launch: \(config.launch.phases.count) phases with "
                            + "\(config.launch.phases.map(\.checks.count).reduce(0, +)) checks, "
                            + "\(config.launch.checklist.count) checklist items "
                            + "(\(config.launch.checklist.filter(\.automated).count) automated)")
            )
            if !config.alerts.onServer.isEmpty {
                say(
                    "\(file): left to the server (datasource: alertmanager, shown from Alertmanager): "
                        + config.alerts.onServer.joined(separator: ", "))
            }
            let imported = config.alerts.rules.filter { $0.imported != nil }.count
            if imported > 0 || !config.alerts.recordingRules.isEmpty || !config.alerts.ruleFileProblems.isEmpty {
                say(
                    "\(file): rule files: \(imported) alerting rules, \(config.alerts.recordingRules.count) recording rules"
                        + (config.alerts.ruleFileProblems.isEmpty
                            ? "" : ", \(config.alerts.ruleFileProblems.count) left out (below)"))
            }
            if let dir = config.stateDir { say("\(file): state_dir: \(dir)") }
            for t in config.targets where t.insecureSkipVerify {
                printError("\(file): warning: target \(t.name) skips TLS verification (insecure_skip_verify)")
            }
            // Imported dashboards: what Vigil shows as notes, or reads and
            // does not apply yet. Said, not failed: the rest is drawn.
            for note in config.importNotes { printError("\(note)") }
            // The dashboard runs without them and says so; a check fails.
            if !config.alerts.ruleFileProblems.isEmpty {
                printError(config.alerts.ruleFileProblems.map { "\($0) (rule left out)" }.joined(separator: "\n"))
                throw ExitStatus.usage
            }
        } catch let error as ConfigErrors {
            printError(error.description)
            printError("\(file): \(error.errors.count) error\(error.errors.count == 1 ? "" : "s")")
            throw ExitStatus.usage
        }
    }
}
