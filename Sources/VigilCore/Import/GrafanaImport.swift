import Foundation
import Yams

/// A Grafana dashboard (the classic JSON model Grafana exports and
/// grafana.com serves) as Vigil's metrics and dashboards: each visible
/// target a metric, each panel a panel in a 24-column grid with Grafana's
/// proportions, each row a dashboard of its own. What Vigil cannot draw
/// stays on screen as a note saying so; nothing is dropped silently.
public struct GrafanaImport: Sendable {
    public var title = ""
    public var metrics: [MetricDefinition] = []
    public var dashboards: [DashboardSpec] = []
    /// Panels shown as notes because Vigil cannot draw them, and settings
    /// read but not honoured, each naming its panel.
    public var notes: [String] = []
    /// Variables and the values used.
    public var variables: [(String, String)] = []
    /// The variables as the picker offers them.
    public var variableList: [DashboardVariable] = []
}

/// What the import needs from the configuration around it.
public struct GrafanaImportSettings: Sendable {
    /// `$__interval`: the shortest scrape interval (Grafana's default
    /// "scrape interval" when there is no target: 15s).
    public var scrapeIntervalMs: Int64 = 15_000
    /// `$__range`: the graphs' window.
    public var rangeMs: Int64 = 300_000
    /// Log sources of kind loki, by name: a logs panel whose datasource
    /// names one shows it.
    public var lokiSources: [String] = []
    /// Values given on the command line or under `vars:`.
    public var vars: [String: String] = [:]
    /// Metric ids start with it (`grafana.<slug>.`).
    public var idPrefix: String?

    public init() {}
}

public enum GrafanaImporter {
    public static func load(path: String, settings: GrafanaImportSettings) throws(ConfigErrors) -> GrafanaImport {
        // JSON strings cannot hold a raw tab; between tokens one is a space
        // to YAML's reader too, and columns stay where they were.
        let text = try ConfigLoader.text(of: path).replacingOccurrences(of: "\t", with: " ")
        return try parse(text, path: path, settings: settings)
    }

    public static func parse(_ text: String, path: String, settings: GrafanaImportSettings) throws(ConfigErrors)
        -> GrafanaImport
    {
        let node = try ConfigLoader.compose(text, file: path)
        let reader = ConfigReader(file: path, environment: [:])
        var importer = GrafanaReader(reader: reader, settings: settings)
        let result = importer.read(node)
        if !reader.errors.isEmpty { throw ConfigErrors(errors: ConfigLoader.inFileOrder(reader.errors)) }
        return result
    }
}

/// Reads one dashboard's JSON tree (as YAML nodes, for positions).
struct GrafanaReader {
    let reader: ConfigReader
    let settings: GrafanaImportSettings
    var variables = GrafanaVariables()
    var out = GrafanaImport()
    var prefix = ""
    var ids = Set<String>()

    init(reader: ConfigReader, settings: GrafanaImportSettings) {
        self.reader = reader
        self.settings = settings
    }

    func field(_ n: Node?, _ key: String) -> Node? { n?.mapping?[key] }
    func text(_ n: Node?, _ key: String) -> String? { field(n, key)?.scalar?.string }
    func number(_ n: Node?, _ key: String) -> Double? {
        guard let s = text(n, key), s != "null" else { return nil }
        return FastFloat.parse(s)
    }
    func int(_ n: Node?, _ key: String) -> Int? { number(n, key).flatMap { $0.isFinite ? Int($0) : nil } }

    mutating func read(_ root: Node) -> GrafanaImport {
        guard var dash = unwrap(root) else { return out }
        if let inner = field(dash, "dashboard"), inner.mapping != nil { dash = inner }
        out.title = text(dash, "title") ?? "Grafana"
        let slug = Self.slug(out.title)
        prefix = settings.idPrefix ?? "grafana.\(slug)"
        variables = GrafanaVariables.read(field(dash, "templating"), reader: reader, settings: settings)
        out.variables = variables.used
        out.variableList = variables.list
        out.notes += variables.notes
        guard let panelNodes = field(dash, "panels")?.sequence else {
            if field(dash, "rows") != nil {
                reader.error(
                    field(dash, "rows"),
                    "this dashboard uses Grafana's pre-5.0 rows: open and save it in a current Grafana, then export it")
            } else {
                reader.error(dash, "a Grafana dashboard needs panels")
            }
            return out
        }
        // Top-level panels in reading order; a row starts a section of its
        // own, with the panels it holds when collapsed.
        var sections: [(title: String?, panels: [Node], at: Node)] = [(nil, [], dash)]
        for p in Self.ordered(Array(panelNodes)) {
            if text(p, "type") == "row" {
                let title = variables.substitute(text(p, "title") ?? "Row", reader: reader, at: p, title: true)
                sections.append((title, Self.ordered(Array(field(p, "panels")?.sequence ?? [])), p))
            } else {
                sections[sections.count - 1].panels.append(p)
            }
        }
        var names = Set<String>()
        for section in sections where !section.panels.isEmpty {
            var name = section.title.map { "\(out.title) / \($0)" } ?? out.title
            var n = 2
            while !names.insert(name).inserted {
                name = "\(section.title.map { "\(out.title) / \($0)" } ?? out.title) (\(n))"
                n += 1
            }
            var panels: [PanelSpec] = []
            for (i, p) in section.panels.enumerated() { panels += repeated(p, index: i) }
            out.dashboards.append(
                DashboardSpec(name: name, columns: 24, panels: panels, at: reader.position(section.at)))
        }
        if out.dashboards.isEmpty { reader.error(dash, "the dashboard has no panels") }
        // A panel's note may come from its defaults and each override.
        var said = Set<String>()
        out.notes = out.notes.filter { said.insert($0).inserted }
        return out
    }

    /// The classic model inside what may wrap it: a Kubernetes-style
    /// resource (`spec`), or the API's `{dashboard, meta}`. The v2 layout
    /// is refused with what to do instead.
    func unwrap(_ root: Node) -> Node? {
        guard root.mapping != nil else {
            reader.error(root, "a Grafana dashboard is a JSON object")
            return nil
        }
        let api = text(root, "apiVersion") ?? ""
        let spec = field(root, "spec")
        if api.contains("/v2") || field(spec, "elements") != nil || field(root, "elements") != nil {
            reader.error(
                field(root, "apiVersion") ?? root,
                "Grafana's v2 dashboard schema (elements and layout) is not supported: export the dashboard as classic JSON (Export → Export as JSON, with the classic model)"
            )
            return nil
        }
        if let spec, spec.mapping != nil { return spec }
        return root
    }

    static func ordered(_ panels: [Node]) -> [Node] {
        panels.enumerated().sorted { a, b in
            let pa = a.element.mapping?["gridPos"]
            let pb = b.element.mapping?["gridPos"]
            let ya = Int(pa?.mapping?["y"]?.scalar?.string ?? "") ?? Int.max
            let yb = Int(pb?.mapping?["y"]?.scalar?.string ?? "") ?? Int.max
            let xa = Int(pa?.mapping?["x"]?.scalar?.string ?? "") ?? 0
            let xb = Int(pb?.mapping?["x"]?.scalar?.string ?? "") ?? 0
            return (ya, xa, a.offset) < (yb, xb, b.offset)
        }.map(\.element)
    }

    static func slug(_ s: String) -> String {
        let lowered = s.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
        let joined = String(lowered).split(separator: "_").joined(separator: "_")
        guard let first = joined.first, first.isLetter else { return "d_" + joined }
        return joined
    }

    /// One Grafana panel as a Vigil panel (a note when it cannot be one).
    mutating func panel(_ p: Node, index: Int) -> PanelSpec {
        let type = text(p, "type") ?? "graph"
        let title = variables.substitute(text(p, "title") ?? "", reader: reader, at: p, title: true)
        let shown = title.isEmpty ? "(untitled \(type))" : title
        var spec = Panel(title: shown, type: .graph, metrics: [])
        let grid = field(p, "gridPos")
        spec.width = min(24, max(1, int(grid, "w") ?? 12))
        spec.height = min(24, max(1, int(grid, "h") ?? 8))
        let at = reader.position(p)
        func note(_ text: String, unsupported: Bool = true) -> PanelSpec {
            spec.type = .note
            spec.text = text
            spec.unsupported = unsupported
            if unsupported { out.notes.append("panel \(Sanitizer.quote(shown)): \(text)") }
            return PanelSpec(panel: spec, metrics: [], source: nil, widthAt: at)
        }
        switch type {
        case "stat", "gauge", "bargauge", "singlestat": spec.type = .stat
        case "timeseries", "graph": spec.type = .graph
        case "table", "table-old": spec.type = .table
        case "text":
            let options = field(p, "options")
            let content = text(options, "content") ?? text(p, "content") ?? ""
            return note(
                variables.substitute(Self.plain(content), reader: reader, at: p, title: true), unsupported: false)
        case "logs":
            let ds = Self.datasourceName(field(p, "datasource")) ?? ""
            guard
                let source = settings.lokiSources.first(where: { $0 == ds })
                    ?? (settings.lokiSources.count == 1 && ds.isEmpty ? settings.lokiSources.first : nil)
            else {
                return note("logs panel: no Loki log source named \(Sanitizer.quote(ds)) under logs:")
            }
            spec.type = .log
            return PanelSpec(panel: spec, metrics: [], source: Located(source, at: at), widthAt: at)
        default:
            return note("unsupported panel type \(Sanitizer.quote(type))")
        }
        let defaults = field(field(p, "fieldConfig"), "defaults")
        let overrides = self.overrides(p, panel: shown)
        let base = fieldSettings(defaults, panel: p, type: spec.type, shown: shown)
        var metrics: [Located<String>] = []
        let targets = Array(field(p, "targets")?.sequence ?? [])
        let visible = targets.filter { text($0, "hide") != "true" && text($0, "expr") != nil }
        for (n, t) in visible.enumerated() {
            let refId = text(t, "refId") ?? String(UnicodeScalar(UInt8(65 + min(n, 25))))
            // An override for this query's frame (`byFrameRefID`) over the defaults.
            let (unit, threshold, display) =
                overrides[refId].map { fieldSettings(merged(defaults, $0), panel: p, type: spec.type, shown: shown) }
                ?? base
            let raw = text(t, "expr") ?? ""
            let minInterval = text(t, "interval").flatMap {
                PromDuration(variables.substitute($0, reader: reader, at: t))
            }
            let expr = variables.substitute(
                raw, reader: reader, at: field(t, "expr") ?? t, minIntervalMs: minInterval?.milliseconds)
            let queryText = unit.scale.map { "(\(expr)) * \(formatSampleValue($0))" } ?? expr
            let query: QueryExpr
            do {
                query = try QueryParser.parse(queryText)
            } catch {
                return note("query \(refId) is not one Vigil can evaluate: \(error.message)")
            }
            var id = "\(prefix).p\(int(p, "id") ?? index).\(Self.slug(refId))"
            var k = 2
            while ids.contains(id) {
                id = "\(prefix).p\(int(p, "id") ?? index).\(Self.slug(refId))_\(k)"
                k += 1
            }
            ids.insert(id)
            let legend = text(t, "legendFormat").flatMap { $0.isEmpty || $0 == "__auto" ? nil : $0 }
            let name =
                legend.flatMap { $0.contains("{{") ? nil : $0 } ?? (visible.count > 1 ? "\(shown) \(refId)" : shown)
            var m = MetricDefinition(
                id: id, name: name, unit: unit.unit, queryText: queryText, query: query, threshold: threshold,
                chart: spec.type == .graph ? "line" : "stat", aggregation: nil, description: text(p, "description"))
            m.legend = legend
            m.display = display
            m.templated = raw.contains("$") || raw.contains("[[")
            out.metrics.append(m)
            metrics.append(Located(id, at: reader.position(t)))
        }
        if metrics.isEmpty {
            return note(targets.isEmpty ? "no query" : "no PromQL query (hidden, or another datasource's)")
        }
        return PanelSpec(panel: spec, metrics: metrics, source: nil, widthAt: at)
    }

    /// A panel with `repeat: var`: one copy per value of the variable
    /// (each with the variable at that value alone), side by side as
    /// Grafana lays them (`repeatDirection` h: each 24 / count columns
    /// wide, at least 24 / `maxPerRow`, 4 unless said) or one under the
    /// other (v). A variable with one value, or none known, is one panel.
    mutating func repeated(_ p: Node, index: Int) -> [PanelSpec] {
        let name = text(p, "repeat") ?? ""
        guard !name.isEmpty, name != "null" else { return [panel(p, index: index)] }
        guard let value = variables.values[name] else {
            out.notes.append(
                "panel \(Sanitizer.quote(text(p, "title") ?? "")): repeat names no variable \(Sanitizer.quote(name)); shown once"
            )
            return [panel(p, index: index)]
        }
        let values = value.values.filter { $0 != ".*" }
        guard values.count > 1 else { return [panel(p, index: index)] }
        let saved = variables
        defer { variables = saved }
        let horizontal = text(p, "repeatDirection") != "v"
        let perRow = max(1, min(24, int(p, "maxPerRow") ?? 4))
        var copies: [PanelSpec] = []
        for v in values {
            variables.values[name] = GrafanaVariables.Value(values: [v], text: v, multi: false)
            var copy = panel(p, index: index)
            if horizontal { copy.panel.width = max(24 / values.count, 24 / perRow) }
            copies.append(copy)
        }
        return copies
    }

    /// A panel's unit, thresholds and display (decimals, mappings, no
    /// value, gauge scale) from its field defaults (or those with an
    /// override's properties on top).
    mutating func fieldSettings(_ defaults: Node?, panel p: Node, type: PanelType, shown: String) -> (
        GrafanaUnit, Threshold?, ValueDisplay?
    ) {
        let unit = GrafanaUnits.map(
            text(defaults, "unit") ?? field(p, "yaxes")?.sequence?.first.flatMap { text($0, "format") }
                ?? text(p, "format"))
        let threshold = GrafanaThresholds.read(defaults, panel: p, reader: self).map { unit.scaled($0) }
        var display = self.display(defaults, panel: shown)
        // min and max: a stat's gauge scale (in the panel's unit, scaled
        // as its values are); a graph's y axis is not set by them.
        let percentage = field(field(defaults, "thresholds"), "mode").flatMap(\.scalar)?.string == "percentage"
        for key in ["min", "max"] where Self.isSet(field(defaults, key)) {
            if type == .stat, let v = number(defaults, key) {
                var d = display ?? ValueDisplay()
                let scaled = v * (unit.scale ?? 1)
                if key == "min" { d.min = scaled } else { d.max = scaled }
                display = d
            } else if !percentage {
                out.notes.append("panel \(Sanitizer.quote(shown)): \(key) is not applied (the graph's axis)")
            }
        }
        if let lo = display?.min, let hi = display?.max, lo >= hi {
            out.notes.append("panel \(Sanitizer.quote(shown)): min is not below max: no gauge scale")
            display?.min = nil
            display?.max = nil
        }
        return (unit, threshold, display)
    }

    /// `fieldConfig.overrides` by query (`byFrameRefID`): refId → the
    /// properties to lay over the defaults, as a `defaults`-shaped
    /// mapping. Overrides matched otherwise (a series' name, a regex, a
    /// field type) are said, not applied: Vigil keeps one unit and one set
    /// of thresholds per query.
    mutating func overrides(_ p: Node, panel: String) -> [String: Node] {
        var out: [String: Node] = [:]
        for o in field(field(p, "fieldConfig"), "overrides")?.sequence ?? [] {
            let matcher = field(o, "matcher")
            let how = text(matcher, "id") ?? "?"
            guard how == "byFrameRefID", let refId = text(matcher, "options") else {
                self.out.notes.append(
                    "panel \(Sanitizer.quote(panel)): an override \(how) \(Sanitizer.quote(text(matcher, "options") ?? "")) is not applied"
                )
                continue
            }
            var props = out[refId]?.mapping ?? Node.Mapping([])
            for prop in field(o, "properties")?.sequence ?? [] {
                guard let id = text(prop, "id"), let value = field(prop, "value") else { continue }
                switch id {
                case "unit", "decimals", "min", "max", "noValue", "thresholds", "mappings":
                    props[Node(id)] = value
                default:
                    self.out.notes.append(
                        "panel \(Sanitizer.quote(panel)): override property \(Sanitizer.quote(id)) of query \(refId) is not applied"
                    )
                }
            }
            out[refId] = Node.mapping(props)
        }
        return out
    }

    /// The defaults with an override's properties in their place.
    func merged(_ defaults: Node?, _ override: Node) -> Node {
        var m = defaults?.mapping ?? Node.Mapping([])
        for (k, v) in override.mapping ?? Node.Mapping([]) { m[k] = v }
        return Node.mapping(m)
    }

    /// `decimals`, `noValue` and value, range and special `mappings`
    /// (Grafana 7 and later), and regex mappings over the value as text.
    mutating func display(_ defaults: Node?, panel: String) -> ValueDisplay? {
        var d = ValueDisplay()
        d.decimals = int(defaults, "decimals").map { min(10, max(0, $0)) }
        d.noValue = text(defaults, "noValue")
        for m in field(defaults, "mappings")?.sequence ?? [] {
            let options = field(m, "options")
            switch text(m, "type") {
            case "value":
                for (k, v) in options?.mapping ?? [:] {
                    if let key = k.scalar?.string, let t = text(v, "text") { d.mappings.append(.value(key, text: t)) }
                }
            case "range":
                if let t = text(field(options, "result"), "text") {
                    d.mappings.append(.range(from: number(options, "from"), to: number(options, "to"), text: t))
                }
            case "special":
                let match: SpecialValue? =
                    switch text(options, "match") {
                    case "null": .null
                    case "nan": .nan
                    case "null+nan": .nullOrNaN
                    case "true": .true
                    case "false": .false
                    default: nil
                    }
                if let match, let t = text(field(options, "result"), "text") {
                    d.mappings.append(.special(match, text: t))
                } else {
                    out.notes.append(
                        "panel \(Sanitizer.quote(panel)): a special mapping of \(text(options, "match") ?? "?") is not applied"
                    )
                }
            case "regex":
                if let pattern = text(options, "pattern"), let t = text(field(options, "result"), "text") {
                    if (try? NSRegularExpression(pattern: pattern)) != nil {
                        d.mappings.append(.regex(pattern, text: t))
                    } else {
                        out.notes.append(
                            "panel \(Sanitizer.quote(panel)): regex mapping \(Sanitizer.quote(pattern)) is not valid")
                    }
                }
            default:
                out.notes.append("panel \(Sanitizer.quote(panel)): a \(text(m, "type") ?? "?") mapping is not applied")
            }
        }
        return d.isEmpty ? nil : d
    }

    static func isSet(_ n: Node?) -> Bool {
        guard let n else { return false }
        if let s = n.scalar?.string { return s != "null" && !s.isEmpty }
        if let seq = n.sequence { return !seq.isEmpty }
        return n.mapping.map { !$0.isEmpty } ?? false
    }

    /// `datasource` as a name or uid (`{type, uid}`, `"Loki"`, `"${DS_LOKI}"`).
    static func datasourceName(_ n: Node?) -> String? {
        guard let n else { return nil }
        if let s = n.scalar?.string { return s == "null" ? nil : s }
        return n.mapping?["uid"]?.scalar?.string
    }

    /// Markdown or HTML of a text panel as plain text: tags dropped,
    /// heading and emphasis marks taken off.
    static func plain(_ s: String) -> String {
        var out = s.replacingOccurrences(of: "<br>", with: "\n").replacingOccurrences(of: "<br/>", with: "\n")
        while let open = out.range(of: "<"), let close = out[open.upperBound...].range(of: ">") {
            out.removeSubrange(open.lowerBound..<close.upperBound)
        }
        return out.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var l = line.trimmingCharacters(in: .whitespaces)
            while l.hasPrefix("#") { l.removeFirst() }
            return l.replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "__", with: "")
                .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
