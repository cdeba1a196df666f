/// Reads template text into nodes: text between `{{ }}` actions, trim
/// markers (`{{-`, `-}}`), comments, and the `if`/`else`/`end` structure.
struct TemplateParser {
    let chars: [Character]
    var i = 0
    /// `if` blocks open now: a limit keeps a hostile file's nesting from
    /// exhausting the stack (the parser and the renderer recurse).
    var depth = 0
    static let maxDepth = 100

    init(_ source: String) { chars = Array(source) }

    mutating func parseAll() throws(TemplateError) -> [TemplateNode] {
        let (nodes, end) = try parseList()
        switch end {
        case .eof: return nodes
        case .end(let l, let c): throw TemplateError(message: "unexpected {{end}}", line: l, column: c)
        case .otherwise(_, let l, let c): throw TemplateError(message: "unexpected {{else}}", line: l, column: c)
        }
    }

    enum ListEnd {
        case eof
        case end(Int, Int)
        /// `{{else}}` (nil) or `{{else if …}}`.
        case otherwise(TemplatePipeline?, Int, Int)
    }

    /// Nodes up to the end of the text, an `{{end}}` or an `{{else}}`.
    mutating func parseList() throws(TemplateError) -> ([TemplateNode], ListEnd) {
        var nodes: [TemplateNode] = []
        var text = ""
        while i < chars.count {
            guard chars[i] == "{", i + 1 < chars.count, chars[i + 1] == "{" else {
                text.append(chars[i])
                i += 1
                continue
            }
            let (line, column) = position(i)
            i += 2
            if i + 1 < chars.count, chars[i] == "-", chars[i + 1].isWhitespace {
                text = String(text.reversed().drop { $0.isWhitespace }.reversed())
                i += 1
            }
            if !text.isEmpty { nodes.append(.text(text)) }
            text = ""
            var tokens = try tokens(line: line, column: column)
            if tokens.first.map({ if case .comment = $0 { true } else { false } }) ?? false { continue }
            guard let first = tokens.first else {
                throw TemplateError(message: "missing value for command", line: line, column: column)
            }
            if case .word(let keyword) = first {
                switch keyword {
                case "end":
                    return (nodes, .end(line, column))
                case "else":
                    tokens.removeFirst()
                    if case .word("if")? = tokens.first {
                        tokens.removeFirst()
                        return (nodes, .otherwise(try pipeline(tokens, line: line, column: column), line, column))
                    }
                    return (nodes, .otherwise(nil, line, column))
                case "if":
                    tokens.removeFirst()
                    nodes.append(
                        try branch(try pipeline(tokens, line: line, column: column), line: line, column: column))
                    continue
                case "range", "with", "define", "template", "block", "break", "continue":
                    throw TemplateError(
                        message: "{{\(keyword)}} is not supported in Vigil's alert templates", line: line,
                        column: column, unsupported: true)
                default: break
                }
            }
            nodes.append(.action(try pipeline(tokens, line: line, column: column)))
        }
        if !text.isEmpty { nodes.append(.text(text)) }
        return (nodes, .eof)
    }

    /// The body of an `if` after its condition, through its `{{end}}`.
    mutating func branch(_ condition: TemplatePipeline, line: Int, column: Int) throws(TemplateError) -> TemplateNode {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth {
            throw TemplateError(message: "more than \(Self.maxDepth) nested {{if}}s", line: line, column: column)
        }
        let (then, end) = try parseList()
        switch end {
        case .eof: throw TemplateError(message: "unexpected EOF: {{if}} without {{end}}", line: line, column: column)
        case .end: return .branch(condition, then: then, otherwise: [])
        case .otherwise(nil, _, _):
            let (otherwise, end2) = try parseList()
            guard case .end = end2 else {
                throw TemplateError(message: "{{else}} must be followed by {{end}}", line: line, column: column)
            }
            return .branch(condition, then: then, otherwise: otherwise)
        case .otherwise(let next?, let l, let c):
            return .branch(condition, then: then, otherwise: [try branch(next, line: l, column: c)])
        }
    }

    enum Token: Equatable {
        case word(String)
        case variable(String, [String])
        case field([String])
        case string(String)
        case number(String)
        case pipe, open, close, declare, assign
        case comment
    }

    /// The tokens of one action, through its `}}` (and the right trim).
    mutating func tokens(line: Int, column: Int) throws(TemplateError) -> [Token] {
        var out: [Token] = []
        func fail(_ m: String) -> TemplateError { TemplateError(message: m, line: line, column: column) }
        while true {
            while i < chars.count, chars[i] == " " || chars[i] == "\t" || chars[i] == "\n" || chars[i] == "\r" {
                i += 1
            }
            guard i < chars.count else { throw fail("unclosed action") }
            let c = chars[i]
            if c == "-", i + 2 < chars.count, chars[i + 1] == "}", chars[i + 2] == "}", i > 0, chars[i - 1].isWhitespace
            {
                i += 3
                while i < chars.count, chars[i].isWhitespace { i += 1 }
                return out
            }
            if c == "}", i + 1 < chars.count, chars[i + 1] == "}" {
                i += 2
                return out
            }
            if c == "/", i + 1 < chars.count, chars[i + 1] == "*" {
                guard let close = find("*/", from: i + 2) else { throw fail("unclosed comment") }
                i = close + 2
                out.append(.comment)
                continue
            }
            switch c {
            case "|":
                out.append(.pipe)
                i += 1
            case "(":
                out.append(.open)
                i += 1
            case ")":
                out.append(.close)
                i += 1
            case ":":
                guard i + 1 < chars.count, chars[i + 1] == "=" else { throw fail("unexpected \":\" in command") }
                out.append(.declare)
                i += 2
            case "=":
                out.append(.assign)
                i += 1
            case "\"":
                out.append(.string(try quoted(fail)))
            case "`":
                guard let close = find("`", from: i + 1) else { throw fail("unterminated raw quoted string") }
                out.append(.string(String(chars[(i + 1)..<close])))
                i = close + 1
            case "$":
                i += 1
                let name = "$" + word()
                out.append(.variable(name, fields()))
            case ".":
                let fs = fields()
                out.append(.field(fs))
            default:
                if c.isNumber || ((c == "-" || c == "+") && i + 1 < chars.count && chars[i + 1].isNumber) {
                    var s = String(c)
                    i += 1
                    while i < chars.count,
                        chars[i].isNumber || chars[i].isLetter || chars[i] == "." || chars[i] == "_"
                            || ((chars[i] == "-" || chars[i] == "+") && (chars[i - 1] == "e" || chars[i - 1] == "E"))
                    {
                        s.append(chars[i])
                        i += 1
                    }
                    out.append(.number(s))
                } else if c.isLetter || c == "_" {
                    out.append(.word(word()))
                } else {
                    throw fail("unexpected \(Sanitizer.quote(String(c))) in command")
                }
            }
        }
    }

    mutating func quoted(_ fail: (String) -> TemplateError) throws(TemplateError) -> String {
        var s = ""
        i += 1
        while i < chars.count {
            let c = chars[i]
            if c == "\"" {
                i += 1
                return s
            }
            if c == "\n" { break }
            if c == "\\", i + 1 < chars.count {
                i += 1
                switch chars[i] {
                case "n": s.append("\n")
                case "t": s.append("\t")
                case "r": s.append("\r")
                case "\\": s.append("\\")
                case "\"": s.append("\"")
                default: throw fail("unknown escape sequence \\\(chars[i]) in a string")
                }
            } else {
                s.append(c)
            }
            i += 1
        }
        throw fail("unterminated quoted string")
    }

    mutating func word() -> String {
        var s = ""
        while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" {
            s.append(chars[i])
            i += 1
        }
        return s
    }

    /// `.a.b` after a variable or as a field chain (`.` alone is none).
    mutating func fields() -> [String] {
        var out: [String] = []
        while i < chars.count, chars[i] == "." {
            i += 1
            let w = word()
            if w.isEmpty { break }
            out.append(w)
        }
        return out
    }

    func find(_ s: String, from start: Int) -> Int? {
        let needle = Array(s)
        var j = start
        while j + needle.count <= chars.count {
            if Array(chars[j..<(j + needle.count)]) == needle { return j }
            j += 1
        }
        return nil
    }

    func position(_ offset: Int) -> (Int, Int) {
        var line = 1
        var column = 1
        for c in chars[..<offset] {
            if c == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }

    /// A pipeline from an action's tokens: `[$x :=] cmd | cmd …`.
    func pipeline(_ tokens: [Token], line: Int, column: Int) throws(TemplateError) -> TemplatePipeline {
        var toks = tokens[...]
        var declares: String?
        if toks.count >= 2, case .variable(let name, let f) = toks.first, f.isEmpty,
            toks.dropFirst().first == .declare || toks.dropFirst().first == .assign
        {
            declares = name
            toks = toks.dropFirst(2)
        }
        var p = try commands(&toks, line: line, column: column)
        if !toks.isEmpty { throw TemplateError(message: "unexpected \")\" in command", line: line, column: column) }
        p.declares = declares
        return p
    }

    func commands(_ toks: inout ArraySlice<Token>, line: Int, column: Int, depth: Int = 0) throws(TemplateError)
        -> TemplatePipeline
    {
        if depth > Self.maxDepth {
            throw TemplateError(message: "more than \(Self.maxDepth) nested parentheses", line: line, column: column)
        }
        func fail(_ m: String) -> TemplateError { TemplateError(message: m, line: line, column: column) }
        var commands: [[TemplateArg]] = [[]]
        while let t = toks.first, t != .close {
            toks = toks.dropFirst()
            switch t {
            case .pipe:
                if commands[commands.count - 1].isEmpty { throw fail("missing command before \"|\"") }
                commands.append([])
            case .open:
                let inner = try self.commands(&toks, line: line, column: column, depth: depth + 1)
                guard toks.first == .close else { throw fail("unclosed left paren") }
                toks = toks.dropFirst()
                commands[commands.count - 1].append(.pipeline(inner))
            case .word(let w):
                switch w {
                case "true": commands[commands.count - 1].append(.bool(true))
                case "false": commands[commands.count - 1].append(.bool(false))
                case "nil": throw fail("nil is not a command")
                default:
                    if TemplateFunctions.prometheusOnly.contains(w) {
                        throw TemplateError(
                            message: "\(w) is not supported in Vigil's alert templates", line: line, column: column,
                            unsupported: true)
                    }
                    guard TemplateFunctions.names.contains(w) else { throw fail("function \"\(w)\" not defined") }
                    commands[commands.count - 1].append(.function(w))
                }
            case .variable(let n, let f): commands[commands.count - 1].append(.variable(n, f))
            case .field(let f): commands[commands.count - 1].append(.field(f))
            case .string(let s): commands[commands.count - 1].append(.string(s))
            case .number(let s):
                let clean = s.replacingOccurrences(of: "_", with: "")
                if let n = Int(clean) {
                    commands[commands.count - 1].append(.int(n))
                } else if let f = Double(clean) {
                    commands[commands.count - 1].append(.float(f))
                } else {
                    throw fail("bad number syntax: \"\(s)\"")
                }
            case .declare, .assign: throw fail("unexpected \":=\" in command")
            case .comment: throw fail("comment must be alone in its action")
            case .close: break
            }
        }
        if commands.last?.isEmpty ?? true {
            throw fail(commands.count > 1 ? "missing command after \"|\"" : "missing value for command")
        }
        return TemplatePipeline(declares: nil, commands: commands, line: line, column: column)
    }
}
