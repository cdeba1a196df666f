import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One line of the journal.
public struct JournalRecord: Codable, Equatable, Sendable {
    public var t: Int64
    public var type: String
    public var rule: String?
    public var labels: [String: String]?
    public var from: String?
    public var to: String?
    public var value: Double?
    public var by: String?
    public var note: String?
    public var until: Int64?
    /// Escalation: the level reached and whom it calls.
    public var level: Int?
    public var contacts: [String]?
    /// Incidents: their id and the fields an opening or update sets.
    public var incident: String?
    public var title: String?
    public var severity: String?
    public var services: [String]?
    public var status: String?
    public var assignee: String?
    public var description: String?
    /// Samples of an alert's metric (times and values), for post-mortems.
    public var times: [Int64]?
    public var values: [Double]?
    /// The instance that wrote the record: an instance skips its own
    /// records when it reads what others appended.
    public var src: String?

    public init(t: Int64, type: String) {
        self.t = t
        self.type = type
    }

    public init(_ event: AlertEvent) {
        switch event {
        case .transition(let k, let from, let to, let at, let value):
            self.init(t: at, type: "transition", key: k)
            self.from = from.rawValue
            self.to = to.rawValue
            self.value = value
        case .acknowledged(let k, let ack):
            self.init(t: ack.atMs, type: "ack", key: k)
            by = ack.by
            note = ack.note
        case .unacknowledged(let k, let who, let at):
            self.init(t: at, type: "unack", key: k)
            by = who
        case .silenced(let k, let who, let untilMs, let at):
            self.init(t: at, type: "silence", key: k)
            by = who
            until = untilMs
        case .silenceExpired(let k, let at):
            self.init(t: at, type: "silence_expired", key: k)
        case .escalated(let k, let lvl, let who, let at):
            self.init(t: at, type: "escalated", key: k)
            level = lvl
            contacts = who
        }
    }

    public init(t: Int64, type: String, key: AlertKey) {
        self.t = t
        self.type = type
        rule = key.rule
        labels = key.labels
    }

    /// The alert the record is about, if any.
    public var key: AlertKey? {
        guard let rule else { return nil }
        var key = AlertKey(rule: rule, labels: Labels())
        key.labels = labels ?? [:]
        return key
    }

    /// The alert event this record describes, when it describes one.
    public var event: AlertEvent? {
        guard let key else { return nil }
        switch type {
        case "transition":
            guard let f = from.flatMap(AlertState.init), let to = to.flatMap(AlertState.init) else { return nil }
            return .transition(key, from: f, to: to, atMs: t, value: value ?? .nan)
        case "ack": return .acknowledged(key, Acknowledgement(by: by ?? "", atMs: t, note: note ?? ""))
        case "unack": return .unacknowledged(key, by: by ?? "", atMs: t)
        case "silence": return until.map { .silenced(key, by: by ?? "", untilMs: $0, atMs: t) }
        case "silence_expired": return .silenceExpired(key, atMs: t)
        case "escalated": return level.map { .escalated(key, level: $0, contacts: contacts ?? [], atMs: t) }
        default: return nil
        }
    }
}

public struct JournalError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The append-only journal in the state directory: one JSON record per
/// line, written under an exclusive `flock` and `fsync`ed before `append`
/// returns, so two Vigil instances on one host can share it and a record
/// that was acknowledged as written survives a kill -9 or power loss.
public final class Journal {
    public let path: String
    let fd: Int32
    /// False for a journal opened with `init(readingFrom:)`.
    public let writable: Bool
    /// How far this instance has read; `readNew` continues from here.
    public private(set) var offset: Int = 0
    var lineNumber = 0
    let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        return e
    }()
    let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        return d
    }()

    /// Opens (creating) `directory/journal.jsonl`. An unwritable directory
    /// is an error that says so; the caller then runs read-only.
    public init(directory: String) throws(JournalError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw JournalError(message: "cannot create the state directory \(directory): \(error.localizedDescription)")
        }
        path = (directory as NSString).appendingPathComponent("journal.jsonl")
        fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw JournalError(message: "cannot write the journal \(path): \(String(cString: strerror(errno)))")
        }
        writable = true
        repairTornTail()
    }

    /// Opens an existing journal for reading only: what a read-only
    /// instance (or `vigil incidents`) replays. Nil when there is none.
    public init?(readingFrom directory: String) {
        path = (directory as NSString).appendingPathComponent("journal.jsonl")
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        writable = false
    }

    deinit { close(fd) }

    /// A crash can leave a last line without its newline; end it, so the
    /// next record starts on a line of its own (replay skips the torn one).
    func repairTornTail() {
        flock(fd, LOCK_EX)
        defer { flock(fd, LOCK_UN) }
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return }
        var last: UInt8 = 0
        if pread(fd, &last, 1, size - 1) == 1, last != UInt8(ascii: "\n") {
            _ = write(fd, "\n", 1)
            fsync(fd)
        }
    }

    /// Appends a record and flushes it to disk.
    public func append(_ record: JournalRecord) throws(JournalError) { try append([record]) }

    /// Appends records with one write and one flush. A crash mid-write
    /// tears at most the last line, which replay skips.
    public func append(_ records: [JournalRecord]) throws(JournalError) {
        guard writable else { throw JournalError(message: "the journal \(path) is open read-only") }
        var line = Data()
        for record in records {
            do { line += try encoder.encode(record) } catch {
                throw JournalError(message: "cannot encode a journal record: \(error)")
            }
            line.append(UInt8(ascii: "\n"))
        }
        flock(fd, LOCK_EX)
        defer { flock(fd, LOCK_UN) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(fd) == 0 else {
            throw JournalError(message: "cannot write the journal \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Every complete record appended (by anyone) since the last call. A
    /// line that does not parse is skipped with a warning naming it; a
    /// last line without its newline is torn (a crash mid-write) and
    /// skipped the same way once a newer line follows it.
    public func readNew() -> (records: [JournalRecord], warnings: [String]) {
        flock(fd, LOCK_SH)
        let size = Int(lseek(fd, 0, SEEK_END))
        var data = [UInt8](repeating: 0, count: max(0, size - offset))
        let n = data.isEmpty ? 0 : pread(fd, &data, data.count, off_t(offset))
        flock(fd, LOCK_UN)
        guard n > 0 else { return ([], []) }
        var records: [JournalRecord] = []
        var warnings: [String] = []
        var start = 0
        while let nl = data[start..<n].firstIndex(of: UInt8(ascii: "\n")) {
            lineNumber += 1
            let line = data[start..<nl]
            if !line.isEmpty {
                if let r = try? decoder.decode(JournalRecord.self, from: Data(line)) {
                    records.append(r)
                } else {
                    warnings.append("\(path):\(lineNumber): skipped a damaged journal record")
                }
            }
            start = nl + 1
        }
        // What follows the last newline is a record still being written
        // (or torn by a crash): read it next time, once it is complete.
        offset += start
        return (records, warnings)
    }
}

/// Where journal records are kept: the application hands it what it
/// decided (`append`) and reads what others appended (`readNew`). The
/// file above is the one implementation today.
public protocol JournalStore: AnyObject {
    func append(_ records: [JournalRecord]) throws(JournalError)
    func readNew() -> (records: [JournalRecord], warnings: [String])
}

extension Journal: JournalStore {
    /// The state directory's journal, for writing when `write` and it can
    /// be; otherwise for reading, with the reason it cannot be written (nil
    /// journal: none there yet).
    public static func forState(directory stateDir: String, write: Bool) -> (journal: Journal?, readOnlyReason: String?)
    {
        guard write else { return (Journal(readingFrom: stateDir), nil) }
        do {
            return (try Journal(directory: stateDir), nil)
        } catch {
            return (Journal(readingFrom: stateDir), error.message)
        }
    }
}

extension AlertCenter {
    /// An alert center that has replayed everything `journal` holds.
    public static func replaying(_ journal: (any JournalStore)?, config: VigilConfig, identity: String) -> AlertCenter {
        let (records, warnings) = journal?.readNew() ?? ([], [])
        return AlertCenter(config: config, identity: identity, journal: records, warnings: warnings)
    }
}
