import Foundation
import Yams

/// Dashboards and panels, their references left to the resolver.
extension ConfigReader {
    func dashboards(_ node: Node) -> [DashboardSpec] {
        let seq = items(node, "dashboards")
        var out: [DashboardSpec] = []
        for item in seq {
            if item.mapping?["grafana"] != nil {
                grafanaEntry(item, index: out.count)
                out.append(DashboardSpec(name: "", columns: nil, panels: [], at: position(item)))
                continue
            }
            var name = ""
            var panels: [PanelSpec] = []
            var columns: Int?
            for (key, _, value) in entries(item, "a dashboard", allowed: ["name", "panels", "layout", "columns"]) {
                switch key {
                case "name": name = string(value, "name") ?? ""
                case "layout":
                    if string(value, "layout") != "grid" { error(value, "layout must be grid") }
                case "columns":
                    // Up to Grafana's 24, so an imported layout reads back as written.
                    if let n = integer(value, "columns"), (1...24).contains(n) {
                        columns = n
                    } else {
                        error(value, "columns must be 1 to 24")
                    }
                default:
                    guard let ps = value.sequence else {
                        error(value, "panels must be a list")
                        continue
                    }
                    panels = ps.map(panel)
                }
            }
            if name.isEmpty { error(item, "a dashboard needs a name") }
            if out.contains(where: { $0.name == name }) {
                error(item, "duplicate dashboard name \(Sanitizer.quote(name))")
            }
            out.append(DashboardSpec(name: name, columns: columns, panels: panels, at: position(item)))
        }
        return out
    }

    func panel(_ node: Node) -> PanelSpec {
        var p = Panel(title: "", type: .graph, metrics: [])
        var metrics: [Located<String>] = []
        var source: Located<String>?
        var sawType = false
        for (key, _, value) in entries(
            node, "a panel",
            allowed: [
                "title", "type", "metrics", "source", "sort", "unit", "group_by", "columns", "colors", "width",
                "height", "text", "unsupported",
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
                    if let id = string(m, "metric") { metrics.append(Located(id, at: position(m))) }
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
                if let name = string(value, "source") { source = Located(name, at: position(value)) }
            case "sort": p.sort = string(value, "sort")
            case "text": p.text = string(value, "text")
            case "unsupported": p.unsupported = bool(value, "unsupported") ?? false
            case "height":
                if let h = integer(value, "height"), (1...24).contains(h) {
                    p.height = h
                } else {
                    error(value, "height must be 1 to 24")
                }
            default:
                if let w = integer(value, "width"), (1...24).contains(w) {
                    p.width = w
                } else {
                    error(value, "width must be 1 to 24 (grid columns)")
                }
            }
        }
        if p.type == .note {
            if p.text == nil { error(node, "note panel \(Sanitizer.quote(p.title)) needs a text") }
            if node.mapping?["metrics"] != nil || node.mapping?["source"] != nil {
                error(node, "a note panel shows its text: no metrics, no source")
            }
            return PanelSpec(panel: p, metrics: [], source: nil, widthAt: position(node.mapping?["width"] ?? node))
        }
        if p.title.isEmpty { error(node, "a panel needs a title") }
        if !sawType { error(node, "panel \(Sanitizer.quote(p.title)) needs a type") }
        let hasSource = node.mapping?["source"] != nil
        if metrics.isEmpty && node.mapping?["metrics"] == nil && !hasSource {
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
        return PanelSpec(
            panel: p, metrics: metrics, source: source, widthAt: position(node.mapping?["width"] ?? node))
    }

    /// `- grafana: path/to/dashboard.json` with `vars:` and `name:`: read
    /// once the rest of the file is (its log sources and targets matter).
    func grafanaEntry(_ item: Node, index: Int) {
        var ref = GrafanaRef(index: index, path: "", vars: [:], name: nil, at: item)
        for (key, _, value) in entries(item, "a Grafana dashboard", allowed: ["grafana", "vars", "name"]) {
            switch key {
            case "grafana":
                if let s = string(value, "grafana") {
                    ref.path = FileLocations.absolute(s, relativeTo: FileLocations.parent(file))
                    ref.pathAt = value
                }
            case "name": ref.name = string(value, "name")
            default:
                for (k, _, v) in entries(value, "vars", allowed: []) {
                    if let s = v.scalar?.string {
                        ref.vars[k] = s
                    } else if let seq = v.sequence {
                        ref.vars[k] = seq.compactMap { $0.scalar?.string }.joined(separator: ",")
                    } else {
                        error(v, "a variable's value is a string or a list of strings")
                    }
                }
            }
        }
        grafanaRefs.append(ref)
    }

    /// Imports the Grafana dashboards named, in place of their entries.
    func importGrafana(into doc: inout ConfigDocument, config: inout VigilConfig) {
        var settings = GrafanaImportSettings()
        if let shortest = config.targets.map(\.interval.milliseconds).min() { settings.scrapeIntervalMs = shortest }
        settings.lokiSources = config.logs.filter { $0.kind == .loki }.map(\.name)
        for ref in grafanaRefs.reversed() where !ref.path.isEmpty {
            settings.vars = ref.vars
            settings.idPrefix = nil
            var imported: [DashboardSpec] = []
            do {
                let text = try ConfigLoader.text(of: ref.path).replacingOccurrences(of: "\t", with: " ")
                var g = try GrafanaImporter.parse(text, path: ref.path, settings: settings)
                // One dashboard imported twice (other variables, say): its
                // metrics need ids of their own.
                var n = 2
                let taken = Set(doc.metrics.map(\.id))
                while g.metrics.contains(where: { taken.contains($0.id) }) {
                    settings.idPrefix = "grafana.\(GrafanaReader.slug(g.title))_\(n)"
                    g = try GrafanaImporter.parse(text, path: ref.path, settings: settings)
                    n += 1
                }
                imported = g.dashboards
                if let name = ref.name {
                    for i in imported.indices {
                        imported[i].name = name + imported[i].name.dropFirst(g.title.count)
                    }
                }
                doc.metrics += g.metrics
                config.importNotes += g.notes.map { "\(ref.path): \($0)" }
                if g.variableList.contains(where: \.changeable) {
                    config.grafana.insert(
                        GrafanaSource(
                            path: ref.path, text: text, settings: settings, name: ref.name,
                            dashboards: imported.map(\.name), variables: g.variableList), at: 0)
                }
            } catch {
                // The JSON's own mistakes name the JSON file; a missing one
                // is the configuration's, at the entry.
                if error.errors.count == 1, error.errors[0].message.hasPrefix("cannot read the file"),
                    let at = ref.pathAt
                {
                    self.error(at, "grafana: \(error.errors[0].message)")
                } else {
                    errors += error.errors
                }
            }
            doc.dashboards.replaceSubrange(ref.index...ref.index, with: imported)
        }
    }
}

/// A `grafana:` entry of `dashboards:` waiting for the rest of the file.
struct GrafanaRef {
    var index: Int
    var path: String
    var vars: [String: String]
    var name: String?
    var at: Node
    var pathAt: Node?
}
