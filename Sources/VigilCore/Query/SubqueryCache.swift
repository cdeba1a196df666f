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
///
/// Only calls written more than once among the evaluation's expressions
/// are kept, and each is let go after its last use: a result of 50,000
/// elements held for nothing is memory a large target cannot spare.
public final class EvaluationMemo {
    var vectors: [String: (value: [VectorElement], left: Int)] = [:]
    /// Folded aggregates of a rate, by call and time: five numbers each,
    /// kept for the whole evaluation.
    var folds: [String: [AggregateOp: Double]] = [:]
    /// The times, ascending, at which this evaluation asks for each
    /// fold call of a graph (now and its new columns): a fold asked at
    /// one of them is made for all in one pass. Only the graphs' calls: a
    /// rule's, asked at now alone, folds at now alone.
    private(set) var foldTimes: [String: [Int64]] = [:]
    /// How many of the evaluation's expressions make each call; nil:
    /// keep every call (tests, a single query).
    let uses: [String: Int]?
    /// The aggregates the evaluation's expressions take of each fold
    /// call: a pass folds those alone (a mean costs two divisions a
    /// series, for nothing when no `avg` is asked).
    let foldOps: [String: Set<AggregateOp>]?
    /// Calls answered from the memo, for tests and benchmarks.
    public private(set) var hits = 0

    public init(expressions: [QueryExpr]? = nil) {
        let calls = expressions.map { exprs in
            var calls = Calls()
            for e in exprs { Self.count(e, into: &calls) }
            return calls
        }
        uses = calls?.uses
        foldOps = calls?.foldOps
    }

    /// What `count` finds in expressions.
    struct Calls {
        var uses: [String: Int] = [:]
        var foldOps: [String: Set<AggregateOp>] = [:]
    }

    /// Says that the fold calls of `exprs` are asked at each of `times`.
    public func folds(_ exprs: [QueryExpr], at times: Set<Int64>) {
        var calls = Calls()
        for e in exprs { Self.count(e, into: &calls) }
        let sorted = times.sorted()
        for call in calls.uses.keys where call.hasPrefix("fold|") { foldTimes[call] = sorted }
    }

    static func count(_ e: QueryExpr, into uses: inout Calls) {
        switch e {
        case .call(let f, let args):
            if let key = callKey(f, args) { uses.uses[key, default: 0] += 1 }
            for a in args { count(a, into: &uses) }
        case .aggregate(let op, let inner, let param, let grouping, let without):
            // Folded straight from the store: counted as a fold, so that
            // several aggregates of one rate share one pass.
            if param == nil, grouping.isEmpty, !without, streamedRate(op, inner) != nil {
                if case .call(let f, let args) = inner, let key = callKey(f, args) {
                    uses.uses["fold|" + key, default: 0] += 1
                    uses.foldOps["fold|" + key, default: []].insert(op)
                }
                return
            }
            count(inner, into: &uses)
            if let param { count(param, into: &uses) }
        case .binary(_, let l, let r, _, _):
            count(l, into: &uses)
            count(r, into: &uses)
        case .negate(let inner), .paren(let inner): count(inner, into: &uses)
        case .subquery(let sq): count(sq.expr, into: &uses)
        case .number, .string, .selector, .range: break
        }
    }

    /// `op(f(x[d]))` that the evaluator folds as the store hands the
    /// series over (`sum(rate(x[1m]))`): the rate call and its selector,
    /// or nil. Each such call is folded once an evaluation for every
    /// aggregate at once (`folds`), holding no vector of 50,000 elements.
    static func streamedRate(_ op: AggregateOp, _ arg: QueryExpr) -> (QueryFunction, Selector, PromDuration)? {
        guard [.sum, .min, .max, .avg, .count].contains(op), case .call(let f, let args) = arg,
            f.name == "rate" || f.name == "increase" || f.name == "delta", args.count == 1,
            case .range(let sel, let d) = args[0], sel.metricName != nil
        else { return nil }
        return (f, sel, d)
    }

    /// Whether more than one expression of the evaluation makes this call.
    func shares(_ call: String) -> Bool { (uses.map { $0[call] ?? 0 } ?? .max) >= 2 }

    func find(_ key: String) -> [VectorElement]? {
        guard let entry = vectors[key] else { return nil }
        hits += 1
        if entry.left <= 1 { vectors[key] = nil } else { vectors[key]?.left -= 1 }
        return entry.value
    }

    func keep(_ key: (call: String, full: String), _ value: [VectorElement]) {
        let n = uses.map { $0[key.call] ?? 0 } ?? .max
        if shares(key.call) { vectors[key.full] = (value, n == .max ? .max : n - 1) }
    }

    /// The key of `f(selector[range])` at `t`, without and with the time;
    /// nil when the call is not one the memo keeps (an `@` modifier names
    /// the query's own time).
    static func key(_ f: QueryFunction, _ args: [QueryExpr], _ t: Int64) -> (call: String, full: String)? {
        guard let call = callKey(f, args) else { return nil }
        return (call, call + "|\(t)")
    }

    static func callKey(_ f: QueryFunction, _ args: [QueryExpr]) -> String? {
        guard f.args.first == .matrix, args.count == 1, case .range(let sel, let d) = args[0], sel.at == nil else {
            return nil
        }
        var key = "\(f.name)|\(d.milliseconds)|\(sel.offsetMs)"
        for m in sel.matchers { key += "|\(m.name)\(m.op.rawValue)\(m.value)" }
        return key
    }
}
