/// Every label name and value the store holds, each once: a series'
/// label set is then a run of 32-bit ids (eight bytes a label) instead of
/// two Strings (32 bytes and, past 15 bytes, a heap string each). With
/// 500,000 series of seven labels that is 28 MB where the Strings took
/// over 120.
struct SymbolTable: Sendable {
    private(set) var strings: [String] = []
    private var ids = IDTable()

    /// The id of `s`, added if new.
    mutating func intern(_ s: String) -> UInt32 {
        let h = Self.hash(s)
        if let id = find(s, h) { return id }
        let id = UInt32(strings.count)
        strings.append(s)
        ids.insert(Int32(id), hash: h) { Self.hash(strings[Int($0)]) }
        return id
    }

    /// The id of `s`, nil when no series holds it.
    func lookup(_ s: String) -> UInt32? { find(s, Self.hash(s)) }

    private func find(_ s: String, _ h: UInt64) -> UInt32? {
        ids.find(hash: h) { strings[Int($0)] == s }.map { UInt32($0) }
    }

    /// FNV-1a over the bytes: the same in every process (a Hasher is
    /// seeded anew each run) and cheap for short values.
    static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    subscript(_ id: UInt32) -> String { strings[Int(id)] }
}

/// A query's matchers turned into comparisons of symbol ids, once per
/// query: a series is then matched without a String made or compared.
/// A regex matcher's verdict is kept per distinct value (a family of
/// 50,000 series holds a few hundred routes).
struct SymbolMatchers {
    struct One {
        let matcher: LabelMatcher
        /// The label's name; nil when no series has the label.
        let name: UInt32?
        /// For `=` and `!=`: the value's id, nil when no series holds it.
        let value: UInt32?
        /// What the matcher says of a series without the label ("").
        let absent: Bool
    }

    private(set) var list: [One]
    private var verdicts: [[UInt32: Bool]]

    /// `skipping` drops the matcher the candidates were found by (the
    /// metric name's, when the store took them from its name index).
    init(_ matchers: [LabelMatcher], symbols: SymbolTable, skipping: String? = nil) {
        list = matchers.compactMap { m in
            if let skipping, m.name == Labels.metricName, m.op == .equal, m.value == skipping { return nil }
            let plain = m.op == .equal || m.op == .notEqual
            return One(
                matcher: m, name: symbols.lookup(m.name), value: plain ? symbols.lookup(m.value) : nil,
                absent: m.matches(""))
        }
        verdicts = Array(repeating: [:], count: list.count)
    }

    var isEmpty: Bool { list.isEmpty }

    /// Whether the series whose label run is `run` (name, value ids
    /// alternating) satisfies every matcher.
    mutating func matches(_ run: UnsafeBufferPointer<UInt32>, symbols: SymbolTable) -> Bool {
        for k in list.indices {
            let one = list[k]
            guard let name = one.name, let v = Self.value(of: name, in: run) else {
                if !one.absent { return false }
                continue
            }
            let ok: Bool
            switch one.matcher.op {
            case .equal: ok = v == one.value
            case .notEqual: ok = v != one.value
            case .regex, .notRegex:
                if let known = verdicts[k][v] {
                    ok = known
                } else {
                    ok = one.matcher.matches(symbols[v])
                    verdicts[k][v] = ok
                }
            }
            if !ok { return false }
        }
        return true
    }

    /// The value id of label `name` in a run, nil when it has none.
    @inline(__always) static func value(of name: UInt32, in run: UnsafeBufferPointer<UInt32>) -> UInt32? {
        var i = 0
        while i + 1 < run.count {
            if run[i] == name { return run[i + 1] }
            i += 2
        }
        return nil
    }
}
