import ArgumentParser
import Foundation
import VigilCore
import VigilHistory

/// `vigil history`: what the history store holds; `vigil history prune`.
struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what the history store holds (metrics, span, rows, bytes), or prune it.",
        discussion:
            "vigil history          what is stored\nvigil history prune    drop what is past retention "
            + "(the configuration's retention:, by default 48 h raw, 35 d rollups)"
    )

    @Argument(help: "show (the default) or prune") var action: String = "show"
    @Option(
        help:
            "The state directory holding history.sqlite (default: the config's state_dir:, else $XDG_STATE_HOME/vigil)."
    )
    var stateDir: String?
    @Option(name: .shortAndLong, help: "The configuration whose retention: applies (found as the dashboard finds it).")
    var config: String?

    func run() throws {
        guard action == "show" || action == "prune" else {
            printError("vigil history: unknown action '\(action)' (show or prune)")
            throw ExitStatus.usage
        }
        let cfg = try FileLocations.current.config(option: config).map { try loadConfig($0) }
        let retention = cfg?.retention ?? HistoryRetention()
        let dir = stateDir ?? Dashboard.defaultStateDir(demo: false, config: cfg)
        let path = dir + "/history.sqlite"
        guard FileManager.default.fileExists(atPath: path) else {
            var text = "no history in \(dir) yet"
            let demo = Dashboard.defaultStateDir(demo: true)
            if stateDir == nil, cfg?.stateDir == nil, FileManager.default.fileExists(atPath: demo + "/history.sqlite") {
                text += " (the demo keeps its own: --state-dir \(demo))"
            }
            say(text)
            return
        }
        let store: HistoryStore
        do { store = try HistoryStore(path: path) } catch {
            printError("vigil history: \(error.message)")
            throw ExitStatus.failed
        }
        do {
            if action == "prune" {
                let before = try store.summary()
                try store.prune(now: Int64(Date().timeIntervalSince1970 * 1000), retention: retention)
                let after = try store.summary()
                say(
                    "pruned \(before.points - after.points) points and \(before.rollups - after.rollups) rollups; "
                        + "\(after.points) points and \(after.rollups) rollups kept")
                return
            }
            let s = try store.summary()
            say("history: \(path)")
            say("metrics: \(s.metrics.count) (\(s.metrics.joined(separator: ", ")))")
            say("series: \(s.series)")
            say("points: \(s.points) at the refresh resolution (kept \(HistoryRetention.words(retention.rawMs)))")
            say("rollups: \(s.rollups) one-minute rollups (kept \(HistoryRetention.words(retention.rollupMs)))")
            if let first = s.firstMs, let last = s.lastMs {
                say(
                    "span: \(IncidentHistory.time(first)) to \(IncidentHistory.time(last)) "
                        + "(\(IncidentHistory.span(last - first)))")
            } else {
                say("span: empty")
            }
            say("bytes: \(s.bytes) (\(String(format: "%.1f", Double(s.bytes) / 1_048_576)) MiB)")
        } catch {
            printError("vigil history: \(error.message)")
            throw ExitStatus.failed
        }
    }
}

/// Writes history batches in a loop, printing each batch's number once
/// its transaction has committed. The durability test kills this with
/// SIGKILL and checks that every printed batch is in the file.
struct HistoryAppend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history-append", abstract: "History test helper.", shouldDisplay: false)
    @Option var file: String
    @Option var count: Int = 1_000_000
    /// The first batch's number (its time is t0 + number × step).
    @Option var start: Int = 0
    /// Series a batch, and milliseconds between batches: `--series 26
    /// --step 2000 --count 43200` is a day of the demo's metrics.
    @Option var series: Int = 20
    @Option var step: Int64 = 1000
    /// Metric ids, comma-separated: series k belongs to the k-th (wrapping).
    @Option var metrics: String = "m0,m1,m2,m3"

    func run() throws {
        let store = try HistoryStore(path: file)
        let names = metrics.split(separator: ",").map(String.init)
        for i in start..<(start + count) {
            let batch = (0..<series).map { k in
                HistoryPoint(
                    metric: names[k % names.count], labels: Labels(["series": "\(k)"]),
                    t: 1_764_000_000_000 + Int64(i) * step,
                    v: Double(i) + Double(k) / 7)
            }
            try store.write(batch)
            let line = "\(i)\n"
            _ = line.withCString { write(1, $0, strlen($0)) }
        }
    }
}
