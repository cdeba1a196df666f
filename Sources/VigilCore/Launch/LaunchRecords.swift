/// A decision about the launch, as the journal keeps it: who, why, and
/// what the checks said at that moment.
public struct LaunchDecision: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        /// The first phase begins.
        case start
        /// On to the next phase (after the last one: the launch is done).
        case promote
        /// A promotion while a check was NO-GO or a checklist item failed.
        case override
        /// Stay in the phase: noted, and shown until the next decision.
        case hold
        /// The traffic went back to the phase before (or to none).
        case rollback

        /// The journal's record type.
        public var type: String { "launch_" + rawValue }
    }
    public var action: Action
    /// The phase left and the phase entered (nil: none, before the first
    /// or after the last).
    public var from: String?
    public var to: String?
    public var by: String
    public var reason: String
    public var evidence: [CheckEvidence]

    public init(
        action: Action, from: String?, to: String?, by: String, reason: String, evidence: [CheckEvidence] = []
    ) {
        self.action = action
        self.from = from
        self.to = to
        self.by = by
        self.reason = reason
        self.evidence = evidence
    }
}

/// What a check said when a decision was taken.
public struct CheckEvidence: Sendable, Equatable, Codable {
    public var check: String
    /// GO, HOLD, NO-GO, NO DATA, DOWN, ERROR.
    public var verdict: String
    public var query: String
    public var value: Double?
    public var bound: String
    public var samples: Int
    public var passes: Int
    /// Why there is no value, or the note of a refused bound.
    public var detail: String?

    public init(
        check: String, verdict: String, query: String, value: Double?, bound: String, samples: Int, passes: Int,
        detail: String? = nil
    ) {
        self.check = check
        self.verdict = verdict
        self.query = query
        self.value = value
        self.bound = bound
        self.samples = samples
        self.passes = passes
        self.detail = detail
    }
}

/// A checklist item ticked by a person, or an automated item's result
/// (journalled when it changes).
public struct ChecklistMark: Sendable, Equatable {
    public enum Result: String, Sendable, Codable {
        case pass, fail, skip
    }
    public var item: String
    public var result: Result
    public var by: String
    /// The note of a tick, the reason of a skip, or what an automated run
    /// saw ("HTTP 503", "value 0").
    public var note: String
    public var automated: Bool

    public init(item: String, result: Result, by: String, note: String = "", automated: Bool = false) {
        self.item = item
        self.result = result
        self.by = by
        self.note = note
        self.automated = automated
    }
}
