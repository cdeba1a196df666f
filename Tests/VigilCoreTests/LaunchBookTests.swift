import Foundation
import Testing

@testable import VigilCore

/// The launch's record (issue 14): decisions judged before anything is
/// written, the fold every instance rebuilds from the journal, the
/// journal's line format, and compaction keeping all of it.
@Suite struct LaunchBookTests {
    static let t0: Int64 = 1_764_000_000_000

    static var plan: LaunchPlan {
        var p = LaunchPlan()
        let check = GateCheck(
            name: "error_rate", source: .query, query: "q", expr: nil, threshold: Threshold(warning: 1, critical: 5),
            unit: "%", minSamples: 1, consecutive: 1)
        let at = SourcePosition(line: 1, column: 1)
        p.phases = [
            LaunchPhase(name: "internal", traffic: 10, minDurationMs: 0, checks: [check], at: at),
            LaunchPhase(name: "beta", traffic: 25, minDurationMs: 0, checks: [check], at: at),
            LaunchPhase(name: "public", traffic: 100, minDurationMs: 0, checks: [check], at: at),
        ]
        p.checklist = [
            ChecklistItem(id: "infra.deploy", category: "infra", title: "Deploy", kind: .manual),
            ChecklistItem(id: "infra.backup", category: "infra", title: "Backup", kind: .manual, ttlMs: 3_600_000),
            ChecklistItem(
                id: "infra.health", category: "infra", title: "Health",
                kind: .http(url: "http://127.0.0.1:9/", status: 200), everyMs: 60_000),
        ]
        return p
    }

    static func gate(_ value: Double, in phase: Int = 0) -> GateStatus {
        let p = plan.phases[phase]
        var t = CheckTrack()
        t.add(.value(value), check: p.checks[0], at: t0)
        return GateStatus.judge(p, enteredAt: t0, tracks: ["error_rate": t], now: t0)
    }

    /// Decides, applies as the journal would, and returns the decision.
    @discardableResult
    static func act(
        _ book: inout LaunchBook, _ action: LaunchDecision.Action, gate: GateStatus? = nil, failed: [String] = [],
        reason: String = "", at: Int64
    ) throws(LaunchRefusal) -> LaunchDecision {
        let d = try book.decide(
            action, plan: plan, gate: gate, checklistFailed: failed, by: "alice@bastion", reason: reason)
        book.apply(JournalRecord(t: at, .launch(d)))
        return d
    }

    func refusal(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return (error as? LaunchRefusal)?.message ?? "\(error)"
        }
    }

    @Test func aLaunchGoesThroughItsPhasesOnTheRecord() throws {
        var book = LaunchBook()
        try Self.act(&book, .start, at: Self.t0)
        #expect(book.current == "internal" && book.enteredAt == Self.t0 && book.startedAt == Self.t0)
        let promoted = try Self.act(&book, .promote, gate: Self.gate(0.2), at: Self.t0 + 60_000)
        #expect(promoted.action == .promote && promoted.from == "internal" && promoted.to == "beta")
        #expect(promoted.evidence.map(\.verdict) == ["GO"])
        try Self.act(&book, .hold, gate: Self.gate(1.5, in: 1), reason: "checkout team asks", at: Self.t0 + 70_000)
        #expect(book.hold?.decision.reason == "checkout team asks" && book.current == "beta")
        let back = try Self.act(&book, .rollback, reason: "latency", at: Self.t0 + 80_000)
        #expect(back.to == "internal" && book.current == "internal" && book.hold == nil)
        try Self.act(&book, .promote, gate: Self.gate(0.1), at: Self.t0 + 90_000)
        try Self.act(&book, .promote, gate: Self.gate(0.1, in: 1), at: Self.t0 + 100_000)
        let text = { (b: LaunchBook) in
            LaunchText(plan: Self.plan, book: b, gate: nil, checklist: [], now: Self.t0, clock: { "\($0 - Self.t0)" })
        }
        #expect(text(book).standing == "public 100%")
        let last = try Self.act(&book, .promote, gate: Self.gate(0.1, in: 2), at: Self.t0 + 110_000)
        #expect(text(book).standing == "complete")
        #expect(text(book).decisionLine == LaunchText.Line("COMPLETE: every phase done at 110000", .ok))
        var undone = LaunchBook()
        try Self.act(&undone, .start, at: Self.t0)
        try Self.act(&undone, .hold, reason: "wait", at: Self.t0 + 5)
        #expect(text(undone).holdLine == LaunchText.Line("HELD since 5 by alice@bastion: wait", .warning))
        try Self.act(&undone, .rollback, reason: "errors", at: Self.t0 + 10)
        #expect(text(undone).standing == "rolled back (no traffic)")
        #expect(text(undone).holdLine == nil)
        #expect(text(undone).decisionLine.text == "ROLLED BACK: P starts internal")
        #expect(last.to == nil && book.current == nil && book.completedAt == Self.t0 + 110_000)
        #expect(
            book.spans.map { "\($0.phase) \($0.enteredAt - Self.t0) \($0.endedBy?.rawValue ?? "-")" } == [
                "internal 0 promote", "beta 60000 rollback", "internal 80000 promote", "beta 90000 promote",
                "public 100000 promote",
            ])
    }

    @Test func refusedActionsSayWhyAndDecideNothing() throws {
        var book = LaunchBook()
        #expect(refusal { _ = try Self.act(&book, .promote, at: Self.t0) } == nil)  // promote before start starts
        book = LaunchBook()
        #expect(
            refusal { _ = try Self.act(&book, .hold, at: Self.t0) } == "no phase to hold: the launch has not started")
        #expect(
            refusal { _ = try Self.act(&book, .start, failed: ["infra.deploy"], at: Self.t0) }
                == "refused: checklist: infra.deploy failed (override with a reason to go anyway)")
        try Self.act(&book, .start, at: Self.t0)
        #expect(
            refusal { _ = try Self.act(&book, .promote, gate: Self.gate(6), at: Self.t0) }
                == "refused: error_rate is NO-GO (error_rate 6% > 5%) (override with a reason to go anyway)")
        // What could not be measured is not a pass either.
        var grey = CheckTrack()
        grey.add(.down("api: connection refused"), check: Self.plan.phases[0].checks[0], at: Self.t0)
        let down = GateStatus.judge(Self.plan.phases[0], enteredAt: Self.t0, tracks: ["error_rate": grey], now: Self.t0)
        #expect(
            refusal { _ = try Self.act(&book, .promote, gate: down, at: Self.t0) }
                == "refused: error_rate: target down (api: connection refused): cannot be judged (override with a reason to go anyway)"
        )
        #expect(
            refusal { _ = try Self.act(&book, .override, gate: Self.gate(6), reason: "  ", at: Self.t0) }
                == "an override needs a reason (what was checked by hand, who agreed)")
        #expect(
            refusal { _ = try Self.act(&book, .start, at: Self.t0) }
                == "the launch is already in internal; promote instead")
        #expect(book.decisions.count == 1)
        let o = try Self.act(&book, .override, gate: Self.gate(6), reason: "known noisy dependency", at: Self.t0 + 1)
        #expect(o.action == .override && o.to == "beta" && o.evidence.first?.verdict == "NO-GO")
        // A HOLD (a warning, too few samples) does not refuse a promotion.
        #expect(refusal { _ = try Self.act(&book, .promote, gate: Self.gate(2, in: 1), at: Self.t0 + 2) } == nil)
    }

    @Test func checklistTicksAreJudgedBeforeTheyAreWritten() throws {
        var book = LaunchBook()
        func tick(_ id: String, _ r: ChecklistMark.Result, note: String = "", at: Int64) throws(LaunchRefusal) {
            let m = try book.tick(id, r, plan: Self.plan, by: "bob@bastion", note: note, now: at)
            book.apply(JournalRecord(t: at, .checklist(m)))
        }
        try tick("infra.deploy", .pass, at: Self.t0)
        #expect(
            refusal { try tick("infra.deploy", .pass, at: Self.t0 + 1) }
                == "infra.deploy is already pass (by bob@bastion); nothing written")
        #expect(
            refusal { try tick("infra.backup", .skip, note: " ", at: Self.t0) }
                == "skipping infra.backup needs a reason")
        #expect(
            refusal { try tick("infra.health", .pass, at: Self.t0) }
                == "infra.health is automated: it passes when its check does (skip it with a reason instead)")
        #expect(
            refusal { try tick("deploy", .pass, at: Self.t0) }
                == "no checklist item 'deploy' (did you mean infra.deploy?)")
        try tick("infra.backup", .pass, note: "restore drill at 09:00", at: Self.t0)
        try tick("infra.deploy", .fail, note: "rollback of db migration", at: Self.t0 + 60_000)
        let states = book.checklist(Self.plan, now: Self.t0 + 2 * 3_600_000)
        #expect(states.map(\.state) == [.fail, .stale, .notChecked])
        #expect(states[0].previous == .pass)
        #expect(states[0].last?.mark.note == "rollback of db migration")
        // An automated item's pass is stale after three of its intervals.
        book.apply(
            JournalRecord(
                t: Self.t0, .checklist(ChecklistMark(item: "infra.health", result: .pass, by: "vigil", automated: true))
            ))
        #expect(book.checklist(Self.plan, now: Self.t0 + 170_000)[2].state == .pass)
        #expect(book.checklist(Self.plan, now: Self.t0 + 190_000)[2].state == .stale)
        #expect(
            book.checklist(Self.plan, lastRuns: ["infra.health": Self.t0 + 180_000], now: Self.t0 + 190_000)[2].state
                == .pass)
    }

    @Test func decisionsAndMarksSurviveTheJournalsLineFormatAndCompaction() throws {
        let evidence = CheckEvidence(
            check: "error_rate", verdict: "NO-GO", query: "sum(rate(x[1m]))", value: 6.5, bound: "> 5%", samples: 12,
            passes: 0)
        let records = [
            JournalRecord(
                t: Self.t0, .launch(LaunchDecision(action: .start, from: nil, to: "internal", by: "a@h", reason: ""))),
            JournalRecord(
                t: Self.t0 + 1,
                .launch(
                    LaunchDecision(
                        action: .override, from: "internal", to: "beta", by: "a@h", reason: "agreed with b",
                        evidence: [evidence]))),
            JournalRecord(
                t: Self.t0 + 2,
                .checklist(
                    ChecklistMark(item: "infra.health", result: .fail, by: "vigil", note: "HTTP 503", automated: true))),
            JournalRecord(
                t: Self.t0 + 3, .checklist(ChecklistMark(item: "infra.backup", result: .skip, by: "b@h", note: "n/a"))),
        ]
        let lines = try records.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        #expect(lines[1].contains("\"type\":\"launch_override\""))
        #expect(lines[2].contains("\"type\":\"checklist\""))
        let back = try lines.map { try JSONDecoder().decode(JournalRecord.self, from: Data($0.utf8)) }
        #expect(back == records)
        // A record from a newer Vigil with an unknown launch action is kept
        // as unknown, not damage.
        let newer = try JSONDecoder().decode(
            JournalRecord.self, from: Data(#"{"v":1,"t":5,"type":"launch_pause","by":"x"}"#.utf8))
        #expect(newer.entry == .unknown(type: "launch_pause"))
        #expect(JournalCompaction.keep(records, prefix: records.count, nowMs: Self.t0 + 86_400_000 * 90) == records)
    }

    /// The post-mortem of an incident during a launch names the phase and
    /// the decisions around it; one outside any phase says nothing of it.
    @Test func aPostmortemNamesThePhaseAndTheDecisionsAroundIt() throws {
        let key = AlertKey(rule: "High Error Rate", labels: Labels(["service": "api"]))
        let records = [
            JournalRecord(
                t: Self.t0, .launch(LaunchDecision(action: .start, from: nil, to: "internal", by: "a@h", reason: "go"))),
            JournalRecord(
                t: Self.t0 + 600_000,
                .launch(
                    LaunchDecision(action: .hold, from: "internal", to: "internal", by: "b@h", reason: "api errors"))),
            JournalRecord(
                t: Self.t0 + 300_000,
                .incidentOpened(
                    IncidentOpened(
                        id: "INC-1", alert: key, title: "High Error Rate", severity: "high", description: nil,
                        services: ["api"], assignee: nil, by: "b@h"))),
        ]
        let center = AlertCenter(config: VigilConfig(), identity: "t", journal: records)
        let h = try #require(center.history(of: "INC-1", now: Self.t0 + 900_000))
        let md = Postmortem.markdown(h, config: VigilConfig().alerts, metrics: [], launch: center.launch)
        let section = md.components(separatedBy: "## Launch\n\n").last?.components(separatedBy: "\n\n").first
        #expect(
            section
                == [
                    "- Launch phase: internal (entered \(IncidentHistory.time(Self.t0)))",
                    "- \(IncidentHistory.time(Self.t0)) start (start) → internal by a@h: go",
                    "- \(IncidentHistory.time(Self.t0 + 600_000)) hold internal → internal by b@h: api errors",
                ].joined(separator: "\n"))
        let before = Postmortem.markdown(h, config: VigilConfig().alerts, metrics: [], launch: LaunchBook())
        #expect(!before.contains("## Launch"))
    }
}
