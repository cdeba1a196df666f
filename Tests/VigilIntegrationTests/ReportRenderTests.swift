import Foundation
import Testing
import VigilCore
import VigilHistory

/// The HTML report is one self-contained file that a real browser renders:
/// Debian's Chromium, headless, prints it to a PNG (issue 12).
@Suite(.serialized) struct ReportRenderTests {
    static let day: Int64 = 1_764_028_800_000  // 2025-11-25 00:00 UTC

    /// A day of three metrics, a point a minute: a two-hour morning incident.
    static func store(in dir: URL) throws {
        let store = try HistoryStore(path: dir.appendingPathComponent("history.sqlite").path)
        var points: [HistoryPoint] = []
        for m in 0..<1440 {
            let t = day + Int64(m) * 60_000
            let incident = m >= 540 && m < 660
            let wave = sin(Double(m) / 90)
            points.append(
                HistoryPoint(metric: "error_rate", labels: Labels(), t: t, v: incident ? 7 : 0.3 + 0.1 * wave))
            points.append(
                HistoryPoint(metric: "response_time", labels: Labels(), t: t, v: incident ? 6200 : 700 + 60 * wave))
            points.append(HistoryPoint(metric: "throughput", labels: Labels(), t: t, v: 2400 + 400 * wave))
        }
        try store.write(points)
    }

    static let config = """
        metrics:
          error_rate: {name: Error Rate, unit: "%", query: up, aggregation: avg, threshold: {warning: 1, critical: 5}}
          response_time: {name: Response Time, unit: ms, query: up, aggregation: p95, threshold: {warning: 2000, critical: 5000}}
          throughput: {name: Throughput, unit: req/s, query: up, aggregation: sum, threshold: {warning: 1000, critical: 500}}
        """

    @Test func theHTMLReportIsSelfContainedAndChromiumRendersIt() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.store(in: dir)
        let config = dir.appendingPathComponent("vigil.yaml")
        try Self.config.write(to: config, atomically: true, encoding: .utf8)
        let html = dir.appendingPathComponent("daily.html")
        let run = try Support.run(
            Support.vigil,
            [
                "report", "daily", "--date", "2025-11-25", "--format", "html", "-o", html.path, "--config", config.path,
                "--state-dir", dir.path,
            ])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOf: html, encoding: .utf8)
        // One file: no scripts, no links to anything outside it.
        #expect(!text.contains("<script") && !text.contains("src=") && !text.contains("href="))
        #expect(text.contains("<title>Daily report 2025-11-25</title>"))
        // A chart a measured figure, with the thresholds drawn.
        #expect(text.components(separatedBy: "<svg ").count - 1 == 3)
        #expect(text.contains("stroke=\"#c62828\" stroke-dasharray"))
        #expect(text.contains("<td>Response time</td><td>6200 ms</td><td class=\"crit\">CRIT</td>"))
        // Chromium, headless, prints it.
        let png = dir.appendingPathComponent("daily.png")
        let shot = try Support.run(
            "/usr/bin/chromium",
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1100,1500",
                "--screenshot=\(png.path)", "file://\(html.path)",
            ])
        #expect(shot.status == 0, "\(shot.stderr)")
        let bytes = try Data(contentsOf: png)
        #expect(bytes.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        #expect(bytes.count > 20_000, "a blank page is smaller")
        if let keep = ProcessInfo.processInfo.environment["VIGIL_REPORT_PNG"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: png, to: URL(fileURLWithPath: keep))
        }
    }
}
