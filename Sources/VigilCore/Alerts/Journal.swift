import Foundation

#if canImport(Glibc)
    import Glibc
#endif

public struct JournalError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The journal in the state directory: one JSON record per line, written
/// under an exclusive `flock` and `fsync`ed before `append` returns, so two
/// Vigil instances on one host can share it and a record that was
/// acknowledged as written survives a kill -9 or power loss.
///
/// It is a snapshot plus a tail. `journal.jsonl` is the tail, appended to;
/// once it passes `compactAfterBytes`, `compact` folds its older part into
/// `journal.snapshot.jsonl` (the records `JournalCompaction` keeps) and
/// starts a new tail of the next generation with the last minutes' records
/// copied byte for byte. Both files are replaced by `rename`, so a kill -9
/// at any moment leaves either the old pair or the new one, and the
/// snapshot's first line says which part of which tail it already holds.
/// Every instance checks, under the lock, that its descriptor is still the
/// tail's file and follows a new one, carrying its read position over the
/// copied bytes; one that fell further behind replays from the start
/// (`startedOver`).
public final class Journal {
    public let path: String
    let directory: String
    var fd: Int32
    /// False for a journal opened with `init(readingFrom:)`.
    public let writable: Bool
    /// How far this instance has read in the current tail file.
    public private(set) var offset: Int = 0
    var lineNumber = 0
    /// The open tail's generation (0: a journal never compacted).
    var generation = 0
    var inode: ino_t = 0
    /// Nothing read yet: the first read starts with the snapshot.
    var fresh = true
    /// The last read replayed everything from the snapshot on, because
    /// a compaction folded records this instance had not read yet.
    public private(set) var startedOver = false
    /// A tail larger than this is compacted after an append (0: never).
    public var compactAfterBytes = 0
    /// The tail keeps the records of this many last milliseconds as they
    /// are, so an instance that reads every second never falls behind.
    public var carryMs: Int64 = 600_000
    let compacting = CompactionFlag()
    /// The tail (inode, size) at the last compaction started: a tail that
    /// is large with recent records only (carried, not folded) is tried
    /// again once it has grown by half (and by a quarter of the limit at
    /// least), not at every append: each try reads the whole tail.
    var lastCompaction: (inode: ino_t, size: Int) = (0, 0)
    var compactionsTried = 0
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

    public static let tailName = "journal.jsonl"
    public static let snapshotName = "journal.snapshot.jsonl"
    var snapshotPath: String { (directory as NSString).appendingPathComponent(Self.snapshotName) }

    /// Opens (creating) `directory/journal.jsonl`. An unwritable directory
    /// is an error that says so; the caller then runs read-only.
    public init(directory: String) throws(JournalError) {
        do {
            try SharedState.makeDirectory(directory)
        } catch {
            throw JournalError(message: "cannot create the state directory \(directory): \(error.localizedDescription)")
        }
        self.directory = directory
        path = (directory as NSString).appendingPathComponent(Self.tailName)
        fd = SharedState.open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC)
        guard fd >= 0 else {
            throw JournalError(message: "cannot write the journal \(path): \(String(cString: strerror(errno)))")
        }
        SharedState.share(fd: fd, in: directory)
        writable = true
        inode = Self.inode(fd)
        repairTornTail()
    }

    /// Opens an existing journal for reading only: what a read-only
    /// instance (or `vigil incidents`) replays. Nil when there is none.
    public init?(readingFrom directory: String) {
        self.directory = directory
        path = (directory as NSString).appendingPathComponent(Self.tailName)
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        writable = false
        inode = Self.inode(fd)
    }

    deinit { close(fd) }

    static func inode(_ fd: Int32) -> ino_t {
        var st = stat()
        return fstat(fd, &st) == 0 ? st.st_ino : 0
    }

    /// Takes the tail's lock, first following the tail to its new file if
    /// a compaction replaced it (checked under the lock, since the
    /// replacement happens under the old file's exclusive lock).
    /// With `LOCK_NB` in `operation`, false when another holds the lock.
    @discardableResult
    func lock(_ operation: Int32) -> Bool {
        while true {
            if flock(fd, operation) != 0 && operation & LOCK_NB != 0 { return false }
            var st = stat()
            if stat(path, &st) != 0 || st.st_ino == inode { return true }
            flock(fd, LOCK_UN)
            let newFD = open(path, (writable ? O_RDWR | O_APPEND : O_RDONLY) | O_CLOEXEC)
            guard newFD >= 0 else {
                return flock(fd, operation) == 0 || operation & LOCK_NB == 0
            }
            close(fd)
            fd = newFD
            inode = Self.inode(fd)
            follow()
        }
    }

    /// Carries the read position into a new tail: past its header, over
    /// the bytes it copied from the old one that this instance had read.
    func follow() {
        let header = readHeader(fd)
        defer { generation = header?.n ?? 0 }
        guard !fresh else { return }
        if let h = header, h.from == generation, let at = h.at, offset >= at {
            offset = h.length + (offset - at)
        } else {
            // The compaction folded records not read here into the
            // snapshot: replay everything.
            fresh = true
            offset = 0
            lineNumber = 0
        }
    }

    /// A crash can leave a last line without its newline; end it, so the
    /// next record starts on a line of its own (replay skips the torn one).
    func repairTornTail() {
        lock(LOCK_EX)
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
        lock(LOCK_EX)
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = written == line.count && fsync(fd) == 0
        let size = Int(lseek(fd, 0, SEEK_END))
        flock(fd, LOCK_UN)
        guard synced else {
            throw JournalError(message: "cannot write the journal \(path): \(String(cString: strerror(errno)))")
        }
        if compactAfterBytes > 0, size > compactAfterBytes,
            inode != lastCompaction.inode
                || size > max(lastCompaction.size + compactAfterBytes / 4, lastCompaction.size * 3 / 2)
        {
            lastCompaction = (inode, size)
            compactionsTried += 1
            compactInBackground()
        }
    }

    /// Compacts on a thread of its own (with its own descriptor), so the
    /// loop never waits for it; one at a time.
    func compactInBackground() {
        guard compacting.start() else { return }
        let directory = directory
        let carry = carryMs
        let flag = compacting
        Thread.detachNewThread {
            defer { flag.end() }
            // Said with the next read, as a warning: a journal that cannot
            // be compacted keeps growing, and someone should know why.
            do { _ = try Journal.compact(directory: directory, carryMs: carry) } catch {
                flag.failed((error as? JournalError)?.message ?? "\(error)")
            }
        }
    }

    /// Every complete record appended (by anyone) since the last call. A
    /// line that does not parse is skipped with a warning naming it; a
    /// last line without its newline is torn (a crash mid-write) and
    /// skipped the same way once a newer line follows it. The first call
    /// (and one after `startedOver`) begins with the snapshot.
    public func readNew() -> (records: [JournalRecord], warnings: [String]) {
        // Only a failed non-blocking lock is nil.
        readNew(waiting: true) ?? ([], [])
    }

    /// `readNew`, or nil at once when a writer holds the lock (flushing a
    /// batch to disk, which can take long): the run loop tries again on
    /// its next turn rather than wait for someone's `fsync`.
    public func readNew(waiting: Bool) -> (records: [JournalRecord], warnings: [String])? {
        guard lock(waiting ? LOCK_SH : LOCK_SH | LOCK_NB) else { return nil }
        startedOver = fresh && !firstRead
        var records: [JournalRecord] = []
        var warnings: [String] = []
        if fresh {
            fresh = false
            firstRead = false
            offset = startOffset(into: &records, &warnings)
            // A tail's header is its first line.
            lineNumber = generation > 0 && offset > 0 ? 1 : 0
        }
        let size = Int(lseek(fd, 0, SEEK_END))
        var data = [UInt8](repeating: 0, count: max(0, size - offset))
        let n = data.isEmpty ? 0 : pread(fd, &data, data.count, off_t(offset))
        flock(fd, LOCK_UN)
        guard n > 0 else {
            if let failure = takeCompactionFailure() { warnings.append(failure) }
            return (records, warnings)
        }
        let start = decodeLines(data[0..<n], into: &records, &warnings, file: path, line: &lineNumber)
        // What follows the last newline is a record still being written
        // (or torn by a crash): read it next time, once it is complete.
        offset += start
        if let failure = takeCompactionFailure() { warnings.append(failure) }
        return (records, warnings)
    }

    /// A background compaction's failure, said once, as a warning: a
    /// journal that cannot be compacted keeps growing, and someone should
    /// know why. Safe from any thread.
    public func takeCompactionFailure() -> String? {
        compacting.takeFailure().map { "compacting the journal failed: \($0); it keeps growing" }
    }
    var firstRead = true

    /// Reads the snapshot (under the tail's lock) and says where in the
    /// tail reading starts: past its header, or past the part of it the
    /// snapshot already holds when a compaction stopped between its two
    /// renames.
    func startOffset(into records: inout [JournalRecord], _ warnings: inout [String]) -> Int {
        let tailHeader = readHeader(fd)
        generation = tailHeader?.n ?? 0
        let skipHeader = tailHeader?.length ?? 0
        let sfd = open(snapshotPath, O_RDONLY | O_CLOEXEC)
        guard sfd >= 0 else { return skipHeader }
        defer { close(sfd) }
        guard let header = readHeader(sfd), let covers = header.covers, let through = header.through else {
            warnings.append("\(snapshotPath): not a journal snapshot; read the tail alone")
            return skipHeader
        }
        let size = Int(lseek(sfd, 0, SEEK_END))
        var data = [UInt8](repeating: 0, count: max(0, size - header.length))
        let n = data.isEmpty ? 0 : pread(sfd, &data, data.count, off_t(header.length))
        var line = 1
        if n > 0 { _ = decodeLines(data[0..<n], into: &records, &warnings, file: snapshotPath, line: &line) }
        if covers != generation && covers != generation - 1 {
            warnings.append(
                "\(path): generation \(generation) does not follow its snapshot's (\(covers)); read both whole")
        }
        // The snapshot covers this very tail up to `through`: a
        // compaction wrote it and stopped before replacing the tail.
        return covers == generation ? max(skipHeader, through) : skipHeader
    }

    /// Decodes whole lines; returns how many bytes they took.
    func decodeLines(
        _ data: ArraySlice<UInt8>, into records: inout [JournalRecord], _ warnings: inout [String], file: String,
        line: inout Int
    ) -> Int {
        var start = data.startIndex
        while let nl = data[start...].firstIndex(of: UInt8(ascii: "\n")) {
            line += 1
            let bytes = data[start..<nl]
            if !bytes.isEmpty {
                if let r = try? decoder.decode(JournalRecord.self, from: Data(bytes)) {
                    if case .unknown(let type) = r.entry, type == JournalHeader.generationType {
                        // A tail's header: not a record.
                    } else {
                        records.append(r)
                    }
                } else {
                    warnings.append("\(file):\(line): skipped a damaged journal record")
                }
            }
            start = nl + 1
        }
        return start - data.startIndex
    }

    func readHeader(_ fd: Int32) -> JournalHeader? {
        var buf = [UInt8](repeating: 0, count: 512)
        let n = pread(fd, &buf, buf.count, 0)
        guard n > 0, let nl = buf[0..<n].firstIndex(of: UInt8(ascii: "\n")),
            var h = try? JSONDecoder().decode(JournalHeader.self, from: Data(buf[0..<nl])),
            h.type == JournalHeader.generationType || h.type == JournalHeader.snapshotType
        else { return nil }
        h.length = nl + 1
        return h
    }
}

/// The first line of a tail (`generation`, with where its copied bytes
/// came from) or of a snapshot (`snapshot`: which tail, and how much of
/// it, it holds). A tail's header reads as a record of an unknown kind to
/// a Vigil from before compaction, which skips it.
struct JournalHeader: Codable {
    static let generationType = "journal_generation"
    static let snapshotType = "journal_snapshot"
    var type: String
    var t: Int64
    /// A tail's generation.
    var n: Int?
    /// A tail's: the generation and offset its first copied byte had.
    var from: Int?
    var at: Int?
    /// A snapshot's: it holds generation `covers` up to byte `through`.
    var covers: Int?
    var through: Int?
    var length = 0

    enum CodingKeys: String, CodingKey { case type, t, n, from, at, covers, through }
}

/// One compaction at a time per journal.
final class CompactionFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var running = false

    func start() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if running { return false }
        running = true
        return true
    }

    func end() {
        lock.lock()
        running = false
        lock.unlock()
    }

    private var failure: String?

    func failed(_ reason: String) {
        lock.lock()
        failure = reason
        lock.unlock()
    }

    /// The last failure, once.
    func takeFailure() -> String? {
        lock.lock()
        defer { lock.unlock() }
        let f = failure
        failure = nil
        return f
    }
}

/// Where journal records are kept: the application hands it what it
/// decided (`append`) and reads what others appended (`readNew`). The
/// file above is the one implementation today.
public protocol JournalStore: AnyObject {
    func append(_ records: [JournalRecord]) throws(JournalError)
    func readNew() -> (records: [JournalRecord], warnings: [String])
    /// Nil at once when the lock is held (by a writer flushing).
    func readNew(waiting: Bool) -> (records: [JournalRecord], warnings: [String])?
    /// The last `readNew` returned everything from the start again.
    var startedOver: Bool { get }
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
