/// How a log source is doing, for its panels and the status bar.
public struct LogSourceHealth: Sendable, Equatable {
    public var ok: Bool?
    public var lastError: String?
    public var lastErrorAtMs: Int64?
    public var lastSuccessAtMs: Int64?
    public var polls = 0
}

/// Log sources polled on their intervals, each keeping its newest lines in
/// a bounded ring. A source that fails keeps its lines and says why. A
/// source's tag is its index.
public struct LogSources: PolledSource {
    public let sources: [LogSourceConfig]
    var followers: [LogFollower]
    public private(set) var rings: [LogRing]
    public private(set) var health: [LogSourceHealth]
    var nextDue: [Int64]
    var busy: Set<Int> = []

    public init(sources: [LogSourceConfig]) {
        self.sources = sources
        followers = sources.map(LogFollower.init)
        rings = sources.map { LogRing(capacity: $0.keep) }
        health = Array(repeating: LogSourceHealth(), count: sources.count)
        nextDue = Array(repeating: 0, count: sources.count)
    }

    public func index(of name: String) -> Int? { sources.firstIndex { $0.name == name } }

    public var inFlight: Int { busy.count }
    public var nextDueMs: Int64 { sources.indices.filter { !busy.contains($0) }.map { nextDue[$0] }.min() ?? .max }

    public mutating func due(now: Int64) -> [Poll] {
        var polls: [Poll] = []
        for i in sources.indices where nextDue[i] <= now && !busy.contains(i) {
            let want = followers[i].request(now: now)
            var r = FetchRequest(sources[i].http, url: want.url)
            r.headers += want.headers
            r.accept = nil
            r.postBody = want.body
            busy.insert(i)
            polls.append(Poll(tag: String(i), request: r))
            nextDue[i] = now + sources[i].http.interval.milliseconds
        }
        return polls
    }

    public mutating func pollNow() {
        for i in nextDue.indices { nextDue[i] = 0 }
    }

    @discardableResult
    public mutating func take(tag: String, _ outcome: FetchOutcome, now: Int64) -> Bool {
        guard let i = Int(tag), busy.remove(i) != nil else { return false }
        health[i].polls += 1
        switch outcome.result {
        case .success(let response):
            do {
                let (update, again) = try followers[i].consume(
                    status: response.status, headers: response.headers, body: response.body, now: now)
                switch update {
                case .append(let records): rings[i].append(contentsOf: records)
                case .replace(let records): rings[i].replace(with: records)
                }
                health[i].ok = true
                health[i].lastError = nil
                health[i].lastSuccessAtMs = now
                // A full page or a rotated file: the rest at once.
                if again { nextDue[i] = 0 }
            } catch {
                fail(i, error.message, now)
            }
        case .failure(let error):
            if case .http(let status, _) = error, followers[i].failed(status: status) {
                nextDue[i] = 0
            } else {
                fail(i, error.description, now)
            }
        }
        return true
    }

    mutating func fail(_ i: Int, _ reason: String, _ now: Int64) {
        health[i].ok = false
        health[i].lastError = reason
        health[i].lastErrorAtMs = now
    }
}
