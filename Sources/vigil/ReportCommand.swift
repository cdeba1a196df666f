import ArgumentParser
import Foundation
import VigilCore
import VigilHistory
import VigilNet

/// `vigil report daily`: the plan's daily report from the history store
/// and the journal.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the plan's daily report (system, users, business, performance, security, incidents).",
        discussion: "vigil report daily [--date YYYY-MM-DD]   the day in UTC; today by default")

    enum Format: String, ExpressibleByArgument, CaseIterable { case markdown, json }

    @Argument(help: "daily") var kind: String
    @Option(help: "The day (UTC), YYYY-MM-DD; today by default.") var date: String?
    @Option(help: "markdown (default) or json.") var format: Format = .markdown
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?
    @OptionGroup var journal: JournalOptions

    func run() throws {
        guard kind == "daily" else {
            printError("vigil report: unknown report '\(kind)' (daily; weekly is not written yet)")
            throw ExitStatus.usage
        }
        let (day, from) = try Self.day(date)
        let to = min(from + 86_400_000, PollDriver.now())
        let cfg = try loadConfig(FileLocations.current.requireConfig(option: journal.config))
        let dir = journal.stateDir ?? Dashboard.defaultStateDir(demo: false)
        var rollups: [String: [Labels: [HistoryRollup]]] = [:]
        var source = "the history store \(dir)/history.sqlite (one-minute rollups)"
        if FileManager.default.fileExists(atPath: dir + "/history.sqlite") {
            do {
                let store = try HistoryStore(path: dir + "/history.sqlite")
                for m in cfg.metrics { rollups[m.id] = try store.rollups(metric: m.id, from: from, to: to - 1) }
            } catch {
                printError("vigil report: \(error.message); figures are not measured")
                source = "no history: \(error.message)"
            }
        } else {
            source = "no history in \(dir) (run the dashboard in scrape mode to record one)"
        }
        let center = try journal.open()
        let incidents = (center?.incidents.all ?? []).filter { $0.openedAtMs >= from && $0.openedAtMs < to }
            .compactMap { center?.history(of: $0.id, now: to) }
        let report = DailyReport.build(
            date: day, from: from, to: to, config: cfg, rollups: rollups, incidents: incidents, source: source)
        let text: String
        switch format {
        case .markdown:
            text = report.markdown.split(separator: "\n", omittingEmptySubsequences: false).map {
                safeLine(String($0))
            }.joined(separator: "\n")
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            text = String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
        }
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
                printError("vigil report: cannot write \(output)")
                throw ExitStatus.failed
            }
        } else {
            say(text, terminator: "")
        }
        // Status 1 only when nothing at all could be computed.
        if report.isEmpty && report.incidents.total == 0 {
            printError("vigil report: nothing measured for \(day) (\(source))")
            throw ExitStatus.failed
        }
    }

    /// The day's name and its start (UTC midnight).
    static func day(_ text: String?) throws -> (String, Int64) {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        if let text {
            let parts = text.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3,
                let d = cal.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
                cal.component(.day, from: d) == parts[2]
            else {
                printError("vigil report: --date must be YYYY-MM-DD, not '\(Sanitizer.clean(text, maxLength: 40))'")
                throw ExitStatus.usage
            }
            return (text, Int64(d.timeIntervalSince1970 * 1000))
        }
        let start = cal.startOfDay(for: Date())
        let c = cal.dateComponents([.year, .month, .day], from: start)
        return (
            String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0),
            Int64(start.timeIntervalSince1970 * 1000)
        )
    }
}
