import VigilCore
import VigilUI

extension App {
    /// Once a refresh in scrape mode: each objective's good and total
    /// rates now (a gauge: its value) go into its ledger, and its figures
    /// are computed; each criterion is judged. In server mode the
    /// objectives' alerts run on the server, and their figures are not
    /// computed yet (said in the figures).
    /// The queries the objectives and criteria need from the engine, by
    /// key: each objective's rates (or gauge) and a latency objective's
    /// bucket boundaries; each criterion's metric.
    func objectiveQueries() -> [String: QueryExpr] {
        guard !serverOnly else { return [:] }
        var queries: [String: QueryExpr] = [:]
        func add(_ key: String, _ promql: String) {
            if let expr = try? QueryParser.parse(promql) { queries[key] = expr }
        }
        for o in config.objectives {
            if let rates = o.eventRates("1m") {
                add("slo:\(o.id):total", rates.total)
                add("slo:\(o.id):good", rates.good)
            } else if case .gauge(let gauge) = o.indicator {
                add("slo:\(o.id):gauge", "avg(\(gauge))")
            }
            if case .latency(let histogram, let matchers, _) = o.indicator {
                let selector = "\(histogram)_bucket" + (matchers.isEmpty ? "" : "{\(matchers.joined(separator: ", "))}")
                add("slo:\(o.id):le", "count by (le) (\(selector))")
            }
        }
        for c in config.criteria {
            if case .metric(let id) = c.kind, let m = config.metric(id), !m.remote {
                queries["criterion:" + id] = m.query
            }
        }
        return queries
    }

    mutating func evaluateObjectives(now: Int64, answers: [String: [Labels: Double]]) {
        guard !config.objectives.isEmpty || !config.criteria.isEmpty else { return }
        func scalar(_ key: String) -> Double? {
            guard let values = answers[key] else { return nil }
            return values.isEmpty ? nil : values.values.reduce(0, +)
        }
        var figures: [SLOFigures] = []
        for o in config.objectives {
            var problem: String?
            if serverOnly {
                figures.append(serverFigures(o, now: now))
                continue
            } else if dataSince != nil {
                var ledger = ledgers[o.id] ?? SLOLedger()
                if o.eventRates("1m") != nil {
                    let total = scalar("slo:\(o.id):total") ?? 0
                    let good = scalar("slo:\(o.id):good")
                    problem = bucketProblem(o, total: total, good: good, boundaries: answers["slo:\(o.id):le"])
                    ledger.feed(good: good ?? 0, total: total, gauge: false, at: now)
                    sampled[o.id] = (good ?? 0, total)
                } else if case .gauge = o.indicator, let v = scalar("slo:\(o.id):gauge") {
                    ledger.feed(good: v, total: 1, gauge: true, at: now)
                    sampled[o.id] = (v, 1)
                }
                ledger.trim(before: o.window.bounds(now: now).start)
                ledgers[o.id] = ledger
                // The ticket's windows from the ledger, as series its rule
                // reads, once the ledger (with the history) covers the short
                // one: a few minutes of data are not three days' burn.
                if let ticket = BurnRateAlerts.pairs.last, let first = ledger.firstMinute,
                    first <= now - ticket.shortMs / o.speedup
                {
                    for (which, ms) in [("long", ticket.longMs / o.speedup), ("short", ticket.shortMs / o.speedup)] {
                        guard let ratio = ledger.errorRatio(o, from: now - ms, to: now) else { continue }
                        let labels = Labels([
                            Labels.metricName: BurnRateAlerts.ledgerMetric, "objective": o.id, "window": which,
                        ])
                        // Into the store with the next evaluation, before
                        // its rules read them.
                        ledgerPoints.append(StorePoint(labels: labels, point: Point(t: now, v: ratio)))
                    }
                }
            }
            figures.append(SLOFigures.compute(o, ledger: ledgers[o.id] ?? SLOLedger(), now: now, problem: problem))
        }
        objectiveFigures = figures
        criteriaStatus = config.criteria.map { c in
            switch c.kind {
            case .metric(let id):
                let value = scalar("criterion:" + id)
                return CriterionStatus.judge(
                    c, value: value, detail: value == nil ? "no value of \(id) now" : "\(id) now")
            case .incidents(let severity):
                let count = alerts.incidents.all.filter { $0.severity == severity }.count
                return CriterionStatus.judge(
                    c, value: Double(count), detail: "\(severity) incidents in the journal")
            case .notMeasured:
                return CriterionStatus.judge(c, value: nil, detail: "")
            }
        }
    }

    /// Server mode: the objective's queries asked of Prometheus (the
    /// window's once a minute, the burn ratios each refresh) and its
    /// figures from the answers that are in.
    mutating func serverFigures(_ o: Objective, now: Int64) -> SLOFigures {
        let queries = SLOServer.queries(o, now: now)
        let windowDue = lastObjectiveWindowAsk[o.id].map { now - $0 >= 60_000 } ?? true
        if windowDue && askServer { lastObjectiveWindowAsk[o.id] = now }
        var answers: [String: Double?] = [:]
        var problem: String?
        for q in queries {
            if askServer && (!q.window || windowDue) { prometheus?.instant(key: q.key, query: q.promql, atMs: now) }
            guard let answer = prometheus?.instants[q.key] else { continue }
            if let e = answer.error { problem = "Prometheus: \(e)" }
            answers[q.key] = answer.rows.isEmpty ? Double?.none : answer.rows.map(\.value).reduce(0, +)
        }
        guard let counts = SLOServer.counts(o, answers: answers) else {
            return SLOFigures.compute(
                o, ledger: SLOLedger(), now: now, problem: problem ?? "waiting for Prometheus' answers")
        }
        return SLOFigures.compute(o, counts: counts, now: now, problem: problem)
    }

    /// A latency objective whose threshold matches no bucket: total
    /// traffic, and no bucket at that boundary. Said with the position the
    /// threshold was written at and the boundaries the histogram has.
    func bucketProblem(_ o: Objective, total: Double, good: Double?, boundaries: [Labels: Double]?) -> String? {
        guard case .latency(let histogram, _, let threshold) = o.indicator, total > 0, good == nil else {
            return nil
        }
        let bounds = (boundaries ?? [:]).keys.compactMap { $0["le"] }.sorted {
            (Double($0) ?? .infinity) < (Double($1) ?? .infinity)
        }
        let at = o.thresholdAt.map { "\(config.file):\($0.line):\($0.column): " } ?? ""
        return "\(at)threshold \(formatSampleValue(threshold)) is not a bucket boundary of \(histogram)"
            + (bounds.isEmpty ? "" : " (its boundaries: \(bounds.joined(separator: ", ")))")
    }

    /// The points the history records for the objectives: their rates (or
    /// gauge values) of this refresh, a series for good and one for total.
    func objectivePoints(now: Int64) -> [HistoryPoint] {
        config.objectives.flatMap { o -> [HistoryPoint] in
            guard let (good, total) = sampled[o.id] else { return [] }
            return [
                HistoryPoint(metric: SLOLedger.historyID(o), labels: Labels(["part": "good"]), t: now, v: good),
                HistoryPoint(metric: SLOLedger.historyID(o), labels: Labels(["part": "total"]), t: now, v: total),
            ]
        }
    }

    /// The objectives' windows as the history holds them, asked once at
    /// start (off the loop thread).
    mutating func loadObjectives(now: Int64) -> [Command] {
        guard options.readHistory, !objectivesAsked, !config.objectives.isEmpty, !serverOnly else { return [] }
        objectivesAsked = true
        let from = config.objectives.map { $0.window.bounds(now: now).start }.min() ?? now
        return [.loadHistory(metrics: config.objectives.map(SLOLedger.historyID), from: from, to: now)]
    }

    /// The history's minute averages of the recorded rates, into the ledgers.
    public mutating func backfillObjectives(_ stored: [String: [Labels: [(Int64, Double)]]]) {
        for o in config.objectives {
            guard let series = stored[SLOLedger.historyID(o)] else { continue }
            var ledger = ledgers[o.id] ?? SLOLedger()
            ledger.backfill(SLOLedger.minutes(o, from: series))
            ledgers[o.id] = ledger
        }
    }
}
