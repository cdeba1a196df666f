import CSQLite
import CShims
import Foundation
import VigilCore

/// Writes the history on a thread of its own, so a slow disk never
/// delays a frame: the loop hands points over (`enqueue` only appends
/// under a lock) and the thread writes whatever has gathered as one
/// batch, at most once a second, pruning by retention every hour. A
/// failure stops it; the loop picks the reason up with `takeFailure`.
public final class HistoryWriter: @unchecked Sendable {
    // Everything below is guarded by `condition`.
    let condition = NSCondition()
    var queue: [HistoryPoint] = []
    var failure: String?
    var reported = false
    var closing = false
    var finished = false
    let store: HistoryStore
    let retention: HistoryRetention

    public init(store: HistoryStore, retention: HistoryRetention = HistoryRetention()) {
        self.store = store
        self.retention = retention
        let thread = Thread { [self] in run() }
        thread.name = "vigil-history"
        thread.start()
    }

    /// Hands points to the writer; never blocks on the disk.
    public func enqueue(_ points: [HistoryPoint]) {
        condition.lock()
        if failure == nil && !closing {
            queue += points
            // Bounded, and never silently: a writer a million points
            // behind (a disk that stopped) stops recording and says so.
            if queue.count > 1_000_000 {
                failure = "\(store.path): the writer fell \(queue.count) points behind; recording stopped"
                queue = []
            }
            condition.signal()
        }
        condition.unlock()
    }

    /// The reason the writer stopped, once.
    public func takeFailure() -> String? {
        condition.lock()
        defer { condition.unlock() }
        guard let failure, !reported else { return nil }
        reported = true
        return failure
    }

    /// Writes what is queued and stops the thread (at exit).
    public func close() {
        condition.lock()
        closing = true
        condition.signal()
        while !finished { condition.wait() }
        condition.unlock()
    }

    func run() {
        // Named for top and /proc (Thread.name does not reach the kernel
        // here): scripts/bench-history.sh measures this thread's CPU.
        vigil_name_this_thread("vigil-history")
        vigil_lower_this_thread()
        var lastPrune: Int64 = 0
        while true {
            condition.lock()
            while queue.isEmpty && !closing { condition.wait() }
            let batch = queue
            queue = []
            let last = closing
            condition.unlock()
            do {
                try store.write(batch)
                let now = batch.last?.t ?? 0
                if now - lastPrune >= 3_600_000 {
                    try store.prune(now: now, retention: retention)
                    lastPrune = now
                }
            } catch {
                condition.lock()
                failure = error.message
                queue = []
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            if last {
                condition.lock()
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            // Gather for a second: one transaction for many refreshes.
            Thread.sleep(forTimeInterval: 1)
        }
    }
}
