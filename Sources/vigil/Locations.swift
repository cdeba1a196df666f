import Foundation
import VigilCore
import VigilUI

extension FileLocations {
    /// This process's view: its environment, the directory of the binary
    /// it runs (through /proc, so a symlink in PATH leads to the real
    /// install), and the working directory.
    static var current: FileLocations {
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return FileLocations(
            environment: ProcessInfo.processInfo.environment, executableDirectory: FileLocations.parent(exe),
            workingDirectory: FileManager.default.currentDirectoryPath,
            exists: { FileManager.default.fileExists(atPath: $0) })
    }

    /// The configuration to load, or exit 2 with the places searched.
    func requireConfig(option: String?, demo: Bool = false) throws -> Choice {
        // The demo plays the NormalDance launch: its dashboards, whatever
        // the machine's own configuration is.
        if demo && option == nil, let shipped = shippedDashboards() { return shipped }
        if let choice = config(option: option) { return choice }
        printError(
            "vigil: no configuration: give --config FILE, set $VIGIL_CONFIG, or create "
                + "\(configHome.map { $0 + "/vigil/vigil.yaml" } ?? "~/.config/vigil/vigil.yaml") or /etc/vigil/vigil.yaml "
                + "(the shipped dashboards were not found either)")
        throw ExitStatus.usage
    }
}

/// Loads a configuration, printing every error (exit status 2).
func loadConfig(_ choice: FileLocations.Choice) throws -> VigilConfig {
    do {
        return try ConfigLoader.load(path: choice.path)
    } catch {
        printError(error.description)
        throw ExitStatus.usage
    }
}

/// The theme names the directories hold (`NAME.yaml`).
func installedThemes(_ directories: [String]) -> Set<String> {
    var names = Set<String>()
    for dir in directories {
        for file in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where file.hasSuffix(".yaml") {
            names.insert(String(file.dropLast(5)))
        }
    }
    return names
}

/// The checks that need more than the file (keys, the theme): their errors
/// with positions, and exit status 2, as for any configuration error.
func requireChecks(_ config: VigilConfig, themes: Set<String>) throws {
    let problems = ConfigChecks.problems(config, themes: themes)
    guard !problems.isEmpty else { return }
    for p in problems { printError(p.description) }
    printError("\(config.file): \(problems.count) error\(problems.count == 1 ? "" : "s")")
    throw ExitStatus.usage
}
