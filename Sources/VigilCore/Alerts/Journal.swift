import Foundation

#if canImport(Glibc)
    import Glibc
#endif

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
            try SharedState.makeDirectory(directory)
        } catch {
            throw JournalError(message: "cannot create the state directory \(directory): \(error.localizedDescription)")
        }
        path = (directory as NSString).appendingPathComponent("journal.jsonl")
        fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw JournalError(message: "cannot write the journal \(path): \(String(cString: strerror(errno)))")
        }
        SharedState.share(fd: fd, in: directory)
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
