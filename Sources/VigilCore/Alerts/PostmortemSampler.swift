/// Keeps the metric of every active alert for post-mortems: a value per
/// evaluation, handed out as journal records once a minute and when an
/// alert resolves; and, when an incident is opened, the minutes before the
/// alert went pending, from the store's history.
public struct PostmortemSampler: Sendable {
    static let flushMs: Int64 = 60_000
    /// Samples not yet written.
    var pending: [AlertKey: [(Int64, Double)]] = [:]
    var lastFlush: Int64 = 0

    /// Takes this evaluation's values; returns the records due now.
    /// `values` holds, for alerts whose condition stopped holding, the
    /// unfiltered expression's value (`values(of:...)`).
    mutating func sample(
        _ engine: AlertEngine, at now: Int64, events: [AlertEvent], results: [String: [Labels: Double]],
        values: [AlertKey: Double]
    ) -> [JournalRecord] {
        // While the condition holds, the rule's own result is the value
        // (a comparison keeps its left side).
        for a in engine.active {
            if let v = results[a.key.rule]?[Labels(a.key.labels)] ?? values[a.key] {
                pending[a.key, default: []].append((now, v))
            }
        }
        var due = now - lastFlush >= Self.flushMs
        for case .transition(_, _, .resolved, _, _) in events { due = true }
        return due ? flush(at: now) : []
    }

    /// The unfiltered expression's value for each of `active` whose
    /// condition does not hold in `results` (keep_firing_for, a hold just
    /// broken): only those need a second evaluation.
    public static func values(
        of active: [AlertKey], rules: [AlertRule], results: [String: [Labels: Double]], source: any SeriesSource,
        at now: Int64
    ) -> [AlertKey: Double] {
        var missing: [String: [AlertKey]] = [:]
        for key in active where results[key.rule]?[Labels(key.labels)] == nil {
            missing[key.rule, default: []].append(key)
        }
        var out: [AlertKey: Double] = [:]
        let evaluator = Evaluator(source: source)
        for (ruleName, keys) in missing {
            guard let rule = rules.first(where: { $0.name == ruleName }),
                case .vector(let v)? = try? evaluator.evaluate(rule.valueExpr, at: now)
            else { continue }
            let byKey = Dictionary(
                v.map { (AlertKey(rule: rule.name, labels: $0.labels), $0.value) }, uniquingKeysWith: { a, _ in a })
            for key in keys { if let value = byKey[key] { out[key] = value } }
        }
        return out
    }

    /// Everything kept, as one record per alert.
    mutating func flush(at now: Int64) -> [JournalRecord] {
        lastFlush = now
        defer { pending = [:] }
        return pending.sorted(by: { $0.key < $1.key }).compactMap { key, points in
            points.isEmpty
                ? nil : JournalRecord(t: now, .samples(key, times: points.map(\.0), values: points.map(\.1)))
        }
    }

    /// Samples of the rule's metric for `key` between two times, from the
    /// store's history: at most 120 evaluations of one expression, done
    /// once when an operator opens an incident (not on every alert, which
    /// with a rule grouped by service could be thousands at once).
    public static func history(
        _ rule: AlertRule, _ key: AlertKey, from: Int64, to: Int64, source: any SeriesSource
    ) -> [(Int64, Double)] {
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
        return points
    }
}
