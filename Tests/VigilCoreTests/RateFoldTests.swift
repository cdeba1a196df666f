import Testing

@testable import VigilCore

/// The store's rates read each window in place and keep what follows from
/// the samples' times from one series to the next. Every series must
/// still get the value Prometheus' formula gives for its own points, to
/// the last bit: counters near their zero, resets, a missed scrape and a
/// staleness marker among series that otherwise share their times.
@Suite struct RateFoldTests {
    static let start: Int64 = 1_764_000_000_000

    /// Prometheus' extrapolatedRate as its Go source reads, over the
    /// samples of a window (markers left out): the value, and whether a
    /// counter's zero moved the start.
    static func reference(_ pts: [Point], start: Int64, end: Int64, counter: Bool, rate: Bool) -> (Double, Bool)? {
        guard pts.count >= 2 else { return nil }
        var result = pts[pts.count - 1].v - pts[0].v
        if counter {
            var prev = pts[0].v
            for p in pts.dropFirst() {
                if p.v < prev { result += prev }
                prev = p.v
            }
        }
        var durationToStart = Double(pts[0].t - start) / 1000
        let durationToEnd = Double(end - pts[pts.count - 1].t) / 1000
        let sampled = Double(pts[pts.count - 1].t - pts[0].t) / 1000
        let average = sampled / Double(pts.count - 1)
        var zero = false
        if counter && result > 0 && pts[0].v >= 0 {
            let durationToZero = sampled * (pts[0].v / result)
            if durationToZero < durationToStart {
                durationToStart = durationToZero
                zero = true
            }
        }
        let threshold = average * 1.1
        var interval = sampled
        interval += durationToStart < threshold ? durationToStart : average / 2
        interval += durationToEnd < threshold ? durationToEnd : average / 2
        result = result * (interval / sampled)
        if rate { result = result / (Double(end - start) / 1000) }
        return (result, zero)
    }

    /// 500 series scraped together every 5 s, in five kinds.
    static func store() -> SeriesStore {
        var store = SeriesStore(capacity: 64)
        for s in 0..<500 {
            let l = Labels(["__name__": "x_total", "s": "\(s)"])
            let step = Double(s + 1) / 3
            for i in 0..<30 {
                let t = start + Int64(i) * 5000
                let v: Double
                switch s % 5 {
                case 0: v = 1e6 + Double(i) * step  // far from its zero
                case 1:
                    // Starts late, near zero: its zero is inside the window.
                    guard i >= 12 else { continue }
                    v = Double(i - 12) * step + step / Double(s + 7)
                case 2: v = Double(i % 7) * step + 0.1  // resets every 7
                case 3:
                    guard i != 25 else { continue }  // a missed scrape
                    v = Double(i) * step
                default:
                    // A marker, then samples again.
                    v = i == 27 ? StaleMarker.value : Double(i) * step
                }
                store.append(l, Point(t: t, v: v))
            }
        }
        return store
    }

    @Test func seriesScrapedTogetherEachGetTheirOwnRateToTheBit() throws {
        let store = Self.store()
        var zeroMoved = 0
        var checked = 0
        for (text, seconds, counter, rate) in [
            ("rate(x_total[1m])", 60, true, true), ("increase(x_total[45s])", 45, true, false),
            ("delta(x_total[1m])", 60, false, false),
        ] {
            let e = try QueryParser.parse(text)
            for end in [Self.start + 91_300, Self.start + 130_000, Self.start + 144_999, Self.start + 150_000] {
                guard case .vector(let streamed) = try Evaluator(source: store).evaluate(e, at: end) else {
                    Issue.record("\(text): not a vector")
                    continue
                }
                let got = Dictionary(uniqueKeysWithValues: streamed.map { ($0.labels["s"] ?? "", $0.value) })
                let from = end - Int64(seconds) * 1000
                for id in 0..<store.seriesCount {
                    let s = store.labels(of: id)["s"] ?? ""
                    let pts = store.points(of: id, minT: from, maxT: end).filter { !StaleMarker.isStale($0.v) }
                    let want = Self.reference(pts, start: from, end: end, counter: counter, rate: rate)
                    #expect(got[s] == want?.0, "\(text) at \(end), series \(s)")
                    if want?.1 == true { zeroMoved += 1 }
                    checked += 1
                }
            }
        }
        #expect(checked == 3 * 4 * 500)
        // The zero's branch was taken, among series that share their times.
        #expect(zeroMoved >= 100)
    }

    @Test func theMatrixPathAgreesToTheBit() throws {
        let store = Self.store()
        let e = try QueryParser.parse("rate(x_total[1m])")
        let end = Self.start + 144_999
        let streamed = try Evaluator(source: store).evaluate(e, at: end)
        let matrix = try Evaluator(source: SubqueryCacheTests.CountingSource(store)).evaluate(e, at: end)
        #expect("\(streamed)" == "\(matrix)")
    }

    @Test func aFoldHoldsTheAggregatesItsExpressionsTakeAndAnotherIsFoldedAnew() throws {
        let store = Self.store()
        let end = Self.start + 144_999
        let told = try ["sum(rate(x_total[1m]))", "max(rate(x_total[1m])) > 1"].map { try QueryParser.parse($0) }
        let memo = EvaluationMemo(expressions: told)
        let shared = Evaluator(source: store, memo: memo)
        for e in told { _ = try shared.evaluate(e, at: end) }
        let key = try #require(memo.folds.keys.first)
        #expect(memo.folds.count == 1)
        #expect(memo.folds[key].map { Set($0.keys) } == [.sum, .max])
        // `avg` was not among them: folded anew, as it is alone.
        let avg = try QueryParser.parse("avg(rate(x_total[1m]))")
        #expect("\(try shared.evaluate(avg, at: end))" == "\(try Evaluator(source: store).evaluate(avg, at: end))")
        #expect(memo.folds[key]?[.avg] != nil)
    }
}
