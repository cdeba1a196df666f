/// The checklist's HTTP items as a polled source: each URL is fetched on
/// its item's interval (and at once before a promotion), and its answer is
/// a pass when the status is the expected one. Results wait in `results`
/// for the application to journal what changed.
public struct ChecklistProbes: PolledSource {
    public struct Probe: Sendable {
        public var item: String
        public var url: String
        public var status: Int
        public var everyMs: Int64
    }
    /// One probe's answer.
    public struct Result: Sendable, Equatable {
        public var item: String
        public var passed: Bool
        /// "HTTP 200", "HTTP 503 (expected 200)", "connection refused".
        public var detail: String
        public var atMs: Int64
    }

    public let probes: [Probe]
    var next: [Int64]
    var asked: Set<Int> = []
    /// Answers not yet taken by the application.
    public var results: [Result] = []

    public init(plan: LaunchPlan) {
        probes = plan.checklist.compactMap {
            guard case .http(let url, let status) = $0.kind else { return nil }
            return Probe(item: $0.id, url: url, status: status, everyMs: $0.everyMs)
        }
        next = Array(repeating: 0, count: probes.count)
    }

    public var inFlight: Int { asked.count }
    public var nextDueMs: Int64 {
        probes.indices.filter { !asked.contains($0) }.map { next[$0] }.min() ?? .max
    }

    public mutating func due(now: Int64) -> [Poll] {
        var polls: [Poll] = []
        for i in probes.indices where !asked.contains(i) && next[i] <= now {
            asked.insert(i)
            var r = FetchRequest(url: probes[i].url)
            r.accept = "*/*"
            r.timeoutMs = 5000
            r.bodyLimit = 64 << 10
            // The status is the answer: a 503 is a result, not a failure.
            r.errorBodies = true
            polls.append(Poll(tag: String(i), request: r))
        }
        return polls
    }

    @discardableResult
    public mutating func take(tag: String, _ outcome: FetchOutcome, now: Int64) -> Bool {
        guard let i = Int(tag), probes.indices.contains(i) else { return false }
        asked.remove(i)
        next[i] = now + probes[i].everyMs
        let p = probes[i]
        // Any status is an answer, compared with the one expected (a probe
        // may expect a 404); only no answer at all is a failure to reach.
        var status: Int?
        switch outcome.result {
        case .success(let r): status = r.status
        case .failure(.http(let code, _)): status = code
        case .failure: status = nil
        }
        switch outcome.result {
        case _ where status != nil:
            let ok = status == p.status
            results.append(
                Result(
                    item: p.item, passed: ok, detail: "HTTP \(status!)" + (ok ? "" : " (expected \(p.status))"),
                    atMs: now))
        case .success: break
        case .failure(let e):
            results.append(
                Result(item: p.item, passed: false, detail: Sanitizer.clean(e.description, maxLength: 200), atMs: now))
        }
        return true
    }

    public mutating func pollNow() {
        for i in probes.indices { next[i] = 0 }
    }

    /// Takes the answers in.
    public mutating func takeResults() -> [Result] {
        defer { results = [] }
        return results
    }
}
