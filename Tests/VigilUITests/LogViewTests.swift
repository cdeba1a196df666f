import Testing
import VigilCore

@testable import VigilUI

@Suite struct LogViewTests {
    static let config = try! ConfigLoader.parse(
        """
        logs:
          - {name: app, kind: text, url: "http://127.0.0.1:1/log"}
          - {name: events, kind: ndjson, url: "http://127.0.0.1:1/e"}
        dashboards:
          - name: Logs
            panels:
              - {title: App Log, type: log, source: app}
              - {title: Events, type: table, source: events, columns: [timestamp, severity, event_type], sort: -timestamp}
        """, file: "t.yaml")

    static func snapshot(lines: Int = 50, error: String? = nil) -> Snapshot {
        var app = LogRing(capacity: 10_000)
        for i in 0..<lines {
            let level: LogLevel? = i % 10 == 9 ? .error : i % 10 == 4 ? .warn : .info
            app.append(LogRecord(level: level, message: "line \(i) \(level?.rawValue.uppercased() ?? "")"))
        }
        var events = LogRing(capacity: 100)
        for (ts, sev, type) in [
            ("03:00:01", "low", "config_change"), ("03:00:03", "high", "login_failure"),
            ("03:00:02", "medium", "rate_limited"),
        ] {
            events.append(
                LogRecord(message: type, fields: ["timestamp": ts, "severity": sev, "event_type": type, "source": "x"]))
        }
        return Snapshot(
            timeMs: 0, results: [:], targets: [], refreshMs: 1000, logs: ["app": app, "events": events],
            logStatus: ["app": LogStatus(ok: error == nil, error: error), "events": LogStatus(ok: true, error: nil)])
    }

    func render(_ st: AppState, _ s: Snapshot, width: Int = 100, height: Int = 30) -> [String] {
        DashboardView(config: Self.config, ascii: false).render(st, s, width: width, height: height).lines
    }

    @Test func logPanelShowsTheNewestLinesAtTheBottomColouredByLevel() {
        let st = AppState(config: Self.config, themes: [.fallback])
        let c = DashboardView(config: Self.config, ascii: false).render(st, Self.snapshot(), width: 100, height: 30)
        let lines = c.lines
        // The panel's last row holds the newest line.
        let last = lines.lastIndex { $0.contains("line 49") }!
        #expect(lines[last - 1].contains("line 48"))
        #expect(!lines.contains { $0.contains("line 10 ") })  // old lines scrolled out of a small panel
        // An ERROR line is drawn in the critical colour.
        let errRow = lines.firstIndex { $0.contains("line 39 ERROR") }!
        let x = Array(lines[errRow]).firstIndex(of: "l")!
        #expect(c[x, errRow].style == Theme.fallback.state(.critical))
    }

    @Test func tableRowsComeFromJSONInTheirSortOrderColouredBySeverity() {
        let st = AppState(config: Self.config, themes: [.fallback])
        let lines = render(st, Self.snapshot())
        let header = lines.firstIndex {
            $0.contains("timestamp") && $0.contains("severity") && $0.contains("event_type")
        }!
        #expect(lines[header + 1].contains("03:00:03") && lines[header + 1].contains("login_failure"))
        #expect(lines[header + 2].contains("03:00:02"))
        #expect(lines[header + 3].contains("03:00:01"))
        #expect(!lines[header].contains("value"))
        #expect(lines.first { $0.contains("Events") }!.contains("CRIT"))  // a high-severity row
    }

    @Test func zoomedLogSearchesScrollsAndWraps() {
        var st = AppState(config: Self.config, themes: [.fallback])
        let snap = Self.snapshot(lines: 300)
        _ = st.handle(.enter)  // zoom the log panel
        #expect(st.zoomedOnLog)
        var lines = render(st, snap)
        #expect(lines.contains { $0.contains("300 lines") && $0.contains("following") })
        // Search for a line far up: the view jumps to the newest match.
        _ = st.handle(.char("/"))
        for ch in "re:^line 1[0-9] " { _ = st.handle(.char(ch)) }
        _ = st.handle(.enter)
        lines = render(st, snap)
        #expect(lines.contains { $0.contains("▶") && $0.contains("line 19 ERROR") })
        #expect(lines.contains { $0.contains("10 matches (1)") })
        // The footer tells where the view is, not "following", after the jump.
        let footer = lines.first { $0.contains("300 lines") } ?? ""
        #expect(!footer.contains("following") && footer.contains(" up (G follows)"), "\(footer)")
        _ = st.handle(.char("n"))  // the next older match
        lines = render(st, snap)
        #expect(lines.contains { $0.contains("10 matches (2)") })
        // Scrolling up stops following; G follows again.
        _ = st.handle(.char("G"))
        st.zoom.logTotal = 300
        _ = st.handle(.up)
        lines = render(st, snap)
        #expect(lines.contains { $0.contains("scrolled 1 up") })
        #expect(!lines.contains { $0.contains("line 299") })
        _ = st.handle(.char("G"))
        #expect(render(st, snap).contains { $0.contains("line 299") })
        // Wrap: a long line takes several rows instead of being cut.
        var long = Self.snapshot(lines: 3)
        var ring = long.logs["app"]!
        ring.append(LogRecord(message: String(repeating: "abcdefghij", count: 25) + "END"))
        long.logs["app"] = ring
        #expect(!render(st, long).contains { $0.contains("END") })
        _ = st.handle(.char("w"))
        #expect(render(st, long).contains { $0.contains("END") })
    }

    @Test func aFailingSourceIsAnErrorWithItsReason() {
        let st = AppState(config: Self.config, themes: [.fallback])
        let lines = render(st, Self.snapshot(lines: 0, error: "refused (127.0.0.1:1)"))
        #expect(lines.contains { $0.contains("ERROR") })
        #expect(lines.contains { $0.contains("app: refused (127.0.0.1:1)") })
    }
}
