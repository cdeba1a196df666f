import Foundation
import Testing
import VigilCore
import VigilHistory

/// The history file: write, roll up, prune, reopen (issue 12).
@Suite struct HistoryStoreTests {
    func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vigil-history-\(UUID().uuidString).db").path
    }

    @Test func writesRollsUpPrunesAndReopens() throws {
        let file = path()
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + s) } }
        let t0: Int64 = 1_764_000_000_000  // a whole minute
        let api = Labels(["service": "api"])
        let web = Labels(["service": "web"])
        do {
            let store = try HistoryStore(path: file)
            // Two series, every 2 s for 3 minutes: 0, 1, 2, ... per series.
            var batch: [HistoryPoint] = []
            for i in 0..<90 {
                batch.append(HistoryPoint(metric: "latency", labels: api, t: t0 + Int64(i) * 2000, v: Double(i)))
                batch.append(HistoryPoint(metric: "latency", labels: web, t: t0 + Int64(i) * 2000, v: 100))
            }
            batch.append(HistoryPoint(metric: "errors", labels: Labels(), t: t0, v: .nan))  // not a value: skipped
            try store.write(Array(batch.prefix(100)))
            try store.write(Array(batch.dropFirst(100)))
        }
        let store = try HistoryStore(path: file)
        let points = try store.points(metric: "latency", from: t0, to: t0 + 180_000)
        #expect(points[api]?.count == 90 && points[web]?.count == 90)
        #expect(points[api]?.last.map { $0.1 } == 89)
        let rollups = try store.rollups(metric: "latency", from: t0, to: t0 + 180_000)
        // Minute one holds i = 0...29: min 0, max 29, average 14.5, last 29.
        let first = try #require(rollups[api]?.first)
        #expect(
            (first.minute, first.min, first.max, first.average, first.last, first.count) == (t0, 0, 29, 14.5, 29, 30))
        #expect(rollups[api]?.map(\.count) == [30, 30, 30])
        #expect(rollups[web]?.map(\.average) == [100, 100, 100])
        var summary = try store.summary()
        #expect(summary.metrics == ["latency"])
        #expect((summary.series, summary.points, summary.rollups) == (2, 180, 6))
        #expect(summary.firstMs == t0 && summary.lastMs == t0 + 178_000)
        #expect(summary.bytes > 0)
        // Raw points older than two days go; rollups stay for 35.
        try store.prune(now: t0 + 49 * 3_600_000)
        summary = try store.summary()
        #expect((summary.points, summary.rollups) == (0, 6))
        try store.prune(now: t0 + 36 * 86_400_000)
        summary = try store.summary()
        #expect((summary.series, summary.points, summary.rollups) == (0, 0, 0))
    }

    @Test func aFileThatIsNotAHistoryIsReportedNotUsed() throws {
        let file = path()
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: file))
        #expect {
            _ = try HistoryStore(path: file)
        } throws: { error in
            "\(error)".hasPrefix(file + ": ") && "\(error)".contains("not a database")
        }
    }
}
