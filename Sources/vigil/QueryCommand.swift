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
            expr = try QueryParser.parse(expression)
        } catch {
            printError("vigil: query: \(error)")
            throw ExitStatus.usage
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
            (store, time) = try scrapeForQuery(targets: targets, over: overDuration, interval: intervalDuration)
        } else {
            printError("vigil: query: give --data FILE or at least one --target URL")
            throw ExitStatus.usage
        }
        if let at {
            guard let ms = QueryTime.milliseconds(fromSeconds: at) else {
                printError("vigil: query: --at: \(QueryTime.outOfBounds(at))")
                throw ExitStatus.usage
            }
            time = ms
        }
        let rows: [QueryResultRow]
        do {
            rows = try InstantQuery.run(expr, on: store, at: time)
        } catch {
            printError("vigil: query: \(error)")
            throw ExitStatus.failed
        }
        if json {
            let items = rows.map {
                "{\"metric\": \(jsonLabels($0.labels)), \"value\": [\(Double($0.timeMs) / 1000), \(jsonString(formatSampleValue($0.value)))]}"
            }
            say(
                "{\"resultType\": \(jsonString(expr.type == .scalar ? "scalar" : "vector")), \"result\": [\(items.joined(separator: ", "))]}"
            )
        } else {
            for row in rows { say("\(row.labels) \(formatSampleValue(row.value))") }
        }
    }
}
