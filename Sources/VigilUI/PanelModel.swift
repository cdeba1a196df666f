import VigilCore

/// What the view needs about one target.
public struct TargetStatus: Sendable, Equatable {
    public var name: String
    public var up: Bool?
    public var lastError: String?
    public var lastSuccessMs: Int64?
    public var intervalMs: Int64
    public var insecure = false
    /// Scraped, but not what the spec says (OpenMetrics 1.0 broken).
    public var warning: String?

    public init(
        name: String, up: Bool?, lastError: String?, lastSuccessMs: Int64?, intervalMs: Int64, insecure: Bool = false
    ) {
        self.name = name
        self.up = up
        self.lastError = lastError
        self.lastSuccessMs = lastSuccessMs
        self.intervalMs = intervalMs
        self.insecure = insecure
    }
}

/// How a log source is doing, as the view needs it.
public struct LogStatus: Sendable, Equatable {
    public var ok: Bool?
    public var error: String?

    public init(ok: Bool?, error: String?) {
        self.ok = ok
        self.error = error
    }
}

/// An alert that is firing, as System Status counts it.
public struct FiringAlert: Sendable, Equatable {
    public var title: String
    public var severityName: String
    /// Its severity is drawn red or orange: it turns the light red, any
    /// other firing alert turns it yellow.
    public var red: Bool
    public var acknowledged: Bool

    public init(title: String, severityName: String, red: Bool, acknowledged: Bool) {
        self.title = title
        self.severityName = severityName
        self.red = red
        self.acknowledged = acknowledged
    }
}

/// One thing that makes System Status yellow or red, said in words.
public struct StatusReason: Sendable, Equatable {
    public var state: PanelState
    public var text: String

    public init(_ state: PanelState, _ text: String) {
        self.state = state
        self.text = text
    }
}

/// The data one frame is drawn from: query results, log lines and target
/// health at one moment. Pausing keeps the last snapshot on screen.
public struct Snapshot: Sendable {
    public var timeMs: Int64
    public var results: [String: MetricResult]
    public var targets: [TargetStatus]
    public var refreshMs: Int64
    /// Each log source's ring (a copy-on-write value: cheap to hand over).
    public var logs: [String: LogRing]
    public var logStatus: [String: LogStatus]
    /// Alerts firing at this moment (Vigil's and Alertmanager's).
    public var firing: [FiringAlert] = []
    /// The objectives' budgets and the success criteria, judged.
    public var objectives: [SLOFigures] = []
    public var criteria: [CriterionStatus] = []
    /// The launch's phases, checks, decisions and checklist.
    public var launch: LaunchModel?

    public init(
        timeMs: Int64, results: [String: MetricResult], targets: [TargetStatus], refreshMs: Int64,
        logs: [String: LogRing] = [:], logStatus: [String: LogStatus] = [:]
    ) {
        self.timeMs = timeMs
        self.results = results
        self.targets = targets
        self.refreshMs = refreshMs
        self.logs = logs
        self.logStatus = logStatus
    }
}

/// One series as a panel shows it.
public struct SeriesModel: Sendable, Equatable {
    public var label: String
    public var labels: Labels
    public var values: [Double?]
    public var current: Double?
    public var state: PanelState
    public var threshold: Threshold?
    public var unit: String
    /// The window's lowest and highest value from every evaluation, when
    /// the history knows them (not from a server's columns).
    public var extremes: ClosedRange<Double>?
    /// Decimals and words for values (the metric's).
    public var display: ValueDisplay?

    /// The current value as a stat or a table shows it: a mapping's word,
    /// or the number in its unit with the metric's decimals.
    public var shown: String {
        display?.mapped(current) ?? ValueFormat.format(current, unit: unit, decimals: display?.decimals)
    }

    /// Every value in the window and the current one.
    var known: [Double] { (values.compactMap { $0 } + [current].compactMap { $0 }).filter { !$0.isNaN } }
    public var min: Double? { extremes?.lowerBound ?? known.min() }
    public var max: Double? { extremes?.upperBound ?? known.max() }
    /// The first value in the window, for the trend arrow.
    public var first: Double? { values.compactMap { $0 }.first }
}

/// A panel ready to draw.
public struct PanelModel: Sendable, Equatable {
    public var title: String
    public var type: PanelType
    public var unit: String
    public var state: PanelState
    public var series: [SeriesModel]
    public var columns: [String]
    /// A log panel's lines (the source's whole ring).
    public var log: LogRing?
    /// Keep SGR colours of log lines (the source says `ansi: colors`).
    public var ansiColors = false
    /// Rows from a log source: no value column, and already in order.
    public var rowTable = false
    /// The metrics' `description`s, shown when the panel is zoomed.
    public var descriptions: [String] = []
    /// A status panel's reasons for its colour, worst first.
    public var reasons: [StatusReason] = []
    /// The span the values cover (for a time axis); 0 when unknown.
    public var windowMs: Int64 = 0
    /// The snapshot's time: where the window ends.
    public var nowMs: Int64 = 0
    /// A note panel's text.
    public var text: String?
    /// What a stat says when there is no value (the metric's `no_value`).
    public var noValue: String?

    /// Builds the panel from the snapshot, deciding its state: an error
    /// (query or target) wins, then no data, then stale, then the worst
    /// threshold state of its series.
    public init(panel: Panel, config: VigilConfig, snapshot: Snapshot) {
        title = panel.title
        nowMs = snapshot.timeMs
        type = panel.type
        columns = panel.columns
        if panel.type == .note {
            unit = ""
            series = []
            text = panel.text ?? ""
            // Grey for a panel Vigil cannot draw: never green.
            state = panel.unsupported ? .noData(panel.text ?? "unsupported") : .ok
            return
        }
        if let source = panel.source {
            unit = panel.unit ?? ""
            series = []
            state = .ok
            fromSource(source, panel: panel, config: config, snapshot: snapshot)
            return
        }
        let metrics = panel.metrics.compactMap { config.metric($0) }
        noValue = metrics.first?.display?.noValue
        descriptions = metrics.compactMap { m in m.description.map { "\(m.name): \($0)" } }
        unit = panel.unit ?? metrics.first?.unit ?? ""
        var series: [SeriesModel] = []
        var queryError: String?
        var pending = false
        for m in metrics {
            let r = snapshot.results[m.id] ?? .empty
            if let e = r.error { queryError = "\(m.name): \(e)" }
            pending = pending || r.pending
            for s in r.series {
                let label = Self.label(s.labels, metric: m, groupBy: panel.groupBy, several: metrics.count > 1)
                let st: PanelState = {
                    guard let v = s.current else { return .noData("no current value") }
                    if let t = m.threshold { return PanelState(t.state(of: v)) }
                    return Self.severityState(s.labels) ?? .ok
                }()
                var model = SeriesModel(
                    label: Sanitizer.clean(label, maxLength: 200), labels: s.labels, values: s.values,
                    current: s.current, state: st, threshold: m.threshold, unit: panel.unit ?? m.unit)
                model.extremes = s.extremes
                model.display = m.display
                series.append(model)
            }
        }
        self.series = series
        if let times = metrics.lazy.compactMap({ snapshot.results[$0.id]?.times }).first, times.count > 1 {
            windowMs = (times.last! - times.first!) * Int64(times.count) / Int64(times.count - 1)
        }
        let failing = snapshot.targets.first { $0.up == false }
        let everScraped = snapshot.targets.contains { $0.lastSuccessMs != nil }
        let live = series.filter { $0.current != nil }
        if let queryError {
            state = .error(Sanitizer.clean(queryError, maxLength: 300))
        } else if live.isEmpty, let failing {
            state = .error(Sanitizer.clean("\(failing.name): \(failing.lastError ?? "down")", maxLength: 300))
        } else if live.isEmpty, pending {
            state = .noData("waiting for the server's answer")
        } else if live.isEmpty {
            state = .noData(everScraped ? "the query matched no series" : "waiting for the first scrape")
        } else if let since = Self.staleSince(metrics.map { snapshot.results[$0.id] }) {
            state = .stale(sinceMs: since)
        } else {
            state = PanelState.worst(live.map(\.state)) ?? .ok
        }
        if type == .status { judgeStatus(snapshot: snapshot) }
    }

    /// System Status as the launch's traffic light: the worst of its own
    /// metrics' thresholds, targets down and alerts firing (red for a
    /// severity drawn red or orange, yellow for the others), with each
    /// cause listed. A target down or a red alert makes it red even when
    /// its metric has no data; without data and without a cause it never
    /// shows green.
    mutating func judgeStatus(snapshot: Snapshot) {
        var causes: [StatusReason] = []
        for s in series where s.state == .warning || s.state == .critical {
            let name = s.label.isEmpty ? title : "\(title) \(s.label)"
            causes.append(StatusReason(s.state, "\(name) \(ValueFormat.format(s.current, unit: s.unit))"))
        }
        let down = snapshot.targets.filter { $0.up == false }
        for t in down {
            let how: PanelState = down.count == snapshot.targets.count ? .critical : .warning
            causes.append(StatusReason(how, "\(t.name) down: \(t.lastError ?? "not answering")"))
        }
        for red in [true, false] {
            let group = snapshot.firing.filter { $0.red == red }
            guard !group.isEmpty else { continue }
            let bySeverity = Dictionary(grouping: group, by: \.severityName)
            for name in bySeverity.keys.sorted() {
                let alerts = bySeverity[name] ?? []
                let acked = alerts.filter(\.acknowledged).count
                var text = "\(alerts.count) \(name.lowercased()) alert\(alerts.count == 1 ? "" : "s") firing"
                if acked > 0 { text += " (\(acked) acknowledged)" }
                text += ": " + alerts.map(\.title).joined(separator: ", ")
                causes.append(StatusReason(red ? .critical : .warning, Sanitizer.clean(text, maxLength: 300)))
            }
        }
        reasons = causes.sorted { $0.state.rank > $1.state.rank }
        let worstCause = PanelState.worst(causes.map(\.state))
        switch state {
        case .ok, .warning, .critical:
            state = PanelState.worst([state] + causes.map(\.state)) ?? state
        default:
            // No trustworthy value of its own: a red cause still shows red.
            if worstCause == .critical { state = .critical }
        }
        if reasons.isEmpty, state == .ok {
            let targets = snapshot.targets.count
            reasons = [StatusReason(.ok, "\(targets)/\(targets) targets up, no alerts firing")]
        }
    }

    /// A log panel's lines, or a table's rows from a log source (JSON
    /// fields as columns, ordered by the panel's `sort`, coloured by a
    /// severity column).
    mutating func fromSource(_ source: String, panel: Panel, config: VigilConfig, snapshot: Snapshot) {
        let ring = snapshot.logs[source] ?? LogRing(capacity: 1)
        let status = snapshot.logStatus[source]
        ansiColors = config.logs.first { $0.name == source }?.ansi == .colors
        if type == .log {
            log = ring
        } else {
            rowTable = true
            var records = ring.records
            if let key = panel.sort {
                let descending = key.hasPrefix("-")
                let column = descending ? String(key.dropFirst()) : key
                // Stable: equal keys keep arrival order.
                // Severity and level sort by rank (critical first), not alphabetically.
                let ranked = ["severity", "level"].contains(column)
                func sortKey(_ r: LogRecord) -> String {
                    let v = r.value(column) ?? ""
                    guard ranked else { return v }
                    let order = ["critical", "high", "error", "medium", "warning", "warn", "low", "info", "debug"]
                    return String(format: "%02d", order.firstIndex(of: v.lowercased()) ?? 99) + v
                }
                records = records.enumerated().sorted { a, b in
                    let x = sortKey(a.element)
                    let y = sortKey(b.element)
                    if x == y { return descending ? a.offset > b.offset : a.offset < b.offset }
                    return descending ? x > y : x < y
                }.map(\.element)
            } else {
                records.reverse()  // newest first
            }
            series = records.map { r in
                let labels = Labels(r.fields.filter { !$0.key.isEmpty })
                return SeriesModel(
                    label: "", labels: labels, values: [], current: nil,
                    state: Self.severityState(labels) ?? .ok, threshold: nil, unit: "")
            }
        }
        if let e = status?.error {
            state = .error(Sanitizer.clean("\(source): \(e)", maxLength: 300))
        } else if ring.count == 0 {
            state = .noData(status?.ok == true ? "\(source) has sent no lines yet" : "waiting for \(source)")
        } else if type == .table {
            state = PanelState.worst(series.map(\.state)) ?? .ok
        }
    }

    /// A row's state from its `severity` label (security events, scan
    /// findings); findings already patched or mitigated do not count.
    static func severityState(_ labels: Labels) -> PanelState? {
        if let status = labels["status"]?.lowercased(),
            ["patched", "mitigated", "resolved", "closed", "fixed"].contains(status)
        {
            return .ok
        }
        switch labels["severity"]?.lowercased() {
        case "critical", "high": return .critical
        case "medium", "warning": return .warning
        case "low", "info": return .ok
        default: return nil
        }
    }

    /// Stale when the data behind every metric of the panel stopped: since
    /// the latest of those times. One live metric keeps the panel live.
    static func staleSince(_ results: [MetricResult?]) -> Int64? {
        let since = results.map { $0?.staleSinceMs }
        guard !since.isEmpty, since.allSatisfy({ $0 != nil }) else { return nil }
        return since.compactMap { $0 }.max()
    }

    /// A series' row label: the group_by labels, else the metric's name
    /// (several metrics in one panel), else the labels that vary.
    static func label(_ labels: Labels, metric: MetricDefinition, groupBy: [String], several: Bool) -> String {
        if !groupBy.isEmpty {
            return groupBy.map { labels[$0] ?? "-" }.joined(separator: " ")
        }
        if let legend = metric.legend { return Self.legend(legend, labels) }
        let rest = labels.withoutName.pairs.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
        if several { return rest.isEmpty ? metric.name : "\(metric.name) {\(rest)}" }
        return rest  // a lone series needs no label: the title names it
    }

    /// Grafana's legend format: `{{instance}}` is the series' label (empty
    /// when it has none), the rest as written.
    static func legend(_ format: String, _ labels: Labels) -> String {
        var out = ""
        var rest = Substring(format)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                out += rest[open.lowerBound...]
                return out
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            out += labels[name] ?? ""
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
