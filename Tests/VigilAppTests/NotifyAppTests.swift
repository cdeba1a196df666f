import Foundation
import Testing
import VigilApp
import VigilCore
import VigilUI

/// Notifications straight to PagerDuty and Slack (issue 15), fed messages:
/// journalled before they are sent, delivered or retried by the answers,
/// an acknowledgement to PagerDuty only, the resolution to both, where each
/// went on the Alerts screen, and a restart sending what was pending.
@Suite struct NotifyAppTests {
    static let yaml = """
        refresh: 1s
        targets:
          - {name: api, url: "http://127.0.0.1:9/metrics", interval: 1s, timeout: 1s}
        metrics:
          error_rate: {name: Error Rate, unit: "%", query: 'max(errors_percent)', threshold: {warning: 1, critical: 5}}
        dashboards:
          - {name: Main, panels: [{title: Error Rate, type: stat, metrics: [error_rate]}]}
        alerts:
          severities:
            critical: {name: Critical, color: red, channels: [pagerduty, slack, email]}
          rules:
            - {name: High Error Rate, condition: error_rate > 5, for: 3s, severity: critical, description: Errors, action: page}
          target_down: off
        channels:
          - {name: pagerduty, kind: pagerduty, url: "http://127.0.0.1:9/v2/enqueue", routing_key: R0UT1NG}
          - {name: slack, kind: slack, url: "http://127.0.0.1:9/hooks/T0K3N"}
        """

    final class World: @unchecked Sendable {
        var errors = 9.0
        var pagerDutyStatus = 500
        var received: [(String, [String: Any])] = []
    }

    static func harness(_ w: World, journal: [JournalRecord] = []) throws -> Harness {
        var h = Harness(try ConfigLoader.parse(yaml, file: "t.yaml"), journal: journal)
        h.answer = { p in
            if p.source == .targets {
                return exposition("# TYPE errors_percent gauge\nerrors_percent \(w.errors)\n")
            }
            let body = (try? JSONSerialization.jsonObject(with: Data(p.poll.request.postBody ?? []))) as? [String: Any]
            w.received.append((p.poll.request.url, body ?? [:]))
            let status = p.poll.request.url.hasSuffix("/v2/enqueue") ? w.pagerDutyStatus : 200
            return FetchOutcome(.success(FetchResponse(status: status, body: Array("ok".utf8))))
        }
        return h
    }

    func results(_ h: Harness) -> [String] {
        h.journal.compactMap { r -> String? in
            switch r.entry {
            case .notifyQueued(let n): return "queued \(n.channel) \(n.event.rawValue)"
            case .notifyResult(let res): return "\(res.delivered ? "sent" : "failed") \(res.channel) \(res.detail)"
            default: return nil
            }
        }
    }

    @Test func anAlertPagesAndPostsAndIsRetriedAcknowledgedAndResolved() throws {
        let w = World()
        var h = try Self.harness(w)
        h.run(forMs: 8000)
        #expect(h.app.alerts.engine.alerts[AppTests.key]?.state == .firing)
        // Written before it was sent: the journal's record comes first.
        let trigger = try #require(h.journal.first { $0.type == "notify_queued" })
        guard case .notifyQueued(let n) = trigger.entry else { return }
        let journalled = try #require(h.order.firstIndex(of: "journal notify_queued"))
        let sent = try #require(h.order.firstIndex(of: "send " + n.id))
        #expect(journalled < sent)
        // Slack took it; PagerDuty answered 500 and is retried.
        #expect(results(h).prefix(3) == ["queued pagerduty trigger", "queued slack trigger", "sent slack HTTP 200"])
        #expect(!results(h).contains { $0.hasPrefix("sent pagerduty") })
        h.press(.char("A"))
        var screen = h.screen(width: 130, height: 14)
        #expect(
            screen.contains {
                $0.contains("notified: pagerduty ✗ HTTP 500: ok, retry in ") && $0.contains(", slack ✓ ")
            }, "\(screen)")
        #expect(
            screen[3] == "┃ not sent: channel email of the severities is not configured (channels:)"
                + String(repeating: " ", count: 56) + "┃")
        w.pagerDutyStatus = 202
        h.run(forMs: 8000)
        #expect(results(h).contains("sent pagerduty HTTP 202"))
        let pd = w.received.filter { $0.0.hasSuffix("/v2/enqueue") }
        #expect(pd.count >= 2)
        #expect(Set(pd.map { $0.1["dedup_key"] as? String ?? "" }).count == 1)
        // Acknowledged: PagerDuty hears it, Slack does not.
        h.press(.char("a"))
        h.press(.enter)
        h.run(forMs: 2000)
        #expect(results(h).filter { $0.hasSuffix("acknowledge") } == ["queued pagerduty acknowledge"])
        #expect(w.received.last?.1["event_action"] as? String == "acknowledge")
        // Resolved: both hear it.
        w.errors = 1
        h.run(forMs: 4000)
        #expect(results(h).filter { $0.hasSuffix("resolve") } == ["queued pagerduty resolve", "queued slack resolve"])
        #expect(w.received.contains { ($0.1["event_action"] as? String) == "resolve" })
        #expect(w.received.contains { ($0.1["text"] as? String)?.hasPrefix(":white_check_mark: *RESOLVED*") == true })
        // Every queued notification has its result; secrets are not in the journal.
        #expect(h.app.alerts.notifications.pending.isEmpty)
        let text = try h.journal.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }.joined()
        #expect(!text.contains("R0UT1NG") && !text.contains("T0K3N"))
        screen = h.screen(width: 130, height: 14)
        #expect(!screen.contains { $0.contains("retry in") })
    }

    /// A notification whose journal entry could not be written is never
    /// sent: not while it waits for the write, not after (the application
    /// is read-only then).
    @Test func nothingIsSentUnjournalled() throws {
        let w = World()
        var h = try Self.harness(w)
        // The disk fills just as the notifications are written.
        h.journalFails = { records in
            records.contains { $0.type == "notify_queued" } ? "No space left on device" : nil
        }
        h.run(forMs: 8000)
        #expect(h.app.alerts.engine.alerts[AppTests.key]?.state == .firing)
        #expect(h.order.contains("journal failed notify_queued"))
        #expect(!h.order.contains { $0.hasPrefix("send ") }, "\(h.order)")
        #expect(w.received.isEmpty)
        #expect(h.app.state.message == "NOT SAVED: No space left on device")
    }

    /// The journal is written on a thread of its own: a notification
    /// waits for its `notify_queued` entry to come back from the journal
    /// (so to be on disk), however many turns that takes, and goes out at
    /// the end of that turn.
    @Test func aNotificationWaitsForItsEntryToBeWritten() throws {
        let w = World()
        w.pagerDutyStatus = 202
        var h = try Self.harness(w)
        h.slowJournal = true
        h.run(forMs: 8000)
        #expect(h.app.alerts.engine.alerts[AppTests.key]?.state == .firing)
        #expect(h.unwritten.flatMap { $0 }.filter { $0.type == "notify_queued" }.count == 2)
        #expect(!h.order.contains { $0.hasPrefix("send ") }, "\(h.order)")
        #expect(w.received.isEmpty)
        h.writeJournal()
        h.slowJournal = false
        // The loop's turn ends with a tick: the notifications go out then.
        h.send(.tick)
        h.answerAll()
        #expect(
            h.order.prefix(4).map { $0.hasPrefix("send ") ? "send" : $0 } == [
                "journal notify_queued", "journal notify_queued", "send", "send",
            ], "\(h.order)")
        #expect(w.received.count == 2)
    }

    /// The plan's `notifyStakeholders`: opening an incident, each status
    /// it moves to and its resolution reach the chat channels of its
    /// severity, journalled like every notification; PagerDuty, which
    /// paged for the alert, hears nothing more.
    @Test func anIncidentIsToldToItsSeveritysChannels() throws {
        let w = World()
        w.pagerDutyStatus = 202
        var h = try Self.harness(w)
        h.run(forMs: 8000)
        let paged = w.received.filter { $0.0.hasSuffix("/v2/enqueue") }.count
        #expect(paged == 1)
        h.press(.char("A"), .char("i"))
        let id = try #require(h.app.alertsModel.incidents.first?.id)
        h.press(.char("I"), .char(">"))
        h.type("pool exhausted")
        h.press(.enter)
        h.press(.char(">"), .enter, .char(">"))
        h.type("pool resized")
        h.press(.enter)
        h.run(forMs: 2000)
        let slack = w.received.filter { $0.0.hasSuffix("/hooks/T0K3N") }.compactMap { $0.1["text"] as? String }
        #expect(
            Array(slack.dropFirst()) == [
                ":rotating_light: *INCIDENT INVESTIGATING* [critical] \(id) High Error Rate\nOpened by alice@bastion: Errors",
                ":rotating_light: *INCIDENT IDENTIFIED* [critical] \(id) High Error Rate\n"
                    + "Identified by alice@bastion: pool exhausted",
                ":rotating_light: *INCIDENT MONITORING* [critical] \(id) High Error Rate\nMonitoring by alice@bastion",
                ":white_check_mark: *INCIDENT RESOLVED* [critical] \(id) High Error Rate\n"
                    + "Resolved by alice@bastion: pool resized (resolved while High Error Rate was still firing)",
            ], "\(slack)")
        #expect(w.received.filter { $0.0.hasSuffix("/v2/enqueue") }.count == paged)
        #expect(results(h).filter { $0.hasPrefix("queued slack incident") }.count == 4)
        #expect(results(h).filter { $0.hasPrefix("sent slack") }.count == 5)
        // The opened incident says where its changes went.
        if !h.app.state.incidents.open { h.press(.enter) }
        let screen = h.screen(width: 100, height: 30)
        #expect(screen[7] == "┃ notified: slack ✓ 16:00" + String(repeating: " ", count: 74) + "┃", "\(screen)")
    }

    /// The escalation policy's contacts are reached at their addresses
    /// as the alert climbs its levels, and hear its acknowledgement and
    /// resolution on the pages they got; the journal names them, never
    /// their keys.
    @Test func escalationReachesEachLevelsContacts() throws {
        let yaml =
            Self.yaml.replacingOccurrences(
                of: "critical: {name: Critical, color: red, channels: [pagerduty, slack, email]}",
                with: "critical: {name: Critical, color: red, channels: [pagerduty, slack], escalation: true}"
            )
            .replacingOccurrences(
                of: "  target_down: off\n",
                with: """
                      target_down: off
                      escalation:
                        - {level: 1, after: 0m, contacts: [on_call_engineer]}
                        - {level: 2, after: 2m, contacts: [tech_lead, nobody_configured]}

                    """)
                + """

                contacts:
                  on_call_engineer: {pagerduty: 0NC4LL}
                  tech_lead: {slack: "<@U024BE7LH>", pagerduty: L3ADK3Y}
                """
        let w = World()
        w.pagerDutyStatus = 202
        var h = Harness(try ConfigLoader.parse(yaml, file: "t.yaml"))
        h.answer = try Self.harness(w).answer
        func pages() -> [String] {
            w.received.filter { $0.0.hasSuffix("/v2/enqueue") }.map {
                "\($0.1["routing_key"] as? String ?? "") \($0.1["event_action"] as? String ?? "")"
            }
        }
        func chat() -> [String] {
            w.received.filter { $0.0.hasSuffix("/hooks/T0K3N") }.compactMap { $0.1["text"] as? String }
        }
        h.run(forMs: 8000)
        #expect(pages() == ["R0UT1NG trigger", "0NC4LL trigger"])
        // Two minutes unacknowledged: level 2.
        h.run(forMs: 120_000)
        #expect(pages() == ["R0UT1NG trigger", "0NC4LL trigger", "L3ADK3Y trigger"])
        #expect(chat().count == 2)
        #expect(
            chat().last?.hasPrefix("<@U024BE7LH> :arrow_double_up: *ESCALATED* level 2 [critical] High Error Rate")
                == true)
        h.press(.char("A"))
        let screen = h.screen(width: 160, height: 14)
        #expect(
            screen.contains {
                $0.contains("notified: pagerduty ✓ ") && $0.contains("slack ✓ ")
                    && $0.contains("pagerduty@on_call_engineer ✓ ") && $0.contains("pagerduty@tech_lead ✓ ")
            }, "\(screen)")
        h.press(.char("a"), .enter)
        h.run(forMs: 2000)
        #expect(pages().suffix(3).sorted() == ["0NC4LL acknowledge", "L3ADK3Y acknowledge", "R0UT1NG acknowledge"])
        w.errors = 1
        h.run(forMs: 4000)
        #expect(pages().suffix(3).sorted() == ["0NC4LL resolve", "L3ADK3Y resolve", "R0UT1NG resolve"])
        #expect(chat().count == 3)
        #expect(chat().last?.hasPrefix(":white_check_mark: *RESOLVED*") == true)
        let text = try h.journal.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }.joined()
        #expect(text.contains(#""contact":"tech_lead""#))
        #expect(!text.contains("L3ADK3Y") && !text.contains("0NC4LL"))
    }

    /// Two Vigils on one state directory see the alert fire in the same
    /// refresh and both queue its notifications: the one whose records
    /// come first in the journal sends them, the other stands down (and
    /// journals why); neither sends the other's.
    @Test func twoInstancesSendEachNotificationOnce() throws {
        let w = World()
        w.pagerDutyStatus = 202
        let file = Harness.SharedJournal()
        var first = try Self.harness(w)
        var second = try Self.harness(w)
        first.shared = file
        second.shared = file
        // Their refreshes are half a second apart, as two processes' are.
        second.now += 500
        first.run(forMs: 8000)
        second.run(forMs: 8000)
        // Both queued, neither sent: each waits to read its records back.
        #expect(first.journal.filter { $0.type == "notify_queued" }.count == 2)
        #expect(second.journal.filter { $0.type == "notify_queued" }.count == 2)
        #expect(w.received.isEmpty)
        for _ in 0..<3 {
            first.readShared()
            second.readShared()
            first.answerAll()
            second.answerAll()
        }
        #expect(w.received.map(\.0).sorted() == ["http://127.0.0.1:9/hooks/T0K3N", "http://127.0.0.1:9/v2/enqueue"])
        #expect(results(first).filter { $0.hasPrefix("sent") } == ["sent pagerduty HTTP 202", "sent slack HTTP 200"])
        #expect(
            results(second).filter { $0.hasPrefix("sent") } == [
                "sent pagerduty sent by another Vigil on this state directory",
                "sent slack sent by another Vigil on this state directory",
            ])
        // Each outbox is empty: the other's notifications are done too.
        #expect(first.app.alerts.notifications.pending.isEmpty)
        #expect(second.app.alerts.notifications.pending.isEmpty)
    }

    /// A notification refused for good is said on every screen's status
    /// bar, not only on the Alerts screen.
    @Test func aFailedNotificationIsOnTheStatusBar() throws {
        let w = World()
        w.pagerDutyStatus = 400
        var h = try Self.harness(w)
        h.run(forMs: 8000)
        #expect(results(h).contains { $0.hasPrefix("failed pagerduty HTTP 400") }, "\(results(h))")
        let bar = h.screen(width: 100, height: 12).last ?? ""
        #expect(
            bar.dropFirst(10)
                == "│ 1 FIRING, 1 unacked │ Main │ targets 1/1 up │ pagerduty failing, 1 notification failed",
            "\(bar)")
    }

    /// A channel answering 5xx is failing while its notification waits to
    /// be tried again (nothing given up yet); its next delivery clears it.
    @Test func aRetryingChannelIsFailingUntilItDelivers() throws {
        let w = World()
        w.pagerDutyStatus = 503
        var h = try Self.harness(w)
        h.run(forMs: 8000)
        #expect(results(h).filter { !$0.hasPrefix("queued") } == ["sent slack HTTP 200"])
        let bar = h.screen(width: 100, height: 12).last ?? ""
        #expect(bar.dropFirst(10) == "│ 1 FIRING, 1 unacked │ Main │ targets 1/1 up │ pagerduty failing", "\(bar)")
        w.pagerDutyStatus = 202
        h.run(forMs: 10_000)
        #expect(results(h).filter { !$0.hasPrefix("queued") } == ["sent slack HTTP 200", "sent pagerduty HTTP 202"])
        let after = h.screen(width: 100, height: 12).last ?? ""
        #expect(
            after.dropFirst(10)
                == "│ 1 FIRING, 1 unacked, worst critical: High Error Rate │ Main │ targets 1/1 up │ window 5m",
            "\(after)")
    }

    @Test func aRestartSendsWhatWasPendingOnce() throws {
        let w = World()
        w.pagerDutyStatus = 202
        let queued = AlertNotification(
            channel: "pagerduty", event: .trigger, alert: AppTests.key, severity: "critical", value: 9,
            description: "Errors", action: "page", startsAtMs: 1_763_999_990_000, atMs: 1_763_999_990_000)
        w.errors = 1
        var h = try Self.harness(w, journal: [JournalRecord(t: 1_763_999_990_000, .notifyQueued(queued))])
        h.run(forMs: 3000)
        let pd = w.received.filter { $0.0.hasSuffix("/v2/enqueue") }
        #expect(pd.count == 1)
        #expect(pd.first?.1["event_action"] as? String == "trigger")
        #expect(results(h) == ["sent pagerduty HTTP 202"])
    }
}
