import ArgumentParser
import Foundation
import VigilCore

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a PromQL expression once, over a data file or freshly scraped targets.",
        discussion: """
            With --data, FILE is OpenMetrics text whose series may repeat with increasing timestamps \
            (what `promtool tsdb create-blocks-from openmetrics` accepts); the query is evaluated at \
            --at (Unix seconds), by default the last timestamp in the file. With --target, the targets \
            are scraped for --over (default 1m) first, so range functions have history.
            Output: one line per result, `{label="value", ...} value`, sorted by labels.
            """
    )

    @Argument(help: "The PromQL expression.") var expression: String
    @Option(name: .customLong("target"), help: "A /metrics URL to scrape (repeatable).") var targets: [String] = []
    @Option(help: "How long to scrape the targets before evaluating (e.g. 30s, 2m).") var over: String = "1m"
    @Option(help: "How often to scrape the targets meanwhile.") var interval: String = "5s"
    @Option(help: "An OpenMetrics file of timestamped samples to query instead of targets.") var data: String?
    @Option(help: "Evaluation time in Unix seconds (default: the last sample's time, or now).") var at: Double?
    @Flag(help: "Print the result as JSON, in the shape of Prometheus' /api/v1/query.") var json = false

    func run() throws {
        let expr: QueryExpr
        do {
            expr = try QueryParser.parseAny(expression)
        } catch {
            printError("vigil: query: \(error)")
            throw ExitStatus.usage
        }
        // Checked before any scraping: a bad --at is a usage error now, not
        // after a minute of scrapes.
        var fixedTime: Int64?
        if let at {
            guard let ms = QueryTime.milliseconds(fromSeconds: at) else {
                printError("vigil: query: --at: \(QueryTime.outOfBounds(at))")
                throw ExitStatus.usage
            }
            fixedTime = ms
        }
        var store: SeriesStore
        var time: Int64
        if let data {
            guard targets.isEmpty else {
                printError("vigil: query: give either --data or --target, not both")
                throw ExitStatus.usage
            }
            do {
                store = try InstantQuery.loadBackfill(try readInput(data))
            } catch let e as ExpositionError {
                printError("vigil: query: \(data):\(e)")
                throw ExitStatus.usage
            }
            time = store.latestTimestamp ?? Int64(Date().timeIntervalSince1970 * 1000)
        } else if !targets.isEmpty {
            guard let overDuration = PromDuration(over), let intervalDuration = PromDuration(interval),
                intervalDuration.milliseconds > 0
            else {
                printError("vigil: query: invalid --over or --interval duration")
                throw ExitStatus.usage
            }
            // A minute of silence reads as a hang: say what is happening
            // (on a terminal only; scripts get their stderr clean).
            if isatty(2) != 0 {
                printError(
                    "vigil: query: scraping \(targets.count) target\(targets.count == 1 ? "" : "s") every \(intervalDuration) for \(overDuration) before evaluating…"
                )
            }
            (store, time) = try scrapeForQuery(targets: targets, over: overDuration, interval: intervalDuration)
        } else {
            printError("vigil: query: give --data FILE or at least one --target URL")
            throw ExitStatus.usage
        }
        if let fixedTime { time = fixedTime }
        let value: QueryValue
        do {
            value = try InstantQuery.evaluate(expr, on: store, at: time)
        } catch {
            printError("vigil: query: \(error)")
            throw ExitStatus.failed
        }
        if json {
            say(Self.json(value, at: time))
        } else if let text = Self.text(value) {
            say(text)
        } else {
            // Nothing on standard output for scripts; a word for people.
            printError("vigil: query: empty result (no series)")
        }
    }

    /// Prometheus' /api/v1/query answer, byte for byte in its shape:
    /// `{"status":"success","data":{"resultType":…,"result":…}}`.
    static func json(_ value: QueryValue, at timeMs: Int64) -> String {
        func time(_ ms: Int64) -> String { formatSampleValue(Double(ms) / 1000) }
        func pair(_ ms: Int64, _ v: String) -> String { "[\(time(ms)),\(jsonString(v))]" }
        let type: String
        let result: String
        switch value {
        case .scalar(let v, _):
            (type, result) = ("scalar", pair(timeMs, formatSampleValue(v)))
        case .string(let s):
            (type, result) = ("string", pair(timeMs, s))
        case .vector(let vec):
            let items = vec.map {
                "{\"metric\":\(jsonLabels($0.labels)),\"value\":\(pair(timeMs, formatSampleValue($0.value)))}"
            }
            (type, result) = ("vector", "[" + items.joined(separator: ",") + "]")
        case .matrix(let m):
            let items = m.map { s in
                let values = s.points.map { pair($0.t, formatSampleValue($0.v)) }.joined(separator: ",")
                return "{\"metric\":\(jsonLabels(s.labels)),\"values\":[\(values)]}"
            }
            (type, result) = ("matrix", "[" + items.joined(separator: ",") + "]")
        }
        return "{\"status\":\"success\",\"data\":{\"resultType\":\"\(type)\",\"result\":\(result)}}"
    }

    /// One line per series: `{labels} value`; a range vector's points as
    /// `value@time` (Unix seconds); a scalar with empty labels; a string as
    /// it is.
    static func text(_ value: QueryValue) -> String? {
        switch value {
        case .vector(let vec) where vec.isEmpty: return nil
        case .matrix(let m) where m.isEmpty: return nil
        case .scalar(let v, _): return "{} \(formatSampleValue(v))"
        case .string(let s): return s
        case .vector(let vec):
            return vec.map { "\($0.labels) \(formatSampleValue($0.value))" }.joined(separator: "\n")
        case .matrix(let m):
            return m.map { s in
                "\(s.labels) "
                    + s.points.map { "\(formatSampleValue($0.v))@\(formatSampleValue(Double($0.t) / 1000))" }
                    .joined(separator: " ")
            }.joined(separator: "\n")
        }
    }
}
