import Foundation
import VigilCore

/// `vigil-bench scale FILE SCRAPES [--rules] [--graph]`: issue 11's big target
/// without the network or a terminal. The file is taken in SCRAPES times
/// 5 s apart by a store sized as the dashboard sizes it (every series
/// kept, 16 points each), and after each scrape every family's
/// `sum(rate(F[1m]))` is evaluated (a panel each, as scripts/bench-scale.sh
/// draws them); `--rules` adds its 20 rules' expressions
/// (`sum(rate(F[1m])) > 1e15`, `max(rate(F[1m])) > 1e15`), one memo for all
/// as the engine shares them. `--graph` also folds each panel's
/// expression at a graph's new column half a second before (as the
/// dashboard does at each refresh: two windows a series). Prints one JSON
/// line: the median ingest and evaluation time per scrape (ms, after the
/// first two), the fastest ingest and the fastest of ten more evaluations
/// after the last scrape (the figures to compare on a noisy host), the
/// series held, the peak RSS and the RSS at the end (MiB).
func runScaleBenchmark(_ args: [String]) -> Never {
    guard args.count >= 2, let scrapes = Int(args[1]), scrapes >= 3 else {
        fail("usage: vigil-bench scale FILE SCRAPES [--rules] [--graph]")
    }
    // The body once, as a scrape holds it (so peak RSS compares with the
    // dashboard's).
    guard let body = FileManager.default.contents(atPath: args[0]).map({ [UInt8]($0) }) else {
        fail("cannot read \(args[0])")
    }
    var families: [String] = []
    for line in body.split(separator: UInt8(ascii: "\n")) where line.starts(with: Array("# TYPE ".utf8)) {
        let words = line.split(separator: UInt8(ascii: " "))
        if words.count >= 3 { families.append(String(decoding: words[2], as: UTF8.self)) }
    }
    var exprs: [QueryExpr] = []
    do {
        for f in families { exprs.append(try QueryParser.parse("sum(rate(\(f)[1m]))")) }
        if args.contains("--rules") {
            for f in families {
                exprs.append(try QueryParser.parse("sum(rate(\(f)[1m])) > 1e15"))
                exprs.append(try QueryParser.parse("max(rate(\(f)[1m])) > 1e15"))
            }
        }
    } catch { fail("\(error)") }
    // VIGIL_BENCH_POINTS: points a series keeps (16, as the dashboard does
    // for this file), to tell the rings' share of memory from the rest.
    let points = ProcessInfo.processInfo.environment["VIGIL_BENCH_POINTS"].flatMap { Int($0) } ?? 16
    var store = SeriesStore(capacity: points)
    store.minCapacity = points
    let target = Labels([Label("job", "bench"), Label("instance", "127.0.0.1:9")])
    var ingest: [Double] = []
    var evaluate: [Double] = []
    let start: Int64 = 1_764_000_000_000
    let graph = args.contains("--graph")
    func evaluateAll(at now: Int64) {
        let memo = EvaluationMemo(expressions: exprs)
        if graph { memo.folds(Array(exprs.prefix(families.count)), at: [now - 500, now]) }
        let evaluator = Evaluator(source: store, memo: memo)
        for e in exprs { _ = try? evaluator.evaluate(e, at: now) }
    }
    for i in 0..<scrapes {
        let t = start + Int64(i) * 5000
        let t0 = DispatchTime.now().uptimeNanoseconds
        do {
            _ = try store.ingest(
                target: "bench", targetLabels: target, body: body, format: .prometheus, limit: 10_000_000, timeMs: t,
                durationSeconds: 0.1)
        } catch { fail("\(error)") }
        let t1 = DispatchTime.now().uptimeNanoseconds
        evaluateAll(at: t + 1000)
        let t2 = DispatchTime.now().uptimeNanoseconds
        if i >= 2 {
            ingest.append(Double(t1 - t0) / 1e6)
            evaluate.append(Double(t2 - t1) / 1e6)
        }
    }
    // The last evaluation ten times more: the fastest of them is what it
    // costs with the machine's noise (a shared host's) left out.
    var fastest = Double.infinity
    let last = start + Int64(scrapes - 1) * 5000
    for _ in 0..<10 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        evaluateAll(at: last + 1000)
        fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    func status(_ key: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) })
        else { return 0 }
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
    finish([
        ("series", "\(store.seriesCount)"), ("families", "\(families.count)"), ("expressions", "\(exprs.count)"),
        ("ingest_ms_median", String(format: "%.1f", median(ingest))),
        ("ingest_ms_fastest", String(format: "%.1f", ingest.min() ?? 0)),
        ("evaluate_ms_median", String(format: "%.1f", median(evaluate))),
        ("evaluate_ms_fastest", String(format: "%.1f", fastest)),
        ("peak_rss_mib", String(format: "%.1f", status("VmHWM:"))),
        ("rss_mib", String(format: "%.1f", status("VmRSS:"))),
    ])
}
