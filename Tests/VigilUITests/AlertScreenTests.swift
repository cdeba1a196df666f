import Testing
import VigilCore

@testable import VigilUI

/// The alert side of the screen: keys, prompts, the Alerts and Incidents
/// screens, the status bar's summary and the panel markers.
@Suite struct AlertScreenTests {
    static let config = try! ConfigLoader.parse(
        ViewTests.yaml + """

            alerts:
              severities:
                critical: {name: Critical, color: red, escalation: true, timeout: 30m}
                high: {name: High, color: orange, escalation: true, timeout: 60m}
                medium: {name: Medium, color: yellow, escalation: false, timeout: 2h}
              rules:
                - {name: High Error Rate, condition: err > 5, for: 5m, severity: high, description: Errors, action: notify_team}
                - {name: Slow, condition: lat > 5000, for: 1m, severity: medium}
              escalation:
                - {level: 1, after: 0m, contacts: [on_call_engineer]}
                - {level: 2, after: 30m, contacts: [tech_lead]}
            """, file: "t.yaml")
    static let api = Labels(["service": "api"])
    static let errKey = AlertKey(rule: "High Error Rate", labels: api)
    static let slowKey = AlertKey(rule: "Slow", labels: api)
    let minute: Int64 = 60_000

    /// High Error Rate firing for 10 minutes, Slow pending.
    func engine() -> AlertEngine {
        var e = AlertEngine(config: Self.config.alerts)
        _ = e.evaluate(["High Error Rate": [Self.api: 7.5], "Slow": [:]], at: ViewTests.now - 15 * minute)
        _ = e.evaluate(["High Error Rate": [Self.api: 7.5], "Slow": [:]], at: ViewTests.now - 10 * minute)
        _ = e.evaluate(["High Error Rate": [Self.api: 7.5], "Slow": [Self.api: 6100]], at: ViewTests.now)
        return e
    }

    func model(_ e: AlertEngine) -> AlertsModel { AlertsModel(engine: e, config: Self.config, now: ViewTests.now) }

    func state(_ m: AlertsModel, _ e: AlertEngine) -> AppState {
        var st = AppState(config: Self.config, themes: [.fallback])
        st.updateLists(
            alerts: m.rows.map(\.key), titles: Dictionary(uniqueKeysWithValues: m.rows.map { ($0.key, $0.title) }),
            urgent: e.needingAttention(at: ViewTests.now).map(\.key), incidents: [])
        return st
    }

    func render(_ st: AppState, _ m: AlertsModel, width: Int = 120, height: Int = 30) -> [String] {
        DashboardView(config: Self.config, ascii: false).render(
            st, ViewTests.snapshot(), alerts: m, width: width, height: height
        ).lines
    }

    /// The model sorts its rows out once (firing, pending, the metrics
    /// marked) and again when Alertmanager's alerts join them.
    @Test func firingAndPendingFollowTheRows() {
        var m = model(engine())
        #expect(m.firing.map(\.key) == [Self.errKey])
        #expect(m.pending.map(\.key) == [Self.slowKey])
        #expect(m.firingMetrics == ["err"])
        m.addAlertmanager(
            [AMAlert(fingerprint: "f", labels: ["alertname": "DiskFull", "severity": "critical"])], silences: [],
            config: Self.config)
        #expect(m.firing.map(\.key.rule) == ["alertmanager/DiskFull", "High Error Rate"])
        #expect(m.worst?.key.rule == "alertmanager/DiskFull")
        #expect(m.pending.map(\.key) == [Self.slowKey])
    }

    /// Each severity in its configured colour (high: orange, medium:
    /// yellow) on the Alerts screen and in the status bar; the mono theme
    /// keeps the words and the rank's emphasis without colour.
    @Test func severitiesWearTheirConfiguredColours() throws {
        let e = engine()
        var st = state(model(e), e)
        _ = st.handle(.char("A"))
        let view = DashboardView(config: Self.config, ascii: false)
        let canvas = view.render(st, ViewTests.snapshot(), alerts: model(e), width: 120, height: 30)
        func wordStyle(_ word: String, in c: Canvas) throws -> Style {
            let y = try #require(c.lines.firstIndex { $0.contains(" \(word)  ") })
            let x = try #require(
                c.lines[y].range(of: " \(word)  ").map {
                    c.lines[y].distance(from: c.lines[y].startIndex, to: $0.lowerBound) + 1
                })
            return c[x, y].style
        }
        #expect(try wordStyle("high", in: canvas).fg == TermColor(208))
        #expect(try wordStyle("medium", in: canvas).fg == TermColor(3))
        let status = canvas.lines.last!
        let x = try #require(
            status.range(of: "1 FIRING").map { status.distance(from: status.startIndex, to: $0.lowerBound) })
        #expect(canvas[x, canvas.height - 1].style.fg == TermColor(208))

        let mono = Theme(spec: ThemeSpec(name: "mono", description: "", colors: ["crit": -1, "warn": -1], series: []))
        st.themes = [mono]
        let plain = view.render(st, ViewTests.snapshot(), alerts: model(e), width: 120, height: 30)
        #expect(try wordStyle("high", in: plain).fg == TermColor(-1))
        #expect(try wordStyle("high", in: plain).attributes.contains(.bold))
    }

    @Test func acknowledgeFromTheDashboardInTwoKeys() {
        let e = engine()
        var st = state(model(e), e)
        #expect(st.handle(.char("a")).isEmpty)
        #expect(st.prompt?.question.contains("High Error Rate {service=api}") == true)
        // The note is optional: a, Enter acknowledges.
        #expect(st.handle(.enter) == [.acknowledge(Self.errKey, note: "")])
        #expect(st.prompt == nil)
        // With a note; control characters never get into it.
        _ = st.handle(.char("a"))
        for ch in "on it\u{1B}[2J" { _ = st.handle(.char(ch)) }
        _ = st.handle(.backspace)
        #expect(st.handle(.enter) == [.acknowledge(Self.errKey, note: "on it[2")])
        // Esc cancels.
        _ = st.handle(.char("a"))
        #expect(st.handle(.escape).isEmpty && st.prompt == nil)
    }

    @Test func alertsScreenKeysActOnTheSelectedAlert() {
        let e = engine()
        var st = state(model(e), e)
        _ = st.handle(.char("A"))
        #expect(st.screen == .alerts)
        // Firing first, then pending.
        #expect(st.alerts.keys == [Self.errKey, Self.slowKey])
        #expect(st.handle(.char("u")) == [.unacknowledge(Self.errKey)])
        _ = st.handle(.char("s"))
        #expect(st.prompt?.question.hasPrefix("Silence High Error Rate") == true)
        #expect(st.handle(.enter) == [.silence(Self.errKey, PromDuration(milliseconds: 3_600_000), note: "")])
        _ = st.handle(.char("s"))
        for ch in "30m" { _ = st.handle(.char(ch)) }
        #expect(st.handle(.enter) == [.silence(Self.errKey, PromDuration(milliseconds: 1_800_000), note: "")])
        // A length, then why.
        _ = st.handle(.char("s"))
        for ch in "4h  rolling deploy of api " { _ = st.handle(.char(ch)) }
        #expect(
            st.handle(.enter) == [
                .silence(Self.errKey, PromDuration(milliseconds: 14_400_000), note: "rolling deploy of api")
            ])
        _ = st.handle(.char("s"))
        for ch in "soon" { _ = st.handle(.char(ch)) }
        #expect(st.handle(.enter).isEmpty)
        #expect(st.message == "not a duration: soon (try 30m, 1h, 4h, then a reason)")
        _ = st.handle(.down)
        #expect(st.handle(.char("i")) == [.openIncident(Self.slowKey)])
        // Esc goes back; s sorts a zoomed table again on a dashboard.
        _ = st.handle(.escape)
        #expect(st.screen == .dashboards)
        _ = st.handle(.enter)
        #expect(st.handle(.char("s")).isEmpty && st.zoom.tableSort == 0)
    }

    @Test func incidentKeysTakeNotesAndMoveTheStatus() {
        var st = AppState(config: Self.config, themes: [.fallback])
        st.updateLists(
            alerts: [], titles: [:], urgent: [], incidents: [("INC-1", .investigating), ("INC-0", .resolved)])
        _ = st.handle(.char("I"))
        #expect(st.screen == .incidents)
        _ = st.handle(.char(">"))
        #expect(st.prompt?.question.hasPrefix("Mark INC-1 identified") == true)
        for ch in "bad deploy" { _ = st.handle(.char(ch)) }
        #expect(st.handle(.enter) == [.updateIncident("INC-1", status: .identified, note: "bad deploy")])
        _ = st.handle(.char("n"))
        #expect(st.handle(.enter).isEmpty)  // an empty note is no update
        _ = st.handle(.escape)
        _ = st.handle(.down)
        _ = st.handle(.char(">"))
        // A resolved incident is reopened, with why.
        #expect(st.prompt?.question == "Reopen INC-0 (investigating) — why (Enter, Esc cancels):")
        for ch in "back again" { _ = st.handle(.char(ch)) }
        #expect(st.handle(.enter) == [.updateIncident("INC-0", status: .investigating, note: "back again")])
    }

    @Test func statusBarAlwaysShowsFiringCountAndWorstSeverity() {
        let e = engine()
        let m = model(e)
        let clock = TimeText.clock(ViewTests.now)
        // Wide: how many want a human, the worst severity and its alert.
        #expect(
            render(state(m, e), m, width: 120).last!
                == " \(clock) │ 1 FIRING, 1 unacked, worst high: High Error Rate (api) │ Main │ targets 1/1 up │ window 5m │ every 2s       "
        )
        // Narrow: the least needed parts go first, then the alert's name;
        // the counts stay whole.
        let lines = render(state(m, e), m, width: 60)
        #expect(lines.last! == " \(clock) │ 1 FIRING, 1 unacked │ Main │ targets 1/1 up     ")
        var none = AlertsModel()
        none.nowMs = ViewTests.now
        #expect(render(state(none, e), none).last!.contains("0 firing"))
    }

    @Test func firingAlertsMarkTheirPanels() {
        let e = engine()
        let m = model(e)
        let lines = render(state(m, e), m)
        // Error Rate's panel (top left) carries the marker; Latency's
        // alert is only pending, so no marker there.
        #expect(lines.contains { $0.contains("▲ ALERT: High Error Rate") })
        #expect(!lines.contains { $0.contains("ALERT: Slow") })
    }

    @Test func alertsScreenShowsStateSeverityAgeValueAndEscalation() {
        var e = engine()
        var m = model(e)
        var st = state(m, e)
        _ = st.handle(.char("A"))
        var lines = render(st, m)
        let firing = lines.first { $0.contains("High Error Rate {service=api}") }!
        #expect(firing.contains("FIRING") && firing.contains("high") && firing.contains("10m00s"))
        #expect(firing.contains("7.50%"))
        #expect(firing.contains("L1 on_call_engineer → L2 tech_lead in 20m00s"))
        let pending = lines.first { $0.contains("Slow {service=api}") }!
        #expect(pending.contains("pending") && pending.contains("medium") && pending.contains("6.10 s"))
        #expect(lines.contains { $0.contains("action: notify_team") })
        // Acknowledged: who, when, the note; no more escalation.
        _ = e.acknowledge(Self.errKey, by: "ops@bastion", note: "rolling back", at: ViewTests.now)
        m = model(e)
        lines = render(st, m)
        let acked = lines.first { $0.contains("High Error Rate {service=api}") }!
        #expect(acked.contains("ACKED") && acked.contains("ops@bastion") && acked.contains("rolling back"))
        #expect(lines.last!.contains(" │ 1 FIRING, 0 unacked, worst high: High Error Rate (api) │ Alerts │ "))
        // A journal that cannot be written says so on every screen.
        m.readOnly = "cannot create the state directory /x"
        lines = render(st, m)
        #expect(lines.contains { $0.contains("READ-ONLY: cannot create the state directory /x") })
        // Damaged journal lines are reported where acknowledgements are read.
        m.warnings = ["/s/journal.jsonl:3: skipped a damaged journal record", "/s/journal.jsonl:9: skipped"]
        lines = render(st, m)
        #expect(lines.contains { $0.contains("/s/journal.jsonl:3: skipped a damaged journal record (and 1 more)") })
        st.screen = .dashboards
        #expect(render(st, m).contains { $0.contains("READ-ONLY: cannot create the state directory /x") })
    }

    @Test func newCriticalAlertsAreHighlightedUntilSeen() {
        let e = engine()
        let m = model(e)
        var st = state(m, e)
        st.unseen = [Self.errKey]
        #expect(render(st, m).last!.contains("🔔 1 FIRING"))
        _ = st.handle(.char("A"))
        #expect(st.unseen.isEmpty)
        #expect(!render(st, m).last!.contains("🔔"))
    }

    @Test func helpListsTheAlertKeys() {
        let e = engine()
        let m = model(e)
        var st = state(m, e)
        _ = st.handle(.char("?"))
        let lines = render(st, m, width: 100, height: 40)
        #expect(lines.contains { $0.contains("A ") && $0.contains("Alerts screen") })
        #expect(lines.contains { $0.contains("I ") && $0.contains("Incidents screen") })
        #expect(lines.contains { $0.contains("acknowledge the selected (or most urgent) alert") })
    }
}
