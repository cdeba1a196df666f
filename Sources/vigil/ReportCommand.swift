import ArgumentParser
import Foundation
import VigilCore
import VigilHistory
import VigilNet

/// `vigil report daily`: the plan's daily report from the history store
/// and the journal.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Write the plan's daily or weekly report (system, users, business, performance, security, incidents).",
        discussion: """
            vigil report daily [--date YYYY-MM-DD]       the day in UTC; today by default
            vigil report weekly [--week-of YYYY-MM-DD]   the week (Monday to Sunday, UTC) holding that day
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case markdown, html, json }

    @Argument(help: "daily or weekly") var kind: String
    @Option(help: "The day (UTC), YYYY-MM-DD; today by default.") var date: String?
    @Option(help: "Any day of the week (UTC), YYYY-MM-DD; this week by default.") var weekOf: String?
    @Option(help: "markdown (default), html (one self-contained file) or json.") var format: Format = .markdown
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?
    @Option(
        help: ArgumentHelp(
            "Send the report to this channel of channels: (email: the HTML with the Markdown as text; slack: a summary).",
            discussion: "With --send, the report is written only where -o says."))
    var send: String?
    @OptionGroup var journal: JournalOptions

    func run() throws {
        guard kind == "daily" || kind == "weekly" else {
            printError("vigil report: unknown report '\(kind)' (daily or weekly)")
            throw ExitStatus.usage
        }
        let weekly = kind == "weekly"
        let (name, start) = try Self.day(weekly ? weekOf : date, option: weekly ? "--week-of" : "--date")
        // A week starts on Monday: back from the day to its Monday.
        let from = weekly ? start - Int64((Self.weekday(start) + 6) % 7) * 86_400_000 : start
        let to = min(from + (weekly ? 7 : 1) * 86_400_000, PollDriver.now())
        let cfg = try loadConfig(FileLocations.current.requireConfig(option: journal.config))
        let channel = try send.map { name in
            guard let ch = cfg.channels.first(where: { $0.name == name }) else {
                printError(
                    "vigil report: no channel \(Sanitizer.quote(name)) (configured: \(cfg.channels.map(\.name).joined(separator: ", ")))"
                )
                throw ExitStatus.usage
            }
            return ch
        }
        let dir = journal.directory(cfg)
        // The weekly report compares with the week before: read it too.
        let (rollups, problems, source) = Self.read(cfg, dir: dir, from: weekly ? from - 7 * 86_400_000 : from, to: to)
        let center = try journal.open()
        let incidents = (center?.incidents.all ?? []).filter { $0.openedAtMs >= from && $0.openedAtMs < to }
            .compactMap { center?.history(of: $0.id, now: to) }
        // The objectives at the end of the period, from the history.
        let path = dir + "/history.sqlite"
        let store = FileManager.default.fileExists(atPath: path) ? try? HistoryStore(path: path) : nil
        let objectives = SLO.figures(
            cfg, store: store, storeProblem: store == nil ? "no history in \(dir)" : nil, now: to)
        let text: String
        let empty: Bool
        let message: ReportMessage
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        if weekly {
            var report = WeeklyReport.build(
                weekOf: name, from: from, config: cfg, rollups: rollups, problems: problems, incidents: incidents,
                source: source)
            report.objectives = objectives
            message = ReportMessage(weekly: report)
            switch format {
            case .json: text = String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
            case .html: text = ReportHTML.weekly(report)
            case .markdown: text = report.markdown
            }
            empty = report.isEmpty && report.incidents.total == 0
        } else {
            var report = DailyReport.build(
                date: name, from: from, to: to, config: cfg, rollups: rollups, problems: problems, incidents: incidents,
                source: source)
            report.objectives = objectives
            message = ReportMessage(daily: report)
            switch format {
            case .json: text = String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
            case .html: text = ReportHTML.daily(report)
            case .markdown: text = report.markdown
            }
            empty = report.isEmpty && report.incidents.total == 0
        }
        if let channel {
            if output != nil { try emitDocument(text, to: output, command: "vigil report") }
            let request: FetchRequest
            do { request = try message.request(channel: channel, atMs: PollDriver.now()) } catch {
                printError("vigil report: \(error)")
                throw ExitStatus.usage
            }
            let (delivered, said) = NotifyCommand.send(request, on: channel)
            guard delivered else {
                printError("vigil report: \(message.title) not sent to \(channel.name): \(said)")
                throw ExitStatus.failed
            }
            say("\(message.title) sent to \(channel.name): \(said)")
        } else {
            try emitDocument(text, to: output, command: "vigil report")
        }
        // Status 1 only when nothing at all could be computed.
        if empty {
            printError("vigil report: nothing measured for \(name) (\(source))")
            throw ExitStatus.failed
        }
    }

    /// Every configured metric's minute values: a remote metric's from
    /// Prometheus' query_range, a local one's from the history store; what
    /// went wrong for which metric; and what the report says its source was.
    static func read(_ cfg: VigilConfig, dir: String, from: Int64, to: Int64) -> (
        [String: [Labels: [HistoryRollup]]], [String: String], String
    ) {
        var rollups: [String: [Labels: [HistoryRollup]]] = [:]
        var problems: [String: String] = [:]
        var sources: [String] = []
        if let server = cfg.prometheus, cfg.metrics.contains(where: \.remote) {
            let requests = PrometheusReport.requests(config: cfg, base: server.url, from: from, to: to)
            let answers = PrometheusRange.fetch(requests, endpoint: server)
            (rollups, problems) = PrometheusReport.assemble(answers)
            sources.append("Prometheus at \(server.url) (query_range, one evaluation a minute)")
        }
        let local = cfg.metrics.filter { !$0.remote }
        guard !local.isEmpty else { return (rollups, problems, sources.joined(separator: " and ")) }
        let path = dir + "/history.sqlite"
        guard FileManager.default.fileExists(atPath: path) else {
            sources.append("no history in \(dir) (run the dashboard in scrape mode to record one)")
            return (rollups, problems, sources.joined(separator: " and "))
        }
        do {
            let store = try HistoryStore(path: path)
            for m in local { rollups[m.id] = try store.rollups(metric: m.id, from: from, to: to - 1) }
            sources.append("the history store \(path) (one-minute rollups)")
        } catch {
            printError("vigil report: \(error.message); figures from the history store are not measured")
            sources.append("no history: \(error.message)")
        }
        return (rollups, problems, sources.joined(separator: " and "))
    }

    /// 1 for Sunday … 7 for Saturday, as Calendar counts (UTC).
    static func weekday(_ ms: Int64) -> Int {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        return cal.component(.weekday, from: Date(timeIntervalSince1970: Double(ms) / 1000)) - 1
    }

    /// The day's name and its start (UTC midnight).
    static func day(_ text: String?, option: String) throws -> (String, Int64) {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        if let text {
            let parts = text.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3,
                let d = cal.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
                cal.component(.day, from: d) == parts[2]
            else {
                printError("vigil report: \(option) must be YYYY-MM-DD, not '\(Sanitizer.clean(text, maxLength: 40))'")
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
