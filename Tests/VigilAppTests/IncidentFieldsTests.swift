import Testing
import VigilApp
import VigilCore
import VigilUI

/// The plan's incident fields on the incident page, a second alert
/// joining, and a resolved incident reopened (issue 20), all journaled
/// and in the post-mortem; a refused edit writes nothing.
@Suite struct IncidentFieldsTests {
    static let config = try! ConfigLoader.parse(
        AppTests.yaml.replacingOccurrences(
            of:
                "    - {name: High Error Rate, condition: error_rate > 5, for: 1m, severity: critical, description: Errors}",
            with: """
                    - {name: High Error Rate, condition: error_rate > 5, for: 1m, severity: critical, description: Errors}
                    - {name: Errors Above Budget, condition: error_rate > 2, for: 1m, severity: critical}
                """), file: "t.yaml")

    @Test func fieldsJoinAndReopenAreJournaledAndReachThePostmortem() throws {
        var h = Harness(Self.config)
        h.answer = AppTests.errors(9)
        h.run(forMs: 100_000)
        h.press(.char("A"))
        // The list is worst first; select High Error Rate, open an incident.
        let rows = h.app.alertsModel.rows.map(\.key.rule)
        #expect(Set(rows) == ["High Error Rate", "Errors Above Budget"])
        for _ in 0..<(rows.firstIndex(of: "High Error Rate") ?? 0) { h.press(.down) }
        h.press(.char("i"))
        let id = try #require(h.app.alertsModel.incidents.first?.id)
        // The engine is asked for the metric from ten minutes before the
        // alert went pending, for the post-mortem.
        let key = try #require(h.app.alerts.incidents[id]?.alert)
        let pendingSince = try #require(h.app.alerts.engine.alerts[key]?.activeSinceMs)
        #expect(
            h.worked.contains {
                if case .alertHistory(_, key, pendingSince - 600_000, h.now) = $0 { true } else { false }
            })

        func edit(_ text: String) {
            h.press(.char("e"))
            h.type(text)
            h.press(.enter)
        }
        let before = h.journal.count
        edit("severity: mega")
        #expect(h.app.state.message == "not set: no severity 'mega' (configured: critical)")
        edit("colour: red")
        #expect(h.app.state.message?.hasPrefix("not set: no field 'colour' (one of: assignee, severity,") == true)
        #expect(h.journal.count == before)
        edit("assignee: bob")
        edit("services: api, checkout")
        edit("root cause: pool sized for 10% of traffic")
        edit("Preventive: load test at 100% before launch")
        #expect(h.app.state.message == "\(id): preventive written")
        let incident = try #require(h.app.alertsModel.incidents.first { $0.id == id })
        #expect(incident.assignee == "bob")
        #expect(incident.services == ["api", "checkout"])
        #expect(incident.sections[.rootCause] == ["pool sized for 10% of traffic"])

        // The other alert joins it from the Alerts screen (the open incident is offered).
        h.press(.escape, .escape, .char("A"))
        for _ in 0..<3 { h.press(.up) }
        for _ in 0..<(rows.firstIndex(of: "Errors Above Budget") ?? 0) { h.press(.down) }
        h.press(.char("J"))
        #expect(h.app.state.prompt?.text == id)
        h.press(.enter)
        #expect(h.app.state.message == "Errors Above Budget joined \(id)")

        // Resolved, then reopened with a reason.
        h.press(.char("I"))
        for _ in 0..<3 {
            h.press(.char(">"))
            h.press(.enter)
        }
        #expect(h.app.alertsModel.incidents.first { $0.id == id }?.status == .resolved)
        h.press(.char(">"))
        #expect(h.app.state.prompt?.question == "Reopen \(id) (investigating) — why (Enter, Esc cancels):")
        h.type("errors back after the rollback")
        h.press(.enter)
        #expect(h.app.alertsModel.incidents.first { $0.id == id }?.status == .investigating)

        // A second Vigil replaying the journal has all of it, and the post-mortem says it.
        let replay = AlertCenter(config: Self.config, identity: "carol@bastion", journal: h.journal)
        let history = try #require(replay.history(of: id, now: h.now))
        #expect(history.incident.alerts.map(\.rule) == ["High Error Rate", "Errors Above Budget"])
        let md = Postmortem.markdown(history, config: Self.config.alerts, metrics: Self.config.metrics)
        #expect(md.contains("| Assignee | bob |\n"))
        #expect(md.contains("| Affected services | api, checkout |\n"))
        #expect(md.contains("| Joined alert | Errors Above Budget |\n"))
        #expect(md.contains("## Root cause\n\n- pool sized for 10% of traffic\n"))
        #expect(md.contains("## Preventive actions\n\n- load test at 100% before launch\n"))
        #expect(md.contains("status investigating: \"errors back after the rollback\" (alice@bastion)"))
        #expect(md.contains("alert Errors Above Budget joined (alice@bastion)"))
    }

    /// What happened while one looked away: alerts resolved in the last
    /// hours stay listed under the active ones, with when and how long.
    @Test func resolvedAlertsOfTheLastHoursAreListed() throws {
        var h = Harness(AppTests.config)
        h.answer = AppTests.errors(9)
        h.run(forMs: 100_000)
        h.answer = AppTests.errors(1)
        h.run(forMs: 30_000)
        let key = AppTests.key
        #expect(h.app.alerts.engine.alerts[key]?.state != .firing)
        let resolved = try #require(h.app.alertsModel.resolved.first)
        let fired = try #require(resolved.firedAtMs)
        h.press(.char("A"))
        let lines = h.screen(width: 100, height: 14)
        #expect(lines[1].hasPrefix("┏ Alerts: 0 firing, 0 pending, 1 resolved in 6h ━"))
        #expect(lines[6] == "┃ Resolved in the last 6h" + String(repeating: " ", count: 74) + "┃")
        let lasted = "fired \(TimeText.clock(fired)), for \(TimeText.age(resolved.resolvedAtMs - fired))"
        let row =
            "┃ resolved \(TimeText.clock(resolved.resolvedAtMs))  "
            + lasted.padding(toLength: 30, withPad: " ", startingAt: 0) + "High Error Rate"
        #expect(lines[7] == row.padding(toLength: 99, withPad: " ", startingAt: 0) + "┃")
    }
}
