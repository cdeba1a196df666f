import Foundation
import VigilCore

/// `vigil-bench rules REFRESHES [RULES] [SERIES] [--shared]`: the issue's
/// figure, rule evaluation for 200 rules over 10,000 series per refresh.
///
/// The store holds SERIES series with six minutes of samples at 5 s, half
/// counters and half gauges, each labelled with one of 100 services (or
/// fewer). By default each rule has its own metric family (SERIES/RULES
/// series): even rules `sum by (service) (rate(requests_N_total[1m])) > T`,
/// odd rules `max by (service) (queue_depth_N) > T`. With `--shared` every
/// rule reads the same two families, half of all series each (the worst
/// case: 200 × 5,000 series read per refresh). Thresholds make about a
/// tenth of the services hold. Each
/// refresh moves the clock 2 s and runs `AlertCenter.evaluate` (rules,
/// state machine, journal appends for transitions, metric samples of
/// active alerts) on a journal in a temporary directory. Prints one JSON
/// line: the median and 90th percentile time per refresh, and the median
/// of the rule queries alone.
func runRuleBenchmark(_ args: [String]) -> Never {
    let refreshes = args.first.flatMap { Int($0) } ?? 20
    let ruleCount = args.count > 1 ? Int(args[1]) ?? 200 : 200
    let seriesCount = args.count > 2 ? Int(args[2]) ?? 10_000 : 10_000
    let shared = args.contains("--shared")
    let families = shared ? 1 : max(1, ruleCount / 2)
    var yaml = "metrics:\n"
    for f in 0..<families {
        yaml += "  req\(f): {query: 'sum by (service) (rate(requests_\(f)_total[1m]))'}\n"
        yaml += "  queue\(f): {query: 'max by (service) (queue_depth_\(f))'}\n"
    }
    yaml += """
        alerts:
          severities:
            critical: {color: red, escalation: true, timeout: 30m}
            high: {color: orange, escalation: true, timeout: 60m}
          escalation:
            - {level: 1, after: 0m, contacts: [on_call_engineer]}
            - {level: 2, after: 30m, contacts: [tech_lead]}
          rules:

        """
    // Services per family: 100, or fewer when a family is small, so each
    // (family, service) group has at least one series.
    let services = max(1, min(100, seriesCount / 2 / families))
    for i in 0..<ruleCount {
        // Service s has a rate of about s/100 per series and a queue of s;
        // thresholds near the top keep roughly 10 of 100 services firing.
        let perService = Double(seriesCount / 2 / families / services)
        let threshold = i % 2 == 0 ? perService * (0.88 + Double(i % 7) * 0.002) : 89.0 + Double(i % 5)
        let metric = (i % 2 == 0 ? "req" : "queue") + "\((i / 2) % families)"
        yaml +=
            "    - {name: Rule \(i), condition: \(metric) > \(threshold), for: 1m, "
            + "severity: \(i % 3 == 0 ? "critical" : "high")}\n"
    }
    let config: VigilConfig
    do { config = try ConfigLoader.parse(yaml, file: "bench") } catch { fail("\(error)") }
    _ = services
    let step: Int64 = 5000
    let start: Int64 = 1_764_000_000_000
    let points = 72
    var store = SeriesStore(capacity: points + 200)
    let half = seriesCount / 2
    func fill(upTo end: Int64, from t0: Int64) {
        var t = t0
        while t <= end {
            let k = Double((t - start) / step)
            for i in 0..<half {
                let f = i % families
                let j = i / families
                let s = j % services
                let service = "svc-\(s)"
                // Rate per series s/services, so the group's sum scales with s.
                store.append(
                    Labels(["__name__": "requests_\(f)_total", "service": service, "instance": "i-\(j / services)"]),
                    Point(t: t, v: k * 5 * Double(s) / Double(services)))
                store.append(
                    Labels(["__name__": "queue_depth_\(f)", "service": service, "instance": "i-\(j / services)"]),
                    Point(t: t, v: Double(s) * 100 / Double(services)))
            }
            t += step
        }
    }
    fill(upTo: start + Int64(points - 1) * step, from: start)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rule-bench-\(getpid())").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // The journal is written as the dashboard writes it: the refresh's
    // records in one append and flush, timed with the refresh.
    let journal = try? Journal(directory: dir)
    var center = AlertCenter(config: config, identity: "bench@localhost")
    var now = start + Int64(points - 1) * step
    // Two refreshes to get past the first transitions' journal writes.
    center.evaluate(source: store, at: now)
    try? journal?.append(center.takeOutbox())
    var refreshTimes: [Double] = []
    var queryTimes: [Double] = []
    var firing = 0
    for _ in 0..<refreshes {
        now += 2000
        if now % step < 2000 { fill(upTo: now, from: now - now % step) }
        let t0 = DispatchTime.now().uptimeNanoseconds
        center.evaluate(source: store, at: now)
        try? journal?.append(center.takeOutbox())
        let t1 = DispatchTime.now().uptimeNanoseconds
        _ = AlertCenter.evaluateRules(config.alerts.rules, source: store, at: now)
        let t2 = DispatchTime.now().uptimeNanoseconds
        refreshTimes.append(Double(t1 - t0) / 1e6)
        queryTimes.append(Double(t2 - t1) / 1e6)
        firing = center.engine.active.filter { $0.state == .firing }.count
    }
    func percentile(_ xs: [Double], _ p: Double) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? 0 : s[min(s.count - 1, Int(Double(s.count - 1) * p))]
    }
    finish([
        ("rules", "\(ruleCount)"), ("series", "\(store.seriesCount)"), ("shared", "\(shared)"),
        ("refreshes", "\(refreshes)"),
        ("alerts", "\(center.engine.active.count)"), ("firing", "\(firing)"),
        ("refresh_ms_median", String(format: "%.1f", percentile(refreshTimes, 0.5))),
        ("refresh_ms_p90", String(format: "%.1f", percentile(refreshTimes, 0.9))),
        ("rule_queries_ms_median", String(format: "%.1f", percentile(queryTimes, 0.5))),
    ])
}
