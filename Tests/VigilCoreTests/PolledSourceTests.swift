import Testing

@testable import VigilCore

/// The polled sources' scheduling, with the clock handed in: no socket.
@Suite struct PolledSourceTests {
    static func ok(_ body: String) -> FetchOutcome {
        FetchOutcome(.success(FetchResponse(status: 200, contentType: "application/json", body: Array(body.utf8))))
    }
    static let vector = #"{"status":"success","data":{"resultType":"vector","result":[]}}"#

    @Test func queriesNeverFloodASlowServerNorSpinOnWorkThatMustWait() {
        var q = PrometheusQueries(server: TargetConfig(name: "p", url: "http://127.0.0.1:9090"))
        for i in 0..<7 { q.instant(key: "k\(i)", query: "up", atMs: 1000) }
        // At most six in flight; the seventh waits for an answer, not a timer.
        let first = q.due(now: 1000)
        #expect(first.count == PrometheusQueries.maxInFlight && q.queued == 1 && q.nextDueMs == .max)
        // A newer request for a key in flight replaces its queued one and waits too.
        q.instant(key: "k0", query: "up", atMs: 2000)
        q.instant(key: "k0", query: "up", atMs: 3000)
        #expect(q.queued == 2 && q.nextDueMs == .max && q.due(now: 3000).isEmpty)
        // An answer frees a slot: k6 starts; k0's newer request once k0 is answered.
        q.take(tag: first[1].tag, Self.ok(Self.vector), now: 3100)
        #expect(q.nextDueMs == 0)
        let next = q.due(now: 3100)
        #expect(next.count == 1 && next[0].request.url.contains("time=1"))
        // A free slot and only k0's request waiting while k0 is in flight:
        // nothing can start, so nothing is due.
        q.take(tag: first[2].tag, Self.ok(Self.vector), now: 3150)
        #expect(q.inFlight == 5 && q.queued == 1 && q.nextDueMs == .max)
        q.take(tag: first[0].tag, Self.ok(Self.vector), now: 3200)
        #expect(q.nextDueMs == 0)
        let again = q.due(now: 3200)
        #expect(again.count == 1 && again[0].request.url.contains("time=3"))
        #expect(q.instants["k0"]?.rows.isEmpty == true && q.sent == 8)
    }

    /// A body that breaks an OpenMetrics rule Prometheus does not check
    /// is kept, with the rule as the target's warning (checked on the
    /// first scrape, then every ten minutes), cleared once it is mended.
    @Test func anOpenMetricsViolationIsAWarningNotAFailedScrape() {
        var t = TargetScrapes(
            targets: [ScrapeTarget(name: "a", request: FetchRequest(url: "http://127.0.0.1:9/m"), intervalMs: 5000)],
            store: SeriesStore(capacity: 10))
        func scrape(_ body: String, at now: Int64) {
            _ = t.due(now: now)
            let om = "application/openmetrics-text; version=1.0.0"
            t.take(
                tag: "0", FetchOutcome(.success(FetchResponse(status: 200, contentType: om, body: Array(body.utf8)))),
                now: now)
        }
        let bad = "# TYPE c counter\nc_total -1\n# EOF\n"
        scrape(bad, at: 0)
        #expect(t.health[0].up == true && t.health[0].samples == 1)
        #expect(t.health[0].warning == "not OpenMetrics 1.0 at 2:9: a counter's _total must not be NaN or negative")
        let good = "# TYPE c counter\nc_total 1\n# EOF\n"
        scrape(good, at: 5_000)
        #expect(t.health[0].warning != nil)  // not checked again yet
        scrape(good, at: 605_000)
        #expect(t.health[0].warning == nil)
    }

    @Test func scrapesKeepTheirCadenceAndFireNoBacklogAfterAStall() {
        var t = TargetScrapes(
            targets: [ScrapeTarget(name: "a", request: FetchRequest(url: "http://127.0.0.1:9/m"), intervalMs: 5000)],
            store: SeriesStore(capacity: 10))
        #expect(t.due(now: 0).count == 1)
        // In flight: not due again, whatever the clock says.
        #expect(t.due(now: 6000).isEmpty && t.nextDueMs == .max)
        t.take(tag: "0", FetchOutcome(.failure(.refused("127.0.0.1:9"))), now: 6000)
        #expect(t.nextDueMs == 5000)
        #expect(t.due(now: 6000).count == 1)
        t.take(tag: "0", FetchOutcome(.failure(.refused("127.0.0.1:9"))), now: 6100)
        // The next is on the 5 s grid, not 5 s after the late one.
        #expect(t.nextDueMs == 10_000)
        // After a long stall: one scrape, then the cadence from there.
        #expect(t.due(now: 60_000).count == 1)
        t.take(tag: "0", FetchOutcome(.failure(.refused("127.0.0.1:9"))), now: 60_100)
        #expect(t.nextDueMs == 62_500)
        #expect(t.health[0].scrapes == 3 && t.health[0].lastError == "refused (127.0.0.1:9)")
    }
}
