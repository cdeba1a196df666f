import Foundation

/// A /metrics endpoint and how to scrape it.
public struct ScrapeTarget: Sendable {
    public var name: String
    public var request: FetchRequest
    public var intervalMs: Int64
    /// Forces a format instead of trusting the Content-Type.
    public var format: ExpositionFormat?
    /// `job` and `instance`, added to every series as Prometheus does.
    public var labels: Labels
    /// Most series one scrape may bring.
    public var seriesLimit = 1_000_000

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

    /// A configured target, as the dashboard scrapes it.
    public init(_ config: TargetConfig) {
        self.init(
            name: config.name, request: FetchRequest(config), intervalMs: config.interval.milliseconds,
            format: config.format)
        seriesLimit = config.seriesLimit
    }
}

/// What a target's last scrapes said, for status bars and `--json`.
public struct TargetHealth: Sendable, Equatable {
    public var up: Bool?
    public var lastError: String?
    /// The first rule of OpenMetrics 1.0 its last checked body broke; the
    /// scrape keeps what Prometheus would keep, and this is said beside.
    public var warning: String?
    var strictCheckedAtMs: Int64?
    public var lastErrorAtMs: Int64?
    public var lastSuccessAtMs: Int64?
    public var lastDurationSeconds: Double?
    public var samples = 0
    public var scrapes = 0
}

/// Scrape targets on their intervals, feeding a `SeriesStore`: the polled
/// source behind every local panel and rule. A target's tag is its index.
public struct TargetScrapes: PolledSource {
    public private(set) var targets: [ScrapeTarget]
    public private(set) var health: [TargetHealth]
    public var store: SeriesStore
    var nextDue: [Int64]
    /// Target index → when its scrape started (the samples' timestamp).
    var started: [Int: Int64] = [:]

    public init(targets: [ScrapeTarget], store: SeriesStore) {
        self.targets = targets
        self.store = store
        health = Array(repeating: TargetHealth(), count: targets.count)
        nextDue = Array(repeating: 0, count: targets.count)
    }

    public var inFlight: Int { started.count }
    public var nextDueMs: Int64 {
        targets.indices.filter { started[$0] == nil }.map { nextDue[$0] }.min() ?? .max
    }

    public mutating func due(now: Int64) -> [Poll] {
        var polls: [Poll] = []
        for i in targets.indices where nextDue[i] <= now && started[i] == nil {
            started[i] = now
            polls.append(Poll(tag: String(i), request: targets[i].request))
            // Keep a steady cadence from the first scrape on, but never
            // fire a backlog of missed scrapes after a stall.
            let base = nextDue[i] == 0 ? now : nextDue[i]
            nextDue[i] = max(base + targets[i].intervalMs, now + targets[i].intervalMs / 2)
        }
        return polls
    }

    public mutating func pollNow() {
        for i in nextDue.indices { nextDue[i] = 0 }
    }

    /// Every scrape so far, over all targets.
    public var scrapes: Int { health.reduce(0) { $0 + $1.scrapes } }

    @discardableResult
    public mutating func take(tag: String, _ outcome: FetchOutcome, now: Int64) -> Bool {
        guard let i = Int(tag), let startedMs = started.removeValue(forKey: i) else { return false }
        let target = targets[i]
        health[i].scrapes += 1
        health[i].lastDurationSeconds = outcome.durationSeconds
        switch outcome.result {
        case .success(let response):
            let format = target.format ?? ExpositionFormat(contentType: response.contentType)
            do {
                let samples = try ExpositionParser.parseAll(
                    bytes: response.body, format: format, limit: target.seriesLimit + 1, strict: false)
                guard samples.count <= target.seriesLimit else {
                    fail(
                        i, "over the series limit: more than \(target.seriesLimit) series (series_limit)",
                        startedMs: startedMs, duration: outcome.durationSeconds, now: now)
                    return true
                }
                store.ingest(
                    target: target.name, targetLabels: target.labels, samples: samples, timeMs: startedMs,
                    durationSeconds: outcome.durationSeconds)
                checkStrictly(i, response.body, format: format, now: now)
                health[i].up = true
                health[i].lastSuccessAtMs = now
                health[i].samples = samples.count
                health[i].lastError = nil
            } catch {
                var reason = "parse error at \(error)"
                if let ct = response.contentType, ct.lowercased().hasPrefix("text/html") {
                    reason += " (got text/html)"
                }
                fail(i, reason, startedMs: startedMs, duration: outcome.durationSeconds, now: now)
            }
        case .failure(let error):
            fail(i, error.description, startedMs: startedMs, duration: outcome.durationSeconds, now: now)
        }
        return true
    }

    /// How often an OpenMetrics body is also held to the whole spec: the
    /// first scrape, then every ten minutes (it costs a second parse).
    static let strictEveryMs: Int64 = 600_000

    mutating func checkStrictly(_ i: Int, _ body: [UInt8], format: ExpositionFormat, now: Int64) {
        guard format == .openMetrics else {
            health[i].warning = nil
            return
        }
        if let at = health[i].strictCheckedAtMs, now - at < Self.strictEveryMs { return }
        health[i].strictCheckedAtMs = now
        health[i].warning = ExpositionParser.violation(in: body).map { "not OpenMetrics 1.0 at \($0)" }
    }

    mutating func fail(_ i: Int, _ reason: String, startedMs: Int64, duration: Double, now: Int64) {
        health[i].up = false
        health[i].lastError = reason
        health[i].lastErrorAtMs = now
        store.ingestFailure(
            target: targets[i].name, targetLabels: targets[i].labels, timeMs: startedMs, durationSeconds: duration)
    }
}
