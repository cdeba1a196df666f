/// A label set, kept sorted by name so that two sets with the same labels
/// compare and hash equal. `__name__` is an ordinary label here, as in
/// Prometheus.
public struct Labels: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let metricName = "__name__"
    public private(set) var pairs: [Label]
    /// The sum of each label's own hash, computed once: label sets are
    /// dictionary keys everywhere (series, panel histories, alerts), and
    /// hashing every string at every lookup was the largest cost of a
    /// dashboard with hundreds of series (the chaos soak's table). A sum,
    /// so dropping the metric name (every rate() does it, for each of
    /// 50,000 series of a family) subtracts one label's hash instead of
    /// hashing the rest again.
    let fingerprint: UInt64

    public init(_ pairs: [Label] = []) {
        self.init(sorted: pairs.sorted { $0.name < $1.name })
    }

    init(sorted pairs: [Label]) {
        var h: UInt64 = 0
        for p in pairs { h &+= Self.hash(p) }
        self.init(sorted: pairs, fingerprint: h)
    }

    init(sorted pairs: [Label], fingerprint: UInt64) {
        self.pairs = pairs
        self.fingerprint = fingerprint
    }

    /// One label's share of the fingerprint: FNV-1a over name and value,
    /// then mixed, so sums of different sets rarely meet.
    static func hash(_ p: Label) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in p.name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        h = (h ^ 0xff) &* 0x100_0000_01b3
        for b in p.value.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return SeriesKey.mix(h)
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

    public func removing(_ names: [String]) -> Labels {
        // A short list is searched, not hashed: this runs per series.
        if names.count == 1 { return removing(names[0]) }
        var out = pairs
        var h = fingerprint
        out.removeAll { p in
            guard names.contains(p.name) else { return false }
            h &-= Self.hash(p)
            return true
        }
        return out.count == pairs.count ? self : Labels(sorted: out, fingerprint: h)
    }

    public func keeping(_ names: [String]) -> Labels {
        if names.isEmpty { return Labels() }
        return Labels(sorted: pairs.filter { names.contains($0.name) })
    }

    /// Without one label; the same set (no copy) when it has none.
    public func removing(_ name: String) -> Labels {
        guard let i = pairs.firstIndex(where: { $0.name == name }) else { return self }
        var out = pairs
        let gone = out.remove(at: i)
        return Labels(sorted: out, fingerprint: fingerprint &- Self.hash(gone))
    }

    public var withoutName: Labels { removing(Self.metricName) }

    /// Without the metric name; the name's hash is taken from `cache`
    /// when it holds the same name, and left there for the next set.
    func withoutName(reusing cache: inout (value: String, hash: UInt64)?) -> Labels {
        guard let i = pairs.firstIndex(where: { $0.name == Self.metricName }) else { return self }
        var out = pairs
        let gone = out.remove(at: i)
        let h: UInt64
        if let cache, cache.value == gone.value {
            h = cache.hash
        } else {
            h = Self.hash(gone)
            cache = (gone.value, h)
        }
        return Labels(sorted: out, fingerprint: fingerprint &- h)
    }

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
