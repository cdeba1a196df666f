/// What operators do: acknowledge, silence, open and update incidents.
/// Each is a journal record; identity and time are handed in.
extension AlertCenter {
    public mutating func acknowledge(_ key: AlertKey, note: String, at now: Int64) -> Bool {
        guard let e = engine.acknowledge(key, by: identity, note: note, at: now) else { return false }
        record(JournalRecord(e))
        return true
    }

    public mutating func unacknowledge(_ key: AlertKey, at now: Int64) -> Bool {
        guard let e = engine.unacknowledge(key, by: identity, at: now) else { return false }
        record(JournalRecord(e))
        return true
    }

    /// Lifts a running silence (`u` on a silenced alert).
    public mutating func liftSilence(_ key: AlertKey, at now: Int64) -> Bool {
        guard let e = engine.liftSilence(key, by: identity, at: now) else { return false }
        record(JournalRecord(e))
        return true
    }

    public mutating func silence(_ key: AlertKey, for duration: PromDuration, note: String = "", at now: Int64) -> Bool
    {
        guard let e = engine.silence(key, by: identity, for: duration, note: note, at: now) else { return false }
        record(JournalRecord(e))
        return true
    }

    /// Opens an incident from an alert, or returns the unresolved one
    /// already opened from it (one alert, one incident at a time).
    /// `source` is the store the rules read, for the minutes before the
    /// alert went pending (nil: no backfill).
    public mutating func openIncident(from key: AlertKey, at now: Int64, source: (any SeriesSource)? = nil) -> String? {
        if let open = incidents.all.first(where: { $0.alerts.contains(key) && $0.status != .resolved }) {
            return open.id
        }
        guard let alert = engine.alerts[key] else { return nil }
        let rule = engine.rules.first { $0.name == key.rule }
        let level = engine.escalation(of: alert, at: now).level ?? config.alerts.escalation.first
        let id = incidents.newID(at: now)
        let labels = key.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let r = JournalRecord(
            t: now,
            .incidentOpened(
                IncidentOpened(
                    id: id, alert: key, title: labels.isEmpty ? key.rule : "\(key.rule) (\(labels))",
                    severity: alert.severity, description: rule?.describe(labels: key.labels, value: alert.value),
                    services: IncidentBook.services(of: key),
                    assignee: level?.contacts.joined(separator: ", "), by: identity)))
        incidents.apply(r, from: instance)
        record(r)
        // The post-mortem wants the metric from before the alert went
        // pending up to this moment.
        if let source, let (rule, from) = historyBefore(key) {
            addHistory(key, PostmortemSampler.history(rule, key, from: from, to: now, source: source))
        }
        record(sampler.flush(at: now))
        return id
    }

    /// What a post-mortem wants from before an alert went pending: its
    /// rule, and from when (ten minutes before) its metric is read.
    public func historyBefore(_ key: AlertKey) -> (AlertRule, from: Int64)? {
        guard let alert = engine.alerts[key], let rule = engine.rules.first(where: { $0.name == key.rule }) else {
            return nil
        }
        return (rule, alert.activeSinceMs - 10 * 60_000)
    }

    /// The incident's alert, when it is firing right now.
    public func firingAlert(of id: String) -> AlertKey? {
        guard let key = incidents[id]?.alert, engine.alerts[key]?.state == .firing else { return nil }
        return key
    }

    /// A note on an incident, optionally moving its status. Resolving an
    /// incident whose alert still fires is allowed (the operator may know
    /// better than a threshold) but said, in the record itself.
    public mutating func updateIncident(_ id: String, status: IncidentStatus?, note: String, at now: Int64) -> Bool {
        guard let incident = incidents[id] else { return false }
        if status == nil && note.isEmpty { return false }
        var note = note
        if status == .resolved, incident.status != .resolved, let key = firingAlert(of: id) {
            let said = "resolved while \(key.rule) was still firing"
            note = note.isEmpty ? said : "\(note) (\(said))"
        }
        let r = JournalRecord(
            t: now, .incidentUpdated(IncidentUpdated(id: id, status: status, note: note, by: identity)))
        if status == .resolved || incident.status == .resolved { record(sampler.flush(at: now)) }
        incidents.apply(r, from: instance)
        record(r)
        return true
    }

    /// Sets one of the plan's incident fields (`assignee: alice`), said
    /// in the journal; a refused edit writes nothing.
    public mutating func editIncident(_ id: String, _ text: String, at now: Int64) throws(IncidentEditError)
        -> IncidentEdit
    {
        let edit = try IncidentEdit.parse(text, severities: config.alerts.severities.map(\.id))
        guard incidents[id] != nil else { throw .noIncident(id) }
        var u = IncidentUpdated(id: id, status: nil, note: "", by: identity)
        switch edit {
        case .assignee(let a): u.assignee = a
        case .severity(let s): u.severity = s
        case .services(let s): u.services = s
        case .section(let field, let text):
            u.section = field
            u.note = text
        }
        let r = JournalRecord(t: now, .incidentUpdated(u))
        incidents.apply(r, from: instance)
        record(r)
        return edit
    }

    /// Another alert joins an incident (one cause, several rules firing).
    /// False when the incident does not exist or already has the alert.
    public mutating func join(_ key: AlertKey, to id: String, at now: Int64) -> Bool {
        guard let incident = incidents[id], !incident.alerts.contains(key) else { return false }
        let r = JournalRecord(
            t: now, .incidentUpdated(IncidentUpdated(id: id, status: nil, note: "", by: identity, joined: key)))
        incidents.apply(r, from: instance)
        record(r)
        return true
    }

    /// Alerts that resolved since `since` and are not active again, newest
    /// first, with when they fired: what happened while one looked away.
    public func recentlyResolved(since: Int64) -> [ResolvedAlert] {
        var out: [AlertKey: ResolvedAlert] = [:]
        var order: [AlertKey] = []
        // Newest first, until well before the window (to find firing times).
        for r in records.reversed() {
            guard r.t >= since - 6 * 3_600_000 else { break }
            guard case .transition(let key, _, let to, _, _)? = r.event else { continue }
            if to == .resolved, r.t >= since, out[key] == nil, engine.alerts[key].map({ $0.state == .resolved }) ?? true
            {
                out[key] = ResolvedAlert(key: key, resolvedAtMs: r.t, firedAtMs: nil)
                order.append(key)
            } else if to == .firing, out[key]?.firedAtMs == nil, let resolved = out[key]?.resolvedAtMs, r.t < resolved {
                out[key]?.firedAtMs = r.t
            }
        }
        return order.compactMap { out[$0] }
    }

    /// An incident's timeline and figures, from the journal.
    public func history(of id: String, now: Int64) -> IncidentHistory? {
        incidents[id].map { IncidentHistory(incident: $0, records: records, nowMs: now) }
    }

    /// How far back the rules' expressions read (ranges and offsets):
    /// until the store holds that much, a missing series proves nothing.
    public var longestRuleReachMs: Int64 {
        engine.rules.flatMap { $0.expr.selectors.map(\.1) }.max() ?? 0
    }

    /// Whether a newly firing alert rings the bell: the severities the
    /// config escalates (critical and high in the plan).
    public func rings(_ event: AlertEvent) -> Bool {
        // A silenced alert rings nobody: that is what the silence is for.
        guard case .transition(let key, _, .firing, let at, _) = event, let a = engine.alerts[key],
            !a.isSilenced(at: at)
        else { return false }
        return config.alerts.severities.first { $0.id == a.severity }?.escalation ?? false
    }
}

/// An alert that fired and resolved, as the Alerts screen lists it.
public struct ResolvedAlert: Sendable, Equatable {
    public var key: AlertKey
    public var resolvedAtMs: Int64
    public var firedAtMs: Int64?
}
