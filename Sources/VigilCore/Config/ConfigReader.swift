import Foundation
import Yams

/// Walks the YAML tree, building the config and collecting every error
/// with the position of the node it is about.
final class ConfigReader {
    let file: String
    let environment: [String: String]
    var errors: [ConfigError] = []

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    func position(_ node: Node) -> SourcePosition {
        SourcePosition(line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    func error(_ node: Node?, _ message: String) {
        let mark = node?.mark
        // Cleaned as a whole too: messages repeat names and values from the file.
        errors.append(
            ConfigError(
                file: file, line: mark?.line ?? 1, column: mark?.column ?? 1,
                message: Sanitizer.clean(message, maxLength: 600)))
    }

    /// The items of a list; anything else is an error saying `what` must
    /// be a list.
    func items(_ node: Node, _ what: String) -> [Node] {
        guard let seq = node.sequence else {
            error(node, "\(what) must be a list")
            return []
        }
        return Array(seq)
    }

    /// The entries of a mapping, reporting unknown and duplicate keys.
    func entries(_ node: Node, _ what: String, allowed: [String]) -> [(key: String, keyNode: Node, value: Node)] {
        guard let mapping = node.mapping else {
            error(node, "\(what) must be a mapping")
            return []
        }
        var out: [(String, Node, Node)] = []
        var seen = Set<String>()
        for (k, v) in mapping {
            guard let key = k.scalar?.string else {
                error(k, "keys in \(what) must be plain names")
                continue
            }
            if !seen.insert(key).inserted {
                error(k, "duplicate key \(Sanitizer.quote(key)) in \(what)")
                continue
            }
            if !allowed.isEmpty && !allowed.contains(key) {
                error(
                    k,
                    "unknown key \(Sanitizer.quote(key)) in \(what) (expected one of: \(allowed.joined(separator: ", ")))"
                )
                continue
            }
            out.append((key, k, v))
        }
        return out
    }

    func string(_ node: Node, _ what: String) -> String? {
        // A plain empty, `~` or `null` scalar is YAML's null: not a string.
        guard let s = node.scalar, !(s.style == .plain && ["", "~", "null"].contains(s.string)) else {
            error(node, "\(what) must be a string")
            return nil
        }
        return s.string
    }

    func number(_ node: Node, _ what: String) -> Double? {
        // YAML's infinities: a one-sided threshold (an imported dashboard's
        // green and yellow with no red) has its critical level at .inf.
        switch node.scalar?.string.lowercased() {
        case ".inf", "+.inf": return .infinity
        case "-.inf": return -.infinity
        default: break
        }
        guard let s = node.scalar?.string, s.lowercased() != "nan", let v = FastFloat.parse(s) else {
            error(node, "\(what) must be a number")
            return nil
        }
        return v
    }

    func integer(_ node: Node, _ what: String) -> Int? {
        guard let s = node.scalar?.string, let v = Int(s) else {
            error(node, "\(what) must be a whole number")
            return nil
        }
        return v
    }

    func bool(_ node: Node, _ what: String) -> Bool? {
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error(node, "\(what) must be true or false")
            return nil
        }
    }

    /// `retention: {raw: 48h, rollups: 35d}`: the history store's.
    func retention(_ node: Node) -> HistoryRetention {
        var r = HistoryRetention()
        for (key, _, value) in entries(node, "retention", allowed: ["raw", "rollups"]) {
            guard let d = duration(value, "retention.\(key)") else { continue }
            // Raw points under an hour would leave graphs after a restart
            // empty; rollups under a day would leave no daily report.
            if key == "raw" {
                if d.milliseconds < 3_600_000 { error(value, "retention.raw must be at least 1h") }
                r.rawMs = d.milliseconds
            } else {
                if d.milliseconds < 86_400_000 { error(value, "retention.rollups must be at least 1d") }
                r.rollupMs = d.milliseconds
            }
        }
        return r
    }

    func duration(_ node: Node, _ what: String) -> PromDuration? {
        // The plan writes timeouts as bare minutes (`timeout: 30`); a bare
        // number is refused rather than guessed.
        guard let s = node.scalar?.string, let d = PromDuration(s) else {
            if let s = node.scalar?.string, PromDuration.isOutOfRange(s) {
                error(node, "\(what) is out of range (at most 292 years)")
                return nil
            }
            error(node, "\(what) must be a duration like 30s, 5m or 1h30m")
            return nil
        }
        return d
    }

    func strings(_ node: Node, _ what: String) -> [String] {
        if let s = node.scalar?.string { return [s] }
        guard let seq = node.sequence else {
            error(node, "\(what) must be a list of strings")
            return []
        }
        return seq.compactMap { string($0, "each entry of \(what)") }
    }

    func secret(_ node: Node, _ what: String) -> Secret? {
        guard let s = string(node, what) else { return nil }
        do {
            return Secret(try SecretSource.expand(s, environment: environment))
        } catch {
            self.error(node, "\(what): \(error)")
            return nil
        }
    }

    func secretFile(_ node: Node, _ what: String) -> Secret? {
        guard let path = string(node, what) else { return nil }
        do {
            return try SecretSource.resolve(inline: nil, file: path)
        } catch {
            self.error(node, "\(what): \(error)")
            return nil
        }
    }

    /// `datasource:` of each metric, as written.
    var datasources: [String: Located<String>] = [:]
    /// `grafana:` entries of `dashboards:`, imported at the end.
    var grafanaRefs: [GrafanaRef] = []

    /// The whole file, decoded: settings as they are, the rest as specs
    /// for `ConfigResolver`.
    func document(_ node: Node) -> ConfigDocument {
        var doc = ConfigDocument(file: file)
        var config = VigilConfig()
        for (key, _, value) in entries(
            node, "the configuration",
            allowed: [
                "refresh", "theme", "history", "retention", "targets", "prometheus", "alertmanager", "logs", "metrics",
                "dashboards", "alerts", "keys", "objectives", "criteria", "state_dir", "journal_compact_after",
                "launch", "channels", "contacts", "rule_files",
            ])
        {
            switch key {
            case "refresh": config.refresh = duration(value, "refresh") ?? config.refresh
            case "theme":
                config.theme = string(value, "theme")
                config.positions["theme"] = position(value)
            case "history": config.history = duration(value, "history")
            case "state_dir":
                // Relative to the configuration file, so a team's file
                // names one place wherever it is read from.
                if let s = string(value, "state_dir") {
                    if s.isEmpty || s.contains("\0") {
                        error(value, "state_dir must be a directory path")
                    } else {
                        config.stateDir = FileLocations.absolute(s, relativeTo: FileLocations.parent(file))
                    }
                }
            case "journal_compact_after":
                if let s = value.scalar?.string, let n = s == "0" ? 0 : parseByteSize(s), n >= 0 {
                    config.journalCompactAfter = n
                } else {
                    error(value, "journal_compact_after must be a size like 4MiB (0: never compact)")
                }
            case "retention": config.retention = retention(value)
            case "targets": config.targets = targets(value)
            case "logs": config.logs = logSources(value)
            case "prometheus": config.prometheus = server(value, "prometheus", extra: [])
            case "alertmanager":
                if let http = server(value, "alertmanager", extra: ["silence_duration", "send", "resend_interval"]) {
                    var am = AlertmanagerConfig(http: http)
                    if let d = value.mapping?["silence_duration"] {
                        am.silenceDuration = duration(d, "silence_duration") ?? am.silenceDuration
                    }
                    if let b = value.mapping?["send"] { am.send = bool(b, "send") ?? am.send }
                    if let d = value.mapping?["resend_interval"], let r = duration(d, "resend_interval") {
                        if r.milliseconds < 1000 { error(d, "resend_interval must be at least 1s") }
                        am.resendInterval = r
                    }
                    config.alertmanager = am
                }
            case "metrics": doc.metrics = metrics(value)
            case "dashboards": doc.dashboards = dashboards(value)
            case "alerts": (doc.severities, doc.escalation, doc.rules, doc.targetDown) = alerts(value)
            case "objectives": doc.objectives = objectives(value)
            case "criteria": doc.criteria = criteria(value)
            case "launch": doc.launch = launch(value)
            case "channels": config.channels = channels(value)
            case "contacts": config.contacts = contacts(value)
            case "rule_files": doc.ruleFiles = ruleFiles(value)
            default:  // keys
                for (action, keyNode, k) in entries(value, "keys", allowed: []) {
                    if let s = string(k, "key for \(action)") { config.keys[action] = s }
                    config.positions["keys." + action] = position(keyNode)
                    config.positions["keys." + action + ".value"] = position(k)
                }
            }
        }
        if config.refresh.milliseconds < 100 { error(node, "refresh must be at least 100ms") }
        importGrafana(into: &doc, config: &config)
        doc.settings = config
        doc.datasources = datasources
        return doc
    }
}
