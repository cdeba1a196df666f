import Testing

@testable import VigilCore

func eval(_ query: String, _ store: SeriesStore, at t: Int64) throws -> [QueryResultRow] {
    try InstantQuery.run(try QueryParser.parse(query), on: store, at: t)
}

@Suite struct SeriesStoreTests {
    let target = Labels(["job": "api", "instance": "127.0.0.1:9464"])

    func sample(_ name: String, _ labels: [Label] = [], _ v: Double) -> Sample {
        Sample(family: name, type: .gauge, name: name, labels: labels, value: v)
    }

    @Test func scrapesAddTargetLabelsAndScrapeSeries() throws {
        var store = SeriesStore(capacity: 10)
        store.ingest(
            target: "api", targetLabels: target, samples: [sample("temp", [Label("zone", "a")], 3)], timeMs: 1000,
            durationSeconds: 0.25)
        let rows = try eval("temp", store, at: 1000)
        #expect(
            rows.map(\.labels) == [
                Labels(["__name__": "temp", "zone": "a", "job": "api", "instance": "127.0.0.1:9464"])
            ])
        #expect(try eval("up", store, at: 1000).map(\.value) == [1])
        #expect(try eval("scrape_duration_seconds", store, at: 1000).map(\.value) == [0.25])
        #expect(try eval("scrape_samples_scraped", store, at: 1000).map(\.value) == [1])
        // An exporter's own job label wins over the target's, as with honor_labels.
        store.ingest(
            target: "api", targetLabels: target, samples: [sample("x", [Label("job", "mine")], 1)], timeMs: 2000,
            durationSeconds: 0.1)
        #expect(try eval("x", store, at: 2000).first?.labels["job"] == "mine")
    }

    @Test func vanishedSeriesGoStaleAtOnce() throws {
        var store = SeriesStore(capacity: 10)
        let both = [sample("m", [Label("k", "a")], 1), sample("m", [Label("k", "b")], 2)]
        store.ingest(target: "api", targetLabels: target, samples: both, timeMs: 1000, durationSeconds: 0)
        store.ingest(target: "api", targetLabels: target, samples: [both[0]], timeMs: 2000, durationSeconds: 0)
        // Without staleness b would linger for the 5 minute lookback.
        #expect(try eval("m", store, at: 2500).map { $0.labels["k"] } == ["a"])
        #expect(try eval("count_over_time(m[10s])", store, at: 2500).map(\.value) == [2, 1])
        // A failed scrape makes everything stale and up 0.
        store.ingestFailure(target: "api", targetLabels: target, timeMs: 3000, durationSeconds: 2)
        #expect(try eval("m", store, at: 3500).isEmpty)
        #expect(try eval("up", store, at: 3500).map(\.value) == [0])
        // And a series that comes back is live again.
        store.ingest(target: "api", targetLabels: target, samples: both, timeMs: 4000, durationSeconds: 0)
        #expect(try eval("m", store, at: 4000).count == 2)
    }

    @Test func ringKeepsTheNewestPoints() throws {
        var store = SeriesStore(capacity: 3)
        for t in 1...5 { store.append(Labels(["__name__": "g"]), Point(t: Int64(t) * 1000, v: Double(t))) }
        let pts = store.series(matching: [try LabelMatcher("__name__", .equal, "g")], minT: 0, maxT: .max)[0].points
        #expect(pts.map(\.v) == [3, 4, 5])
    }

    @Test func filterKeepsOnlySelectedSeries() throws {
        let config = try ConfigLoader.parse(
            "metrics: {a: {query: 'sum(rate(http_requests_total{code=~\"5..\"}[1m]))'}}\n", file: "t")
        var store = SeriesStore(capacity: 3, filter: .selectedBy(config.selectors))
        store.ingest(
            target: "api", targetLabels: target,
            samples: [
                sample("http_requests_total", [Label("code", "500")], 1),
                sample("http_requests_total", [Label("code", "200")], 9),
                sample("go_goroutines", [], 12),
            ], timeMs: 1000, durationSeconds: 0)
        #expect(store.seriesCount == 1)
        #expect(config.longestQueryReachMs == 60_000)
    }
}

@Suite struct QueryEngineTests {
    /// With samples exactly on the range boundaries nothing is
    /// extrapolated, so increase() must equal the counter's true increase
    /// across any resets, and rate() that divided by the range.
    @Test(arguments: 0..<100)
    func rateOverResetsEqualsTheIncrease(seed: Int) throws {
        var state = UInt64(seed + 1) &* 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var store = SeriesStore(capacity: 1000)
        var value = Double(next() % 100)
        var trueIncrease = 0.0
        let points = 2 + Int(next() % 30)
        for i in 0..<points {
            if i > 0 {
                if next() % 5 == 0 && value >= 1 {
                    // A restart: the counter starts over from zero and has
                    // counted a little since. It must land below where it
                    // was, or no one (Prometheus included) could see it.
                    value = min(Double(next() % 10), value - 1)
                    trueIncrease += value
                } else {
                    let step = Double(next() % 50)
                    value += step
                    trueIncrease += step
                }
            }
            store.append(Labels(["__name__": "c"]), Point(t: Int64(i) * 15_000, v: value))
        }
        let end = Int64(points - 1) * 15_000
        let range = "\(end / 1000)s"
        let increase = try eval("increase(c[\(range)])", store, at: end)
        let rate = try eval("rate(c[\(range)])", store, at: end)
        #expect(abs(increase[0].value - trueIncrease) <= 1e-9 * max(1, trueIncrease))
        #expect(abs(rate[0].value * Double(end) / 1000 - trueIncrease) <= 1e-9 * max(1, trueIncrease))
        #expect(try eval("resets(c[\(range)])", store, at: end)[0].value >= 0)
    }

    @Test(arguments: [
        ("sum(", 5, "unexpected end of query"),
        ("rate(x[5m:0s])", 11, "the subquery step must be positive"),
        ("rate(x[5m][10m:1m])", 11, "subquery is only allowed on an instant vector, got a range vector"),
        ("x[100y:1ms]", 2, "subquery of 3153600000000 steps: at most 11000 are evaluated"),
        (
            "rate(x[5m]) offset 1m", 13,
            "offset modifier must be preceded by an instant vector selector, a range vector selector or a subquery"
        ),
        ("(x)[5m]", 4, "ranges are only allowed on vector selectors"),
        ("rate(x)", 6, "expected a range vector as argument 1 of rate(), got an instant vector"),
        ("holt_winters(x[5m])", 1, "wrong number of arguments for holt_winters(): expected 3, got 1"),
        ("x @ begin()", 5, "the @ modifier takes a Unix time, start() or end()"),
        ("Rate(x[5m])", 1, "unknown or unsupported function 'Rate'"),
        ("1 > 2", 3, "comparisons between scalars must use the bool modifier"),
        ("{a=\"\"}", 1, "vector selector must contain at least one non-empty matcher"),
        ("x{a=~\"(\"}", 3, "invalid regular expression '('"),
        ("x[5m]", 1, "the query must yield an instant vector or a scalar, not a range vector"),
        ("sum by (a) (x) + on(b) group_left 1", 16, "vector matching only allowed between instant vectors"),
        ("x and 1", 3, "set operator 'and' not allowed in binary scalar expression"),
    ])
    func rejectsWithColumn(_ query: String, _ column: Int, _ message: String) {
        do {
            _ = try QueryParser.parse(query)
            Issue.record("accepted \(query)")
        } catch {
            #expect(error.column == column && error.message == message, "\(query): \(error)")
        }
    }

    @Test func matchingConflictsAreErrorsNotNumbers() throws {
        var store = SeriesStore(capacity: 10)
        for (svc, code) in [("a", "1"), ("a", "2")] {
            store.append(Labels(["__name__": "m", "svc": svc, "code": code]), Point(t: 0, v: 1))
        }
        store.append(Labels(["__name__": "n", "svc": "a"]), Point(t: 0, v: 1))
        #expect(throws: QueryEvaluationError.self) { try eval("n / on(svc) m", store, at: 0) }
        #expect(throws: QueryEvaluationError.self) { try eval("m / on(svc) n", store, at: 0) }
        #expect(try eval("m / on(svc) group_left n", store, at: 0).count == 2)
    }
}
