import Testing

@testable import VigilCore

@Suite struct SLOServerQueryTests {
    /// A gauge sampled every 5 minutes for 16 days, bad (1) in a pattern
    /// that is neither regular nor aligned to the pieces' boundaries.
    func store() -> SeriesStore {
        var store = SeriesStore(capacity: 5000)
        let target = Labels(["job": "api", "instance": "127.0.0.1:9464"])
        for i in 0..<(3 * 288) {
            let bad = (i * 7919) % 13 < 4 ? 1.0 : 0.0
            store.ingest(
                target: "api", targetLabels: target,
                samples: [Sample(family: "g", type: .gauge, name: "g", labels: [], value: bad)],
                timeMs: Int64(i) * 300_000, durationSeconds: 0)
        }
        return store
    }

    /// A month is asked in pieces of at most a week (VictoriaMetrics
    /// refuses a subquery of more than 30,000 points); here two days in
    /// pieces of 14 hours (Vigil's engine, the reference, evaluates at most
    /// 11,000 steps of a subquery, as Prometheus' range queries). The pieces together
    /// count every minute once, also when "now" falls on a minute, where
    /// pieces that shared their ends would count the boundary twice.
    @Test func windowPiecesCountEachMinuteOnce() throws {
        let store = store()
        let window: Int64 = 2 * 86_400_000
        let pieced = SLOServer.overWindow("count_over_time", "g > bool 0.5", ms: window, longest: 14 * 3_600_000)
        #expect(pieced.components(separatedBy: " or vector(0)").count == 5, "\(pieced)")
        #expect(!pieced.contains("[172800s:1m]"))
        let bad = SLOServer.overWindow("sum_over_time", "g > bool 0.5", ms: window, longest: 14 * 3_600_000)
        for at in [3 * 86_400_000 - 1, 3 * 86_400_000 - 60_000, 2 * 86_400_000 + 12_345] as [Int64] {
            for (pieces, whole) in [
                (pieced, "count_over_time((g > bool 0.5)[172800s:1m])"),
                (bad, "sum_over_time((g > bool 0.5)[172800s:1m])"),
            ] {
                let one = try #require(try eval(whole, store, at: at).first?.value)
                let sum = try #require(try eval(pieces, store, at: at).first?.value)
                #expect(sum == one, "at \(at): \(pieces) = \(sum), \(whole) = \(one)")
            }
        }
        // A window of a week or less stays one subquery, as before.
        #expect(SLOServer.overWindow("count_over_time", "x", ms: 86_400_000) == "count_over_time((x)[86400s:1m])")
        // Pieces with no data count 0 rather than emptying the sum.
        let young = try eval(pieced, store, at: 86_400_000)
        #expect(young.map(\.value) == [1440 + 1], "\(young)")
    }
}
