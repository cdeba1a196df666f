import ArgumentParser
import Foundation
import VigilCore

struct CheckRules: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check Prometheus rule files, like `promtool check rules`.",
        discussion: """
            Every mistake with file:line:column (expressions, names, labels, templates, repeated groups), \
            then the groups and rules found. Exit status 1 when a file has a mistake.
            """
    )

    @Argument(help: "Rule files.") var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one rule file") }
    }

    func run() throws {
        var failed = false
        for file in files {
            say("Checking \(file)")
            do {
                let rules = try RuleFileLoader.load(path: file)
                let all = rules.groups.flatMap(\.rules)
                let alerting = all.filter { $0.kind == .alert }.count
                say(
                    "  SUCCESS: \(all.count) rules found (\(rules.groups.count) group\(rules.groups.count == 1 ? "" : "s"): \(alerting) alerting, "
                        + "\(all.count - alerting) recording)\n")
            } catch {
                failed = true
                printError("  FAILED:\n" + error.description + "\n")
            }
        }
        if failed { throw ExitStatus.failed }
    }
}

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run promtool's unit tests against Vigil's rule engine.",
        subcommands: [TestRules.self]
    )
}

struct TestRules: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Run rule unit-test files (promtool's format) against Vigil's engine, like `promtool test rules`.",
        discussion: """
            Input series in expanding notation, alert_rule_test and promql_expr_test are evaluated by Vigil's \
            PromQL engine and alert engine; failures are printed as promtool prints them. Exit status 1 when a \
            test fails.
            """
    )

    @Argument(help: "Test files.") var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one test file") }
    }

    func run() throws {
        var failed = false
        for file in files {
            say("Unit Testing:  \(file)")
            let failures: [String]
            do {
                failures = RuleTestRunner.run(try RuleTestLoader.load(path: file))
            } catch {
                failures = error.errors.map(\.description)
            }
            if failures.isEmpty {
                say("  SUCCESS\n")
            } else {
                failed = true
                // Flushed first, so the verdict follows its heading.
                fflush(nil)
                printError("  FAILED:\n" + failures.joined(separator: "\n") + "\n")
            }
        }
        if failed { throw ExitStatus.failed }
    }
}
