import VigilCore
import VigilUI

extension App {
    /// The metrics the current dashboard shows.
    var visibleMetrics: [MetricDefinition] {
        guard state.dashboard < config.dashboards.count else { return [] }
        let ids = Set(config.dashboards[state.dashboard].panels.flatMap(\.metrics))
        return config.metrics.filter { ids.contains($0.id) }
    }

    /// Rules that cannot be evaluated yet (their range is longer than the
    /// data the store holds), or no data at all yet.
    public var warmingUp: Bool { dataSince == nil || alerts.waitingRules > 0 }

    /// The step of the graphs' columns for the window shown.
    var graphStepMs: Int64 { max(config.refresh.milliseconds, state.windowMs / Int64(graphColumns)) }

    /// The graphs' column times for the window shown.
    func alignedTimes(now: Int64) -> [Int64] {
        MetricHistory.alignedTimes(now: now, windowMs: state.windowMs, stepMs: graphStepMs)
    }

    /// Asks for an evaluation at `now`: the server's queries go out here,
    /// the local ones to the engine. One is in flight at a time; a refresh
    /// due meanwhile is coalesced into the next one, never queued.
    mutating func requestEvaluation(now: Int64) {
        evaluating = true
        lastEvaluation = now
        // The server is asked once per refresh; evaluations in between
        // (an answer arrived, a key was pressed) only redraw what is in.
        askServer = now - lastServerRequest >= config.refresh.milliseconds - 50
        // Current values first (stats, the newest point), then the rules
        // (in remoteRuleResults), then graphs' ranges.
        if askServer { askServerForVisibleMetrics(now: now) }
        if dataSince == nil, targets.health.allSatisfy({ $0.lastSuccessAtMs != nil || $0.scrapes >= 2 }) {
            // The first scrapes' time: the oldest point the store has.
            dataSince = targets.health.compactMap(\.lastSuccessAtMs).min() ?? now
        }
        let (remote, remoteErrors) = remoteRuleResults(now: now)
        asked = AskedEvaluation(remote: remote, remoteErrors: remoteErrors, alerting: dataSince != nil)
        var request = EvaluationRequest(now: now, windowMs: state.windowMs, stepMs: graphStepMs)
        let due = dueRuleGroups(now: now)
        if let dataSince {
            let ready = alerts.readyRules(at: now, dataSince: dataSince)
            let asking = ready.filter { due.contains($0.imported?.group ?? "") }
            asked.notDue = ready.count - asking.count
            request.rules = Set(asking.map(\.name))
            request.active = alerts.engine.active.map(\.key)
        }
        request.recording = Set(
            config.alerts.recordingRules.indices.filter { due.contains(config.alerts.recordingRules[$0].group) })
        request.lookForStale = targets.health.contains { $0.up == false }
        request.queries = objectiveQueries().merging(launchQueries()) { a, _ in a }
        askServerForLaunch(now: now)
        request.points = ledgerPoints
        ledgerPoints = []
        request.record = historyDue(now: now)
        askServerForRanges(now: now)
        work.append(.evaluate(request))
    }

    /// Rule file groups whose rules run in this evaluation: those without
    /// an `interval:` every time, the others when it has come round (half
    /// a refresh early, so a 30s group runs every 30s, not every 32s).
    /// "" stands for the configuration's own rules.
    mutating func dueRuleGroups(now: Int64) -> Set<String> {
        var due: Set<String> = [""]
        let groups =
            config.alerts.rules.compactMap { r in r.imported.map { ($0.group, $0.groupIntervalMs) } }
            + config.alerts.recordingRules.map { ($0.group, $0.groupIntervalMs) }
        for (group, interval) in groups where !due.contains(group) {
            guard let interval else {
                due.insert(group)
                continue
            }
            if let last = ruleGroupsRan[group], now - last < interval - config.refresh.milliseconds / 2 { continue }
            ruleGroupsRan[group] = now
            due.insert(group)
        }
        return due
    }

    /// What the engine answered: the alerts move on, the objectives and
    /// the snapshot are computed, the history gets its points. Returns the
    /// alerts' events.
    mutating func take(_ e: Evaluation, now: Int64) -> [Command] {
        evaluating = false
        seriesHeld = e.seriesHeld
        var events: [AlertEvent] = []
        if asked.alerting {
            events = alerts.apply(
                results: e.ruleResults, errors: e.ruleErrors.merging(e.recordErrors) { a, _ in a },
                ready: e.ready + asked.notDue, remote: asked.remote,
                remoteErrors: asked.remoteErrors, values: e.values, at: e.now)
            // Vigil's own alerts go to Alertmanager as Prometheus sends its.
            alertmanager?.send(Array(alerts.engine.alerts.values), rules: alerts.engine.rules, now: e.now)
            queueNotifications(events, now: e.now)
        }
        refreshAlertsModel(now: now)
        evaluateObjectives(now: e.now, answers: e.queries)
        measureLaunch(now: e.now, answers: e.queries, errors: e.queryErrors)
        settlePending(now: now)
        metricResults = e.metrics
        makeSnapshot(now: e.now)
        dirty = true
        var commands: [Command] = []
        // The objectives' rates go to the history with the metrics' values.
        let points = recordingObjectives ? e.points + objectivePoints(now: e.now) : e.points
        recordingObjectives = false
        if !points.isEmpty { commands.append(.record(points)) }
        // A newly firing critical or high alert rings the bell once and
        // stays highlighted until it is seen.
        let loud = events.filter { alerts.rings($0) }.map(\.key)
        guard !loud.isEmpty else { return commands }
        if state.screen != .alerts { state.unseen.formUnion(loud) }
        return commands + (options.bell ? [.bell] : [])
    }

    /// Asks the server for the current value of every remote metric shown.
    mutating func askServerForVisibleMetrics(now: Int64) {
        lastServerRequest = now
        for m in visibleMetrics where m.remote {
            prometheus?.instant(key: "i:" + m.id, query: m.queryText, atMs: now)
        }
    }

    /// Asks the server for every remote rule (an instant query per rule
    /// and refresh) and returns the answers that are in.
    mutating func remoteRuleResults(now: Int64) -> ([String: [Labels: Double]], [String: String]) {
        guard prometheus != nil else { return ([:], [:]) }
        var results: [String: [Labels: Double]] = [:]
        var errors: [String: String] = [:]
        for rule in alerts.engine.rules where rule.remote {
            let key = "rule:" + rule.name
            if askServer { prometheus?.instant(key: key, query: rule.promql, atMs: now) }
            guard let answer = prometheus?.instants[key] else { continue }
            if let e = answer.error {
                errors[rule.name] = e
                continue
            }
            var holding: [Labels: Double] = [:]
            // A rule file's labels go on, as for a rule evaluated here.
            for row in answer.rows { holding[rule.alertLabels(row.labels, value: row.value)] = row.value }
            results[rule.name] = holding
        }
        return (results, errors)
    }

    /// Asks the server for the graphs of the remote metrics shown.
    mutating func askServerForRanges(now: Int64) {
        guard askServer, prometheus != nil else { return }
        let times = alignedTimes(now: now)
        guard let first = times.first, let last = times.last else { return }
        let step = graphStepMs
        for m in visibleMetrics where m.remote {
            prometheus?.range(key: "r:" + m.id, query: m.queryText, startMs: first, endMs: last, stepMs: step)
        }
    }

    /// The frame's data from the last evaluation, for the dashboard shown
    /// (unless the display is paused: polling and alerting go on).
    mutating func makeSnapshot(now: Int64) {
        guard !state.paused else { return }
        var results: [String: MetricResult] = [:]
        for m in visibleMetrics {
            results[m.id] = m.remote ? remoteResult(m, now: now) : metricResults[m.id] ?? .empty
        }
        snapshot = Snapshot(
            timeMs: now, results: results, targets: targetStatus, refreshMs: config.refresh.milliseconds,
            logs: logRings, logStatus: logStatus)
        snapshot.objectives = objectiveFigures
        snapshot.criteria = criteriaStatus
        snapshot.launch = launchModel(now: now)
        snapshot.firing = alertsModel.rows.filter { $0.state == .firing }.map { row in
            FiringAlert(
                title: row.shortTitle, severityName: row.severityName,
                red: ["red", "orange"].contains(row.severityColor ?? "red"), acknowledged: row.acknowledgement != nil)
        }
        updateZoomedLogTotal()
    }

    /// A remote metric: its graph from `query_range` (asked again only when
    /// the step moves), its current value from `query` (every refresh).
    func remoteResult(_ m: MetricDefinition, now: Int64) -> MetricResult {
        guard let prometheus else { return .empty }
        let times = alignedTimes(now: now)
        let range = prometheus.ranges["r:" + m.id]
        let instant = prometheus.instants["i:" + m.id]
        var byLabels: [Labels: [Int64: Double]] = [:]
        for s in range?.series ?? [] {
            var points: [Int64: Double] = [:]
            for p in s.points { points[p.t] = p.v }
            byLabels[s.labels, default: [:]].merge(points) { a, _ in a }
        }
        var current: [Labels: Double] = [:]
        for row in instant?.rows ?? [] { current[row.labels] = row.value }
        let keys = Set(byLabels.keys).union(current.keys).sorted()
        let series = keys.map { labels in
            SeriesHistory(labels: labels, values: times.map { byLabels[labels]?[$0] }, current: current[labels])
        }
        // The server's own words: errors first, then warnings (partial answers).
        let warnings = (instant?.warnings ?? []) + (range?.warnings ?? [])
        let error =
            instant?.error ?? range?.error ?? (warnings.isEmpty ? nil : "warning: " + warnings.joined(separator: "; "))
        var result = MetricResult(times: times, series: series, error: error)
        result.pending = instant == nil && range == nil
        // A server that stopped answering: what is shown is its last answer.
        if prometheus.lastError != nil { result.staleSinceMs = prometheus.lastSuccessMs }
        return result
    }

    var logRings: [String: LogRing] {
        Dictionary(zip(logs.sources.map(\.name), logs.rings), uniquingKeysWith: { a, _ in a })
    }

    var logStatus: [String: LogStatus] {
        Dictionary(
            zip(logs.sources.map(\.name), logs.health.map { LogStatus(ok: $0.ok, error: $0.lastError) }),
            uniquingKeysWith: { a, _ in a })
    }

    /// The zoomed log panel's line count, so a scrolled view holds still.
    mutating func updateZoomedLogTotal() {
        guard state.zoomedOnLog, state.dashboard < config.dashboards.count,
            state.selected < config.dashboards[state.dashboard].panels.count,
            let source = config.dashboards[state.dashboard].panels[state.selected].source,
            let ring = snapshot.logs[source]
        else { return }
        state.zoom.logTotal = ring.total
    }

    var targetStatus: [TargetStatus] {
        var out = zip(targets.targets, targets.health).map { t, h in
            var s = TargetStatus(
                name: t.name, up: h.up, lastError: h.lastError, lastSuccessMs: h.lastSuccessAtMs,
                intervalMs: t.intervalMs, insecure: t.request.tls.insecureSkipVerify)
            s.warning = h.warning
            return s
        }
        // The server counts as a target: down when it does not answer.
        if let prometheus, let server = config.prometheus {
            out.append(
                TargetStatus(
                    name: "prometheus",
                    up: prometheus.lastError == nil ? (prometheus.lastSuccessMs == nil ? nil : true) : false,
                    lastError: prometheus.lastError, lastSuccessMs: prometheus.lastSuccessMs,
                    intervalMs: max(config.refresh.milliseconds, 2000), insecure: server.insecureSkipVerify))
        }
        return out
    }

    /// True once every panel of the current dashboard has a value (or a
    /// definite error).
    public var everyPanelSettled: Bool {
        guard state.dashboard < config.dashboards.count else { return true }
        return config.dashboards[state.dashboard].panels.allSatisfy { p in
            switch PanelModel(panel: p, config: config, snapshot: snapshot).state {
            case .noData: return false
            default: return true
            }
        }
    }

    /// When `--once` may print: every target scraped twice (rates need
    /// two scrapes), every panel has its answer, and the server's answers
    /// (graphs' ranges too) are all in. Server mode has no targets of its
    /// own to wait for.
    public var readyToPrint: Bool {
        let serverDone = prometheus.map { $0.settled && $0.sent > 0 } ?? true
        let scraped = targets.targets.isEmpty ? prometheus != nil : targets.scrapes >= 2 * targets.targets.count
        return scraped && everyPanelSettled && serverDone && launchMeasured
    }

    /// Targets (and the server) whose last scrape failed, with the reason.
    public var downTargets: [TargetStatus] { snapshot.targets.filter { $0.up == false } }

    /// The configuration `--once` runs: every target scraped at least
    /// every second, so rates exist within the wait.
    public static func onceConfig(_ config: VigilConfig) -> VigilConfig {
        var fast = config
        for i in fast.targets.indices where fast.targets[i].interval.milliseconds > 1000 {
            fast.targets[i].interval = PromDuration(milliseconds: 1000)
            fast.targets[i].timeout = PromDuration(milliseconds: min(fast.targets[i].timeout.milliseconds, 1000))
        }
        return fast
    }

    /// Once a refresh, after the first scrapes: whether every configured
    /// metric's values go to the history store with this evaluation (the
    /// engine evaluates them). In server mode the server is the history,
    /// and nothing is recorded.
    mutating func historyDue(now: Int64) -> Bool {
        guard options.recordHistory, historyOff == nil, dataSince != nil,
            now - lastRecorded >= config.refresh.milliseconds - 50
        else { return false }
        lastRecorded = now
        recordingObjectives = true
        return true
    }

    /// A window longer than memory keeps, in scrape mode with a history
    /// store: the part before memory is read from the store's rollups
    /// (once for the longest window asked; later columns come from memory).
    mutating func loadLongWindow(now: Int64) -> [Command] {
        let from = now - state.windowMs
        guard options.readHistory, !loading, loadedFrom > .min, state.windowMs > memoryMs else { return [] }
        // Asked again when the window reaches further back than what was
        // read, or memory has let go of more than a column since.
        guard from < loadedFrom || memoryFrom(now: now) - backfillUntil > graphStepMs else { return [] }
        let local = config.metrics.filter { !$0.remote }.map(\.id)
        guard !local.isEmpty else { return [] }
        loading = true
        return [.loadHistory(metrics: local, from: from, to: memoryFrom(now: now))]
    }

    /// From when the in-memory store's data answers a query: this
    /// process's first data, or as far back as memory keeps.
    func memoryFrom(now: Int64) -> Int64 {
        max(dataSince ?? now, now - memoryMs + config.longestQueryReachMs)
    }

    /// Graphs after a restart: what the history store held for each
    /// metric, shown where the new process has no data of its own.
    public mutating func backfill(_ stored: [String: [Labels: [(Int64, Double)]]], until: Int64) {
        backfillUntil = until
        work.append(.backfill(stored, until: until, older: false))
        lastEvaluation = 0
    }
}
