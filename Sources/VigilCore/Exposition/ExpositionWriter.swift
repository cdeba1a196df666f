/// Renders samples back to exposition text. Used by the round-trip
/// property (parse ∘ render = identity) and by anything that serves
/// metrics in Vigil's own format.
public enum ExpositionWriter {
    /// Renders `samples` grouped by family in the order families first
    /// appear. OpenMetrics output ends with `# EOF`.
    public static func render(_ samples: [Sample], format: ExpositionFormat, help: [String: String] = [:]) -> String {
        var order: [String] = []
        var byFamily: [String: [Sample]] = [:]
        for s in samples {
            if byFamily[s.family] == nil { order.append(s.family) }
            byFamily[s.family, default: []].append(s)
        }
        var out = ""
        for family in order {
            let group = byFamily[family]!
            if let h = help[family] { out += "# HELP \(family) \(escapeHelp(h, format))\n" }
            let type = group[0].type
            if !(format == .prometheus && type == .untyped) && !(format == .openMetrics && type == .unknown) {
                out += "# TYPE \(family) \(type.rawValue)\n"
            }
            for s in group { out += line(s, format) }
        }
        if format == .openMetrics { out += "# EOF\n" }
        return out
    }

    static func line(_ s: Sample, _ format: ExpositionFormat) -> String {
        var out = s.name + labelSet(s.labels) + " " + number(s.value)
        if let t = s.timestampMs {
            out += " " + (format == .prometheus ? "\(t)" : timestampSeconds(t))
        }
        if let e = s.exemplar {
            out += " # " + labelSet(e.labels, alwaysBraces: true) + " " + number(e.value)
            if let t = e.timestampMs { out += " " + timestampSeconds(t) }
        }
        return out + "\n"
    }

    static func labelSet(_ labels: [Label], alwaysBraces: Bool = false) -> String {
        if labels.isEmpty { return alwaysBraces ? "{}" : "" }
        return "{" + labels.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ",") + "}"
    }

    /// The shortest text that parses back to the same Double.
    public static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// Seconds with the milliseconds, plus half a millisecond when there
    /// is a fraction: parsers truncate `seconds * 1000` toward zero, and
    /// `.123` times 1000 can fall just short of 123 in binary.
    static func timestampSeconds(_ ms: Int64) -> String {
        let sign = ms < 0 ? "-" : ""
        let a = ms.magnitude
        let frac = a % 1000
        return frac == 0 ? "\(sign)\(a / 1000)" : "\(sign)\(a / 1000)." + String(String(frac + 1000).dropFirst()) + "5"
    }

    static func escapeHelp(_ s: String, _ format: ExpositionFormat) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\"" where format == .openMetrics: out += "\\\""
            default: out.append(ch)
            }
        }
        return out
    }
}
