import CSQLite
import CShims
import Foundation
import VigilCore

/// Reads a long window's minute averages on a thread of its own, with its
/// own connection (WAL lets it read while the writer writes), so a week of
/// rollups never delays a frame. The loop asks with `load` and picks the
/// answer up with `take`, in the order asked.
public final class HistoryReader: @unchecked Sendable {
    public struct Request: Sendable {
        public var metrics: [String]
        public var from: Int64
        public var to: Int64

        public init(metrics: [String], from: Int64, to: Int64) {
            self.metrics = metrics
            self.from = from
            self.to = to
        }
    }

    public enum Answer: Sendable {
        case loaded([String: [Labels: [(Int64, Double)]]], from: Int64)
        case failed(String)
    }

    // Guarded by `condition`.
    let condition = NSCondition()
    var requests: [Request] = []
    var answers: [Answer] = []
    var closing = false
    let path: String

    public init(path: String) {
        self.path = path
        let thread = Thread { [self] in run() }
        thread.name = "vigil-history-read"
        thread.start()
    }

    public func load(_ request: Request) {
        condition.lock()
        requests.append(request)
        condition.signal()
        condition.unlock()
    }

    /// The answers that arrived since the last call.
    public func take() -> [Answer] {
        condition.lock()
        defer { condition.unlock() }
        let out = answers
        answers = []
        return out
    }

    public func close() {
        condition.lock()
        closing = true
        condition.signal()
        condition.unlock()
    }

    func run() {
        vigil_name_this_thread("vigil-hist-read")
        vigil_lower_this_thread()
        var store: HistoryStore?
        while true {
            condition.lock()
            while requests.isEmpty && !closing { condition.wait() }
            guard !closing, !requests.isEmpty else {
                condition.unlock()
                return
            }
            let next = requests.removeFirst()
            condition.unlock()
            let answer: Answer
            do {
                if store == nil { store = try HistoryStore(path: path) }
                var out: [String: [Labels: [(Int64, Double)]]] = [:]
                for id in next.metrics {
                    let series = try store!.minuteAverages(metric: id, from: next.from, to: next.to)
                    if !series.isEmpty { out[id] = series }
                }
                answer = .loaded(out, from: next.from)
            } catch {
                answer = .failed(error.message)
            }
            condition.lock()
            answers.append(answer)
            condition.unlock()
        }
    }
}
