import Foundation
import VigilCore

/// `vigil-bench promql [SERIES] [REPEATS] [--write FILE]`: issue 19's
/// subquery case, `max_over_time(rate(x[1m])[1h:15s])`, over SERIES
/// counters (default 1,000) with 70 minutes of samples every 15 s.
///
/// Prints one JSON line: the median time of a cold evaluation (every one
/// of the 240 inner steps computed), and of a refresh 15 s later that
/// carries the step cache over (the newest step computed, the rest
/// reused), as a graph column or a rule does. `--write FILE` also writes
/// the same data as OpenMetrics for `promtool tsdb create-blocks-from`,
/// so Prometheus can answer the same query (scripts/bench-promql.sh).
func runPromQLBenchmark(_ args: [String]) -> Never {
    let series = args.first.flatMap(Int.init) ?? 1000
    let repeats = args.dropFirst().first.flatMap(Int.init) ?? 5
    let start: Int64 = 1_700_000_000_000
    let step: Int64 = 15_000
    let points = 70 * 4 + 1
    var store = SeriesStore(capacity: Int.max / 2)
    var text = ""
    let write = args.firstIndex(of: "--write").flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
    if write != nil { text += "# TYPE x counter\n" }
    for s in 0..<series {
        let labels = Labels(["__name__": "x_total", "instance": "host-\(s % 50)", "path": "/p\(s / 50)"])
        var v = 0.0
        for i in 0..<points {
            // A different, steady rate per series, with a reset now and then.
            v += Double((s % 17) + 1) * Double(i % 5 + 1)
            if i == 100 + s % 60 { v = 0 }
            let t = start + Int64(i) * step
            _ = store.append(labels, Point(t: t, v: v))
            if write != nil {
                text += "x_total{instance=\"host-\(s % 50)\",path=\"/p\(s / 50)\"} \(v) \(t / 1000)\n"
            }
        }
    }
    if let write {
        text += "# EOF\n"
        do { try text.write(toFile: write, atomically: true, encoding: .utf8) } catch { fail("cannot write \(write)") }
    }
    let query: QueryExpr
    do { query = try QueryParser.parse("max_over_time(rate(x_total[1m])[1h:15s])") } catch { fail("\(error)") }
    let end = start + Int64(points - 1) * step

    func seconds(_ body: () throws -> Void) rethrows -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    var cold: [Double] = []
    var warm: [Double] = []
    var results = 0
    for _ in 0..<repeats {
        let evaluator = Evaluator(source: store)
        cold.append(
            (try? seconds {
                guard case .vector(let v) = try evaluator.evaluate(query, at: end - step) else { return }
                results = v.count
            }) ?? .nan)
        // The next refresh, 15 s later, with the steps the first one settled.
        let carried = SubqueryCache(entries: evaluator.subqueries.entries)
        let next = Evaluator(source: store, subqueries: carried)
        warm.append((try? seconds { _ = try next.evaluate(query, at: end) }) ?? .nan)
    }
    finish([
        ("query", "\"max_over_time(rate(x_total[1m])[1h:15s])\""), ("series", "\(series)"),
        ("results", "\(results)"), ("inner_steps", "241"), ("cold_ms", String(format: "%.2f", median(cold) * 1000)),
        ("refresh_ms", String(format: "%.2f", median(warm) * 1000)), ("repeats", "\(repeats)"),
        ("time", "\(Double(end) / 1000)"),
    ])
}
