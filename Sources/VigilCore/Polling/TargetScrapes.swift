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

    /// Parses and ingests at once (`vigil scrape`, `vigil query
    /// --target`): `received`, the job on this store, `apply`.
    @discardableResult
    public mutating func take(tag: String, _ outcome: FetchOutcome, now: Int64) -> Bool {
        guard let job = received(tag: tag, outcome, now: now) else { return false }
        apply(job.run(into: &store))
        return true
    }

    /// A scrape's answer, as the job that parses and ingests it (the
    /// dashboard's worker runs it). The target stays in flight, and is not
    /// scraped again, until its report is applied: a worker that falls
    /// behind never gathers a queue of bodies.
    public func received(tag: String, _ outcome: FetchOutcome, now: Int64) -> ScrapeJob? {
        guard let i = Int(tag), let startedMs = started[i] else { return nil }
        let due = health[i].strictCheckedAtMs.map { now - $0 >= Self.strictEveryMs } ?? true
        return ScrapeJob(
            index: i, target: targets[i], outcome: outcome, startedMs: startedMs, now: now, checkStrictly: due)
    }

    /// What a scrape's job found: the target's health moves on.
    public mutating func apply(_ report: ScrapeReport) {
        let i = report.index
        guard started.removeValue(forKey: i) != nil else { return }
        health[i].scrapes += 1
        health[i].lastDurationSeconds = report.durationSeconds
        switch report.result {
        case .success(let samples, let warning):
            if let warning { health[i].warning = warning }
            if report.strictlyChecked { health[i].strictCheckedAtMs = report.now }
            health[i].up = true
            health[i].lastSuccessAtMs = report.now
            health[i].samples = samples
            health[i].lastError = nil
        case .failure(let reason):
            health[i].up = false
            health[i].lastError = reason
            health[i].lastErrorAtMs = report.now
        }
    }

    /// How often an OpenMetrics body is also held to the whole spec: the
    /// first scrape, then every ten minutes (it costs a second parse).
    static let strictEveryMs: Int64 = 600_000
}

/// One scrape's answer to parse and ingest, off the loop thread.
public struct ScrapeJob: Sendable {
    public var index: Int
    public var target: ScrapeTarget
    public var outcome: FetchOutcome
    public var startedMs: Int64
    public var now: Int64
    /// Hold an OpenMetrics body to the whole spec this time.
    public var checkStrictly: Bool

    /// Parses the body into `store` (or records the failure there: `up`
    /// 0, the target's series stale) and says what happened.
    public func run(into store: inout SeriesStore) -> ScrapeReport {
        let duration = outcome.durationSeconds
        var report = ScrapeReport(index: index, now: now, durationSeconds: duration, result: .failure(""))
        func fail(_ reason: String) -> ScrapeReport {
            store.ingestFailure(
                target: target.name, targetLabels: target.labels, timeMs: startedMs, durationSeconds: duration)
            report.result = .failure(reason)
            return report
        }
        switch outcome.result {
        case .success(let response):
            let format = target.format ?? ExpositionFormat(contentType: response.contentType)
            do {
                let samples = try store.ingest(
                    target: target.name, targetLabels: target.labels, body: response.body, format: format,
                    limit: target.seriesLimit, timeMs: startedMs, durationSeconds: duration)
                // Only OpenMetrics has a whole spec to hold a body to; any
                // other format clears a warning an earlier body left.
                var warning: String?? = .some(nil)
                if format == .openMetrics {
                    warning = nil
                    if checkStrictly {
                        report.strictlyChecked = true
                        warning = .some(
                            ExpositionParser.violation(in: response.body).map { "not OpenMetrics 1.0 at \($0)" })
                    }
                }
                report.result = .success(samples: samples, warning: warning)
                return report
            } catch {
                guard case .parse(let error) = error else {
                    return fail("over the series limit: more than \(target.seriesLimit) series (series_limit)")
                }
                var reason = "parse error at \(error)"
                if let ct = response.contentType, ct.lowercased().hasPrefix("text/html") {
                    reason += " (got text/html)"
                }
                return fail(reason)
            }
        case .failure(let error):
            return fail(error.description)
        }
    }
}

/// What a scrape job found, for the target's health.
public struct ScrapeReport: Sendable {
    public enum Result: Sendable {
        /// Samples ingested; `warning` is set (to a violation or to none)
        /// when the body was held to the whole spec, or is not
        /// OpenMetrics; nil leaves the last one.
        case success(samples: Int, warning: String??)
        case failure(String)
    }
    public var index: Int
    public var now: Int64
    public var durationSeconds: Double
    public var result: Result
    /// The body was held to the whole OpenMetrics spec this time.
    public var strictlyChecked = false
}
