import Testing

@testable import VigilCore

/// promtool's unit-test format run by Vigil's engine (the comparison with
/// promtool itself is in RuleFilesComparisonTests).
struct RuleTestRunnerTests {
    @Test func expandingNotation() throws {
        func values(_ s: String) throws -> [Double?] { try RuleTestLoader.expand(s).get() }
        #expect(try values("1+2x3") == [1, 3, 5, 7])
        #expect(try values("-2+4x3") == [-2, 2, 6, 10])
        #expect(try values(" 1-2x4") == [1, -1, -3, -5, -7])
        #expect(try values("5x2 _ _x2 7") == [5, 5, 5, nil, nil, nil, 7])
        #expect(try values("1e3+1e2x1") == [1000, 1100])
        let stale = try values("1 stale")
        #expect(stale.count == 2 && StaleMarker.isStale(stale[1]!))
        #expect(throws: RuleTestNotationError.self) { try RuleTestLoader.expand("1 two").get() }
    }

    static let rules = """
        groups:
          - name: g
            rules:
              - record: job:up:sum
                expr: sum by (job) (up)
              - alert: Down
                expr: job:up:sum == 0
                for: 2m
                labels: {severity: page}
                annotations: {summary: '{{ $labels.job }} down ({{ $value }})'}
        """

    func file(_ tests: [RuleTestGroup]) throws -> RuleTestFile {
        var f = RuleTestFile(path: "t.yml")
        f.ruleFiles = [try RuleFileLoader.parse(Self.rules, path: "r.yml")]
        f.tests = tests
        return f
    }

    func group(expecting firing: Bool, at ms: Int64, value: Double = 0) -> RuleTestGroup {
        var g = RuleTestGroup()
        g.series = [(Labels(["__name__": "up", "job": "api", "instance": "a"]), [1, 0, 0, 0, 0, 0])]
        g.alertTests = [
            AlertRuleTest(
                evalTimeMs: ms, alertName: "Down",
                expected: firing
                    ? [
                        ExpectedAlert(
                            labels: ["job": "api", "severity": "page"], annotations: ["summary": "api down (0)"])
                    ]
                    : [])
        ]
        g.exprTests = [
            ExprTest(
                expr: "job:up:sum", query: try? QueryParser.parse("job:up:sum"), evalTimeMs: 60_000,
                expected: [("job:up:sum{job=\"api\"}", value)])
        ]
        return g
    }

    @Test func holdsRecordedSeriesAndAnnotations() throws {
        // Down from 1m, held 2m: firing from 3m, not at 2m.
        #expect(RuleTestRunner.run(try file([group(expecting: true, at: 180_000)])) == [])
        #expect(RuleTestRunner.run(try file([group(expecting: false, at: 120_000)])) == [])
        let early = RuleTestRunner.run(try file([group(expecting: true, at: 120_000)]))
        #expect(
            early == [
                """
                    alertname: Down, time: 2m, 
                        exp:[
                            0:
                              Labels:{alertname="Down", job="api", severity="page"}
                              Annotations:{summary="api down (0)"}
                            ], 
                        got:[]
                """
            ])
        let wrong = RuleTestRunner.run(try file([group(expecting: true, at: 180_000, value: 2)]))
        #expect(
            wrong == [
                """
                    expr: "job:up:sum", time: 1m,
                        exp: {__name__="job:up:sum", job="api"} 2E+00
                        got: {__name__="job:up:sum", job="api"} 0E+00
                """
            ])
    }
}
