import Foundation
import Yams

/// Dashboards and panels, their references left to the resolver.
extension ConfigReader {
    func dashboards(_ node: Node) -> [DashboardSpec] {
        let seq = items(node, "dashboards")
        var out: [DashboardSpec] = []
        for item in seq {
            var name = ""
            var panels: [PanelSpec] = []
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
}
