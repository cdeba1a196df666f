import Foundation
import Testing
import VigilCore
import VigilHistory

/// Long windows read the store's minute averages on a thread of their
/// own, and one process at a time records a state directory (issue 12).
@Suite struct LongWindowReadTests {
    static func directory() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-long-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func theReaderAnswersWithMinuteAveragesAtEachMinutesLastPoint() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t0: Int64 = 1_764_000_000_000
        let store = try HistoryStore(path: dir + "/history.sqlite")
        // Three minutes of a point every 20 s: 0,1,2 then 3,4,5 then 6,7,8.
        try store.write(
            (0..<9).map { HistoryPoint(metric: "errors", labels: Labels(), t: t0 + Int64($0) * 20_000, v: Double($0)) })
        let reader = HistoryReader(path: dir + "/history.sqlite")
        defer { reader.close() }
        // Two minutes are asked for; the third is memory's.
        reader.load(HistoryReader.Request(metrics: ["errors", "users"], from: t0, to: t0 + 120_000))
        var answers: [HistoryReader.Answer] = []
        for _ in 0..<500 where answers.isEmpty {
            answers = reader.take()
            if answers.isEmpty { Thread.sleep(forTimeInterval: 0.01) }
        }
        guard case .loaded(let stored, let from) = try #require(answers.first) else {
            Issue.record("not loaded: \(answers)")
            return
        }
        #expect(from == t0)
        #expect(stored.keys.sorted() == ["errors"])
        let points = try #require(stored["errors"]?[Labels()])
        #expect(points.map(\.0) == [t0 + 40_000, t0 + 100_000])
        #expect(points.map(\.1) == [1, 4])
    }

    @Test func oneRecorderAStateDirectoryTheOthersAreToldWhoRecords() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(RecorderLock.claim(directory: dir) == nil)
        // Another open file description conflicts, as another process's does.
        #expect(RecorderLock.claim(directory: dir) == "pid \(getpid())")
        let written = try String(contentsOfFile: dir + "/history.lock", encoding: .utf8)
        #expect(written == "\(getpid())\n")
    }
}
