import Foundation

/// The launch as the journal tells it: which phase is live since when,
/// every decision with its evidence, every checklist mark. A fold over
/// records, so a restart or a second Vigil on the same state directory
/// shows the same launch.
public struct LaunchBook: Sendable {
    /// A phase's time on the traffic.
    public struct Span: Sendable, Equatable {
        public var phase: String
        public var enteredAt: Int64
        public var leftAt: Int64?
        /// How it ended: promoted, overridden, rolled back.
        public var endedBy: LaunchDecision.Action?
    }
    public struct Decided: Sendable, Equatable {
        public var at: Int64
        public var decision: LaunchDecision
    }
    public struct Mark: Sendable, Equatable {
        public var at: Int64
        public var mark: ChecklistMark
    }

    public private(set) var decisions: [Decided] = []
    public private(set) var spans: [Span] = []
    /// The phase on the traffic now; nil before the start, after the
    /// last phase, or after a roll back from the first.
    public private(set) var current: String?
    public private(set) var startedAt: Int64?
    public private(set) var completedAt: Int64?
    /// The last hold since the current phase was entered.
    public private(set) var hold: Decided?
    /// Each checklist item's marks, oldest first.
    public private(set) var marks: [String: [Mark]] = [:]

    public init() {}

    public var started: Bool { current != nil }
    /// When the current phase was entered.
    public var enteredAt: Int64? { current == nil ? nil : spans.last?.enteredAt }

    public mutating func apply(_ r: JournalRecord) {
        switch r.entry {
        case .launch(let d): apply(d, at: r.t)
        case .checklist(let m): marks[m.item, default: []].append(Mark(at: r.t, mark: m))
        default: break
        }
    }

    mutating func apply(_ d: LaunchDecision, at t: Int64) {
        decisions.append(Decided(at: t, decision: d))
        if d.action == .hold {
            hold = Decided(at: t, decision: d)
            return
        }
        hold = nil
        if d.action == .start, startedAt == nil || completedAt != nil {
            startedAt = t
            completedAt = nil
        }
        if current != nil, !spans.isEmpty, spans[spans.count - 1].leftAt == nil {
            spans[spans.count - 1].leftAt = t
            spans[spans.count - 1].endedBy = d.action
        }
        current = d.to
        if let to = d.to {
            spans.append(Span(phase: to, enteredAt: t))
        } else if d.action == .promote || d.action == .override {
            completedAt = t
        }
    }

    /// The phase index of `current` in `plan` (nil when none or unknown).
    public func currentIndex(in plan: LaunchPlan) -> Int? { current.flatMap(plan.phase(named:)) }

    /// What a decision would be, or why it is refused. Nothing is
    /// written for a refused action.
    public func decide(
        _ action: LaunchDecision.Action, plan: LaunchPlan, gate: GateStatus?, checklistFailed: [String], by: String,
        reason: String
    ) throws(LaunchRefusal) -> LaunchDecision {
        let reason = reason.trimmingCharacters(in: .whitespaces)
        guard !plan.phases.isEmpty else { throw LaunchRefusal("no launch: is configured (launch.phases)") }
        let index = currentIndex(in: plan)
        if current != nil && index == nil {
            throw LaunchRefusal("the phase \(Sanitizer.quote(current!)) is not in the configuration any more")
        }
        let evidence = gate?.evidence ?? []
        switch action {
        case .hold:
            guard let current else { throw LaunchRefusal("no phase to hold: the launch has not started") }
            return LaunchDecision(action: .hold, from: current, to: current, by: by, reason: reason, evidence: evidence)
        case .rollback:
            guard let index else { throw LaunchRefusal("nothing to roll back: no phase is on the traffic") }
            return LaunchDecision(
                action: .rollback, from: current, to: index > 0 ? plan.phases[index - 1].name : nil, by: by,
                reason: reason, evidence: evidence)
        case .start, .promote, .override:
            let override = action == .override
            if override && reason.isEmpty {
                throw LaunchRefusal("an override needs a reason (what was checked by hand, who agreed)")
            }
            let from = current
            let to: String?
            if let index {
                if action == .start { throw LaunchRefusal("the launch is already in \(current!); promote instead") }
                to = index + 1 < plan.phases.count ? plan.phases[index + 1].name : nil
            } else {
                if action == .promote && completedAt != nil {
                    throw LaunchRefusal("the launch is complete")
                }
                to = plan.phases[0].name
            }
            var blockers: [String] = []
            if let gate {
                blockers += gate.noGo.map { "\($0.check.name) is NO-GO (\($0.summary))" }
                // What nobody could measure is not a pass either.
                blockers += gate.checks.filter(\.verdict.grey).map { "\($0.summary): cannot be judged" }
            }
            if !checklistFailed.isEmpty {
                blockers.append("checklist: \(checklistFailed.joined(separator: ", ")) failed")
            }
            if !blockers.isEmpty && !override {
                throw LaunchRefusal(
                    "refused: " + blockers.joined(separator: "; ") + " (override with a reason to go anyway)")
            }
            let kind: LaunchDecision.Action = override ? .override : from == nil ? .start : .promote
            return LaunchDecision(action: kind, from: from, to: to, by: by, reason: reason, evidence: evidence)
        }
    }
}

/// Why a launch action or a checklist tick was refused.
public struct LaunchRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}
