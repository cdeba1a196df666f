import Foundation

/// A template in Prometheus' alert template language (Go's text/template
/// with Prometheus' functions), the part rule files use in practice:
/// `{{ $value }}`, `{{ $labels.x }}`, `{{ $externalLabels.x }}`, `.Value`,
/// `.Labels.x`, pipelines, `if`/`else if`/`else`/`end`, `:=`, trim markers,
/// comments, and the functions in `TemplateFunctions`. Parsed once when the
/// rule file is read, so a syntax error is a load error with its place.
public struct AlertTemplate: Sendable, Equatable {
    public let source: String
    let nodes: [TemplateNode]

    public init(_ source: String) throws(TemplateError) {
        self.source = source
        var parser = TemplateParser(source)
        nodes = try parser.parseAll()
    }

    /// Text that is not a template: copied as it is, braces and all.
    public init(literal: String) {
        source = literal
        nodes = [.text(literal)]
    }

    /// Whether the text has any action at all (a plain string is copied).
    public var isPlain: Bool { nodes.allSatisfy { if case .text = $0 { true } else { false } } }

    /// The text for one alert. An error while executing (a function given
    /// the wrong kind of value) reads as Prometheus writes it into the
    /// annotation: the alert still fires, with the reason in its text.
    public func render(_ data: TemplateData) -> String {
        do {
            var ctx = TemplateContext(data: data)
            var out = ""
            try ctx.run(nodes, into: &out)
            return out
        } catch {
            return "<error expanding template: \(error.message)>"
        }
    }

    public static func == (a: AlertTemplate, b: AlertTemplate) -> Bool { a.source == b.source }
}

/// What a template sees: the alert's labels and value, and the labels
/// the configuration gives every alert.
public struct TemplateData: Sendable {
    public var labels: [String: String]
    public var value: Double
    public var externalLabels: [String: String]

    public init(labels: [String: String], value: Double, externalLabels: [String: String] = [:]) {
        self.labels = labels
        self.value = value
        self.externalLabels = externalLabels
    }
}

/// A template that does not parse or cannot run, with the offset of the
/// action in the text (line and column from 1).
public struct TemplateError: Error, Sendable, Equatable {
    public var message: String
    public var line: Int
    public var column: Int
    /// Valid in Prometheus, not in Vigil (`range`, `query`): the rule is
    /// kept and the text says it was not rendered.
    public var unsupported = false

    public init(message: String, line: Int, column: Int, unsupported: Bool = false) {
        self.message = message
        self.line = line
        self.column = column
        self.unsupported = unsupported
    }
}

indirect enum TemplateNode: Sendable {
    case text(String)
    case action(TemplatePipeline)
    /// `if` / `else if` chains are nested `.branch`es in `otherwise`.
    case branch(TemplatePipeline, then: [TemplateNode], otherwise: [TemplateNode])
}

struct TemplatePipeline: Sendable {
    /// `$x := …`: the variable it declares.
    var declares: String?
    /// `a | b | c`: each command's result is the last argument of the next.
    var commands: [[TemplateArg]]
    var line: Int
    var column: Int
}

indirect enum TemplateArg: Sendable {
    /// `$name.field.field` (`$` alone is the data).
    case variable(String, [String])
    /// `.Field.field` (`.` alone is the data).
    case field([String])
    case function(String)
    case string(String)
    case int(Int)
    case float(Double)
    case bool(Bool)
    case pipeline(TemplatePipeline)
}

/// A value while a template runs, with Go's kinds where they matter: a
/// comparison of an int with a float is an error there, so it is here.
enum TemplateValue: Sendable {
    case string(String)
    case int(Int)
    case float(Double)
    case bool(Bool)
    case map([String: String])
    /// The data (`.`): `.Value`, `.Labels`, `.ExternalLabels`.
    case data
    case none

    var truthy: Bool {
        switch self {
        case .string(let s): !s.isEmpty
        case .int(let i): i != 0
        case .float(let f): f != 0
        case .bool(let b): b
        case .map(let m): !m.isEmpty
        case .data: true
        case .none: false
        }
    }
}

struct TemplateRunError: Error {
    var message: String
}

/// Runs parsed nodes against the data, with the variables in scope.
struct TemplateContext {
    let data: TemplateData
    var variables: [String: TemplateValue]

    init(data: TemplateData) {
        self.data = data
        // What Prometheus defines before every alert template.
        variables = [
            "$": .data, "$labels": .map(data.labels), "$value": .float(data.value),
            "$externalLabels": .map(data.externalLabels), "$externalURL": .string(""),
        ]
    }

    mutating func run(_ nodes: [TemplateNode], into out: inout String) throws(TemplateError) {
        for node in nodes {
            switch node {
            case .text(let s): out += s
            case .action(let p):
                let v = try value(p)
                if p.declares == nil { out += TemplateFormat.print(v) }
            case .branch(let p, let then, let otherwise):
                try run(try value(p).truthy ? then : otherwise, into: &out)
            }
        }
    }

    mutating func value(_ p: TemplatePipeline) throws(TemplateError) -> TemplateValue {
        do {
            var last: TemplateValue?
            for command in p.commands { last = try call(command, piped: last, in: p) }
            let v = last ?? .none
            if let name = p.declares { variables[name] = v }
            return v
        } catch {
            throw TemplateError(message: error.message, line: p.line, column: p.column)
        }
    }

    mutating func call(_ command: [TemplateArg], piped: TemplateValue?, in p: TemplatePipeline) throws(TemplateRunError)
        -> TemplateValue
    {
        guard let head = command.first else { throw TemplateRunError(message: "empty command") }
        if case .function(let name) = head {
            var args: [TemplateValue] = []
            for a in command.dropFirst() { args.append(try evaluate(a)) }
            if let piped { args.append(piped) }
            return try TemplateFunctions.call(name, args)
        }
        if command.count > 1 || piped != nil {
            throw TemplateRunError(message: "can't give argument to non-function \(describe(head))")
        }
        return try evaluate(head)
    }

    mutating func evaluate(_ arg: TemplateArg) throws(TemplateRunError) -> TemplateValue {
        switch arg {
        case .string(let s): return .string(s)
        case .int(let i): return .int(i)
        case .float(let f): return .float(f)
        case .bool(let b): return .bool(b)
        case .function(let name): return try TemplateFunctions.call(name, [])
        case .pipeline(let p):
            do { return try value(p) } catch { throw TemplateRunError(message: error.message) }
        case .variable(let name, let fields):
            guard let v = variables[name] else { throw TemplateRunError(message: "undefined variable \"\(name)\"") }
            return try lookup(v, fields)
        case .field(let fields):
            return try lookup(.data, fields)
        }
    }

    func lookup(_ start: TemplateValue, _ fields: [String]) throws(TemplateRunError) -> TemplateValue {
        var v = start
        for f in fields {
            switch v {
            case .data:
                switch f {
                case "Value": v = .float(data.value)
                case "Labels": v = .map(data.labels)
                case "ExternalLabels": v = .map(data.externalLabels)
                case "ExternalURL": v = .string("")
                default: throw TemplateRunError(message: "can't evaluate field \(f)")
                }
            // A missing label is Go's zero value for a map of strings.
            case .map(let m): v = .string(m[f] ?? "")
            default: throw TemplateRunError(message: "can't evaluate field \(f) in a \(TemplateFormat.kind(v))")
            }
        }
        return v
    }

    func describe(_ arg: TemplateArg) -> String {
        switch arg {
        case .string(let s): "\"\(s)\""
        case .int(let i): String(i)
        case .float(let f): TemplateFormat.goFloat(f)
        case .bool(let b): String(b)
        case .variable(let n, let f): ([n] + f).joined(separator: ".")
        case .field(let f): "." + f.joined(separator: ".")
        case .function(let n): n
        case .pipeline: "(…)"
        }
    }
}
