import Testing

@testable import VigilCore

func parse(_ text: String, _ format: ExpositionFormat) throws -> [Sample] {
    try ExpositionParser.parseAll(bytes: Array(text.utf8), format: format)
}

func parseError(_ text: String, _ format: ExpositionFormat) -> ExpositionError? {
    do {
        _ = try parse(text, format)
        return nil
    } catch let e as ExpositionError {
        return e
    } catch {
        return nil
    }
}

@Suite struct PrometheusTextTests {
    @Test func everyTypeWithMetadata() throws {
        let text = """
            # HELP http_requests_total Requests, with a \\\\ backslash and a \\n newline.
            # TYPE http_requests_total counter
            http_requests_total{method="post",code="200"} 1027 1395066363000
            http_requests_total{method="post",code="400"}    3 1395066363000

            # A plain comment is ignored.
            # TYPE temperature gauge
            temperature -3.5
            # TYPE rpc_duration_seconds summary
            rpc_duration_seconds{quantile="0.5"} 4773
            rpc_duration_seconds_sum 1.7560473e+07
            rpc_duration_seconds_count 2693
            # TYPE latency histogram
            latency_bucket{le="0.1"} 33444
            latency_bucket{le="+Inf"} 144320
            latency_sum 53423
            latency_count 144320
            untyped_metric{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9
            utf8_metric{city="Zürich 東京 🚀"} +Inf
            nan_metric NaN
            neg_inf -Inf
            metric_without_newline 12
            """
        let samples = try parse(text, .prometheus)
        #expect(samples.count == 15)
        #expect(samples[0].family == "http_requests_total" && samples[0].type == .counter)
        #expect(samples[0].labels == [Label("method", "post"), Label("code", "200")])
        #expect(samples[0].timestampMs == 1_395_066_363_000)
        #expect(samples[1].value == 3)
        #expect(samples[2].type == .gauge && samples[2].value == -3.5)
        #expect(samples[3].family == "rpc_duration_seconds" && samples[3].type == .summary)
        #expect(samples[4].name == "rpc_duration_seconds_sum" && samples[4].family == "rpc_duration_seconds")
        #expect(samples[4].value == 1.7560473e+07)
        #expect(samples[6].family == "latency" && samples[6].type == .histogram && samples[6].name == "latency_bucket")
        #expect(samples[7].labels == [Label("le", "+Inf")])
        #expect(samples[10].type == .untyped)
        #expect(
            samples[10].labels == [
                Label("path", "C:\\DIR\\FILE.TXT"), Label("error", "Cannot find file:\n\"FILE.TXT\""),
            ])
        #expect(samples[11].labels[0].value == "Zürich 東京 🚀")
        #expect(samples[11].value == .infinity)
        #expect(samples[12].value.isNaN)
        #expect(samples[13].value == -.infinity)
        #expect(samples[14].value == 12)
    }

    @Test func valuesParseExactly() throws {
        let cases: [(String, Double)] = [
            ("0", 0), ("-0", -0.0), ("1e3", 1000), ("1E-3", 0.001), (".5", 0.5), ("5.", 5),
            ("0.1", 0.1), ("123456789012345678901234567890", 123456789012345678901234567890.0),
            ("2.2250738585072014e-308", 2.2250738585072014e-308), ("1.7976931348623157e308", 1.7976931348623157e308),
            // 9007199254740993 is halfway between doubles: it rounds to even.
            ("0.30000000000000004", 0.30000000000000004), ("9007199254740993", 9_007_199_254_740_992),
            ("inf", .infinity), ("-Infinity", -.infinity), ("+inf", .infinity), ("4.35", 4.35),
            ("1e-400", 0), ("1e400", .infinity),
        ]
        for (text, expected) in cases {
            let v = try parse("m \(text)\n", .prometheus)[0].value
            #expect(v.bitPattern == expected.bitPattern, "\(text) gave \(v)")
        }
    }

    @Test(arguments: [
        ("m{a=\"b\"} x\n", "1:10: invalid value 'x'"),
        ("m{a=\"b} 1\n", "1:5: unterminated label value"),
        ("m{a=\"b\" 1\n", "1:9: expected ',' or '}' after a label value"),
        ("m{1a=\"b\"} 1\n", "1:3: invalid label name"),
        ("m{a=\"b\",a=\"c\"} 1\n", "1:9: duplicate label name 'a'"),
        ("m 1 abc\n", "1:5: invalid timestamp"),
        ("m 1 2 3\n", "1:7: unexpected text after the sample"),
        ("# TYPE m counter\n# TYPE m gauge\nm 1\n", "2:8: second TYPE line for m"),
        ("m 1\n# TYPE m counter\n", "2:8: TYPE or HELP for m after its samples"),
        ("# TYPE m bogus\n", "1:10: invalid metric type 'bogus'"),
        ("m{a=\"\u{FF}\"} 1\n", ""),
        ("{a=\"b\"} 1\n", "1:1: expected a metric name"),
        ("m\n", "1:2: expected a space before the value"),
    ])
    func rejects(_ input: String, _ expected: String) {
        var bytes = Array(input.utf8)
        // Put a raw 0xFF byte (invalid UTF-8) where the test text has ÿ.
        if let i = bytes.firstIndex(of: 0xC3), bytes[i + 1] == 0xBF {
            bytes.replaceSubrange(i...(i + 1), with: [0xFF])
        }
        do {
            _ = try ExpositionParser.parseAll(bytes: bytes, format: .prometheus)
            Issue.record("accepted invalid input \(input.debugDescription)")
        } catch {
            if expected.isEmpty {
                #expect(error.message.contains("UTF-8"))
            } else {
                #expect(error.description == expected)
            }
        }
    }

    @Test func contentTypeChoosesFormat() {
        #expect(
            ExpositionFormat(contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8") == .openMetrics)
        #expect(ExpositionFormat(contentType: "text/plain; version=0.0.4") == .prometheus)
        #expect(ExpositionFormat(contentType: nil) == .prometheus)
        #expect(ExpositionFormat(contentType: "text/html") == .prometheus)
    }
}

@Suite struct OpenMetricsTests {
    static let valid = """
        # TYPE acme_http_router_request_seconds summary
        # UNIT acme_http_router_request_seconds seconds
        # HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
        acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
        acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
        acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
        # TYPE go_goroutines gauge
        go_goroutines 69
        # TYPE process_cpu_seconds counter
        # UNIT process_cpu_seconds seconds
        process_cpu_seconds_total 4.20072246e+06 # {trace_id="abc"} 1.0 1520879607.789
        process_cpu_seconds_created 1520879607.7
        # TYPE foo histogram
        foo_bucket{le="0.01"} 0
        foo_bucket{le="0.1"} 8 # {} 0.054
        foo_bucket{le="1"} 11 # {trace_id="KOO5S4vxi0o"} 0.67
        foo_bucket{le="+Inf"} 17
        foo_count 17
        foo_sum 324789.3
        foo_created 1520430000.123
        # TYPE queue gaugehistogram
        queue_bucket{le="1"} 2
        queue_bucket{le="+Inf"} 5
        queue_gcount 5
        queue_gsum 3.5
        # TYPE build info
        build_info{version="1.2.3"} 1
        # TYPE feature stateset
        feature{feature="a"} 1
        feature{feature="b"} 0
        # TYPE mystery unknown
        mystery{a="\\"q\\""} NaN 17
        # EOF

        """

    @Test func everyType() throws {
        let s = try parse(Self.valid, .openMetrics)
        #expect(s.count == 21)
        #expect(
            s[0].family == "acme_http_router_request_seconds" && s[0].type == .summary && s[0].name.hasSuffix("_sum"))
        #expect(s[2].name == "acme_http_router_request_seconds_created" && s[2].value == 1_605_281_325)
        #expect(
            s[4].family == "process_cpu_seconds" && s[4].name == "process_cpu_seconds_total" && s[4].type == .counter)
        #expect(s[4].exemplar == Exemplar(labels: [Label("trace_id", "abc")], value: 1, timestampMs: 1_520_879_607_789))
        #expect(s[7].exemplar?.labels == [] && s[7].exemplar?.value == 0.054)
        #expect(s[9].name == "foo_bucket" && s[9].labels == [Label("le", "+Inf")])
        #expect(s[13].type == .gaugehistogram && s[15].name == "queue_gcount")
        #expect(s[17].type == .info && s[17].name == "build_info")
        #expect(s[18].type == .stateset)
        #expect(s[20].type == .unknown && s[20].value.isNaN && s[20].timestampMs == 17_000)
        #expect(s[20].labels == [Label("a", "\"q\"")])
    }

    @Test(arguments: [
        ("m 1\n", "2:1: missing # EOF at the end"),
        ("m 1\n\n# EOF\n", "2:1: empty line"),
        ("m 1\n# EOF\nm 2\n", "3:1: content after # EOF"),
        ("# TYPE m gauge\nm  1\n# EOF\n", "2:3: more than one space"),
        ("# TYPE m gauge\nm\t1\n# EOF\n", "2:2: expected a space, found a tab"),
        ("# TYPE m untyped\n# EOF\n", "1:10: invalid metric type 'untyped'"),
        (
            "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n# EOF\n",
            "5:1: metric family a appears twice (families must not be interleaved)"
        ),
        (
            "# TYPE m_seconds gauge\n# UNIT m_seconds bytes\n# EOF\n",
            "2:18: unit 'bytes' is not a suffix of the metric name m_seconds"
        ),
        ("# TYPE c counter\nc_total -1\n# EOF\n", "2:9: a counter's _total must not be NaN or negative"),
        (
            "# TYPE c counter\nc 1\n# EOF\n",
            "2:1: sample c does not belong to counter family c (expected c_total, c_created)"
        ),
        (
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"0.5\"} 1\n# EOF\n",
            "3:20: histogram buckets are not in increasing le order"
        ),
        (
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n# EOF\n",
            "3:21: histogram bucket counts decrease"
        ),
        ("# TYPE h histogram\nh_bucket{le=\"1\"} 2\n# EOF\n", "3:6: histogram is missing its +Inf bucket"),
        ("# TYPE h histogram\nh_bucket 2\n# EOF\n", "2:10: histogram bucket needs a numeric le label"),
        (
            "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_count 4\n# EOF\n",
            "3:9: histogram count 4.0 differs from its +Inf bucket 3.0"
        ),
        ("# TYPE s summary\ns{quantile=\"2\"} 1\n# EOF\n", "2:17: quantile 2.0 is outside [0, 1]"),
        ("# TYPE i info\ni_info 2\n# EOF\n", "2:8: info value must be 1"),
        ("# TYPE s stateset\ns{s=\"a\"} 2\n# EOF\n", "2:10: stateset value must be 0 or 1"),
        (
            "# TYPE g gauge\ng 1 # {a=\"b\"} 1\n# EOF\n",
            "2:3: exemplars are only allowed on counter totals and histogram buckets"
        ),
        ("m{a=\"b\",} 1\n# EOF\n", "1:9: trailing comma in label set"),
        ("# random comment\n# EOF\n", "1:3: unknown comment '# random'"),
        ("# TYPE g gauge\n# HELP g one\n# HELP g two\n# EOF\n", "3:8: second HELP line for g"),
    ])
    func rejects(_ input: String, _ expected: String) {
        guard let e = parseError(input, .openMetrics) else {
            Issue.record("accepted invalid OpenMetrics \(input.debugDescription)")
            return
        }
        #expect(e.description == expected)
    }

    @Test func longExemplarIsRejected() {
        let long = String(repeating: "x", count: 130)
        let text = "# TYPE c counter\nc_total 1 # {id=\"\(long)\"} 1\n# EOF\n"
        #expect(parseError(text, .openMetrics)?.message == "exemplar labels exceed 128 characters")
    }

    @Test func trailingNewlineAfterEOFIsOptional() throws {
        #expect(try parse("m 1\n# EOF", .openMetrics).count == 1)
        #expect(try parse("m 1\n# EOF\n", .openMetrics).count == 1)
    }
}

/// parse ∘ render = identity, over randomly generated expositions.
@Suite struct RoundTripProperty {
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 17
        }
        mutating func pick<T>(_ xs: [T]) -> T { xs[Int(next() % UInt64(xs.count))] }
        mutating func value() -> Double {
            switch next() % 8 {
            case 0: return .nan
            case 1: return pick([Double.infinity, -.infinity, 0, -0.0])
            case 2: return Double(Int64(next() % 2_000_000)) - 1_000_000
            case 3: return Double(bitPattern: next() << 13 | next() % 8192)  // any finite or not
            default: return (Double(next() % 1_000_000) / 997) * pick([1, -1, 1e-9, 1e12])
            }
        }
        mutating func labelValue() -> String {
            let pieces = ["a", "\\", "\"", "\n", "é", "東", "🚀", " ", "{", "}", ",", "=", "#"]
            return (0..<Int(next() % 6)).map { _ in pick(pieces) }.joined()
        }
    }

    static func samples(seed: UInt64, format: ExpositionFormat) -> [Sample] {
        var g = Generator(state: seed)
        var out: [Sample] = []
        for f in 0..<Int(1 + g.next() % 6) {
            let family = "fam_\(f)"
            let type: MetricType =
                format == .prometheus ? g.pick([.gauge, .untyped, .counter]) : g.pick([.gauge, .unknown])
            for _ in 0..<Int(1 + g.next() % 4) {
                var labels: [Label] = []
                for l in 0..<Int(g.next() % 4) { labels.append(Label("l\(l)", g.labelValue())) }
                var v = g.value()
                if v.isNaN && !StaleMarker.isStale(v) { v = .nan }
                let ts: Int64? = g.next() % 3 == 0 ? Int64(g.next() % 2_000_000_000_000) : nil
                out.append(Sample(family: family, type: type, name: family, labels: labels, value: v, timestampMs: ts))
            }
        }
        return out
    }

    @Test(arguments: 0..<200)
    func parseOfRenderIsIdentity(seed: Int) throws {
        for format in ExpositionFormat.allCases {
            let original = Self.samples(seed: UInt64(seed) &* 7919 &+ 1, format: format)
            let text = ExpositionWriter.render(original, format: format)
            // Random series repeat and interleave, which OpenMetrics'
            // rules forbid: this is about the syntax.
            let parsed = try ExpositionParser.parseAll(bytes: Array(text.utf8), format: format, strict: false)
            #expect(parsed == original, "\(format) seed \(seed):\n\(text)")
            #expect(ExpositionWriter.render(parsed, format: format) == text)
        }
    }
}
