/// Vigil's configuration, validated. See README "Configuration reference".
public struct VigilConfig: Sendable {
    public var refresh = PromDuration(milliseconds: 2000)
    public var theme: String?
    /// How far back the store keeps points (at least what the queries need).
    public var history: PromDuration?
    /// `state_dir:` (absolute, `~/` expanded): the journal and history a
    /// team shares; `--state-dir` still wins.
    public var stateDir: String?
    /// `journal_compact_after:`: a journal tail larger than this is folded
    /// into its snapshot (0: never).
    public var journalCompactAfter = 4 << 20

    /// Every default: no targets, no rules (benchmarks, tests).
    public init() {}
    /// How long the history store keeps raw points and rollups.
    public var retention = HistoryRetention()
    /// Service level objectives and the other success criteria.
    public var objectives: [Objective] = []
    public var criteria: [Criterion] = []
    /// The staged launch: phases, their go/no-go checks, the checklist.
    public var launch = LaunchPlan()
    /// Where notifications go directly (PagerDuty, Slack, webhooks).
    public var channels: [ChannelConfig] = []
    /// The people the escalation policy names, with their addresses.
    public var contacts: [ContactConfig] = []
    public var targets: [TargetConfig] = []
    /// Metric definitions in file order.
    public var metrics: [MetricDefinition] = []
    public var dashboards: [Dashboard] = []
    public var alerts = AlertsConfig()
    public var logs: [LogSourceConfig] = []
    /// A Prometheus-compatible server (Prometheus, Thanos, Mimir,
    /// VictoriaMetrics): URL, auth, TLS and timeout as for targets.
    public var prometheus: TargetConfig?
    /// Alertmanager: its alerts beside Vigil's, acknowledgement as silences.
    public var alertmanager: AlertmanagerConfig?
    /// Key remapping: action name → key.
    public var keys: [String: String] = [:]
    /// Where some settings were written, for errors found after loading
    /// (an unknown key action, a theme no directory holds): "theme", and
    /// "keys.<action>" for each remapped action.
    public var positions: [String: SourcePosition] = [:]
    /// The imported Grafana dashboards, kept to import again when a
    /// variable is chosen on screen.
    public var grafana: [GrafanaSource] = []
    /// What imported Grafana dashboards hold that Vigil does not draw or
    /// apply (unsupported panels, settings read but not honoured).
    public var importNotes: [String] = []
    /// The file the configuration came from.
    public var file = ""

    public func metric(_ id: String) -> MetricDefinition? { metrics.first { $0.id == id } }

    /// Every selector the configured queries use, so the store keeps only
    /// the series that matter, and the longest reach back in time.
    public var selectors: [[LabelMatcher]] {
        (metrics.filter { !$0.templated }.map(\.query) + alerts.rules.map(\.expr) + launch.queries
            + alerts.recordingRules.map(\.expr)).flatMap {
                $0.selectors.map { $0.0.matchers }
            }
            + metrics.filter(\.templated).flatMap { m in
                m.query.selectors.map { s in
                    s.0.matchers.filter { $0.name == Labels.metricName && $0.op == .equal }
                }
            }
            // What recording rules write is kept, whether or not anything reads it yet.
            + alerts.recordingRules.compactMap { r in
                (try? LabelMatcher(Labels.metricName, .equal, r.name)).map { [$0] }
            }
    }

    /// How far back memory must reach for the queries. A burn-rate
    /// ticket's 3-day window is not held in memory (every selected series
    /// for 3 days): locally it reads what memory keeps, 6 hours at least.
    public var longestQueryReachMs: Int64 {
        let reaches =
            (metrics.map(\.query) + alerts.rules.filter { $0.objective == nil }.map(\.expr) + launch.queries
            + alerts.recordingRules.map(\.expr))
            .flatMap {
                $0.selectors.map(\.1)
            }
        let objectives = alerts.rules.filter { $0.objective != nil }.flatMap { $0.expr.selectors.map(\.1) }.map {
            min($0, BurnRateAlerts.memoryCapMs)
        }
        return (reaches + objectives).max() ?? 0
    }
}

/// A scrape target.
public struct TargetConfig: Sendable {
    public var name: String
    public var url: String
    public var interval = PromDuration(milliseconds: 5000)
    public var timeout = PromDuration(milliseconds: 2000)
    public var headers: [(String, String)] = []
    public var bearerToken: Secret?
    public var basicAuth: (username: String, password: Secret)?
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    public var insecureSkipVerify = false
    public var bodyLimit = 64 << 20
    public var format: ExpositionFormat?
    /// Most series one scrape may bring; a scrape over it fails with that
    /// reason and its target's panels say so (memory stays bounded).
    public var seriesLimit = 1_000_000

    public init(name: String, url: String) {
        self.name = name
        self.url = url
    }
}

/// Warning and critical levels. When critical is below warning, lower
/// values are worse (throughput, active users, conversion, revenue).
public struct Threshold: Sendable, Equatable {
    public var warning: Double
    public var critical: Double
    public var higherIsWorse: Bool

    public init(warning: Double, critical: Double, higherIsWorse: Bool? = nil) {
        self.warning = warning
        self.critical = critical
        self.higherIsWorse = higherIsWorse ?? (critical >= warning)
    }

    public enum State: Int, Sendable, Comparable {
        case ok = 0, warning, critical
        public static func < (a: State, b: State) -> Bool { a.rawValue < b.rawValue }
    }

    /// The state of a value; NaN is treated as critical since a broken
    /// computation must never look healthy.
    public func state(of v: Double) -> State {
        if v.isNaN { return .critical }
        if higherIsWorse {
            return v >= critical ? .critical : v >= warning ? .warning : .ok
        }
        return v <= critical ? .critical : v <= warning ? .warning : .ok
    }
}

/// A named metric: what the plan's monitoring-config.js calls a metric.
public struct MetricDefinition: Sendable {
    public var id: String
    public var name: String
    public var unit: String
    public var queryText: String
    public var query: QueryExpr
    public var threshold: Threshold?
    public var chart: String
    public var aggregation: String?
    public var description: String?
    /// Evaluated by the Prometheus datasource rather than on local data.
    public var remote = false
    /// How each series is named in a panel (Grafana's `legendFormat`:
    /// `{{instance}} {{mode}}`); nil: by its labels.
    public var legend: String?
    /// Decimals, words for values, the text for no value.
    public var display: ValueDisplay?
    /// Its query names a dashboard variable, which the operator may change
    /// on screen: the store keeps every series of its metric names, not
    /// only those the values chosen at the start select.
    public var templated = false

    /// A metric id: letters, digits, `_`, `.` and `:`, not starting with a digit.
    public static func isValidID(_ s: String) -> Bool {
        guard let f = s.first, f.isLetter || f == "_" else { return false }
        return s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == ":" }
    }
}

public enum PanelType: String, Sendable, CaseIterable {
    case stat, graph, table, log
    /// The launch's traffic light: a stat whose state is also the worst
    /// of targets down and alerts firing, with the reasons listed.
    case status
    /// Words, no data: a Grafana text panel, or what an imported panel
    /// Vigil cannot draw says about itself.
    case note
}

public struct Panel: Sendable {
    public var title: String
    public var type: PanelType
    public var metrics: [String]
    public var unit: String?
    public var groupBy: [String] = []
    public var columns: [String] = []
    public var colors: [String] = []
    /// A log source (log panels; tables may take their rows from one).
    public var source: String?
    /// A table's sort column (descending when it starts with '-').
    public var sort: String?
    /// Grid columns the panel spans (1 by default).
    public var width = 1
    /// Relative height of the panel's row (1 by default; a row is as tall
    /// as its tallest panel).
    public var height = 1
    /// A note panel's text.
    public var text: String?
    /// A note that stands for a panel Vigil cannot draw (drawn dim, listed
    /// by `vigil check config`).
    public var unsupported = false
}

public struct Dashboard: Sendable {
    public var name: String
    public var panels: [Panel]
    /// Grid columns (nil: two, or one for a single panel).
    public var columns: Int?

    public init(name: String, panels: [Panel], columns: Int? = nil) {
        self.name = name
        self.panels = panels
        self.columns = columns
    }
}

public struct Severity: Sendable {
    public var id: String
    public var name: String
    public var color: String
    public var channels: [String]
    public var escalation: Bool
    public var timeout: PromDuration
}

public struct AlertRule: Sendable {
    public var name: String
    public var condition: String
    /// The metric the condition names, when it names one.
    public var metric: String?
    public var expr: QueryExpr
    public var holdFor: PromDuration
    public var keepFiringFor: PromDuration?
    public var severity: String
    public var description: String?
    public var action: String?
    /// Evaluated by the Prometheus datasource.
    public var remote = false
    /// The expression as PromQL text (what a server is sent).
    public var promql = ""
    /// Vigil's own rule (target down, an objective's burn rate), not
    /// written in the configuration.
    public var builtIn = false
    /// The objective whose budget it watches.
    public var objective: String?
    /// How much data the rule waits for before it is evaluated: its
    /// longest range, or for a burn-rate pair its short window (a long
    /// window partly covered is a shorter window, and both must exceed).
    public var coverageMs: Int64 {
        if let short = coverageOverrideMs { return short }
        return expr.selectors.map(\.1).max() ?? 0
    }
    public var coverageOverrideMs: Int64?
    /// From a Prometheus rule file: its name, labels and annotations there.
    public var imported: ImportedRule?

    public static let targetDownName = "Target Down"

    public init(
        name: String, condition: String, metric: String?, expr: QueryExpr, holdFor: PromDuration,
        keepFiringFor: PromDuration?, severity: String, description: String?, action: String?
    ) {
        self.name = name
        self.condition = condition
        self.metric = metric
        self.expr = expr
        self.holdFor = holdFor
        self.keepFiringFor = keepFiringFor
        self.severity = severity
        self.description = description
        self.action = action
    }

    /// The value the condition compares, unfiltered: `error_rate > 5`
    /// gives the error rate whether or not it is above 5, which is what a
    /// post-mortem's sparkline of the metric needs.
    public var valueExpr: QueryExpr {
        if case .binary(let op, let l, let r, _, false) = expr.unwrapped,
            [.gt, .lt, .ge, .le, .eq, .ne].contains(op)
        {
            return l.type == .scalar && r.type != .scalar ? r : l
        }
        return expr
    }
}

public struct AlertmanagerConfig: Sendable {
    /// URL, auth, TLS, timeout; `interval` is how often alerts and
    /// silences are read.
    public var http: TargetConfig
    /// How long an acknowledgement's silence lasts; it is extended while
    /// the alert still fires and Vigil runs.
    public var silenceDuration = PromDuration(milliseconds: 2 * 3_600_000)
    /// Vigil's own firing alerts are posted to it (`send: false` only reads).
    public var send = true
    /// How often a firing alert is sent again (its `endsAt` is four of these ahead).
    public var resendInterval = PromDuration(milliseconds: 60_000)

    public init(http: TargetConfig) { self.http = http }
}

public struct EscalationLevel: Sendable {
    public var level: Int
    public var after: PromDuration
    public var contacts: [String]
}

public struct AlertsConfig: Sendable {
    public var severities: [Severity] = []
    public var rules: [AlertRule] = []
    /// Rule files' recording rules, in file order.
    public var recordingRules: [RecordingRule] = []
    /// Rule files' rules left out, with why (file:line:column).
    public var ruleFileProblems: [ConfigError] = []
    public var escalation: [EscalationLevel] = []
    /// Rules marked `datasource: alertmanager`: the server (Prometheus,
    /// vmalert) evaluates them and Alertmanager brings their alerts; Vigil
    /// does not evaluate them a second time.
    public var onServer: [String] = []

    public init() {}
}

/// A line and column in a configuration file (1-based).
public struct SourcePosition: Sendable, Equatable {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}
