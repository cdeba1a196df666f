import Testing

@testable import VigilCore

/// The scrape cache: a body ingested through it leaves the store exactly
/// as the sample-by-sample ingest does, while series seen before cost no
/// label decoding and series no query selects are skipped on their bytes.
@Suite struct ScrapeCacheTests {
    static let target = Labels(["job": "api", "instance": "127.0.0.1:9"])

    static let bodies = [
        """
        # TYPE http_requests_total counter
        http_requests_total{code="200",path="/a"} 10
        http_requests_total{code="500",path="/a"} 1
        # TYPE temperature gauge
        temperature{room="k\\"itchen"} 21.5
        other_total 3

        """,
        // A series gone (code 500), one new (path /b), a sample with its
        // own timestamp, and the same series written twice.
        """
        # TYPE http_requests_total counter
        http_requests_total{code="200",path="/a"} 12
        http_requests_total{code="200",path="/b"} 1 1764000001500
        # TYPE temperature gauge
        temperature{room="k\\"itchen"} 22
        temperature{room="k\\"itchen"} 23
        other_total 4

        """,
        """
        # TYPE http_requests_total counter
        http_requests_total{code="200",path="/a"} 15
        http_requests_total{code="500",path="/a"} 2

        """,
        // The same series in another order: each value goes to its own
        // series, not to the one the previous scrape had on that line.
        """
        # TYPE http_requests_total counter
        http_requests_total{code="500",path="/a"} 3
        http_requests_total{code="200",path="/a"} 16

        """,
        // One added in the middle, and the order back as it was.
        """
        # TYPE http_requests_total counter
        http_requests_total{code="200",path="/a"} 17
        http_requests_total{code="404",path="/a"} 1
        http_requests_total{code="500",path="/a"} 4

        """,
        """
        # TYPE http_requests_total counter
        http_requests_total{code="200",path="/a"} 18
        http_requests_total{code="404",path="/a"} 2
        http_requests_total{code="500",path="/a"} 5

        """,
    ]

    static func dump(_ store: SeriesStore) -> [String] {
        (0..<store.seriesCount).map { id in
            let points = store.points(of: id).map { p in
                StaleMarker.isStale(p.v) ? "\(p.t)=stale" : "\(p.t)=\(p.v)"
            }
            return "\(store.labels(of: id)) \(points.joined(separator: " "))"
        }.sorted()
    }

    static func selecting(_ names: [String]) -> RetentionFilter {
        .selectedBy(names.map { [try! LabelMatcher(Labels.metricName, .equal, $0)] })
    }

    @Test(arguments: [nil, ["http_requests_total", "up"]])
    func theCachedIngestLeavesTheStoreAsTheSampleIngestDoes(names: [String]?) throws {
        let filter = names.map(Self.selecting) ?? .everything
        var cached = SeriesStore(capacity: 10, filter: filter)
        var plain = SeriesStore(capacity: 10, filter: filter)
        for (i, body) in Self.bodies.enumerated() {
            let t = 1_764_000_000_000 + Int64(i) * 1000
            let bytes = Array(body.utf8)
            let n = try cached.ingest(
                target: "api", targetLabels: Self.target, body: bytes, format: .prometheus, limit: 100, timeMs: t,
                durationSeconds: 0.01)
            let samples = try ExpositionParser.parseAll(bytes: bytes, format: .prometheus)
            #expect(n == samples.count)
            plain.ingest(target: "api", targetLabels: Self.target, samples: samples, timeMs: t, durationSeconds: 0.01)
        }
        #expect(Self.dump(cached) == Self.dump(plain))
        #expect(Self.dump(cached).contains { $0.contains("1764000002000=stale") })
        // The last body kept the order of the one before: no table made.
        #expect(cached.caches["api"]?.lookup == nil)
        #expect(
            Self.dump(cached).contains {
                $0.contains("code=\"500\"") && $0.hasSuffix("1764000004000=4.0 1764000005000=5.0")
            })
    }

    @Test func seriesNoQuerySelectsAreSkippedButCounted() throws {
        var store = SeriesStore(capacity: 10, filter: Self.selecting(["temperature", "scrape_samples_scraped"]))
        let n = try store.ingest(
            target: "api", targetLabels: Self.target, body: Array(Self.bodies[0].utf8), format: .prometheus,
            limit: 100, timeMs: 1000, durationSeconds: 0.01)
        #expect(n == 4)
        #expect(
            (0..<store.seriesCount).compactMap { store.labels(of: $0).name }.sorted() == [
                "scrape_samples_scraped", "temperature",
            ])
        let scraped = store.latest(
            matching: [try LabelMatcher(Labels.metricName, .equal, "scrape_samples_scraped")], minT: 0, maxT: .max)
        #expect(scraped.map(\.1.v) == [4])
        // Each line has its cache entry: the skipped ones as skipped.
        #expect(store.caches["api"]?.ids.sorted() == [-1, -1, -1, 0])
    }

    @Test func aBodyOverTheLimitOrBrokenHalfWayLeavesNothing() throws {
        var store = SeriesStore(capacity: 10)
        let body = Array(Self.bodies[0].utf8)
        #expect(throws: ScrapeIngestError.self) {
            try store.ingest(
                target: "api", targetLabels: Self.target, body: body, format: .prometheus, limit: 3, timeMs: 1000,
                durationSeconds: 0.01)
        }
        let broken = Array((Self.bodies[0] + "temperature{room=\"x\" 1\n").utf8)
        #expect(throws: ScrapeIngestError.self) {
            try store.ingest(
                target: "api", targetLabels: Self.target, body: broken, format: .prometheus, limit: 100, timeMs: 1000,
                durationSeconds: 0.01)
        }
        #expect((0..<store.seriesCount).allSatisfy { store.points(of: $0).isEmpty })
    }

    @Test func aBodyBrokenHalfWayLeavesACacheTheNextBodyReadsRight() throws {
        var cached = SeriesStore(capacity: 10)
        var plain = SeriesStore(capacity: 10)
        // The broken body overwrites the cache's first lines with other
        // series (and one new) before it fails.
        let broken = """
            http_requests_total{code="500",path="/a"} 7
            http_requests_total{code="200",path="/c"} 7
            temperature{room="x" 1

            """
        for (i, body) in [Self.bodies[0], broken, Self.bodies[1], Self.bodies[0]].enumerated() {
            let t = 1_764_000_000_000 + Int64(i) * 1000
            let bytes = Array(body.utf8)
            do {
                _ = try cached.ingest(
                    target: "api", targetLabels: Self.target, body: bytes, format: .prometheus, limit: 100,
                    timeMs: t, durationSeconds: 0.01)
            } catch {
                #expect(body == broken)
                continue
            }
            let samples = try ExpositionParser.parseAll(bytes: bytes, format: .prometheus)
            plain.ingest(target: "api", targetLabels: Self.target, samples: samples, timeMs: t, durationSeconds: 0.01)
        }
        // The series the broken body made have no points in either.
        #expect(Self.dump(cached).filter { !$0.contains("/c") } == Self.dump(plain))
    }

    @Test func aTargetWhoseSeriesChurnDoesNotGrowItsCacheForEver() throws {
        var store = SeriesStore(capacity: 4, filter: Self.selecting(["up"]))
        for scrape in 0..<20 {
            let body = (0..<1000).map { "requests_total{request_id=\"\(scrape)-\($0)\"} 1\n" }.joined()
            _ = try store.ingest(
                target: "api", targetLabels: Self.target, body: Array(body.utf8), format: .prometheus, limit: 10_000,
                timeMs: Int64(scrape) * 1000, durationSeconds: 0.01)
            #expect(store.caches["api"]?.ids.count == 1000)
            #expect((store.caches["api"]?.lookup?.count ?? 0) <= 2 * 1000 + 1024)
        }
    }

    @Test(
        arguments: [
            // One byte changed, the length the same.
            ("x{a=\"200\"} 1\n", "x{a=\"201\"} 2\n"),
            // Shorter: the old length ends in the next line, on a brace.
            ("x{a=\"ab\"} 1\nz{} 1\n", "x{} 2\nz{} 2\n"),
            // A brace inside a value; a brace where the old set ended.
            ("x{a=\"1\",b=\"}\"} 1\nx{a=\"1\"} 1\n", "x{a=\"1\",b=\"}\"} 2\nx{a=\"12}\"} 3\n"),
            // An escaped quote; blanks before the label set.
            ("x{a=\"\\\"}\"} 1\ny {b=\"1\"} 1\n", "x{a=\"\\\"}\"} 2\ny {b=\"1\"} 2\n"),
            // Longer: the old length ends inside the new label set.
            ("x{a=\"1\"} 1\n", "x{a=\"1\",b=\"}\"} 2\n"),
        ] as [(String, String)])
    func aLineIsTakenForThePreviousScrapesOnlyWhenItsBytesAreTheSame(first: String, second: String) throws {
        var cached = SeriesStore(capacity: 10)
        var plain = SeriesStore(capacity: 10)
        for (i, body) in [first, second, second].enumerated() {
            let t = 1_764_000_000_000 + Int64(i) * 1000
            let bytes = Array(body.utf8)
            _ = try cached.ingest(
                target: "api", targetLabels: Self.target, body: bytes, format: .prometheus, limit: 100, timeMs: t,
                durationSeconds: 0.01)
            let samples = try ExpositionParser.parseAll(bytes: bytes, format: .prometheus)
            plain.ingest(target: "api", targetLabels: Self.target, samples: samples, timeMs: t, durationSeconds: 0.01)
        }
        #expect(Self.dump(cached) == Self.dump(plain))
    }

    @Test func keysTellSeriesApartByEveryByte() {
        let a = SeriesKey(Array("http_requests_total{code=\"200\"}".utf8))
        let b = SeriesKey(Array("http_requests_total{code=\"201\"}".utf8))
        let c = SeriesKey(Array("http_requests_total{code=\"200\"}".utf8))
        #expect(a != b)
        #expect(a == c)
        // Lengths not a multiple of eight, and the empty key.
        var keys = Set<SeriesKey>()
        for n in 0..<64 { keys.insert(SeriesKey(Array(repeating: UInt8(ascii: "a"), count: n))) }
        #expect(keys.count == 64)
    }
}

/// The store's memory is bounded by a budget of points: past it each
/// series keeps its share, never less than what the queries' ranges need.
@Suite struct PointBudgetTests {
    func fill(_ store: inout SeriesStore, series: Range<Int>, points: Range<Int64>) {
        for i in series {
            for t in points { store.append(Labels(["__name__": "x", "i": String(i)]), Point(t: t, v: Double(t))) }
        }
    }

    func kept(_ store: SeriesStore, _ i: Int) -> [Int64] {
        store.series(
            matching: [try! LabelMatcher("i", .equal, String(i))], minT: .min, maxT: .max
        ).first?.points.map(\.t) ?? []
    }

    @Test func seriesGiveBackTheirShareAsTheStoreGrowsButKeepWhatQueriesNeed() {
        var store = SeriesStore(capacity: 100)
        store.pointBudget = 1000
        store.minCapacity = 5
        fill(&store, series: 0..<10, points: 0..<200)
        #expect(store.ringCapacity == 100)
        #expect(kept(store, 3) == Array(100..<200))
        fill(&store, series: 10..<100, points: 0..<200)
        #expect(store.ringCapacity == 10)
        // An older series shrinks at its next point, keeping the newest.
        fill(&store, series: 3..<4, points: 200..<201)
        #expect(kept(store, 3) == Array(191..<201))
        fill(&store, series: 100..<1000, points: 0..<20)
        #expect(store.ringCapacity == 5)
        #expect(kept(store, 999) == Array(15..<20))
    }
}
