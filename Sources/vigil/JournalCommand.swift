import ArgumentParser
import Foundation
import VigilCore

/// Hidden helpers for the journal's durability test and benchmark.
struct JournalDebug: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal-debug", abstract: "Journal test helpers.", shouldDisplay: false,
        subcommands: [JournalAppend.self, JournalBench.self])
}

/// Appends records in a loop, printing each one's number once `append`
/// has returned (so it is on disk). The durability test kills this with
/// SIGKILL and checks that every printed record replays.
struct JournalAppend: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "append")
    @Option var stateDir: String
    @Option var tag: String = "x"
    @Option var count: Int = 1_000_000

    func run() throws {
        let journal: Journal
        do { journal = try Journal(directory: stateDir) } catch {
            printError("vigil: \(error)")
            throw ExitStatus.usage
        }
        let key = AlertKey(rule: "Durability", labels: Labels(["service": "api"]))
        for i in 0..<count {
            try journal.append(
                JournalRecord(.acknowledged(key, Acknowledgement(by: tag, atMs: Int64(i), note: "record \(i)"))))
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
