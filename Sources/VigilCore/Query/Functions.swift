import Foundation

extension Evaluator {
    /// Evaluates the arguments, then the function. Only this small frame
    /// sits on the recursion of nested calls (`abs(abs(abs(...)))`); the
    /// big switch below runs after its arguments are done, so 1,000
    /// nested calls fit the stack.
    func call(_ f: QueryFunction, _ args: [QueryExpr], _ t: Int64) throws(QueryEvaluationError) -> QueryValue {
        if let memo, let key = EvaluationMemo.key(f, args, t) {
            if let known = memo.find(key.full) { return .vector(known) }
            let v: [VectorElement]
            if let streamed = try streamedRate(f, args, t) {
                v = streamed
            } else {
                v = try rangeFunction(f, args, [try eval(args[0], t)], t)
            }
            memo.keep(key, v)
            return .vector(v)
        }
        if let v = try streamedRate(f, args, t) { return .vector(v) }
        var values: [QueryValue] = []
        values.reserveCapacity(args.count)
        for a in args { values.append(try eval(a, t)) }
        if f.args.first == .matrix || f.name == "quantile_over_time" {
            return .vector(try rangeFunction(f, args, values, t))
        }
        return try instantFunction(f, args, values, t)
    }

    /// `rate`, `increase` or `delta` of a selector in the store, computed
    /// series by series as the store hands them over, without a matrix:
    /// for a family of 50,000 series, building and freeing one array of
    /// points per series cost more than the rates. Nil for any other call
    /// or source (the matrix path answers those, with the same results).
    func streamedRate(_ f: QueryFunction, _ args: [QueryExpr], _ t: Int64) throws(QueryEvaluationError)
        -> [VectorElement]?
    {
        guard f.name == "rate" || f.name == "increase" || f.name == "delta", args.count == 1,
            case .range(let sel, let d) = args[0], let store = source as? SeriesStore
        else { return nil }
        var nameHash: (value: String, hash: UInt64)?
        var out: [VectorElement] = []
        var firstName: String?
        var oneName = true
        forEachRate(f, sel, d, at: [t], in: store) { id, _, v in
            let labels = store.labels(of: id)
            let name = labels.name
            if out.isEmpty { firstName = name } else if name != firstName { oneName = false }
            out.append(VectorElement(labels: labels.withoutName(reusing: &nameHash), value: v, t: t))
        }
        return oneName ? out : try unique(out)
    }

    /// `f(sel[d])` at each of `times` for each series of the store `sel`
    /// selects (f is rate, increase or delta), as the store hands them
    /// over: the series' id, the index of the time and the value, for the
    /// series that have one. Each window is read in place in the rings,
    /// so a graph's new column and the value now read 500,000 series in
    /// one pass, copying no point.
    func forEachRate(
        _ f: QueryFunction, _ sel: Selector, _ d: PromDuration, at times: [Int64], in store: SeriesStore,
        _ body: (Int, Int, Double) -> Void
    ) {
        let ends = times.map { reference(sel, $0) }
        let starts = ends.map { $0.minusSaturating(d.milliseconds) }
        let (isCounter, isRate) = (f.name != "delta", f.name == "rate")
        var windows = times.indices.map {
            RateExtrapolation(start: starts[$0], end: ends[$0], isCounter: isCounter, isRate: isRate)
        }
        windows.withUnsafeMutableBufferPointer { windows in
            store.forEachSeries(matching: sel.matchers) { id, rings in
                // A graph's new column and now mostly see the same points:
                // their fold is made once.
                var seen: (Range<Int>, WindowFold?) = (0..<0, nil)
                for i in windows.indices {
                    let at = rings.positions(id, minT: starts[i], maxT: ends[i])
                    if at.isEmpty { continue }
                    if at != seen.0 { seen = (at, rings.fold(id, at)) }
                    guard let fold = seen.1, let v = windows[i].rate(fold) else { continue }
                    body(id, i, v)
                }
            }
        }
    }

    /// `sum`, `min`, `max`, `avg` or `count` of `rate`, `increase` or
    /// `delta` of one metric in the store, with no grouping: folded as the
    /// store hands the series over, without a label set made for each
    /// (the panels' `sum(rate(x[1m]))` over a family of 50,000 series).
    /// Nil for anything else.
    func streamedAggregate(_ op: AggregateOp, _ arg: QueryExpr, _ t: Int64) throws(QueryEvaluationError)
        -> QueryValue?
    {
        guard let (f, sel, d) = EvaluationMemo.streamedRate(op, arg), let store = source as? SeriesStore,
            case .call(_, let args) = arg
        else {
            return nil
        }
        // One pass folds every aggregate the evaluation's expressions take
        // of a call: `sum(rate(x[1m]))` on a panel and `max(rate(x[1m])) >
        // T`, `sum(rate(x[1m])) > T` in rules read the family's series once
        // between them in an evaluation.
        let call = EvaluationMemo.callKey(f, args).map { "fold|" + $0 }
        // The other times this evaluation folds at (a graph's new columns)
        // are folded in the same pass.
        let times = call.flatMap { memo?.foldTimes[$0] }.flatMap { $0.contains(t) ? $0 : nil } ?? [t]
        let key = call.flatMap { memo?.shares($0) == true || times.count > 1 ? "\($0)|\(t)" : nil }
        var folds: [AggregateOp: Double]?
        // A fold made for the memo's expressions holds their ops; an op
        // none of them takes (a query the memo was not told of) is folded
        // anew.
        if let key, let known = memo?.folds[key], known.isEmpty || known[op] != nil {
            folds = known
        } else {
            // The one asked for, and those other expressions take of the
            // same call (all five for a memo that was not told).
            let all: Set<AggregateOp> = [.sum, .min, .max, .avg, .count]
            let ops = key == nil ? [op] : Array(call.map { memo?.foldOps?[$0] ?? all }.map { $0.union([op]) } ?? all)
            var acc = RateFolds(ops: ops, times: times)
            acc.take { add in forEachRate(f, sel, d, at: times, in: store) { _, i, v in add(i, v) } }
            for (i, at) in times.enumerated() {
                let found = acc.result(i)
                if at == t { folds = found }
                if let call, key != nil { memo?.folds["\(call)|\(at)"] = found ?? [:] }
            }
        }
        guard let value = folds?[op] else { return .vector([]) }
        return .vector([VectorElement(labels: Labels(), value: value, t: t)])
    }

    @inline(never)
    func instantFunction(_ f: QueryFunction, _ args: [QueryExpr], _ values: [QueryValue], _ t: Int64)
        throws(QueryEvaluationError) -> QueryValue
    {
        switch f.name {
        case "time": return .scalar(Double(t) / 1000, t: t)
        case "pi": return .scalar(Double.pi, t: t)
        case "vector":
            guard case .scalar(let v, _) = values[0] else { throw mismatch(f) }
            return .vector([VectorElement(labels: Labels(), value: v, t: t)])
        case "scalar":
            guard case .vector(let vec) = values[0] else { throw mismatch(f) }
            return .scalar(vec.count == 1 ? vec[0].value : .nan, t: t)
        default: break
        }
        // One instant-vector argument (the first, except for
        // histogram_quantile); the rest are scalars and strings in order.
        var vec: [VectorElement] = []
        var scalars: [Double] = []
        var strings: [String] = []
        for v in values {
            switch v {
            case .vector(let v): vec = v
            case .scalar(let v, _): scalars.append(v)
            case .string(let s): strings.append(s)
            case .matrix: throw mismatch(f)
            }
        }
        func simple(_ fn: (Double) -> Double) throws(QueryEvaluationError) -> QueryValue {
            .vector(try unique(vec.map { VectorElement(labels: $0.labels.withoutName, value: fn($0.value), t: t) }))
        }
        switch f.name {
        case "abs": return try simple { abs($0) }
        case "ceil": return try simple { ceil($0) }
        case "floor": return try simple { floor($0) }
        case "sqrt": return try simple { sqrt($0) }
        case "exp": return try simple { exp($0) }
        case "ln": return try simple { log($0) }
        case "log2": return try simple { log2($0) }
        case "log10": return try simple { log10($0) }
        case "sgn": return try simple { $0 > 0 ? 1 : $0 < 0 ? -1 : $0 }
        case "sin": return try simple { sin($0) }
        case "cos": return try simple { cos($0) }
        case "tan": return try simple { tan($0) }
        case "asin": return try simple { asin($0) }
        case "acos": return try simple { acos($0) }
        case "atan": return try simple { atan($0) }
        case "sinh": return try simple { sinh($0) }
        case "cosh": return try simple { cosh($0) }
        case "tanh": return try simple { tanh($0) }
        case "asinh": return try simple { asinh($0) }
        case "acosh": return try simple { acosh($0) }
        case "atanh": return try simple { atanh($0) }
        case "deg": return try simple { $0 * 180 / Double.pi }
        case "rad": return try simple { $0 * Double.pi / 180 }
        case "round":
            let inverse = 1.0 / (scalars.first ?? 1)
            return try simple { floor($0 * inverse + 0.5) / inverse }
        case "clamp":
            let (lo, hi) = (scalars[0], scalars[1])
            if hi < lo { return .vector([]) }
            return try simple { goMax(lo, goMin(hi, $0)) }
        case "clamp_min": return try simple { goMax(scalars[0], $0) }
        case "clamp_max": return try simple { goMin(scalars[0], $0) }
        case "timestamp":
            // Only a selector hands the sample's own time through; anything
            // computed is stamped with the evaluation time, as in Prometheus.
            // Through parentheses too, as Prometheus unwraps them.
            let direct: Bool
            if case .selector = args[0].unwrapped { direct = true } else { direct = false }
            return .vector(
                try unique(
                    vec.map {
                        VectorElement(labels: $0.labels.withoutName, value: Double(direct ? $0.t : t) / 1000, t: t)
                    }))
        case "absent":
            return .vector(vec.isEmpty ? [VectorElement(labels: absentLabels(args[0]), value: 1, t: t)] : [])
        case "sort", "sort_desc":
            let desc = f.name == "sort_desc"
            // NaN goes last either way.
            return .vector(
                vec.sorted { a, b in
                    if a.value.isNaN { return false }
                    if b.value.isNaN { return true }
                    return desc ? a.value > b.value : a.value < b.value
                })
        case "label_replace":
            let (dst, replacement, src, pattern) = (strings[0], strings[1], strings[2], strings[3])
            guard isValidLabelName(dst) else {
                throw QueryEvaluationError(message: "invalid destination label name in label_replace(): \(dst)")
            }
            let regex: AnchoredRegex
            do { regex = try AnchoredRegex(pattern) } catch {
                throw QueryEvaluationError(message: "invalid regular expression in label_replace(): \(pattern)")
            }
            return .vector(
                try unique(
                    vec.map { el in
                        guard let replaced = regex.replace(el.labels[src] ?? "", template: replacement) else {
                            return el
                        }
                        var out = el
                        out.labels = el.labels.setting(dst, replaced)
                        return out
                    }))
        case "label_join":
            let dst = strings[0]
            let sep = strings[1]
            let sources = Array(strings.dropFirst(2))
            guard isValidLabelName(dst) else {
                throw QueryEvaluationError(message: "invalid destination label name in label_join(): \(dst)")
            }
            return .vector(
                try unique(
                    vec.map { el in
                        var out = el
                        out.labels = el.labels.setting(dst, sources.map { el.labels[$0] ?? "" }.joined(separator: sep))
                        return out
                    }))
        case "histogram_quantile":
            return .vector(try unique(histogramQuantile(scalars[0], vec, t)))
        case "minute", "hour", "day_of_week", "day_of_month", "day_of_year", "days_in_month", "month", "year":
            let input = args.isEmpty ? [VectorElement(labels: Labels(), value: Double(t) / 1000, t: t)] : vec
            return .vector(
                try unique(
                    input.map { VectorElement(labels: $0.labels.withoutName, value: dateField(f.name, $0.value), t: t) }
                ))
        default:
            throw QueryEvaluationError(message: "function \(f.name) is not implemented")
        }
    }

    func mismatch(_ f: QueryFunction) -> QueryEvaluationError {
        QueryEvaluationError(message: "wrong argument types for \(f.name)()")
    }

    /// The labels `absent()` reports: the `=` matchers of a selector
    /// argument, except a label that any other matcher names as well (a
    /// second `=`, or `!=`, `=~`, `!~`), as Prometheus does.
    func absentLabels(_ arg: QueryExpr) -> Labels {
        var sel: Selector?
        switch arg {
        case .selector(let s): sel = s
        case .range(let s, _): sel = s
        default: sel = nil
        }
        guard let sel else { return Labels() }
        var out: [String: String] = [:]
        var dropped: Set<String> = []
        for m in sel.matchers where m.name != Labels.metricName {
            if m.op == .equal && out[m.name] == nil {
                out[m.name] = m.value
            } else {
                dropped.insert(m.name)
            }
        }
        for n in dropped { out[n] = nil }
        return Labels(out)
    }

    /// A calendar field of a Unix time in UTC, in the proleptic Gregorian
    /// calendar as Go's time package counts it (Foundation's calendar
    /// switches to Julian before 1582 and stops near year 506,713). NaN
    /// outside the times Prometheus accepts.
    func dateField(_ name: String, _ seconds: Double) -> Double {
        guard seconds.isFinite, seconds >= QueryTime.minSeconds, seconds <= QueryTime.maxSeconds else { return .nan }
        // Go's int64(f): toward zero.
        let secs = Int64(seconds.rounded(.towardZero))
        let c = CivilDate(unixSeconds: secs)
        switch name {
        case "minute": return Double(c.minute)
        case "hour": return Double(c.hour)
        case "day_of_week": return Double(c.weekday)
        case "day_of_month": return Double(c.day)
        case "day_of_year": return Double(c.dayOfYear)
        case "days_in_month": return Double(c.daysInMonth)
        case "month": return Double(c.month)
        default: return Double(c.year)
        }
    }

    // MARK: - Functions over ranges

    @inline(never)
    func rangeFunction(_ f: QueryFunction, _ args: [QueryExpr], _ values: [QueryValue], _ t: Int64)
        throws(QueryEvaluationError) -> [VectorElement]
    {
        let matrixIndex = f.name == "quantile_over_time" ? 1 : 0
        guard case .matrix(let matrix) = values[matrixIndex],
            let (rangeStart, rangeEnd) = rangeBounds(args[matrixIndex], t)
        else {
            throw QueryEvaluationError(message: "\(f.name)() needs a range selector or a subquery")
        }
        // The matrix's series mostly share one name: its share of their
        // fingerprints is hashed once, not once a series.
        var nameHash: (value: String, hash: UInt64)?
        var scalars: [Double] = []
        for (i, v) in values.enumerated() where i != matrixIndex {
            if case .scalar(let x, _) = v { scalars.append(x) }
        }
        let scalar = scalars.first ?? 0
        if f.name == "holt_winters" {
            let (sf, tf) = (scalars[0], scalars[1])
            guard sf > 0 && sf < 1 else {
                throw QueryEvaluationError(message: "invalid smoothing factor. Expected: 0 < sf < 1, got: \(sf)")
            }
            guard tf > 0 && tf < 1 else {
                throw QueryEvaluationError(message: "invalid trend factor. Expected: 0 < tf < 1, got: \(tf)")
            }
        }
        if f.name == "absent_over_time" {
            return matrix.isEmpty ? [VectorElement(labels: absentLabels(args[0]), value: 1, t: t)] : []
        }
        var out: [VectorElement] = []
        var extrapolation = RateExtrapolation(
            start: rangeStart, end: rangeEnd, isCounter: f.name != "delta", isRate: f.name == "rate")
        for series in matrix {
            let pts = series.points
            let v: Double?
            switch f.name {
            case "rate", "increase", "delta": v = WindowFold(pts).flatMap { extrapolation.rate($0) }
            case "irate", "idelta": v = instantRate(pts, isRate: f.name == "irate")
            case "deriv": v = pts.count < 2 ? nil : linearRegression(pts, interceptTime: pts[0].t).slope
            case "predict_linear":
                if pts.count < 2 {
                    v = nil
                } else {
                    let (slope, intercept) = linearRegression(pts, interceptTime: t)
                    v = slope * scalar + intercept
                }
            case "resets":
                var n = 0
                for i in pts.indices.dropFirst() where pts[i].v < pts[i - 1].v { n += 1 }
                v = Double(n)
            case "changes":
                var n = 0
                for i in pts.indices.dropFirst()
                where pts[i].v != pts[i - 1].v && !(pts[i].v.isNaN && pts[i - 1].v.isNaN) {
                    n += 1
                }
                v = Double(n)
            case "avg_over_time": v = mean(pts)
            case "sum_over_time": v = kahanSum(pts.map(\.v))
            case "count_over_time": v = Double(pts.count)
            case "min_over_time":
                v = pts.dropFirst().reduce(pts[0].v) { m, p in (m > p.v || m.isNaN) ? p.v : m }
            case "max_over_time":
                v = pts.dropFirst().reduce(pts[0].v) { m, p in (m < p.v || m.isNaN) ? p.v : m }
            case "last_over_time": v = pts[pts.count - 1].v
            case "present_over_time": v = 1
            case "stddev_over_time": v = variance(pts).squareRoot()
            case "stdvar_over_time": v = variance(pts)
            case "quantile_over_time": v = quantile(scalar, pts.map(\.v))
            case "holt_winters": v = holtWinters(pts, smoothing: scalars[0], trend: scalars[1])
            default: throw QueryEvaluationError(message: "function \(f.name) is not implemented")
            }
            guard let v else { continue }
            // last_over_time acts like an offset and keeps the metric name.
            let labels = f.name == "last_over_time" ? series.labels : series.labels.withoutName(reusing: &nameHash)
            out.append(VectorElement(labels: labels, value: v, t: t))
        }
        // The matrix's series are distinct; without their names they stay
        // distinct when every name was the same, which is checked without
        // hashing (this runs at every step of a subquery).
        let firstName = matrix.first?.labels.name
        if f.name == "last_over_time" || matrix.allSatisfy({ $0.labels.name == firstName }) { return out }
        return try unique(out)
    }

    /// Double exponential smoothing, as Prometheus 2.x's holt_winters: nil
    /// with fewer than two points.
    func holtWinters(_ pts: [Point], smoothing sf: Double, trend tf: Double) -> Double? {
        guard pts.count >= 2 else { return nil }
        var s0 = 0.0
        var s1 = pts[0].v
        var b = pts[1].v - pts[0].v
        for i in 1..<pts.count {
            let x = sf * pts[i].v
            // The trend is carried as is into the first step.
            if i > 1 { b = tf * (s1 - s0) + (1 - tf) * b }
            let y = (1 - sf) * (s1 + b)
            (s0, s1) = (s1, x + y)
        }
        return s1
    }

    func instantRate(_ pts: [Point], isRate: Bool) -> Double? {
        guard pts.count >= 2 else { return nil }
        let last = pts[pts.count - 1]
        let prev = pts[pts.count - 2]
        var result = isRate && last.v < prev.v ? last.v : last.v - prev.v
        let interval = last.t - prev.t
        guard interval != 0 else { return nil }
        if isRate { result /= Double(interval) / 1000 }
        return result
    }

    /// Least squares fit; Neumaier-compensated sums as Prometheus uses.
    func linearRegression(_ pts: [Point], interceptTime: Int64) -> (slope: Double, intercept: Double) {
        var n = 0.0
        var sumX = Compensated()
        var sumY = Compensated()
        var sumXY = Compensated()
        var sumX2 = Compensated()
        let initY = pts[0].v
        var constY = true
        for (i, p) in pts.enumerated() {
            if constY && i > 0 && p.v != initY { constY = false }
            n += 1
            let x = Double(p.t - interceptTime) / 1e3
            sumX.add(x)
            sumY.add(p.v)
            sumXY.add(x * p.v)
            sumX2.add(x * x)
        }
        if constY {
            return initY.isInfinite ? (.nan, .nan) : (0, initY)
        }
        let sx = sumX.value
        let sy = sumY.value
        let covXY = sumXY.value - sx * sy / n
        let varX = sumX2.value - sx * sx / n
        let slope = covXY / varX
        return (slope, sy / n - slope * sx / n)
    }

    func mean(_ pts: [Point]) -> Double {
        var mean = 0.0
        var c = 0.0
        var count = 0.0
        for p in pts {
            count += 1
            if mean.isInfinite {
                if p.v.isInfinite && (mean > 0) == (p.v > 0) { continue }
                if !p.v.isInfinite && !p.v.isNaN { continue }
            }
            (mean, c) = Compensated.increment(p.v / count - mean / count, mean, c)
        }
        return mean.isInfinite ? mean : mean + c
    }

    func variance(_ pts: [Point]) -> Double {
        var count = 0.0
        var mean = 0.0
        var cMean = 0.0
        var aux = 0.0
        var cAux = 0.0
        for p in pts {
            count += 1
            let delta = p.v - (mean + cMean)
            (mean, cMean) = Compensated.increment(delta / count, mean, cMean)
            (aux, cAux) = Compensated.increment(delta * (p.v - (mean + cMean)), aux, cAux)
        }
        return (aux + cAux) / count
    }

    func kahanSum(_ values: [Double]) -> Double {
        var s = Compensated()
        for v in values { s.add(v) }
        return s.sum.isInfinite ? s.sum : s.value
    }

    // MARK: - histogram_quantile

    /// Buckets are grouped by their labels without `le` (the metric name
    /// included, as in Prometheus), and the result drops the name: two
    /// histograms that differ only by name collide, and `unique` refuses
    /// the answer as Prometheus does.
    func histogramQuantile(_ q: Double, _ vec: [VectorElement], _ t: Int64) -> [VectorElement] {
        var groups: [Labels: [(upper: Double, count: Double)]] = [:]
        var order: [Labels] = []
        for el in vec {
            guard let le = el.labels["le"], let upper = FastFloat.parse(le) else { continue }
            let key = el.labels.removing(["le"])
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((upper, el.value))
        }
        return order.map { key in
            VectorElement(labels: key.withoutName, value: bucketQuantile(q, groups[key]!), t: t)
        }
    }

    func bucketQuantile(_ q: Double, _ input: [(upper: Double, count: Double)]) -> Double {
        if q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        var buckets = input.sorted { $0.upper < $1.upper }
        guard let top = buckets.last, top.upper == .infinity else { return .nan }
        // Merge buckets with the same bound, then force counts to be
        // monotonic: scrapes racing with observations can break that.
        var merged: [(upper: Double, count: Double)] = []
        for b in buckets {
            if let last = merged.last, last.upper == b.upper {
                merged[merged.count - 1].count += b.count
            } else {
                merged.append(b)
            }
        }
        buckets = merged
        var maxCount = buckets[0].count
        for i in buckets.indices.dropFirst() {
            if buckets[i].count > maxCount {
                maxCount = buckets[i].count
            } else if buckets[i].count < maxCount {
                buckets[i].count = maxCount
            }
        }
        guard buckets.count >= 2 else { return .nan }
        let observations = buckets[buckets.count - 1].count
        guard observations != 0 else { return .nan }
        var rank = q * observations
        var b = buckets.count - 1
        for i in 0..<(buckets.count - 1) where buckets[i].count >= rank {
            b = i
            break
        }
        if b == buckets.count - 1 { return buckets[buckets.count - 2].upper }
        if b == 0 && buckets[0].upper <= 0 { return buckets[0].upper }
        var bucketStart = 0.0
        let bucketEnd = buckets[b].upper
        var count = buckets[b].count
        if b > 0 {
            bucketStart = buckets[b - 1].upper
            count -= buckets[b - 1].count
            rank -= buckets[b - 1].count
        }
        return bucketStart + (bucketEnd - bucketStart) * (rank / count)
    }
}

/// Neumaier-compensated summation, the variant Prometheus uses.
struct Compensated {
    var sum = 0.0
    var c = 0.0

    var value: Double { sum + c }

    mutating func add(_ x: Double) { (sum, c) = Self.increment(x, sum, c) }

    static func increment(_ inc: Double, _ sum: Double, _ c: Double) -> (Double, Double) {
        let t = sum + inc
        var c = c
        if abs(sum) >= abs(inc) {
            c += (sum - t) + inc
        } else {
            c += (inc - t) + sum
        }
        return (t, c)
    }
}

/// Go's math.Max: +Inf wins over NaN, NaN over any other number, and +0
/// over -0. PromQL's clamp functions inherit these rules.
func goMax(_ x: Double, _ y: Double) -> Double {
    if x == .infinity || y == .infinity { return .infinity }
    if x.isNaN || y.isNaN { return .nan }
    if x == 0 && x == y { return x.sign == .minus ? y : x }
    return x > y ? x : y
}

/// Go's math.Min: -Inf wins over NaN, NaN over any other number, and -0
/// over +0.
func goMin(_ x: Double, _ y: Double) -> Double {
    if x == -.infinity || y == -.infinity { return -.infinity }
    if x.isNaN || y.isNaN { return .nan }
    if x == 0 && x == y { return x.sign == .minus ? x : y }
    return x < y ? x : y
}

/// The aggregates of one rate folded at several times, as the store hands
/// the series over: plain numbers, one set per time, all ops at once (a
/// group per op and time, each with labels and members, cost a tenth of
/// a refresh over 500,000 series).
struct RateFolds {
    let ops: [AggregateOp]
    private var folds: [Fold]

    struct Fold {
        var sum = 0.0
        var min = 0.0
        var max = 0.0
        var mean = 0.0
        var count = 0.0

        /// As `AggregateGroup.add` folds each op (its first element
        /// taken as is), so the answers are the same.
        @inline(__always) mutating func add(_ v: Double, mean wantsMean: Bool) {
            guard count > 0 else {
                (sum, min, max, mean, count) = (v, v, v, v, 1)
                return
            }
            count += 1
            sum += v
            if max < v || max.isNaN { max = v }
            if min > v || min.isNaN { min = v }
            if wantsMean { mean = AggregateGroup.mean(mean, adding: v, count: count) }
        }
    }

    init(ops: [AggregateOp], times: [Int64]) {
        self.ops = ops
        folds = Array(repeating: Fold(), count: times.count)
    }

    /// Runs `pass`, whose `add(i, v)` takes one series' value at time `i`.
    mutating func take(_ pass: ((Int, Double) -> Void) -> Void) {
        let wantsMean = ops.contains(.avg)
        folds.withUnsafeMutableBufferPointer { folds in
            pass { i, v in folds[i].add(v, mean: wantsMean) }
        }
    }

    /// Each op's result at time `i`; nil when no series had a value.
    func result(_ i: Int) -> [AggregateOp: Double]? {
        let f = folds[i]
        guard f.count > 0 else { return nil }
        var out: [AggregateOp: Double] = [:]
        for o in ops {
            out[o] =
                switch o {
                case .sum: f.sum
                case .min: f.min
                case .max: f.max
                case .avg: f.mean
                default: f.count
                }
        }
        return out
    }
}
