import Testing

@testable import VigilCore

/// The store's rings: one block for all series, times kept in 32 bits
/// after each series' base, slots grown as series fill up.
@Suite struct PointRingsTests {
    static let day: Int64 = 86_400_000

    @Test func timesComeBackExactlyAcrossRebasing() {
        var store = SeriesStore(capacity: 100)
        let l = Labels(["__name__": "daily"])
        // A sample a day for 120 days: past 49 days from the first, the
        // series is based anew on its oldest point that leaves room.
        let start: Int64 = 1_764_000_000_123
        for d in 0..<120 { store.append(l, Point(t: start + Int64(d) * Self.day, v: Double(d))) }
        let kept = store.points(of: 0)
        // What fits in 2^32 ms (49.7 days) before the newest point.
        #expect(kept.map(\.v) == (70..<120).map(Double.init))
        #expect(kept.map(\.t) == (70..<120).map { start + Int64($0) * Self.day })
    }

    @Test func aRingWrapsAndGrowsKeepingTheNewest() {
        var store = SeriesStore(capacity: 200)
        store.pointBudget = 1000
        store.minCapacity = 2
        // Three series: 200 points each fit (600 ≤ 1000); the slots start
        // at 64 and double as the first ring fills.
        for i in 0..<3 {
            for t in 0..<250 {
                store.append(
                    Labels(["__name__": "x", "i": "\(i)"]), Point(t: Int64(t) * 1000, v: Double(i * 1000 + t)))
            }
        }
        for i in 0..<3 {
            #expect(store.points(of: i).map(\.v) == (50..<250).map { Double(i * 1000 + $0) })
        }
        #expect(store.points(of: 1, minT: 100_000, maxT: 102_000).map(\.t) == [100_000, 101_000, 102_000])
    }

    @Test func outlandishTimestampsNeitherCrashNorMisplacePoints() {
        var store = SeriesStore(capacity: 10)
        let l = Labels(["__name__": "odd"])
        store.append(l, Point(t: .min, v: 1))
        store.append(l, Point(t: 0, v: 2))
        store.append(l, Point(t: .max - 1, v: 3))
        store.append(l, Point(t: 5, v: 4))  // older than the newest: dropped
        #expect(store.points(of: 0).map(\.v) == [3])
        #expect(store.points(of: 0).map(\.t) == [.max - 1])
    }
}
