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
/// outermost operation orders by value (`sort`, `sort_desc`, `topk`,
/// `bottomk`), whose order is the answer's, as in Prometheus.
public enum InstantQuery {
    public static func run(
        _ expr: QueryExpr, on source: any SeriesSource, at timeMs: Int64
    ) throws(QueryEvaluationError) -> [QueryResultRow] {
        switch try evaluate(expr, on: source, at: timeMs) {
        case .scalar(let v, _):
            return [QueryResultRow(labels: Labels(), value: v, timeMs: timeMs)]
        case .vector(let vec):
            return vec.map { QueryResultRow(labels: $0.labels, value: $0.value, timeMs: timeMs) }
        case .matrix, .string:
            throw QueryEvaluationError(message: "the query must yield an instant vector or a scalar")
        }
    }

    /// The value of `expr` at `timeMs`, in the order `vigil query` and
    /// Prometheus' API give it: series by labels (a matrix's too) unless
    /// the query orders by value.
    public static func evaluate(_ expr: QueryExpr, on source: any SeriesSource, at timeMs: Int64)
        throws(QueryEvaluationError) -> QueryValue
    {
        switch try Evaluator(source: source).evaluate(expr, at: timeMs) {
        case .vector(let vec):
            return .vector(ordersByValue(expr) ? vec : vec.sorted { $0.labels < $1.labels })
        case .matrix(let m): return .matrix(m.sorted { $0.labels < $1.labels })
        case let other: return other
        }
    }

    static func ordersByValue(_ expr: QueryExpr) -> Bool {
        switch expr.unwrapped {
        case .call(let f, _): return f.name == "sort" || f.name == "sort_desc"
        case .aggregate(let op, _, _, _, _): return op == .topk || op == .bottomk
        default: return false
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
