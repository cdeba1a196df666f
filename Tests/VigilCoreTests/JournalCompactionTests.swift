import Foundation
import Testing

@testable import VigilCore

#if canImport(Glibc)
    import Glibc
#endif

/// What a snapshot keeps: a replay of it shows the same active alerts,
/// incidents and post-mortems as a replay of everything.
@Suite struct JournalCompactionPolicyTests {
    static let flapping = AlertKey(rule: "Flapping", labels: Labels(["service": "api"]))
    static let active = AlertKey(rule: "High Error Rate", labels: Labels(["service": "api"]))
    static let incident = AlertKey(rule: "High Latency", labels: Labels(["service": "web"]))
    static let silenced = AlertKey(rule: "Disk", labels: Labels(["host": "db1"]))
    static let now: Int64 = 100 * 3_600_000

    static func records() -> [JournalRecord] {
        var r: [JournalRecord] = []
        func add(_ e: AlertEvent) { r.append(JournalRecord(e)) }
        // 30 episodes of an alert that flaps, each with samples.
        for i in 0..<30 {
            let t = Int64(i) * 600_000
            add(.transition(flapping, from: .inactive, to: .pending, atMs: t, value: 1))
            add(.transition(flapping, from: .pending, to: .firing, atMs: t + 60_000, value: 2))
            r.append(JournalRecord(t: t + 60_000, .samples(flapping, times: [t, t + 60_000], values: [1, 2])))
            add(.escalated(flapping, level: 1, contacts: ["oncall"], atMs: t + 90_000))
            add(.transition(flapping, from: .firing, to: .resolved, atMs: t + 120_000, value: 0))
        }
        // A silence on an alert that is over, still in force.
        add(.transition(silenced, from: .inactive, to: .pending, atMs: 1_000, value: 1))
        add(.transition(silenced, from: .pending, to: .firing, atMs: 2_000, value: 1))
        add(.silenced(silenced, by: "ops", untilMs: now + 3_600_000, atMs: 3_000, note: "maintenance"))
        add(.transition(silenced, from: .firing, to: .resolved, atMs: 4_000, value: 0))
        // An incident, resolved, with its alert's episode.
        let t0: Int64 = 20 * 3_600_000
        add(.transition(incident, from: .inactive, to: .pending, atMs: t0, value: 3))
        add(.transition(incident, from: .pending, to: .firing, atMs: t0 + 60_000, value: 3.5))
        r.append(JournalRecord(t: t0 + 60_000, .samples(incident, times: [t0, t0 + 60_000], values: [3, 3.5])))
        r.append(
            JournalRecord(
                t: t0 + 120_000,
                .incidentOpened(
                    IncidentOpened(
                        id: "INC-1", alert: incident, title: "latency", severity: "high", description: nil,
                        services: ["web"], assignee: nil, by: "ops"))))
        add(.acknowledged(incident, Acknowledgement(by: "ops", atMs: t0 + 130_000, note: "on it")))
        add(.transition(incident, from: .firing, to: .resolved, atMs: t0 + 600_000, value: 1))
        r.append(
            JournalRecord(
                t: t0 + 700_000,
                .incidentUpdated(IncidentUpdated(id: "INC-1", status: .resolved, note: "fixed", by: "ops"))))
        // Later episodes of the incident's alert, with no incident.
        for i in 0..<10 {
            let t = t0 + 3_600_000 * Int64(i + 2)
            add(.transition(incident, from: .inactive, to: .pending, atMs: t, value: 1))
            add(.transition(incident, from: .pending, to: .inactive, atMs: t + 1_000, value: 0))
        }
        // The alert firing now, acknowledged, escalated.
        add(.transition(active, from: .inactive, to: .pending, atMs: now - 900_000, value: 5))
        add(.transition(active, from: .pending, to: .firing, atMs: now - 600_000, value: 6))
        add(.escalated(active, level: 1, contacts: ["oncall"], atMs: now - 500_000))
        add(.acknowledged(active, Acknowledgement(by: "alice", atMs: now - 400_000, note: "rolling back")))
        r.append(JournalRecord(t: now - 300_000, .unknown(type: "launch_phase")))
        return r
    }

    @Test func aSnapshotReplaysToTheSamePicture() {
        let all = Self.records()
        let kept = JournalCompaction.keep(all, prefix: all.count, nowMs: Self.now)
        #expect(kept.count < all.count / 4, "\(kept.count) of \(all.count) kept")
        let full = AlertCenter(config: VigilConfig(), identity: "t", journal: all)
        let compacted = AlertCenter(config: VigilConfig(), identity: "t", journal: kept)
        // Alerts that are active, or silenced, are as they were.
        let full1 = full.engine.alerts[Self.active]
        let compacted1 = compacted.engine.alerts[Self.active]
        #expect(full1 == compacted1)
        #expect(compacted1?.acknowledgement?.by == "alice")
        #expect(compacted1?.escalatedLevel == 1)
        #expect(compacted.engine.alerts[Self.silenced]?.silencedUntilMs == Self.now + 3_600_000)
        #expect(compacted.engine.alerts[Self.flapping]?.state == .resolved)
        // The incident and its post-mortem are whole.
        #expect(full.incidents.all == compacted.incidents.all)
        let incident = try! #require(full.incidents.all.first)
        let before = IncidentHistory(incident: incident, records: full.records, nowMs: Self.now)
        let after = IncidentHistory(incident: incident, records: compacted.records, nowMs: Self.now)
        #expect(before.timeline == after.timeline)
        #expect(after.timeline.count >= 4)
        // A kind this build does not know is kept.
        #expect(kept.contains { $0.type == "launch_phase" })
    }

    @Test func anIncidentInTheTailKeepsItsAlertsOlderRecords() {
        let all = Self.records()
        // Only the flapping alert's first episode is folded; an incident
        // opened later, in the tail, names that alert's last episode.
        var tail = [
            JournalRecord(
                t: 29 * 600_000 + 100_000,
                .incidentOpened(
                    IncidentOpened(
                        id: "INC-2", alert: Self.flapping, title: "flap", severity: "low", description: nil,
                        services: [], assignee: nil, by: "ops")))
        ]
        tail.append(
            JournalRecord(
                t: 29 * 600_000 + 200_000,
                .incidentUpdated(IncidentUpdated(id: "INC-2", status: .resolved, note: "", by: "ops"))))
        let kept = JournalCompaction.keep(all + tail, prefix: all.count, nowMs: Self.now)
        let lastEpisode = kept.filter { $0.key == Self.flapping && $0.t >= 29 * 600_000 }
        #expect(lastEpisode.map(\.type) == ["transition", "transition", "samples", "escalated", "transition"])
        // An hour before the incident is kept for the post-mortem; older is not.
        #expect(!kept.contains { $0.key == Self.flapping && $0.t < 29 * 600_000 - 3_600_000 })
    }

    @Test func anAcknowledgementForAnAlertNotSeenYetIsAppliedWhenItAppears() {
        let key = Self.active
        var engine = AlertEngine(config: AlertsConfig())
        // Another instance acknowledged it; this one has no record of it.
        engine.apply(.acknowledged(key, Acknowledgement(by: "bob", atMs: 10, note: "mine")))
        #expect(engine.alerts[key] == nil)
        engine.apply(.transition(key, from: .inactive, to: .firing, atMs: 20, value: 1))
        #expect(engine.alerts[key]?.acknowledgement?.by == "bob")
        // One that resolved after the acknowledgement does not carry it
        // over; a silence outlives the episode, as on an alert seen.
        let other = Self.incident
        engine.apply(.silenced(other, by: "bob", untilMs: 1_000, atMs: 10, note: ""))
        engine.apply(.acknowledged(other, Acknowledgement(by: "bob", atMs: 10, note: "")))
        #expect(engine.alerts[other] == nil)
        engine.apply(.transition(other, from: .firing, to: .resolved, atMs: 30, value: 0))
        engine.apply(.transition(other, from: .resolved, to: .pending, atMs: 40, value: 1))
        #expect(engine.alerts[other]?.acknowledgement == nil)
        #expect(engine.alerts[other]?.silencedUntilMs == 1_000)
    }
}

/// The files: a compaction replaces the tail while other instances read
/// and write it; each record is read exactly once by each of them.
@Suite struct JournalCompactionFileTests {
    static let now: Int64 = 1_800_000_000_000

    static func note(_ i: Int, at t: Int64) -> JournalRecord {
        JournalRecord(t: t, .incidentUpdated(IncidentUpdated(id: "INC-1", status: nil, note: "n\(i)", by: "ops")))
    }

    static func notes(_ records: [JournalRecord]) -> [String] {
        records.compactMap { if case .incidentUpdated(let u) = $0.entry { u.note } else { nil } }
    }

    static func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vigil-compact-\(UUID().uuidString)").path
    }

    @Test func readersFollowANewTailWithoutLossOrRepeat() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try Journal(directory: dir)
        let b = try #require(Journal(readingFrom: dir))
        for i in 0..<10 { try a.append(Self.note(i, at: Self.now - 3_600_000)) }
        #expect(Self.notes(b.readNew().records) == (0..<10).map { "n\($0)" })
        for i in 10..<15 { try a.append(Self.note(i, at: Self.now)) }
        let result = try #require(try Journal.compact(directory: dir, carryMs: 600_000, nowMs: Self.now))
        #expect(result.recordsBefore == 15)
        #expect(result.snapshotRecords == 10)
        #expect(result.generation == 1)
        // b had read the folded part: it goes on with the copied records.
        #expect(Self.notes(b.readNew().records) == (10..<15).map { "n\($0)" })
        #expect(!b.startedOver)
        // a writes to the new tail; b reads it once.
        try a.append(Self.note(15, at: Self.now))
        #expect(Self.notes(b.readNew().records) == ["n15"])
        #expect(Self.notes(a.readNew().records) == (0..<16).map { "n\($0)" })
        // A new reader reads the snapshot and the tail.
        let c = try #require(Journal(readingFrom: dir))
        #expect(Self.notes(c.readNew().records) == (0..<16).map { "n\($0)" })
        // Twice more, and once with nothing to fold.
        _ = try Journal.compact(directory: dir, carryMs: 0, nowMs: Self.now + 1)
        try a.append(Self.note(16, at: Self.now + 2))
        #expect(Self.notes(b.readNew().records) == ["n16"])
        #expect(try Journal.compact(directory: dir, carryMs: 600_000, nowMs: Self.now + 3) == nil)
        let d = try #require(Journal(readingFrom: dir))
        #expect(Self.notes(d.readNew().records) == (0..<17).map { "n\($0)" })
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files == ["journal.jsonl", "journal.snapshot.jsonl"])
    }

    @Test func aReaderThatFellBehindStartsOver() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try Journal(directory: dir)
        let b = try #require(Journal(readingFrom: dir))
        try a.append(Self.note(0, at: Self.now))
        #expect(Self.notes(b.readNew().records) == ["n0"])
        try a.append(Self.note(1, at: Self.now))
        // Everything is folded, n1 too, which b has not read.
        _ = try Journal.compact(directory: dir, carryMs: 0, nowMs: Self.now + 1)
        #expect(Self.notes(b.readNew().records) == ["n0", "n1"])
        #expect(b.startedOver)
        try a.append(Self.note(2, at: Self.now))
        #expect(Self.notes(b.readNew().records) == ["n2"])
        #expect(!b.startedOver)
    }

    /// A kill between the snapshot's rename and the tail's leaves the new
    /// snapshot beside the old tail: a replay skips what the snapshot holds.
    @Test func aCompactionStoppedBetweenItsRenamesReplaysOnce() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try Journal(directory: dir)
        for i in 0..<6 { try a.append(Self.note(i, at: Self.now - 3_600_000)) }
        for i in 6..<8 { try a.append(Self.note(i, at: Self.now)) }
        let oldTail = try Data(contentsOf: URL(fileURLWithPath: a.path))
        _ = try Journal.compact(directory: dir, carryMs: 600_000, nowMs: Self.now)
        try oldTail.write(to: URL(fileURLWithPath: a.path))
        let r = try #require(Journal(readingFrom: dir))
        #expect(Self.notes(r.readNew().records) == (0..<8).map { "n\($0)" })
        // And compacting from there is still exact.
        _ = try Journal.compact(directory: dir, carryMs: 0, nowMs: Self.now + 1)
        let r2 = try #require(Journal(readingFrom: dir))
        #expect(Self.notes(r2.readNew().records) == (0..<8).map { "n\($0)" })
    }

    @Test func aWriterCompactsPastItsLimitOnAThreadOfItsOwn() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try Journal(directory: dir)
        a.compactAfterBytes = 4_000
        a.carryMs = 0
        // Written long ago, so a compaction (at the wall clock's now)
        // folds them all.
        for i in 0..<100 { try a.append(Self.note(i, at: 1_700_000_000_000)) }
        // The compaction runs beside; wait for a snapshot to appear.
        let snapshot = (dir as NSString).appendingPathComponent(Journal.snapshotName)
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: snapshot) { usleep(10_000) }
        #expect(FileManager.default.fileExists(atPath: snapshot))
        for _ in 0..<200 {
            let size = (try? FileManager.default.attributesOfItem(atPath: a.path))?[.size] as? Int ?? 0
            if size < 4_000 { break }
            usleep(10_000)
        }
        try a.append(Self.note(100, at: 1_700_000_000_000))
        // The new tail's lines are numbered from its header.
        let damaged = try FileHandle(forWritingTo: URL(fileURLWithPath: a.path))
        damaged.seekToEndOfFile()
        damaged.write(Data("{\"t\": 1, \"ty\n".utf8))
        try damaged.close()
        let r = try #require(Journal(readingFrom: dir))
        let (records, warnings) = r.readNew()
        #expect(Self.notes(records) == (0...100).map { "n\($0)" })
        let tailLines = try String(contentsOfFile: a.path, encoding: .utf8).split(separator: "\n").count
        #expect(warnings == ["\(a.path):\(tailLines): skipped a damaged journal record"])
    }

    /// A tail past the limit whose records are all recent has nothing to
    /// fold: it is not read over again at every append.
    @Test func aTailOfRecentRecordsIsNotCompactedAtEveryAppend() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try Journal(directory: dir)
        a.compactAfterBytes = 4_000
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for i in 0..<100 { try a.append(Self.note(i, at: now)) }
        // 100 records of some 90 bytes: past 4,000 bytes by some 5,000,
        // tried at 4,000 and at half as much again (6,000, 9,000), not at
        // each of the 55 appends past the limit.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: a.path)[.size] as? Int)
        #expect(size > 8_000)
        #expect(a.compactionsTried >= 2 && a.compactionsTried <= 3)
        usleep(300_000)
        #expect(!FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(Journal.snapshotName)))
    }

    /// A compaction that fails (here: a directory where the snapshot goes)
    /// is said with the next read, not swallowed.
    @Test func aFailedCompactionIsSaid() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try Journal(directory: dir)
        a.compactAfterBytes = 4_000
        a.carryMs = 0
        let snapshot = (dir as NSString).appendingPathComponent(Journal.snapshotName)
        try FileManager.default.createDirectory(atPath: snapshot + "/blocked", withIntermediateDirectories: true)
        for i in 0..<100 { try a.append(Self.note(i, at: 1_700_000_000_000)) }
        var said: [String] = []
        for _ in 0..<200 where said.isEmpty {
            usleep(10_000)
            said = a.readNew().warnings.filter { $0.hasPrefix("compacting the journal failed") }
        }
        #expect(
            said == [
                "compacting the journal failed: cannot replace the journal in \(dir): Is a directory; it keeps growing"
            ])
    }
}
