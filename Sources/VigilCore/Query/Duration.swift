/// A Prometheus-style duration (`30s`, `5m`, `1h30m`, `250ms`), in
/// milliseconds.
public struct PromDuration: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public var seconds: Double { Double(milliseconds) / 1000 }

    public static func < (a: PromDuration, b: PromDuration) -> Bool { a.milliseconds < b.milliseconds }

    private static let units: [(String, Int64)] = [
        ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000),
        ("m", 60_000), ("s", 1000), ("ms", 1),
    ]

    /// The longest duration: what Go's time.Duration holds (int64
    /// nanoseconds, about 292 years), as in Prometheus. Keeping every
    /// duration this small leaves room to add it to any time without
    /// overflowing Int64 milliseconds.
    public static let maxMilliseconds: Int64 = Int64.max / 1_000_000

    /// Whether `text` is written as a duration but longer than
    /// `maxMilliseconds` (so an error can say "out of range", not "bad").
    public static func isOutOfRange(_ text: String) -> Bool {
        if case .outOfRange = scan(text) { return true }
        return false
    }

    /// Parses `1h30m`-style text. Units must come in decreasing order and
    /// each at most once, as Prometheus requires; nil on anything else,
    /// and on a duration longer than `maxMilliseconds`.
    public init?(_ text: String) {
        guard case .ok(let ms) = Self.scan(text) else { return nil }
        milliseconds = ms
    }

    enum Scan { case ok(Int64), outOfRange, invalid }

    static func scan(_ text: String) -> Scan {
        let chars = Array(text.utf8)
        guard !chars.isEmpty else { return .invalid }
        var i = 0
        var total: Int64 = 0
        var tooLong = false
        var lastUnitIndex = -1
        while i < chars.count {
            var n: Int64 = 0
            let digitsStart = i
            while i < chars.count, chars[i] >= 48, chars[i] <= 57 {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(chars[i] - 48))
                if o1 || o2 { tooLong = true }
                n = a
                i += 1
            }
            guard i > digitsStart, i < chars.count else { return .invalid }
            var unit = String(UnicodeScalar(chars[i]))
            i += 1
            if unit == "m", i < chars.count, chars[i] == UInt8(ascii: "s") {
                unit = "ms"
                i += 1
            }
            guard let idx = units.firstIndex(where: { $0.0 == unit }), idx > lastUnitIndex else { return .invalid }
            lastUnitIndex = idx
            let (m, o) = n.multipliedReportingOverflow(by: units[idx].1)
            let (sum, o2) = total.addingReportingOverflow(m)
            if o || o2 { tooLong = true }
            total = sum
        }
        return tooLong || total > maxMilliseconds ? .outOfRange : .ok(total)
    }

    public var description: String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds
        var out = ""
        for (unit, size) in Self.units where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }
}
