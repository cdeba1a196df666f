import Foundation
import VigilCore
import VigilUI

/// `vigil-bench frame ITERS [WxH]`: builds one frame of 12 panels (stat,
/// single- and multi-series graphs, tables; 120 points each) and diffs it
/// against the previous frame, ITERS times, changing the newest value each
/// time as a live dashboard does. Prints one JSON line with the time per
/// frame. For instruction counts, run it under callgrind with ITERS 1 and
/// 11 and subtract.
func runFrameBenchmark(_ args: [String]) -> Never {
    let iterations = args.first.flatMap { Int($0) } ?? 100
    let size = (args.count > 1 ? args[1] : "200x60").split(separator: "x").compactMap { Int($0) }
    let (w, h) = size.count == 2 ? (size[0], size[1]) : (200, 60)
    var yaml = "metrics:\n"
    let kinds = ["stat", "graph", "graph", "table"]
    for i in 0..<12 {
        yaml += "  m\(i): {name: Metric \(i), unit: ms, query: up, threshold: {warning: 2000, critical: 5000}}\n"
    }
    yaml += "dashboards:\n  - name: Bench\n    panels:\n"
    for i in 0..<12 {
        let groupBy = i % 4 == 2 ? ", group_by: service" : ""
        yaml += "      - {title: Panel \(i), type: \(kinds[i % 4]), metrics: [m\(i)]\(groupBy)}\n"
    }
    let config: VigilConfig
    do { config = try ConfigLoader.parse(yaml, file: "bench") } catch { fail("\(error)") }
    func snapshot(_ k: Int) -> Snapshot {
        var results: [String: MetricResult] = [:]
        for i in 0..<12 {
            let count = i % 4 == 2 ? 4 : i % 4 == 3 ? 8 : 1
            let series = (0..<count).map { s -> SeriesHistory in
                let values = (0..<120).map { j -> Double? in 1500 + 1200 * sin(Double(j + k + s * 7) / 9) }
                return SeriesHistory(
                    labels: Labels(["service": "svc-\(s)", "severity": s % 2 == 0 ? "high" : "low"]), values: values,
                    current: values.last!)
            }
            results["m\(i)"] = MetricResult(times: Array(0..<120), series: series, error: nil)
        }
        return Snapshot(
            timeMs: 1_700_000_000_000 + Int64(k) * 1000, results: results,
            targets: [
                TargetStatus(
                    name: "api", up: true, lastError: nil, lastSuccessMs: 1_700_000_000_000 + Int64(k) * 1000,
                    intervalMs: 5000)
            ],
            refreshMs: 1000)
    }
    let view = DashboardView(config: config, ascii: false)
    let state = AppState(config: config, themes: [.fallback])
    let snapshots = (0..<16).map(snapshot)
    var previous = view.render(state, snapshots[0], width: w, height: h)
    var changed = 0
    let start = DispatchTime.now().uptimeNanoseconds
    for k in 0..<iterations {
        let frame = view.render(state, snapshots[k % 16], width: w, height: h)
        // The diff the terminal backend does before calling curses.
        for i in frame.cells.indices where frame.cells[i] != previous.cells[i] { changed += 1 }
        previous = frame
    }
    let secs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(
        "{\"frames\": \(iterations), \"size\": \"\(w)x\(h)\", \"ms_per_frame\": \(String(format: "%.3f", iterations > 0 ? secs * 1000 / Double(iterations) : 0)), \"changed_cells_per_frame\": \(iterations > 0 ? changed / iterations : 0)}"
    )
    exit(0)
}
