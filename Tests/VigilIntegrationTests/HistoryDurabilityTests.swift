import Foundation
import Testing
import VigilCore
import VigilHistory

#if canImport(Glibc)
    import Glibc
#endif

/// A child process writes history batches and reports each one after its
/// transaction committed; it is killed with SIGKILL at random moments, 60
/// times. The file must open every time and hold every reported batch:
/// a kill loses at most the batch being written (issue 12).
@Suite(.serialized) struct HistoryDurabilityTests {
    @Test func everyCommittedBatchSurvivesSigkill() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("history.sqlite").path
        var confirmed = Set<Int64>()
        var rng = UInt64(11)
        for round in 0..<60 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Support.vigil)
            p.arguments = ["history-append", "--file", file, "--start", "\(round * 100_000)"]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            usleep(UInt32(20_000 + (rng >> 33) % 60_000))  // 20 to 80 ms in
            kill(p.processIdentifier, SIGKILL)
            let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            let lines = printed.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            confirmed.formUnion(lines.compactMap { Int64($0) })
        }
        let store = try HistoryStore(path: file)
        let t0: Int64 = 1_764_000_000_000
        // Each batch wrote 20 series over four metrics at t0 + batch seconds.
        var found: [Int64: Int] = [:]
        for metric in ["m0", "m1", "m2", "m3"] {
            for (_, points) in try store.points(metric: metric, from: t0, to: .max) {
                for (t, _) in points { found[(t - t0) / 1000, default: 0] += 1 }
            }
        }
        let missing = confirmed.filter { found[$0] != 20 }
        #expect(missing.isEmpty, "\(missing.count) batches reported as committed are missing or partial")
        #expect(confirmed.count > 60, "the writer barely ran")
        // Nothing half-written: every batch in the file is whole.
        #expect(found.values.allSatisfy { $0 == 20 })
        let summary = try store.summary()
        #expect(summary.series == 20)
    }

    /// `vigil history` says what is stored; an empty state directory is
    /// not an error.
    @Test func theHistoryCommandSaysWhatIsStored() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = try Support.run(Support.vigil, ["history", "--state-dir", dir.path])
        #expect(empty.status == 0)
        #expect(empty.stdout == "no history in \(dir.path) yet\n")
        let store = try HistoryStore(path: dir.appendingPathComponent("history.sqlite").path)
        let t0: Int64 = 1_764_000_000_000
        try store.write(
            (0..<30).map { HistoryPoint(metric: "error_rate", labels: Labels(), t: t0 + Int64($0) * 2000, v: 1) })
        let shown = try Support.run(Support.vigil, ["history", "--state-dir", dir.path])
        #expect(shown.status == 0)
        let lines = shown.stdout.split(separator: "\n").map(String.init)
        #expect(lines[1] == "metrics: 1 (error_rate)")
        #expect(lines[3] == "points: 30 at the refresh resolution (kept 48 h)")
        #expect(lines[4] == "rollups: 1 one-minute rollups (kept 35 d)")
        #expect(lines[5] == "span: 2025-11-24 16:00:00 UTC to 2025-11-24 16:00:58 UTC (58s)")
        // Pruning now drops the raw points of 2025; the rollups stay 35 days.
        let pruned = try Support.run(Support.vigil, ["history", "prune", "--state-dir", dir.path])
        #expect(pruned.stdout == "pruned 30 points and 1 rollups; 0 points and 0 rollups kept\n")
        // A damaged file: exit 1 with the file and SQLite's words.
        try Data(repeating: 7, count: 8192).write(to: dir.appendingPathComponent("history.sqlite"))
        for s in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir.path + "/history.sqlite" + s) }
        let broken = try Support.run(Support.vigil, ["history", "--state-dir", dir.path])
        #expect(broken.status == 1)
        #expect(broken.stderr.hasPrefix("vigil history: \(dir.path)/history.sqlite: "))
    }

    /// `retention:` in the configuration is what `vigil history` says and
    /// what `prune` keeps; too short a retention is a configuration error.
    @Test func theConfiguredRetentionIsWhatPruneKeeps() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("vigil.yaml")
        try """
        retention: {raw: 2h, rollups: 10d}
        metrics:
          error_rate: {name: Error Rate, unit: "%", query: up}
        """.write(to: config, atomically: true, encoding: .utf8)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let store = try HistoryStore(path: dir.appendingPathComponent("history.sqlite").path)
        try store.write(
            [12 * 86_400_000, 3 * 3_600_000, 1_800_000].map {
                HistoryPoint(metric: "error_rate", labels: Labels(), t: now - Int64($0), v: 1)
            })
        let args = ["history", "--state-dir", dir.path, "--config", config.path]
        let shown = try Support.run(Support.vigil, args).stdout.split(separator: "\n").map(String.init)
        #expect(shown[3] == "points: 3 at the refresh resolution (kept 2 h)")
        #expect(shown[4] == "rollups: 3 one-minute rollups (kept 10 d)")
        let pruned = try Support.run(Support.vigil, ["history", "prune"] + args.dropFirst())
        #expect(pruned.stdout == "pruned 2 points and 1 rollups; 1 points and 2 rollups kept\n", "\(pruned.stderr)")
        try "retention: {raw: 10m}\n".write(to: config, atomically: true, encoding: .utf8)
        let bad = try Support.run(Support.vigil, ["check", "config", config.path])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("vigil.yaml:1:18: retention.raw must be at least 1h"), "\(bad.stderr)")
    }

    /// `vigil report daily` from a history with known values, in Markdown
    /// and JSON; a day with nothing recorded is exit status 1, said.
    @Test func theDailyReportReadsTheHistory() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("vigil.yaml")
        try """
        metrics:
          error_rate: {name: Error Rate, unit: "%", query: up, aggregation: avg, threshold: {warning: 1, critical: 5}}
        """.write(to: config, atomically: true, encoding: .utf8)
        let store = try HistoryStore(path: dir.appendingPathComponent("history.sqlite").path)
        let day: Int64 = 1_764_028_800_000  // 2025-11-25 00:00 UTC
        // 0.5% for an hour, every 2 s.
        try store.write(
            (0..<1800).map { HistoryPoint(metric: "error_rate", labels: Labels(), t: day + Int64($0) * 2000, v: 0.5) })
        let args = ["report", "daily", "--date", "2025-11-25", "--config", config.path, "--state-dir", dir.path]
        let md = try Support.run(Support.vigil, args)
        #expect(md.status == 0, "\(md.stderr)")
        #expect(md.stdout.hasPrefix("# Daily report 2025-11-25\n"))
        #expect(
            md.stdout.contains(
                "| Error rate | 0.5 % | ok | average of the minute averages of error_rate | watched 1 h 0 m of 24 h 0 m |"
            ))
        #expect(md.stdout.contains("| Uptime | not measured: no metric system.status in the configuration |"))
        let json = try Support.run(Support.vigil, args + ["--format", "json"])
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let sections = report?["sections"] as? [[String: Any]]
        let figures = sections?.first?["figures"] as? [[String: Any]]
        #expect(figures?.first { $0["name"] as? String == "Error rate" }?["value"] as? Double == 0.5)
        // The week holding that Tuesday: Monday 24 to Sunday 30 November.
        let weekly = try Support.run(
            Support.vigil,
            ["report", "weekly", "--week-of", "2025-11-25", "--config", config.path, "--state-dir", dir.path])
        #expect(weekly.status == 0, "\(weekly.stderr)")
        #expect(
            weekly.stdout.hasPrefix("# Weekly report, week of 2025-11-25\n\nFrom 2025-11-24 00:00:00 UTC to 2025-12-01")
        )
        #expect(
            weekly.stdout.contains(
                "| Error rate | 0.5 % (ok) | – | – | – | 0.5 % | – | – | – | – | – | watched 1 h 0 m of 168 h 0 m |"))
        #expect(weekly.stdout.contains("- Error rate was watched only 1% of the week: the figures are partial\n"))
        // The day before: nothing at all.
        let empty = try Support.run(
            Support.vigil,
            ["report", "daily", "--date", "2025-11-24", "--config", config.path, "--state-dir", dir.path])
        #expect(empty.status == 1)
        #expect(empty.stderr.hasPrefix("vigil report: nothing measured for 2025-11-24"))
        let bad = try Support.run(Support.vigil, ["report", "daily", "--date", "2025-02-30", "--config", config.path])
        #expect(bad.status == 2)
        #expect(bad.stderr == "vigil report: --date must be YYYY-MM-DD, not '2025-02-30'\n")
    }
}
