import VigilCore
import VigilUI

/// The whole application as a value: the model, `update(message, now:)`
/// returning the commands the world must carry out, and `render`. The
/// decisions the run loop used to make live here, where a test reaches
/// them with messages: when to evaluate and redraw, the warm-up gate, the
/// bell, Alertmanager's silences, what `r` refreshes.
public struct App: Sendable {
    public internal(set) var config: VigilConfig
    public let options: AppOptions
    /// What the screen shows that is not data: screens, selection, prompts.
    public var state: AppState
    public internal(set) var alerts: AlertCenter
    public internal(set) var alertsModel = AlertsModel()
    // The polled sources.
    public internal(set) var targets: TargetScrapes
    public internal(set) var logs: LogSources
    public internal(set) var prometheus: PrometheusQueries?
    public internal(set) var alertmanager: AlertmanagerSource?
    /// The checklist's HTTP items.
    var probes: ChecklistProbes
    /// Delivers the outbox's notifications.
    var sender: NotificationSender
    /// The outbox's revision the sender last had (nil: a new journal
    /// replay, a book of its own revisions).
    var senderSynced: Int?
    /// Query variables' `label_values` asked of the server: the answer's
    /// tag, the label its values are read from, and when it was asked.
    var askedVariables: [String: (label: String, atMs: Int64)] = [:]
    // The launch: the current phase's checks' measurements (and which
    // phase entry they belong to), when each automated item last ran, and
    // a promotion waiting for those items to run again.
    var launchTracks: [String: CheckTrack] = [:]
    var trackedPhase: String?
    var trackedSince: Int64?
    var checklistRuns: [String: Int64] = [:]
    var pending: PendingDecision?
    /// The traffic share last announced (`.traffic`), once announced.
    var announcedTraffic: Double??
    /// What the engine is asked to do next (carried out in order).
    var work: [Work] = []
    /// An evaluation is in flight: refreshes due meanwhile wait for it.
    public internal(set) var evaluating = false
    /// What was asked of the server for the evaluation in flight.
    var asked = AskedEvaluation()
    /// When each rule file group with an `interval:` last ran.
    var ruleGroupsRan: [String: Int64] = [:]
    /// The last evaluation's graphs of every shown local metric.
    var metricResults: [String: MetricResult] = [:]
    /// The objectives' ledger ratios, for the store with the next evaluation.
    var ledgerPoints: [StorePoint] = []
    var recordingObjectives = false
    /// Series the engine's store holds.
    public internal(set) var seriesHeld = 0
    /// Until when the graphs are drawn from the history store.
    var backfillUntil = Int64.min
    /// What makes the engine: the store's capacity and what it keeps.
    let storeCapacity: Int
    /// Points a series keeps however many there are: the longest range a
    /// configured query reads at the fastest interval, and a margin of
    /// four (a scrape late, the newest point not yet in the range).
    let storeMinCapacity: Int
    let selectors: [[LabelMatcher]]
    /// What the last evaluation produced; the frame is drawn from it.
    public internal(set) var snapshot: Snapshot
    var screens: DashboardView
    let graphColumns: Int

    public internal(set) var lastEvaluation: Int64 = 0
    /// When every target had delivered once: the store's data starts
    /// there, and rules wait until it covers their ranges.
    public internal(set) var dataSince: Int64?
    /// Whether the evaluation in progress asks the server (once a refresh).
    var askServer = true
    var lastServerRequest: Int64 = 0
    /// New data shows at once, at most four evaluations a second: an
    /// answer that arrives sooner is shown 250 ms after the last one.
    var redrawAt = Int64.max
    /// When the server round being answered was asked.
    var roundStart: Int64?
    var dirty = true
    /// When the last points went to the history, and why it is off.
    var lastRecorded: Int64 = 0
    public internal(set) var historyOff: String?
    /// How far back the in-memory store reaches; and from when the
    /// history store's rollups have been loaded for a long window.
    let memoryMs: Int64
    var loadedFrom = Int64.max
    var loading = false
    /// What each history read asked for, oldest first: the reader answers
    /// in order (a long window's graphs, or the objectives' ledgers).
    var pendingLoads: [Bool] = []
    // Objectives: each one's minutes, the rates last sampled (recorded
    // in the history), the figures and the criteria judged.
    var ledgers: [String: SLOLedger] = [:]
    var sampled: [String: (Double, Double)] = [:]
    var objectivesAsked = false
    var lastObjectiveWindowAsk: [String: Int64] = [:]
    public internal(set) var objectiveFigures: [SLOFigures] = []
    public internal(set) var criteriaStatus: [CriterionStatus] = []
    /// No targets, a server: everything is evaluated there.
    var serverOnly: Bool { config.prometheus != nil && config.targets.isEmpty }

    public init(config: VigilConfig, themes: [Theme], options: AppOptions = AppOptions(), alerts: AlertCenter) {
        self.config = config
        self.options = options
        self.alerts = alerts
        if let reason = options.readOnlyReason { self.alerts.readOnlyReason = reason }
        graphColumns = max(20, options.graphColumns)
        // History: the longest window a graph may show, or the longest
        // range a query reaches back, plus Prometheus' 5 minute lookback.
        let minInterval = config.targets.map(\.interval.milliseconds).min() ?? 5000
        let keep = max(
            config.history?.milliseconds ?? AppState.memoryMs, config.longestQueryReachMs + 300_000)
        let capacity = Int(keep / max(1, minInterval)) + 8
        var selectors = config.selectors
        // The scrape series are always kept: status and panels use them.
        for name in ["up", "scrape_duration_seconds", "scrape_samples_scraped"] {
            if let m = try? LabelMatcher(Labels.metricName, .equal, name) { selectors.append([m]) }
        }
        storeCapacity = capacity
        storeMinCapacity = min(capacity, Int(config.longestQueryReachMs / max(1, minInterval)) + 4)
        self.selectors = selectors
        // The store itself is the engine's (`makeEngine`); this one only
        // schedules the scrapes and keeps their health.
        targets = TargetScrapes(
            targets: config.targets.map(ScrapeTarget.init), store: SeriesStore(capacity: 2, filter: .selectedBy([])))
        logs = LogSources(sources: config.logs)
        prometheus = config.prometheus.map(PrometheusQueries.init)
        alertmanager = config.alertmanager.map { AlertmanagerSource(config: $0, identity: alerts.identity) }
        probes = ChecklistProbes(plan: config.launch)
        sender = NotificationSender(channels: config.channels, contacts: config.contacts)
        state = AppState(config: config, themes: themes, keyOverrides: config.keys)
        memoryMs = keep
        // Longer windows when something holds them: the history store
        // (rollups for 35 days) or the Prometheus server.
        state.maxWindowMs = options.readHistory || config.prometheus != nil ? AppState.windows.last! : keep
        if options.colors == 0, let i = state.themes.firstIndex(where: { $0.name == "mono" }) { state.themeIndex = i }
        snapshot = Snapshot(timeMs: 0, results: [:], targets: [], refreshMs: config.refresh.milliseconds)
        screens = DashboardView(config: config, ascii: options.ascii)
        screens.about = options.about
        if let w = alerts.warnings.first {
            state.message =
                "journal: \(w)" + (alerts.warnings.count > 1 ? " (+\(alerts.warnings.count - 1), see A)" : "")
        }
    }

    /// The engine this application asks: its store keeps the series some
    /// configured query selects, as long as the longest window or range.
    public func makeEngine() -> Engine {
        var history = MetricHistory(windowMs: state.windowMs, stepMs: graphStepMs)
        history.trailMs = memoryMs
        var store = SeriesStore(capacity: storeCapacity, filter: .selectedBy(selectors))
        store.minCapacity = storeMinCapacity
        return Engine(config: config, store: store, history: history)
    }

    /// Shows a dashboard first, by number (from 1) or name.
    public mutating func show(dashboard: String) throws(AppError) {
        let names = config.dashboards.map(\.name)
        if let n = Int(dashboard), n >= 1, n <= names.count {
            state.dashboard = n - 1
        } else if let i = names.firstIndex(where: { $0.lowercased() == dashboard.lowercased() }) {
            state.dashboard = i
        } else {
            throw AppError("no dashboard '\(dashboard)' (have: \(names.joined(separator: ", ")))")
        }
    }

    /// Opens on a screen by name: dashboards, alerts, incidents,
    /// silences or objectives (`slo` too).
    public mutating func show(screen name: String) throws(AppError) {
        switch name.lowercased() {
        case "dashboards", "dashboard": state.screen = .dashboards
        case "alerts": state.screen = .alerts
        case "incidents": state.screen = .incidents
        case "silences": state.screen = .silences
        case "objectives", "slo": state.screen = .objectives
        case "launch": state.screen = .launch
        case "checklist": state.screen = .checklist
        default:
            throw AppError(
                "no screen '\(name)' (have: dashboards, alerts, incidents, silences, objectives, launch, checklist)")
        }
    }

    // MARK: - update

    /// Takes one message at `now` (the loop's clock, milliseconds since
    /// the epoch) and returns what the world must do, in order.
    public mutating func update(_ message: Message, now: Int64) -> [Command] {
        var commands: [Command] = []
        switch message {
        case .tick:
            commands += tick(now: now)
        case .key(let key):
            commands += press(key, now: now)
        case .resized:
            dirty = true
        case .fetched(let source, let tag, let outcome):
            take(source, tag: tag, outcome, now: now)
        case .worked(let result):
            commands += take(result, now: now)
        case .journalRead(let records, let warnings):
            guard !records.isEmpty || !warnings.isEmpty else { break }
            alerts.receive(records, warnings: warnings)
            // This instance's own records coming back change nothing shown.
            guard alerts.hasOthers(records) || !warnings.isEmpty else { break }
            refreshAlertsModel(now: now)
            dirty = true
        case .journalReplayed(let records, let warnings):
            // Everything from the snapshot on, this instance's own records
            // included: a center of a new instance applies them all.
            let readOnly = alerts.readOnlyReason
            alerts = AlertCenter(config: alerts.config, identity: alerts.identity, journal: records, warnings: warnings)
            senderSynced = nil
            alerts.readOnlyReason = readOnly
            refreshAlertsModel(now: now)
            dirty = true
        case .journalFailed(let reason):
            alerts.readOnlyReason = reason
            state.message = "NOT SAVED: \(reason)"
            dirty = true
        case .historyFailed(let reason):
            historyOff = reason
            state.message = "NO HISTORY: \(reason)"
            dirty = true
        case .historyLoaded(let stored, let from):
            if pendingLoads.isEmpty ? false : pendingLoads.removeFirst() {
                backfillObjectives(stored)
            } else {
                loading = false
                loadedFrom = min(loadedFrom, from)
                backfillUntil = max(backfillUntil, memoryFrom(now: now))
                work.append(.backfill(stored, until: memoryFrom(now: now), older: true))
            }
            lastEvaluation = 0
            dirty = true
        case .historyUnreadable(let reason):
            if pendingLoads.isEmpty ? false : pendingLoads.removeFirst() {
                state.message = "history: cannot read the objectives' windows: \(reason)"
            } else {
                // Not asked again: the window shows what memory holds.
                loading = false
                loadedFrom = .min
                state.message = "history: cannot read the long window: \(reason)"
            }
            dirty = true
        case .signal(let number):
            // Ctrl-C is a way to quit (status 0); SIGTERM and SIGHUP say
            // someone else ended Vigil (status 128 + signal).
            commands.append(.quit(status: number == 2 ? 0 : 128 + number))
        }
        if case .tick = message { return finish(now: now, turnEnd: true) + commands }
        return finish(now: now, turnEnd: false) + commands
    }

    /// What every update ends with: the requests now due, the journal
    /// records made, and a frame when something changed. Notifications
    /// are looked at once a turn (`turnEnd`: the tick the loop sends after
    /// each batch of messages), not after each message: a flood's outbox
    /// is thousands of entries, and a turn may bring sixty answers.
    mutating func finish(now: Int64, turnEnd: Bool) -> [Command] {
        var commands: [Command] = []
        if !work.isEmpty {
            commands.append(.work(work))
            work = []
        }
        // The journal first: a notification is sent only once its record
        // has been read back from the journal (`unconfirmed` until then),
        // so never before it is on disk.
        takeNotificationResults(now: now)
        queueIncidentNotifications(now: now)
        let records = alerts.takeOutbox()
        if !records.isEmpty && alerts.readOnlyReason == nil { commands.append(.journal(records)) }
        var polls = targets.due(now: now).map { SourcePoll(.targets, $0) }
        polls += logs.due(now: now).map { SourcePoll(.logs, $0) }
        polls += (prometheus?.due(now: now) ?? []).map { SourcePoll(.prometheus, $0) }
        polls += (alertmanager?.due(now: now) ?? []).map { SourcePoll(.alertmanager, $0) }
        polls += probes.due(now: now).map { SourcePoll(.probes, $0) }
        if turnEnd && alerts.readOnlyReason == nil {
            if senderSynced != alerts.notifications.revision {
                senderSynced = alerts.notifications.revision
                sender.sync(alerts.notifications.pendingMine, holding: alerts.notifications.unconfirmed)
            }
            polls += sender.due(now: now).map { SourcePoll(.notify, $0) }
        }
        if !polls.isEmpty { commands.append(.fetch(polls)) }
        let share = launchTraffic
        if announcedTraffic != .some(share) {
            announcedTraffic = .some(share)
            commands.append(.traffic(share))
        }
        if dirty {
            dirty = false
            commands.append(.draw)
            if let start = roundStart, let server = prometheus, server.settled {
                commands.append(.roundShown(startedMs: start, sent: server.sent))
                roundStart = nil
            }
        }
        return commands
    }

    /// When the loop must wake at the latest: the next request due, the
    /// next refresh, or a redraw of new data (while an evaluation is in
    /// flight, its answer wakes the loop).
    public var nextWakeMs: Int64 {
        min(
            targets.nextDueMs, logs.nextDueMs, prometheus?.nextDueMs ?? .max, alertmanager?.nextDueMs ?? .max,
            probes.nextDueMs, pending.map { $0.askedAt + 15_000 } ?? .max, sender.nextDueMs,
            evaluating ? .max : min(lastEvaluation + config.refresh.milliseconds, redrawAt))
    }

    mutating func tick(now: Int64) -> [Command] {
        settlePending(now: now)
        guard !evaluating, now >= min(lastEvaluation + config.refresh.milliseconds, redrawAt) else { return [] }
        redrawAt = .max
        requestEvaluation(now: now)
        if askServer && roundStart == nil && prometheus != nil { roundStart = now }
        var commands: [Command] = []
        for load in loadObjectives(now: now) + loadLongWindow(now: now) {
            if case .loadHistory(let metrics, _, _) = load {
                pendingLoads.append(metrics.allSatisfy { $0.hasPrefix("slo:") })
            }
            commands.append(load)
        }
        return commands
    }

    /// What the engine answered.
    mutating func take(_ result: WorkResult, now: Int64) -> [Command] {
        switch result {
        case .ingested(let report, let held):
            targets.apply(report)
            seriesHeld = held
            // New data (or a new failure) shows at once, not at the next
            // refresh tick; at most four evaluations a second.
            redrawAt = min(redrawAt, lastEvaluation + 250)
            return []
        case .evaluated(let evaluation):
            return take(evaluation, now: now)
        case .alertHistory(let key, let points):
            alerts.addHistory(key, points, flushAt: now)
            return []
        case .labelValues(let tag, let values):
            takeLabelValues(tag, values)
            return []
        }
    }

    mutating func take(_ source: SourceID, tag: String, _ outcome: FetchOutcome, now: Int64) {
        switch source {
        case .targets:
            // Parsed and ingested by the engine; the target stays in
            // flight until its report is back.
            if let job = targets.received(tag: tag, outcome, now: now) { work.append(.ingest(job)) }
            return
        case .logs: logs.take(tag: tag, outcome, now: now)
        case .prometheus:
            prometheus?.take(tag: tag, outcome, now: now)
            if !askedVariables.isEmpty { takeServerLabelValues() }
        case .alertmanager:
            alertmanager?.take(tag: tag, outcome, now: now)
            if let outcome = alertmanager?.outcome {
                state.message = outcome
                alertmanager?.outcome = nil
            }
            refreshAlertsModel(now: now)
        case .notify:
            sender.take(tag: tag, outcome, now: now)
            takeNotificationResults(now: now)
            // Only what the answer changes: a flood's sixty answers must not
            // rebuild a thousand rows each.
            refreshNotifyStatus()
            refreshDeliveries(now: now)
            dirty = true
            return
        case .probes:
            probes.take(tag: tag, outcome, now: now)
            takeProbeResults(now: now)
            settlePending(now: now)
            dirty = true
            return
        }
        // New data (or a new failure) shows at once, not at the next
        // refresh tick; at most four evaluations a second. The server's
        // last answer of a round is drawn at once.
        redrawAt = min(redrawAt, lastEvaluation + 250)
        if let server = prometheus, server.settled { redrawAt = now }
    }

    mutating func press(_ key: Key, now: Int64) -> [Command] {
        dirty = true
        var commands: [Command] = []
        let shown = state.dashboard
        for effect in state.handle(key) {
            switch effect {
            case .quit: commands.append(.quit(status: 0))
            case .scrapeNow:
                // Everything that polls, now; the server with the next
                // evaluation, which comes at once.
                targets.pollNow()
                logs.pollNow()
                alertmanager?.pollNow()
                lastServerRequest = 0
                lastEvaluation = 0
            case .windowChanged:
                lastEvaluation = 0
                for load in loadLongWindow(now: now) {
                    pendingLoads.append(false)
                    commands.append(load)
                }
            case .askVariableValues(let source): askVariableValues(source, now: now)
            case .setVariables(let source, let values): setVariables(source, values, now: now)
            default: perform(effect, now: now)
            }
        }
        if state.screen == .incidents { refreshAlertsModel(now: now) }
        if state.screen == .alerts { refreshDeliveries(now: now) }
        if state.dashboard != shown {
            // Every dashboard's graphs came with the last evaluation: this
            // frame shows the new one's (the server, when there is one, is
            // asked at once).
            askServer = prometheus != nil
            if askServer {
                askServerForVisibleMetrics(now: now)
                askServerForRanges(now: now)
            }
            makeSnapshot(now: now)
        }
        return commands
    }

    /// The frame for a screen of this size.
    public func render(width: Int, height: Int) -> Canvas {
        screens.render(state, snapshot, alerts: alertsModel, width: width, height: height)
    }
}

/// A problem with what the executable asked of the application.
public struct AppError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}
