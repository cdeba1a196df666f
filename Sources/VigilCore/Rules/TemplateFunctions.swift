import Foundation

/// The functions alert templates call: Go's built-ins that rule files use
/// (`and`, `or`, `not`, comparisons, `len`, `index`, `print`, `printf`)
/// and Prometheus' own (`humanize` and friends, `toUpper`, `title`, …),
/// with the same output, so a rule file's annotations read in Vigil as
/// they do in Prometheus and a promtool test's expected text matches.
enum TemplateFunctions {
    static let names: Set<String> = [
        "and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len", "index", "print", "printf", "println",
        "humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp", "toUpper",
        "toLower", "title", "match", "reReplaceAll", "stripPort", "externalURL", "pathPrefix",
    ]

    /// Prometheus' functions that query the server or build links and
    /// HTML: valid in a rule file, not rendered by Vigil.
    static let prometheusOnly: Set<String> = [
        "query", "first", "label", "value", "sortByLabel", "strvalue", "graphLink", "tableLink", "args", "tmpl",
        "safeHtml", "parseDuration", "toTime", "urlquery", "html", "js", "call", "slice",
    ]

    static func call(_ name: String, _ args: [TemplateValue]) throws(TemplateRunError) -> TemplateValue {
        func need(_ n: Int) throws(TemplateRunError) {
            if args.count != n {
                throw TemplateRunError(message: "wrong number of args for \(name): want \(n) got \(args.count)")
            }
        }
        switch name {
        case "and":
            guard let last = args.last else { throw TemplateRunError(message: "wrong number of args for and") }
            return args.first { !$0.truthy } ?? last
        case "or":
            guard let last = args.last else { throw TemplateRunError(message: "wrong number of args for or") }
            return args.first { $0.truthy } ?? last
        case "not":
            try need(1)
            return .bool(!args[0].truthy)
        case "eq":
            guard args.count >= 2 else { throw TemplateRunError(message: "missing argument for comparison") }
            for other in args.dropFirst() where try compare(args[0], other, ordered: false) == 0 { return .bool(true) }
            return .bool(false)
        case "ne":
            try need(2)
            return .bool(try compare(args[0], args[1], ordered: false) != 0)
        case "lt", "le", "gt", "ge":
            try need(2)
            let c = try compare(args[0], args[1], ordered: true)
            switch name {
            case "lt": return .bool(c < 0)
            case "le": return .bool(c <= 0)
            case "gt": return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        case "len":
            try need(1)
            switch args[0] {
            case .string(let s): return .int(s.utf8.count)
            case .map(let m): return .int(m.count)
            default: throw TemplateRunError(message: "error calling len: len of \(TemplateFormat.kind(args[0]))")
            }
        case "index":
            try need(2)
            guard case .map(let m) = args[0], case .string(let k) = args[1] else {
                throw TemplateRunError(message: "error calling index: cannot index \(TemplateFormat.kind(args[0]))")
            }
            return .string(m[k] ?? "")
        case "print": return .string(TemplateFormat.sprint(args))
        case "println": return .string(args.map(TemplateFormat.print).joined(separator: " ") + "\n")
        case "printf":
            guard case .string(let format)? = args.first else {
                throw TemplateRunError(message: "error calling printf: the format must be a string")
            }
            return .string(TemplateFormat.printf(format, Array(args.dropFirst())))
        case "humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp":
            try need(1)
            let v = try float(args[0], name)
            switch name {
            case "humanize": return .string(TemplateFormat.humanize(v))
            case "humanize1024": return .string(TemplateFormat.humanize1024(v))
            case "humanizeDuration": return .string(TemplateFormat.humanizeDuration(v))
            case "humanizePercentage": return .string(TemplateFormat.g4(v * 100) + "%")
            default: return .string(TemplateFormat.timestamp(v))
            }
        case "toUpper", "toLower", "title", "stripPort":
            try need(1)
            let s = try string(args[0], name)
            switch name {
            case "toUpper": return .string(s.uppercased())
            case "toLower": return .string(s.lowercased())
            case "title": return .string(TemplateFormat.title(s))
            default: return .string(TemplateFormat.stripPort(s))
            }
        case "match":
            try need(2)
            let re = try regex(try string(args[0], name), name)
            let text = try string(args[1], name)
            return .bool(re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil)
        case "reReplaceAll":
            try need(3)
            let re = try regex(try string(args[0], name), name)
            let text = try string(args[2], name)
            // Go writes `$1` for a group, as NSRegularExpression does.
            return .string(
                re.stringByReplacingMatches(
                    in: text, range: NSRange(text.startIndex..., in: text), withTemplate: try string(args[1], name)))
        case "externalURL", "pathPrefix": return .string("")
        default: throw TemplateRunError(message: "function \"\(name)\" not defined")
        }
    }

    static func regex(_ pattern: String, _ fn: String) throws(TemplateRunError) -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: pattern)
        } catch {
            throw TemplateRunError(message: "error calling \(fn): bad regular expression \(Sanitizer.quote(pattern))")
        }
    }

    static func float(_ v: TemplateValue, _ fn: String) throws(TemplateRunError) -> Double {
        switch v {
        case .float(let f): return f
        case .int(let i): return Double(i)
        case .string(let s):
            if let f = FastFloat.parse(s) { return f }
            throw TemplateRunError(message: "error calling \(fn): strconv.ParseFloat: parsing \"\(s)\": invalid syntax")
        default:
            throw TemplateRunError(message: "error calling \(fn): can't convert \(TemplateFormat.kind(v)) to float")
        }
    }

    static func string(_ v: TemplateValue, _ fn: String) throws(TemplateRunError) -> String {
        guard case .string(let s) = v else {
            throw TemplateRunError(
                message: "wrong type for value; expected string; got \(TemplateFormat.kind(v)) (calling \(fn))")
        }
        return s
    }

    /// Go's rules: values of one basic kind compare; an int with a float
    /// does not; only numbers and strings are ordered.
    static func compare(_ a: TemplateValue, _ b: TemplateValue, ordered: Bool) throws(TemplateRunError) -> Int {
        func sign<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : x > y ? 1 : 0 }
        switch (a, b) {
        case (.int(let x), .int(let y)): return sign(x, y)
        case (.float(let x), .float(let y)): return sign(x, y)
        case (.string(let x), .string(let y)): return sign(x, y)
        case (.bool(let x), .bool(let y)):
            if ordered { throw TemplateRunError(message: "invalid type for comparison") }
            return x == y ? 0 : 1
        default:
            throw TemplateRunError(message: "incompatible types for comparison")
        }
    }
}
