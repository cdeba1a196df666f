import Foundation
import VigilCore
import VigilNet
import VigilUI

/// Everything the dashboard keeps between frames except the screen:
/// targets being scraped, the store, the evaluated history, the model.
final class DashboardRuntime {
    let config: VigilConfig
    let scraper: Scraper
    var history: MetricHistory
    var state: AppState
    var snapshot: Snapshot
    var lastEvaluation: Int64 = 0
    var view: DashboardView
    let graphColumns: Int
    /// Rules, acknowledgements and incidents; nil in `--once` without a
    /// state directory.
    let alerts: AlertCenter?
    var alertsModel = AlertsModel()
    /// Log sources, polled through the scraper's fetcher.
    let logs: LogPoller
    /// The Prometheus datasource, when the config has one.
    let remote: RemoteQueries?
    /// Alertmanager, when the config has one.
    let alertmanager: AlertmanagerClient?
    var askServer = true
    var lastServerRequest: Int64 = 0

    init(config: VigilConfig, themes: [Theme], ascii: Bool, graphColumns: Int = 120, alerts: AlertCenter? = nil) {
        self.alerts = alerts
        self.config = config
        self.graphColumns = max(20, graphColumns)
        let targets = config.targets.map { t -> ScrapeTarget in
            ScrapeTarget(name: t.name, request: FetchRequest(t), intervalMs: t.interval.milliseconds, format: t.format)
        }
        // History: the longest window a graph may show, or the longest
        // range a query reaches back, plus Prometheus' 5 minute lookback.
        let minInterval = config.targets.map(\.interval.milliseconds).min() ?? 5000
        let keep = max(
            config.history?.milliseconds ?? AppState.windows.last!, config.longestQueryReachMs + 300_000)
        let capacity = Int(keep / max(1, minInterval)) + 8
        var selectors = config.selectors
        // The scrape series are always kept: status and panels use them.
        for name in ["up", "scrape_duration_seconds", "scrape_samples_scraped"] {
            if let m = try? LabelMatcher(Labels.metricName, .equal, name) { selectors.append([m]) }
        }
        scraper = Scraper(targets: targets, store: SeriesStore(capacity: capacity, filter: .selectedBy(selectors)))
        logs = LogPoller(sources: config.logs, fetcher: scraper.fetcher)
        let fetcher = scraper.fetcher
        remote = config.prometheus.map { RemoteQueries(server: $0, fetcher: fetcher) }
        let identity = alerts?.identity ?? AlertCenter.defaultIdentity()
        alertmanager = config.alertmanager.map { AlertmanagerClient(config: $0, fetcher: fetcher, identity: identity) }
        state = AppState(config: config, themes: themes, keyOverrides: config.keys)
        state.maxWindowMs = keep
        let window = state.windowMs
        history = MetricHistory(
            windowMs: window, stepMs: max(config.refresh.milliseconds, window / Int64(self.graphColumns)))
        snapshot = Snapshot(timeMs: 0, results: [:], targets: [], refreshMs: config.refresh.milliseconds)
        view = DashboardView(config: config, ascii: ascii)
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// The metrics the current dashboard shows.
    var visibleMetrics: [MetricDefinition] {
        guard state.dashboard < config.dashboards.count else { return [] }
        let ids = Set(config.dashboards[state.dashboard].panels.flatMap(\.metrics))
        return config.metrics.filter { ids.contains($0.id) }
    }

    /// When every target had delivered once: the store's data starts
    /// there, and rules wait until it covers their ranges.
    var dataSince: Int64?

    /// Rules that cannot be evaluated yet (their range is longer than the
    /// data the store holds), or no data at all yet.
    var warmingUp: Bool { dataSince == nil || (alerts?.waitingRules ?? 0) > 0 }

    /// Evaluates the rules (returning what changed) and the visible
    /// metrics, and takes a new snapshot unless the display is paused
    /// (polling and alerting go on regardless).
    @discardableResult
    func evaluate(now: Int64) -> [AlertEvent] {
        // The server is asked once per refresh; evaluations in between
        // (an answer arrived, a key was pressed) only redraw what is in.
        askServer = now - lastServerRequest >= config.refresh.milliseconds - 50
        if askServer {
            lastServerRequest = now
            // Current values first (stats, the newest point), then the
            // rules (in remoteRuleResults), then graphs' ranges.
            for m in visibleMetrics where m.remote { remote?.instant(key: "i:" + m.id, query: m.queryText, atMs: now) }
        }
        var events: [AlertEvent] = []
        if let alerts {
            if dataSince == nil, scraper.health.allSatisfy({ $0.lastSuccessAtMs != nil || $0.scrapes >= 2 }) {
                // The first scrapes' time: the oldest point the store has.
                dataSince = scraper.health.compactMap(\.lastSuccessAtMs).min() ?? now
            }
            let (remoteResults, remoteErrors) = remoteRuleResults(now: now)
            if let dataSince {
                events = alerts.evaluate(
                    source: scraper.store, at: now, dataSince: dataSince, remote: remoteResults,
                    remoteErrors: remoteErrors)
            } else {
                alerts.sync()
            }
            refreshAlertsModel(now: now)
        }
        evaluateMetrics(now: now)
        return events
    }

    /// Rebuilds what the alert screens show, and the lists keys act on.
    func refreshAlertsModel(now: Int64) {
        guard let alerts else { return }
        var m = AlertsModel(engine: alerts.engine, config: config, now: now)
        m.incidents = alerts.incidents.all
        m.readOnly = alerts.readOnlyReason
        m.warnings = alerts.warnings
        m.ruleErrors = alerts.ruleErrors
        m.warmingUp = warmingUp
        if let am = alertmanager {
            m.addAlertmanager(am.alerts, silences: am.silences, config: config)
            m.alertmanagerError = am.lastError
        }
        if state.screen == .incidents && state.incidentOpen, state.incidentSelected < m.incidents.count {
            m.history = alerts.history(of: m.incidents[state.incidentSelected].id, now: now)
        }
        alertsModel = m
        state.updateLists(
            alerts: m.rows.map(\.key),
            titles: Dictionary(m.rows.map { ($0.key, $0.title) }, uniquingKeysWith: { a, _ in a }),
            urgent: alerts.engine.needingAttention(at: now).map(\.key),
            incidents: m.incidents.map { ($0.id, $0.status) })
    }

    /// Carries out an operator's action on alerts or incidents.
    func perform(_ effect: Effect, now: Int64) {
        if performOnAlertmanager(effect) { return }
        guard let alerts else {
            state.message = "alerting is off (no state directory)"
            return
        }
        switch effect {
        case .acknowledge(let key, let note):
            state.message =
                alerts.acknowledge(key, note: note, at: now)
                ? "acknowledged \(AlertsModel.title(key))" : "\(AlertsModel.title(key)) is not firing"
            state.unseen.remove(key)
        case .unacknowledge(let key):
            state.message =
                alerts.unacknowledge(key, at: now)
                ? "acknowledgement removed" : "\(AlertsModel.title(key)) is not acknowledged"
        case .silence(let key, let d):
            state.message =
                alerts.silence(key, for: d, at: now) ? "silenced for \(d)" : "\(AlertsModel.title(key)) is not firing"
        case .openIncident(let key):
            if let id = alerts.openIncident(from: key, at: now) {
                refreshAlertsModel(now: now)
                state.showIncident(id)
                state.message = "incident \(id)"
            } else {
                state.message = "no such alert"
            }
        case .updateIncident(let id, let status, let note):
            state.message =
                alerts.updateIncident(id, status: status, note: note, at: now) ? "\(id) updated" : "no change"
        default:
            return
        }
        if let ro = alerts.readOnlyReason { state.message = "NOT SAVED: \(ro)" }
        refreshAlertsModel(now: now)
    }

    /// Asks the server for every remote rule (an instant query per rule
    /// and refresh) and returns the answers that are in.
    func remoteRuleResults(now: Int64) -> ([String: [Labels: Double]], [String: String]) {
        guard let remote, let alerts else { return ([:], [:]) }
        var results: [String: [Labels: Double]] = [:]
        var errors: [String: String] = [:]
        for rule in alerts.engine.rules where rule.remote {
            let key = "rule:" + rule.name
            if askServer { remote.instant(key: key, query: rule.promql, atMs: now) }
            guard let answer = remote.instants[key] else { continue }
            if let e = answer.error {
                errors[rule.name] = e
                continue
            }
            var holding: [Labels: Double] = [:]
            for row in answer.rows { holding[row.labels.withoutName] = row.value }
            results[rule.name] = holding
        }
        return (results, errors)
    }

    /// A remote metric: its graph from `query_range` (asked again only when
    /// the step moves), its current value from `query` (every refresh).
    func remoteResult(_ m: MetricDefinition, now: Int64) -> MetricResult {
        guard let remote else { return .empty }
        let times = history.alignedTimes(now: now)

        let range = remote.ranges["r:" + m.id]
        let instant = remote.instants["i:" + m.id]
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
        return MetricResult(times: times, series: series, error: error)
    }

    /// The Alertmanager alert a key stands for.
    func alertmanagerAlert(_ key: AlertKey) -> AMAlert? {
        alertmanager?.alerts.first { a in
            var labels = a.labels
            labels["alertname"] = nil
            return AlertKey(rule: "alertmanager/" + a.name, labels: Labels(labels)) == key
        }
    }

    /// Acknowledging an Alertmanager alert is a silence the whole team sees.
    func performOnAlertmanager(_ effect: Effect) -> Bool {
        guard let am = alertmanager else { return false }
        switch effect {
        case .acknowledge(let key, let note):
            guard let a = alertmanagerAlert(key) else { return key.rule.hasPrefix("alertmanager/") }
            am.acknowledge(labels: a.labels, note: note)
            state.message = "silencing \(a.name) in Alertmanager for \(am.config.silenceDuration)…"
        case .unacknowledge(let key):
            guard let a = alertmanagerAlert(key) else { return key.rule.hasPrefix("alertmanager/") }
            let n = am.unacknowledge(a)
            state.message =
                n == 0
                ? "no acknowledgement silence for \(a.name) (broader silences stay)"
                : "expiring \(n) silence\(n == 1 ? "" : "s")…"
        case .silence(let key, let d):
            guard let a = alertmanagerAlert(key) else { return key.rule.hasPrefix("alertmanager/") }
            am.acknowledge(labels: a.labels, note: "silenced in Vigil for \(d)", duration: d)
        case .openIncident(let key):
            guard key.rule.hasPrefix("alertmanager/") else { return false }
            state.message = "incidents are opened from Vigil's own rules; acknowledge this one (a)"
        default:
            return false
        }
        return true
    }

    func evaluateMetrics(now: Int64) {
        lastEvaluation = now
        history.reshape(
            windowMs: state.windowMs, stepMs: max(config.refresh.milliseconds, state.windowMs / Int64(graphColumns)))
        history.update(visibleMetrics.filter { !$0.remote }, source: scraper.store, now: now)
        if askServer, let remote {
            let times = history.alignedTimes(now: now)
            if let first = times.first, let last = times.last {
                for m in visibleMetrics where m.remote {
                    remote.range(
                        key: "r:" + m.id, query: m.queryText, startMs: first, endMs: last, stepMs: history.stepMs)
                }
            }
        }
        guard !state.paused else { return }
        var results: [String: MetricResult] = [:]
        for m in visibleMetrics {
            results[m.id] = m.remote ? remoteResult(m, now: now) : history.result(m.id, now: now)
        }
        snapshot = Snapshot(
            timeMs: now, results: results, targets: targetStatus, refreshMs: config.refresh.milliseconds,
            logs: logRings, logStatus: logStatus)
        updateZoomedLogTotal()
    }

    var logRings: [String: LogRing] {
        Dictionary(zip(logs.sources.map(\.name), logs.rings), uniquingKeysWith: { a, _ in a })
    }

    var logStatus: [String: LogStatus] {
        Dictionary(
            zip(logs.sources.map(\.name), logs.health.map { LogStatus(ok: $0.ok, error: $0.lastError) }),
            uniquingKeysWith: { a, _ in a })
    }

    /// Starts due scrapes and log polls; returns milliseconds to the next.
    func startDue() -> Int64 { min(scraper.startDue(), logs.startDue(), alertmanager?.startDue() ?? .max) }

    /// Waits for the network or `extraFDs`; hands finished transfers to
    /// the scraper and the log poller. Returns how many finished.
    func pump(timeoutMs: Int, extraFDs: [Int32] = []) -> Int {
        let (_, completed) = scraper.pump(timeoutMs: timeoutMs, extraFDs: extraFDs)
        let others = scraper.takeUnclaimed()
        logs.handle(others)
        remote?.handle(others)
        if let am = alertmanager, am.handle(others) > 0 {
            if let outcome = am.outcome {
                state.message = outcome
                am.outcome = nil
            }
            refreshAlertsModel(now: Self.now())
        }
        return completed
    }

    /// The zoomed log panel's line count, so a scrolled view holds still.
    func updateZoomedLogTotal() {
        guard state.zoomedOnLog, state.dashboard < config.dashboards.count,
            state.selected < config.dashboards[state.dashboard].panels.count,
            let source = config.dashboards[state.dashboard].panels[state.selected].source,
            let ring = snapshot.logs[source]
        else { return }
        state.zoomedLogTotal = ring.total
    }

    var targetStatus: [TargetStatus] {
        var out = zip(scraper.targets, scraper.health).map { t, h in
            TargetStatus(
                name: t.name, up: h.up, lastError: h.lastError, lastSuccessMs: h.lastSuccessAtMs,
                intervalMs: t.intervalMs,
                insecure: t.request.tls.insecureSkipVerify)
        }
        // The server counts as a target: down when it does not answer.
        if let remote, let server = config.prometheus {
            out.append(
                TargetStatus(
                    name: "prometheus",
                    up: remote.lastError == nil ? (remote.lastSuccessMs == nil ? nil : true) : false,
                    lastError: remote.lastError, lastSuccessMs: remote.lastSuccessMs,
                    intervalMs: max(config.refresh.milliseconds, 2000), insecure: server.insecureSkipVerify))
        }
        return out
    }

    /// True once every panel of the current dashboard has a value (or a
    /// definite error): when --once may print.
    var everyPanelSettled: Bool {
        guard state.dashboard < config.dashboards.count else { return true }
        return config.dashboards[state.dashboard].panels.allSatisfy { p in
            switch PanelModel(panel: p, config: config, snapshot: snapshot).state {
            case .noData: return false
            default: return true
            }
        }
    }

    func render(width: Int, height: Int) -> Canvas {
        view.render(state, snapshot, alerts: alertsModel, width: width, height: height)
    }
}
