/// What an alerting rule from a Prometheus rule file keeps of that file:
/// Vigil's rule names are unique (they key alerts and the journal), a
/// file may use one alert name for several rules, so the file's name is
/// kept for what Alertmanager and the team see.
public struct ImportedRule: Sendable {
    public var alertName: String
    public var labels: [(String, AlertTemplate)]
    public var annotations: [(String, AlertTemplate)]
    public var group: String
    public var groupIntervalMs: Int64?
    /// `limit:` of its group (0: none).
    public var limit: Int
    public var externalLabels: [String: String]
    public var file: String

    public init(
        alertName: String, labels: [(String, AlertTemplate)], annotations: [(String, AlertTemplate)], group: String,
        groupIntervalMs: Int64?, limit: Int, externalLabels: [String: String], file: String
    ) {
        self.alertName = alertName
        self.labels = labels
        self.annotations = annotations
        self.group = group
        self.groupIntervalMs = groupIntervalMs
        self.limit = limit
        self.externalLabels = externalLabels
        self.file = file
    }
}

extension AlertRule {
    /// The name Alertmanager, notifications and promtool know the alert by.
    public var alertName: String { imported?.alertName ?? name }

    /// An alert's labels: the series' with the rule's (templates rendered
    /// with the series' labels and value) on top, as Prometheus makes them.
    public func alertLabels(_ series: Labels, value: Double) -> Labels {
        guard let imported, !imported.labels.isEmpty else { return series.withoutName }
        let data = TemplateData(
            labels: Self.dictionary(series), value: value, externalLabels: imported.externalLabels)
        var out = series.withoutName
        for (k, t) in imported.labels { out = out.setting(k, t.isPlain ? t.source : t.render(data)) }
        return out
    }

    /// The rule file's annotations for one alert, rendered. `$labels` is
    /// the series' labels, as in Prometheus: not the ones the rule adds
    /// (`{{ $labels.severity }}` is empty unless the series has one).
    public func annotations(labels: [String: String], value: Double) -> [String: String] {
        guard let imported else { return [:] }
        var series = labels
        for (k, _) in imported.labels { series[k] = nil }
        let data = TemplateData(labels: series, value: value, externalLabels: imported.externalLabels)
        return Dictionary(imported.annotations.map { ($0.0, $0.1.render(data)) }) { a, _ in a }
    }

    /// What the alert is about, for the screen and notifications: the
    /// rule file's `description`, `summary` or `message`, rendered.
    public func describe(labels: [String: String], value: Double) -> String? {
        guard imported != nil else { return description }
        let a = annotations(labels: labels, value: value)
        return a["description"] ?? a["summary"] ?? a["message"] ?? description
    }

    /// What to do: the rule file's `action` or `runbook_url` annotation.
    public func actionText(labels: [String: String], value: Double) -> String? {
        guard imported != nil else { return action }
        let a = annotations(labels: labels, value: value)
        return a["action"] ?? a["runbook_url"].map { "runbook: \($0)" } ?? action
    }

    static func dictionary(_ l: Labels) -> [String: String] {
        Dictionary(l.pairs.map { ($0.name, $0.value) }) { a, _ in a }
    }
}
