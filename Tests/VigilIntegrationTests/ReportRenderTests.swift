import Foundation
import Testing
import VigilCore
import VigilHistory

#if canImport(Glibc)
    import Glibc
#endif

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

    /// `--send`: by email, a multipart message whose text part is the
    /// Markdown report and whose HTML part is the HTML report, byte for
    /// byte (received by a local SMTP server); to Slack (a loopback
    /// fixture shaped after an incoming webhook), the summary. A PagerDuty
    /// channel is refused: it takes alerts, not reports.
    @Test func aReportIsSentByEmailAndToSlack() throws {
        let dir = Support.temporaryDirectory()
        let smtp = try EmailEndToEndTests.Server(tls: false)
        let hookPort = Support.freePort()
        let hooks = try Support.start(
            "/usr/bin/python3",
            [
                TmuxSession.root + "/Tests/VigilIntegrationTests/Fixtures/receivers.py", "--port", "\(hookPort)",
                "--log", dir.appendingPathComponent("hooks.jsonl").path,
            ], log: dir.appendingPathComponent("hooks.log"))
        defer {
            kill(hooks.processIdentifier, SIGKILL)
            smtp.stop()
            try? FileManager.default.removeItem(at: dir)
        }
        try Self.store(in: dir)
        let config = dir.appendingPathComponent("vigil.yaml")
        try
            (Self.config
                + """

                channels:
                  - {name: email, kind: email, url: "smtp://127.0.0.1:\(smtp.port)", from: vigil@example.test, to: [team@example.test]}
                  - {name: slack, kind: slack, url: "http://127.0.0.1:\(hookPort)/hooks/T0K3N"}
                  - {name: pd, kind: pagerduty, url: "http://127.0.0.1:\(hookPort)/v2/enqueue", routing_key: K}
                """).write(to: config, atomically: true, encoding: .utf8)
        func report(_ extra: [String]) throws -> Support.Output {
            try Support.run(
                Support.vigil,
                ["report", "daily", "--date", "2025-11-25", "--config", config.path, "--state-dir", dir.path] + extra)
        }
        let markdown = try report([]).stdout
        let html = try report(["--format", "html"]).stdout
        let sent = try report(["--send", "email"])
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout == "Daily report 2025-11-25 sent to email: SMTP 250\n")
        let data = try #require(smtp.messages().first?["data"] as? String)
        #expect(data.contains("Subject: [Vigil] Daily report 2025-11-25\r\n"))
        #expect(!data.split(separator: "\r\n").contains { $0.count > 998 })
        // Each part's base64, decoded.
        var parts: [String: String] = [:]
        for chunk in data.components(separatedBy: "\r\n--vigil-").dropFirst() {
            guard let type = chunk.split(separator: "\r\n").first(where: { $0.hasPrefix("Content-Type: ") }),
                let blank = chunk.range(of: "\r\n\r\n")
            else { continue }
            let b64 = chunk[blank.upperBound...].replacingOccurrences(of: "\r\n", with: "")
            parts[String(type.dropFirst(14))] = Data(base64Encoded: b64).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(parts.keys.sorted() == ["text/html; charset=utf-8", "text/plain; charset=utf-8"])
        #expect(parts["text/plain; charset=utf-8"] == markdown)
        #expect(parts["text/html; charset=utf-8"] == html)
        let slack = try report(["--send", "slack"])
        #expect(slack.stdout == "Daily report 2025-11-25 sent to slack: HTTP 200 ok\n", "\(slack.stderr)")
        let log = try String(contentsOf: dir.appendingPathComponent("hooks.jsonl"), encoding: .utf8)
        let body = try #require(
            log.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }.first { ($0["path"] as? String) == "/hooks/T0K3N" }?["body"] as? [String: Any])
        let text = try #require(body["text"] as? String)
        #expect(text.hasPrefix("*Daily report 2025-11-25*\n• "))
        #expect(text.contains("\n• Response time: 6200 ms (critical)\n"), "\(text)")
        #expect(text.contains("\n• Incidents: 0 (critical 0), resolved 0"), "\(text)")
        let refused = try report(["--send", "pd"])
        #expect(refused.status == 2)
        #expect(refused.stderr == "vigil report: channel 'pd' is a pagerduty channel: reports go to email or slack\n")
    }
}
