import Foundation
import Synchronization

/// How a metric's value reads on a stat or in a table beyond its unit:
/// fixed decimals, words for particular values (Grafana's value
/// mappings: `0` is "idle", 90 to 100 is "full", NaN is "broken"), and
/// what to say when there is no value.
public struct ValueDisplay: Sendable, Equatable {
    public var decimals: Int?
    public var noValue: String?
    public var mappings: [ValueMapping] = []
    /// A gauge's scale (Grafana's `min` and `max`): a stat draws the value
    /// as a bar across it. Either end may be left to the data.
    public var min: Double?
    public var max: Double?

    public init(
        decimals: Int? = nil, noValue: String? = nil, mappings: [ValueMapping] = [], min: Double? = nil,
        max: Double? = nil
    ) {
        self.decimals = decimals
        self.noValue = noValue
        self.mappings = mappings
        self.min = min
        self.max = max
    }

    public var isEmpty: Bool { decimals == nil && noValue == nil && mappings.isEmpty && min == nil && max == nil }

    /// The first mapping's text for `v`, in the order written.
    public func mapped(_ v: Double?) -> String? {
        for m in mappings {
            switch m {
            case .value(let key, let text):
                if let v, let k = FastFloat.parse(key), k == v { return text }
            case .range(let from, let to, let text):
                if let v, !v.isNaN, v >= (from ?? -.infinity), v <= (to ?? .infinity) { return text }
            case .regex:
                // Grafana applies these to text only, never to numbers.
                continue
            case .special(let s, let text):
                switch s {
                case .null: if v == nil { return text }
                case .nan: if v?.isNaN == true { return text }
                case .nullOrNaN: if v == nil || v?.isNaN == true { return text }
                case .true: if v == 1 { return text }
                case .false: if v == 0 { return text }
                }
            }
        }
        return nil
    }
}

/// Regex mappings compiled once: a table asks for every label cell of
/// every frame.
private let compiledMappings = Mutex<[String: NSRegularExpression]>([:])

extension ValueDisplay {
    static func compiled(_ pattern: String) -> NSRegularExpression? {
        compiledMappings.withLock { cache in
            if let re = cache[pattern] { return re }
            guard let re = try? NSRegularExpression(pattern: pattern) else { return nil }
            if cache.count > 256 { cache.removeAll() }
            cache[pattern] = re
            return re
        }
    }

    /// The first regex mapping that matches `text` (a table's label cell):
    /// as Grafana does, the first match is replaced by the mapping's text,
    /// `$1` standing for its first group, and the rest of the text kept.
    public func mapped(text: String) -> String? {
        for case .regex(let pattern, let template) in mappings {
            guard let re = Self.compiled(pattern) else { continue }
            guard let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                let r = Range(m.range, in: text)
            else { continue }
            let replaced = re.replacementString(for: m, in: text, offset: 0, template: template)
            return text[..<r.lowerBound] + replaced + text[r.upperBound...]
        }
        return nil
    }
}

public enum ValueMapping: Sendable, Equatable {
    case value(String, text: String)
    case range(from: Double?, to: Double?, text: String)
    case special(SpecialValue, text: String)
    /// A regular expression over a text value (a table's label cell):
    /// `{regex: "^checkout-(.*)$", text: "$1"}`.
    case regex(String, text: String)
}

public enum SpecialValue: String, Sendable, CaseIterable {
    case null, nan
    case nullOrNaN = "null_or_nan"
    case `true`, `false`
}
