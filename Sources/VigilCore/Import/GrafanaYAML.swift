/// An imported dashboard written as Vigil's own configuration, for those
/// who would rather edit it than import it at every start: what
/// `vigil import grafana` prints. It reads back to the same metrics and
/// panels (tested).
public enum GrafanaYAML {
    public static func render(_ g: GrafanaImport, source: String) -> String {
        var out = "# Imported from \(source) by `vigil import grafana`.\n"
        if !g.variables.isEmpty {
            out += "# Variables: " + g.variables.map { "\($0.0)=\($0.1)" }.joined(separator: ", ") + "\n"
        }
        for n in g.notes { out += "# Note: \(oneLine(n))\n" }
        out += "metrics:\n"
        for m in g.metrics {
            out += "  \(quote(m.id)):\n"
            out += "    name: \(quote(m.name))\n"
            if !m.unit.isEmpty { out += "    unit: \(quote(m.unit))\n" }
            out += "    query: \(quote(m.queryText))\n"
            if let t = m.threshold {
                out += "    threshold: {warning: \(number(t.warning)), critical: \(number(t.critical)), "
                out += "direction: \(t.higherIsWorse ? "higher_is_worse" : "lower_is_worse")}\n"
            }
            if m.chart != "line" { out += "    chart: \(m.chart)\n" }
            if let l = m.legend { out += "    legend: \(quote(l))\n" }
            if let d = m.display {
                if let n = d.decimals { out += "    decimals: \(n)\n" }
                if let t = d.noValue { out += "    no_value: \(quote(t))\n" }
                if let v = d.min { out += "    min: \(number(v))\n" }
                if let v = d.max { out += "    max: \(number(v))\n" }
                if !d.mappings.isEmpty {
                    out += "    mappings:\n"
                    for mapping in d.mappings {
                        switch mapping {
                        case .value(let key, let text): out += "      - {value: \(quote(key)), text: \(quote(text))}\n"
                        case .range(let from, let to, let text):
                            let bounds = [from.map { "from: \(number($0))" }, to.map { "to: \(number($0))" }].compactMap
                            { $0 }
                            out += "      - {" + (bounds + ["text: \(quote(text))"]).joined(separator: ", ") + "}\n"
                        case .special(let s, let text):
                            out += "      - {special: \(s.rawValue), text: \(quote(text))}\n"
                        case .regex(let pattern, let text):
                            out += "      - {regex: \(quote(pattern)), text: \(quote(text))}\n"
                        }
                    }
                }
            }
            if let d = m.description, !d.isEmpty { out += "    description: \(quote(d))\n" }
        }
        out += "dashboards:\n"
        for d in g.dashboards {
            out += "  - name: \(quote(d.name))\n"
            if let c = d.columns { out += "    columns: \(c)\n" }
            out += "    panels:\n"
            for p in d.panels {
                var fields = ["title: \(quote(p.panel.title))", "type: \(p.panel.type.rawValue)"]
                if !p.metrics.isEmpty {
                    fields.append("metrics: [" + p.metrics.map { quote($0.value) }.joined(separator: ", ") + "]")
                }
                if let s = p.source { fields.append("source: \(quote(s.value))") }
                if let t = p.panel.text { fields.append("text: \(quote(t))") }
                if p.panel.unsupported { fields.append("unsupported: true") }
                fields.append("width: \(p.panel.width)")
                fields.append("height: \(p.panel.height)")
                out += "      - {" + fields.joined(separator: ", ") + "}\n"
            }
        }
        return out
    }

    static func number(_ v: Double) -> String {
        if v == .infinity { return ".inf" }
        if v == -.infinity { return "-.inf" }
        return formatSampleValue(v)
    }

    static func oneLine(_ s: String) -> String { s.replacingOccurrences(of: "\n", with: " ") }

    /// Plain when YAML reads it back as the same string; double-quoted
    /// (JSON's escapes, which YAML shares) otherwise.
    static func quote(_ s: String) -> String {
        let plain = s.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "_. /-".unicodeScalars.contains($0)
        }
        let keywords = ["true", "false", "yes", "no", "on", "off", "null", "~", ""]
        if plain, !keywords.contains(s.lowercased()), FastFloat.parse(s) == nil, s.first != " ", s.last != " ",
            s.first != "-", s.first != "."
        {
            return s
        }
        return Quoting.json(s)
    }
}
