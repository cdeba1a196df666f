/// A label set, kept sorted by name so that two sets with the same labels
/// compare and hash equal. `__name__` is an ordinary label here, as in
/// Prometheus.
public struct Labels: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let metricName = "__name__"
    public private(set) var pairs: [Label]

    public init(_ pairs: [Label] = []) {
        self.pairs = pairs.sorted { $0.name < $1.name }
    }

    public init(_ dict: [String: String]) {
        self.init(dict.map { Label($0.key, $0.value) })
    }

    public subscript(_ name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    public var name: String? { self[Self.metricName] }
    public var isEmpty: Bool { pairs.isEmpty }

    /// Sets a label; an empty value removes it, as in Prometheus.
    public func setting(_ name: String, _ value: String) -> Labels {
        var out = pairs.filter { $0.name != name }
        if !value.isEmpty { out.append(Label(name, value)) }
        return Labels(out)
    }

    public func removing(_ names: some Sequence<String>) -> Labels {
        let drop = Set(names)
        var out = self
        out.pairs.removeAll { drop.contains($0.name) }
        return out
    }

    public func keeping(_ names: some Sequence<String>) -> Labels {
        let keep = Set(names)
        var out = self
        out.pairs.removeAll { !keep.contains($0.name) }
        return out
    }

    public var withoutName: Labels { removing([Self.metricName]) }

    /// `{a="1", b="2"}` with the metric name in front, as promtool prints.
    public var description: String {
        let inner = pairs.filter { $0.name != Self.metricName }
            .map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ", ")
        return (name ?? "") + "{" + inner + "}"
    }

    public static func < (a: Labels, b: Labels) -> Bool {
        a.pairs.lexicographicallyPrecedes(b.pairs)
    }
}

/// Escapes a label value for the text formats: backslash, quote, newline.
public func escapeLabelValue(_ s: String) -> String {
    guard s.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return s }
    var out = ""
    for ch in s {
        switch ch {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        default: out.append(ch)
        }
    }
    return out
}
