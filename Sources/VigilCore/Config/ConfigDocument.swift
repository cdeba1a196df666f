/// A value with where it was written.
public struct Located<Value: Sendable>: Sendable {
    public var value: Value
    public var at: SourcePosition

    public init(_ value: Value, at: SourcePosition) {
        self.value = value
        self.at = at
    }
}

/// A configuration as read, before its parts are tied together: what the
/// YAML file decodes to, and what an importer (Grafana dashboards,
/// Prometheus rule files) produces. Every reference keeps its position so
/// the resolver's errors point into the file it came from.
public struct ConfigDocument: Sendable {
    public var file: String
    /// What refers to nothing else: refresh, history, theme, keys,
    /// targets, log sources, the Prometheus and Alertmanager servers.
    public var settings = VigilConfig()
    public var metrics: [MetricDefinition] = []
    /// `datasource:` as written, by metric id (local or prometheus).
    public var datasources: [String: Located<String>] = [:]
    public var dashboards: [DashboardSpec] = []
    public var severities: [Severity] = []
    public var escalation: [EscalationLevel] = []
    public var rules: [RuleSpec] = []
    /// `alerts.target_down` as written; nil when absent (on by default).
    public var targetDown: TargetDownSpec?
    public var objectives: [(Objective, ObjectiveRefs)] = []
    /// Criteria, with the metric or severity they name.
    public var criteria: [(Criterion, Located<String>?)] = []
    /// `launch:` with its checks' metric and objective names untied.
    public var launch = LaunchPlan()
    /// `rule_files:`: Prometheus rule files, read.
    public var ruleFiles: RuleFilesSpec?

    public init(file: String) { self.file = file }
}

/// The built-in alert for a target that does not answer, as written:
/// `target_down: off`, or `{severity: high, for: 30s}`.
public struct TargetDownSpec: Sendable {
    public var enabled = true
    public var severity: Located<String>?
    public var holdFor: PromDuration?
    public var at: SourcePosition

    public init(at: SourcePosition) { self.at = at }
}

/// A dashboard as written: its panels name metrics and log sources.
public struct DashboardSpec: Sendable {
    public var name: String
    public var columns: Int?
    public var panels: [PanelSpec]
    public var at: SourcePosition

    public init(name: String, columns: Int?, panels: [PanelSpec], at: SourcePosition) {
        self.name = name
        self.columns = columns
        self.panels = panels
        self.at = at
    }
}

/// A panel as written: everything but its references, which the resolver
/// checks and fills in.
public struct PanelSpec: Sendable {
    /// The panel with `metrics` and `source` still empty.
    public var panel: Panel
    public var metrics: [Located<String>]
    public var source: Located<String>?
    /// Where `width` was written (the panel's position when it was not).
    public var widthAt: SourcePosition

    public init(panel: Panel, metrics: [Located<String>], source: Located<String>?, widthAt: SourcePosition) {
        self.panel = panel
        self.metrics = metrics
        self.source = source
        self.widthAt = widthAt
    }
}

/// A rule as written: a condition on a metric (`error_rate > 5`) or a
/// PromQL expression, and a severity by name.
public struct RuleSpec: Sendable {
    public var name: String
    public var condition: Located<String>?
    public var expr: (text: String, query: QueryExpr)?
    public var holdFor: PromDuration
    public var keepFiringFor: PromDuration?
    public var severity: Located<String>
    public var description: String?
    public var action: String?
    /// `datasource:` as written: local, prometheus, or alertmanager (the
    /// server's own rule, not evaluated by Vigil).
    public var datasource: Located<String>?
    public var at: SourcePosition

    public init(
        name: String, condition: Located<String>?, expr: (text: String, query: QueryExpr)?, holdFor: PromDuration,
        keepFiringFor: PromDuration?, severity: Located<String>, description: String?, action: String?,
        datasource: Located<String>? = nil, at: SourcePosition
    ) {
        self.name = name
        self.condition = condition
        self.expr = expr
        self.holdFor = holdFor
        self.keepFiringFor = keepFiringFor
        self.severity = severity
        self.description = description
        self.action = action
        self.datasource = datasource
        self.at = at
    }
}
