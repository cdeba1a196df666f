/// One measurement of a gate check.
public enum Measured: Sendable, Equatable {
    case value(Double)
    /// The query returned nothing (no series yet, a metric renamed).
    case noData
    /// A target the query reads is down.
    case down(String)
    /// The query failed.
    case error(String)
}

/// What a check says now. The grey ones (no data, down, error) are never
/// GO: a launch is not promoted on what nobody could measure.
public enum Verdict: String, Sendable, Equatable {
    case go = "GO"
    case hold = "HOLD"
    case noGo = "NO-GO"
    case noData = "NO DATA"
    case down = "DOWN"
    case error = "ERROR"

    public var grey: Bool { self == .noData || self == .down || self == .error }
}

/// A check's measurements in the current phase: how many had a value,
/// how many passed in a row, how many were critical in a row.
public struct CheckTrack: Sendable, Equatable {
    public var samples = 0
    public var passes = 0
    public var failures = 0
    public var last: Measured?
    public var lastAt: Int64?
    /// The state of the last value against the bounds.
    public var state: Threshold.State?

    public init() {}

    /// Whether a measurement is due at `now` (one per interval).
    public func due(_ check: GateCheck, now: Int64) -> Bool {
        lastAt.map { now - $0 >= check.intervalMs - 250 } ?? true
    }

    /// Takes one measurement. A warning or a grey result breaks the run of
    /// passes; only a value counts as a sample.
    public mutating func add(_ m: Measured, check: GateCheck, at: Int64) {
        last = m
        lastAt = at
        guard case .value(let v) = m else {
            state = nil
            passes = 0
            return
        }
        samples += 1
        let s = check.threshold.state(of: v)
        state = s
        switch s {
        case .ok:
            passes += 1
            failures = 0
        case .warning:
            passes = 0
            failures = 0
        case .critical:
            passes = 0
            failures += 1
        }
    }
}

/// A check of the current phase, judged.
public struct CheckStatus: Sendable, Equatable {
    public var check: GateCheck
    public var track: CheckTrack
    public var verdict: Verdict
    /// "error_rate 1.4% > 1%", "no data", "2 of 3 passes".
    public var summary: String
    /// When this check alone would allow GO, passing from now on.
    public var goAt: Int64?

    public static func == (a: CheckStatus, b: CheckStatus) -> Bool {
        a.check.name == b.check.name && a.track == b.track && a.verdict == b.verdict && a.summary == b.summary
            && a.goAt == b.goAt
    }
}

/// Where the current phase stands: each check judged, and the decision.
public struct GateStatus: Sendable {
    public enum Decision: Sendable, Equatable {
        /// Every check passed enough times for long enough.
        case go
        /// Not yet: a warning, a grey check, or waiting for time, samples
        /// or passes (`goAt` when only waiting).
        case hold(String, goAt: Int64?)
        case noGo(String)
    }
    public var phase: LaunchPhase
    public var enteredAt: Int64
    public var checks: [CheckStatus]
    public var decision: Decision

    public var noGo: [CheckStatus] { checks.filter { $0.verdict == .noGo } }

    /// The record of the checks a decision keeps.
    public var evidence: [CheckEvidence] {
        checks.map { c in
            var value: Double?
            var detail: String?
            switch c.track.last {
            case .value(let v)?: value = v
            case .down(let why)?: detail = "down: " + why
            case .error(let why)?: detail = why
            case .noData?: detail = "no data"
            case nil: detail = "not measured yet"
            }
            let bound = c.track.state == .critical ? c.check.bound(.critical) : c.check.bound(.warning)
            return CheckEvidence(
                check: c.check.name, verdict: c.verdict.rawValue, query: c.check.query, value: value, bound: bound,
                samples: c.track.samples, passes: c.track.passes, detail: detail)
        }
    }

    /// Judges `phase`, entered at `enteredAt`, from its checks' tracks.
    public static func judge(
        _ phase: LaunchPhase, enteredAt: Int64, tracks: [String: CheckTrack], now: Int64
    ) -> GateStatus {
        var statuses: [CheckStatus] = []
        for check in phase.checks {
            let t = tracks[check.name] ?? CheckTrack()
            statuses.append(judge(check, t, now: now))
        }
        let minimum = enteredAt + phase.minDurationMs
        let decision: Decision
        let reasons = { (vs: [CheckStatus]) in vs.prefix(3).map(\.summary).joined(separator: "; ") }
        if case let bad = statuses.filter({ $0.verdict == .noGo }), !bad.isEmpty {
            decision = .noGo(reasons(bad))
        } else if case let held = statuses.filter({ $0.verdict != .go && $0.goAt == nil }), !held.isEmpty {
            decision = .hold(reasons(held), goAt: nil)
        } else {
            let goAt = max(minimum, statuses.compactMap(\.goAt).max() ?? now)
            if goAt <= now {
                decision = .go
            } else {
                let waiting = statuses.filter { $0.verdict != .go }
                let why =
                    waiting.isEmpty
                    ? "minimum duration \(PromDuration(milliseconds: phase.minDurationMs))" : reasons(waiting)
                decision = .hold(why, goAt: goAt)
            }
        }
        return GateStatus(phase: phase, enteredAt: enteredAt, checks: statuses, decision: decision)
    }

    static func judge(_ check: GateCheck, _ t: CheckTrack, now: Int64) -> CheckStatus {
        let name = check.name
        let failureLimit = max(1, check.failureLimit)
        switch t.last {
        case nil:
            return CheckStatus(check: check, track: t, verdict: .noData, summary: "\(name): not measured yet")
        case .noData?:
            return CheckStatus(check: check, track: t, verdict: .noData, summary: "\(name): no data")
        case .down(let why)?:
            return CheckStatus(check: check, track: t, verdict: .down, summary: "\(name): target down (\(why))")
        case .error(let why)?:
            return CheckStatus(check: check, track: t, verdict: .error, summary: "\(name): query error (\(why))")
        case .value(let v)?:
            let shown = "\(name) \(GateText.number(v))\(check.unit)"
            switch t.state ?? .ok {
            case .critical where t.failures >= failureLimit:
                return CheckStatus(
                    check: check, track: t, verdict: .noGo, summary: "\(shown) \(check.bound(.critical))")
            case .critical:
                return CheckStatus(
                    check: check, track: t, verdict: .hold,
                    summary: "\(shown) \(check.bound(.critical)) (\(t.failures) of \(failureLimit) failures)")
            case .warning:
                return CheckStatus(check: check, track: t, verdict: .hold, summary: "\(shown) \(check.bound(.warning))")
            case .ok:
                // Passing: GO once enough samples and passes are in; until
                // then, when that will be if every measurement passes.
                let needed = max(check.minSamples - t.samples, check.consecutive - t.passes, 0)
                if needed == 0 {
                    return CheckStatus(check: check, track: t, verdict: .go, summary: shown, goAt: now)
                }
                let last = t.lastAt ?? now
                let parts = [
                    t.passes < check.consecutive ? "\(t.passes) of \(check.consecutive) passes" : nil,
                    t.samples < check.minSamples ? "\(t.samples) of \(check.minSamples) samples" : nil,
                ].compactMap { $0 }
                return CheckStatus(
                    check: check, track: t, verdict: .hold,
                    summary: "\(shown): \(parts.joined(separator: ", "))",
                    goAt: last + Int64(needed) * check.intervalMs)
            }
        }
    }
}
