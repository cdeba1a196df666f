/// Rule files' rules as Vigil's: alerting rules for the alert engine (a
/// unique name each, the file's own kept in `imported`), recording rules
/// in file order. The configuration and `vigil test rules` both build
/// them here, so a rule tested is the rule that runs.
public enum RuleFileRules {
    public static func build(
        _ files: [RuleFile], externalLabels: [String: String], taken: Set<String> = [], remote: Bool = false,
        severity: (String?) -> String
    ) -> (alerting: [AlertRule], recording: [RecordingRule]) {
        var used = taken
        var alerting: [AlertRule] = []
        var recording: [RecordingRule] = []
        for file in files {
            for group in file.groups {
                for r in group.rules {
                    switch r.kind {
                    case .record:
                        recording.append(
                            RecordingRule(
                                name: r.name, promql: r.exprText, expr: r.expr, labels: r.staticLabels,
                                group: group.name,
                                groupIntervalMs: group.intervalMs, limit: group.limit))
                    case .alert:
                        var name = r.name
                        var n = 2
                        while used.contains(name) {
                            name = "\(r.name) #\(n)"
                            n += 1
                        }
                        used.insert(name)
                        var rule = AlertRule(
                            name: name, condition: r.exprText, metric: nil, expr: r.expr, holdFor: r.holdFor,
                            keepFiringFor: r.keepFiringFor, severity: severity(r.staticLabels["severity"]),
                            description: nil, action: nil)
                        rule.promql = r.exprText
                        rule.remote = remote
                        rule.imported = ImportedRule(
                            alertName: r.name, labels: r.labels, annotations: r.annotations, group: group.name,
                            groupIntervalMs: group.intervalMs, limit: group.limit, externalLabels: externalLabels,
                            file: file.path)
                        alerting.append(rule)
                    }
                }
            }
        }
        return (alerting, recording)
    }
}
