/// A label set, kept sorted by name so that two sets with the same labels
/// compare and hash equal. `__name__` is an ordinary label here, as in
/// Prometheus.
public struct Labels: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let metricName = "__name__"
    public private(set) var pairs: [Label]
    /// FNV-1a over the names and values, computed once: label sets are
    /// dictionary keys everywhere (series, panel histories, alerts), and
    /// hashing every string at every lookup was the largest cost of a
    /// dashboard with hundreds of series (the chaos soak's table).
    let fingerprint: UInt64

    public init(_ pairs: [Label] = []) {
        self.init(sorted: pairs.sorted { $0.name < $1.name })
    }

    init(sorted pairs: [Label]) {
        self.pairs = pairs
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for p in pairs {
            for b in p.name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            h = (h ^ 0xff) &* 0x100_0000_01b3
            for b in p.value.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            h = (h ^ 0xfe) &* 0x100_0000_01b3
        }
        fingerprint = h
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(fingerprint) }

    public static func == (a: Labels, b: Labels) -> Bool {
        a.fingerprint == b.fingerprint && a.pairs == b.pairs
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
        return Labels(sorted: pairs.filter { !drop.contains($0.name) })
    }

    public func keeping(_ names: some Sequence<String>) -> Labels {
        let keep = Set(names)
        return Labels(sorted: pairs.filter { keep.contains($0.name) })
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
