import CShims
import Foundation
import VigilCore

#if canImport(Glibc)
    import Glibc
#endif

/// Appends and reads the journal on a thread of its own. Each batch is
/// flushed to disk (`fsync`) before it counts as written, which takes
/// milliseconds on a quiet disk and far longer on a busy one; and a flood
/// of alerts writes thousands of records in a few turns, which take 12 µs
/// each to decode when read back (a hundred milliseconds for a flood).
/// The loop hands batches over (`submit` only appends under a lock), asks
/// for reads (`askRead`), and hears back through a pipe it polls with the
/// keyboard: a failed write ("nothing is saved any more"), and the records
/// read, decoded, this instance's own included: a notification goes out
/// once its own record has come back that way.
final class JournalWriter: @unchecked Sendable {
    enum Answer: Sendable {
        case failed(String)
        /// A compaction this writer started in the background failed.
        case warning(String)
        /// What the journal gained since the last read (everyone's records,
        /// this instance's included); `startedOver`: from the snapshot on.
        case read([JournalRecord], warnings: [String], startedOver: Bool)
    }

    // `queue`, `writing`, `readAsked`, `answers` are guarded by
    // `condition`; `journal` and `reader` are used only by the writer
    // thread once it has started (the loop asks `journal` for a
    // compaction's failure, which has a lock of its own).
    let condition = NSCondition()
    var queue: [[JournalRecord]] = []
    var writing = false
    var readAsked = false
    var answers: [Answer] = []
    let journal: Journal
    let reader: any JournalStore
    /// Knocks when answers are waiting.
    let wake = WakePipe()
    var readFD: Int32 { wake.readFD }

    /// `journal`: a writable journal of its own (its own descriptor and
    /// lock); `reader`: the one the application was replayed from, read
    /// on from where that replay stopped.
    init(journal: Journal, reader: any JournalStore) {
        self.journal = journal
        self.reader = reader
        let thread = Thread { [self] in run() }
        thread.name = "vigil-journal"
        thread.start()
    }

    /// Hands a batch over; never waits for the disk.
    func submit(_ records: [JournalRecord]) {
        condition.lock()
        queue.append(records)
        condition.signal()
        condition.unlock()
    }

    /// Asks for a read of what the journal gained. It happens once every
    /// batch handed over before it is written: a replay from the snapshot
    /// must find this instance's own records on disk, not in a queue.
    func askRead() {
        condition.lock()
        if !readAsked {
            readAsked = true
            condition.signal()
        }
        condition.unlock()
    }

    /// The answers so far, oldest first.
    func take() -> [Answer] {
        wake.drain()
        condition.lock()
        defer { condition.unlock() }
        var out = answers
        answers = []
        // The compaction flag has a lock of its own.
        if let failure = journal.takeCompactionFailure() { out.append(.warning(failure)) }
        return out
    }

    /// Waits until every batch handed over is written: Vigil quits only
    /// then, so nothing it decided is lost on the way out.
    func finish() {
        condition.lock()
        while !queue.isEmpty || writing { condition.wait() }
        condition.unlock()
    }

    func run() {
        vigil_name_this_thread("vigil-journal")
        vigil_lower_this_thread()
        while true {
            condition.lock()
            while queue.isEmpty && !readAsked { condition.wait() }
            if queue.isEmpty {
                readAsked = false
                condition.unlock()
                readJournal()
                continue
            }
            // Batches waiting together go out in one write and one flush;
            // each still gets its own answer.
            let batches = queue
            queue = []
            writing = true
            condition.unlock()
            var failure: String?
            do { try journal.append(batches.flatMap { $0 }) } catch { failure = error.message }
            condition.lock()
            if let failure { answers.append(.failed(failure)) }
            writing = false
            condition.broadcast()
            condition.unlock()
            if failure != nil { wake.knock() }
        }
    }

    /// Reads what the journal gained (waiting for its lock is fine here)
    /// and hands it over when there is anything.
    func readJournal() {
        let (records, warnings) = reader.readNew()
        let startedOver = reader.startedOver
        guard !records.isEmpty || !warnings.isEmpty || startedOver else { return }
        condition.lock()
        answers.append(.read(records, warnings: warnings, startedOver: startedOver))
        condition.unlock()
        wake.knock()
    }
}
