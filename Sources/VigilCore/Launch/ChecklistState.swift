import Foundation

/// What a checklist item shows: ✓ pass, ✗ fail, – skipped, ○ not checked
/// yet, or stale (a pass older than its time-to-live).
public struct ChecklistStatus: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case pass, fail, skipped, notChecked, stale
    }
    public var item: ChecklistItem
    public var state: State
    /// The mark the state comes from.
    public var last: LaunchBook.Mark?
    /// The change before it, for "passed -> failed 14:02".
    public var previous: ChecklistMark.Result?

    public static func == (a: ChecklistStatus, b: ChecklistStatus) -> Bool {
        a.item.id == b.item.id && a.state == b.state && a.last == b.last && a.previous == b.previous
    }

    /// The item's state at `now`. `lastRun` is when an automated item last
    /// ran in this process (its result is journalled only when it changes);
    /// an automated item not run for three of its intervals is stale.
    public static func of(
        _ item: ChecklistItem, marks: [LaunchBook.Mark], lastRun: Int64? = nil, now: Int64
    ) -> ChecklistStatus {
        guard let last = marks.last else {
            return ChecklistStatus(item: item, state: .notChecked, last: nil, previous: nil)
        }
        let previous = marks.dropLast().last { $0.mark.result != last.mark.result }?.mark.result
        let seen = max(last.at, lastRun ?? .min)
        let ttl = item.ttlMs ?? (item.automated ? 3 * item.everyMs : nil)
        var state: State
        switch last.mark.result {
        case .pass: state = .pass
        case .fail: state = .fail
        case .skip: state = .skipped
        }
        if state == .pass, let ttl, now - seen > ttl { state = .stale }
        return ChecklistStatus(item: item, state: state, last: last, previous: previous)
    }

    public var glyph: String {
        switch state {
        case .pass: return "✓"
        case .fail: return "✗"
        case .skipped: return "–"
        case .notChecked: return "○"
        case .stale: return "◌"
        }
    }

    public var asciiGlyph: String {
        switch state {
        case .pass: return "+"
        case .fail: return "x"
        case .skipped: return "-"
        case .notChecked: return "o"
        case .stale: return "?"
        }
    }

    public var word: String {
        switch state {
        case .pass: return "pass"
        case .fail: return "FAIL"
        case .skipped: return "skipped"
        case .notChecked: return "not checked"
        case .stale: return "stale"
        }
    }
}

extension LaunchBook {
    /// Every item of the plan's checklist, in order.
    public func checklist(_ plan: LaunchPlan, lastRuns: [String: Int64] = [:], now: Int64) -> [ChecklistStatus] {
        plan.checklist.map { ChecklistStatus.of($0, marks: marks[$0.id] ?? [], lastRun: lastRuns[$0.id], now: now) }
    }

    /// A person's tick, or why it is refused: an unknown item, an
    /// automated item ticked pass, the same result ticked twice, a skip
    /// without its reason.
    public func tick(
        _ id: String, _ result: ChecklistMark.Result, plan: LaunchPlan, by: String, note: String, now: Int64
    ) throws(LaunchRefusal) -> ChecklistMark {
        guard let item = plan.item(id) else {
            let near = plan.checklist.filter { $0.id.hasSuffix("." + id) || $0.id.contains(id) }.map(\.id)
            throw LaunchRefusal(
                "no checklist item \(Sanitizer.quote(id))"
                    + (near.isEmpty
                        ? " (vigil checklist lists them)"
                        : " (did you mean \(near.prefix(3).joined(separator: ", "))?)"))
        }
        let skipped = marks[id]?.last.map { $0.mark.result == .skip && !$0.mark.automated } ?? false
        if item.automated && result == .pass && !skipped {
            throw LaunchRefusal("\(id) is automated: it passes when its check does (skip it with a reason instead)")
        }
        if result == .skip && note.trimmingCharacters(in: .whitespaces).isEmpty {
            throw LaunchRefusal("skipping \(id) needs a reason")
        }
        let status = ChecklistStatus.of(item, marks: marks[id] ?? [], now: now)
        let same: Bool
        switch (status.state, result) {
        case (.pass, .pass), (.fail, .fail), (.skipped, .skip): same = true
        default: same = false
        }
        if same, let last = status.last {
            throw LaunchRefusal(
                "\(id) is already \(status.word) (by \(last.mark.by)); nothing written")
        }
        return ChecklistMark(item: id, result: result, by: by, note: note)
    }
}
