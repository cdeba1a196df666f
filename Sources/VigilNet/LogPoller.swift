import Foundation
import VigilCore

/// How a log source is doing, for its panels and the status bar.
public struct LogSourceHealth: Sendable {
    public var ok: Bool?
    public var lastError: String?
    public var lastErrorAtMs: Int64?
    public var lastSuccessAtMs: Int64?
    public var polls = 0
}

/// Polls log sources on their intervals through the scraper's fetcher (one
/// `curl_multi_poll` for everything) and keeps each source's newest lines
/// in a bounded ring. A source that fails keeps its lines and says why.
public final class LogPoller {
    public let fetcher: Fetcher
    public let sources: [LogSourceConfig]
    var followers: [LogFollower]
    public private(set) var rings: [LogRing]
    public private(set) var health: [LogSourceHealth]
    var nextDue: [Int64]
    var inFlight: [Int: Int] = [:]
    let clock: () -> Int64

    public init(
        sources: [LogSourceConfig], fetcher: Fetcher,
        clock: @escaping () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.sources = sources
        self.fetcher = fetcher
        self.clock = clock
        followers = sources.map(LogFollower.init)
        rings = sources.map { LogRing(capacity: $0.keep) }
        health = Array(repeating: LogSourceHealth(), count: sources.count)
        nextDue = Array(repeating: 0, count: sources.count)
    }

    public func index(of name: String) -> Int? { sources.firstIndex { $0.name == name } }

    /// Starts every poll that is due; returns milliseconds to the next.
    @discardableResult
    public func startDue() -> Int64 {
        let now = clock()
        var wait = Int64.max
        let busy = Set(inFlight.values)
        for i in sources.indices {
            if nextDue[i] <= now && !busy.contains(i) {
                start(i, now: now)
                nextDue[i] = now + sources[i].http.interval.milliseconds
            }
            wait = min(wait, max(0, nextDue[i] - now))
        }
        return wait
    }

    /// Polls every source now (the `r` key).
    public func pollNow() {
        for i in nextDue.indices { nextDue[i] = 0 }
    }

    func start(_ i: Int, now: Int64) {
        let c = sources[i]
        let want = followers[i].request(now: now)
        var r = FetchRequest(c.http, url: want.url)
        r.headers += want.headers
        r.accept = nil
        r.postBody = want.body
        inFlight[fetcher.start(r)] = i
    }

    /// Takes finished polls (ignoring transfers that are not its own);
    /// returns how many sources got new lines or a new error.
    @discardableResult
    public func handle(_ completions: [Fetcher.Completion]) -> Int {
        var changed = 0
        for c in completions {
            guard let i = inFlight.removeValue(forKey: c.id) else { continue }
            changed += 1
            health[i].polls += 1
            let now = clock()
            switch c.result {
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
        }
        return changed
    }

    func fail(_ i: Int, _ reason: String, _ now: Int64) {
        health[i].ok = false
        health[i].lastError = reason
        health[i].lastErrorAtMs = now
    }
}
