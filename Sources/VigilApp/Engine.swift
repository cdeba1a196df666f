import VigilCore

/// The data plane: the series store, the graphs' columns and every query
/// over them. The executable runs it on a worker thread and tests run it
/// inline: the application asks with `Work` (as a command) and hears back
/// with `Message.worked`, so parsing a 60 MB body or evaluating 200 rules
/// never delays a key or a frame. It decides nothing: what to evaluate,
/// when, and what the results mean are the application's.
public struct Engine: Sendable {
    public internal(set) var store: SeriesStore
    var history: MetricHistory
    /// Every local metric a dashboard shows: their graphs are kept for all
    /// dashboards, so switching shows data at once.
    var shown: [MetricDefinition]
    /// Every local metric, for the history store.
    var local: [MetricDefinition]
    let rules: [AlertRule]
    let recordingRules: [RecordingRule]
    var recorder = RuleRecorder()
    let ruleReachMs: Int64
    /// Rules' subqueries' settled steps, from one evaluation to the next.
    var ruleMemo: [SubqueryCache.Key: [VectorElement]] = [:]

    init(config: VigilConfig, store: SeriesStore, history: MetricHistory) {
        self.store = store
        self.history = history
        local = config.metrics.filter { !$0.remote }
        let ids = Set(config.dashboards.flatMap { $0.panels.flatMap(\.metrics) })
        shown = local.filter { ids.contains($0.id) }
        rules = config.alerts.rules
        recordingRules = config.alerts.recordingRules
        ruleReachMs = rules.flatMap { $0.expr.selectors.map(\.1) }.max() ?? 0
    }

    /// Does one piece of work; what it found, when there is an answer.
    public mutating func run(_ work: Work) -> WorkResult? {
        switch work {
        case .ingest(let job):
            return .ingested(job.run(into: &store), seriesHeld: store.seriesCount)
        case .evaluate(let request):
            return .evaluated(evaluate(request))
        case .backfill(let stored, let until, let older):
            if older {
                history.backfill(older: stored, until: until)
            } else {
                history.backfill(stored, until: until)
            }
            return nil
        case .alertHistory(let rule, let key, let from, let to):
            return .alertHistory(key, PostmortemSampler.history(rule, key, from: from, to: to, source: store))
        case .requery(let metrics):
            for m in metrics where !m.remote {
                // A new one is a repeated panel's new copy: shown from now on.
                if let i = shown.firstIndex(where: { $0.id == m.id }) { shown[i] = m } else { shown.append(m) }
                if let i = local.firstIndex(where: { $0.id == m.id }) { local[i] = m } else { local.append(m) }
                history.forget(m.id)
            }
            return nil
        case .labelValues(let variable, let query, let now):
            // What the series seen in the last five minutes hold.
            let seen = store.latest(matching: query.matchers, minT: now - 300_000, maxT: now)
            let values = Set(seen.compactMap { $0.0[query.label] }.filter { !$0.isEmpty })
            return .labelValues(variable, values.sorted())
        }
    }

    mutating func evaluate(_ r: EvaluationRequest) -> Evaluation {
        for p in r.points { store.append(p.labels, p.point) }
        var out = Evaluation(now: r.now)
        // Recording rules before everything that may read what they write.
        let recording = recordingRules.indices.filter { r.recording.contains($0) }.map { recordingRules[$0] }
        if !recording.isEmpty {
            for (name, error) in recorder.record(recording, into: &store, at: r.now) {
                out.recordErrors["record " + name] = error
            }
        }
        // Panels, rules and queries of this evaluation read each
        // `rate(x[1m])` once between them.
        let memo = EvaluationMemo(
            expressions: rules.map(\.expr) + rules.map(\.valueExpr) + shown.map(\.query) + Array(r.queries.values)
                + (r.record ? local.map(\.query) : []))
        // Graphs' new columns and their values now are folded in one pass
        // (and with the rules' folds of the same call at now).
        history.reshape(windowMs: r.windowMs, stepMs: r.stepMs)
        var stale: [String: Int64] = [:]
        if r.lookForStale {
            for m in shown { stale[m.id] = store.staleSince(m.query.selectors.map(\.0.matchers), at: r.now) }
        }
        memo.folds(shown.map(\.query), at: history.dueTimes(shown, now: r.now, stale: stale).union([r.now]))
        // The rules first: an alert is what the operator must not miss.
        if let ruleNames = r.rules {
            let ready = rules.filter { ruleNames.contains($0.name) }
            let subqueries = SubqueryCache(entries: ruleMemo)
            (out.ruleResults, out.ruleErrors) = AlertCenter.evaluateRules(
                ready, source: store, at: r.now, subqueries: subqueries, memo: memo)
            ruleMemo = subqueries.carried(to: r.now, reach: ruleReachMs)
            out.ready = ready.count
            out.values = PostmortemSampler.values(
                of: r.active, rules: rules, results: out.ruleResults, source: store, at: r.now)
        }
        // Graphs. Staleness is looked for only while a target is failing:
        // a healthy setup pays nothing for it.
        history.update(shown, source: store, now: r.now, stale: stale, memo: memo)
        for m in shown { out.metrics[m.id] = history.result(m.id, now: r.now) }
        let evaluator = Evaluator(source: store, memo: memo)
        for (key, expr) in r.queries {
            do {
                out.queries[key] = MetricHistory.values(try evaluator.evaluate(expr, at: r.now))
            } catch {
                out.queryErrors[key] = error.message
            }
        }
        if r.record { out.points = historyPoints(now: r.now, memo: memo) }
        out.seriesHeld = store.seriesCount
        return out
    }

    /// Every local metric's values now, for the history store: shown ones
    /// were just evaluated, the others are evaluated here.
    func historyPoints(now: Int64, memo: EvaluationMemo) -> [HistoryPoint] {
        let shownIDs = Set(shown.map(\.id))
        let evaluator = Evaluator(source: store, memo: memo)
        var points: [HistoryPoint] = []
        for m in local {
            let values: [Labels: Double]
            if shownIDs.contains(m.id) {
                guard history.staleSince[m.id] == nil else { continue }
                values = history.current[m.id] ?? [:]
            } else {
                values = (try? MetricHistory.values(evaluator.evaluate(m.query, at: now))) ?? [:]
            }
            for (labels, v) in values where v.isFinite {
                points.append(HistoryPoint(metric: m.id, labels: labels, t: now, v: v))
            }
        }
        return points
    }
}

/// What the application asks of the engine.
public enum Work: Sendable {
    /// Parse a scrape's body into the store.
    case ingest(ScrapeJob)
    /// Evaluate the rules, the graphs and some queries at one time.
    case evaluate(EvaluationRequest)
    /// What the history store held: graphs' columns before `until` are
    /// drawn from it (`older`: from further back than what it has).
    case backfill([String: [Labels: [(Int64, Double)]]], until: Int64, older: Bool)
    /// An alert's metric before it went pending, for an incident just
    /// opened.
    case alertHistory(AlertRule, AlertKey, from: Int64, to: Int64)
    /// Metrics whose queries changed (a dashboard variable chosen on
    /// screen): evaluated anew from the store, their graphs drawn again.
    case requery([MetricDefinition])
    /// A query variable's `label_values`, from the store (`variable` is
    /// the answer's tag: the source's index and the variable's name).
    case labelValues(String, LabelValuesQuery, now: Int64)
}

/// What the engine answers.
public enum WorkResult: Sendable {
    case ingested(ScrapeReport, seriesHeld: Int)
    case evaluated(Evaluation)
    case alertHistory(AlertKey, [(Int64, Double)])
    case labelValues(String, [String])
}

/// One evaluation's question.
public struct EvaluationRequest: Sendable {
    public var now: Int64
    /// The local rules whose ranges the store covers (nil: no rule is
    /// evaluated, the store has no data yet).
    public var rules: Set<String>?
    /// Alerts active before this evaluation, for their samples.
    public var active: [AlertKey] = []
    public var windowMs: Int64
    public var stepMs: Int64
    public var lookForStale = false
    /// Further queries by key (objectives, criteria).
    public var queries: [String: QueryExpr] = [:]
    /// Points to add to the store first (the objectives' ledger ratios).
    public var points: [StorePoint] = []
    /// Also every local metric's values for the history store.
    public var record = false
    /// The recording rules to run first (indices into the configuration's).
    public var recording: Set<Int> = []

    public init(now: Int64, windowMs: Int64, stepMs: Int64) {
        self.now = now
        self.windowMs = windowMs
        self.stepMs = stepMs
    }
}

/// A point for a series of the store.
public struct StorePoint: Sendable {
    public var labels: Labels
    public var point: Point
}

/// One evaluation's answer.
public struct Evaluation: Sendable {
    public var now: Int64
    public var ruleResults: [String: [Labels: Double]] = [:]
    public var ruleErrors: [String: String] = [:]
    /// Recording rules that failed, as "record NAME".
    public var recordErrors: [String: String] = [:]
    /// How many rules were evaluated.
    public var ready = 0
    /// Active alerts' values where their condition no longer holds.
    public var values: [AlertKey: Double] = [:]
    /// Every shown local metric over the window.
    public var metrics: [String: MetricResult] = [:]
    public var queries: [String: [Labels: Double]] = [:]
    public var queryErrors: [String: String] = [:]
    public var points: [HistoryPoint] = []
    public var seriesHeld = 0

    public init(now: Int64) { self.now = now }
}
