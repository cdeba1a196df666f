import Testing
import VigilApp
import VigilCore
import VigilUI

/// The whole application driven by messages: no terminal, no socket, no
/// file; simulated minutes run in milliseconds.
@Suite struct AppTests {
    static let yaml = """
        refresh: 2s
        targets:
          - {name: api, url: "http://127.0.0.1:9/metrics", interval: 5s}
        metrics:
          error_rate: {name: Error Rate, unit: "%", query: 'max(errors_percent)', threshold: {warning: 1, critical: 5}}
        dashboards:
          - name: Main
            panels:
              - {title: Error Rate, type: stat, metrics: [error_rate]}
          - name: Second
            panels:
              - {title: Again, type: stat, metrics: [error_rate]}
        alerts:
          severities:
            critical: {name: Critical, color: red, escalation: true, timeout: 30m}
          rules:
            - {name: High Error Rate, condition: error_rate > 5, for: 1m, severity: critical, description: Errors}
          escalation:
            - {level: 1, after: 0m, contacts: [on_call_engineer]}
        """
    static let config = try! ConfigLoader.parse(yaml, file: "t.yaml")
    static let key = AlertKey(rule: "High Error Rate", labels: Labels())

    static func errors(_ v: Double) -> (SourcePoll) -> FetchOutcome {
        { _ in exposition("# TYPE errors_percent gauge\nerrors_percent{service=\"api\"} \(v)\n") }
    }

    @Test func anAlertFiresIsAcknowledgedAndASecondAppReplaysIt() throws {
        var h = Harness(Self.config)
        h.answer = Self.errors(1)
        h.run(forMs: 30_000)
        #expect(h.app.alerts.engine.alerts.isEmpty)
        #expect(h.started.filter { $0.source == .targets }.count == 7)  // at 0, 5 s, … 30 s

        h.answer = Self.errors(9)
        h.run(forMs: 10_000)
        #expect(h.app.alerts.engine.alerts[Self.key]?.state == .pending)
        #expect(h.bells == 0)
        h.run(forMs: 60_000)
        #expect(h.app.alerts.engine.alerts[Self.key]?.state == .firing)
        // A critical alert rings once, and is marked unseen off the Alerts screen.
        #expect(h.bells == 1)
        #expect(h.app.state.unseen == [Self.key])
        // Scrapes every 5 s, evaluations every 2 s: the first 9 is scraped
        // at 35 s and seen at 36 s; the 1-minute hold ends at 96 s.
        let t0: Int64 = 1_764_000_000_000
        #expect(
            h.journal.compactMap(\.event) == [
                .transition(Self.key, from: .inactive, to: .pending, atMs: t0 + 36_000, value: 9),
                .transition(Self.key, from: .pending, to: .firing, atMs: t0 + 96_000, value: 9),
                .escalated(Self.key, level: 1, contacts: ["on_call_engineer"], atMs: t0 + 96_000),
            ])

        // From a dashboard, `a` takes the most urgent alert; a note, Enter.
        let before = h.journal.count
        h.press(.char("a"))
        #expect(h.app.state.prompt != nil)
        h.type("rolling back")
        h.press(.enter)
        // The command holds the journal entry.
        #expect(
            h.journal.dropFirst(before).map(\.entry) == [
                .alert(.acknowledged(Self.key, Acknowledgement(by: "alice@bastion", atMs: h.now, note: "rolling back")))
            ])
        #expect(h.app.state.message == "acknowledged High Error Rate")
        #expect(h.app.state.unseen.isEmpty)

        // A second application replaying those records shows it acknowledged.
        var second = Harness(Self.config, at: h.now + 1000, journal: h.journal)
        #expect(second.app.alerts.engine.alerts[Self.key]?.acknowledgement?.by == "alice@bastion")
        second.press(.char("A"))
        let lines = second.screen()
        #expect(
            lines[4]
                == "┃ STATE    SEVERITY  AGE            VALUE  ALERT                 ACK / ESCALATION                  ┃"
        )
        #expect(
            lines[5]
                == "┃>ACKED    critical  5s                9%  High Error Rate       ✓ alice@bastion 1s ago: rolling … ┃"
        )
        // The detail names who and when (local time) and the whole note.
        #expect(lines[25].hasPrefix("┃ acknowledged by alice@bastion at ") && lines[25].contains(": rolling back   "))
    }

    /// A silence holds escalation and the bell, through a second episode
    /// of the same alert too, and `u` lifts it (journaled, with its author).
    @Test func aSilencedAlertNeitherEscalatesNorRingsUntilLifted() throws {
        let config = try ConfigLoader.parse(
            Self.yaml.replacingOccurrences(
                of: "    - {level: 1, after: 0m, contacts: [on_call_engineer]}",
                with:
                    "    - {level: 1, after: 0m, contacts: [on_call_engineer]}\n    - {level: 2, after: 2m, contacts: [tech_lead]}"
            ),
            file: "t.yaml")
        var h = Harness(config)
        h.answer = Self.errors(9)
        h.run(forMs: 100_000)
        #expect(h.app.alerts.engine.alerts[Self.key]?.state == .firing)
        #expect(h.bells == 1)
        h.press(.char("A"), .char("s"))
        h.type("30m deploy rollback in progress")
        h.press(.enter)
        let silencedAt = h.now
        #expect(h.app.state.message == "silenced for 30m")
        // The Silences screen lists it, with who and for how long.
        h.press(.char("S"))
        let silences = h.screen(width: 100, height: 14)
        #expect(
            silences[2]
                == "┃ Vigil's own silences (no alertmanager: in the configuration):                                    ┃"
        )
        #expect(
            silences[5]
                == "┃ active   vigil     alice@bastion         0s      30m00s    {alertname=High Error Rate} deploy r… ┃"
        )
        #expect(
            h.journal.last?.entry
                == .alert(
                    .silenced(
                        Self.key, by: "alice@bastion", untilMs: silencedAt + 1_800_000, atMs: silencedAt,
                        note: "deploy rollback in progress")))
        h.press(.char("A"))
        func escalations() -> [Int] {
            h.journal.compactMap { if case .alert(.escalated(_, let level, _, _)) = $0.entry { level } else { nil } }
        }
        // Past level 2's time: nobody more is called.
        h.run(forMs: 180_000)
        #expect(escalations() == [1])
        // Resolved, then firing again inside the 30 minutes: no bell, no call.
        h.answer = Self.errors(1)
        h.run(forMs: 30_000)
        h.answer = Self.errors(9)
        h.run(forMs: 100_000)
        #expect(h.app.alerts.engine.alerts[Self.key]?.state == .firing)
        #expect(h.bells == 1 && escalations() == [1])
        // `u` lifts the silence; the next evaluation calls level 1 again.
        h.press(.char("u"))
        #expect(h.app.state.message == "silence lifted")
        #expect(
            h.journal.contains {
                if case .alert(.silenceLifted(Self.key, "alice@bastion", let at)) = $0.entry {
                    at > silencedAt
                } else {
                    false
                }
            })
        h.run(forMs: 2000)
        #expect(escalations() == [1, 1])
        h.press(.char("u"))
        #expect(h.app.state.message == "High Error Rate is neither acknowledged nor silenced")
    }

    @Test func aFailingTargetShowsItsReasonAndKeysStillWork() {
        var h = Harness(Self.config)
        h.run(forMs: 12_000)
        let lines = h.screen(width: 60, height: 14)
        #expect(lines[1] == "┏ Error Rate ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ ⚠ ERROR ┓")
        #expect(lines[6] == "┃api: refused (127.0.0.1:1)                                ┃")
        // The built-in Target Down alert holds for two intervals first.
        #expect(lines[13].hasSuffix(" │ 0 firing, 1 pending │ Main │ targets 0/1 up"))
        #expect(
            h.screen(width: 100, height: 14)[13].hasSuffix(
                " │ 0 firing, 1 pending │ Main │ targets 0/1 up: api: refused (127.0.0.1:1) │ window 5m"))
        #expect(h.app.downTargets.map(\.name) == ["api"])
        // Keys change screens all the same.
        h.press(.char("2"))
        #expect(h.app.state.dashboard == 1)
        #expect(h.screen(width: 60, height: 14)[1] == "┏ Again ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ ⚠ ERROR ┓")
        h.press(.char("A"))
        #expect(h.app.state.screen == .alerts)
        h.press(.char("q"))
        #expect(h.quit == 0)
    }

    @Test func refreshAsksEveryPolledSourceAlertmanagerIncluded() {
        let config = try! ConfigLoader.parse(
            Self.yaml.replacingOccurrences(
                of: "query: 'max(errors_percent)',", with: "query: 'max(errors_percent)', datasource: prometheus,")
                    + """

                    prometheus: {url: "http://127.0.0.1:9090"}
                    alertmanager: {url: "http://127.0.0.1:9093", interval: 1m}
                    logs:
                      - {name: app, kind: text, url: "http://127.0.0.1:9/log", interval: 1m}
                    """, file: "t.yaml")
        var h = Harness(config)
        #expect(Set(h.started.map(\.source)) == [.targets, .logs, .alertmanager, .prometheus])
        h.answerAll()
        h.now += 1000
        h.send(.tick)
        h.answerAll()
        let asked = h.started.count
        // The loop sends a tick after every batch of messages.
        h.press(.char("r"))
        h.send(.tick)
        let again = h.started.dropFirst(asked)
        #expect(Set(again.map(\.source)) == [.targets, .logs, .alertmanager, .prometheus])
        #expect(
            again.filter { $0.source == .alertmanager }.map(\.poll.request.url).sorted() == [
                "http://127.0.0.1:9093/api/v2/alerts", "http://127.0.0.1:9093/api/v2/silences",
            ])
    }

    @Test func aSignalQuitsWithItsStatusAndAnInterruptWithZero() {
        var h = Harness(Self.config)
        h.send(.signal(15))
        #expect(h.quit == 143)
        var i = Harness(Self.config)
        i.send(.signal(2))
        #expect(i.quit == 0)
    }

    @Test func aFailedJournalWriteSaysNothingIsSaved() {
        var h = Harness(Self.config)
        h.send(.journalFailed("cannot write the journal /x/journal.jsonl: No space left on device"))
        #expect(h.app.state.message == "NOT SAVED: cannot write the journal /x/journal.jsonl: No space left on device")
        h.answer = Self.errors(9)
        let written = h.journal.count
        h.run(forMs: 90_000)
        // Still alerting, nothing more asked of the store.
        #expect(h.app.alerts.engine.alerts[Self.key]?.state == .firing)
        #expect(h.journal.count == written)
    }
}

/// A target's series limit: a scrape over it fails with the reason on its
/// panels; another target goes on.
@Suite struct SeriesLimitTests {
    @Test func aScrapeOverItsSeriesLimitFailsAndSaysWhy() throws {
        let config = try ConfigLoader.parse(
            """
            targets:
              - {name: big, url: "http://127.0.0.1:9/big", series_limit: 2}
              - {name: small, url: "http://127.0.0.1:9/small"}
            metrics:
              m: {name: M, query: 'sum(m)'}
            dashboards:
              - name: Main
                panels: [{title: M, type: stat, metrics: [m]}]
            """, file: "t.yaml")
        var h = Harness(config)
        h.answer = { p in
            p.poll.request.url.hasSuffix("/big")
                ? exposition("m{i=\"1\"} 1\nm{i=\"2\"} 2\nm{i=\"3\"} 3\n") : exposition("m{i=\"9\"} 9\n")
        }
        h.run(forMs: 6000)
        let big = try #require(h.app.snapshot.targets.first { $0.name == "big" })
        #expect(big.up == false)
        #expect(big.lastError == "over the series limit: more than 2 series (series_limit)")
        #expect(h.app.snapshot.targets.first { $0.name == "small" }?.up == true)
        #expect(
            h.screen(width: 60, height: 14)[13].hasSuffix(
                " │ 0 firing, 1 pending │ Main │ targets 1/2 up"))
        // Exactly at the limit is fine.
        var exact = Harness(
            try ConfigLoader.parse(
                "targets: [{name: big, url: \"http://127.0.0.1:9/big\", series_limit: 3}]", file: "t.yaml"))
        exact.answer = { _ in exposition("m{i=\"1\"} 1\nm{i=\"2\"} 2\nm{i=\"3\"} 3\n") }
        exact.run(forMs: 1000)
        #expect(exact.app.targets.health[0].up == true && exact.app.targets.health[0].samples == 3)
        #expect(
            throws: ConfigErrors.self,
            performing: { try ConfigLoader.parse("targets: [{url: \"http://x\", series_limit: 0}]", file: "t.yaml") })
    }
}
