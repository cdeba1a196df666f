/// Queries a Prometheus-compatible server and keeps the latest answer per
/// key. The flood guard: at most `maxInFlight` requests are outstanding;
/// the rest wait in a queue where a newer request for the same key
/// replaces the older one, and a key never has two requests in flight (a
/// slow server is asked less often, not more). Callers ask once per
/// refresh, and for a range only when its step moved. A request's tag is
/// its sequence number.
public struct PrometheusQueries: PolledSource {
    public struct Instant: Sendable {
        public var rows: [QueryResultRow]
        public var atMs: Int64
        public var warnings: [String]
        public var error: String?
    }

    public struct Range: Sendable {
        public var series: [SeriesPoints]
        public var startMs: Int64
        public var endMs: Int64
        public var stepMs: Int64
        public var warnings: [String]
        public var error: String?
    }

    enum Pending: Sendable, Equatable {
        case instant(key: String, atMs: Int64)
        case range(key: String, startMs: Int64, endMs: Int64, stepMs: Int64)

        var key: String {
            switch self {
            case .instant(let k, _), .range(let k, _, _, _): return k
            }
        }
    }

    public let server: TargetConfig
    public private(set) var instants: [String: Instant] = [:]
    public private(set) var ranges: [String: Range] = [:]
    var asked: [String: Pending] = [:]
    /// Waiting requests, oldest first, one per key.
    var queue: [(pending: Pending, url: String)] = []
    var sequence = 0
    /// Requests sent since start, for the queries-per-second figure.
    public private(set) var sent = 0
    /// The last transport failure (refused, timed out …), nil once the
    /// server answers again.
    public private(set) var lastError: String?
    public private(set) var lastSuccessMs: Int64?
    public static let maxInFlight = 6

    public init(server: TargetConfig) { self.server = server }

    public var inFlight: Int { asked.count }
    /// Requests waiting for a free slot.
    public var queued: Int { queue.count }
    /// Nothing asked is still unanswered: the end of a server round.
    public var settled: Bool { asked.isEmpty && queue.isEmpty }
    /// Queued work that could start is due at once; the rest waits for an
    /// answer (a free slot, or its key's request to finish), not a timer:
    /// a loop must never spin on work it cannot start.
    public var nextDueMs: Int64 {
        asked.count < Self.maxInFlight && queue.contains(where: { !busy($0.pending.key) }) ? 0 : .max
    }

    func busy(_ key: String) -> Bool { asked.values.contains { $0.key == key } }

    /// Asks for `query` at `atMs` (queued behind what is in flight).
    public mutating func instant(key: String, query: String, atMs: Int64) {
        enqueue(.instant(key: key, atMs: atMs), PrometheusAPI.instantURL(base: server.url, query: query, atMs: atMs))
    }

    /// Asks for `query` over [start, end] at `step`, unless that exact range
    /// is already here or is being answered.
    public mutating func range(key: String, query: String, startMs: Int64, endMs: Int64, stepMs: Int64) {
        if let r = ranges[key], r.endMs == endMs, r.startMs == startMs, r.stepMs == stepMs, r.error == nil {
            return
        }
        let pending = Pending.range(key: key, startMs: startMs, endMs: endMs, stepMs: stepMs)
        if asked.values.contains(pending) { return }
        let url = PrometheusAPI.rangeURL(base: server.url, query: query, startMs: startMs, endMs: endMs, stepMs: stepMs)
        enqueue(pending, url)
    }

    mutating func enqueue(_ p: Pending, _ url: String) {
        if let i = queue.firstIndex(where: { $0.pending.key == p.key }) {
            queue[i] = (p, url)
        } else {
            queue.append((p, url))
        }
    }

    /// Queued requests while there is room, skipping keys in flight.
    public mutating func due(now: Int64) -> [Poll] {
        var polls: [Poll] = []
        var i = 0
        while asked.count < Self.maxInFlight && i < queue.count {
            if busy(queue[i].pending.key) {
                i += 1
                continue
            }
            let (p, url) = queue.remove(at: i)
            sequence += 1
            asked[String(sequence)] = p
            var r = FetchRequest(server, url: url)
            r.accept = "application/json"
            r.errorBodies = true
            polls.append(Poll(tag: String(sequence), request: r))
            sent += 1
        }
        return polls
    }

    /// A key whose query changed: its answers were the old query's.
    public mutating func forget(_ key: String) {
        instants[key] = nil
        ranges[key] = nil
    }

    /// Queries are asked by the application each refresh; nothing to force.
    public mutating func pollNow() {}

    @discardableResult
    public mutating func take(tag: String, _ outcome: FetchOutcome, now: Int64) -> Bool {
        guard let pending = asked.removeValue(forKey: tag) else { return false }
        var parsed: Result<PromAPIResponse, PromAPIError>
        switch outcome.result {
        case .success(let response):
            lastError = nil
            lastSuccessMs = now
            do {
                parsed = .success(try PrometheusAPI.parse(response.body))
            } catch {
                // The server's own words when it gave them; else the status.
                let status = response.status >= 400 ? "HTTP \(response.status): " : ""
                parsed = .failure(PromAPIError(status + error.message))
            }
        case .failure(let error):
            lastError = error.description
            parsed = .failure(PromAPIError(error.description))
        }
        switch pending {
        case .instant(let key, let at):
            switch parsed {
            case .success(let r):
                var rows: [QueryResultRow] = []
                switch r.data {
                case .vector(let v): rows = v
                case .scalar(let v, let t): rows = [QueryResultRow(labels: Labels(), value: v, timeMs: t)]
                case .matrix: break
                }
                instants[key] = Instant(rows: rows, atMs: at, warnings: r.warnings, error: nil)
            case .failure(let e):
                // Keep the last rows: a panel shows the error and what it had.
                var old = instants[key] ?? Instant(rows: [], atMs: at, warnings: [], error: nil)
                old.error = e.message
                instants[key] = old
            }
        case .range(let key, let start, let end, let step):
            switch parsed {
            case .success(let r):
                var series: [SeriesPoints] = []
                if case .matrix(let m) = r.data { series = m }
                ranges[key] = Range(
                    series: series, startMs: start, endMs: end, stepMs: step, warnings: r.warnings, error: nil)
            case .failure(let e):
                var old =
                    ranges[key] ?? Range(series: [], startMs: start, endMs: end, stepMs: step, warnings: [], error: nil)
                old.error = e.message
                ranges[key] = old
            }
        }
        return true
    }
}
