import ArgumentParser
import Foundation
import VigilCore

/// Hidden helpers for the journal's durability test and benchmark.
struct JournalDebug: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal-debug", abstract: "Journal test helpers.", shouldDisplay: false,
        subcommands: [JournalAppend.self, JournalBench.self, JournalCompact.self, JournalCompactBench.self])
}

/// Appends records in a loop, printing each one's number once `append`
/// has returned (so it is on disk). The durability test kills this with
/// SIGKILL and checks that every printed record replays.
struct JournalAppend: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "append")
    @Option var stateDir: String
    @Option var tag: String = "x"
    @Option var count: Int = 1_000_000
    /// Incident notes (which compaction keeps) instead of acknowledgements.
    @Flag var incident = false

    func run() throws {
        let journal: Journal
        do { journal = try Journal(directory: stateDir) } catch {
            printError("vigil: \(error)")
            throw ExitStatus.usage
        }
        let key = AlertKey(rule: "Durability", labels: Labels(["service": "api"]))
        for i in 0..<count {
            let note = IncidentUpdated(id: "INC-durability", status: nil, note: "record \(i)", by: tag)
            try journal.append(
                incident
                    ? JournalRecord(t: Int64(i), .incidentUpdated(note))
                    : JournalRecord(.acknowledged(key, Acknowledgement(by: tag, atMs: Int64(i), note: "record \(i)"))))
            let line = "\(i)\n"
            _ = line.withCString { write(1, $0, strlen($0)) }
        }
    }
}

/// Records per second with a flush per record, and replay time.
struct JournalBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench")
    @Option var stateDir: String
    @Option var records: Int = 100_000
    @Option var timedAppends: Int = 2_000

    func run() throws {
        let journal = try Journal(directory: stateDir)
        let key = AlertKey(rule: "Bench", labels: Labels(["service": "api"]))
        func record(_ i: Int) -> JournalRecord {
            JournalRecord(.acknowledged(key, Acknowledgement(by: "ops@bastion", atMs: Int64(i), note: "note \(i)")))
        }
        // Flushed appends, timed.
        var start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<timedAppends { try journal.append(record(i)) }
        let appendSecs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        // Fill to `records` quickly (one write, one fsync), then time a replay.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var blob = Data()
        for i in timedAppends..<records {
            blob.append(try encoder.encode(record(i)))
            blob.append(UInt8(ascii: "\n"))
        }
        if let h = FileHandle(forWritingAtPath: journal.path) {
            h.seekToEndOfFile()
            h.write(blob)
            h.synchronizeFile()
            h.closeFile()
        }
        start = DispatchTime.now().uptimeNanoseconds
        let reader = try Journal(directory: stateDir)
        let (replayed, warnings) = reader.readNew()
        var engine = AlertEngine(config: AlertsConfig())
        for r in replayed { if let e = r.event { engine.apply(e) } }
        let replaySecs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        say(
            String(
                format:
                    "{\"flushed_appends_per_s\": %.0f, \"replay_records\": %d, \"replay_secs\": %.3f, \"warnings\": %d}",
                Double(timedAppends) / appendSecs, replayed.count, replaySecs, warnings.count))
    }
}

/// Compacts the journal, once or (`--loop`) over and over: the compaction
/// durability test kills it with SIGKILL at random moments.
struct JournalCompact: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compact")
    @Option var stateDir: String
    @Option var carryMs: Int64 = 600_000
    @Flag var loop = false

    func run() throws {
        // The durability test waits for this line before it starts the
        // clock on its kill: a loaded machine may take a second to start us.
        if loop { _ = "compacting\n".withCString { write(1, $0, strlen($0)) } }
        repeat {
            let result = try Journal.compact(directory: stateDir, carryMs: carryMs)
            if let r = result {
                say(
                    "records \(r.recordsBefore) kept \(r.snapshotRecords) carried_bytes \(r.carriedBytes) generation \(r.generation)"
                )
            } else if !loop {
                say("nothing to compact")
            }
        } while loop
    }
}

/// A journal of `--records` records as a launch writes them (alerts
/// flapping, post-mortem samples, escalations, acknowledgements, now and
/// then an incident), then compacted; prints the replay time before and
/// after, in one run.
struct JournalCompactBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compact-bench")
    @Option var stateDir: String
    @Option var records: Int = 1_000_000

    func run() throws {
        let journal = try Journal(directory: stateDir)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var blob = Data()
        var written = 0
        var t: Int64 = 1_790_000_000_000
        var episode = 0
        var incidents = 0
        func add(_ r: JournalRecord) throws {
            blob.append(try encoder.encode(r))
            blob.append(UInt8(ascii: "\n"))
            written += 1
        }
        while written < records {
            let key = AlertKey(rule: "Rule\(episode % 20)", labels: Labels(["service": "svc\(episode % 50)"]))
            try add(JournalRecord(.transition(key, from: .inactive, to: .pending, atMs: t, value: 1)))
            try add(JournalRecord(.transition(key, from: .pending, to: .firing, atMs: t + 60_000, value: 2)))
            try add(
                JournalRecord(t: t + 60_000, .samples(key, times: [t, t + 30_000, t + 60_000], values: [1, 2, 2])))
            try add(JournalRecord(.escalated(key, level: 1, contacts: ["oncall"], atMs: t + 90_000)))
            try add(JournalRecord(.acknowledged(key, Acknowledgement(by: "ops@bastion", atMs: t + 100_000, note: ""))))
            if episode % 1000 == 0 {
                let id = "INC-\(incidents)"
                incidents += 1
                try add(
                    JournalRecord(
                        t: t + 110_000,
                        .incidentOpened(
                            IncidentOpened(
                                id: id, alert: key, title: "bench", severity: "high", description: nil, services: [],
                                assignee: nil, by: "ops@bastion"))))
                try add(
                    JournalRecord(
                        t: t + 200_000,
                        .incidentUpdated(IncidentUpdated(id: id, status: .resolved, note: "", by: "ops"))))
            }
            try add(JournalRecord(.transition(key, from: .firing, to: .resolved, atMs: t + 200_000, value: 0)))
            t += 300_000
            episode += 1
        }
        if let h = FileHandle(forWritingAtPath: journal.path) {
            h.seekToEndOfFile()
            h.write(blob)
            h.synchronizeFile()
            h.closeFile()
        }
        func replay() -> (Double, Int) {
            let start = DispatchTime.now().uptimeNanoseconds
            let reader = Journal(readingFrom: stateDir)
            let center = AlertCenter.replaying(reader, config: VigilConfig(), identity: "bench")
            return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, center.records.count)
        }
        let (before, beforeCount) = replay()
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try Journal.compact(directory: stateDir, carryMs: 600_000, nowMs: t + 3_600_000)
        let compactSecs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let (after, afterCount) = replay()
        say(
            String(
                format:
                    "{\"records\": %d, \"incidents\": %d, \"replay_before_secs\": %.3f, \"compact_secs\": %.3f, "
                    + "\"snapshot_records\": %d, \"replay_after_secs\": %.3f, \"replayed_after\": %d}",
                beforeCount, incidents, before, compactSecs, result?.snapshotRecords ?? -1, after, afterCount))
    }
}
