import Foundation
import Testing

@testable import VigilCore

/// Subqueries evaluate each step once: a second evaluation with the steps
/// carried over computes only the new and unsettled ones, and gives the
/// same answer as a cold one.
@Suite struct SubqueryCacheTests {
    /// Counts how often the engine reads the store.
    final class CountingSource: SeriesSource {
        var store: SeriesStore
        var reads = 0
        init(_ store: SeriesStore) { self.store = store }
        func series(matching: [LabelMatcher], minT: Int64, maxT: Int64) -> [SeriesPoints] {
            reads += 1
            return store.series(matching: matching, minT: minT, maxT: maxT)
        }
        func latest(matching: [LabelMatcher], minT: Int64, maxT: Int64) -> [(Labels, Point)] {
            reads += 1
            return store.latest(matching: matching, minT: minT, maxT: maxT)
        }
    }

    // A multiple of the 15 s step, so steps fall on samples.
    static let start: Int64 = 1_699_999_995_000

    static func store(points: Int) -> SeriesStore {
        var store = SeriesStore(capacity: Int.max / 2)
        for s in 0..<3 {
            var v = 0.0
            for i in 0..<points {
                v += Double(s + 1) * Double(i % 4 + 1)
                store.append(Labels(["__name__": "x_total", "s": "\(s)"]), Point(t: start + Int64(i) * 15_000, v: v))
            }
        }
        return store
    }

    func values(_ v: QueryValue) -> [Labels: Double] {
        guard case .vector(let vec) = v else { return [:] }
        return Dictionary(uniqueKeysWithValues: vec.map { ($0.labels, $0.value) })
    }

    @Test func aCarriedCacheComputesOnlyNewStepsAndAgreesWithACold() throws {
        let query = try QueryParser.parse("max_over_time(rate(x_total[1m])[1h:15s])")
        let source = CountingSource(Self.store(points: 300))
        let t0 = Self.start + 280 * 15_000
        let first = Evaluator(source: source)
        let a = try first.evaluate(query, at: t0)
        #expect(source.reads == 241)
        // 15 s later, carrying what had settled (steps at least 60 s old).
        let carried = SubqueryCache(entries: first.subqueries.carried(to: t0, reach: 3_660_000))
        #expect(carried.entries.count == 241 - 4)
        source.reads = 0
        let warm = try Evaluator(source: source, subqueries: carried).evaluate(query, at: t0 + 15_000)
        // The four unsettled steps of the last minute, and the new one.
        #expect(source.reads == 5)
        let cold = try Evaluator(source: Self.store(points: 300)).evaluate(query, at: t0 + 15_000)
        #expect(values(warm) == values(cold))
        #expect(values(a).count == 3)
    }

    /// A sample that arrives for a recent step after that step was first
    /// evaluated changes the answer: unsettled steps are never reused.
    @Test func lateSamplesAreSeen() throws {
        let query = try QueryParser.parse("sum_over_time(x_total[2m:15s])")
        var store = Self.store(points: 20)
        let t = Self.start + 20 * 15_000
        let first = Evaluator(source: store)
        _ = try first.evaluate(query, at: t)
        let carried = SubqueryCache(entries: first.subqueries.carried(to: t, reach: 120_000))
        store.append(Labels(["__name__": "x_total", "s": "0"]), Point(t: t - 1000, v: 1e6))
        let warm = try Evaluator(source: store, subqueries: carried).evaluate(query, at: t)
        let cold = try Evaluator(source: store).evaluate(query, at: t)
        #expect(values(warm) == values(cold))
    }

    /// `@ end()` inside a subquery names the query's time, so such an inner
    /// expression is never cached by step.
    @Test func queryTimeExpressionsAreNotCached() throws {
        let query = try QueryParser.parse("max_over_time((x_total @ end())[2m:15s])")
        let store = Self.store(points: 40)
        let e = Evaluator(source: store)
        _ = try e.evaluate(query, at: Self.start + 30 * 15_000)
        #expect(e.subqueries.entries.isEmpty)
    }

    @Test func graphColumnsCarryTheCacheAcrossRefreshes() throws {
        let source = CountingSource(Self.store(points: 300))
        let metric = MetricDefinition(
            id: "m", name: "m", unit: "", queryText: "",
            query: try QueryParser.parse("max_over_time(rate(x_total[1m])[30m:15s])"),
            threshold: nil, chart: "line", aggregation: nil, description: nil)
        var history = MetricHistory(windowMs: 300_000, stepMs: 15_000)
        let now = Self.start + 280 * 15_000
        history.update([metric], source: source, now: now)
        let cold = source.reads
        source.reads = 0
        history.update([metric], source: source, now: now + 15_000)
        // One new column and the current value; each needs only the steps
        // of the last minute again.
        #expect(source.reads <= 12, "\(source.reads) reads after \(cold) cold")
        #expect(cold > 100)
    }
}

/// Within one evaluation, a range function over one selector is computed
/// once for every query that calls it, with the same answers as alone.
@Suite struct EvaluationMemoTests {
    @Test func queriesSharingARateReadTheStoreOnceAndAgree() throws {
        let t = SubqueryCacheTests.start + 200 * 15_000
        let source = SubqueryCacheTests.CountingSource(SubqueryCacheTests.store(points: 300))
        let memo = EvaluationMemo()
        let shared = Evaluator(source: source, memo: memo)
        let texts = [
            "sum(rate(x_total[1m]))", "max(rate(x_total[1m])) > 0", "rate(x_total[1m])",
            "sum(rate(x_total{s=\"1\"}[1m]))", "rate(x_total[5m])",
        ]
        var together: [QueryValue] = []
        for text in texts { together.append(try shared.evaluate(try QueryParser.parse(text), at: t)) }
        // Three distinct calls: [1m], {s="1"}[1m] and [5m].
        #expect(source.reads == 3)
        #expect(memo.hits == 2)
        for (text, value) in zip(texts, together) {
            let alone = try Evaluator(source: SubqueryCacheTests.store(points: 300)).evaluate(
                try QueryParser.parse(text), at: t)
            #expect("\(value)" == "\(alone)", "\(text)")
        }
        // Another time is another call.
        _ = try shared.evaluate(try QueryParser.parse("rate(x_total[1m])"), at: t + 15_000)
        #expect(source.reads == 4)
    }

    @Test func onlyCallsWrittenTwiceAreKeptAndOnlyUntilTheirLastUse() throws {
        let t = SubqueryCacheTests.start + 200 * 15_000
        // Aggregates the store folds (`sum(rate(x[1m]))`) are not counted:
        // they never read the memo.
        let texts = [
            "sum by (s) (rate(x_total[1m]))", "rate(x_total[1m]) > 0", "rate(x_total[5m])", "sum(rate(x_total[5m]))",
        ]
        let exprs = try texts.map { try QueryParser.parse($0) }
        let memo = EvaluationMemo(expressions: exprs)
        let source = SubqueryCacheTests.CountingSource(SubqueryCacheTests.store(points: 300))
        let evaluator = Evaluator(source: source, memo: memo)
        _ = try evaluator.evaluate(exprs[0], at: t)
        #expect(memo.vectors.count == 1)
        _ = try evaluator.evaluate(exprs[1], at: t)
        #expect(memo.hits == 1)
        #expect(memo.vectors.isEmpty)
        _ = try evaluator.evaluate(exprs[2], at: t)
        #expect(memo.vectors.isEmpty)
        #expect(source.reads == 2)
    }
}

/// `rate`, `increase` and `delta` over the store are computed series by
/// series without a matrix (and `sum`, `min`, `max`, `avg`, `count` of
/// them folded without label sets); any other source takes the matrix
/// path. Both must agree, counter resets and staleness markers included.
@Suite struct StreamedRateTests {
    @Test func theStreamedAndTheMatrixPathsAgree() throws {
        var store = SeriesStore(capacity: 1000)
        var rng = SystemRandomNumberGenerator()
        let t0: Int64 = 1_700_000_000_000
        for s in 0..<40 {
            var v = 0.0
            for i in 0..<120 {
                let t = t0 + Int64(i) * 5_000 + Int64.random(in: 0..<900, using: &rng)
                // Resets, gaps and stale markers, at random.
                if Int.random(in: 0..<25, using: &rng) == 0 { v = 0 }
                v += Double.random(in: 0..<10, using: &rng)
                let value = Int.random(in: 0..<30, using: &rng) == 0 ? StaleMarker.value : v
                if Int.random(in: 0..<10, using: &rng) == 0 { continue }
                let name = s % 3 == 0 ? "y_total" : "x_total"
                store.append(Labels(["__name__": name, "s": "\(s)"]), Point(t: t, v: value))
            }
        }
        let wrapped = SubqueryCacheTests.CountingSource(store)
        for text in [
            "rate(x_total[1m])", "increase(x_total[2m])", "delta(x_total[30s])", "rate({s=~\"1.*\"}[1m])",
            "sum(rate(x_total[1m] offset 1m))", "rate(nothing_total[1m])", "sum(rate(x_total[1m]))",
            "max(rate(x_total[1m]))", "min(increase(y_total[2m]))", "avg(delta(x_total[1m]))",
            "count(rate(x_total[1m]))", "sum(rate(nothing_total[1m]))",
        ] {
            let expr = try QueryParser.parse(text)
            for t in stride(from: t0 + 60_000, through: t0 + 600_000, by: 37_000) {
                let streamed = try Evaluator(source: store).evaluate(expr, at: t)
                let matrix = try Evaluator(source: wrapped).evaluate(expr, at: t)
                #expect("\(streamed)" == "\(matrix)", "\(text) at \(t)")
            }
        }
    }

    /// Aggregates the store folds (`sum(rate(x[1m]))`, `max(...) > T`) of
    /// one rate share one pass in an evaluation, with the answers each
    /// gives alone; a fold written once is not kept.
    @Test func foldsOfOneRateShareOnePass() throws {
        let t = SubqueryCacheTests.start + 200 * 15_000
        let texts = [
            "sum(rate(x_total[1m]))", "max(rate(x_total[1m])) > 0", "min(rate(x_total[1m]))",
            "avg(rate(x_total[1m]))", "count(rate(x_total[1m]))", "sum(rate(x_total[5m]))",
        ]
        let exprs = try texts.map { try QueryParser.parse($0) }
        let memo = EvaluationMemo(expressions: exprs)
        let store = SubqueryCacheTests.store(points: 300)
        let shared = Evaluator(source: store, memo: memo)
        for (text, e) in zip(texts, exprs) {
            let together = try shared.evaluate(e, at: t)
            let alone = try Evaluator(source: store).evaluate(e, at: t)
            #expect("\(together)" == "\(alone)", "\(text)")
        }
        // The [1m] rate folded once for five aggregates; [5m] alone, not kept.
        #expect(memo.folds.count == 1)
        #expect(memo.folds.values.first?.count == 5)
    }

    @Test func foldsAtSeveralTimesComeFromOnePassAndEqualEachAlone() throws {
        // A graph's new columns and now: some with a reset or a gap in
        // their window, one before the data, one past its end.
        let store = SubqueryCacheTests.store(points: 300)
        let end = SubqueryCacheTests.start + 299 * 15_000
        let times: [Int64] = [
            SubqueryCacheTests.start - 30_000, SubqueryCacheTests.start + 40_000, end - 95_000, end - 7_000, end,
            end + 50_000,
        ]
        let texts = ["sum(rate(x_total[1m]))", "max(increase(x_total[2m]))", "count(delta(x_total[1m]))"]
        let exprs = try texts.map { try QueryParser.parse($0) }
        let memo = EvaluationMemo(expressions: exprs)
        memo.folds(exprs, at: Set(times))
        let shared = Evaluator(source: store, memo: memo)
        for text in texts {
            let e = try QueryParser.parse(text)
            // Asked at the last time first: every time is folded then.
            for t in times.reversed() {
                let together = try shared.evaluate(e, at: t)
                let alone = try Evaluator(source: store).evaluate(e, at: t)
                #expect("\(together)" == "\(alone)", "\(text) at \(t)")
            }
        }
        // One pass a call made the folds of every time.
        #expect(memo.folds.count == texts.count * times.count)
        // A call no graph asks at those times is folded at its own time only.
        let rule = try QueryParser.parse("sum(rate(x_total[5m]))")
        let ruleMemo = EvaluationMemo(expressions: exprs + [rule, rule])
        ruleMemo.folds(exprs, at: Set(times))
        _ = try Evaluator(source: store, memo: ruleMemo).evaluate(rule, at: end)
        #expect(ruleMemo.folds.keys.filter { $0.hasPrefix("fold|rate|300000|") }.count == 1)
    }
}
