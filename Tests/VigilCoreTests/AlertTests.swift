import Foundation
import Testing

@testable import VigilCore

@Suite struct AlertEngineTests {
    static let config = try! ConfigLoader.parse(
        """
        metrics:
          error_rate: {query: up}
        alerts:
          severities:
            critical: {color: red, escalation: true, timeout: 30m}
            high: {color: orange, escalation: true, timeout: 60m}
            medium: {color: yellow, escalation: false, timeout: 120m}
          rules:
            - {name: High Error Rate, condition: error_rate > 5, for: 5m, severity: high}
            - {name: Very High Error Rate, condition: error_rate > 20, for: 1m, severity: critical}
            - {name: Sticky, condition: error_rate > 1, for: 0m, keep_firing_for: 2m, severity: medium}
          escalation:
            - {level: 1, after: 0m, contacts: [on_call_engineer]}
            - {level: 2, after: 30m, contacts: [tech_lead]}
            - {level: 3, after: 60m, contacts: [engineering_manager]}
            - {level: 4, after: 120m, contacts: [emergency_contact]}
        """, file: "t.yaml")
    static let api = Labels(["service": "api"])
    let minute: Int64 = 60_000

    func key(_ rule: String) -> AlertKey { AlertKey(rule: rule, labels: Self.api) }

    /// Steps of (minute, series for which "High Error Rate" holds) and the
    /// state expected after each.
    @Test(arguments: [
        // Holds for 5 minutes, then fires; resolves when the condition goes.
        ([(0, true), (4, true), (5, true), (6, false)], [AlertState.pending, .pending, .firing, .resolved]),
        // Flapping: false before the hold is served starts the hold over.
        (
            [(0, true), (3, false), (4, true), (8, true), (9, true)],
            [.pending, .inactive, .pending, .pending, .firing]
        ),
        // Resolved, then true again: pending again, not firing at once.
        ([(0, true), (5, true), (6, false), (7, true)], [.pending, .firing, .resolved, .pending]),
    ])
    func holdDurations(_ steps: [(Int, Bool)], _ expected: [AlertState]) {
        var engine = AlertEngine(config: Self.config.alerts)
        for ((m, holds), want) in zip(steps, expected) {
            _ = engine.evaluate(["High Error Rate": holds ? [Self.api: 7] : [:]], at: Int64(m) * minute)
            #expect(engine.alerts[key("High Error Rate")]?.state == want, "at minute \(m)")
        }
    }

    @Test func keepFiringFor() {
        var engine = AlertEngine(config: Self.config.alerts)
        _ = engine.evaluate(["Sticky": [Self.api: 2]], at: 0)
        #expect(engine.alerts[key("Sticky")]?.state == .firing)  // for: 0m fires at once
        _ = engine.evaluate(["Sticky": [:]], at: 1 * minute)
        #expect(engine.alerts[key("Sticky")]?.state == .firing)  // kept firing for 2m
        _ = engine.evaluate(["Sticky": [:]], at: 2 * minute)
        #expect(engine.alerts[key("Sticky")]?.state == .resolved)
    }

    @Test func acknowledgementLastsUntilResolvedAndWorseAlertsAgain() {
        var engine = AlertEngine(config: Self.config.alerts)
        _ = engine.evaluate(["High Error Rate": [Self.api: 7]], at: 0)
        // Pending: nothing to acknowledge yet.
        #expect(engine.acknowledge(key("High Error Rate"), by: "ops@bastion", note: "x", at: 1) == nil)
        _ = engine.evaluate(["High Error Rate": [Self.api: 7]], at: 5 * minute)
        #expect(engine.needingAttention(at: 5 * minute).map(\.key) == [key("High Error Rate")])
        let ack = engine.acknowledge(key("High Error Rate"), by: "ops@bastion", note: "rolling back", at: 6 * minute)
        #expect(
            ack
                == .acknowledged(
                    key("High Error Rate"), Acknowledgement(by: "ops@bastion", atMs: 6 * minute, note: "rolling back")))
        #expect(engine.needingAttention(at: 6 * minute).isEmpty)
        // Worse: the critical rule fires for the same service: it wants attention despite the ack.
        _ = engine.evaluate(
            ["High Error Rate": [Self.api: 25], "Very High Error Rate": [Self.api: 25]], at: 7 * minute)
        _ = engine.evaluate(
            ["High Error Rate": [Self.api: 25], "Very High Error Rate": [Self.api: 25]], at: 8 * minute)
        #expect(engine.needingAttention(at: 8 * minute).map(\.key) == [key("Very High Error Rate")])
        #expect(engine.active.first?.severity == "critical")  // most severe first
        // Resolving clears the acknowledgement: next time it fires, it is unacknowledged.
        _ = engine.evaluate([:], at: 9 * minute)
        #expect(engine.alerts[key("High Error Rate")]?.acknowledgement == nil)
        #expect(engine.alerts[key("High Error Rate")]?.state == .resolved)
    }

    @Test func silencesExpire() {
        var engine = AlertEngine(config: Self.config.alerts)
        _ = engine.evaluate(["Sticky": [Self.api: 2]], at: 0)
        _ = engine.silence(key("Sticky"), by: "ops", for: PromDuration(milliseconds: 3_600_000), at: 0)
        #expect(engine.needingAttention(at: 10 * minute).isEmpty)
        let events = engine.evaluate(["Sticky": [Self.api: 2]], at: 60 * minute)
        #expect(events.contains(.silenceExpired(key("Sticky"), atMs: 60 * minute)))
        #expect(engine.needingAttention(at: 60 * minute).map(\.key) == [key("Sticky")])
    }

    @Test(
        arguments: [(0, 1, 2, 30), (29, 1, 2, 30), (30, 2, 3, 60), (61, 3, 4, 120), (125, 4, nil, nil)]
            as [(Int, Int, Int?, Int?)])
    func escalationClimbsWhileUnacknowledged(_ afterMinutes: Int, _ level: Int, _ next: Int?, _ nextAt: Int?) {
        var engine = AlertEngine(config: Self.config.alerts)
        _ = engine.evaluate(["Very High Error Rate": [Self.api: 30]], at: 0)
        _ = engine.evaluate(["Very High Error Rate": [Self.api: 30]], at: minute)  // fires at minute 1
        let a = engine.alerts[key("Very High Error Rate")]!
        let s = engine.escalation(of: a, at: minute + Int64(afterMinutes) * minute)
        #expect(s.level?.level == level)
        #expect(s.next?.level == next)
        #expect(s.nextAtMs == nextAt.map { minute + Int64($0) * minute })
        #expect(s.timedOut == (afterMinutes >= 30))
        // Acknowledged alerts do not climb; non-escalating severities never do.
        _ = engine.acknowledge(a.key, by: "ops", note: "", at: minute)
        #expect(engine.escalation(of: engine.alerts[a.key]!, at: 200 * minute).level == nil)
    }
}

@Suite struct JournalTests {
    func directory() -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-journal-\(UUID().uuidString)").path
        return d
    }

    static let key = AlertKey(rule: "High Error Rate", labels: Labels(["service": "api"]))

    @Test func replayRebuildsAcknowledgementsAndSilences() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var engine = AlertEngine(config: AlertEngineTests.config.alerts)
        let journal = try Journal(directory: dir)
        var events = engine.evaluate(["High Error Rate": [Labels(["service": "api"]): 7]], at: 0)
        events += engine.evaluate(["High Error Rate": [Labels(["service": "api"]): 7.5]], at: 300_000)
        events.append(engine.acknowledge(Self.key, by: "ops@bastion", note: "looking", at: 310_000)!)
        for e in events { try journal.append(JournalRecord(e)) }
        // A restart: a new engine replays the journal.
        var replayed = AlertEngine(config: AlertEngineTests.config.alerts)
        let reader = try Journal(directory: dir)
        let (records, warnings) = reader.readNew()
        #expect(warnings.isEmpty)
        #expect(records.count == 3)
        for r in records { if let e = r.event { replayed.apply(e) } }
        #expect(replayed.alerts[Self.key]?.state == .firing)
        #expect(
            replayed.alerts[Self.key]?.acknowledgement
                == Acknowledgement(by: "ops@bastion", atMs: 310_000, note: "looking"))
        #expect(replayed.alerts[Self.key]?.firedAtMs == 300_000)
    }

    @Test func tornAndDamagedLinesAreSkippedWithTheirLineNumbers() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let journal = try Journal(directory: dir)
        for i in 0..<5 {
            try journal.append(JournalRecord(.unacknowledged(Self.key, by: "u\(i)", atMs: Int64(i))))
        }
        // Damage line 3, and tear the end of the file as a kill -9 would.
        var text = try String(contentsOfFile: journal.path, encoding: .utf8).split(separator: "\n").map(String.init)
        text[2] = "{\"t\": 2, \"type\": "
        let torn = text.joined(separator: "\n") + "\n" + "{\"t\": 9, \"ty"
        try torn.write(toFile: journal.path, atomically: false, encoding: .utf8)
        let reader = try Journal(directory: dir)  // opening repairs the torn tail
        let (records, warnings) = reader.readNew()
        #expect(records.map(\.by) == ["u0", "u1", "u3", "u4"])
        #expect(warnings.count == 2)
        #expect(warnings[0].hasSuffix("journal.jsonl:3: skipped a damaged journal record"))
        #expect(warnings[1].hasSuffix("journal.jsonl:6: skipped a damaged journal record"))
        // Records appended after the repair are read normally.
        try reader.append(JournalRecord(.unacknowledged(Self.key, by: "after", atMs: 10)))
        #expect(reader.readNew().records.map(\.by) == ["after"])
    }

    @Test func twoInstancesSeeEachOthersRecords() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try Journal(directory: dir)
        let b = try Journal(directory: dir)
        _ = b.readNew()
        try a.append(
            JournalRecord(.acknowledged(Self.key, Acknowledgement(by: "alice@bastion", atMs: 5, note: "mine"))))
        let seen = b.readNew().records
        #expect(seen.count == 1 && seen[0].by == "alice@bastion" && seen[0].note == "mine")
        #expect(b.readNew().records.isEmpty)  // read once
    }

    @Test func unwritableStateDirectoryIsAClearError() {
        do {
            _ = try Journal(directory: "/proc/vigil-cannot-write-here")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("/proc/vigil-cannot-write-here"))
        }
    }
}
