import Foundation
import Yams

/// One configuration problem with its position.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "\(file):\(line):\(column): \(message)" }

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }
}

/// Every problem found in one file; the loader keeps going after the
/// first so `vigil check config` can list them all.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Loads and validates a Vigil configuration from YAML.
public enum ConfigLoader {
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigErrors) -> VigilConfig
    {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigErrors(errors: [
                ConfigError(file: path, line: 1, column: 1, message: "cannot read the file (\(unreadable(path)))")
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigErrors(errors: [ConfigError(file: path, line: 1, column: 1, message: "the file is not UTF-8")])
        }
        return try parse(text, file: path, environment: environment)
    }

    public static func parse(_ text: String, file: String, environment: [String: String] = [:]) throws(ConfigErrors)
        -> VigilConfig
    {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw ConfigErrors(errors: [yamlError(e, file: file)])
        } catch {
            throw ConfigErrors(errors: [ConfigError(file: file, line: 1, column: 1, message: "\(error)")])
        }
        guard let node else {
            throw ConfigErrors(errors: [ConfigError(file: file, line: 1, column: 1, message: "the file is empty")])
        }
        let reader = ConfigReader(file: file, environment: environment)
        var config = reader.root(node)
        config.file = file
        if !reader.errors.isEmpty {
            // In file order, which is how a person fixes them.
            let sorted = reader.errors.enumerated().sorted {
                ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
            }.map(\.element)
            throw ConfigErrors(errors: sorted)
        }
        return config
    }

    /// Why a file could not be read, in a few words.
    static func unreadable(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory.boolValue { return "it is a directory" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        return "read error"
    }

    static func yamlError(_ e: YamlError, file: String) -> ConfigError {
        // Never the library's own description: it repeats the document
        // (control characters and all) after the problem.
        switch e {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            var message = "YAML: \(problem)"
            if let hint = hint(for: problem) { message += "; \(hint)" }
            return ConfigError(file: file, line: mark.line, column: mark.column, message: Sanitizer.clean(message))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { Sanitizer.quote($0) }.joined(separator: ", ")
            return ConfigError(
                file: file, line: context.mark.line, column: context.mark.column,
                message: "duplicate key \(keys) in one mapping")
        case .reader(let problem, let offset, _, let yaml):
            var line = 1
            var column = 1
            if let offset {
                for ch in yaml.prefix(offset) {
                    if ch == "\n" {
                        line += 1
                        column = 1
                    } else {
                        column += 1
                    }
                }
            }
            return ConfigError(file: file, line: line, column: column, message: Sanitizer.clean("YAML: \(problem)"))
        default:
            return ConfigError(file: file, line: 1, column: 1, message: Sanitizer.clean("YAML: \(e)", maxLength: 200))
        }
    }

    /// What libyaml's jargon usually means in a hand-written file.
    static func hint(for problem: String) -> String? {
        if problem.contains("mapping values are not allowed") {
            return "check the indentation (a key indented deeper than its siblings, or a value with an unquoted ': ')"
        }
        if problem.contains("did not find expected key") || problem.contains("did not find expected '-' indicator") {
            return "check the indentation of this line against the lines above it"
        }
        if problem.contains("found character that cannot start any token") {
            return "YAML does not allow tabs for indentation; quote values that start with '@' or '`'"
        }
        return nil
    }
}

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

    // MARK: - Sections

    func root(_ node: Node) -> VigilConfig {
        var config = VigilConfig()
        var metricsNode: Node?
        var dashboardsNode: Node?
        var alertsNode: Node?
        for (key, _, value) in entries(
            node, "the configuration",
            allowed: [
                "refresh", "theme", "history", "targets", "prometheus", "alertmanager", "logs", "metrics", "dashboards",
                "alerts", "keys",
            ])
        {
            switch key {
            case "refresh": config.refresh = duration(value, "refresh") ?? config.refresh
            case "theme":
                config.theme = string(value, "theme")
                config.positions["theme"] = position(value)
            case "history": config.history = duration(value, "history")
            case "targets": config.targets = targets(value)
            case "logs": config.logs = logSources(value)
            case "prometheus": config.prometheus = server(value, "prometheus", extra: [])
            case "alertmanager":
                if let http = server(value, "alertmanager", extra: ["silence_duration"]) {
                    var am = AlertmanagerConfig(http: http)
                    if let d = value.mapping?["silence_duration"] {
                        am.silenceDuration = duration(d, "silence_duration") ?? am.silenceDuration
                    }
                    config.alertmanager = am
                }
            case "metrics": metricsNode = value
            case "dashboards": dashboardsNode = value
            case "alerts": alertsNode = value
            default:  // keys
                for (action, keyNode, k) in entries(value, "keys", allowed: []) {
                    if let s = string(k, "key for \(action)") { config.keys[action] = s }
                    config.positions["keys." + action] = position(keyNode)
                    config.positions["keys." + action + ".value"] = position(k)
                }
            }
        }
        // Metrics first: dashboards and rules refer to them.
        if let metricsNode { config.metrics = metrics(metricsNode) }
        // Which metrics the server evaluates: those that say so, or all of
        // them when there is a server and no local target.
        for i in config.metrics.indices {
            switch datasources[config.metrics[i].id] {
            case "prometheus"?:
                if config.prometheus == nil, let n = datasourceNodes[config.metrics[i].id] {
                    error(n, "datasource prometheus needs a prometheus: section")
                }
                config.metrics[i].remote = true
            case "local"?: config.metrics[i].remote = false
            default: config.metrics[i].remote = config.prometheus != nil && config.targets.isEmpty
            }
        }
        if let alertsNode { config.alerts = alerts(alertsNode, metrics: config.metrics) }
        for i in config.alerts.rules.indices {
            let metric = config.alerts.rules[i].metric.flatMap { id in config.metrics.first { $0.id == id } }
            config.alerts.rules[i].remote = metric?.remote ?? (config.prometheus != nil && config.targets.isEmpty)
        }
        logNames = Set(config.logs.map(\.name))
        if let dashboardsNode { config.dashboards = dashboards(dashboardsNode, metrics: config.metrics) }
        if config.refresh.milliseconds < 100 { error(node, "refresh must be at least 100ms") }
        return config
    }

    func targets(_ node: Node) -> [TargetConfig] {
        guard let seq = node.sequence else {
            error(node, "targets must be a list")
            return []
        }
        var out: [TargetConfig] = []
        var names = Set<String>()
        for item in seq {
            var t = TargetConfig(name: "", url: "")
            var sawURL = false
            var nameNode: Node?
            var tokenNode: Node?
            var tokenFileNode: Node?
            for (key, _, value) in entries(
                item, "a target",
                allowed: [
                    "name", "url", "interval", "timeout", "headers", "bearer_token", "bearer_token_file",
                    "basic_auth", "tls", "body_limit", "format",
                ])
            {
                if httpKey(
                    key, value, &t, sawURL: &sawURL, tokenNode: &tokenNode, tokenFileNode: &tokenFileNode)
                {
                    continue
                }
                switch key {
                case "name":
                    t.name = string(value, "name") ?? ""
                    nameNode = value
                default:  // format
                    switch string(value, "format") {
                    case "auto": t.format = nil
                    case "prometheus": t.format = .prometheus
                    case "openmetrics": t.format = .openMetrics
                    default: error(value, "format must be auto, prometheus or openmetrics")
                    }
                }
            }
            if let tokenFileNode, tokenNode != nil {
                error(tokenFileNode, "give bearer_token or bearer_token_file, not both")
            }
            if t.bearerToken != nil && t.basicAuth != nil { error(item, "give a bearer token or basic_auth, not both") }
            if !sawURL { error(item, "a target needs a url") }
            if t.name.isEmpty { t.name = URLComponents(string: t.url)?.host ?? "target\(out.count + 1)" }
            if !names.insert(t.name).inserted {
                error(nameNode ?? item, "duplicate target name \(Sanitizer.quote(t.name))")
            }
            if t.timeout > t.interval { error(item, "timeout (\(t.timeout)) must not exceed interval (\(t.interval))") }
            out.append(t)
        }
        return out
    }

    /// The HTTP keys targets and log sources share (url, interval,
    /// timeout, headers, auth, tls, body_limit). False for any other key.
    func httpKey(
        _ key: String, _ value: Node, _ t: inout TargetConfig, sawURL: inout Bool, tokenNode: inout Node?,
        tokenFileNode: inout Node?
    ) -> Bool {
        switch key {
        case "url":
            t.url = string(value, "url") ?? ""
            sawURL = true
            if let c = URLComponents(string: t.url), c.scheme == "http" || c.scheme == "https", c.host != nil {
            } else {
                error(value, "url must be an http:// or https:// URL")
            }
        case "interval": t.interval = duration(value, "interval") ?? t.interval
        case "timeout": t.timeout = duration(value, "timeout") ?? t.timeout
        case "headers":
            for (name, _, v) in entries(value, "headers", allowed: []) {
                if let s = string(v, "header \(name)") { t.headers.append((name, s)) }
            }
        case "bearer_token":
            t.bearerToken = secret(value, "bearer_token")
            tokenNode = value
        case "bearer_token_file":
            t.bearerToken = secretFile(value, "bearer_token_file")
            tokenFileNode = value
        case "basic_auth":
            var user = ""
            var password: Secret?
            for (k, _, v) in entries(value, "basic_auth", allowed: ["username", "password", "password_file"]) {
                switch k {
                case "username": user = string(v, "username") ?? ""
                case "password": password = secret(v, "password")
                default: password = secretFile(v, "password_file")
                }
            }
            if let password {
                t.basicAuth = (user, password)
            } else {
                error(value, "basic_auth needs a password or password_file")
            }
        case "tls":
            for (k, _, v) in entries(
                value, "tls", allowed: ["ca_file", "cert_file", "key_file", "insecure_skip_verify"])
            {
                switch k {
                case "ca_file": t.caFile = string(v, k)
                case "cert_file": t.certFile = string(v, k)
                case "key_file": t.keyFile = string(v, k)
                default: t.insecureSkipVerify = bool(v, k) ?? false
                }
            }
        case "body_limit":
            if let s = value.scalar?.string, let n = parseByteSize(s), n > 0 {
                t.bodyLimit = n
            } else {
                error(value, "body_limit must be a size like 64MiB or 1000000")
            }
        default:
            return false
        }
        return true
    }

    func query(_ node: Node, _ what: String) -> (String, QueryExpr)? {
        guard let text = string(node, what) else { return nil }
        do {
            return (text, try QueryParser.parse(text))
        } catch {
            // Point at the offending column inside the query when the
            // query sits on one line after the key.
            var err = ConfigError(
                file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1,
                message: "\(what): \(error.message) (query column \(error.column))")
            if !text.contains("\n"), let style = node.scalar?.style, style == .plain {
                err.column += error.column - 1
            }
            errors.append(err)
            return nil
        }
    }

    func metrics(_ node: Node) -> [MetricDefinition] {
        var out: [MetricDefinition] = []
        for (id, keyNode, value) in entries(node, "metrics", allowed: []) {
            if !isMetricID(id) {
                error(keyNode, "metric id \(Sanitizer.quote(id)) may hold only letters, digits, '_', '.' and ':'")
            }
            var name = id
            var unit = ""
            var q: (String, QueryExpr)?
            var threshold: Threshold?
            var chart = "line"
            var aggregation: String?
            var description: String?
            for (key, _, v) in entries(
                value, "metric \(id)",
                allowed: ["name", "unit", "query", "threshold", "chart", "aggregation", "description", "datasource"])
            {
                switch key {
                case "datasource":
                    let ds = string(v, "datasource") ?? ""
                    if ds == "prometheus" || ds == "local" {
                        datasources[id] = ds
                        datasourceNodes[id] = v
                    } else {
                        error(v, "datasource must be local or prometheus")
                    }
                case "name": name = string(v, "name") ?? id
                case "unit": unit = string(v, "unit") ?? ""
                case "query": q = query(v, "query of metric \(id)")
                case "threshold": threshold = thresholdValue(v, id)
                case "chart":
                    chart = string(v, "chart") ?? chart
                    if !["line", "bar", "stat", "table"].contains(chart) {
                        error(v, "chart must be line, bar, stat or table")
                    }
                case "aggregation": aggregation = string(v, "aggregation")
                default: description = string(v, "description")
                }
            }
            guard let (text, expr) = q else {
                if value.mapping?["query"] == nil { error(keyNode, "metric \(id) needs a query") }
                continue
            }
            out.append(
                MetricDefinition(
                    id: id, name: name, unit: unit, queryText: text, query: expr, threshold: threshold, chart: chart,
                    aggregation: aggregation, description: description))
        }
        return out
    }

    func isMetricID(_ s: String) -> Bool {
        guard let f = s.first, f.isLetter || f == "_" else { return false }
        return s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == ":" }
    }

    func thresholdValue(_ node: Node, _ id: String) -> Threshold? {
        var warning: Double?
        var critical: Double?
        var higher: Bool?
        for (key, _, v) in entries(node, "threshold of \(id)", allowed: ["warning", "critical", "direction"]) {
            switch key {
            case "warning": warning = number(v, "warning")
            case "critical": critical = number(v, "critical")
            default:
                switch string(v, "direction") {
                case "higher_is_worse": higher = true
                case "lower_is_worse": higher = false
                default: error(v, "direction must be higher_is_worse or lower_is_worse")
                }
            }
        }
        guard let warning, let critical else {
            error(node, "threshold of \(id) needs warning and critical")
            return nil
        }
        if let higher, higher != (critical >= warning), critical != warning {
            error(node, "threshold of \(id): direction contradicts warning \(warning) and critical \(critical)")
        }
        return Threshold(warning: warning, critical: critical, higherIsWorse: higher)
    }

    func dashboards(_ node: Node, metrics: [MetricDefinition]) -> [Dashboard] {
        guard let seq = node.sequence else {
            error(node, "dashboards must be a list")
            return []
        }
        let ids = Set(metrics.map(\.id))
        var out: [Dashboard] = []
        for item in seq {
            var name = ""
            var panels: [Panel] = []
            var panelNodes: [Node] = []
            var columns: Int?
            for (key, _, value) in entries(item, "a dashboard", allowed: ["name", "panels", "layout", "columns"]) {
                switch key {
                case "name": name = string(value, "name") ?? ""
                case "layout":
                    if string(value, "layout") != "grid" { error(value, "layout must be grid") }
                case "columns":
                    if let n = integer(value, "columns"), (1...6).contains(n) {
                        columns = n
                    } else {
                        error(value, "columns must be 1 to 6")
                    }
                default:
                    guard let ps = value.sequence else {
                        error(value, "panels must be a list")
                        continue
                    }
                    panels = ps.compactMap { panel($0, ids: ids) }
                    panelNodes = Array(ps)
                }
            }
            // A panel wider than its grid would be drawn narrower than asked.
            let grid = columns ?? (panels.count > 1 ? 2 : 1)
            for (p, n) in zip(panels, panelNodes) where p.width > grid {
                error(
                    n.mapping?["width"] ?? n,
                    "width \(p.width) is wider than the dashboard's \(grid) columns (set columns: on the dashboard)")
            }
            if name.isEmpty { error(item, "a dashboard needs a name") }
            if out.contains(where: { $0.name == name }) {
                error(item, "duplicate dashboard name \(Sanitizer.quote(name))")
            }
            out.append(Dashboard(name: name, panels: panels, columns: columns))
        }
        return out
    }

    var datasources: [String: String] = [:]
    var datasourceNodes: [String: Node] = [:]

    /// `prometheus:` / `alertmanager:`: a URL with the target HTTP keys.
    func server(_ node: Node, _ what: String, extra: [String]) -> TargetConfig? {
        var t = TargetConfig(name: what, url: "")
        var sawURL = false
        var tokenNode: Node?
        var tokenFileNode: Node?
        for (key, _, value) in entries(
            node, what,
            allowed: [
                "url", "interval", "timeout", "headers", "bearer_token", "bearer_token_file", "basic_auth", "tls",
                "body_limit",
            ] + extra)
        {
            if extra.contains(key) { continue }
            _ = httpKey(key, value, &t, sawURL: &sawURL, tokenNode: &tokenNode, tokenFileNode: &tokenFileNode)
        }
        if !sawURL {
            error(node, "\(what) needs a url")
            return nil
        }
        if node.mapping?["timeout"] == nil { t.timeout = PromDuration(milliseconds: 10_000) }
        return t
    }

    /// Log source names, for panels' `source:`.
    var logNames = Set<String>()

    func logSources(_ node: Node) -> [LogSourceConfig] {
        guard let seq = node.sequence else {
            error(node, "logs must be a list")
            return []
        }
        var out: [LogSourceConfig] = []
        for item in seq {
            var c = LogSourceConfig(name: "", kind: .text, http: TargetConfig(name: "", url: ""))
            c.http.interval = PromDuration(milliseconds: 2000)
            c.http.bodyLimit = 8 << 20
            var sawURL = false
            var sawKind = false
            var tokenNode: Node?
            var tokenFileNode: Node?
            var nameNode: Node?
            for (key, _, value) in entries(
                item, "a log source",
                allowed: [
                    "name", "kind", "url", "interval", "timeout", "headers", "bearer_token", "bearer_token_file",
                    "basic_auth", "tls", "body_limit", "keep", "fields", "cursor_param", "query", "index", "tiebreaker",
                    "since", "limit", "level_patterns", "ansi",
                ])
            {
                if httpKey(key, value, &c.http, sawURL: &sawURL, tokenNode: &tokenNode, tokenFileNode: &tokenFileNode) {
                    continue
                }
                switch key {
                case "name":
                    c.name = string(value, "name") ?? ""
                    nameNode = value
                case "kind":
                    sawKind = true
                    if let s = string(value, "kind") {
                        if let k = LogKind(rawValue: s) {
                            c.kind = k
                        } else {
                            error(
                                value, "kind must be one of \(LogKind.allCases.map(\.rawValue).joined(separator: ", "))"
                            )
                        }
                    }
                case "keep":
                    if let n = integer(value, "keep"), n >= 1, n <= 1_000_000 {
                        c.keep = n
                    } else {
                        error(value, "keep must be a number of lines from 1 to 1000000")
                    }
                case "fields":
                    for (k, _, v) in entries(value, "fields", allowed: ["time", "level", "message"]) {
                        switch k {
                        case "time": c.timeField = string(v, k)
                        case "level": c.levelField = string(v, k)
                        default: c.messageField = string(v, k)
                        }
                    }
                case "cursor_param": c.cursorParam = string(value, key)
                case "query": c.query = string(value, key)
                case "index": c.index = string(value, key)
                case "tiebreaker": c.tiebreaker = string(value, key)
                case "since": c.since = duration(value, key) ?? c.since
                case "limit":
                    if let n = integer(value, "limit"), n >= 1, n <= 10_000 {
                        c.limit = n
                    } else {
                        error(value, "limit must be from 1 to 10000")
                    }
                case "level_patterns":
                    for (k, _, v) in entries(value, "level_patterns", allowed: LogLevel.allCases.map(\.rawValue)) {
                        guard let pattern = string(v, k), let level = LogLevel(rawValue: k) else { continue }
                        do {
                            c.levelPatterns.append((level, try NSRegularExpression(pattern: pattern)))
                        } catch {
                            self.error(v, "level pattern for \(k) is not a valid regular expression")
                        }
                    }
                default:  // ansi
                    switch string(value, "ansi") {
                    case "escape": c.ansi = .escape
                    case "colors": c.ansi = .colors
                    default: error(value, "ansi must be escape or colors")
                    }
                }
            }
            if !sawURL { error(item, "a log source needs a url") }
            if !sawKind {
                error(item, "a log source needs a kind (\(LogKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if c.name.isEmpty { error(item, "a log source needs a name") }
            if out.contains(where: { $0.name == c.name }) {
                error(nameNode ?? item, "duplicate log source name \(Sanitizer.quote(c.name))")
            }
            if c.kind == .loki && c.query == nil { error(item, "a loki source needs a query (LogQL)") }
            if c.kind == .elasticsearch && c.index == nil { error(item, "an elasticsearch source needs an index") }
            if item.mapping?["timeout"] == nil {
                c.http.timeout = min(c.http.timeout, c.http.interval)
            } else if c.http.timeout > c.http.interval {
                error(item, "timeout (\(c.http.timeout)) must not exceed interval (\(c.http.interval))")
            }
            c.http.name = c.name
            out.append(c)
        }
        return out
    }

    func panel(_ node: Node, ids: Set<String>) -> Panel? {
        var p = Panel(title: "", type: .graph, metrics: [])
        var sawType = false
        for (key, _, value) in entries(
            node, "a panel",
            allowed: [
                "title", "type", "metrics", "source", "sort", "unit", "group_by", "columns", "colors", "width",
                "height",
            ])
        {
            switch key {
            case "title": p.title = string(value, "title") ?? ""
            case "type":
                sawType = true
                if let s = string(value, "type") {
                    if let t = PanelType(rawValue: s) {
                        p.type = t
                    } else {
                        error(
                            value,
                            "panel type must be one of \(PanelType.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                }
            case "metrics":
                let list = value.sequence.map { Array($0) } ?? [value]
                for m in list {
                    guard let id = string(m, "metric") else { continue }
                    if ids.contains(id) {
                        p.metrics.append(id)
                    } else {
                        error(m, "undefined metric \(Sanitizer.quote(id)) (define it under metrics:)")
                    }
                }
            case "unit": p.unit = string(value, "unit")
            case "group_by": p.groupBy = strings(value, "group_by")
            case "columns": p.columns = strings(value, "columns")
            case "colors":
                // The panel's colours for OK, WARN and CRIT, in that order.
                p.colors = strings(value, "colors")
                if p.colors.count != 3 {
                    error(value, "colors lists three colours: for OK, WARN and CRIT (e.g. [green, yellow, red])")
                } else if let bad = p.colors.first(where: { ThemeSpec.colorNames[$0] == nil }) {
                    error(
                        value,
                        "unknown colour \(Sanitizer.quote(bad)) (one of \(ThemeSpec.colorNames.keys.sorted().joined(separator: ", ")))"
                    )
                }
            case "source":
                if let name = string(value, "source") {
                    if logNames.contains(name) {
                        p.source = name
                    } else {
                        error(value, "undefined log source \(Sanitizer.quote(name)) (define it under logs:)")
                    }
                }
            case "sort": p.sort = string(value, "sort")
            case "height":
                if let h = integer(value, "height"), (1...4).contains(h) {
                    p.height = h
                } else {
                    error(value, "height must be 1 to 4")
                }
            default:
                if let w = integer(value, "width"), (1...6).contains(w) {
                    p.width = w
                } else {
                    error(value, "width must be 1 to 6 (grid columns)")
                }
            }
        }
        if p.title.isEmpty { error(node, "a panel needs a title") }
        if !sawType { error(node, "panel \(Sanitizer.quote(p.title)) needs a type") }
        let hasSource = node.mapping?["source"] != nil
        if p.metrics.isEmpty && node.mapping?["metrics"] == nil && !hasSource {
            error(
                node,
                p.type == .log
                    ? "log panel \(Sanitizer.quote(p.title)) needs a source"
                    : "panel \(Sanitizer.quote(p.title)) needs metrics")
        }
        if p.type == .log && !hasSource && sawType {
            error(node, "log panel \(Sanitizer.quote(p.title)) needs a source")
        }
        if hasSource && p.type != .log && p.type != .table {
            error(node, "only log and table panels take a source")
        }
        return p
    }

    func alerts(_ node: Node, metrics: [MetricDefinition]) -> AlertsConfig {
        var config = AlertsConfig()
        var rulesNode: Node?
        for (key, _, value) in entries(node, "alerts", allowed: ["severities", "rules", "escalation"]) {
            switch key {
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
                            if !knownColors.contains(s.color) {
                                error(f, "color must be one of \(knownColors.joined(separator: ", "))")
                            }
                        case "channels": s.channels = strings(f, k)
                        case "escalation": s.escalation = bool(f, k) ?? false
                        default: s.timeout = duration(f, "timeout") ?? s.timeout
                        }
                    }
                    config.severities.append(s)
                }
            case "rules": rulesNode = value
            default:
                guard let seq = value.sequence else {
                    error(value, "escalation must be a list")
                    continue
                }
                for item in seq {
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
        if let rulesNode { config.rules = rules(rulesNode, metrics: metrics, severities: config.severities) }
        return config
    }

    let knownColors = ["red", "orange", "yellow", "green", "blue", "magenta", "cyan", "white", "gray"]

    func rules(_ node: Node, metrics: [MetricDefinition], severities: [Severity]) -> [AlertRule] {
        guard let seq = node.sequence else {
            error(node, "rules must be a list")
            return []
        }
        var out: [AlertRule] = []
        for item in seq {
            var name = ""
            var condition: (String, Node)?
            var exprText: (String, QueryExpr)?
            var holdFor = PromDuration(milliseconds: 0)
            var keep: PromDuration?
            var severity = ""
            var severityNode: Node?
            var description: String?
            var action: String?
            for (k, _, v) in entries(
                item, "a rule",
                allowed: [
                    "name", "condition", "expr", "for", "duration", "keep_firing_for", "severity", "description",
                    "action",
                ])
            {
                switch k {
                case "name": name = string(v, k) ?? ""
                case "condition": if let s = string(v, k) { condition = (s, v) }
                case "expr": exprText = query(v, "expr of rule \(name)")
                case "for", "duration": holdFor = duration(v, k) ?? holdFor
                case "keep_firing_for": keep = duration(v, k)
                case "severity":
                    severity = string(v, k) ?? ""
                    severityNode = v
                case "description": description = string(v, k)
                default: action = string(v, k)
                }
            }
            if name.isEmpty { error(item, "a rule needs a name") }
            if !severities.contains(where: { $0.id == severity }) {
                error(
                    severityNode ?? item,
                    "unknown severity \(Sanitizer.quote(severity)) (defined: \(severities.map(\.id).joined(separator: ", ")))"
                )
            }
            var expr: QueryExpr?
            var metricID: String?
            var promql = exprText?.0 ?? ""
            if let (cond, condNode) = condition {
                if exprText != nil { error(condNode, "give condition or expr, not both") }
                if let (id, op, value) = splitCondition(cond) {
                    if let m = metrics.first(where: { $0.id == id }) {
                        metricID = id
                        promql = "(\(m.queryText)) \(op) \(value)"
                        do {
                            expr = try QueryParser.parse(promql)
                        } catch {
                            self.error(condNode, "condition: \(error.message)")
                        }
                    } else {
                        error(condNode, "condition names undefined metric \(Sanitizer.quote(id))")
                    }
                } else {
                    error(condNode, "condition must look like 'metric > number' (or use expr: with PromQL)")
                }
            } else if let (_, e) = exprText {
                expr = e
            } else {
                error(item, "rule \(Sanitizer.quote(name)) needs a condition or an expr")
            }
            if let expr {
                var rule = AlertRule(
                    name: name, condition: condition?.0 ?? exprText?.0 ?? "", metric: metricID, expr: expr,
                    holdFor: holdFor, keepFiringFor: keep, severity: severity, description: description,
                    action: action)
                rule.promql = promql
                out.append(rule)
            }
        }
        return out
    }

    /// `error_rate > 5` → ("error_rate", ">", "5").
    func splitCondition(_ s: String) -> (String, String, String)? {
        let ops = [">=", "<=", "==", "!=", ">", "<"]
        for op in ops {
            if let r = s.range(of: op) {
                let id = s[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
                let value = s[r.upperBound...].trimmingCharacters(in: .whitespaces)
                guard isMetricID(id), FastFloat.parse(value) != nil else { return nil }
                return (id, op, value)
            }
        }
        return nil
    }
}

/// `64MiB`, `1MB`, `1000` → bytes.
public func parseByteSize(_ s: String) -> Int? {
    let units: [(String, Int)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000),
        ("B", 1),
    ]
    for (suffix, size) in units where s.hasSuffix(suffix) {
        return Int(s.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)).map { $0 * size }
    }
    return Int(s)
}
