import Testing

@testable import VigilCore

/// The compact store: rings in one block with times kept in 32 bits after
/// each series' base and slots grown as series fill up; label values and
/// series found through tables of ids.
@Suite struct CompactStoreTests {
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

    @Test func idsWithOneHashAreToldApartByTheirKeys() {
        var table = IDTable()
        let keys = (0..<1000).map { "k\($0)" }
        // Every key under one of three hashes: long probe runs, and growth
        // (16 slots to 2048) moves them all.
        for (i, _) in keys.enumerated() { table.insert(Int32(i), hash: UInt64(i % 3)) { UInt64($0 % 3) } }
        #expect(table.count == 1000)
        for (i, k) in keys.enumerated() {
            #expect(table.find(hash: UInt64(i % 3)) { keys[Int($0)] == k } == Int32(i))
        }
        #expect(table.find(hash: 1) { keys[Int($0)] == "absent" } == nil)
    }

    @Test func seriesAreFoundAgainAndMatchedBySymbols() throws {
        var store = SeriesStore(capacity: 10)
        for i in 0..<300 {
            let l = Labels(["__name__": "req_total", "route": "/api/v1/route/number/\(i % 7)", "pod": "p-\(i)"])
            store.append(l, Point(t: 1000, v: Double(i)))
            store.append(l, Point(t: 2000, v: Double(i) + 1))
        }
        #expect(store.seriesCount == 300)
        let on3 = store.latest(
            matching: [
                try LabelMatcher(Labels.metricName, .equal, "req_total"),
                try LabelMatcher("route", .regex, ".*/3"),
                try LabelMatcher("pod", .notEqual, "p-3"),
            ], minT: 0, maxT: .max)
        #expect(on3.map(\.1.v).sorted() == stride(from: 10.0, to: 300, by: 7).map { $0 + 1 })
        #expect(on3.allSatisfy { $0.0["route"] == "/api/v1/route/number/3" })
        // A value no series holds, and a label none has ("" matches it).
        #expect(store.latest(matching: [try LabelMatcher("pod", .equal, "p-999")], minT: 0, maxT: .max).isEmpty)
        #expect(store.latest(matching: [try LabelMatcher("zone", .equal, "")], minT: 0, maxT: .max).count == 300)
    }
}
