import Synchronization

/// An alert's lifecycle state. Acknowledged and silenced are marks on a
/// firing alert, not states of their own.
public enum AlertState: String, Codable, Sendable {
    case inactive, pending, firing, resolved
}

/// One alert: a rule and the label set of one series of its expression.
public struct AlertKey: Hashable, Codable, Sendable, Comparable {
    public var rule: String
    public var labels: [String: String]

    public init(rule: String, labels: Labels) {
        self.rule = rule
        self.labels = Dictionary(uniqueKeysWithValues: labels.withoutName.pairs.map { ($0.name, $0.value) })
    }

    public static func < (a: AlertKey, b: AlertKey) -> Bool {
        a.rule != b.rule
            ? a.rule < b.rule : a.labels.sorted(by: <).lexicographicallyPrecedes(b.labels.sorted(by: <), by: <)
    }
}

/// Who acknowledged an alert, when, and why.
public struct Acknowledgement: Codable, Equatable, Sendable {
    public var by: String
    public var atMs: Int64
    public var note: String

    public init(by: String, atMs: Int64, note: String) {
        self.by = by
        self.atMs = atMs
        self.note = note
    }
}

public struct Alert: Equatable, Sendable {
    public var key: AlertKey
    public var severity: String
    public var state: AlertState
    /// When the condition became true (start of pending).
    public var activeSinceMs: Int64
    public var firedAtMs: Int64?
    public var resolvedAtMs: Int64?
    /// The last evaluation at which the condition held.
    public var lastTrueMs: Int64
    public var value: Double
    public var acknowledgement: Acknowledgement?
    public var silencedUntilMs: Int64?
    /// Who silenced it, and when (for the Silences screen).
    public var silencedBy: String?
    public var silencedAtMs: Int64?
    /// Why, in the operator's words.
    public var silenceNote: String?
    /// The escalation level last announced for this firing episode.
    public var escalatedLevel: Int?
    /// The first evaluation at which a firing alert's condition no longer
    /// held: `keep_firing_for` counts from here, as in Prometheus.
    public var keepFiringSinceMs: Int64?

    public func isSilenced(at now: Int64) -> Bool { silencedUntilMs.map { now < $0 } ?? false }
}

/// Something that happened to alerts; every event goes to the journal.
public enum AlertEvent: Equatable, Sendable {
    case transition(AlertKey, from: AlertState, to: AlertState, atMs: Int64, value: Double)
    case acknowledged(AlertKey, Acknowledgement)
    case unacknowledged(AlertKey, by: String, atMs: Int64)
    case silenced(AlertKey, by: String, untilMs: Int64, atMs: Int64, note: String)
    case silenceExpired(AlertKey, atMs: Int64)
    /// An operator lifted a silence before it ran out (`u`).
    case silenceLifted(AlertKey, by: String, atMs: Int64)
    /// An unacknowledged firing alert reached a level of the policy.
    case escalated(AlertKey, level: Int, contacts: [String], atMs: Int64)

    public var key: AlertKey {
        switch self {
        case .transition(let k, _, _, _, _), .acknowledged(let k, _), .unacknowledged(let k, _, _),
            .silenced(let k, _, _, _, _), .silenceExpired(let k, _), .silenceLifted(let k, _, _),
            .escalated(let k, _, _, _):
            return k
        }
    }
}

/// Where an unacknowledged firing alert stands on the escalation policy.
public struct EscalationStatus: Equatable, Sendable {
    public var level: EscalationLevel?
    public var next: EscalationLevel?
    public var nextAtMs: Int64?
    /// Unacknowledged past its severity's timeout.
    public var timedOut: Bool

    public init(level: EscalationLevel?, next: EscalationLevel?, nextAtMs: Int64?, timedOut: Bool) {
        self.level = level
        self.next = next
        self.nextAtMs = nextAtMs
        self.timedOut = timedOut
    }
}

extension EscalationLevel: Equatable {
    public static func == (a: EscalationLevel, b: EscalationLevel) -> Bool {
        a.level == b.level && a.after == b.after && a.contacts == b.contacts
    }
}

/// The rules' state machine: inactive → pending (condition true, hold not
/// served) → firing → resolved, evaluated on every refresh with the time
/// passed in (an injected clock), so it is tested without waiting.
public struct AlertEngine: Sendable {
    public let rules: [AlertRule]
    public let severities: [Severity]
    public let escalation: [EscalationLevel]
    public private(set) var alerts: [AlertKey: Alert] = [:] {
        // A new box, never the shared one emptied: a copy of this engine
        // holds the old box and its answer stays true for that copy.
        didSet { activeCache = ActiveCache() }
    }
    /// `active`, sorted once after a change: an evaluation, the Alerts
    /// screen, the status bar and the post-mortem sampler all ask for it,
    /// and a flood is a thousand alerts to sort.
    private var activeCache = ActiveCache()
    /// Acknowledgements and silences recorded (by another instance, or
    /// before a compaction dropped the alert's older records) for an alert
    /// this engine has not seen yet: applied when it appears, dropped when
    /// that alert is seen to resolve after them.
    var deferred: [AlertKey: [AlertEvent]] = [:]

    public init(config: AlertsConfig) {
        rules = config.rules
        severities = config.severities
        escalation = config.escalation
    }

    /// Severity rank: the order the config lists them (most severe first).
    public func rank(_ severity: String) -> Int { severities.firstIndex { $0.id == severity } ?? severities.count }

    /// Takes each rule's current result (the series for which its
    /// condition holds, with their values) and advances every alert. A
    /// rule missing from `results` (its query failed, or there is no data
    /// yet after a restart) leaves its alerts as they are: a broken query
    /// must not look like a resolved incident.
    public mutating func evaluate(_ results: [String: [Labels: Double]], at now: Int64) -> [AlertEvent] {
        var events: [AlertEvent] = []
        for rule in rules {
            guard let holding = results[rule.name] else { continue }
            var seen = Set<AlertKey>()
            for (labels, value) in holding {
                let key = AlertKey(rule: rule.name, labels: labels)
                seen.insert(key)
                var a =
                    alerts[key]
                    ?? Alert(
                        key: key, severity: rule.severity, state: .inactive, activeSinceMs: now, lastTrueMs: now,
                        value: value)
                a.value = value
                a.lastTrueMs = now
                a.keepFiringSinceMs = nil
                switch a.state {
                case .inactive, .resolved:
                    let from = a.state
                    a.activeSinceMs = now
                    a.firedAtMs = nil
                    a.resolvedAtMs = nil
                    a.acknowledgement = nil
                    a.escalatedLevel = nil
                    a.state = .pending
                    adoptDeferred(&a, acknowledgements: true)
                    events.append(.transition(key, from: from, to: .pending, atMs: now, value: value))
                    if rule.holdFor.milliseconds == 0 { fire(&a, now, &events) }
                case .pending:
                    if now - a.activeSinceMs >= rule.holdFor.milliseconds { fire(&a, now, &events) }
                case .firing:
                    break
                }
                alerts[key] = a
            }
            for (key, var a) in alerts where key.rule == rule.name && !seen.contains(key) {
                switch a.state {
                case .pending:
                    // Flapping: the hold starts over next time.
                    a.state = .inactive
                    events.append(.transition(key, from: .pending, to: .inactive, atMs: now, value: a.value))
                case .firing:
                    if let keep = rule.keepFiringFor {
                        let since = a.keepFiringSinceMs ?? now
                        a.keepFiringSinceMs = since
                        if now - since < keep.milliseconds {
                            alerts[key] = a
                            continue
                        }
                    }
                    a.keepFiringSinceMs = nil
                    a.state = .resolved
                    a.resolvedAtMs = now
                    // An acknowledgement lasts until the alert resolves.
                    a.acknowledgement = nil
                    events.append(.transition(key, from: .firing, to: .resolved, atMs: now, value: a.value))
                default:
                    break
                }
                alerts[key] = a
            }
        }
        for (key, var a) in alerts {
            if let until = a.silencedUntilMs, now >= until {
                a.silencedUntilMs = nil
                alerts[key] = a
                events.append(.silenceExpired(key, atMs: now))
            }
        }
        // Escalation: announce each level an unacknowledged firing alert
        // reaches, once, so the journal (and the post-mortem) shows who
        // was due to be called and when. It is recorded when it happens:
        // a level that came due while the alert was acknowledged or
        // silenced is reached when that ends, never backdated into it.
        for a in active where a.state == .firing {
            guard let level = escalation(of: a, at: now).level, level.level != a.escalatedLevel else { continue }
            alerts[a.key]?.escalatedLevel = level.level
            events.append(.escalated(a.key, level: level.level, contacts: level.contacts, atMs: now))
        }
        return events
    }

    /// Applies what was deferred for `a`'s key, in the order recorded; an
    /// acknowledgement waits for the alert to be active.
    mutating func adoptDeferred(_ a: inout Alert, acknowledgements: Bool) {
        guard let events = deferred.removeValue(forKey: a.key) else { return }
        let (now, later) = events.reduce(into: ([AlertEvent](), [AlertEvent]())) { split, e in
            if case .acknowledged = e, !acknowledgements { split.1.append(e) } else { split.0.append(e) }
        }
        Self.adopt(now, into: &a)
        if !later.isEmpty { deferred[a.key] = later }
    }

    static func adopt(_ events: [AlertEvent], into a: inout Alert) {
        for event in events {
            switch event {
            case .acknowledged(_, let ack): a.acknowledgement = ack
            case .silenced(_, let by, let until, let at, let note):
                a.silencedUntilMs = until
                a.silencedBy = by
                a.silencedAtMs = at
                a.silenceNote = note
            default: break
            }
        }
    }

    func fire(_ a: inout Alert, _ now: Int64, _ events: inout [AlertEvent]) {
        a.state = .firing
        a.firedAtMs = now
        events.append(.transition(a.key, from: .pending, to: .firing, atMs: now, value: a.value))
    }

    public mutating func acknowledge(_ key: AlertKey, by: String, note: String, at now: Int64) -> AlertEvent? {
        guard var a = alerts[key], a.state == .firing else { return nil }
        let ack = Acknowledgement(by: by, atMs: now, note: note)
        a.acknowledgement = ack
        alerts[key] = a
        return .acknowledged(key, ack)
    }

    public mutating func unacknowledge(_ key: AlertKey, by: String, at now: Int64) -> AlertEvent? {
        guard var a = alerts[key], a.acknowledgement != nil else { return nil }
        a.acknowledgement = nil
        alerts[key] = a
        return .unacknowledged(key, by: by, atMs: now)
    }

    /// Lifts a silence that is still running.
    public mutating func liftSilence(_ key: AlertKey, by: String, at now: Int64) -> AlertEvent? {
        guard var a = alerts[key], a.isSilenced(at: now) else { return nil }
        a.silencedUntilMs = nil
        alerts[key] = a
        return .silenceLifted(key, by: by, atMs: now)
    }

    public mutating func silence(
        _ key: AlertKey, by: String, for duration: PromDuration, note: String = "", at now: Int64
    ) -> AlertEvent? {
        guard var a = alerts[key], a.state == .firing else { return nil }
        a.silencedUntilMs = now + duration.milliseconds
        a.silencedBy = by
        a.silencedAtMs = now
        a.silenceNote = note
        alerts[key] = a
        return .silenced(key, by: by, untilMs: now + duration.milliseconds, atMs: now, note: note)
    }

    /// Applies an event recorded earlier (journal replay, or another
    /// instance's acknowledgement), without producing new events.
    public mutating func apply(_ event: AlertEvent) {
        switch event {
        case .transition(let key, _, let to, let at, let value):
            let severity = rules.first { $0.name == key.rule }?.severity ?? ""
            var a =
                alerts[key]
                ?? Alert(
                    key: key, severity: severity, state: .inactive, activeSinceMs: at, lastTrueMs: at, value: value)
            a.state = to
            a.value = value
            switch to {
            case .pending:
                a.activeSinceMs = at
                a.acknowledgement = nil
                a.escalatedLevel = nil
                a.firedAtMs = nil
                a.resolvedAtMs = nil
            case .firing: a.firedAtMs = at
            case .resolved:
                a.resolvedAtMs = at
                a.acknowledgement = nil
                // An acknowledgement was for an episode now over; a
                // silence outlives episodes, as it does on a seen alert.
                deferred[key]?.removeAll {
                    if case .acknowledged = $0 { $0.atMs <= at } else { false }
                }
            case .inactive: break
            }
            adoptDeferred(&a, acknowledgements: to == .pending || to == .firing)
            alerts[key] = a
        case .acknowledged(let key, _) where alerts[key] == nil,
            .silenced(let key, _, _, _, _) where alerts[key] == nil:
            deferred[key, default: []].append(event)
        case .acknowledged(let key, let ack):
            // Another instance may have seen the alert fire a moment
            // before this one: a pending alert keeps the acknowledgement.
            if let s = alerts[key]?.state, s == .firing || s == .pending { alerts[key]?.acknowledgement = ack }
        case .unacknowledged(let key, _, _):
            alerts[key]?.acknowledgement = nil
        case .silenced(let key, let by, let until, let at, let note):
            alerts[key]?.silencedUntilMs = until
            alerts[key]?.silencedBy = by
            alerts[key]?.silencedAtMs = at
            alerts[key]?.silenceNote = note
        case .silenceExpired(let key, _), .silenceLifted(let key, _, _):
            alerts[key]?.silencedUntilMs = nil
        case .escalated(let key, let level, _, _):
            alerts[key]?.escalatedLevel = level
        }
    }

    /// After a restart: a hold that was being served is not known to have
    /// held while Vigil was down, so it starts over. Firing alerts stay
    /// firing until the data says otherwise.
    public mutating func restartHolds() {
        for (key, a) in alerts where a.state == .pending { alerts[key]?.state = .inactive }
    }

    /// Firing and pending alerts, most severe first, then oldest first.
    public var active: [Alert] {
        activeCache.sorted.withLock { cached in
            if let cached { return cached }
            let list = sortedActive()
            cached = list
            return list
        }
    }

    private func sortedActive() -> [Alert] {
        // Ranks and label orders are worked out once an alert, not at each
        // comparison, and indices are sorted rather than alerts moved: a
        // flood is a thousand alerts of one rule, one severity and one
        // moment that only their labels tell apart, and comparing keys
        // sorted both label sets every time (80 ms a refresh on the loop).
        let list = Array(alerts.values.filter { $0.state == .firing || $0.state == .pending })
        // Firing first, then by rank and age: one number, compared first.
        let major = list.map { (a: Alert) -> (Int, Int64) in
            ((a.state == .firing ? 0 : 1_000_000) + rank(a.severity), a.activeSinceMs)
        }
        let rules = list.map(\.key.rule)
        let labels = list.map { $0.key.labels.sorted(by: <) }
        let order = list.indices.sorted { i, j in
            if major[i] != major[j] { return major[i] < major[j] }
            if rules[i] != rules[j] { return rules[i] < rules[j] }
            return labels[i].lexicographicallyPrecedes(labels[j], by: <)
        }
        return order.map { list[$0] }
    }

    /// Firing alerts that want a human: not acknowledged, not silenced. A
    /// more severe alert for an acknowledged series is a new alert and so
    /// wants attention despite the earlier acknowledgement.
    public func needingAttention(at now: Int64) -> [Alert] {
        active.filter { $0.state == .firing && $0.acknowledgement == nil && !$0.isSilenced(at: now) }
    }

    /// The escalation level an unacknowledged firing alert has reached. A
    /// silenced alert calls nobody while the silence runs.
    public func escalation(of a: Alert, at now: Int64) -> EscalationStatus {
        let sev = severities.first { $0.id == a.severity }
        guard a.state == .firing, a.acknowledgement == nil, !a.isSilenced(at: now), let fired = a.firedAtMs,
            sev?.escalation ?? false
        else {
            return EscalationStatus(level: nil, next: nil, nextAtMs: nil, timedOut: false)
        }
        let elapsed = now - fired
        let reached = escalation.last { $0.after.milliseconds <= elapsed }
        let next = escalation.first { $0.after.milliseconds > elapsed }
        return EscalationStatus(
            level: reached, next: next, nextAtMs: next.map { fired + $0.after.milliseconds },
            timedOut: sev.map { elapsed >= $0.timeout.milliseconds } ?? false)
    }
}

/// The sorted active alerts of one version of an engine's alerts.
final class ActiveCache: Sendable {
    let sorted = Mutex<[Alert]?>(nil)
}
