import ArgumentParser
import Foundation
import VigilCore
import VigilHistory

/// `vigil slo`: the objectives' figures and the criteria, for scripts:
/// what the `O` screen shows, from the history store (scrape mode) and
/// the journal.
struct SLO: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slo",
        abstract: "Print each objective's error budget and burn rates, and the success criteria, pass or fail.",
        discussion: """
            Figures come from the history the dashboard records in scrape mode (the rates of each \
            objective's good and total events, a minute at a time) and from the journal (incident \
            criteria). Exit status 1 when an objective is critical or a criterion fails, 0 otherwise.
            """)

    @Option(help: "The moment to judge, Unix seconds or RFC 3339 (default: now).") var at: String?
    @Flag(help: "Print JSON: {objectives: [...], criteria: [...]}.") var json = false
    @OptionGroup var journal: JournalOptions

    /// Each objective's figures at `now` from the rates the history holds
    /// for its window (what the dashboard recorded in scrape mode).
    static func figures(_ cfg: VigilConfig, store: HistoryStore?, storeProblem: String?, now: Int64) -> [SLOFigures] {
        let serverOnly = cfg.prometheus != nil && cfg.targets.isEmpty
        return cfg.objectives.map { o in
            var ledger = SLOLedger()
            var problem = storeProblem
            if serverOnly, let server = cfg.prometheus {
                // Every figure from Prometheus: nothing is recorded locally.
                let queries = SLOServer.queries(o, now: now).map { ($0.key, $0.promql) }
                let (answers, failure) = PrometheusRange.instantSums(queries, atMs: now, endpoint: server)
                guard let counts = SLOServer.counts(o, answers: answers) else {
                    return SLOFigures.compute(
                        o, ledger: ledger, now: now, problem: failure ?? "Prometheus gave no answer")
                }
                return SLOFigures.compute(o, counts: counts, now: now, problem: failure)
            } else if let store {
                do {
                    let series = try store.minuteAverages(
                        metric: SLOLedger.historyID(o), from: o.window.bounds(now: now).start, to: now)
                    ledger.backfill(SLOLedger.minutes(o, from: series))
                } catch {
                    problem = (error as? HistoryError)?.message ?? "\(error)"
                }
            }
            return SLOFigures.compute(o, ledger: ledger, now: now, problem: problem)
        }
    }

    func run() throws {
        let cfg = try loadConfig(FileLocations.current.requireConfig(option: journal.config))
        var now = Int64(Date().timeIntervalSince1970 * 1000)
        if let at {
            guard let ms = Double(at).flatMap(QueryTime.milliseconds(fromSeconds:)) ?? Instant.parse(at)
            else {
                printError("vigil slo: --at must be Unix seconds or a time such as 2026-12-01T12:00:00Z")
                throw ExitStatus.usage
            }
            now = ms
        }
        let dir = journal.directory(cfg)
        let path = dir + "/history.sqlite"
        var store: HistoryStore?
        var storeProblem: String?
        if FileManager.default.fileExists(atPath: path) {
            do { store = try HistoryStore(path: path) } catch { storeProblem = error.message }
        } else {
            storeProblem = "no history in \(dir) (run the dashboard in scrape mode to record one)"
        }
        let figures = Self.figures(cfg, store: store, storeProblem: storeProblem, now: now)
        let center = try journal.open()
        let criteria = cfg.criteria.map { c -> CriterionStatus in
            switch c.kind {
            case .metric(let id):
                // The metric's last minute in the history, as the report reads it.
                let last = (try? store?.minuteAverages(metric: id, from: now - 300_000, to: now + 1)) ?? nil
                let value = last.flatMap { series -> Double? in
                    let values = series.values.compactMap { $0.last?.1 }
                    return values.isEmpty ? nil : values.reduce(0, +)
                }
                return CriterionStatus.judge(
                    c, value: value,
                    detail: value == nil
                        ? "nothing recorded for \(id) in the last 5 minutes" : "\(id), last minute recorded")
            case .incidents(let severity):
                let count = (center?.incidents.all ?? []).filter { $0.severity == severity && $0.openedAtMs <= now }
                    .count
                return CriterionStatus.judge(c, value: Double(count), detail: "\(severity) incidents in the journal")
            case .notMeasured:
                return CriterionStatus.judge(c, value: nil, detail: "")
            }
        }
        if json {
            struct Output: Encodable {
                var objectives: [SLOFigures]
                var criteria: [CriterionStatus]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            say(String(decoding: try encoder.encode(Output(objectives: figures, criteria: criteria)), as: UTF8.self))
        } else {
            for f in figures {
                say(SLOText.line(f))
                if let p = f.problem { say("  \(Sanitizer.clean(p, maxLength: 300))") }
            }
            for c in criteria { say(SLOText.line(c)) }
        }
        if figures.contains(where: { $0.state == .critical }) || criteria.contains(where: { $0.state == .fail }) {
            throw ExitStatus.failed
        }
    }
}
