/// Rule evaluation: each rule's condition on the store (or the server's
/// answer), the engine's transitions, and the samples they start.
extension AlertCenter {
    /// Each rule's condition at `now`: the series for which it holds. A
    /// rule whose query fails is left out (its alerts stay as they are)
    /// and its error kept in `ruleErrors`.
    public static func evaluateRules(
        _ rules: [AlertRule], source: any SeriesSource, at now: Int64, subqueries: SubqueryCache = SubqueryCache(),
        memo: EvaluationMemo? = nil
    ) -> (results: [String: [Labels: Double]], errors: [String: String]) {
        let evaluator = Evaluator(source: source, subqueries: subqueries, memo: memo)
        var results: [String: [Labels: Double]] = [:]
        var errors: [String: String] = [:]
        // Work the rules share within one evaluation: a condition's metric
        // query is evaluated once for every rule that compares it (the
        // plan's rules are `metric > threshold`, often several thresholds
        // on one metric), and an expression written twice is evaluated once.
        var metricValues: [String: Result<QueryValue, QueryEvaluationError>] = [:]
        var byText: [String: Result<QueryValue, QueryEvaluationError>] = [:]
        for rule in rules {
            let value: Result<QueryValue, QueryEvaluationError>
            if let metric = rule.metric,
                case .binary(let op, let lhs, .number(let threshold), let matching, let returnBool) = rule.expr
            {
                let left =
                    metricValues[metric]
                    ?? Result { () throws(QueryEvaluationError) in try evaluator.evaluate(lhs, at: now) }
                metricValues[metric] = left
                value = left.flatMap { v in
                    Result { () throws(QueryEvaluationError) in
                        try evaluator.binary(
                            op, v, .scalar(threshold, t: now), matching: matching, returnBool: returnBool, t: now)
                    }
                }
            } else {
                let known = byText[rule.promql]
                value =
                    known ?? Result { () throws(QueryEvaluationError) in try evaluator.evaluate(rule.expr, at: now) }
                if !rule.promql.isEmpty { byText[rule.promql] = value }
            }
            switch value {
            case .success(.vector(let v)):
                var holding: [Labels: Double] = [:]
                for e in v { holding[rule.alertLabels(e.labels, value: e.value)] = e.value }
                if let limit = rule.imported?.limit, limit > 0, holding.count > limit {
                    errors[rule.name] = "exceeded limit of \(limit) with \(holding.count) alerts"
                } else if holding.count < v.count, rule.imported != nil {
                    errors[rule.name] = "vector contains metrics with the same labelset after applying alert labels"
                } else {
                    results[rule.name] = holding
                }
            case .success(.scalar(let v, _)):
                // A scalar condition holds when it is non-zero (PromQL
                // filters a scalar comparison to nothing or the value).
                results[rule.name] = v != 0 && !v.isNaN ? [Labels(): v] : [:]
            case .success(.matrix), .success(.string):
                errors[rule.name] = "the expression must yield an instant vector"
            case .failure(let error):
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
    ///
    /// Rules evaluated by a Prometheus server (`remote`) take their results
    /// from `remote` (rule name → series that hold); a rule missing there
    /// (no answer yet, or an error in `remoteErrors`) is left alone.
    @discardableResult
    public mutating func evaluate(
        source: any SeriesSource, at now: Int64, dataSince: Int64 = .min, remote: [String: [Labels: Double]] = [:],
        remoteErrors: [String: String] = [:]
    ) -> [AlertEvent] {
        let ready = readyRules(at: now, dataSince: dataSince)
        let subqueries = SubqueryCache(entries: subqueryMemo)
        let (results, errors) = Self.evaluateRules(
            ready, source: source, at: now, subqueries: subqueries, memo: EvaluationMemo())
        subqueryMemo = subqueries.carried(to: now, reach: longestRuleReachMs)
        let values = PostmortemSampler.values(
            of: engine.active.map(\.key), rules: engine.rules, results: results, source: source, at: now)
        return apply(
            results: results, errors: errors, ready: ready.count, remote: remote, remoteErrors: remoteErrors,
            values: values, at: now)
    }

    /// The local rules whose ranges the store covers at `now`.
    public func readyRules(at now: Int64, dataSince: Int64 = .min) -> [AlertRule] {
        engine.rules.filter { rule in
            !rule.remote && (dataSince == .min || now - dataSince >= rule.coverageMs)
        }
    }

    /// Advances the alerts on results evaluated elsewhere (the worker):
    /// `results` and `errors` of the `ready` local rules, the server's for
    /// remote ones, and `values` of active alerts whose condition no
    /// longer holds (for the post-mortems' samples).
    @discardableResult
    public mutating func apply(
        results local: [String: [Labels: Double]], errors localErrors: [String: String], ready: Int,
        remote: [String: [Labels: Double]] = [:], remoteErrors: [String: String] = [:],
        values: [AlertKey: Double] = [:], at now: Int64
    ) -> [AlertEvent] {
        var results = local
        var errors = localErrors
        for rule in engine.rules where rule.remote {
            if let r = remote[rule.name] { results[rule.name] = r }
            if let e = remoteErrors[rule.name] { errors[rule.name] = e }
        }
        ruleErrors = errors
        waitingRules = engine.rules.filter { !$0.remote }.count - ready
        let events = engine.evaluate(results, at: now)
        record(events.map(JournalRecord.init))
        record(sampler.sample(engine, at: now, events: events, results: results, values: values))
        return events
    }

    /// Adds samples of an alert's metric from before it went pending (for
    /// an incident just opened); with `flushAt`, journals them at once
    /// (the worker evaluated them after the incident was opened).
    public mutating func addHistory(_ key: AlertKey, _ points: [(Int64, Double)], flushAt: Int64? = nil) {
        sampler.pending[key, default: []].insert(contentsOf: points, at: 0)
        if let flushAt { record(sampler.flush(at: flushAt)) }
    }
}
