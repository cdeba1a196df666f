/// Rule evaluation: each rule's condition on the store (or the server's
/// answer), the engine's transitions, and the samples they start.
extension AlertCenter {
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
        record(sampler.sample(engine, source: source, at: now, events: events, results: results))
        return events
    }

}
