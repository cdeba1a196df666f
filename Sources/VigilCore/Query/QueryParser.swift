import Foundation

/// A PromQL function's signature.
public struct QueryFunction: Sendable {
    public var name: String
    var args: [QueryValueType]
    /// How many trailing arguments may be left out.
    var optional = 0
    /// Whether the last argument type may repeat.
    var variadic = false
    var returns: QueryValueType = .vector

    static let all: [String: QueryFunction] = {
        var table: [String: QueryFunction] = [:]
        func add(
            _ names: [String], _ args: [QueryValueType], returns: QueryValueType = .vector, optional: Int = 0,
            variadic: Bool = false
        ) {
            for n in names {
                table[n] = QueryFunction(name: n, args: args, optional: optional, variadic: variadic, returns: returns)
            }
        }
        add(["rate", "irate", "increase", "delta", "idelta", "deriv", "resets", "changes"], [.matrix])
        add(
            [
                "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
                "last_over_time", "stddev_over_time", "stdvar_over_time", "present_over_time", "absent_over_time",
            ],
            [.matrix])
        add(["quantile_over_time"], [.scalar, .matrix])
        add(["predict_linear"], [.matrix, .scalar])
        add(["holt_winters"], [.matrix, .scalar, .scalar])
        add(["histogram_quantile"], [.scalar, .vector])
        add(
            ["abs", "ceil", "floor", "sqrt", "exp", "ln", "log2", "log10", "sgn", "absent", "sort", "sort_desc"],
            [.vector])
        add(["timestamp"], [.vector])
        add(["round"], [.vector, .scalar], optional: 1)
        add(["clamp"], [.vector, .scalar, .scalar])
        add(["clamp_min", "clamp_max"], [.vector, .scalar])
        add(
            [
                "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "deg",
                "rad",
            ],
            [.vector])
        add(["time", "pi"], [], returns: .scalar)
        add(["vector"], [.scalar])
        add(["scalar"], [.vector], returns: .scalar)
        add(["label_replace"], [.vector, .string, .string, .string, .string])
        add(["label_join"], [.vector, .string, .string, .string], optional: 1, variadic: true)
        add(
            ["minute", "hour", "day_of_week", "day_of_month", "day_of_year", "days_in_month", "month", "year"],
            [.vector], optional: 1)
        return table
    }()
}

/// Parses PromQL text into a type-checked `QueryExpr`.
///
/// Everything Vigil's local engine cannot evaluate (subqueries, `@ start()`,
/// functions it does not know) is rejected here with its column, so a
/// config that loads never yields a silently wrong number.
public struct QueryParser {
    let chars: [UInt8]
    var pos = 0
    /// How deep the recursive descent is. Prometheus' parser has no limit
    /// and neither did Vigil's, so 17,000 parentheses overflowed the
    /// stack; past `maxDepth` the query is refused instead.
    var depth = 0

    /// The deepest nesting accepted: far beyond any real query, and
    /// shallow enough for the parser (about 5 KiB of stack a level in a
    /// debug build) and the evaluator to run on an 8 MiB stack.
    public static let maxDepth = 1000

    /// Parses a query for a panel or a rule: it must yield an instant
    /// vector or a scalar.
    public static func parse(_ text: String) throws(QuerySyntaxError) -> QueryExpr {
        let e = try parseAny(text)
        guard e.type == .vector || e.type == .scalar else {
            throw QuerySyntaxError(
                column: 1, message: "the query must yield an instant vector or a scalar, not \(e.type.article)")
        }
        return e
    }

    /// Parses any PromQL expression, range vectors and strings included,
    /// as Prometheus' instant query API accepts (`vigil query`).
    public static func parseAny(_ text: String) throws(QuerySyntaxError) -> QueryExpr {
        var p = QueryParser(chars: Array(text.utf8))
        let e = try p.expression(minPrecedence: 0)
        p.skipSpace()
        guard p.pos == p.chars.count else { throw p.fail("unexpected \(p.describeNext())") }
        return e
    }

    /// The next identifier in lower case: PromQL's keywords (aggregations,
    /// `by`, `and`, `on`, `bool`, `offset`, ...) are case-insensitive.
    func peekKeyword() -> String? { peekIdentifier()?.lowercased() }

    func fail(_ message: String, at: Int? = nil) -> QuerySyntaxError {
        QuerySyntaxError(column: (at ?? pos) + 1, message: Sanitizer.clean(message, maxLength: 300))
    }

    // MARK: - Characters

    mutating func skipSpace() {
        while pos < chars.count {
            let c = chars[pos]
            if c == 32 || c == 9 || c == 10 || c == 13 {
                pos += 1
            } else if c == UInt8(ascii: "#") {
                while pos < chars.count, chars[pos] != 10 { pos += 1 }
            } else {
                return
            }
        }
    }

    func peekChar(_ offset: Int = 0) -> UInt8? { pos + offset < chars.count ? chars[pos + offset] : nil }

    mutating func accept(_ s: String) -> Bool {
        skipSpace()
        let bytes = Array(s.utf8)
        guard pos + bytes.count <= chars.count, Array(chars[pos..<pos + bytes.count]) == bytes else { return false }
        pos += bytes.count
        return true
    }

    mutating func expect(_ s: String, _ what: String) throws(QuerySyntaxError) {
        guard accept(s) else { throw fail("expected \(what), found \(describeNext())") }
    }

    func describeNext() -> String {
        guard pos < chars.count else { return "end of input" }
        return Sanitizer.quote(bytes: chars[pos...], maxLength: 12)
    }

    static func isIdentStart(_ c: UInt8) -> Bool {
        (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z")) || c == UInt8(ascii: "_")
    }

    static func isIdentChar(_ c: UInt8) -> Bool {
        isIdentStart(c) || (c >= 48 && c <= 57) || c == UInt8(ascii: ":")
    }

    /// Reads an identifier (metric names may contain colons).
    mutating func identifier() -> String? {
        skipSpace()
        guard let c = peekChar(), Self.isIdentStart(c) || c == UInt8(ascii: ":") else { return nil }
        let start = pos
        while let c = peekChar(), Self.isIdentChar(c) { pos += 1 }
        return String(decoding: chars[start..<pos], as: UTF8.self)
    }

    func peekIdentifier() -> String? {
        var copy = self
        return copy.identifier()
    }

    mutating func labelName() throws(QuerySyntaxError) -> String {
        skipSpace()
        let start = pos
        guard let id = identifier(), !id.contains(":") else {
            throw fail("expected a label name, found \(describeNext())", at: start)
        }
        return id
    }

    mutating func duration() throws(QuerySyntaxError) -> PromDuration {
        skipSpace()
        let start = pos
        while let c = peekChar(), (c >= 48 && c <= 57) || (c | 0x20 >= 97 && c | 0x20 <= 122) { pos += 1 }
        let text = String(decoding: chars[start..<pos], as: UTF8.self)
        guard let d = PromDuration(text) else {
            if PromDuration.isOutOfRange(text) {
                throw fail("duration \(Sanitizer.quote(text)) is out of range (at most 292 years)", at: start)
            }
            throw fail("invalid duration \(Sanitizer.quote(text))", at: start)
        }
        return d
    }

    mutating func stringLiteral() throws(QuerySyntaxError) -> String {
        skipSpace()
        let start = pos
        guard let quote = peekChar(),
            quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") || quote == UInt8(ascii: "`")
        else {
            throw fail("expected a string, found \(describeNext())")
        }
        pos += 1
        var bytes: [UInt8] = []
        while true {
            guard let c = peekChar() else { throw fail("unterminated string", at: start) }
            pos += 1
            if c == quote { break }
            if c == UInt8(ascii: "\\") && quote != UInt8(ascii: "`") {
                guard let n = peekChar() else { throw fail("unterminated string", at: start) }
                pos += 1
                switch n {
                case UInt8(ascii: "n"): bytes.append(10)
                case UInt8(ascii: "t"): bytes.append(9)
                case UInt8(ascii: "r"): bytes.append(13)
                case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): bytes.append(n)
                default:
                    throw fail("unknown escape sequence \(Sanitizer.quote(bytes: chars[(pos - 2)..<pos]))", at: pos - 2)
                }
                continue
            }
            bytes.append(c)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    mutating func numberLiteral() -> Double? {
        skipSpace()
        let start = pos
        if peekChar() == UInt8(ascii: "0"), let x = peekChar(1), x | 0x20 == UInt8(ascii: "x") {
            pos += 2
            let hexStart = pos
            while let c = peekChar(), (c >= 48 && c <= 57) || (c | 0x20 >= 97 && c | 0x20 <= 102) { pos += 1 }
            if let v = UInt64(String(decoding: chars[hexStart..<pos], as: UTF8.self), radix: 16) { return Double(v) }
            pos = start
            return nil
        }
        while let c = peekChar(), (c >= 48 && c <= 57) || c == UInt8(ascii: ".") { pos += 1 }
        if let c = peekChar(), c | 0x20 == UInt8(ascii: "e") {
            let save = pos
            pos += 1
            if let s = peekChar(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { pos += 1 }
            let digits = pos
            while let c = peekChar(), c >= 48 && c <= 57 { pos += 1 }
            if pos == digits { pos = save }
        }
        // A number glued to letters is a duration or an error, not a number.
        if let c = peekChar(), Self.isIdentStart(c) {
            pos = start
            return nil
        }
        guard pos > start, let v = FastFloat.parse(String(decoding: chars[start..<pos], as: UTF8.self)) else {
            pos = start
            return nil
        }
        return v
    }

    // MARK: - Expressions

    mutating func expression(minPrecedence: Int) throws(QuerySyntaxError) -> QueryExpr {
        depth += 1
        defer { depth -= 1 }
        // The top level is depth 1: `(x)` is nested one level.
        guard depth <= Self.maxDepth + 1 else {
            // At the token that opened the level too many: '(', a call's
            // '(' or a unary sign.
            throw fail("expression nested deeper than \(Self.maxDepth) levels", at: max(0, pos - 1))
        }
        var lhs = try unary()
        // A chain `a + b + c + ...` is parsed in this loop, not by recursion,
        // but each operator nests the tree one level deeper: the evaluator
        // recurses as deep, so the chain counts towards the limit.
        var chain = 0
        while true {
            skipSpace()
            let opStart = pos
            guard let op = peekBinaryOp(), op.precedence >= minPrecedence else { return lhs }
            chain += 1
            guard depth + chain <= Self.maxDepth + 1 else {
                throw fail("expression nested deeper than \(Self.maxDepth) levels", at: opStart)
            }
            consumeBinaryOp(op)
            var returnBool = false
            if peekKeyword() == "bool" {
                _ = identifier()
                guard op.isComparison else {
                    throw fail("bool modifier can only be used on comparison operators", at: opStart)
                }
                returnBool = true
            }
            var matching = VectorMatching()
            if op.isSetOperator { matching.cardinality = .manyToMany }
            if let kw = peekKeyword(), kw == "on" || kw == "ignoring" {
                _ = identifier()
                matching.on = kw == "on"
                matching.labels = try labelList()
                if let g = peekKeyword(), g == "group_left" || g == "group_right" {
                    let gStart = pos
                    _ = identifier()
                    guard !op.isSetOperator else {
                        throw fail("no grouping allowed for '\(op.rawValue)' operation", at: gStart)
                    }
                    matching.cardinality = g == "group_left" ? .manyToOne : .oneToMany
                    skipSpace()
                    if peekChar() == UInt8(ascii: "(") { matching.include = try labelList() }
                }
            }
            let rhs = try expression(minPrecedence: op.rightAssociative ? op.precedence : op.precedence + 1)
            try check(op, lhs, rhs, matching: matching, returnBool: returnBool, at: opStart)
            lhs = .binary(op, lhs, rhs, matching: matching, returnBool: returnBool)
        }
    }

    func check(_ op: BinaryOp, _ l: QueryExpr, _ r: QueryExpr, matching: VectorMatching, returnBool: Bool, at: Int)
        throws(QuerySyntaxError)
    {
        for side in [l, r] where side.type != .scalar && side.type != .vector {
            throw fail(
                "binary expression must contain only scalar and instant vector types, not \(side.type.article)", at: at)
        }
        let bothScalar = l.type == .scalar && r.type == .scalar
        if op.isComparison && bothScalar && !returnBool {
            throw fail("comparisons between scalars must use the bool modifier", at: at)
        }
        if op.isSetOperator && (l.type == .scalar || r.type == .scalar) {
            throw fail("set operator '\(op.rawValue)' not allowed in binary scalar expression", at: at)
        }
        if (l.type == .scalar || r.type == .scalar) && (matching.on || !matching.labels.isEmpty) {
            throw fail("vector matching only allowed between instant vectors", at: at)
        }
    }

    func peekBinaryOp() -> BinaryOp? {
        guard let c = peekChar() else { return nil }
        let n = peekChar(1)
        switch c {
        case UInt8(ascii: "+"): return .add
        case UInt8(ascii: "-"): return .sub
        case UInt8(ascii: "*"): return .mul
        case UInt8(ascii: "/"): return .div
        case UInt8(ascii: "%"): return .mod
        case UInt8(ascii: "^"): return .pow
        case UInt8(ascii: "="): return n == UInt8(ascii: "=") ? .eq : nil
        case UInt8(ascii: "!"): return n == UInt8(ascii: "=") ? .ne : nil
        case UInt8(ascii: ">"): return n == UInt8(ascii: "=") ? .ge : .gt
        case UInt8(ascii: "<"): return n == UInt8(ascii: "=") ? .le : .lt
        default:
            switch peekKeyword() {
            case "and": return .and
            case "or": return .or
            case "unless": return .unless
            case "atan2": return .atan2
            default: return nil
            }
        }
    }

    mutating func consumeBinaryOp(_ op: BinaryOp) {
        switch op {
        case .and, .or, .unless, .atan2: _ = identifier()
        default: pos += op.rawValue.utf8.count
        }
    }

    mutating func labelList() throws(QuerySyntaxError) -> [String] {
        try expect("(", "'('")
        var names: [String] = []
        while true {
            if accept(")") { return names }
            names.append(try labelName())
            if accept(")") { return names }
            try expect(",", "',' or ')'")
        }
    }

    mutating func unary() throws(QuerySyntaxError) -> QueryExpr {
        skipSpace()
        if let c = peekChar(), c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
            let start = pos
            pos += 1
            let operand = try expression(minPrecedence: BinaryOp.pow.precedence)
            guard operand.type == .scalar || operand.type == .vector else {
                throw fail("unary expression only allowed on expressions of type scalar or instant vector", at: start)
            }
            if c == UInt8(ascii: "+") { return operand }
            if case .number(let v) = operand { return .number(-v) }
            return .negate(operand)
        }
        let start = pos
        return try postfix(primary(), from: start)
    }

    /// The longest subquery accepted, in steps: Prometheus' own limit on
    /// the points of a range query. A larger one is refused, not computed.
    public static let maxSubquerySteps: Int64 = 11_000
    /// The most inner evaluations nested subqueries may ask for at one
    /// evaluation (the product of their steps).
    public static let maxSubqueryEvaluations: Double = 1_000_000

    /// Range selectors, subqueries, `offset` and `@` after a primary
    /// expression that began at `start`.
    mutating func postfix(_ e: QueryExpr, from start: Int) throws(QuerySyntaxError) -> QueryExpr {
        var e = e
        var levels = 0
        while true {
            skipSpace()
            let opStart = pos
            if peekChar() == UInt8(ascii: "[") {
                let text = String(decoding: chars[start..<opStart], as: UTF8.self)
                pos += 1
                let d = try duration()
                if accept(":") {
                    levels += 1
                    guard depth + levels <= Self.maxDepth + 1 else {
                        throw fail("expression nested deeper than \(Self.maxDepth) levels", at: opStart)
                    }
                    e = try subquery(of: e, range: d, text: text, at: opStart)
                    continue
                }
                try expect("]", "']'")
                guard case .selector(let s) = e else {
                    throw fail("ranges are only allowed on vector selectors", at: opStart)
                }
                guard d.milliseconds > 0 else { throw fail("range must be positive", at: opStart) }
                e = .range(s, d)
            } else if peekKeyword() == "offset" {
                _ = identifier()
                skipSpace()
                var negative = false
                if peekChar() == UInt8(ascii: "-") {
                    negative = true
                    pos += 1
                }
                let d = try duration()
                let ms = negative ? -d.milliseconds : d.milliseconds
                guard let modified = e.modified(offsetMs: ms) else {
                    throw fail(
                        "offset modifier must be preceded by an instant vector selector, a range vector selector or a subquery",
                        at: opStart)
                }
                e = modified
            } else if peekChar() == UInt8(ascii: "@") {
                pos += 1
                let at = try atModifier()
                guard let modified = e.modified(at: at) else {
                    throw fail(
                        "@ modifier must be preceded by an instant vector selector, a range vector selector or a subquery",
                        at: opStart)
                }
                e = modified
            } else {
                return e
            }
        }
    }

    /// After `expr[range:`: the optional step and the closing bracket.
    mutating func subquery(of e: QueryExpr, range: PromDuration, text: String, at start: Int)
        throws(QuerySyntaxError) -> QueryExpr
    {
        var step: PromDuration?
        skipSpace()
        if peekChar() != UInt8(ascii: "]") {
            let stepStart = pos
            let s = try duration()
            guard s.milliseconds > 0 else { throw fail("the subquery step must be positive", at: stepStart) }
            step = s
        }
        try expect("]", "']'")
        guard e.type == .vector else {
            throw fail("subquery is only allowed on an instant vector, got \(e.type.article)", at: start)
        }
        guard range.milliseconds > 0 else { throw fail("the subquery range must be positive", at: start) }
        let steps = range.milliseconds / (step?.milliseconds ?? Evaluator.defaultSubqueryStepMs)
        if steps > Self.maxSubquerySteps {
            throw fail("subquery of \(steps) steps: at most \(Self.maxSubquerySteps) are evaluated", at: start)
        }
        // Nested subqueries multiply: each outer step evaluates the inner
        // subquery whole. Past a bound the query is refused, not run for hours.
        let evaluations = Double(steps + 1) * e.subqueryEvaluations
        guard evaluations <= Self.maxSubqueryEvaluations else {
            throw fail(
                "nested subqueries need \(Int(evaluations.rounded())) inner evaluations: at most \(Int(Self.maxSubqueryEvaluations))",
                at: start)
        }
        let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return .subquery(Subquery(expr: e, rangeMs: range.milliseconds, stepMs: step?.milliseconds, text: key))
    }

    /// `@ <unix time>`, `@ start()` or `@ end()`.
    mutating func atModifier() throws(QuerySyntaxError) -> AtModifier {
        skipSpace()
        let at = pos
        if let kw = peekKeyword(), kw == "start" || kw == "end" {
            _ = identifier()
            try expect("(", "'(' after \(kw)")
            try expect(")", "')'")
            return kw == "start" ? .start : .end
        }
        var sign = 1.0
        if let c = peekChar(), c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
            if c == UInt8(ascii: "-") { sign = -1 }
            pos += 1
        }
        guard let t = numberLiteral().map({ $0 * sign }) else {
            throw fail("the @ modifier takes a Unix time, start() or end()", at: at)
        }
        guard let ms = QueryTime.milliseconds(fromSeconds: t) else {
            throw fail("timestamp out of bounds for @ modifier: \(QueryTime.outOfBounds(t))", at: at)
        }
        return .time(ms)
    }

    mutating func primary() throws(QuerySyntaxError) -> QueryExpr {
        skipSpace()
        let start = pos
        guard let c = peekChar() else { throw fail("unexpected end of query") }
        if c == UInt8(ascii: "(") {
            pos += 1
            let inner = try expression(minPrecedence: 0)
            try expect(")", "')'")
            return .paren(inner)
        }
        if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: "`") {
            return .string(try stringLiteral())
        }
        if c == UInt8(ascii: "{") {
            return .selector(try selector(name: nil, at: start))
        }
        if (c >= 48 && c <= 57) || c == UInt8(ascii: ".") {
            guard let v = numberLiteral() else { throw fail("invalid number \(describeNext())") }
            return .number(v)
        }
        guard let id = identifier() else { throw fail("unexpected \(describeNext())") }
        let lower = id.lowercased()
        if lower == "inf" || lower == "nan" { return .number(lower == "inf" ? .infinity : .nan) }
        if let op = AggregateOp(rawValue: lower), isAggregationAhead() {
            return try aggregation(op, at: start)
        }
        skipSpace()
        if peekChar() == UInt8(ascii: "(") {
            guard let f = QueryFunction.all[id] else {
                throw fail("unknown or unsupported function '\(id)'", at: start)
            }
            return try call(f, at: start)
        }
        if ["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"].contains(lower) {
            throw fail("unexpected keyword '\(id)'", at: start)
        }
        return .selector(try selector(name: id, at: start))
    }

    func isAggregationAhead() -> Bool {
        var copy = self
        copy.skipSpace()
        if copy.peekChar() == UInt8(ascii: "(") { return true }
        let kw = copy.identifier()?.lowercased()
        return kw == "by" || kw == "without"
    }

    mutating func aggregation(_ op: AggregateOp, at start: Int) throws(QuerySyntaxError) -> QueryExpr {
        var grouping: [String] = []
        var without = false
        var sawGrouping = false
        if let kw = peekKeyword(), kw == "by" || kw == "without" {
            _ = identifier()
            without = kw == "without"
            grouping = try labelList()
            sawGrouping = true
        }
        try expect("(", "'(' after \(op.rawValue)")
        var param: QueryExpr?
        if let pt = op.paramType {
            let pStart = pos
            let p = try expression(minPrecedence: 0)
            guard p.type == pt else {
                throw fail("expected \(pt.article) parameter for \(op.rawValue), got \(p.type.article)", at: pStart)
            }
            param = p
            try expect(",", "',' after the \(op.rawValue) parameter")
        }
        let argStart = pos
        let arg = try expression(minPrecedence: 0)
        guard arg.type == .vector else {
            throw fail(
                "expected an instant vector in aggregation \(op.rawValue), got \(arg.type.article)", at: argStart)
        }
        try expect(")", "')'")
        if !sawGrouping, let kw = peekKeyword(), kw == "by" || kw == "without" {
            _ = identifier()
            without = kw == "without"
            grouping = try labelList()
        }
        return .aggregate(op, arg, param: param, grouping: grouping, without: without)
    }

    mutating func call(_ f: QueryFunction, at start: Int) throws(QuerySyntaxError) -> QueryExpr {
        try expect("(", "'('")
        var args: [QueryExpr] = []
        var argStarts: [Int] = []
        if !accept(")") {
            while true {
                skipSpace()
                argStarts.append(pos)
                args.append(try expression(minPrecedence: 0))
                if accept(")") { break }
                try expect(",", "',' or ')'")
            }
        }
        let minArgs = f.args.count - f.optional
        if args.count < minArgs || (!f.variadic && args.count > f.args.count) {
            throw fail(
                "wrong number of arguments for \(f.name)(): expected \(minArgs == f.args.count ? "\(minArgs)" : "\(minArgs) to \(f.args.count)"), got \(args.count)",
                at: start)
        }
        for (i, a) in args.enumerated() {
            let want = i < f.args.count ? f.args[i] : f.args[f.args.count - 1]
            guard a.type == want else {
                throw fail(
                    "expected \(want.article) as argument \(i + 1) of \(f.name)(), got \(a.type.article)",
                    at: argStarts[i])
            }
        }
        // label_replace's pattern is a literal: a bad one is a parse error
        // (once, with its column), not an error at every evaluation.
        if f.name == "label_replace", case .string(let pattern) = args[4].unwrapped {
            do { _ = try AnchoredRegex(pattern) } catch {
                throw fail(
                    "invalid regular expression in label_replace(): \(Sanitizer.quote(pattern))", at: argStarts[4])
            }
        }
        return .call(f, args)
    }

    mutating func selector(name: String?, at start: Int) throws(QuerySyntaxError) -> Selector {
        var matchers: [LabelMatcher] = []
        if let name {
            matchers.append(try makeMatcher(Labels.metricName, .equal, name, at: start))
        }
        skipSpace()
        if peekChar() == UInt8(ascii: "{") {
            pos += 1
            while true {
                if accept("}") { break }
                let nStart = pos
                let label = try labelName()
                skipSpace()
                let op: LabelMatcher.Op
                if accept("=~") {
                    op = .regex
                } else if accept("!~") {
                    op = .notRegex
                } else if accept("!=") {
                    op = .notEqual
                } else if accept("=") {
                    op = .equal
                } else {
                    throw fail("expected a label matching operator, found \(describeNext())")
                }
                let value = try stringLiteral()
                if label == Labels.metricName && name != nil {
                    throw fail("metric name given twice", at: nStart)
                }
                matchers.append(try makeMatcher(label, op, value, at: nStart))
                if accept("}") { break }
                try expect(",", "',' or '}'")
            }
        }
        guard matchers.contains(where: { !$0.matches("") }) else {
            throw fail("vector selector must contain at least one non-empty matcher", at: start)
        }
        return Selector(matchers: matchers)
    }

    func makeMatcher(_ name: String, _ op: LabelMatcher.Op, _ value: String, at: Int) throws(QuerySyntaxError)
        -> LabelMatcher
    {
        do {
            return try LabelMatcher(name, op, value)
        } catch {
            throw fail("invalid regular expression \(Sanitizer.quote(value))", at: at)
        }
    }
}
