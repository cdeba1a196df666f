import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The alerting side of a running Vigil: the rules' engine and the
/// incidents, rebuilt from the journal. A value: everything that changes
/// state becomes a journal record in `outbox`, which the application hands
/// to the journal store as a command; records read from the store (at
/// start, and what other instances append) come back through `receive`.
/// So a restart, or a second instance on the same state directory,
/// rebuilds the same picture, and tests need no file.
public struct AlertCenter: Sendable {
    public private(set) var engine: AlertEngine
    public private(set) var incidents = IncidentBook()
    public let config: VigilConfig
    /// Why this instance cannot write the journal, when it cannot (set by
    /// whoever owns the store: an unwritable directory, a failed write).
    public var readOnlyReason: String?
    /// Damaged journal lines skipped so far, each naming its line.
    public private(set) var warnings: [String] = []
    /// `$USER@host`: who acknowledgements and notes are from.
    public let identity: String
    /// Tells this instance's records from others' in a shared journal.
    public let instance: String
    /// Every record read or written, for timelines and post-mortems.
    public private(set) var records: [JournalRecord] = []
    /// Records written since the last `takeOutbox`, for the store.
    public private(set) var outbox: [JournalRecord] = []
    /// Rules not evaluated at the last refresh because the store does not
    /// cover their range yet.
    public private(set) var waitingRules = 0
    /// Rules whose query failed at the last evaluation, with the reason.
    public private(set) var ruleErrors: [String: String] = [:]
    /// Samples of active alerts' metrics not yet written.
    var pendingSamples: [AlertKey: [(Int64, Double)]] = [:]
    /// Subqueries' settled steps, carried from one refresh to the next.
    var subqueryMemo: [SubqueryCache.Key: [VectorElement]] = [:]
    var lastSampleFlush: Int64 = 0
    static let sampleFlushMs: Int64 = 60_000

    /// An alert center that has replayed `journal` (the records a store
    /// held at start, with the warnings for lines it skipped).
    public init(
        config: VigilConfig, identity: String, journal: [JournalRecord] = [], warnings: [String] = [],
        instance: String = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    ) {
        self.config = config
        self.identity = identity
        self.instance = instance
        engine = AlertEngine(config: config.alerts)
        receive(journal, warnings: warnings)
        engine.restartHolds()
    }

    public static func defaultIdentity() -> String {
        let env = ProcessInfo.processInfo.environment
        var user = env["USER"] ?? env["LOGNAME"] ?? ""
        if user.isEmpty, let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { user = String(cString: name) }
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(user.isEmpty ? "unknown" : user)@\(hostName.isEmpty ? "localhost" : hostName)"
    }

    /// Applies records read from the journal: at start the whole journal,
    /// later what others appended. This instance's own records (which it
    /// applied when it made them) are skipped.
    public mutating func receive(_ new: [JournalRecord], warnings warn: [String] = []) {
        warnings += warn
        for r in new where r.src != instance {
            records.append(r)
            incidents.apply(r)
            if let event = r.event { engine.apply(event) }
        }
    }

    /// The records to write since the last call.
    public mutating func takeOutbox() -> [JournalRecord] {
        defer { outbox = [] }
        return outbox
    }

    mutating func record(_ r: JournalRecord) { record([r]) }

    /// Keeps records and queues them for the store in one batch: a rule
    /// grouped by service can change hundreds of alerts in one refresh,
    /// and the store writes a batch with one write and one flush.
    mutating func record(_ batch: [JournalRecord]) {
        guard !batch.isEmpty else { return }
        let mine = batch.map { r -> JournalRecord in
            var r = r
            r.src = instance
            return r
        }
        records += mine
        outbox += mine
    }

    // MARK: - Evaluation

    /// Each rule's condition at `now`: the series for which it holds. A
    /// rule whose query fails is left out (its alerts stay as they are)
    /// and its error kept in `ruleErrors`.
    public static func evaluateRules(
        _ rules: [AlertRule], source: any SeriesSource, at now: Int64, subqueries: SubqueryCache = SubqueryCache()
    ) -> (results: [String: [Labels: Double]], errors: [String: String]) {
        let evaluator = Evaluator(source: source, subqueries: subqueries)
        var results: [String: [Labels: Double]] = [:]
        var errors: [String: String] = [:]
        for rule in rules {
            do {
                switch try evaluator.evaluate(rule.expr, at: now) {
                case .vector(let v):
                    var holding: [Labels: Double] = [:]
                    for e in v { holding[e.labels.withoutName] = e.value }
                    results[rule.name] = holding
                case .scalar(let v, _):
                    // A scalar condition holds when it is non-zero (PromQL
                    // filters a scalar comparison to nothing or the value).
                    results[rule.name] = v != 0 && !v.isNaN ? [Labels(): v] : [:]
                case .matrix, .string:
                    errors[rule.name] = "the expression must yield an instant vector"
                }
            } catch {
                errors[rule.name] = error.message
            }
        }
        return (results, errors)
    }

    /// Evaluates every rule, advances the alerts, journals what changed
    /// and returns it (the caller rings the bell for new firing alerts).
    ///
    /// `dataSince` is when the store began to fill (after a start). A rule
    /// whose ranges reach further back than that is not evaluated yet: a
    /// `rate(x[1m])` over ten seconds of data is a fraction of the real
    /// rate, and would raise false alerts (CPU usage from idle time) or
    /// resolve real ones. Its alerts, restored from the journal, stay as
    /// they are until the data covers the range.
    @discardableResult
    ///
    /// Rules evaluated by a Prometheus server (`remote`) take their results
    /// from `remote` (rule name → series that hold); a rule missing there
    /// (no answer yet, or an error in `remoteErrors`) is left alone.
    public mutating func evaluate(
        source: any SeriesSource, at now: Int64, dataSince: Int64 = .min, remote: [String: [Labels: Double]] = [:],
        remoteErrors: [String: String] = [:]
    ) -> [AlertEvent] {
        let ready = engine.rules.filter { rule in
            !rule.remote && (dataSince == .min || now - dataSince >= (rule.expr.selectors.map(\.1).max() ?? 0))
        }
        let subqueries = SubqueryCache(entries: subqueryMemo)
        var (results, errors) = Self.evaluateRules(ready, source: source, at: now, subqueries: subqueries)
        subqueryMemo = subqueries.carried(to: now, reach: longestRuleReachMs)
        for rule in engine.rules where rule.remote {
            if let r = remote[rule.name] { results[rule.name] = r }
            if let e = remoteErrors[rule.name] { errors[rule.name] = e }
        }
        ruleErrors = errors
        waitingRules = engine.rules.filter { !$0.remote }.count - ready.count
        let events = engine.evaluate(results, at: now)
        record(events.map(JournalRecord.init))
        sample(source: source, at: now, events: events, results: results)
        return events
    }

    /// Keeps the metric of every active alert, for post-mortems: a value
    /// per evaluation, written once a minute and when the alert resolves.
    /// (The minutes before it went pending are added when an incident is
    /// opened: see `backfill`.)
    mutating func sample(
        source: any SeriesSource, at now: Int64, events: [AlertEvent], results: [String: [Labels: Double]]
    ) {
        let evaluator = Evaluator(source: source)
        let active = engine.active
        // While the condition holds, the rule's own result is the value
        // (a comparison keeps its left side). Only alerts whose condition
        // stopped holding (keep_firing_for, a hold just broken) need the
        // unfiltered expression.
        var missing: [String: [AlertKey]] = [:]
        for a in active {
            if let v = results[a.key.rule]?[Labels(a.key.labels)] {
                pendingSamples[a.key, default: []].append((now, v))
            } else {
                missing[a.key.rule, default: []].append(a.key)
            }
        }
        for (ruleName, keys) in missing {
            guard let rule = engine.rules.first(where: { $0.name == ruleName }),
                case .vector(let v)? = try? evaluator.evaluate(rule.valueExpr, at: now)
            else { continue }
            let byKey = Dictionary(
                v.map { (AlertKey(rule: rule.name, labels: $0.labels), $0.value) }, uniquingKeysWith: { a, _ in a })
            for key in keys { if let value = byKey[key] { pendingSamples[key, default: []].append((now, value)) } }
        }
        var flush = now - lastSampleFlush >= Self.sampleFlushMs
        for case .transition(_, _, .resolved, _, _) in events { flush = true }
        if flush { flushSamples(at: now) }
    }

    mutating func flushSamples(at now: Int64) {
        lastSampleFlush = now
        var batch: [JournalRecord] = []
        for (key, points) in pendingSamples.sorted(by: { $0.key < $1.key }) where !points.isEmpty {
            batch.append(JournalRecord(t: now, .samples(key, times: points.map(\.0), values: points.map(\.1))))
        }
        record(batch)
        pendingSamples = [:]
    }

    // MARK: - Operator actions

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

    public mutating func silence(_ key: AlertKey, for duration: PromDuration, at now: Int64) -> Bool {
        guard let e = engine.silence(key, by: identity, for: duration, at: now) else { return false }
        record(JournalRecord(e))
        return true
    }

    /// Opens an incident from an alert, or returns the unresolved one
    /// already opened from it (one alert, one incident at a time).
    /// `source` is the store the rules read, for the minutes before the
    /// alert went pending (nil: no backfill).
    public mutating func openIncident(from key: AlertKey, at now: Int64, source: (any SeriesSource)? = nil) -> String? {
        if let open = incidents.all.first(where: { $0.alert == key && $0.status != .resolved }) { return open.id }
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
                    severity: alert.severity, description: rule?.description, services: IncidentBook.services(of: key),
                    assignee: level?.contacts.joined(separator: ", "), by: identity)))
        incidents.apply(r)
        record(r)
        // The post-mortem wants the metric from before the alert went
        // pending up to this moment.
        if let rule, let source {
            backfill(rule, key, from: alert.activeSinceMs - 10 * 60_000, to: now, source: source)
        }
        flushSamples(at: now)
        return id
    }

    /// Samples of the rule's metric for `key` between two times, from the
    /// store's history: at most 120 evaluations of one expression, done
    /// once when an operator opens an incident (not on every alert, which
    /// with a rule grouped by service could be thousands at once).
    mutating func backfill(_ rule: AlertRule, _ key: AlertKey, from: Int64, to: Int64, source: any SeriesSource) {
        let evaluator = Evaluator(source: source)
        let step = max(15_000, (to - from) / 120)
        var points: [(Int64, Double)] = []
        var t = from
        while t < to {
            if case .vector(let v)? = try? evaluator.evaluate(rule.valueExpr, at: t),
                let e = v.first(where: { AlertKey(rule: rule.name, labels: $0.labels) == key })
            {
                points.append((t, e.value))
            }
            t += step
        }
        pendingSamples[key, default: []].insert(contentsOf: points, at: 0)
    }

    /// A note on an incident, optionally moving its status.
    public mutating func updateIncident(_ id: String, status: IncidentStatus?, note: String, at now: Int64) -> Bool {
        guard let incident = incidents[id] else { return false }
        if status == nil && note.isEmpty { return false }
        let r = JournalRecord(
            t: now, .incidentUpdated(IncidentUpdated(id: id, status: status, note: note, by: identity)))
        if status == .resolved || incident.status == .resolved { flushSamples(at: now) }
        incidents.apply(r)
        record(r)
        return true
    }

    /// An incident's timeline and figures, from the journal.
    public func history(of id: String, now: Int64) -> IncidentHistory? {
        incidents[id].map { IncidentHistory(incident: $0, records: records, nowMs: now) }
    }

    /// Whether a newly firing alert rings the bell: the severities the
    /// config escalates (critical and high in the plan).
    /// How far back the rules' expressions read (ranges and offsets):
    /// until the store holds that much, a missing series proves nothing.
    public var longestRuleReachMs: Int64 {
        engine.rules.flatMap { $0.expr.selectors.map(\.1) }.max() ?? 0
    }

    public func rings(_ event: AlertEvent) -> Bool {
        guard case .transition(let key, _, .firing, _, _) = event, let a = engine.alerts[key] else { return false }
        return config.alerts.severities.first { $0.id == a.severity }?.escalation ?? false
    }
}
