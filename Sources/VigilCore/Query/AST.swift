import Foundation

/// A PromQL expression, parsed and type-checked.
public indirect enum QueryExpr: Sendable {
    case number(Double)
    case string(String)
    case selector(Selector)
    case range(Selector, PromDuration)
    case call(QueryFunction, [QueryExpr])
    case aggregate(AggregateOp, QueryExpr, param: QueryExpr?, grouping: [String], without: Bool)
    case binary(BinaryOp, QueryExpr, QueryExpr, matching: VectorMatching, returnBool: Bool)
    case negate(QueryExpr)
    case paren(QueryExpr)
    /// `expr[range:step]`: the inner expression at every step of the range.
    case subquery(Subquery)

    public var type: QueryValueType {
        switch self {
        case .number: return .scalar
        case .string: return .string
        case .selector: return .vector
        case .range: return .matrix
        case .call(let f, _): return f.returns
        case .aggregate: return .vector
        case .binary(_, let l, let r, _, _): return l.type == .scalar && r.type == .scalar ? .scalar : .vector
        case .negate(let e), .paren(let e): return e.type
        case .subquery: return .matrix
        }
    }

    /// Every selector in the expression (for deciding which series to keep)
    /// with the longest range or offset reach it needs, in milliseconds.
    public var selectors: [(Selector, Int64)] {
        switch self {
        case .number, .string: return []
        case .selector(let s): return [(s, s.offsetMs)]
        case .range(let s, let d): return [(s, s.offsetMs + d.milliseconds)]
        case .call(_, let args): return args.flatMap(\.selectors)
        case .aggregate(_, let e, let p, _, _): return e.selectors + (p?.selectors ?? [])
        case .binary(_, let l, let r, _, _): return l.selectors + r.selectors
        case .negate(let e), .paren(let e): return e.selectors
        case .subquery(let sq):
            // The inner expression is evaluated as far back as the range
            // (and offset) reaches, plus its own reach.
            return sq.expr.selectors.map { ($0.0, $0.1 + max(0, sq.offsetMs) + sq.rangeMs) }
        }
    }

    /// How many evaluations of the innermost expressions one evaluation
    /// of this one takes through nested subqueries (1 without any).
    var subqueryEvaluations: Double {
        switch self {
        case .number, .string, .selector, .range: return 1
        case .call(_, let args): return args.map(\.subqueryEvaluations).max() ?? 1
        case .aggregate(_, let e, let p, _, _): return max(e.subqueryEvaluations, p?.subqueryEvaluations ?? 1)
        case .binary(_, let l, let r, _, _): return max(l.subqueryEvaluations, r.subqueryEvaluations)
        case .negate(let e), .paren(let e): return e.subqueryEvaluations
        case .subquery(let sq):
            let step = sq.stepMs ?? Evaluator.defaultSubqueryStepMs
            return Double(sq.rangeMs / step + 1) * sq.expr.subqueryEvaluations
        }
    }

    /// Whether `@ start()` or `@ end()` appears anywhere: such an
    /// expression depends on the query's time, not only on the step.
    var usesQueryTime: Bool {
        switch self {
        case .number, .string: return false
        case .selector(let s), .range(let s, _): return s.at?.isQueryTime ?? false
        case .call(_, let args): return args.contains { $0.usesQueryTime }
        case .aggregate(_, let e, let p, _, _): return e.usesQueryTime || (p?.usesQueryTime ?? false)
        case .binary(_, let l, let r, _, _): return l.usesQueryTime || r.usesQueryTime
        case .negate(let e), .paren(let e): return e.usesQueryTime
        case .subquery(let sq): return (sq.at?.isQueryTime ?? false) || sq.expr.usesQueryTime
        }
    }
}

extension QueryExpr {
    /// The expression with an `offset` (or, with `at`, an `@`) set, when it
    /// is one that takes modifiers: a selector, a range or a subquery.
    func modified(offsetMs: Int64? = nil, at: AtModifier? = nil) -> QueryExpr? {
        func apply(_ s: inout Selector) {
            if let offsetMs { s.offsetMs = offsetMs }
            if let at { s.at = at }
        }
        switch self {
        case .selector(var s):
            apply(&s)
            return .selector(s)
        case .range(var s, let r):
            apply(&s)
            return .range(s, r)
        case .subquery(var sq):
            if let offsetMs { sq.offsetMs = offsetMs }
            if let at { sq.at = at }
            return .subquery(sq)
        default: return nil
        }
    }
}

/// A subquery: `expr[range:step] offset o @ t`.
public struct Subquery: Sendable {
    public var expr: QueryExpr
    public var rangeMs: Int64
    /// nil for `[5m:]`: the evaluator's default step.
    public var stepMs: Int64?
    public var offsetMs: Int64 = 0
    public var at: AtModifier?
    /// The inner expression as written: with the step, the key of the
    /// step cache, so panels and rules with the same subquery share it.
    public var text: String
}

/// The `@` modifier: a fixed Unix time, or the query's start or end
/// (both the evaluation time of an instant query).
public enum AtModifier: Sendable, Equatable {
    case time(Int64)
    case start, end

    var isQueryTime: Bool { self == .start || self == .end }
}

public enum QueryValueType: String, Sendable {
    case scalar, vector, matrix, string

    var article: String {
        switch self {
        case .scalar: return "a scalar"
        case .vector: return "an instant vector"
        case .matrix: return "a range vector"
        case .string: return "a string"
        }
    }
}

/// A vector selector: `name{label="value", ...} offset 5m @ 1700000000`.
public struct Selector: Sendable {
    public var matchers: [LabelMatcher]
    public var offsetMs: Int64 = 0
    /// The `@` modifier, when given.
    public var at: AtModifier?

    public var metricName: String? {
        matchers.first { $0.name == Labels.metricName && $0.op == .equal }?.value
    }
}

/// A compiled regular expression, anchored at both ends as PromQL's are.
public final class AnchoredRegex: @unchecked Sendable {
    // NSRegularExpression is immutable once built and safe to share.
    let regex: NSRegularExpression
    public let pattern: String

    public init(_ pattern: String) throws {
        self.pattern = pattern
        regex = try NSRegularExpression(pattern: "^(?:" + pattern + ")$", options: [.dotMatchesLineSeparators])
    }

    public func matches(_ s: String) -> Bool {
        let range = NSRange(s.startIndex..<s.endIndex, in: s)
        return regex.firstMatch(in: s, options: [], range: range) != nil
    }

    /// Expands `$1`, `${1}`, `$name` and `${name}` in `template` with the
    /// groups of the match of `s`, or returns nil when `s` does not match.
    public func replace(_ s: String, template: String) -> String? {
        let range = NSRange(s.startIndex..<s.endIndex, in: s)
        guard let m = regex.firstMatch(in: s, options: [], range: range) else { return nil }
        func group(_ name: String) -> String {
            var r = NSRange(location: NSNotFound, length: 0)
            if let n = Int(name) {
                // Group 0 of the user's pattern is the whole match; ours wraps
                // it in a non-capturing group, so numbers line up.
                if n <= m.numberOfRanges - 1 { r = m.range(at: n) }
            } else {
                r = m.range(withName: name)
            }
            guard r.location != NSNotFound, let sr = Range(r, in: s) else { return "" }
            return String(s[sr])
        }
        var out = ""
        let chars = Array(template)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            guard c == "$", i + 1 < chars.count else {
                out.append(c)
                i += 1
                continue
            }
            if chars[i + 1] == "$" {
                out.append("$")
                i += 2
            } else if chars[i + 1] == "{", let close = chars[(i + 2)...].firstIndex(of: "}") {
                out += group(String(chars[(i + 2)..<close]))
                i = close + 1
            } else {
                var j = i + 1
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" { j += 1 }
                if j == i + 1 {
                    out.append("$")
                    i += 1
                } else {
                    out += group(String(chars[(i + 1)..<j]))
                    i = j
                }
            }
        }
        return out
    }
}

public struct LabelMatcher: Sendable {
    public enum Op: String, Sendable {
        case equal = "=", notEqual = "!=", regex = "=~", notRegex = "!~"
    }

    public var name: String
    public var op: Op
    public var value: String
    let compiled: AnchoredRegex?

    public init(_ name: String, _ op: Op, _ value: String) throws {
        self.name = name
        self.op = op
        self.value = value
        compiled = (op == .regex || op == .notRegex) ? try AnchoredRegex(value) : nil
    }

    /// Whether a label's value (empty when absent) satisfies this matcher.
    public func matches(_ v: String) -> Bool {
        switch op {
        case .equal: return v == value
        case .notEqual: return v != value
        case .regex: return compiled!.matches(v)
        case .notRegex: return !compiled!.matches(v)
        }
    }

    public func matches(_ labels: Labels) -> Bool { matches(labels[name] ?? "") }
}

public enum AggregateOp: String, Sendable, CaseIterable {
    case sum, avg, min, max, count, stddev, stdvar, topk, bottomk, quantile
    case countValues = "count_values"
    case group

    var paramType: QueryValueType? {
        switch self {
        case .topk, .bottomk, .quantile: return .scalar
        case .countValues: return .string
        default: return nil
        }
    }
}

public enum BinaryOp: String, Sendable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%", pow = "^", atan2
    case eq = "==", ne = "!=", gt = ">", lt = "<", ge = ">=", le = "<="
    case and, or, unless

    var precedence: Int {
        switch self {
        case .or: return 1
        case .and, .unless: return 2
        case .eq, .ne, .gt, .lt, .ge, .le: return 3
        case .add, .sub: return 4
        case .mul, .div, .mod, .atan2: return 5
        case .pow: return 6
        }
    }

    var isComparison: Bool { [.eq, .ne, .gt, .lt, .ge, .le].contains(self) }
    var isSetOperator: Bool { [.and, .or, .unless].contains(self) }
    var rightAssociative: Bool { self == .pow }
}

/// How the two sides of a vector/vector operation are matched.
public struct VectorMatching: Sendable {
    public enum Cardinality: Sendable { case oneToOne, manyToOne, oneToMany, manyToMany }
    public var cardinality: Cardinality = .oneToOne
    /// `on(...)` when true, `ignoring(...)` when false.
    public var on = false
    public var labels: [String] = []
    /// Labels copied from the "one" side by group_left/group_right.
    public var include: [String] = []
}

/// Why a query did not parse, with its 1-based column.
public struct QuerySyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var column: Int
    public var message: String
    public var description: String { "column \(column): \(message)" }
}

/// Why a query could not be evaluated (matching conflicts and the like).
public struct QueryEvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
