/// A recording rule from a rule file: its expression's result is written
/// back into the store under a new name at every evaluation, so panels and
/// other rules can use it as they would on the team's Prometheus.
public struct RecordingRule: Sendable {
    public var name: String
    public var promql: String
    public var expr: QueryExpr
    public var labels: [String: String]
    public var group: String
    public var groupIntervalMs: Int64?
    /// `limit:` of its group (0: none).
    public var limit: Int

    public init(
        name: String, promql: String, expr: QueryExpr, labels: [String: String], group: String,
        groupIntervalMs: Int64?, limit: Int
    ) {
        self.name = name
        self.promql = promql
        self.expr = expr
        self.labels = labels
        self.group = group
        self.groupIntervalMs = groupIntervalMs
        self.limit = limit
    }
}

/// Evaluates recording rules into a store, with the series each wrote
/// last time: one that stops appearing gets a staleness marker, as
/// Prometheus writes, so it leaves instant queries at once instead of
/// lingering for the five-minute lookback.
public struct RuleRecorder: Sendable {
    var written: [String: Set<Labels>] = [:]

    public init() {}

    /// Runs `rules` in order at `now`; each sees what the ones before it
    /// wrote. Returns the errors by rule name (a failed rule writes
    /// nothing and marks nothing stale: a broken query is not an absence).
    public mutating func record(_ rules: [RecordingRule], into store: inout SeriesStore, at now: Int64) -> [String:
        String]
    {
        var errors: [String: String] = [:]
        for rule in rules {
            let samples: [(Labels, Double)]
            switch Self.evaluate(rule, store, at: now) {
            case .success(let s): samples = s
            case .failure(let e):
                errors[rule.name] = e.message
                continue
            }
            if rule.limit > 0, samples.count > rule.limit {
                errors[rule.name] = "exceeded limit of \(rule.limit) with \(samples.count) series"
                continue
            }
            var fresh = Set<Labels>()
            var named: [(Labels, Double)] = []
            for (labels, value) in samples {
                var l = labels.setting(Labels.metricName, rule.name)
                for (k, v) in rule.labels { l = l.setting(k, v) }
                fresh.insert(l)
                named.append((l, value))
            }
            if fresh.count < named.count {
                errors[rule.name] = "vector contains metrics with the same labelset after applying rule labels"
                continue
            }
            for (labels, value) in named { store.append(labels, Point(t: now, v: value)) }
            for gone in written[rule.name, default: []] where !fresh.contains(gone) {
                store.append(gone, Point(t: now, v: StaleMarker.value))
            }
            written[rule.name] = fresh
        }
        return errors
    }

    /// One rule's result. Apart from `record` so the evaluator's hold on
    /// the store ends before the store is written: a store shared at that
    /// moment would be copied whole (copy on write) for every rule.
    static func evaluate(_ rule: RecordingRule, _ store: SeriesStore, at now: Int64) -> Result<
        [(Labels, Double)], RecordingError
    > {
        do {
            switch try Evaluator(source: store).evaluate(rule.expr, at: now) {
            case .vector(let v): return .success(v.map { ($0.labels, $0.value) })
            case .scalar(let x, _): return .success([(Labels(), x)])
            default:
                return .failure(
                    RecordingError(message: "a recording rule's expression must yield a vector or a scalar"))
            }
        } catch {
            return .failure(RecordingError(message: error.message))
        }
    }
}

struct RecordingError: Error {
    var message: String
}
