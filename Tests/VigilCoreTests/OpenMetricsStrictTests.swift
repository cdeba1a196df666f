import Testing
import VigilCore

/// OpenMetrics 1.0's rules beyond its syntax: `vigil check metrics`
/// rejects each with its position, while a scrape (not strict) keeps what
/// Prometheus' parser keeps and says the rule beside.
@Suite struct OpenMetricsStrictTests {
    static func strictError(_ text: String) -> String? {
        ExpositionParser.violation(in: Array(text.utf8))?.description
    }

    @Test(arguments: [
        ("# TYPE c counter\nc_total NaN\n# EOF\n", "2:9: a counter's _total must not be NaN or negative"),
        (
            "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum -1\n# EOF\n",
            "4:7: a histogram's _sum must not be NaN or negative"
        ),
        ("# TYPE s summary\ns_sum NaN\ns_count 1\n# EOF\n", "2:7: a summary's _sum must not be NaN or negative"),
        ("# TYPE s summary\ns_count -2\n# EOF\n", "2:9: a summary's _count must not be NaN or negative"),
        (
            "# TYPE s summary\ns{quantile=\"0.5\"} -1\n# EOF\n",
            "2:19: a summary's quantile value must not be NaN or negative"
        ),
        (
            "# TYPE g gaugehistogram\ng_bucket{le=\"+Inf\"} 1\ng_gcount 1\ng_gsum -2\n# EOF\n",
            "4:8: a gauge histogram's _gsum must not be NaN or negative"
        ),
        (
            "# TYPE h histogram\nh_bucket{le=\"-1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum -3\n# EOF\n",
            "5:7: a histogram with a negative bucket must not expose _sum"
        ),
        (
            "# TYPE h histogram\nh_bucket{le=\"+inf\"} 1\nh_count 1\n# EOF\n",
            "2:21: the +Inf bucket's le must be spelled +Inf"
        ),
        (
            "# TYPE h histogram\nh_count 1\nh_bucket{le=\"+Inf\"} 1\n# EOF\n",
            "2:9: histogram _count comes before its buckets"
        ),
        (
            "# TYPE g gaugehistogram\ng_gcount 1\ng_bucket{le=\"+Inf\"} 1\n# EOF\n",
            "2:10: histogram _gcount comes before its buckets"
        ),
        (
            "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n# EOF\n",
            "4:1: histogram has _sum without _count"
        ),
        (
            "# TYPE g gaugehistogram\ng_bucket{le=\"+Inf\"} 1\ng_gsum 1\n# EOF\n",
            "4:1: gauge histogram has _gsum without _gcount"
        ),
        (
            "# TYPE g gauge\ng{a=\"1\"} 1\ng{a=\"2\"} 1\ng{a=\"1\"} 2\n# EOF\n",
            "4:1: samples of one label set are interleaved with another's in g"
        ),
        ("# TYPE g gauge\ng 1 2\ng 1 1\n# EOF\n", "3:1: timestamps of a series go backwards"),
        ("# TYPE g gauge\ng 1 1\ng 2\n# EOF\n", "3:1: a series mixes samples with and without timestamps"),
        ("# HELP g\n# EOF\n", "1:9: HELP for g has no text"),
        ("# UNIT g_seconds\n# EOF\n", "1:17: UNIT for g_seconds has no text"),
        ("# UNIT build_x x\n# TYPE build_x info\n# EOF\n", "2:8: a info family has no unit, and build_x has one"),
        (
            "# TYPE s_x stateset\n# UNIT s_x x\n# EOF\n",
            "2:8: a stateset family has no unit, and s_x has one"
        ),
        (
            "# TYPE a counter\na_total 1\n# TYPE a_created gauge\na_created 1\n# EOF\n",
            "3:8: family a_created clashes with the samples of counter a"
        ),
        (
            "# TYPE a_count gauge\na_count 1\n# TYPE a histogram\na_bucket{le=\"+Inf\"} 1\n# EOF\n",
            "3:8: histogram a makes samples named a_count, the name of another family"
        ),
    ])
    func strictRejectsWhatPrometheusKeeps(_ input: String, _ expected: String) throws {
        #expect(Self.strictError(input) == expected)
        // A scrape keeps it: Prometheus' parser does not hold it to these.
        let kept = try ExpositionParser.parseAll(bytes: Array(input.utf8), format: .openMetrics, strict: false)
        #expect(kept.count == input.split(separator: "\n").filter { !$0.hasPrefix("#") }.count)
    }

    @Test func unknownEscapesAreKeptAsWritten() throws {
        let text = "# HELP m a\\qb\n# TYPE m gauge\nm{a=\"x\\ty\"} 1\n# EOF\n"
        #expect(Self.strictError(text) == nil)
        let s = try ExpositionParser.parseAll(bytes: Array(text.utf8), format: .openMetrics)
        #expect(s.first?.labels == [Label("a", "x\\ty")])
    }

    @Test func timestampsOfAnyLengthAndPrecision() throws {
        for (ts, ms) in [
            ("1520879607.789123456789", Int64(1_520_879_607_789)), ("1e3", 1_000_000), ("0.0000001", 0),
            ("123456789012345678901234567890", 9_200_000_000_000_000_000),
        ] {
            let text = "m 1 \(ts)\n# EOF\n"
            #expect(Self.strictError(text) == nil, "\(ts)")
            let s = try ExpositionParser.parseAll(bytes: Array(text.utf8), format: .openMetrics)
            #expect(s.first?.timestampMs == ms, "\(ts)")
        }
    }

    @Test func validHistogramsAndBackfillPass() {
        let text = """
            # TYPE g gaugehistogram
            g_bucket{le="-1"} 1
            g_bucket{le="+Inf"} 2
            g_gcount 2
            g_gsum -3
            # TYPE h histogram
            h_bucket{le="1"} 1 10
            h_bucket{le="+Inf"} 2 10
            h_count 2 10
            h_sum 3 10
            h_bucket{le="1"} 2 20
            h_bucket{le="+Inf"} 3 20
            h_count 3 20
            h_sum 4 20
            # TYPE c counter
            c_total{a="1"} 1
            c_created{a="1"} 1
            c_total{a="2"} 1
            # EOF

            """
        #expect(Self.strictError(text) == nil)
    }
}
