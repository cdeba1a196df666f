import Foundation
import Yams

/// Reads Prometheus rule files with promtool's checks, every mistake with
/// its line and column in the rule file (not the configuration naming it).
public enum RuleFileLoader {
    public static func load(path: String) throws(ConfigErrors) -> RuleFile {
        try parse(try ConfigLoader.text(of: path), path: path)
    }

    public static func parse(_ text: String, path: String) throws(ConfigErrors) -> RuleFile {
        let (file, problems) = try parseKeepingGoodRules(text, path: path)
        if !problems.isEmpty { throw ConfigErrors(errors: problems) }
        return file
    }

    /// The rules that are right, and the mistakes in the others: a team's
    /// file with one rule Vigil cannot evaluate still brings the rest
    /// (the dashboard says which was left out and why). A file that is
    /// not YAML brings nothing.
    public static func loadKeepingGoodRules(path: String) -> (RuleFile, [ConfigError]) {
        do {
            return try parseKeepingGoodRules(try ConfigLoader.text(of: path), path: path)
        } catch {
            return (RuleFile(path: path, groups: []), error.errors)
        }
    }

    static func parseKeepingGoodRules(_ text: String, path: String) throws(ConfigErrors) -> (RuleFile, [ConfigError]) {
        let node = try ConfigLoader.compose(text, file: path)
        let reader = ConfigReader(file: path, environment: [:])
        let groups = reader.ruleGroups(node)
        return (RuleFile(path: path, groups: groups), ConfigLoader.inFileOrder(reader.errors))
    }

    /// A metric name Prometheus accepts for a recorded series.
    static func isMetricName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || first == ":" || isASCIILetter(first) else {
            return false
        }
        return s.unicodeScalars.allSatisfy { $0 == "_" || $0 == ":" || isASCIILetter($0) || ("0"..."9").contains($0) }
    }

    static func isLabelName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || isASCIILetter(first) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || isASCIILetter($0) || ("0"..."9").contains($0) }
    }

    static func isASCIILetter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
}

extension ConfigReader {
    /// `groups:` of a rule file.
    func ruleGroups(_ node: Node) -> [RuleGroup] {
        var groups: [RuleGroup] = []
        var names = Set<String>()
        for (key, _, value) in entries(node, "a rule file", allowed: ["groups"]) where key == "groups" {
            for item in items(value, "groups") {
                guard let group = ruleGroup(item) else { continue }
                if !names.insert(group.name).inserted {
                    error(item, "groupname: \(Sanitizer.quote(group.name)) is repeated in the same file")
                }
                groups.append(group)
            }
        }
        if node.mapping?["groups"] == nil, node.mapping != nil { error(node, "a rule file needs groups:") }
        return groups
    }

    func ruleGroup(_ node: Node) -> RuleGroup? {
        var group = RuleGroup(name: "", intervalMs: nil, limit: 0, rules: [], at: position(node))
        var ruleNodes: [Node] = []
        for (key, _, value) in entries(
            node, "a rule group", allowed: ["name", "interval", "limit", "rules", "query_offset", "labels"])
        {
            switch key {
            case "name": group.name = string(value, "a group's name") ?? ""
            case "interval":
                if let d = duration(value, "interval") {
                    if d.milliseconds <= 0 { error(value, "interval must be more than zero") }
                    group.intervalMs = d.milliseconds
                }
            case "limit":
                group.limit = integer(value, "limit") ?? 0
                if group.limit < 0 { error(value, "limit must not be negative") }
            case "rules": ruleNodes = items(value, "rules")
            default:
                // Newer Prometheus keys: refused rather than ignored, so a
                // rule never evaluates differently from the team's server.
                error(value, "\(key) is not supported (Prometheus 3 group settings); remove it to use this group")
            }
        }
        if group.name.isEmpty {
            error(node, "a rule group needs a name")
            return nil
        }
        for (n, r) in ruleNodes.enumerated() {
            // A rule with a mistake is left out whole, never half-read.
            let before = errors.count
            if let rule = promRule(r, group: group.name, index: n + 1), errors.count == before {
                group.rules.append(rule)
            }
        }
        return group
    }

    func promRule(_ node: Node, group: String, index: Int) -> PromRule? {
        var alert: (String, Node)?
        var record: (String, Node)?
        var expr: (String, QueryExpr)?
        var holdFor: (PromDuration, Node)?
        var keep: (PromDuration, Node)?
        var labelNodes: [(String, Node, Node)] = []
        var annotationNodes: [(String, Node, Node)] = []
        var annotationsAt: Node?
        let fields = entries(
            node, "a rule",
            allowed: ["alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"])
        let name = node.mapping?["alert"]?.scalar?.string ?? node.mapping?["record"]?.scalar?.string ?? ""
        let whose = "group \(Sanitizer.quote(group)), rule \(index), \(Sanitizer.quote(name))"
        for (key, _, value) in fields {
            switch key {
            case "alert": if let s = string(value, "alert") { alert = (s, value) }
            case "record": if let s = string(value, "record") { record = (s, value) }
            case "expr": expr = query(value, "\(whose): could not parse expression")
            case "for": if let d = duration(value, "\(whose): for") { holdFor = (d, value) }
            case "keep_firing_for": if let d = duration(value, "\(whose): keep_firing_for") { keep = (d, value) }
            case "labels":
                labelNodes = entries(value, "labels", allowed: []).map { ($0.key, $0.keyNode, $0.value) }
            default:
                annotationsAt = value
                annotationNodes = entries(value, "annotations", allowed: []).map { ($0.key, $0.keyNode, $0.value) }
            }
        }
        guard node.mapping != nil else { return nil }
        switch (alert, record) {
        case (nil, nil):
            error(node, "\(whose): one of 'record' or 'alert' must be set")
            return nil
        case (.some, .some):
            error(node, "\(whose): only one of 'record' and 'alert' must be set")
            return nil
        default: break
        }
        if node.mapping?["expr"] == nil { error(node, "\(whose): field 'expr' must be set in rule") }
        if let (r, at) = record {
            if !RuleFileLoader.isMetricName(r) { error(at, "\(whose): invalid recording rule name: \(r)") }
            if let annotationsAt { error(annotationsAt, "\(whose): invalid field 'annotations' in recording rule") }
            if let (_, at) = holdFor { error(at, "\(whose): invalid field 'for' in recording rule") }
            if let (_, at) = keep { error(at, "\(whose): invalid field 'keep_firing_for' in recording rule") }
        }
        if let (a, at) = alert, a.isEmpty { error(at, "\(whose): an alert needs a name") }
        if let (d, at) = holdFor, d.milliseconds < 0 { error(at, "\(whose): for must not be negative") }
        var labels: [(String, AlertTemplate)] = []
        for (k, keyNode, v) in labelNodes {
            if !RuleFileLoader.isLabelName(k) { error(keyNode, "\(whose): invalid label name: \(k)") }
            if k == "__name__" { error(keyNode, "\(whose): invalid label name: \(k)") }
            if let t = template(v, "\(whose): label \(k)", allowActions: record == nil) { labels.append((k, t)) }
        }
        var annotations: [(String, AlertTemplate)] = []
        for (k, keyNode, v) in annotationNodes {
            if !RuleFileLoader.isLabelName(k) { error(keyNode, "\(whose): invalid annotation name: \(k)") }
            if let t = template(v, "\(whose): annotation \(k)", allowActions: true) { annotations.append((k, t)) }
        }
        guard let expr else { return nil }
        return PromRule(
            kind: alert != nil ? .alert : .record, name: alert?.0 ?? record?.0 ?? "", exprText: expr.0, expr: expr.1,
            holdFor: holdFor?.0 ?? PromDuration(milliseconds: 0), keepFiringFor: keep?.0, labels: labels,
            annotations: annotations, at: position(node))
    }

    /// A label or annotation value; a template that does not parse is an
    /// error at the line and column of its action.
    func template(_ node: Node, _ what: String, allowActions: Bool) -> AlertTemplate? {
        guard let text = node.scalar?.string else {
            error(node, "\(what) must be a string")
            return nil
        }
        do {
            let t = try AlertTemplate(text)
            if !allowActions && !t.isPlain {
                error(node, "\(what): a recording rule's labels are not templates")
                return nil
            }
            return t
        } catch  where error.unsupported {
            // The alert is still worth having; its text says why it is bare.
            return AlertTemplate(literal: "(not rendered by Vigil: \(error.message))")
        } catch {
            var err = ConfigError(
                file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1,
                message: Sanitizer.clean("\(what): template: \(error.message) (template line \(error.line))"))
            // A one-line plain value: the column is exact.
            if !text.contains("\n"), node.scalar?.style == .plain {
                err.column += error.column - 1
            } else if node.scalar?.style == .literal || node.scalar?.style == .folded {
                err.line += error.line
            }
            errors.append(err)
            return nil
        }
    }
}
