import Foundation
import Yams

/// Metrics: PromQL queries, units and thresholds.
extension ConfigReader {
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
            if !MetricDefinition.isValidID(id) {
                error(keyNode, "metric id \(Sanitizer.quote(id)) may hold only letters, digits, '_', '.' and ':'")
            }
            var name = id
            var unit = ""
            var q: (String, QueryExpr)?
            var threshold: Threshold?
            var chart = "line"
            var aggregation: String?
            var description: String?
            var legend: String?
            var display = ValueDisplay()
            for (key, _, v) in entries(
                value, "metric \(id)",
                allowed: [
                    "name", "unit", "query", "threshold", "chart", "aggregation", "description", "datasource", "legend",
                    "decimals", "no_value", "mappings", "min", "max",
                ])
            {
                switch key {
                case "datasource":
                    let ds = string(v, "datasource") ?? ""
                    if ds == "prometheus" || ds == "local" {
                        datasources[id] = Located(ds, at: position(v))
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
                case "legend": legend = string(v, "legend")
                case "decimals":
                    if let d = integer(v, "decimals"), (0...10).contains(d) {
                        display.decimals = d
                    } else {
                        error(v, "decimals must be 0 to 10")
                    }
                case "no_value": display.noValue = string(v, "no_value")
                case "mappings": display.mappings = mappings(v)
                case "min": display.min = number(v, "min")
                case "max": display.max = number(v, "max")
                default: description = string(v, "description")
                }
            }
            guard let (text, expr) = q else {
                if value.mapping?["query"] == nil { error(keyNode, "metric \(id) needs a query") }
                continue
            }
            if let lo = display.min, let hi = display.max, lo >= hi, let at = value.mapping?["max"] {
                error(at, "max (\(formatSampleValue(hi))) must be above min (\(formatSampleValue(lo)))")
            }
            var m = MetricDefinition(
                id: id, name: name, unit: unit, queryText: text, query: expr, threshold: threshold, chart: chart,
                aggregation: aggregation, description: description)
            m.legend = legend
            m.display = display.isEmpty ? nil : display
            out.append(m)
        }
        return out
    }

    /// `[{value: "0", text: idle}, {from: 90, to: 100, text: full},
    /// {special: nan, text: broken}, {regex: "^5", text: "5xx"}]`, tried in order.
    func mappings(_ node: Node) -> [ValueMapping] {
        var out: [ValueMapping] = []
        for item in items(node, "mappings") {
            var fields: [String: Node] = [:]
            for (k, _, v) in entries(item, "a mapping", allowed: ["value", "from", "to", "special", "regex", "text"]) {
                fields[k] = v
            }
            guard let textNode = fields["text"], let text = string(textNode, "text") else {
                if fields["text"] == nil { error(item, "a mapping needs a text") }
                continue
            }
            if let v = fields["value"] {
                if let key = string(v, "value") { out.append(.value(key, text: text)) }
            } else if let s = fields["special"] {
                if let word = string(s, "special"), let special = SpecialValue(rawValue: word) {
                    out.append(.special(special, text: text))
                } else {
                    error(s, "special must be one of \(SpecialValue.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            } else if let r = fields["regex"] {
                guard let pattern = string(r, "regex") else { continue }
                if (try? NSRegularExpression(pattern: pattern)) == nil {
                    error(r, "regex \(Sanitizer.quote(pattern)) is not a valid regular expression")
                } else {
                    out.append(.regex(pattern, text: text))
                }
            } else if fields["from"] != nil || fields["to"] != nil {
                out.append(
                    .range(
                        from: fields["from"].flatMap { number($0, "from") },
                        to: fields["to"].flatMap { number($0, "to") },
                        text: text))
            } else {
                error(item, "a mapping needs value, from/to, special or regex")
            }
        }
        return out
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
}
