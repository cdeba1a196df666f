import Foundation
import VigilCore

/// `vigil-bench slo CONFIG [REFRESHES]`: issue 13's figure, every objective
/// of a configuration evaluated once a refresh in scrape mode: the burn-rate
/// rules over six hours of samples (what memory keeps for them) and, per
/// objective, the rates of the moment fed into a ledger holding a full
/// 30-day window, and the figures computed from it.
///
/// The store holds six hours at a 5 s scrape of the demo's shapes: request
/// counters for 3 services × 3 codes, a latency histogram (10 buckets, sum
/// and count) per service, and `up`. Prints one JSON line: the median and
/// 90th percentile time per refresh, and the rules' and ledgers' shares.
func runSLOBenchmark(_ args: [String]) -> Never {
    guard let path = args.first else { fail("usage: vigil-bench slo CONFIG [REFRESHES]") }
    let refreshes = args.count > 1 ? Int(args[1]) ?? 50 : 50
    let config: VigilConfig
    do { config = try ConfigLoader.load(path: path) } catch { fail("\(error)") }
    let rules = config.alerts.rules.filter { $0.objective != nil }
    let step: Int64 = 5000
    let hours: Int64 = 6
    let start: Int64 = 1_764_000_000_000
    var store = SeriesStore(capacity: Int(hours * 3_600_000 / step) + 8)
    let services = ["api", "web", "auth"]
    let bounds = ["0.05", "0.1", "0.25", "0.5", "1", "2", "2.5", "5", "10", "+Inf"]
    func scrape(at t: Int64) {
        let k = Double((t - start) / step)
        for (i, s) in services.enumerated() {
            for (code, share) in [("200", 0.97), ("404", 0.02), ("500", 0.01)] {
                store.append(
                    Labels(["__name__": "http_requests_total", "service": s, "code": code, "job": "normaldance"]),
                    Point(t: t, v: k * 100 * Double(i + 1) * share))
            }
            for (j, le) in bounds.enumerated() {
                store.append(
                    Labels(["__name__": "http_request_duration_seconds_bucket", "service": s, "le": le]),
                    Point(t: t, v: k * 100 * Double(i + 1) * min(1, Double(j + 1) / 7)))
            }
            store.append(
                Labels(["__name__": "http_request_duration_seconds_count", "service": s]),
                Point(t: t, v: k * 100 * Double(i + 1)))
        }
        store.append(Labels(["__name__": "up", "job": "normaldance"]), Point(t: t, v: 1))
    }
    var now = start
    while now < start + hours * 3_600_000 {
        scrape(at: now)
        now += step
    }
    // A full month of minutes in each ledger.
    var ledgers: [String: SLOLedger] = [:]
    for o in config.objectives {
        var minutes: [Int64: SLOLedger.Minute] = [:]
        var m = now - 30 * 86_400_000
        while m < now {
            minutes[m - m % 60_000] = SLOLedger.Minute(good: 5_990, total: 6_000)
            m += 60_000
        }
        var ledger = SLOLedger()
        ledger.backfill(minutes)
        ledgers[o.id] = ledger
    }
    var refreshTimes: [Double] = []
    var ruleTimes: [Double] = []
    var figures: [SLOFigures] = []
    for _ in 0..<refreshes {
        now += 2000
        if now % step < 2000 { scrape(at: now - now % step) }
        let t0 = DispatchTime.now().uptimeNanoseconds
        _ = AlertCenter.evaluateRules(rules, source: store, at: now)
        let t1 = DispatchTime.now().uptimeNanoseconds
        let evaluator = Evaluator(source: store)
        func scalar(_ q: String) -> Double? {
            guard let e = try? QueryParser.parse(q), let v = try? MetricHistory.values(evaluator.evaluate(e, at: now))
            else { return nil }
            return v.isEmpty ? nil : v.values.reduce(0, +)
        }
        figures = []
        for o in config.objectives {
            var ledger = ledgers[o.id]!
            if let rates = o.eventRates("1m") {
                ledger.feed(good: scalar(rates.good) ?? 0, total: scalar(rates.total) ?? 0, gauge: false, at: now)
            } else if case .gauge(let g) = o.indicator, let v = scalar("avg(\(g))") {
                ledger.feed(good: v, total: 1, gauge: true, at: now)
            }
            ledger.trim(before: o.window.bounds(now: now).start)
            ledgers[o.id] = ledger
            figures.append(SLOFigures.compute(o, ledger: ledger, now: now))
        }
        let t2 = DispatchTime.now().uptimeNanoseconds
        refreshTimes.append(Double(t2 - t0) / 1e6)
        ruleTimes.append(Double(t1 - t0) / 1e6)
    }
    func percentile(_ xs: [Double], _ p: Double) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? 0 : s[min(s.count - 1, Int(Double(s.count - 1) * p))]
    }
    finish([
        ("objectives", "\(config.objectives.count)"), ("rules", "\(rules.count)"), ("series", "\(store.seriesCount)"),
        ("refreshes", "\(refreshes)"), ("states", "\"\(figures.map(\.state.rawValue).joined(separator: ","))\""),
        ("refresh_ms_median", String(format: "%.2f", percentile(refreshTimes, 0.5))),
        ("refresh_ms_p90", String(format: "%.2f", percentile(refreshTimes, 0.9))),
        ("rules_ms_median", String(format: "%.2f", percentile(ruleTimes, 0.5))),
    ])
}
