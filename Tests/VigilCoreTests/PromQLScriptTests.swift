import Foundation
import Testing

@testable import VigilCore

/// PromQL test scripts: one file per area in `PromQL/`, each written from
/// Prometheus' documented semantics. The format (Vigil's own):
///
///     # a comment
///     load 15s                          # the spacing of the points below
///       name{label="v"}  0+10x4 _ 7 stale   # 0 10 20 30 40, a gap, 7, a stale marker
///     eval 1m  sum(name)                # evaluate at 1m after the epoch
///       {} 40                           # expected series and value, any order
///     eval ordered 1m  sort(name)       # expected in this order
///     eval 1m  scalar(name)
///       scalar 40
///     eval 1m  absent(name)             # no line: an empty result
///     eval fail 1m  foo(                # must fail; the next line, if any, is in the message
///       unknown or unsupported function
///     clear                             # forget the loaded series
///
/// Values: `a+bxN` expands to a, a+b, ..., a+N·b (and `a-bxN`); `_` is a
/// missing point and `_xN` N of them; `stale` a staleness marker; `Inf`,
/// `-Inf`, `NaN` and numbers as written. Times and the load interval are
/// durations from the Unix epoch. Expected values match to a relative
/// difference of 1e-9 (NaN matches NaN).
@Suite struct PromQLScriptTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("PromQL")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".test") }
            .sorted()
    }

    @Test func everyAreaHasAScript() {
        let areas = [
            "aggregators", "at-modifier", "functions", "literals", "operators", "selectors", "staleness",
            "subqueries", "trig",
        ]
        #expect(Self.files == areas.map { $0 + ".test" })
    }

    @Test(arguments: files) func script(_ name: String) throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8)
        var script = try ScriptRunner(file: name)
        try script.run(text)
        #expect(script.evaluated > 0, "\(name) evaluated nothing")
        for failure in script.failures { Issue.record(Comment(rawValue: failure)) }
    }
}

struct ScriptError: Error, CustomStringConvertible {
    var description: String
}

/// Reads and runs one script, collecting failures with their line numbers.
struct ScriptRunner {
    let file: String
    var store = SeriesStore(capacity: Int.max / 2)
    var failures: [String] = []
    var evaluated = 0

    init(file: String) throws { self.file = file }

    mutating func run(_ text: String) throws {
        let lines = text.components(separatedBy: "\n")
        var i = 0
        func content(_ line: String) -> String {
            // A comment starts at " #" or at the start; '#' inside a query
            // string would need quoting, which no script uses.
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("#") { return "" }
            if let r = line.range(of: "  # ") { return String(line[..<r.lowerBound]) }
            return line
        }
        while i < lines.count {
            let line = content(lines[i])
            let number = i + 1
            i += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            var body: [(Int, String)] = []
            while i < lines.count, lines[i].hasPrefix(" ") || lines[i].hasPrefix("\t") || content(lines[i]).isEmpty {
                let b = content(lines[i]).trimmingCharacters(in: .whitespaces)
                if !b.isEmpty { body.append((i + 1, b)) }
                i += 1
            }
            if trimmed == "clear" {
                store = SeriesStore(capacity: Int.max / 2)
            } else if trimmed.hasPrefix("load ") {
                try load(interval: String(trimmed.dropFirst(5)), body, at: number)
            } else if trimmed.hasPrefix("eval ") {
                try eval(String(trimmed.dropFirst(5)), body, at: number)
            } else {
                throw ScriptError(description: "\(file):\(number): unknown command '\(trimmed)'")
            }
        }
    }

    func duration(_ s: String, _ line: Int) throws -> Int64 {
        if s == "0" { return 0 }
        guard let d = PromDuration(s) else { throw ScriptError(description: "\(file):\(line): bad duration '\(s)'") }
        return d.milliseconds
    }

    /// `name{a="b"}` as labels, read by the query parser's selector rules.
    func labels(_ text: String, _ line: Int) throws -> Labels {
        guard case .selector(let s) = try QueryParser.parseAny(text) else {
            throw ScriptError(description: "\(file):\(line): not a series: \(text)")
        }
        var pairs: [Label] = []
        for m in s.matchers where m.op == .equal { pairs.append(Label(m.name, m.value)) }
        return Labels(pairs)
    }

    /// Splits `series values...` where the series may hold spaces inside
    /// its braces.
    func splitSeries(_ text: String) -> (String, String) {
        var depth = 0
        var inQuote = false
        for (i, c) in text.enumerated() {
            if c == "\"" { inQuote.toggle() }
            if inQuote { continue }
            if c == "{" { depth += 1 }
            if c == "}" { depth -= 1 }
            if c == " " && depth == 0 {
                let idx = text.index(text.startIndex, offsetBy: i)
                return (String(text[..<idx]), String(text[idx...]).trimmingCharacters(in: .whitespaces))
            }
        }
        return (text, "")
    }

    mutating func load(interval: String, _ body: [(Int, String)], at line: Int) throws {
        let step = try duration(interval.trimmingCharacters(in: .whitespaces), line)
        for (n, text) in body {
            let (series, values) = splitSeries(text)
            let l = try labels(series, n)
            var k: Int64 = 0
            for token in values.split(separator: " ") {
                for v in try expand(String(token), n) {
                    if let v { _ = store.append(l, Point(t: k * step, v: v)) }
                    k += 1
                }
            }
        }
    }

    /// One token of a values list: `_`, `_xN`, `stale`, a number, or
    /// `a+bxN` / `a-bxN`.
    func expand(_ token: String, _ line: Int) throws -> [Double?] {
        if token == "_" { return [nil] }
        if token == "stale" { return [StaleMarker.value] }
        if token.hasPrefix("_x"), let n = Int(token.dropFirst(2)) { return Array(repeating: nil, count: n) }
        if let v = number(token) { return [v] }
        // a+bxN: find the operator after the first character (a may be negative).
        let chars = Array(token)
        guard let x = chars.lastIndex(of: "x"), let n = Int(String(chars[(x + 1)...])),
            let op = chars[1..<x].firstIndex(where: { $0 == "+" || $0 == "-" }),
            let a = number(String(chars[..<op])), let b = number(String(chars[(op + 1)..<x]))
        else {
            throw ScriptError(description: "\(file):\(line): bad value '\(token)'")
        }
        let delta = chars[op] == "+" ? b : -b
        return (0...n).map { a + Double($0) * delta }
    }

    func number(_ s: String) -> Double? {
        switch s {
        case "Inf", "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(s)
        }
    }

    mutating func eval(_ spec: String, _ body: [(Int, String)], at line: Int) throws {
        var rest = spec.trimmingCharacters(in: .whitespaces)
        var ordered = false
        var fails = false
        if rest.hasPrefix("ordered ") {
            ordered = true
            rest = String(rest.dropFirst(8)).trimmingCharacters(in: .whitespaces)
        } else if rest.hasPrefix("fail ") {
            fails = true
            rest = String(rest.dropFirst(5)).trimmingCharacters(in: .whitespaces)
        }
        guard let space = rest.firstIndex(of: " ") else {
            throw ScriptError(description: "\(file):\(line): eval needs a time and a query")
        }
        let t = try duration(String(rest[..<space]), line)
        let query = String(rest[space...]).trimmingCharacters(in: .whitespaces)
        evaluated += 1
        let where_ = "\(file):\(line): \(query)"
        let value: QueryValue
        do {
            value = try InstantQuery.evaluate(QueryParser.parseAny(query), on: store, at: t)
        } catch let e as QuerySyntaxError {
            check(fails, e.message, body, where_)
            return
        } catch let e as QueryEvaluationError {
            check(fails, e.message, body, where_)
            return
        }
        if fails {
            failures.append("\(where_): expected an error, got \(value)")
            return
        }
        var got: [(String, Double)] = []
        switch value {
        case .scalar(let v, _): got = [("scalar", v)]
        case .vector(let vec): got = vec.map { ($0.labels.description, $0.value) }
        case .string(let s):
            got = [("string " + s, 0)]
        case .matrix:
            failures.append("\(where_): scripts compare instant results only")
            return
        }
        var expected: [(String, Double)] = []
        for (n, text) in body {
            if text.hasPrefix("scalar ") {
                expected.append(("scalar", number(String(text.dropFirst(7))) ?? .nan))
                continue
            }
            if text.hasPrefix("string ") {
                expected.append((text, 0))
                continue
            }
            let (series, v) = splitSeries(text)
            guard let value = number(v) else { throw ScriptError(description: "\(file):\(n): bad value '\(v)'") }
            let l = series == "{}" ? Labels() : try labels(series, n)
            expected.append((l.description, value))
        }
        if !ordered {
            got.sort { $0.0 < $1.0 }
            expected.sort { $0.0 < $1.0 }
        }
        let same =
            got.count == expected.count
            && zip(got, expected).allSatisfy { g, e in g.0 == e.0 && Self.close(g.1, e.1) }
        if !same {
            let show = { (rows: [(String, Double)]) in rows.map { "\($0.0) \($0.1)" }.joined(separator: "; ") }
            failures.append("\(where_):\n  expected \(show(expected))\n  got      \(show(got))")
        }
    }

    mutating func check(_ fails: Bool, _ message: String, _ body: [(Int, String)], _ where_: String) {
        if !fails {
            failures.append("\(where_): unexpected error: \(message)")
        } else if let want = body.first?.1, !message.contains(want) {
            failures.append("\(where_): error '\(message)' does not contain '\(want)'")
        }
    }

    static func close(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a == b { return true }
        return abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    }
}
