/// Runs promtool's unit tests against Vigil's engine: the input series in
/// a store, the rule files' groups evaluated at every evaluation interval
/// from 0 (recording rules first, then alerting rules through the alert
/// engine with its holds), the firing alerts compared at each `eval_time`
/// and the expressions evaluated at theirs. Failures read as promtool
/// writes them, so a team's CI can switch between the two.
public enum RuleTestRunner {
    /// Each failure's text; none means the file passed.
    public static func run(_ file: RuleTestFile) -> [String] {
        var failures: [String] = []
        for group in file.tests { failures += run(group, in: file) }
        return failures
    }

    static func run(_ test: RuleTestGroup, in file: RuleTestFile) -> [String] {
        let interval = test.intervalMs ?? file.evaluationIntervalMs
        let evalInterval = file.evaluationIntervalMs
        let maxEval = (test.alertTests.map(\.evalTimeMs) + test.exprTests.map(\.evalTimeMs)).max() ?? 0
        let steps = Int(maxEval / evalInterval) + 2
        var store = SeriesStore(capacity: max(steps, test.series.map(\.1.count).max() ?? 0) + 2)
        store.pointBudget = Int.max
        for (labels, values) in test.series {
            for (i, v) in values.enumerated() {
                if let v { store.append(labels, Point(t: Int64(i) * interval, v: v)) }
            }
        }
        let (alerting, recording) = RuleFileRules.build(
            ordered(file.ruleFiles, file.groupEvalOrder), externalLabels: test.externalLabels
        ) { _ in "test" }
        var alerts = AlertsConfig()
        alerts.rules = alerting
        alerts.severities = [
            Severity(
                id: "test", name: "test", color: "red", channels: [], escalation: false,
                timeout: PromDuration(milliseconds: 0))
        ]
        var engine = AlertEngine(config: alerts)
        var recorder = RuleRecorder()
        let prefix = test.name.isEmpty ? "" : "    name: \(test.name),\n"
        var failures: [String] = []
        let alertTests = test.alertTests.sorted { $0.evalTimeMs < $1.evalTimeMs }
        var next = 0
        var ts: Int64 = 0
        while ts <= maxEval {
            let recordErrors = recorder.record(recording, into: &store, at: ts)
            let (results, ruleErrors) = AlertCenter.evaluateRules(alerting, source: store, at: ts)
            let evalErrors = recordErrors.merging(ruleErrors) { a, _ in a }
            if !evalErrors.isEmpty {
                return evalErrors.sorted { $0.key < $1.key }.map { name, err in
                    let shown = alerting.first { $0.name == name }?.alertName ?? name
                    return prefix + "    rule: \(shown), time: \(duration(ts)), err: \(err)"
                }
            }
            _ = engine.evaluate(results, at: ts)
            while next < alertTests.count, alertTests[next].evalTimeMs >= ts,
                alertTests[next].evalTimeMs < ts + evalInterval
            {
                let t = alertTests[next]
                next += 1
                let got = firing(t.alertName, engine: engine, rules: alerting)
                let exp = t.expected.map { e in
                    ExpectedAlert(
                        labels: e.labels.merging(["alertname": t.alertName]) { _, b in b }, annotations: e.annotations)
                }.sorted(by: alertOrder)
                if got != exp {
                    failures.append(
                        prefix + "    alertname: \(t.alertName), time: \(duration(t.evalTimeMs)), \n        exp:"
                            + indent(describe(exp), "            ") + ", \n        got:"
                            + indent(describe(got), "            "))
                }
            }
            ts += evalInterval
        }
        for t in test.exprTests { if let f = check(t, store: store) { failures.append(prefix + f) } }
        return failures
    }

    /// Groups named in `group_eval_order` first, in that order; the rest
    /// as the files list them.
    static func ordered(_ files: [RuleFile], _ order: [String]) -> [RuleFile] {
        guard !order.isEmpty else { return files }
        var named: [(Int, RuleGroup, String)] = []
        var rest: [RuleFile] = []
        for f in files {
            var kept = f
            kept.groups = []
            for g in f.groups {
                if let i = order.firstIndex(of: g.name) { named.append((i, g, f.path)) } else { kept.groups.append(g) }
            }
            rest.append(kept)
        }
        let first = named.sorted { $0.0 < $1.0 }.map { RuleFile(path: $0.2, groups: [$0.1]) }
        return first + rest
    }

    /// The firing alerts of every rule with that alert name, as promtool
    /// lists them: labels with `alertname`, annotations rendered.
    static func firing(_ alertName: String, engine: AlertEngine, rules: [AlertRule]) -> [ExpectedAlert] {
        var out: [ExpectedAlert] = []
        for rule in rules where rule.alertName == alertName {
            for a in engine.alerts.values where a.key.rule == rule.name && a.state == .firing {
                out.append(
                    ExpectedAlert(
                        labels: a.key.labels.merging(["alertname": alertName]) { _, b in b },
                        annotations: rule.annotations(labels: a.key.labels, value: a.value)))
            }
        }
        return out.sorted(by: alertOrder)
    }

    static func alertOrder(_ a: ExpectedAlert, _ b: ExpectedAlert) -> Bool {
        labelString(a.labels) < labelString(b.labels)
    }

    static func check(_ t: ExprTest, store: SeriesStore) -> String? {
        let head = "    expr: \(goQuote(t.expr)), time: \(duration(t.evalTimeMs))"
        guard let query = t.query else { return head + ", err: \(t.parseError ?? "no expression")" }
        var got: [(Labels, Double)] = []
        do {
            switch try Evaluator(source: store).evaluate(query, at: t.evalTimeMs) {
            case .vector(let v): got = v.map { ($0.labels, $0.value) }
            case .scalar(let x, _): got = [(Labels(), x)]
            default: return head + ", err: the expression must yield a vector or a scalar"
            }
        } catch {
            return head + ", err: \(error.message)"
        }
        var exp: [(Labels, Double)] = []
        for s in t.expected {
            switch RuleTestLoader.labels(s.labels) {
            case .success(let l): exp.append((l, s.value))
            case .failure: return head + ", err: labels \(goQuote(s.labels)): could not parse"
            }
        }
        let order: ((Labels, Double), (Labels, Double)) -> Bool = { labelString(dict($0.0)) < labelString(dict($1.0)) }
        got.sort(by: order)
        exp.sort(by: order)
        // Exact, as promtool 2.42 compares (NaN is never equal).
        if got.count == exp.count, zip(got, exp).allSatisfy({ $0.0 == $1.0 && $0.1 == $1.1 }) { return nil }
        return head + ",\n        exp: " + samples(exp) + "\n        got: " + samples(got)
    }

    static func samples(_ s: [(Labels, Double)]) -> String {
        s.map { labelString(dict($0.0)) + " " + goE($0.1) }
            .joined(separator: "\n        ")
    }

    static func describe(_ alerts: [ExpectedAlert]) -> String {
        guard !alerts.isEmpty else { return "[]" }
        var s = "["
        for (i, a) in alerts.enumerated() {
            s += (i == 0 ? "\n" : ",\n") + "\(i):"
            s += indent("\nLabels:" + labelString(a.labels) + "\nAnnotations:" + labelString(a.annotations), "  ")
        }
        return s + "\n]"
    }

    static func indent(_ s: String, _ by: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { i, line in
            i == 0 ? String(line) : by + line
        }.joined(separator: "\n")
    }

    /// `{a="b", c="d"}`, sorted by name, as Prometheus prints labels.
    static func labelString(_ m: [String: String]) -> String {
        "{" + m.sorted { $0.key < $1.key }.map { "\($0.key)=\(goQuote($0.value))" }.joined(separator: ", ") + "}"
    }

    static func goQuote(_ s: String) -> String { Quoting.go(s) }

    /// Go's `FormatFloat(v, 'E', -1, 64)`: `5E+01`, `1.5E+00`.
    static func goE(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == 0 { return (v.sign == .minus ? "-" : "") + "0E+00" }
        let (digits, point) = TemplateFormat.shortestDigits(abs(v))
        return (v < 0 ? "-" : "") + TemplateFormat.scientific(digits, exponent: point - 1, e: "E")
    }

    static func dict(_ l: Labels) -> [String: String] { Dictionary(l.pairs.map { ($0.name, $0.value) }) { a, _ in a } }

    static func duration(_ ms: Int64) -> String { PromDuration(milliseconds: ms).description }
}
