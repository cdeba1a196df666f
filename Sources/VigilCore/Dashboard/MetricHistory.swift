/// One series of a metric's query result over the time window, at
/// step-aligned times, plus its value now.
public struct SeriesHistory: Sendable, Equatable {
    public var labels: Labels
    /// Values at `times` (nil where the series had no value).
    public var values: [Double?]
    public var current: Double?
    /// The lowest and highest value seen over the window, from every
    /// evaluation rather than the window's columns: the same figures for
    /// the same data whatever the window's step (nil: not known).
    public var extremes: ClosedRange<Double>?

    public init(labels: Labels, values: [Double?], current: Double?) {
        self.labels = labels
        self.values = values
        self.current = current
    }
}

/// What a metric's query gave over the window.
public struct MetricResult: Sendable, Equatable {
    public var times: [Int64]
    public var series: [SeriesHistory]
    /// The evaluation error, when the query could not be evaluated.
    public var error: String?
    /// Asked and not answered yet (a server query in flight): not "no data".
    public var pending = false
    /// When the data behind it stopped (its target went down): the graph
    /// draws nothing after it and `current` is the last value before it.
    public var staleSinceMs: Int64?

    public init(times: [Int64], series: [SeriesHistory], error: String?) {
        self.times = times
        self.series = series
        self.error = error
    }

    public static let empty = MetricResult(times: [], series: [], error: nil)
}

/// Evaluates metric queries for graphs: at step-aligned times across the
/// window, caching every column, so a refresh evaluates only the columns
/// that became due (one per step) plus "now" for the current value.
public struct MetricHistory: Sendable {
    public private(set) var stepMs: Int64
    public private(set) var windowMs: Int64
    var columns: [String: [Int64: [Labels: Double]]] = [:]
    var errors: [String: String] = [:]
    public internal(set) var current: [String: [Labels: Double]] = [:]
    public internal(set) var staleSince: [String: Int64] = [:]
    /// Every evaluation's value, as lowest and highest per 10 s, for as
    /// long as the longest window: the window's min and max.
    var trail: [String: [Labels: [Extremes]]] = [:]
    public var trailMs: Int64 = 21_600_000
    /// What the history store held at start, by metric and series, and
    /// when this process's own data begins: columns before that time are
    /// drawn from it (the store of a fresh process is empty).
    public var backfill: [String: [Labels: [(Int64, Double)]]] = [:]
    public var backfillUntil: Int64 = .min
    static let bucketMs: Int64 = 10_000

    struct Extremes: Sendable {
        var start: Int64
        var low: Double
        var high: Double
    }
    /// Subqueries' settled steps, carried from one refresh to the next:
    /// a new column of `max_over_time(rate(x[1m])[1h:15s])` computes one
    /// inner step, not 240.
    var subqueryMemo: [SubqueryCache.Key: [VectorElement]] = [:]

    public init(windowMs: Int64, stepMs: Int64) {
        self.windowMs = windowMs
        self.stepMs = max(1, stepMs)
    }

    /// Sets what the history store held; columns already computed before
    /// `until` are dropped so they are drawn from it.
    public mutating func backfill(_ stored: [String: [Labels: [(Int64, Double)]]], until: Int64) {
        backfill = stored
        backfillUntil = until
        for id in columns.keys { columns[id] = columns[id]?.filter { $0.key >= until } }
    }

    /// Adds what the history store holds from further back (a long
    /// window's one-minute averages) before what is already there, and
    /// moves the boundary to `until`: columns before it are drawn from the
    /// store, since memory no longer holds their data. Where both have a
    /// series' points, the finer ones already held are kept.
    public mutating func backfill(older: [String: [Labels: [(Int64, Double)]]], until: Int64) {
        var merged = backfill
        for (id, series) in older {
            var byLabels = merged[id] ?? [:]
            for (labels, points) in series {
                let held = byLabels[labels] ?? []
                let start = held.first?.0 ?? .max
                byLabels[labels] = points.filter { $0.0 < start } + held
            }
            merged[id] = byLabels
        }
        backfill(merged, until: max(backfillUntil, until))
    }

    /// Changes the window or step; a new step drops the cache.
    public mutating func reshape(windowMs: Int64, stepMs: Int64) {
        if stepMs != self.stepMs { columns = [:] }
        self.windowMs = windowMs
        self.stepMs = max(1, stepMs)
    }

    public func alignedTimes(now: Int64) -> [Int64] {
        Self.alignedTimes(now: now, windowMs: windowMs, stepMs: stepMs)
    }

    /// The columns' times of a window ending at `now`: multiples of the
    /// step, so a column's value never changes from one refresh to the next.
    public static func alignedTimes(now: Int64, windowMs: Int64, stepMs: Int64) -> [Int64] {
        let stepMs = max(1, stepMs)
        let last = now - ((now % stepMs) + stepMs) % stepMs
        let count = Int(windowMs / stepMs)
        return (0..<count).reversed().map { last - Int64($0) * stepMs }
    }

    /// The times `update` will evaluate these metrics at: `now` (or just
    /// before a stale metric's data stopped) and the columns none has yet.
    public func dueTimes(_ metrics: [MetricDefinition], now: Int64, stale: [String: Int64] = [:]) -> Set<Int64> {
        var due: Set<Int64> = []
        let times = alignedTimes(now: now)
        for m in metrics {
            let since = stale[m.id]
            due.insert(since.map { $0 - 1 } ?? now)
            let cols = columns[m.id] ?? [:]
            for t in times where cols[t] == nil {
                if case .evaluated = column(m.id, at: t, since: since) { due.insert(t) }
            }
        }
        return due
    }

    /// Where a metric's new column at `t` comes from: none after its data
    /// stopped (`since`), the history store's values before
    /// `backfillUntil`, else an evaluation.
    enum ColumnSource {
        case stopped
        case stored([Labels: [(Int64, Double)]])
        case evaluated
    }

    func column(_ id: String, at t: Int64, since: Int64?) -> ColumnSource {
        if let since, t >= since { return .stopped }
        if t < backfillUntil, let stored = backfill[id] { return .stored(stored) }
        return .evaluated
    }

    /// Evaluates what is due for each metric at `now`. A metric in
    /// `stale` (id → when its data stopped) gets no new columns after
    /// that time and keeps its last value: a query over data that stopped
    /// would otherwise go on drawing values (a rate over a sliding window
    /// of old points) as if the target were alive.
    public mutating func update(
        _ metrics: [MetricDefinition], source: any SeriesSource, now: Int64, stale: [String: Int64] = [:],
        memo: EvaluationMemo? = nil
    ) {
        let subqueries = SubqueryCache(entries: subqueryMemo)
        let evaluator = Evaluator(source: source, subqueries: subqueries, memo: memo)
        let times = alignedTimes(now: now)
        defer {
            let reach = metrics.map { $0.query.selectors.map(\.1).max() ?? 0 }.max() ?? 0
            subqueryMemo = subqueries.carried(to: now, reach: reach + windowMs)
        }
        let oldest = times.first ?? now
        for m in metrics {
            var cols = columns[m.id] ?? [:]
            cols = cols.filter { $0.key >= oldest }
            var failure: String?
            let since = stale[m.id]
            staleSince[m.id] = since
            for t in times where cols[t] == nil {
                switch column(m.id, at: t, since: since) {
                case .stopped:
                    cols[t] = [:]
                    continue
                case .stored(let stored):
                    cols[t] = Self.stored(stored, at: t, within: stepMs)
                    continue
                case .evaluated: break
                }
                do {
                    cols[t] = try Self.values(evaluator.evaluate(m.query, at: t))
                } catch {
                    failure = error.message
                    cols[t] = [:]
                }
            }
            do {
                current[m.id] = try Self.values(evaluator.evaluate(m.query, at: since.map { $0 - 1 } ?? now))
                if since == nil { remember(m.id, current[m.id] ?? [:], at: now) }
            } catch {
                failure = error.message
                current[m.id] = [:]
            }
            columns[m.id] = cols
            errors[m.id] = failure
        }
    }

    /// A metric whose query changed (a dashboard variable chosen anew):
    /// its columns, trail and what the history store held were the old
    /// query's, and are computed again from the store.
    public mutating func forget(_ id: String) {
        columns[id] = nil
        errors[id] = nil
        current[id] = nil
        staleSince[id] = nil
        trail[id] = nil
        backfill[id] = nil
    }

    /// Folds one evaluation into the trail, dropping what is older than
    /// the longest window and series that have left it.
    mutating func remember(_ id: String, _ values: [Labels: Double], at now: Int64) {
        var byLabels = trail[id] ?? [:]
        let start = now - ((now % Self.bucketMs) + Self.bucketMs) % Self.bucketMs
        for (labels, v) in values where v.isFinite {
            var buckets = byLabels[labels] ?? []
            if let last = buckets.last, last.start == start {
                buckets[buckets.count - 1].low = min(last.low, v)
                buckets[buckets.count - 1].high = max(last.high, v)
            } else {
                buckets.append(Extremes(start: start, low: v, high: v))
            }
            byLabels[labels] = buckets
        }
        let oldest = now - trailMs
        for (labels, buckets) in byLabels where (buckets.first?.start ?? oldest) < oldest {
            let kept = buckets.drop { $0.start < oldest }
            byLabels[labels] = kept.isEmpty ? nil : Array(kept)
        }
        trail[id] = byLabels
    }

    /// The lowest and highest value evaluated since `since`; nil when the
    /// trail does not reach back that far (the window's columns then tell
    /// the part before it).
    func extremes(_ id: String, _ labels: Labels, since: Int64) -> (range: ClosedRange<Double>, from: Int64)? {
        guard let buckets = trail[id]?[labels] else { return nil }
        var low = Double.infinity
        var high = -Double.infinity
        var from: Int64?
        for b in buckets where b.start + Self.bucketMs > since {
            low = min(low, b.low)
            high = max(high, b.high)
            from = from ?? b.start
        }
        guard let from, low <= high else { return nil }
        return (low...high, from)
    }

    /// Forgets everything (after a long pause the cache is of no use).
    public mutating func reset() {
        columns = [:]
        current = [:]
        errors = [:]
        staleSince = [:]
        trail = [:]
        subqueryMemo = [:]
    }

    /// Each stored series' newest point in (t - within, t].
    static func stored(_ series: [Labels: [(Int64, Double)]], at t: Int64, within: Int64) -> [Labels: Double] {
        var out: [Labels: Double] = [:]
        for (labels, points) in series {
            // Points are in time order: the last one at or before t.
            var lo = 0
            var hi = points.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if points[mid].0 <= t { lo = mid + 1 } else { hi = mid }
            }
            if lo > 0, points[lo - 1].0 > t - within { out[labels] = points[lo - 1].1 }
        }
        return out
    }

    public static func values(_ v: QueryValue) -> [Labels: Double] {
        switch v {
        case .scalar(let x, _): return [Labels(): x]
        case .vector(let vec):
            var out: [Labels: Double] = [:]
            for el in vec { out[el.labels] = el.value }
            return out
        default: return [:]
        }
    }

    /// The metric's series over the window ending at `now`.
    public func result(_ id: String, now: Int64) -> MetricResult {
        let times = alignedTimes(now: now)
        let cols = columns[id] ?? [:]
        let cur = current[id] ?? [:]
        var keys = Set(cur.keys)
        for t in times { keys.formUnion(cols[t]?.keys ?? [:].keys) }
        let since = (times.first ?? now) - stepMs
        let series = keys.sorted().map { labels in
            var s = SeriesHistory(labels: labels, values: times.map { cols[$0]?[labels] }, current: cur[labels])
            if let (range, from) = extremes(id, labels, since: since) {
                // Before the trail begins (a dashboard just shown, a
                // restart) the window's columns are all there is.
                let before = zip(times, s.values).compactMap { t, v in t < from ? v : nil }.filter(\.isFinite)
                s.extremes =
                    min(range.lowerBound, before.min() ?? .infinity)...max(range.upperBound, before.max() ?? -.infinity)
            }
            return s
        }
        var result = MetricResult(times: times, series: series, error: errors[id])
        result.staleSinceMs = staleSince[id]
        return result
    }
}
