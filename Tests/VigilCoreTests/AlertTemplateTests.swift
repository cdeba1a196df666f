import Testing

@testable import VigilCore

/// Prometheus' alert templates: what rule files write, rendered as
/// Prometheus renders them (the promtool comparison covers the rest).
struct AlertTemplateTests {
    func render(_ text: String, _ labels: [String: String] = [:], value: Double = 0, external: [String: String] = [:])
        throws -> String
    {
        try AlertTemplate(text).render(TemplateData(labels: labels, value: value, externalLabels: external))
    }

    @Test func variablesFieldsAndPipelines() throws {
        let labels = ["instance": "api-1:8080", "job": "api"]
        #expect(
            try render("{{ $labels.instance }} of {{ .Labels.job }} at {{ $value }}", labels, value: 0.5)
                == "api-1:8080 of api at 0.5")
        #expect(try render("{{ $labels.instance | toUpper }}", labels) == "API-1:8080")
        #expect(try render("{{ $externalLabels.cluster }}", external: ["cluster": "eu"]) == "eu")
        // A missing label is empty, as a Go map of strings gives.
        #expect(try render("[{{ $labels.nope }}]", labels) == "[]")
        #expect(try render("{{ $x := humanize $value }}{{ $x }}!", value: 1500) == "1.5k!")
    }

    @Test func goPrintsFloatsItsOwnWay() throws {
        #expect(try render("{{ $value }}", value: 123_456) == "123456")
        #expect(try render("{{ $value }}", value: 1_234_567) == "1.234567e+06")
        #expect(try render("{{ $value }}", value: 0.0001) == "0.0001")
        #expect(try render("{{ $value }}", value: 0.00001) == "1e-05")
        #expect(try render("{{ $value }}", value: .nan) == "NaN")
        #expect(try render("{{ $value }}", value: -.infinity) == "-Inf")
    }

    @Test func humanizeFamily() throws {
        #expect(try render("{{ humanize $value }}", value: 1_234_567) == "1.235M")
        #expect(try render("{{ humanize $value }}", value: 0.0123) == "12.3m")
        #expect(try render("{{ humanize1024 $value }}", value: 1_073_741_824) == "1Gi")
        #expect(try render("{{ humanizeDuration $value }}", value: 90061) == "1d 1h 1m 1s")
        #expect(try render("{{ humanizeDuration $value }}", value: 0.25) == "250ms")
        #expect(try render("{{ humanizePercentage $value }}", value: 0.1234) == "12.34%")
    }

    @Test func conditionsAndComparisons() throws {
        let t = "{{ if gt $value 10.0 }}high{{ else if gt $value 1.0 }}some{{ else }}low{{ end }}"
        #expect(try render(t, value: 50) == "high")
        #expect(try render(t, value: 5) == "some")
        #expect(try render(t, value: 0) == "low")
        // Go refuses to compare a float with an int: so does Vigil, in the text.
        #expect(
            try render("{{ if gt $value 10 }}x{{ end }}", value: 50)
                == "<error expanding template: incompatible types for comparison>")
        #expect(try render("{{ if and (eq $labels.a \"x\") (not false) }}yes{{ end }}", ["a": "x"]) == "yes")
    }

    @Test func printfTrimAndComments() throws {
        #expect(try render("{{ printf \"%.2f%%\" $value }}", value: 12.345) == "12.35%")
        #expect(try render("{{ printf \"%d\" $value }}", value: 1.5) == "%!d(float64=1.5)")
        #expect(try render("a  {{- \"b\" -}}  c {{/* why */}}d") == "abc d")
        #expect(try render("{{ title \"checkout-api service\" }}") == "Checkout-Api Service")
    }

    @Test func syntaxErrorsSayWhere() {
        func failure(_ text: String) -> TemplateError? {
            do {
                _ = try AlertTemplate(text)
                return nil
            } catch { return error }
        }
        #expect(failure("ok {{ .Foo ")?.message == "unclosed action")
        #expect(
            failure("line one\n {{ nosuch $value }}")
                == TemplateError(message: "function \"nosuch\" not defined", line: 2, column: 2))
        #expect(failure("{{ if true }}x")?.message == "unexpected EOF: {{if}} without {{end}}")
        #expect(failure("{{ end }}")?.message == "unexpected {{end}}")
        #expect(
            failure("{{ range $labels }}{{ end }}")?.message == "{{range}} is not supported in Vigil's alert templates")
        #expect(failure("plain text") == nil)
    }

    /// What the fuzzer found (Fuzz/seeds/rules): values and formats that
    /// trapped or asked for a gigabyte, nesting that would exhaust the stack.
    @Test func hostileValuesAndFormats() throws {
        // Go's int64() of 1e300 is MinInt64 on amd64, and so is the text.
        #expect(try render("{{ humanizeDuration $value }}", value: 1e300) == "-106751991167300d -15h -30m -8s")
        #expect(try render("{{ humanizeTimestamp $value }}", value: 1e300) == "1e+300")
        #expect(try render("{{ printf \"%999999999d\" 7 }}").count == 200)
        #expect(try render("{{ printf \"%05.1f|%.0f|%-4s|\" $value $value \"ab\" }}", value: 2.25) == "002.2|2|ab  |")
        let deep = String(repeating: "(", count: 150) + "1" + String(repeating: ")", count: 150)
        #expect(throws: TemplateError.self) { try AlertTemplate("{{ \(deep) }}") }
        let ifs = String(repeating: "{{ if true }}", count: 150) + String(repeating: "{{ end }}", count: 150)
        #expect(throws: TemplateError.self) { try AlertTemplate(ifs) }
    }
}
