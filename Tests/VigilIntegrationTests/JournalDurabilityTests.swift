import Foundation
import Testing
import VigilCore

#if canImport(Glibc)
    import Glibc
#endif

/// A child process appends journal records in a loop and reports each one
/// after `append` returned; it is killed with SIGKILL at random moments,
/// 200 times. Every replay must parse and hold every reported record.
@Suite(.serialized) struct JournalDurabilityTests {
    @Test func everyWrittenRecordSurvivesSigkill() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var confirmed: [String: Set<Int64>] = [:]
        var rng = UInt64(7)
        for round in 0..<200 {
            let tag = "round-\(round)"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Support.vigil)
            p.arguments = ["journal-debug", "append", "--state-dir", dir.path, "--tag", tag]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            usleep(UInt32(5_000 + (rng >> 33) % 40_000))  // 5 to 45 ms in
            kill(p.processIdentifier, SIGKILL)
            let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            // Only whole lines count: the last one may be cut by the kill.
            let lines = printed.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            confirmed[tag] = Set(lines.compactMap { Int64($0) })
        }
        let (records, warnings) = try Journal(directory: dir.path).readNew()
        var found: [String: Set<Int64>] = [:]
        for r in records {
            if case .alert(.acknowledged(_, let ack)) = r.entry { found[ack.by, default: []].insert(r.t) }
        }
        var missing = 0
        for (tag, indices) in confirmed { missing += indices.subtracting(found[tag] ?? []).count }
        #expect(missing == 0, "\(missing) records reported as written are missing after the kills")
        #expect(confirmed.values.reduce(0) { $0 + $1.count } > 200, "the appender barely ran")
        // Only records torn by a kill may be damaged: at most one per round.
        #expect(warnings.count <= 200)
        #expect(warnings.allSatisfy { $0.hasSuffix("skipped a damaged journal record") })
    }
}
