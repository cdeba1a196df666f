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
        // A loaded CI machine starts the process slowly: 200 rounds of 5 to
        // 45 ms gave 198 records once; fewer than 100 means it barely ran.
        #expect(confirmed.values.reduce(0) { $0 + $1.count } > 100, "the appender barely ran")
        // Only records torn by a kill may be damaged: at most one per round.
        #expect(warnings.count <= 200)
        #expect(warnings.allSatisfy { $0.hasSuffix("skipped a damaged journal record") })
    }

    /// An appender and a compactor run side by side, both killed with
    /// SIGKILL at random moments, 60 times: every record reported as
    /// written replays exactly once (none lost in a compaction, none
    /// doubled by one stopped between its renames), and no temporary is
    /// taken for a journal file.
    @Test func compactionKilledAtAnyMomentLosesAndRepeatsNothing() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var confirmed: [String: Set<Int64>] = [:]
        var rng = UInt64(11)
        func pause(_ from: UInt64, _ span: UInt64) {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            usleep(UInt32(from + (rng >> 33) % span))
        }
        func start(_ args: [String], output: Pipe?) throws -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Support.vigil)
            p.arguments = ["journal-debug"] + args + ["--state-dir", dir.path]
            p.standardOutput = output ?? FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        for round in 0..<60 {
            let tag = "round-\(round)"
            let out = Pipe()
            let appender = try start(["append", "--incident", "--tag", tag], output: out)
            let compactorOut = Pipe()
            let compactor = try start(["compact", "--loop", "--carry-ms", "0"], output: compactorOut)
            // The clock starts when the compactor says it runs: on a loaded
            // machine its start alone took longer than the whole pause, and
            // most rounds killed it before its first compaction.
            #expect(
                Self.waitForOutput(compactorOut, seconds: 20),
                "round \(round): the compactor did not start within 20 s")
            pause(0, 140_000)
            kill(compactor.processIdentifier, SIGKILL)
            pause(5_000, 40_000)
            kill(appender.processIdentifier, SIGKILL)
            let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            appender.waitUntilExit()
            compactor.waitUntilExit()
            _ = compactorOut.fileHandleForReading.readDataToEndOfFile()
            let lines = printed.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            confirmed[tag] = Set(lines.compactMap { Int64($0) })
        }
        func replayed() throws -> [String: [Int64]] {
            let (records, _) = try #require(Journal(readingFrom: dir.path)).readNew()
            var found: [String: [Int64]] = [:]
            for r in records {
                if case .incidentUpdated(let u) = r.entry { found[u.by, default: []].append(r.t) }
            }
            return found
        }
        for pass in ["after the kills", "after one more compaction"] {
            let found = try replayed()
            var missing = 0
            var doubled = 0
            for (tag, indices) in confirmed {
                let seen = found[tag] ?? []
                missing += indices.subtracting(seen).count
                doubled += seen.count - Set(seen).count
            }
            #expect(missing == 0, "\(pass): \(missing) records reported as written are missing")
            #expect(doubled == 0, "\(pass): \(doubled) records replay twice")
            if pass == "after the kills" { _ = try Journal.compact(directory: dir.path, carryMs: 0) }
        }
        #expect(confirmed.values.reduce(0) { $0 + $1.count } > 200, "the appender barely ran")
        // Each finished compaction starts the next generation of the tail.
        let head = try String(contentsOf: dir.appendingPathComponent("journal.jsonl"), encoding: .utf8)
            .prefix { $0 != "\n" }
        let generation = head.split(separator: ",").first { $0.hasPrefix("\"n\":") }.flatMap { Int($0.dropFirst(4)) }
        #expect((generation ?? 0) > 30, "the compactor barely ran: \(head)")
    }

    /// Whether `pipe` has something to read within `seconds`.
    static func waitForOutput(_ pipe: Pipe, seconds: Int32) -> Bool {
        var fd = pollfd(fd: pipe.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
        return poll(&fd, 1, seconds * 1000) == 1
    }
}
