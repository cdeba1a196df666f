/// One row of an instant query's result, as the CLI prints it.
public struct QueryResultRow: Sendable, Equatable {
    public var labels: Labels
    public var value: Double
    public var timeMs: Int64

    public init(labels: Labels, value: Double, timeMs: Int64) {
        self.labels = labels
        self.value = value
        self.timeMs = timeMs
    }
}

/// Runs an instant query and flattens the answer to rows: a scalar is one
/// row with no labels. Rows are sorted by labels unless the query's
/// outermost function sorts by value.
public enum InstantQuery {
    public static func run(
        _ expr: QueryExpr, on source: any SeriesSource, at timeMs: Int64
    ) throws(QueryEvaluationError) -> [QueryResultRow] {
        let value = try Evaluator(source: source).evaluate(expr, at: timeMs)
        switch value {
        case .scalar(let v, _):
            return [QueryResultRow(labels: Labels(), value: v, timeMs: timeMs)]
        case .vector(let vec):
            var rows = vec.map { QueryResultRow(labels: $0.labels, value: $0.value, timeMs: timeMs) }
            if case .call(let f, _) = expr.unwrapped, f.name == "sort" || f.name == "sort_desc" { return rows }
            rows.sort { $0.labels < $1.labels }
            return rows
        case .matrix, .string:
            throw QueryEvaluationError(message: "the query must yield an instant vector or a scalar")
        }
    }

    /// Loads an OpenMetrics file whose series repeat with increasing
    /// timestamps (what `promtool tsdb create-blocks-from openmetrics`
    /// takes) into a store that keeps every point.
    public static func loadBackfill(_ bytes: [UInt8]) throws(ExpositionError) -> SeriesStore {
        var store = SeriesStore(capacity: Int.max / 2)
        do {
            try ExpositionParser.withParser(bytes: bytes, format: .openMetrics) { p in
                while try p.next() {
                    guard let t = p.timestampMs else {
                        throw ExpositionError(
                            line: p.lineNumber - 1, column: 1, message: "backfill samples need a timestamp")
                    }
                    var pairs = p.labels
                    pairs.append(Label(Labels.metricName, p.name))
                    store.append(Labels(pairs), Point(t: t, v: p.value))
                }
            }
        } catch let e as ExpositionError {
            throw e
        } catch {
            throw ExpositionError(line: 0, column: 0, message: "\(error)")
        }
        return store
    }
}

extension QueryExpr {
    /// The expression without enclosing parentheses.
    public var unwrapped: QueryExpr {
        if case .paren(let inner) = self { return inner.unwrapped }
        return self
    }
}

/// Formats a sample value the way Prometheus' API does.
public func formatSampleValue(_ v: Double) -> String { formatGoFloat(v) }
