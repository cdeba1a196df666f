import Foundation
import VigilCore

/// A /metrics endpoint and how to scrape it.
public struct ScrapeTarget: Sendable {
    public var name: String
    public var request: FetchRequest
    public var intervalMs: Int64
    /// Forces a format instead of trusting the Content-Type.
    public var format: ExpositionFormat?
    /// `job` and `instance`, added to every series as Prometheus does.
    public var labels: Labels

    public init(name: String, request: FetchRequest, intervalMs: Int64, format: ExpositionFormat? = nil) {
        self.name = name
        self.request = request
        self.intervalMs = intervalMs
        self.format = format
        let instance = URLComponents(string: request.url).map { c in
            c.port.map { "\(c.host ?? ""):\($0)" } ?? (c.host ?? request.url)
        }
        labels = Labels(["job": name, "instance": instance ?? request.url])
    }
}

/// What a target's last scrapes said, for status bars and `--json`.
public struct TargetHealth: Sendable {
    public var up: Bool?
    public var lastError: String?
    public var lastErrorAtMs: Int64?
    public var lastSuccessAtMs: Int64?
    public var lastDurationSeconds: Double?
    public var samples = 0
    public var scrapes = 0
}

/// Scrapes targets on their intervals through one `Fetcher` and feeds the
/// results into a `SeriesStore`. Nothing here blocks except `pump`, which
/// waits at most the time it is given.
public final class Scraper {
    public let fetcher: Fetcher
    public private(set) var targets: [ScrapeTarget]
    public private(set) var health: [TargetHealth]
    public var store: SeriesStore
    var nextDue: [Int64]
    var inFlight: [Int: (target: Int, startedMs: Int64)] = [:]
    let clock: () -> Int64
    /// Completions of transfers someone else started on the shared
    /// fetcher (log sources), for them to take.
    var unclaimed: [Fetcher.Completion] = []

    public func takeUnclaimed() -> [Fetcher.Completion] {
        defer { unclaimed = [] }
        return unclaimed
    }

    public init(
        targets: [ScrapeTarget], store: SeriesStore, fetcher: Fetcher = Fetcher(),
        clock: @escaping () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.targets = targets
        self.store = store
        self.fetcher = fetcher
        self.clock = clock
        health = Array(repeating: TargetHealth(), count: targets.count)
        nextDue = Array(repeating: 0, count: targets.count)
    }

    /// Starts every scrape that is due and not already running. Returns
    /// the milliseconds until the next one falls due.
    @discardableResult
    public func startDue() -> Int64 {
        let now = clock()
        var wait = Int64.max
        let busy = Set(inFlight.values.map(\.target))
        for i in targets.indices {
            if nextDue[i] <= now && !busy.contains(i) {
                let id = fetcher.start(targets[i].request)
                inFlight[id] = (i, now)
                // Keep a steady cadence from the first scrape on, but never
                // fire a backlog of missed scrapes after a stall.
                let base = nextDue[i] == 0 ? now : nextDue[i]
                nextDue[i] = max(base + targets[i].intervalMs, now + targets[i].intervalMs / 2)
            }
            wait = min(wait, max(0, nextDue[i] - now))
        }
        return wait
    }

    /// Makes every target due now (the `r` key).
    public func scrapeNow() {
        for i in nextDue.indices { nextDue[i] = 0 }
    }

    /// Waits up to `timeoutMs` for network activity or `extraFD`, then
    /// takes in whatever finished. Returns whether `extraFD` is readable
    /// and how many scrapes completed.
    @discardableResult
    public func pump(timeoutMs: Int, extraFD: Int32? = nil) -> (extraReady: Bool, completed: Int) {
        let (ready, completed) = pump(timeoutMs: timeoutMs, extraFDs: extraFD.map { [$0] } ?? [])
        return (ready.first ?? false, completed)
    }

    @discardableResult
    public func pump(timeoutMs: Int, extraFDs: [Int32]) -> (ready: [Bool], completed: Int) {
        let (completions, ready) = fetcher.poll(timeoutMs: timeoutMs, extraFDs: extraFDs)
        var mine = 0
        for c in completions {
            if inFlight[c.id] != nil {
                finish(c)
                mine += 1
            } else {
                unclaimed.append(c)
            }
        }
        return (ready, mine + unclaimed.count)
    }

    func finish(_ c: Fetcher.Completion) {
        guard let (i, startedMs) = inFlight.removeValue(forKey: c.id) else { return }
        let target = targets[i]
        health[i].scrapes += 1
        health[i].lastDurationSeconds = c.durationSeconds
        switch c.result {
        case .success(let response):
            let format = target.format ?? ExpositionFormat(contentType: response.contentType)
            do {
                let samples = try ExpositionParser.parseAll(bytes: response.body, format: format)
                store.ingest(
                    target: target.name, targetLabels: target.labels, samples: samples, timeMs: startedMs,
                    durationSeconds: c.durationSeconds)
                health[i].up = true
                health[i].lastSuccessAtMs = clock()
                health[i].samples = samples.count
                health[i].lastError = nil
            } catch {
                var reason = "parse error at \(error)"
                if let ct = response.contentType, ct.lowercased().hasPrefix("text/html") {
                    reason += " (got text/html)"
                }
                fail(i, reason, startedMs: startedMs, duration: c.durationSeconds)
            }
        case .failure(let error):
            fail(i, error.description, startedMs: startedMs, duration: c.durationSeconds)
        }
    }

    func fail(_ i: Int, _ reason: String, startedMs: Int64, duration: Double) {
        health[i].up = false
        health[i].lastError = reason
        health[i].lastErrorAtMs = clock()
        store.ingestFailure(
            target: targets[i].name, targetLabels: targets[i].labels, timeMs: startedMs, durationSeconds: duration)
    }

    /// Scrapes every target on schedule for `durationMs`, then waits for
    /// the scrapes still running. For `vigil query --target`.
    public func run(forMs durationMs: Int64) {
        let end = clock() + durationMs
        while clock() < end {
            let wait = min(startDue(), end - clock())
            pump(timeoutMs: Int(max(1, min(wait, 1000))))
        }
        while fetcher.inFlight > 0 { pump(timeoutMs: 100) }
    }
}
