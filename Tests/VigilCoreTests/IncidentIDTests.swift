import Testing

@testable import VigilCore

/// Two engineers on one shared state directory open incidents in the same
/// second: both Vigils name theirs `INC-…-063446`. Neither is lost, and
/// each one's notes reach its own incident.
@Suite struct IncidentIDTests {
    static let key = AlertKey(rule: "High Error Rate", labels: Labels(["service": "api"]))
    static let db = AlertKey(rule: "Database Connection Issues", labels: Labels())

    func opened(_ id: String, _ key: AlertKey, by: String, src: String?, t: Int64 = 1000) -> JournalRecord {
        JournalRecord(
            t: t,
            .incidentOpened(
                IncidentOpened(
                    id: id, alert: key, title: key.rule, severity: "high", description: nil, services: [],
                    assignee: nil, by: by)), src: src)
    }

    func note(_ id: String, _ text: String, by: String, src: String?, t: Int64 = 2000) -> JournalRecord {
        JournalRecord(t: t, .incidentUpdated(IncidentUpdated(id: id, status: nil, note: text, by: by)), src: src)
    }

    @Test func aSecondInstancesIncidentOfTheSameSecondKeepsItsOwnID() {
        let id = "INC-20261125-063446"
        // The journal as a restart (or `vigil incidents`) replays it.
        var book = IncidentBook()
        for r in [
            opened(id, Self.key, by: "alice@bastion", src: "a1"),
            opened(id, Self.db, by: "bob@bastion", src: "b2"),
            note(id, "bob checks the database", by: "bob@bastion", src: "b2"),
            note(id, "alice rolls back", by: "alice@bastion", src: "a1"),
            // The same record read twice is one incident, not three.
            opened(id, Self.db, by: "bob@bastion", src: "b2"),
        ] {
            book.apply(r)
        }
        #expect(book.all.map(\.id).sorted() == [id, id + "-2"])
        #expect(book[id]?.alert == Self.key && book[id]?.updates.map(\.note) == ["alice rolls back"])
        #expect(
            book[id + "-2"]?.alert == Self.db && book[id + "-2"]?.updates.map(\.note) == ["bob checks the database"])
        // A journal that names no instance (0.1.0): a repeated id is the
        // same incident, as before.
        var old = IncidentBook()
        old.apply(opened(id, Self.key, by: "alice@bastion", src: nil))
        old.apply(opened(id, Self.db, by: "bob@bastion", src: nil))
        #expect(old.all.count == 1)
    }

    /// Live, Bob's Vigil opened its own incident first and then reads
    /// Alice's: hers is kept beside his, and her notes go to hers.
    @Test func anInstanceThatOpenedItsOwnFirstKeepsBoth() {
        let id = "INC-20261125-063446"
        var bob = IncidentBook()
        bob.apply(opened(id, Self.db, by: "bob@bastion", src: nil), from: "b2")
        // What Alice's Vigil appended, as Bob's reads it.
        for r in [
            opened(id, Self.key, by: "alice@bastion", src: "a1"),
            note(id, "alice rolls back", by: "alice@bastion", src: "a1"),
        ] {
            bob.apply(r)
        }
        #expect(bob[id]?.alert == Self.db && bob[id]?.updates.isEmpty == true)
        #expect(bob[id + "-2"]?.alert == Self.key && bob[id + "-2"]?.updates.map(\.note) == ["alice rolls back"])
        // Bob's own note on his incident stays his.
        bob.apply(note(id, "bob checks the database", by: "bob@bastion", src: nil), from: "b2")
        #expect(bob[id]?.updates.map(\.note) == ["bob checks the database"])
        // Bob's next incident in that second takes the next free id.
        #expect(bob.newID(at: 1_795_588_486_000) == id + "-3")
    }
}
