/// The inner results of subqueries, by the subquery's text, its step and
/// the step's time.
///
/// A subquery `max_over_time(rate(x[1m])[1h:15s])` asks for 240 inner
/// evaluations at every evaluation; a graph evaluates it once per column
/// and a rule once per refresh, and consecutive evaluations share all but
/// the newest steps. An inner result at a step depends only on the step
/// (expressions naming `start()`/`end()` are never cached), so it can be
/// kept for as long as the data under it does not change.
///
/// A reference type on purpose: one evaluator shares it across the
/// columns and queries it evaluates. It is not shared between threads.
public final class SubqueryCache {
    public struct Key: Hashable, Sendable {
        public var text: String
        public var stepMs: Int64
        public var t: Int64
    }

    public var entries: [Key: [VectorElement]]

    public init(entries: [Key: [VectorElement]] = [:]) { self.entries = entries }

    /// How old a step must be before its result is kept for later
    /// evaluations: a scrape's samples carry its start time and arrive up
    /// to its time-out later, so a recent step may still gain samples.
    public static let settleMs: Int64 = 60_000

    /// The entries worth carrying to evaluations after `now`: settled
    /// (older than `settleMs`), and within `reach` (the longest range the
    /// queries look back, subqueries included) of `now`.
    public func carried(to now: Int64, reach: Int64) -> [Key: [VectorElement]] {
        let newest = now.minusSaturating(Self.settleMs)
        let oldest = now.minusSaturating(reach)
        return entries.filter { $0.key.t <= newest && $0.key.t >= oldest }
    }
}

/// Range functions over a plain selector (`rate(x[1m])`, `max_over_time`),
/// by the call and its time, shared by every query of one evaluation: a
/// panel `sum(rate(x[1m]))` and the rules `sum(rate(x[1m])) > 5` and
/// `max(rate(x[1m])) > 2` read x's 50,000 series once, not three times.
/// Made afresh for each evaluation (the store changes between them), and
/// like `SubqueryCache` a reference shared by evaluators on one thread.
public final class EvaluationMemo {
    var vectors: [String: [VectorElement]] = [:]
    /// Calls answered from the memo, for tests and benchmarks.
    public private(set) var hits = 0

    public init() {}

    func find(_ key: String) -> [VectorElement]? {
        guard let v = vectors[key] else { return nil }
        hits += 1
        return v
    }

    /// The key of `f(selector[range])` at `t`; nil when the call is not
    /// one the memo keeps (an `@` modifier names the query's own time).
    static func key(_ f: QueryFunction, _ args: [QueryExpr], _ t: Int64) -> String? {
        guard args.count == 1, case .range(let sel, let d) = args[0], sel.at == nil else { return nil }
        var key = "\(f.name)|\(d.milliseconds)|\(sel.offsetMs)|\(t)"
        for m in sel.matchers { key += "|\(m.name)\(m.op.rawValue)\(m.value)" }
        return key
    }
}
