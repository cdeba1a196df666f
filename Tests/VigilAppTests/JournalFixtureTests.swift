import Foundation
import Testing
import VigilApp
import VigilCore
import VigilUI

/// Fixtures/journal-0.1.0/journal.jsonl was written by the 0.1.0 release
/// (before the typed journal) running the demo: three alerts fired, one
/// acknowledged, one silenced, an incident opened, noted and moved to
/// resolved. Every later release must replay it.
@Suite struct JournalFixtureTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../dashboards/normaldance.yaml").standardized.path
    static let incident = "INC-20261129-085224"
    static let database = AlertKey(rule: "Database Connection Issues", labels: Labels())

    static func records() throws -> [JournalRecord] {
        let journal = try #require(Journal(readingFrom: fixtures.appendingPathComponent("journal-0.1.0").path))
        let (records, warnings) = journal.readNew()
        #expect(warnings.isEmpty)
        return records
    }

    @Test func everyRecordOfTheFirstReleaseIsReadAsItsType() throws {
        let records = try Self.records()
        #expect(records.count == 37)
        var kinds: [String: Int] = [:]
        for r in records { kinds[r.type, default: 0] += 1 }
        #expect(
            kinds == [
                "samples": 16, "transition": 10, "escalated": 4, "incident_update": 4, "ack": 1, "silence": 1,
                "incident_open": 1,
            ])
        #expect(!records.contains { if case .unknown = $0.entry { true } else { false } })
    }

    /// A compaction folded records this instance had not read: the
    /// journal is replayed whole, this instance's own records included
    /// (a plain read skips them, as already applied).
    @Test func aReplayAfterACompactionRebuildsTheAlerts() throws {
        let records = try Self.records()
        let config = try ConfigLoader.load(path: Self.shipped)
        var h = Harness(config, at: records.last!.t + 60_000)
        #expect(h.app.alerts.engine.alerts[Self.database] == nil)
        let mine = records.map { r -> JournalRecord in
            var r = r
            r.src = h.app.alerts.instance
            return r
        }
        h.send(.journalRead(mine, warnings: []))
        #expect(h.app.alerts.engine.alerts[Self.database] == nil)
        h.send(.journalReplayed(mine, warnings: []))
        #expect(h.app.alerts.engine.alerts[Self.database]?.acknowledgement?.by == "root@vm")
        #expect(h.app.alerts.incidents[Self.incident]?.status == .resolved)
    }

    @Test func anApplicationReplayingItShowsTheAcknowledgementAndTheResolvedIncident() throws {
        let records = try Self.records()
        let config = try ConfigLoader.load(path: Self.shipped)
        var h = Harness(config, at: records.last!.t + 60_000, journal: records)
        let ack = try #require(h.app.alerts.engine.alerts[Self.database]?.acknowledgement)
        #expect(ack.by == "root@vm" && ack.note == "rolling back api v2.3.1")
        let incident = try #require(h.app.alerts.incidents[Self.incident])
        #expect(incident.status == .resolved)
        #expect(incident.title == "Database Connection Issues" && incident.assignee == "on_call_engineer")
        #expect(incident.updates.map(\.status) == [nil, .identified, .monitoring, .resolved])
        #expect(incident.updates.map(\.note).last == "resolved after rollback")
        // The post-mortem's timeline, from the same records.
        let history = try #require(h.app.alerts.history(of: Self.incident, now: h.now))
        #expect(
            history.timeline.map(\.kind) == [
                "pending", "firing", "escalated", "acknowledged", "opened", "update", "identified", "monitoring",
                "resolved",
            ])
        #expect(history.timeToAcknowledgeMs == 15_723)
        #expect(!history.samples.isEmpty)
        h.press(.char("I"))
        let line = try #require(h.screen(width: 120, height: 30).first { $0.contains(Self.incident) })
        #expect(line.contains("resolved") && line.contains("Database Connection Issues"))
    }

    /// Written again, each record is the line it was read from plus `v`.
    @Test func rewritingARecordKeepsItsLine() throws {
        let lines = try String(
            contentsOf: Self.fixtures.appendingPathComponent("journal-0.1.0/journal.jsonl"), encoding: .utf8
        ).split(separator: "\n")
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        for (line, record) in zip(lines, try Self.records()) {
            let before = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? NSDictionary)
            let written = try #require(
                JSONSerialization.jsonObject(with: try encoder.encode(record)) as? [String: Any])
            #expect(written["v"] as? Int == JournalRecord.version)
            #expect(NSDictionary(dictionary: written.filter { $0.key != "v" }) == before, "\(line)")
        }
    }

    /// The incident fields added since 0.1.0 go through a line and back.
    @Test func incidentFieldsRoundTrip() throws {
        let key = AlertKey(rule: "Errors Above Budget", labels: Labels(["service": "api"]))
        for update in [
            IncidentUpdated(id: "INC-1", status: nil, note: "", by: "a", severity: "high"),
            IncidentUpdated(id: "INC-1", status: nil, note: "", by: "a", services: ["api", "web"]),
            IncidentUpdated(id: "INC-1", status: nil, note: "pool too small", by: "a", section: .rootCause),
            IncidentUpdated(id: "INC-1", status: nil, note: "", by: "a", joined: key),
        ] {
            let record = JournalRecord(t: 5, .incidentUpdated(update))
            let back = try JSONDecoder().decode(JournalRecord.self, from: try JSONEncoder().encode(record))
            #expect(back.entry == record.entry)
        }
        let bad = Data(#"{"t":1,"type":"incident_update","incident":"I","note":"x","by":"a","section":"blame"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(JournalRecord.self, from: bad) }
    }

    @Test func aKindFromANewerReleaseIsKeptAndSkippedNotDamage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-newer-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(
            """
            {"t":1,"type":"checklist_tick","v":2,"item":"backups verified","by":"bob@bastion"}
            {"t":2,"type":"transition","rule":"High Error Rate","labels":{}}

            """.utf8
        ).write(to: dir.appendingPathComponent("journal.jsonl"))
        let (records, warnings) = try #require(Journal(readingFrom: dir.path)).readNew()
        #expect(records.map(\.entry) == [.unknown(type: "checklist_tick")])
        // A known kind missing its fields is damage, and says where.
        #expect(warnings.count == 1 && warnings[0].hasSuffix("journal.jsonl:2: skipped a damaged journal record"))
    }
}
