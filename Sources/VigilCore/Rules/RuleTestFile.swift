import Foundation
import Yams

/// A promtool unit-test file: rule files, input series in expanding
/// notation, and the alerts and expression results expected at given
/// times. `vigil test rules` runs it against Vigil's own engine.
public struct RuleTestFile: Sendable {
    public var path: String
    public var ruleFiles: [RuleFile] = []
    public var evaluationIntervalMs: Int64 = 60_000
    public var groupEvalOrder: [String] = []
    public var tests: [RuleTestGroup] = []
}

public struct RuleTestGroup: Sendable {
    public var name = ""
    public var intervalMs: Int64?
    /// Each series with a value (or nil: missing) per interval from 0.
    public var series: [(Labels, [Double?])] = []
    public var alertTests: [AlertRuleTest] = []
    public var exprTests: [ExprTest] = []
    public var externalLabels: [String: String] = [:]
}

public struct AlertRuleTest: Sendable {
    public var evalTimeMs: Int64
    public var alertName: String
    public var expected: [ExpectedAlert]
}

public struct ExpectedAlert: Sendable, Equatable {
    public var labels: [String: String]
    public var annotations: [String: String]
}

public struct ExprTest: Sendable {
    public var expr: String
    public var query: QueryExpr?
    /// Why the expression did not parse (a failed test, as in promtool).
    public var parseError: String?
    public var evalTimeMs: Int64
    public var expected: [(labels: String, value: Double)]
}

public enum RuleTestLoader {
    public static func load(path: String) throws(ConfigErrors) -> RuleTestFile {
        let node = try ConfigLoader.compose(try ConfigLoader.text(of: path), file: path)
        let reader = ConfigReader(file: path, environment: [:])
        let file = reader.ruleTestFile(node, path: path)
        if !reader.errors.isEmpty { throw ConfigErrors(errors: ConfigLoader.inFileOrder(reader.errors)) }
        return file
    }

    /// Expanding notation: `1+2x3` is `1 3 5 7`, `5x2` is `5 5 5`, `_` a
    /// missing sample, `_x3` three of them, `stale` a staleness marker.
    public static func expand(_ text: String) -> Result<[Double?], RuleTestNotationError> {
        var out: [Double?] = []
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            let w = String(word)
            if w == "_" {
                out.append(nil)
                continue
            }
            if w == "stale" {
                out.append(StaleMarker.value)
                continue
            }
            if let x = w.lastIndex(of: "x"), let n = Int(w[w.index(after: x)...]), n >= 0 {
                let head = String(w[..<x])
                if head == "_" {
                    out += [Double?](repeating: nil, count: n)
                    continue
                }
                // `a+b` or `a-b`: the sign after the first character splits.
                let chars = Array(head)
                var split: Int?
                for i in chars.indices.dropFirst()
                where (chars[i] == "+" || chars[i] == "-") && chars[i - 1] != "e"
                    && chars[i - 1] != "E"
                {
                    split = i
                    break
                }
                let a: Double?
                let b: Double?
                if let split {
                    a = value(String(chars[..<split]))
                    let step = value(String(chars[(split + 1)...]))
                    b = step.map { chars[split] == "-" ? -$0 : $0 }
                } else {
                    a = value(head)
                    b = 0
                }
                guard let a, let b else { return .failure(RuleTestNotationError(word: w)) }
                for i in 0...n { out.append(a + Double(i) * b) }
                continue
            }
            guard let v = value(w) else { return .failure(RuleTestNotationError(word: w)) }
            out.append(v)
        }
        return .success(out)
    }

    static func value(_ s: String) -> Double? {
        switch s.lowercased() {
        case "nan": return .nan
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        default: return FastFloat.parse(s)
        }
    }

    /// `metric{a="b"}` as a label set (only `=` matchers, as promtool).
    public static func labels(_ text: String) -> Result<Labels, RuleTestNotationError> {
        // No matcher at all is no selector in PromQL, but a label set.
        if text.filter({ !$0.isWhitespace }) == "{}" { return .success(Labels()) }
        guard case .selector(let s)? = try? QueryParser.parse(text), s.offsetMs == 0, s.at == nil,
            s.matchers.allSatisfy({ $0.op == .equal })
        else { return .failure(RuleTestNotationError(word: text)) }
        return .success(Labels(s.matchers.filter { !$0.value.isEmpty }.map { Label($0.name, $0.value) }))
    }
}

public struct RuleTestNotationError: Error, Sendable {
    public var word: String
}

extension ConfigReader {
    func ruleTestFile(_ node: Node, path: String) -> RuleTestFile {
        var file = RuleTestFile(path: path)
        var ruleNodes: [(String, Node)] = []
        for (key, _, value) in entries(
            node, "a rule test file",
            allowed: ["rule_files", "evaluation_interval", "group_eval_order", "tests", "fuzzy_compare"])
        {
            switch key {
            case "rule_files":
                ruleNodes = items(value, key).compactMap { n in string(n, "a rule file").map { ($0, n) } }
            case "evaluation_interval":
                if let d = duration(value, key) {
                    if d.milliseconds <= 0 { error(value, "evaluation_interval must be more than zero") }
                    file.evaluationIntervalMs = max(1, d.milliseconds)
                }
            case "group_eval_order": file.groupEvalOrder = strings(value, key)
            case "fuzzy_compare":
                error(value, "fuzzy_compare is not supported (comparisons are exact, as in promtool 2.42)")
            default: file.tests = items(value, "tests").map(ruleTestGroup)
            }
        }
        let base = FileLocations.parent(path)
        for (pattern, n) in ruleNodes {
            let paths = ConfigReader.glob(FileLocations.absolute(pattern, relativeTo: base))
            if paths.isEmpty { error(n, "rule file \(Sanitizer.quote(pattern)) matches no file") }
            for p in paths {
                do {
                    file.ruleFiles.append(try RuleFileLoader.load(path: p))
                } catch {
                    errors += error.errors
                }
            }
        }
        return file
    }

    func ruleTestGroup(_ node: Node) -> RuleTestGroup {
        var g = RuleTestGroup()
        for (key, _, value) in entries(
            node, "a test group",
            allowed: [
                "interval", "input_series", "name", "alert_rule_test", "promql_expr_test", "external_labels",
                "external_url",
            ])
        {
            switch key {
            case "interval":
                if let d = duration(value, key) {
                    if d.milliseconds <= 0 { error(value, "interval must be more than zero") }
                    g.intervalMs = max(1, d.milliseconds)
                }
            case "name": g.name = string(value, key) ?? ""
            case "input_series":
                for s in items(value, key) {
                    var labels: Labels?
                    var values: [Double?] = []
                    for (k, _, v) in entries(s, "a series", allowed: ["series", "values"]) {
                        guard let text = string(v, k) else { continue }
                        if k == "series" {
                            switch RuleTestLoader.labels(text) {
                            case .success(let l): labels = l
                            case .failure: error(v, "series must look like metric{label=\"value\"}")
                            }
                        } else {
                            switch RuleTestLoader.expand(text) {
                            case .success(let vs): values = vs
                            case .failure(let e):
                                error(v, "values: \(Sanitizer.quote(e.word)) is not a value in expanding notation")
                            }
                        }
                    }
                    if let labels { g.series.append((labels, values)) } else { error(s, "a series needs series:") }
                }
            case "alert_rule_test": g.alertTests = items(value, key).compactMap(alertRuleTest)
            case "promql_expr_test": g.exprTests = items(value, key).compactMap(exprTest)
            case "external_labels":
                for (k, _, v) in entries(value, key, allowed: []) { g.externalLabels[k] = string(v, k) ?? "" }
            default: break  // external_url: templates here have none
            }
        }
        return g
    }

    func alertRuleTest(_ node: Node) -> AlertRuleTest? {
        var t = AlertRuleTest(evalTimeMs: 0, alertName: "", expected: [])
        for (key, _, value) in entries(node, "an alert test", allowed: ["eval_time", "alertname", "exp_alerts"]) {
            switch key {
            case "eval_time": t.evalTimeMs = duration(value, key)?.milliseconds ?? 0
            case "alertname": t.alertName = string(value, key) ?? ""
            default:
                if value.scalar != nil, value.scalar?.string == "" || value.scalar?.string == "null" { continue }
                for a in items(value, key) {
                    var e = ExpectedAlert(labels: [:], annotations: [:])
                    for (k, _, v) in entries(a, "an expected alert", allowed: ["exp_labels", "exp_annotations"]) {
                        var map: [String: String] = [:]
                        for (name, _, x) in entries(v, k, allowed: []) { map[name] = x.scalar?.string ?? "" }
                        if k == "exp_labels" { e.labels = map } else { e.annotations = map }
                    }
                    t.expected.append(e)
                }
            }
        }
        if t.alertName.isEmpty { error(node, "an alert test needs alertname:") }
        return t
    }

    func exprTest(_ node: Node) -> ExprTest? {
        var t = ExprTest(expr: "", query: nil, evalTimeMs: 0, expected: [])
        for (key, _, value) in entries(node, "an expression test", allowed: ["expr", "eval_time", "exp_samples"]) {
            switch key {
            case "expr":
                t.expr = string(value, key) ?? ""
                do { t.query = try QueryParser.parseAny(t.expr) } catch { t.parseError = error.message }
            case "eval_time": t.evalTimeMs = duration(value, key)?.milliseconds ?? 0
            default:
                if value.scalar != nil { continue }
                for s in items(value, key) {
                    var labels = ""
                    var v = 0.0
                    for (k, _, x) in entries(s, "an expected sample", allowed: ["labels", "value", "histogram"]) {
                        switch k {
                        case "labels": labels = string(x, k) ?? ""
                        case "value":
                            if let n = x.scalar.flatMap({ RuleTestLoader.value(Self.yamlNumber($0.string)) }) {
                                v = n
                            } else {
                                error(x, "value must be a number")
                            }
                        default: error(x, "native histograms are not supported")
                        }
                    }
                    t.expected.append((labels, v))
                }
            }
        }
        return t
    }

    /// YAML's spellings of the special floats.
    static func yamlNumber(_ s: String) -> String {
        switch s.lowercased() {
        case ".nan": "NaN"
        case ".inf", "+.inf": "+Inf"
        case "-.inf": "-Inf"
        default: s
        }
    }
}
