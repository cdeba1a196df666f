import Testing
import VigilCore

@testable import VigilUI

/// The Launch and Checklist screens on any terminal (issue 14): no size
/// breaks them, the keys stay on the last line, and a short terminal
/// scrolls the checklist to the selected item.
@Suite struct LaunchScreenTests {
    static let look = Look(theme: .fallback, glyphs: Glyphs(ascii: false))

    static var model: LaunchModel {
        var plan = LaunchPlan()
        let check = GateCheck(
            name: "error_rate", source: .query, query: "q", expr: nil, threshold: Threshold(warning: 1, critical: 5),
            unit: "%")
        plan.phases = [
            LaunchPhase(
                name: "internal", traffic: 10, minDurationMs: 60_000, checks: [check],
                at: SourcePosition(line: 1, column: 1))
        ]
        plan.checklist = (1...12).map {
            ChecklistItem(
                id: "ops.item-\($0)", category: $0 <= 6 ? "ops" : "security", title: "Item \($0)", kind: .manual)
        }
        var book = LaunchBook()
        book.apply(
            JournalRecord(
                t: 1_000, .launch(LaunchDecision(action: .start, from: nil, to: "internal", by: "a@h", reason: "go"))))
        var m = LaunchModel(plan: plan, book: book, now: 5_000)
        var t = CheckTrack()
        t.add(.value(7), check: check, at: 4_000)
        m.gate = GateStatus.judge(plan.phases[0], enteredAt: 1_000, tracks: ["error_rate": t], now: 5_000)
        m.checklist = book.checklist(plan, now: 5_000)
        return m
    }

    @Test func noSizeBreaksThem() {
        for (w, h) in [(1, 1), (2, 3), (10, 4), (40, 12), (80, 24), (200, 60)] {
            var c = Canvas(width: w, height: h)
            LaunchScreen(model: Self.model, look: Self.look).render(in: c.bounds, on: &c)
            ChecklistScreen(model: Self.model, selected: 11, look: Self.look).render(in: c.bounds, on: &c)
            #expect(c.lines.count == h)
        }
    }

    @Test func theVerdictAndTheKeysShowOnASmallTerminal() {
        var c = Canvas(width: 60, height: 8)
        LaunchScreen(model: Self.model, look: Self.look).render(in: c.bounds, on: &c)
        #expect(
            c.lines.enumerated().filter { $0.offset != 4 }.map(\.element) == [
                "┏ Launch: internal 10% ━━━━━━━━━━━━━━━━━━━━━━━━━━━━ ✖ CRIT ┓",
                "┃ NO-GO: error_rate 7% > 5%                                ┃",
                "┃                                                          ┃",
                "┃ PHASES                                                   ┃",
                "┃                                                          ┃",
                "┃ P promote (starts, or next phase)  H hold  B roll back … ┃",
                "┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┛",
            ])
        // The clock is the reader's time zone's.
        #expect(c.lines[4].hasPrefix("┃ ▶ internal               10%   min 1m00s   since "))
        #expect(c.lines[4].hasSuffix("… ┃"))
    }

    @Test func aShortChecklistScrollsToTheSelectedItem() {
        var c = Canvas(width: 50, height: 7)
        ChecklistScreen(model: Self.model, selected: 11, look: Self.look).render(in: c.bounds, on: &c)
        #expect(
            c.lines == [
                "┏ Checklist: 0 of 12 pass, 0 fail ━━━━━━━ ! WARN ┓",
                "┃    ○ Item 9                                  … ┃",
                "┃    ○ Item 10                                 … ┃",
                "┃    ○ Item 11                                 … ┃",
                "┃ >  ○ Item 12                                 … ┃",
                "┃ up/down select  x passed  F failed  K skip (w… ┃",
                "┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┛",
            ])
    }
}
