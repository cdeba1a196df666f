import Foundation
import Yams

/// Severities, escalation levels and rules, their references left to
/// the resolver.
extension ConfigReader {
    func alerts(_ node: Node) -> ([Severity], [EscalationLevel], [RuleSpec], TargetDownSpec?) {
        var config = AlertsConfig()
        var rules: [RuleSpec] = []
        var targetDown: TargetDownSpec?
        for (key, _, value) in entries(
            node, "alerts", allowed: ["severities", "rules", "escalation", "target_down"])
        {
            switch key {
            case "target_down": targetDown = self.targetDown(value)
            case "severities":
                for (id, _, v) in entries(value, "severities", allowed: []) {
                    var s = Severity(
                        id: id, name: id, color: "red", channels: [], escalation: false,
                        timeout: PromDuration(milliseconds: 3_600_000))
                    for (k, _, f) in entries(
                        v, "severity \(id)", allowed: ["name", "color", "channels", "escalation", "timeout"])
                    {
                        switch k {
                        case "name": s.name = string(f, k) ?? id
                        case "color":
                            s.color = string(f, k) ?? s.color
                            if !Self.knownColors.contains(s.color) {
                                error(f, "color must be one of \(Self.knownColors.joined(separator: ", "))")
                            }
                        case "channels": s.channels = strings(f, k)
                        case "escalation": s.escalation = bool(f, k) ?? false
                        default: s.timeout = duration(f, "timeout") ?? s.timeout
                        }
                    }
                    config.severities.append(s)
                }
            case "rules": rules = self.rules(value)
            default:
                for item in items(value, "escalation") {
                    var level = EscalationLevel(
                        level: config.escalation.count + 1, after: PromDuration(milliseconds: 0), contacts: [])
                    for (k, _, f) in entries(item, "an escalation level", allowed: ["level", "after", "contacts"]) {
                        switch k {
                        case "level": level.level = integer(f, "level") ?? level.level
                        case "after": level.after = duration(f, "after") ?? level.after
                        default: level.contacts = strings(f, "contacts")
                        }
                    }
                    if let prev = config.escalation.last, level.after <= prev.after {
                        error(item, "escalation levels must come in increasing 'after' order")
                    }
                    config.escalation.append(level)
                }
            }
        }
        return (config.severities, config.escalation, rules, targetDown)
    }

    /// `target_down: off` (or `false`), or a mapping with `severity`,
    /// `for` and `enabled`.
    func targetDown(_ node: Node) -> TargetDownSpec {
        var spec = TargetDownSpec(at: position(node))
        if node.scalar != nil {
            spec.enabled = bool(node, "target_down (off, or a mapping with severity and for)") ?? true
            return spec
        }
        for (k, _, v) in entries(node, "target_down", allowed: ["enabled", "severity", "for"]) {
            switch k {
            case "enabled": spec.enabled = bool(v, "enabled") ?? true
            case "severity": if let s = string(v, k) { spec.severity = Located(s, at: position(v)) }
            default: spec.holdFor = duration(v, "for")
            }
        }
        return spec
    }

    static let knownColors = ["red", "orange", "yellow", "green", "blue", "magenta", "cyan", "white", "gray"]

    func rules(_ node: Node) -> [RuleSpec] {
        let seq = items(node, "rules")
        var out: [RuleSpec] = []
        for item in seq {
            var name = ""
            var condition: Located<String>?
            var exprText: (String, QueryExpr)?
            var holdFor = PromDuration(milliseconds: 0)
            var keep: PromDuration?
            var severity = Located("", at: position(item))
            var description: String?
            var action: String?
            var datasource: Located<String>?
            for (k, _, v) in entries(
                item, "a rule",
                allowed: [
                    "name", "condition", "expr", "for", "duration", "keep_firing_for", "severity", "description",
                    "action", "datasource",
                ])
            {
                switch k {
                case "name": name = string(v, k) ?? ""
                case "condition": if let s = string(v, k) { condition = Located(s, at: position(v)) }
                case "expr": exprText = query(v, "expr of rule \(name)")
                case "for", "duration": holdFor = duration(v, k) ?? holdFor
                case "keep_firing_for": keep = duration(v, k)
                case "severity": severity = Located(string(v, k) ?? "", at: position(v))
                case "description": description = string(v, k)
                case "datasource":
                    let ds = string(v, k) ?? ""
                    if ["local", "prometheus", "alertmanager"].contains(ds) {
                        datasource = Located(ds, at: position(v))
                    } else {
                        error(v, "a rule's datasource must be local, prometheus or alertmanager")
                    }
                default: action = string(v, k)
                }
            }
            if name.isEmpty { error(item, "a rule needs a name") }
            // An expr that did not parse is already an error; the rule is left out.
            if condition == nil && exprText == nil && item.mapping?["expr"] != nil { continue }
            out.append(
                RuleSpec(
                    name: name, condition: condition, expr: exprText.map { (text: $0.0, query: $0.1) },
                    holdFor: holdFor,
                    keepFiringFor: keep, severity: severity, description: description, action: action,
                    datasource: datasource, at: position(item)))
        }
        return out
    }
}
