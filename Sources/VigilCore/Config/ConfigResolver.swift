import Foundation

/// Ties a decoded configuration together, whatever format it came from:
/// panels to their metrics and log sources, rules to their metrics and
/// severities (a condition becomes PromQL), each metric and rule to where
/// it is evaluated (locally or by the Prometheus server). Every problem is
/// an error at the position of the reference.
public struct ConfigResolver {
    let document: ConfigDocument
    var errors: [ConfigError] = []

    public static func resolve(_ document: ConfigDocument) -> (config: VigilConfig, errors: [ConfigError]) {
        var r = ConfigResolver(document: document)
        let config = r.resolve()
        return (config, r.errors)
    }

    init(document: ConfigDocument) { self.document = document }

    mutating func error(_ at: SourcePosition, _ message: String) {
        errors.append(
            ConfigError(
                file: document.file, line: at.line, column: at.column, message: Sanitizer.clean(message, maxLength: 600)
            ))
    }

    mutating func resolve() -> VigilConfig {
        var config = document.settings
        config.file = document.file
        config.metrics = document.metrics
        // Which metrics the server evaluates: those that say so, or all of
        // them when there is a server and no local target.
        let serverOnly = config.prometheus != nil && config.targets.isEmpty
        for i in config.metrics.indices {
            switch document.datasources[config.metrics[i].id] {
            case let ds? where ds.value == "prometheus":
                if config.prometheus == nil { error(ds.at, "datasource prometheus needs a prometheus: section") }
                config.metrics[i].remote = true
            case let ds? where ds.value == "local": config.metrics[i].remote = false
            default: config.metrics[i].remote = serverOnly
            }
        }
        config.alerts = AlertsConfig()
        config.alerts.severities = document.severities
        config.alerts.escalation = document.escalation
        config.alerts.rules = document.rules.compactMap { rule($0, metrics: config.metrics, config: config) }
        config.alerts.onServer = document.rules.filter { $0.datasource?.value == "alertmanager" }.map(\.name)
        ruleFiles(&config, serverOnly: serverOnly)
        if let down = targetDownRule(config, serverOnly: serverOnly) { config.alerts.rules.append(down) }
        config.objectives = objectives(serverOnly: serverOnly)
        for o in config.objectives { config.alerts.rules += BurnRateAlerts.rules(o, remote: serverOnly) }
        config.criteria = criteria(config)
        config.launch = launch(config)
        let logNames = Set(config.logs.map(\.name))
        config.dashboards = document.dashboards.map { dashboard($0, metrics: config.metrics, logs: logNames) }
        return config
    }

    mutating func dashboard(_ d: DashboardSpec, metrics: [MetricDefinition], logs: Set<String>) -> Dashboard {
        let ids = Set(metrics.map(\.id))
        let grid = GridDefaults.columns(d.columns, panels: d.panels.count)
        var panels: [Panel] = []
        for spec in d.panels {
            var p = spec.panel
            for m in spec.metrics {
                if ids.contains(m.value) {
                    p.metrics.append(m.value)
                } else {
                    error(m.at, "undefined metric \(Sanitizer.quote(m.value)) (define it under metrics:)")
                }
            }
            if let s = spec.source {
                if logs.contains(s.value) {
                    p.source = s.value
                } else {
                    error(s.at, "undefined log source \(Sanitizer.quote(s.value)) (define it under logs:)")
                }
            }
            // A panel wider than its grid would be drawn narrower than asked.
            if p.width > grid {
                error(
                    spec.widthAt,
                    "width \(p.width) is wider than the dashboard's \(grid) columns (set columns: on the dashboard)")
            }
            panels.append(p)
        }
        return Dashboard(name: d.name, panels: panels, columns: d.columns)
    }

    mutating func rule(_ spec: RuleSpec, metrics: [MetricDefinition], config: VigilConfig) -> AlertRule? {
        let serverOnly = config.prometheus != nil && config.targets.isEmpty
        let severities = document.severities
        if !severities.contains(where: { $0.id == spec.severity.value }) {
            error(
                spec.severity.at,
                "unknown severity \(Sanitizer.quote(spec.severity.value)) (defined: \(severities.map(\.id).joined(separator: ", ")))"
            )
        }
        var expr: QueryExpr?
        var metric: MetricDefinition?
        var promql = spec.expr?.text ?? ""
        if let cond = spec.condition {
            if spec.expr != nil { error(cond.at, "give condition or expr, not both") }
            if let (id, op, value) = Self.splitCondition(cond.value) {
                if let m = metrics.first(where: { $0.id == id }) {
                    metric = m
                    promql = "(\(m.queryText)) \(op) \(value)"
                    do {
                        expr = try QueryParser.parse(promql)
                    } catch {
                        self.error(cond.at, "condition: \(error.message)")
                    }
                } else {
                    error(cond.at, "condition names undefined metric \(Sanitizer.quote(id))")
                }
            } else {
                error(cond.at, "condition must look like 'metric > number' (or use expr: with PromQL)")
            }
        } else if let e = spec.expr {
            expr = e.query
        } else {
            error(spec.at, "rule \(Sanitizer.quote(spec.name)) needs a condition or an expr")
        }
        guard let expr else { return nil }
        var rule = AlertRule(
            name: spec.name, condition: spec.condition?.value ?? spec.expr?.text ?? "", metric: metric?.id, expr: expr,
            holdFor: spec.holdFor, keepFiringFor: spec.keepFiringFor, severity: spec.severity.value,
            description: spec.description, action: spec.action)
        rule.promql = promql
        rule.remote = metric?.remote ?? serverOnly
        // Where the rule is evaluated, when it says: checked like the
        // rest of it, and a server's own rule is not evaluated here.
        switch spec.datasource {
        case let ds? where ds.value == "prometheus":
            if config.prometheus == nil { error(ds.at, "datasource prometheus needs a prometheus: section") }
            rule.remote = true
        case let ds? where ds.value == "local":
            if config.targets.isEmpty { error(ds.at, "datasource local needs targets: to scrape") }
            rule.remote = false
        case let ds? where ds.value == "alertmanager":
            if config.alertmanager == nil {
                error(ds.at, "datasource alertmanager needs an alertmanager: section to show the server's alerts")
            }
            return nil
        default: break
        }
        return rule
    }

    /// The built-in rule for a target that does not answer (`up == 0`),
    /// on by default: without it a dead target leaves every panel
    /// quietly stale and the status bar at "0 firing". It holds for two
    /// intervals of the slowest target, so one lost scrape does not page;
    /// its severity is the configuration's `critical`, else its first.
    mutating func targetDownRule(_ config: VigilConfig, serverOnly: Bool) -> AlertRule? {
        let spec = document.targetDown
        guard spec?.enabled ?? true, !config.targets.isEmpty || serverOnly,
            !document.rules.contains(where: { $0.name == AlertRule.targetDownName })
        else { return nil }
        let severities = document.severities.map(\.id)
        var severity = severities.contains("critical") ? "critical" : severities.first ?? "critical"
        if let s = spec?.severity {
            if severities.contains(s.value) {
                severity = s.value
            } else {
                error(
                    s.at,
                    "unknown severity \(Sanitizer.quote(s.value)) (defined: \(severities.joined(separator: ", ")))")
            }
        }
        let slowest = config.targets.map(\.interval.milliseconds).max() ?? config.refresh.milliseconds
        let promql = "up == 0"
        guard let expr = try? QueryParser.parse(promql) else { return nil }
        var rule = AlertRule(
            name: AlertRule.targetDownName, condition: promql, metric: nil, expr: expr,
            holdFor: spec?.holdFor ?? PromDuration(milliseconds: 2 * slowest), keepFiringFor: nil,
            severity: severity, description: "A scrape target does not answer: its panels show old data",
            action: "check the target and its network path; see the status bar for the reason")
        rule.promql = promql
        rule.remote = serverOnly
        rule.builtIn = true
        return rule
    }

    /// Objectives with their alert severities: `critical` pages and
    /// `medium` tickets where the configuration has them (else its first
    /// and last), or what the objective's `alerts:` says.
    mutating func objectives(serverOnly: Bool) -> [Objective] {
        let severities = document.severities.map(\.id)
        var ids = Set<String>()
        return document.objectives.map { (spec, refs) in
            var o = spec
            if !ids.insert(o.id).inserted {
                error(o.at, "two objectives are named \(Sanitizer.quote(o.name)) (ids must differ: \(o.id))")
            }
            o.pageSeverity = severities.contains("critical") ? "critical" : severities.first ?? "critical"
            o.ticketSeverity = severities.contains("medium") ? "medium" : severities.last ?? "medium"
            for (ref, isPage) in [(refs.page, true), (refs.ticket, false)] {
                guard let ref else { continue }
                if severities.contains(ref.value) {
                    if isPage { o.pageSeverity = ref.value } else { o.ticketSeverity = ref.value }
                } else {
                    error(
                        ref.at,
                        "unknown severity \(Sanitizer.quote(ref.value)) (defined: \(severities.joined(separator: ", ")))"
                    )
                }
            }
            return o
        }
    }

    mutating func criteria(_ config: VigilConfig) -> [Criterion] {
        document.criteria.compactMap { (c, ref) in
            switch c.kind {
            case .metric(let id) where config.metric(id) == nil:
                error(ref?.at ?? c.at, "undefined metric \(Sanitizer.quote(id)) (define it under metrics:)")
                return nil
            case .incidents(let severity) where !document.severities.contains(where: { $0.id == severity }):
                error(
                    ref?.at ?? c.at,
                    "unknown severity \(Sanitizer.quote(severity)) (defined: \(document.severities.map(\.id).joined(separator: ", ")))"
                )
                return nil
            default: return c
            }
        }
    }

    /// The launch's checks tied to their metrics (query and thresholds)
    /// and objectives (burn rate over an hour: warning at 1, critical at
    /// the page's 14.4 unless written).
    mutating func launch(_ config: VigilConfig) -> LaunchPlan {
        var plan = document.launch
        for p in plan.phases.indices {
            plan.phases[p].checks = plan.phases[p].checks.compactMap { spec in
                var c = spec
                switch c.source {
                case .query: return c
                case .metric(let id):
                    guard let m = config.metric(id) else {
                        error(c.refAt ?? c.at, "undefined metric \(Sanitizer.quote(id)) (define it under metrics:)")
                        return nil
                    }
                    c.query = m.queryText
                    c.expr = m.query
                    if c.unit.isEmpty { c.unit = m.unit }
                    if !c.bounded {
                        guard let t = m.threshold else {
                            error(
                                c.refAt ?? c.at,
                                "metric \(Sanitizer.quote(id)) has no threshold: give the check warning: or critical:")
                            return nil
                        }
                        c.threshold = t
                    }
                    return c
                case .objective(let id):
                    guard config.objectives.contains(where: { $0.id == id }) else {
                        error(
                            c.refAt ?? c.at,
                            "undefined objective \(Sanitizer.quote(id)) (defined: \(config.objectives.map(\.id).joined(separator: ", ")))"
                        )
                        return nil
                    }
                    if !c.bounded { c.threshold = Threshold(warning: 1, critical: 14.4) }
                    if c.unit.isEmpty { c.unit = "×" }
                    return c
                }
            }
            if plan.phases[p].checks.isEmpty {
                // Every check named something undefined (said above).
                plan.phases[p].checks = []
            }
        }
        return plan
    }

    /// `error_rate > 5` → ("error_rate", ">", "5").
    static func splitCondition(_ s: String) -> (String, String, String)? {
        let ops = [">=", "<=", "==", "!=", ">", "<"]
        for op in ops {
            if let r = s.range(of: op) {
                let id = s[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
                let value = s[r.upperBound...].trimmingCharacters(in: .whitespaces)
                guard MetricDefinition.isValidID(id), FastFloat.parse(value) != nil else { return nil }
                return (id, op, value)
            }
        }
        return nil
    }
}

/// How many columns a dashboard's grid has, for the resolver's width
/// check and the layout alike: as written, else two, or one for a lone
/// panel.
public enum GridDefaults {
    public static func columns(_ written: Int?, panels: Int) -> Int { max(1, written ?? (panels > 1 ? 2 : 1)) }
}
