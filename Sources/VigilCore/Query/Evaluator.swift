import Foundation

/// One sample of a series: milliseconds since the epoch and a value.
public struct Point: Sendable, Equatable {
    public var t: Int64
    public var v: Double
    public init(t: Int64, v: Double) {
        self.t = t
        self.v = v
    }
}

/// Prometheus' staleness marker: a NaN with a payload of its own, written
/// when a series disappears from a scrape.
public enum StaleMarker {
    public static let bits: UInt64 = 0x7ff0_0000_0000_0002
    public static let value = Double(bitPattern: bits)
    @inline(__always) public static func isStale(_ v: Double) -> Bool { v.bitPattern == bits }
}

/// A series and its points in time order, stale markers included.
public struct SeriesPoints: Sendable {
    public var labels: Labels
    public var points: [Point]
    public init(labels: Labels, points: [Point]) {
        self.labels = labels
        self.points = points
    }
}

/// Where the engine reads series from: the local store, or a file of
/// backfill data in `vigil query --data`.
public protocol SeriesSource {
    /// Every series whose labels satisfy all matchers, with its points in
    /// [minT, maxT] (inclusive).
    func series(matching: [LabelMatcher], minT: Int64, maxT: Int64) -> [SeriesPoints]
    /// The newest point in [minT, maxT] of every matching series: all an
    /// instant selector needs, without copying the rest.
    func latest(matching: [LabelMatcher], minT: Int64, maxT: Int64) -> [(Labels, Point)]
}

extension SeriesSource {
    public func latest(matching: [LabelMatcher], minT: Int64, maxT: Int64) -> [(Labels, Point)] {
        series(matching: matching, minT: minT, maxT: maxT).compactMap { s in s.points.last.map { (s.labels, $0) } }
    }
}

/// An element of an instant vector. `t` is the sample's own time when it
/// came straight from a selector, which `timestamp()` reports.
public struct VectorElement: Sendable, Equatable {
    public var labels: Labels
    public var value: Double
    public var t: Int64
}

/// The value of an evaluated query.
public enum QueryValue: Sendable {
    case scalar(Double, t: Int64)
    case vector([VectorElement])
    case matrix([SeriesPoints])
    case string(String)
}

/// Evaluates PromQL instant queries over a `SeriesSource` with Prometheus
/// 2.x semantics: 5 minute lookback, staleness markers, extrapolated rates,
/// closed range intervals.
public struct Evaluator {
    public var source: any SeriesSource
    public var lookbackMs: Int64 = 300_000
    /// The step of a subquery written without one (`[1h:]`): Prometheus'
    /// default evaluation interval.
    public static let defaultSubqueryStepMs: Int64 = 60_000
    /// Subqueries' inner results by step, shared by every evaluation made
    /// with this evaluator: a graph's columns, or a refresh's panels and
    /// rules, evaluate each step of a subquery once.
    public let subqueries: SubqueryCache
    /// Range functions' results within one evaluation, when shared.
    public let memo: EvaluationMemo?
    /// The time of the query being evaluated, which `@ start()` and
    /// `@ end()` name (one instant: both are the evaluation time).
    var queryTime: Int64 = 0

    public init(
        source: any SeriesSource, lookbackMs: Int64 = 300_000, subqueries: SubqueryCache = SubqueryCache(),
        memo: EvaluationMemo? = nil
    ) {
        self.source = source
        self.lookbackMs = lookbackMs
        self.subqueries = subqueries
        self.memo = memo
    }

    /// Evaluates `expr` at `timeMs`.
    public func evaluate(_ expr: QueryExpr, at timeMs: Int64) throws(QueryEvaluationError) -> QueryValue {
        var query = self
        query.queryTime = timeMs
        return try query.eval(expr, timeMs)
    }

    func eval(_ e: QueryExpr, _ t: Int64) throws(QueryEvaluationError) -> QueryValue {
        switch e {
        case .number(let v): return .scalar(v, t: t)
        case .string(let s): return .string(s)
        case .paren(let inner): return try eval(inner, t)
        case .selector(let s): return .vector(instant(s, t))
        case .range(let s, let d): return .matrix(rangeSelect(s, d, t))
        case .negate(let inner):
            switch try eval(inner, t) {
            case .scalar(let v, let st): return .scalar(-v, t: st)
            case .vector(let vec):
                return .vector(
                    try unique(vec.map { VectorElement(labels: $0.labels.withoutName, value: -$0.value, t: t) }))
            default: throw QueryEvaluationError(message: "unary minus on a range vector")
            }
        case .call(let f, let args): return try call(f, args, t)
        case .aggregate(let op, let arg, let param, let grouping, let without):
            if param == nil, grouping.isEmpty, !without, let v = try streamedAggregate(op, arg, t) { return v }
            guard case .vector(let vec) = try eval(arg, t) else {
                throw QueryEvaluationError(message: "aggregation over a non-vector")
            }
            var p: QueryValue?
            if let param { p = try eval(param, t) }
            return .vector(try aggregate(op, vec, param: p, grouping: grouping, without: without, t: t))
        case .binary(let op, let l, let r, let matching, let returnBool):
            return try binary(op, try eval(l, t), try eval(r, t), matching: matching, returnBool: returnBool, t: t)
        case .subquery(let sq): return .matrix(try subquery(sq, t))
        }
    }

    /// Two elements with one label set make a vector ambiguous; Prometheus
    /// refuses such results, and so does Vigil.
    func unique(_ vec: [VectorElement]) throws(QueryEvaluationError) -> [VectorElement] {
        if vec.count < 2 { return vec }
        var seen = Set<Labels>()
        for el in vec where !seen.insert(el.labels).inserted {
            throw QueryEvaluationError(message: "vector cannot contain metrics with the same labelset: \(el.labels)")
        }
        return vec
    }

    // MARK: - Selectors

    /// The time an `@` modifier names, or `t` without one.
    func atTime(_ at: AtModifier?, _ t: Int64) -> Int64 {
        switch at {
        case nil: return t
        case .time(let ms): return ms
        case .start, .end: return queryTime
        }
    }

    func reference(_ s: Selector, _ t: Int64) -> Int64 { atTime(s.at, t).minusSaturating(s.offsetMs) }

    /// Where a range function's argument starts and ends at `t`: a range
    /// selector's or a subquery's window (through parentheses).
    func rangeBounds(_ arg: QueryExpr, _ t: Int64) -> (start: Int64, end: Int64)? {
        switch arg.unwrapped {
        case .range(let s, let d):
            let end = reference(s, t)
            return (end.minusSaturating(d.milliseconds), end)
        case .subquery(let sq):
            let end = atTime(sq.at, t).minusSaturating(sq.offsetMs)
            return (end.minusSaturating(sq.rangeMs), end)
        default: return nil
        }
    }

    // MARK: - Subqueries

    /// The inner expression at every step-aligned time in the window, as
    /// Prometheus evaluates a subquery: steps are multiples of the step
    /// (from the epoch), from the first at or after the window's start
    /// through its end. Each step comes from the cache when an earlier
    /// evaluation computed it.
    func subquery(_ sq: Subquery, _ t: Int64) throws(QueryEvaluationError) -> [SeriesPoints] {
        let step = sq.stepMs ?? Self.defaultSubqueryStepMs
        guard sq.rangeMs / step <= QueryParser.maxSubquerySteps else {
            throw QueryEvaluationError(
                message:
                    "subquery of \(sq.rangeMs / step) steps: at most \(QueryParser.maxSubquerySteps) are evaluated")
        }
        let end = atTime(sq.at, t).minusSaturating(sq.offsetMs)
        let lowest = end.minusSaturating(sq.rangeMs)
        // Go's division truncates toward zero, which for a negative start
        // already lands on the first multiple at or after it.
        var ts = (lowest / step) * step
        if ts < lowest { ts += step }
        let cacheable = !sq.expr.usesQueryTime
        var bySeries: [Labels: Int] = [:]
        var out: [SeriesPoints] = []
        while ts <= end {
            let key = SubqueryCache.Key(text: sq.text, stepMs: step, t: ts)
            let vec: [VectorElement]
            if cacheable, let hit = subqueries.entries[key] {
                vec = hit
            } else {
                guard case .vector(let v) = try eval(sq.expr, ts) else {
                    throw QueryEvaluationError(message: "subquery is only allowed on an instant vector")
                }
                vec = v
                if cacheable { subqueries.entries[key] = v }
            }
            for (j, el) in vec.enumerated() {
                // Steps usually list the same series in the same order, and
                // equal labels from one store series share storage, so the
                // guess costs a pointer compare instead of a hash.
                if j < out.count, out[j].labels == el.labels {
                    out[j].points.append(Point(t: ts, v: el.value))
                } else if let i = bySeries[el.labels] {
                    out[i].points.append(Point(t: ts, v: el.value))
                } else {
                    bySeries[el.labels] = out.count
                    out.append(SeriesPoints(labels: el.labels, points: [Point(t: ts, v: el.value)]))
                }
            }
            let (next, overflow) = ts.addingReportingOverflow(step)
            if overflow { break }
            ts = next
        }
        return out
    }

    func instant(_ s: Selector, _ t: Int64) -> [VectorElement] {
        let ref = reference(s, t)
        var out: [VectorElement] = []
        for (labels, last) in source.latest(matching: s.matchers, minT: ref.minusSaturating(lookbackMs), maxT: ref) {
            guard !StaleMarker.isStale(last.v) else { continue }
            out.append(VectorElement(labels: labels, value: last.v, t: last.t))
        }
        return out
    }

    func rangeSelect(_ s: Selector, _ d: PromDuration, _ t: Int64) -> [SeriesPoints] {
        let ref = reference(s, t)
        let minT = ref.minusSaturating(d.milliseconds)
        var out: [SeriesPoints] = []
        // The source keeps to [minT, ref]; only stale markers are left to
        // drop, and a series without any is taken as it is (no copy).
        for var series in source.series(matching: s.matchers, minT: minT, maxT: ref) {
            if series.points.contains(where: { StaleMarker.isStale($0.v) }) {
                series.points.removeAll { StaleMarker.isStale($0.v) }
            }
            if !series.points.isEmpty { out.append(series) }
        }
        return out
    }

    // MARK: - Aggregation

    func aggregate(
        _ op: AggregateOp, _ vec: [VectorElement], param: QueryValue?, grouping: [String], without: Bool, t: Int64
    ) throws(QueryEvaluationError) -> [VectorElement] {
        var k = 0
        var q = 0.0
        var valueLabel = ""
        if case .scalar(let p, _) = param {
            if op == .topk || op == .bottomk {
                guard p.isFinite, abs(p) < 9.2e18 else {
                    throw QueryEvaluationError(message: "scalar value \(p) overflows int64")
                }
                k = Int(p)
                if k < 1 { return [] }
            }
            q = p
        }
        var grouping = grouping
        if op == .countValues, case .string(let s) = param {
            valueLabel = s
            guard isValidLabelName(s) else { throw QueryEvaluationError(message: "invalid label name \"\(s)\"") }
            if !without { grouping.append(s) }
        }

        // Only topk, bottomk and quantile need the elements themselves.
        let keepsMembers = op == .topk || op == .bottomk || op == .quantile
        var groups: [Labels: Int] = [:]
        var ordered: [AggregateGroup] = []
        for var el in vec {
            if op == .countValues {
                el.labels = el.labels.setting(valueLabel, formatGoFloat(el.value))
            }
            let key: Labels =
                without
                ? el.labels.removing(grouping + [Labels.metricName])
                : el.labels.keeping(grouping)
            guard let gi = groups[key] else {
                groups[key] = ordered.count
                var g = AggregateGroup(
                    labels: key, value: el.value, mean: el.value, count: 1, members: keepsMembers ? [el] : [])
                if op == .stddev || op == .stdvar { g.value = 0 }
                if op == .group { g.value = 1 }
                ordered.append(g)
                continue
            }
            ordered[gi].add(el, op)
        }
        var out: [VectorElement] = []
        for g in ordered {
            switch op {
            case .avg: out.append(VectorElement(labels: g.labels, value: g.mean, t: t))
            case .count, .countValues: out.append(VectorElement(labels: g.labels, value: g.count, t: t))
            case .stdvar: out.append(VectorElement(labels: g.labels, value: g.value / g.count, t: t))
            case .stddev: out.append(VectorElement(labels: g.labels, value: (g.value / g.count).squareRoot(), t: t))
            case .topk, .bottomk:
                // NaN sorts as the smallest for topk and the largest for
                // bottomk, so real values win, as in Prometheus.
                let sorted = g.members.sorted { a, b in
                    if op == .topk {
                        return a.value > b.value || (b.value.isNaN && !a.value.isNaN)
                    }
                    return a.value < b.value || (b.value.isNaN && !a.value.isNaN)
                }
                for el in sorted.prefix(k) { out.append(VectorElement(labels: el.labels, value: el.value, t: t)) }
            case .quantile:
                out.append(VectorElement(labels: g.labels, value: quantile(q, g.members.map(\.value)), t: t))
            default: out.append(VectorElement(labels: g.labels, value: g.value, t: t))
            }
        }
        return out
    }

    // MARK: - Binary operators

    func binary(
        _ op: BinaryOp, _ l: QueryValue, _ r: QueryValue, matching: VectorMatching, returnBool: Bool, t: Int64
    ) throws(QueryEvaluationError) -> QueryValue {
        switch (l, r) {
        case (.scalar(let a, _), .scalar(let b, _)):
            let (v, keep) = apply(op, a, b)
            return .scalar(op.isComparison ? (keep ? 1 : 0) : v, t: t)
        case (.vector(let vec), .scalar(let s, _)):
            return .vector(try unique(vectorScalar(op, vec, s, swap: false, returnBool: returnBool, t: t)))
        case (.scalar(let s, _), .vector(let vec)):
            return .vector(try unique(vectorScalar(op, vec, s, swap: true, returnBool: returnBool, t: t)))
        case (.vector(let a), .vector(let b)):
            switch op {
            case .and, .or, .unless: return .vector(setOperation(op, a, b, matching))
            default: return .vector(try vectorVector(op, a, b, matching, returnBool: returnBool, t: t))
            }
        default:
            throw QueryEvaluationError(message: "binary operator on unsupported operand types")
        }
    }

    /// The value and, for comparisons, whether the pair is kept.
    func apply(_ op: BinaryOp, _ a: Double, _ b: Double) -> (Double, Bool) {
        switch op {
        case .add: return (a + b, true)
        case .sub: return (a - b, true)
        case .mul: return (a * b, true)
        case .div: return (a / b, true)
        case .pow: return (pow(a, b), true)
        case .mod: return (fmod(a, b), true)
        case .atan2: return (Foundation.atan2(a, b), true)
        case .eq: return (a, a == b)
        case .ne: return (a, a != b)
        case .gt: return (a, a > b)
        case .lt: return (a, a < b)
        case .ge: return (a, a >= b)
        case .le: return (a, a <= b)
        case .and, .or, .unless: return (a, true)
        }
    }

    /// Arithmetic yields a new quantity, so the metric name goes; Prometheus
    /// 2.x keeps it for comparisons, set operators and (as a quirk) atan2.
    func dropsName(_ op: BinaryOp) -> Bool { !op.isComparison && !op.isSetOperator && op != .atan2 }

    func vectorScalar(_ op: BinaryOp, _ vec: [VectorElement], _ s: Double, swap: Bool, returnBool: Bool, t: Int64)
        -> [VectorElement]
    {
        var out: [VectorElement] = []
        for el in vec {
            let (lv, rv) = swap ? (s, el.value) : (el.value, s)
            var (value, keep) = apply(op, lv, rv)
            // A comparison filters the vector and keeps the vector's value.
            if op.isComparison && swap { value = rv }
            if returnBool {
                value = keep ? 1 : 0
                keep = true
            }
            guard keep else { continue }
            let labels = dropsName(op) || returnBool ? el.labels.withoutName : el.labels
            out.append(VectorElement(labels: labels, value: value, t: t))
        }
        return out
    }

    func signature(_ labels: Labels, _ m: VectorMatching) -> Labels {
        m.on ? labels.keeping(m.labels) : labels.removing(m.labels + [Labels.metricName])
    }

    func setOperation(_ op: BinaryOp, _ l: [VectorElement], _ r: [VectorElement], _ m: VectorMatching)
        -> [VectorElement]
    {
        switch op {
        case .and:
            let rs = Set(r.map { signature($0.labels, m) })
            return l.filter { rs.contains(signature($0.labels, m)) }
        case .unless:
            let rs = Set(r.map { signature($0.labels, m) })
            return l.filter { !rs.contains(signature($0.labels, m)) }
        default:  // or
            let ls = Set(l.map { signature($0.labels, m) })
            return l + r.filter { !ls.contains(signature($0.labels, m)) }
        }
    }

    func vectorVector(
        _ op: BinaryOp, _ lhs: [VectorElement], _ rhs: [VectorElement], _ m: VectorMatching, returnBool: Bool, t: Int64
    ) throws(QueryEvaluationError) -> [VectorElement] {
        if lhs.isEmpty || rhs.isEmpty { return [] }
        // For group_right the "one" side is on the left: swap, as Prometheus does.
        let swapped = m.cardinality == .oneToMany
        let many = swapped ? rhs : lhs
        let one = swapped ? lhs : rhs
        var oneBySig: [Labels: VectorElement] = [:]
        for el in one {
            let sig = signature(el.labels, m)
            if let dup = oneBySig[sig] {
                let side = swapped ? "left" : "right"
                throw QueryEvaluationError(
                    message:
                        "found duplicate series for the match group \(sig) on the \(side) hand-side of the operation: [\(el.labels), \(dup.labels)]; many-to-many matching not allowed: matching labels must be unique on one side"
                )
            }
            oneBySig[sig] = el
        }
        var matched: [Labels: Set<Labels>] = [:]
        var out: [VectorElement] = []
        for el in many {
            let sig = signature(el.labels, m)
            guard let other = oneBySig[sig] else { continue }
            let (vl, vr) = swapped ? (other.value, el.value) : (el.value, other.value)
            var (value, keep) = apply(op, vl, vr)
            if returnBool {
                value = keep ? 1 : 0
            } else if !keep {
                continue
            }
            var labels = el.labels
            if dropsName(op) { labels = labels.withoutName }
            if m.cardinality == .oneToOne {
                labels = m.on ? labels.keeping(m.labels) : labels.removing(m.labels)
            }
            for name in m.include {
                labels = labels.setting(name, other.labels[name] ?? "")
            }
            if returnBool { labels = labels.withoutName }
            if m.cardinality == .oneToOne {
                if matched[sig] != nil {
                    throw QueryEvaluationError(
                        message:
                            "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"
                    )
                }
                matched[sig] = []
            } else {
                if matched[sig, default: []].contains(labels) {
                    throw QueryEvaluationError(
                        message: "multiple matches for labels: grouping labels must ensure unique matches")
                }
                matched[sig, default: []].insert(labels)
            }
            out.append(VectorElement(labels: labels, value: value, t: t))
        }
        return out
    }
}

func isValidLabelName(_ s: String) -> Bool {
    guard let first = s.utf8.first, QueryParser.isIdentStart(first) else { return false }
    return s.utf8.allSatisfy { QueryParser.isIdentChar($0) && $0 != UInt8(ascii: ":") }
}

/// The φ-quantile of `values` with linear interpolation between closest
/// ranks, as PromQL's `quantile` and `quantile_over_time` compute it.
func quantile(_ q: Double, _ values: [Double]) -> Double {
    if values.isEmpty || q.isNaN { return .nan }
    if q < 0 { return -.infinity }
    if q > 1 { return .infinity }
    let sorted = values.sorted { $0 < $1 || ($1.isNaN && !$0.isNaN) }
    let n = Double(sorted.count)
    let rank = q * (n - 1)
    let lower = max(0, Int(rank.rounded(.down)))
    let upper = min(sorted.count - 1, lower + 1)
    let weight = rank - rank.rounded(.down)
    return sorted[lower] * (1 - weight) + sorted[upper] * weight
}

/// Formats a float as Go's strconv.FormatFloat(v, 'f', -1, 64) does: the
/// shortest decimal that round-trips, never in exponent form.
func formatGoFloat(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
    let shortest = "\(v)"  // Swift prints the shortest round-trip digits
    guard shortest.contains("e") else {
        return shortest.hasSuffix(".0") ? String(shortest.dropLast(2)) : shortest
    }
    // Expand d.ddde±x into plain digits.
    let parts = shortest.split(separator: "e")
    let negative = parts[0].hasPrefix("-")
    let mantissa = parts[0].replacingOccurrences(of: "-", with: "")
    let exp = Int(parts[1])!
    let digitParts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
    var digits = String(digitParts[0]) + (digitParts.count > 1 ? String(digitParts[1]) : "")
    var pointAt = digitParts[0].count + exp
    if digits.hasSuffix("0") && digits.count > 1 { digits = String(digits.reversed().drop { $0 == "0" }.reversed()) }
    var out: String
    if pointAt <= 0 {
        out = "0." + String(repeating: "0", count: -pointAt) + digits
    } else if pointAt >= digits.count {
        out = digits + String(repeating: "0", count: pointAt - digits.count)
    } else {
        out = String(digits.prefix(pointAt)) + "." + String(digits.dropFirst(pointAt))
    }
    pointAt = 0
    return (negative ? "-" : "") + out
}

/// One group of an aggregation, as its elements are folded in.
struct AggregateGroup {
    var labels: Labels
    var value: Double
    var mean: Double
    var count: Double
    var members: [VectorElement]

    /// Takes one more element. Mutated in place in its array: a
    /// copy out and back retained and released the group's labels
    /// and members for every one of 50,000 elements.
    mutating func add(_ el: VectorElement, _ op: AggregateOp) {
        let v = el.value
        switch op {
        case .sum: value += v
        case .avg:
            count += 1
            mean = Self.mean(mean, adding: v, count: count)
        case .group: break
        case .max: if value < v || value.isNaN { value = v }
        case .min: if value > v || value.isNaN { value = v }
        case .count, .countValues: count += 1
        case .stddev, .stdvar:
            count += 1
            let delta = v - mean
            mean += delta / count
            value += delta * (v - mean)
        case .topk, .bottomk, .quantile: members.append(el)
        }
    }

    /// The running mean after its `count`th element `v`, as Prometheus
    /// keeps it (an infinite mean stays, unless an infinity of the other
    /// sign or a NaN comes).
    @inline(__always) static func mean(_ mean: Double, adding v: Double, count: Double) -> Double {
        if mean.isInfinite {
            if v.isInfinite && (mean > 0) == (v > 0) { return mean }
            if !v.isInfinite && !v.isNaN { return mean }
        }
        return mean + (v / count - mean / count)
    }
}
