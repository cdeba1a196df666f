import FlyingFox
import Foundation
import Prometheus
import VigilCore

/// The built-in demo exporter: a time-compressed NormalDance launch day,
/// served over real HTTP on a loopback port, with every metric that
/// `dashboards/normaldance.yaml` queries.
///
/// One cycle lasts four minutes: traffic at 10% (30 s), 25% (30 s), then
/// 100%; at 1:20 the api service degrades, and from 1:30 to 2:30 it is
/// down (errors, latency, CPU, database and cache trouble), long enough
/// for the alert rules (held 30 times shorter in the demo) to fire and
/// escalate; at 2:50 a failed-login burst and a new critical CVE. Then it
/// starts over. Within two minutes of starting, panels go from red (low
/// traffic) to yellow to green to red and back.
final class DemoExporter: Sendable {
    static let cycle = 240.0
    /// Where in the cycle to start, and whether to stay there (tests).
    let startAt: Double
    let freeze: Bool
    let registry = PrometheusCollectorRegistry()
    let feeds = DemoFeeds()
    let server: HTTPServer
    /// The launch's traffic share once a launch has started in the
    /// dashboard watching this exporter (nil: the demo's own cycle).
    let launchShare = ShareBox()

    init(host: String = "127.0.0.1", port: UInt16, startAt: Double = 0, freeze: Bool = false) throws {
        self.startAt = startAt
        self.freeze = freeze
        let address = try sockaddr_in.inet(ip4: host, port: port)
        server = HTTPServer(address: address, logger: .disabled)
    }

    /// Phase of the launch at `t` seconds into the demo, for the banner.
    static func phase(_ t: Double) -> (name: String, share: Double, incident: Double, burst: Bool) {
        let c = t.truncatingRemainder(dividingBy: cycle)
        let share = c < 30 ? 0.10 : c < 60 ? 0.25 : 1.0
        let name = c < 30 ? "internal_launch 10%" : c < 60 ? "beta_users_launch 25%" : "public_launch 100%"
        // Incident strength: 0 none, 0.5 degraded (WARN), 1 down (CRIT).
        let incident = c >= 80 && c < 90 ? 0.5 : c >= 90 && c < 150 ? 1.0 : 0
        return (name, share, incident, c >= 170 && c < 190)
    }

    /// Starts serving and simulating; returns the bound port.
    func start() async throws -> UInt16 {
        let registry = self.registry
        await server.appendRoute("GET /metrics") { _ in
            HTTPResponse(
                statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: Data(registry.emitToBuffer()))
        }
        let feeds = self.feeds
        await server.appendRoute("GET /security/events") { request in
            HTTPResponse(
                statusCode: .ok, headers: [.contentType: "application/x-ndjson"],
                body: Data(feeds.events(since: request.query["since"]).utf8))
        }
        await server.appendRoute("GET /security/scan") { _ in
            HTTPResponse(statusCode: .ok, headers: [.contentType: "application/json"], body: Data(feeds.scan().utf8))
        }
        await server.appendRoute("GET /logs/app.log") { request in
            let (status, contentRange, body) = feeds.logFile(range: request.headers[.range])
            var headers: HTTPHeaders = [
                .contentType: "text/plain; charset=utf-8", HTTPHeader("Accept-Ranges"): "bytes",
            ]
            if let contentRange { headers[HTTPHeader("Content-Range")] = contentRange }
            let code: HTTPStatusCode = status == 206 ? .partialContent : status == 416 ? .rangeNotSatisfiable : .ok
            return HTTPResponse(statusCode: code, headers: headers, body: Data(body))
        }
        await server.appendRoute("GET /") { _ in
            HTTPResponse(
                statusCode: .ok, headers: [.contentType: "text/plain"],
                body: Data("vigil demo exporter: /metrics\n".utf8))
        }
        let server = self.server
        Task { try? await server.run() }
        try await server.waitUntilListening()
        guard case .ip4(_, let port)? = await server.listeningAddress else { throw DemoError.noPort }
        let sim = Simulation(registry: registry, feeds: feeds)
        let (startAt, freeze, launchShare) = (self.startAt, self.freeze, self.launchShare)
        Task.detached {
            let start = Date()
            var last = start
            while !Task.isCancelled {
                // The time that really passed: a tick that runs late (a busy
                // machine, a starved task pool) must not slow the counters,
                // or every rate (and CPU usage, from idle time) would lie.
                let now = Date()
                let t = startAt + now.timeIntervalSince(start)
                let dt = min(5, max(0.001, now.timeIntervalSince(last)))
                sim.tick(t: t, phaseAt: freeze ? startAt : t, dt: dt, share: launchShare.value)
                let p = DemoExporter.phase(freeze ? startAt : t)
                let c = (freeze ? startAt : t).truncatingRemainder(dividingBy: DemoExporter.cycle)
                sim.feeds.tick(now: now, dt: dt, burst: p.burst, incident: p.incident, scanNewCVE: c >= 175)
                last = now
                try? await Task.sleep(nanoseconds: 500_000_000)
            }
        }
        return port
    }

    /// The demo's time compression for alert rules: a 5m hold becomes 10s,
    /// the 30m escalation step one minute.
    static let alertSpeedup: Int64 = 30

    static func compress(_ a: AlertsConfig) -> AlertsConfig {
        var a = a
        func fast(_ d: PromDuration) -> PromDuration { PromDuration(milliseconds: d.milliseconds / alertSpeedup) }
        // Target Down holds for scrape intervals, which the demo does not
        // compress: it keeps its two real intervals.
        for i in a.rules.indices where !a.rules[i].builtIn {
            a.rules[i].holdFor = fast(a.rules[i].holdFor)
            a.rules[i].keepFiringFor = a.rules[i].keepFiringFor.map(fast)
        }
        for i in a.escalation.indices { a.escalation[i].after = fast(a.escalation[i].after) }
        for i in a.severities.indices { a.severities[i].timeout = fast(a.severities[i].timeout) }
        return a
    }

    /// The objectives' burn-rate alerts on the demo's clock too: an hour's
    /// window is two minutes, so the api outage pages while one watches.
    static func compressObjectives(_ cfg: VigilConfig) -> VigilConfig {
        var cfg = cfg
        cfg.alerts.rules.removeAll { $0.objective != nil }
        for i in cfg.objectives.indices {
            cfg.objectives[i].speedup = alertSpeedup
            cfg.alerts.rules += BurnRateAlerts.rules(cfg.objectives[i], remote: false)
        }
        return cfg
    }

    /// The launch on the demo's clock: the plan's hours are minutes (2h,
    /// 4h and 24h phases take 2, 4 and 24 minutes), checks are measured
    /// every 2 seconds and want 10 samples and 3 passes in a row; the
    /// screen says so. Probes of the shipped exporter address follow the
    /// demo's port.
    static func compressLaunch(_ plan: LaunchPlan, port: UInt16) -> LaunchPlan {
        var plan = plan
        for p in plan.phases.indices {
            plan.phases[p].minDurationMs /= 60
            for c in plan.phases[p].checks.indices {
                plan.phases[p].checks[c].intervalMs = 2000
                plan.phases[p].checks[c].minSamples = min(plan.phases[p].checks[c].minSamples, 10)
                plan.phases[p].checks[c].consecutive = min(plan.phases[p].checks[c].consecutive, 3)
            }
        }
        for i in plan.checklist.indices {
            if case .http(let url, let status) = plan.checklist[i].kind, url.hasPrefix("http://127.0.0.1:9464/") {
                plan.checklist[i].kind = .http(url: "http://127.0.0.1:\(port)/" + url.dropFirst(22), status: status)
            }
            plan.checklist[i].everyMs = min(plan.checklist[i].everyMs, 10_000)
        }
        if !plan.phases.isEmpty {
            plan.note =
                "DEMO: the plan's hours are minutes here (a 2h phase takes 2m); checks every 2s, "
                + "10 samples and 3 passes in a row before GO"
        }
        return plan
    }

    /// Follows the dashboard's launch: its current phase's traffic share
    /// (percent), or the demo's own cycle when no launch is running.
    func follow(traffic percent: Double?) { launchShare.value = percent.map { $0 / 100 } }

    enum DemoError: Error, CustomStringConvertible {
        case noPort
        var description: String { "the demo exporter could not bind a loopback port" }
    }
}

/// A value the dashboard's thread sets and the simulation task reads.
final class ShareBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Double?
    var value: Double? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// The metrics and the model that moves them. Only the simulation task
/// calls `tick`; the metric types themselves are thread-safe.
final class Simulation: Sendable {
    struct Route: Sendable {
        let service: String
        let route: String
        let share: Double
        let requests: [String: Counter]
        let latency: ValueHistogram
    }

    let routes: [Route]
    let activeUsers: Gauge
    let visits, conversions, revenue: Counter
    let cpu: [String: [String: Counter]]
    let memTotal, memAvailable, fsSize, fsAvail: Gauge
    let dbQuery: ValueHistogram
    let dbActive, dbIdle: Gauge
    let dbErrors: Counter
    let cacheHits, cacheMisses: Counter
    let failedLogins, violations: Counter
    let securityEvents: [String: Counter]
    let newCVE: Gauge
    let knownCVEs: [Gauge]
    let feeds: DemoFeeds

    static let latencyBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10]

    /// The whole name as metricName: the demo's names already carry their units.
    static func descriptor(_ name: String) -> MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: name, unitName: "",
            helpText: "NormalDance demo: \(name.replacingOccurrences(of: "_", with: " "))")
    }

    static func counter(_ r: PrometheusCollectorRegistry, _ name: String, _ labels: [(String, String)]) -> Counter {
        r.makeCounter(descriptor: descriptor(name), labels: labels)
    }

    static func gauge(_ r: PrometheusCollectorRegistry, _ name: String, _ labels: [(String, String)]) -> Gauge {
        r.makeGauge(descriptor: descriptor(name), labels: labels)
    }

    static func histogram(
        _ r: PrometheusCollectorRegistry, _ name: String, _ labels: [(String, String)], buckets: [Double]
    )
        -> ValueHistogram
    {
        r.makeValueHistogram(descriptor: descriptor(name), labels: labels, buckets: buckets)
    }

    init(registry r: PrometheusCollectorRegistry, feeds: DemoFeeds) {
        self.feeds = feeds
        var routes: [Route] = []
        for (service, share, paths) in [
            ("api", 0.5, ["/v1/tracks", "/v1/checkout"]), ("web", 0.35, ["/", "/artist"]),
            ("auth", 0.15, ["/login", "/token"]),
        ] {
            for p in paths {
                var counters: [String: Counter] = [:]
                for code in ["200", "404", "500", "503"] {
                    counters[code] = Self.counter(
                        r, "http_requests_total", [("service", service), ("route", p), ("code", code)])
                }
                let h = Self.histogram(
                    r, "http_request_duration_seconds", [("service", service), ("route", p)],
                    buckets: Self.latencyBuckets)
                routes.append(
                    Route(
                        service: service, route: p, share: share / Double(paths.count), requests: counters, latency: h))
            }
        }
        self.routes = routes
        activeUsers = Self.gauge(r, "active_users", [])
        visits = Self.counter(r, "checkout_visits_total", [])
        conversions = Self.counter(r, "checkout_conversions_total", [])
        revenue = Self.counter(r, "revenue_dollars_total", [])
        var cpu: [String: [String: Counter]] = [:]
        for c in 0..<4 {
            for mode in ["idle", "user", "system"] {
                cpu["\(c)", default: [:]][mode] = Self.counter(
                    r, "node_cpu_seconds_total", [("cpu", "\(c)"), ("mode", mode)])
            }
        }
        self.cpu = cpu
        // Idle seconds start from the wall clock, as a kernel's count from
        // boot would: a restarted demo then goes on counting up instead of
        // resetting to 0. A reset inside a rate window reads as a CPU
        // spike once the target is back (issue 20: a spurious High CPU
        // Usage after the target returned).
        let wall = Date().timeIntervalSince1970
        for (_, modes) in cpu { modes["idle"]!.increment(by: wall) }
        memTotal = Self.gauge(r, "node_memory_MemTotal_bytes", [])
        memAvailable = Self.gauge(r, "node_memory_MemAvailable_bytes", [])
        fsSize = Self.gauge(r, "node_filesystem_size_bytes", [("mountpoint", "/")])
        fsAvail = Self.gauge(r, "node_filesystem_avail_bytes", [("mountpoint", "/")])
        dbQuery = Self.histogram(
            r, "db_query_duration_seconds", [], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1])
        dbActive = Self.gauge(r, "db_connections", [("state", "active")])
        dbIdle = Self.gauge(r, "db_connections", [("state", "idle")])
        dbErrors = Self.counter(r, "db_connection_errors_total", [])
        cacheHits = Self.counter(r, "cache_hits_total", [])
        cacheMisses = Self.counter(r, "cache_misses_total", [])
        failedLogins = Self.counter(r, "auth_failed_logins_total", [])
        violations = Self.counter(r, "access_control_violations_total", [])
        var events: [String: Counter] = [:]
        for (type, severity, source) in [
            ("login_failure", "high", "auth-service"), ("rate_limited", "medium", "api-gateway"),
            ("permission_denied", "medium", "api"), ("config_change", "low", "deploy-bot"),
        ] {
            events[type] = Self.counter(
                r, "security_events_total", [("event_type", type), ("severity", severity), ("source", source)])
        }
        securityEvents = events
        let scanned = "2026-11-25T03:00Z"
        knownCVEs = [
            ("CVE-2026-1042", "medium", "patched"), ("CVE-2026-2210", "low", "open"),
            ("CVE-2025-9931", "high", "mitigated"),
        ].map {
            Self.gauge(
                r, "vulnerability_findings",
                [("cve_id", $0.0), ("severity", $0.1), ("status", $0.2), ("last_scan", scanned)])
        }
        newCVE = Self.gauge(
            r, "vulnerability_findings",
            [
                ("cve_id", "CVE-2026-31337"), ("severity", "critical"), ("status", "open"),
                ("last_scan", "2026-11-25T04:15Z"),
            ])
        memTotal.set(Double(17_179_869_184))
        fsSize.set(Double(512_000_000_000))
        for g in knownCVEs { g.set(1.0) }
    }

    /// A little deterministic wobble, so lines are not flat.
    func noise(_ t: Double, _ seed: Double) -> Double { sin(t * 0.7 + seed) * 0.5 + sin(t * 2.3 + seed * 3) * 0.3 }

    func tick(t: Double, phaseAt: Double, dt: Double, share: Double? = nil) {
        var p = DemoExporter.phase(phaseAt)
        // A launch in the dashboard sets the share; the incidents keep
        // their times in the cycle.
        if let share { p.share = share }
        let total = 3000 * p.share * (1 + 0.05 * noise(t, 1))
        for (i, r) in routes.enumerated() {
            let n = total * r.share * dt
            let apiDown = r.service == "api" ? p.incident : 0
            let errorShare = 0.003 + (apiDown == 1 ? 0.25 : apiDown > 0 ? 0.05 : 0)
            r.requests["200"]!.increment(by: n * (0.99 - errorShare))
            r.requests["404"]!.increment(by: n * 0.01)
            r.requests["500"]!.increment(by: n * errorShare * 0.7)
            r.requests["503"]!.increment(by: n * errorShare * 0.3)
            // A sample of the requests' latencies (histogram_quantile does
            // not care how many observations make up the distribution).
            let median = apiDown == 1 ? 6.5 : apiDown > 0 ? 2.6 : 0.08 + 0.02 * Double(i)
            for k in 0..<40 {
                let u = (Double(k) + 0.5) / 40
                let spread = apiDown > 0 ? 0.35 : 1.6
                r.latency.record(median * exp(spread * (u - 0.5) * 2 + 0.05 * noise(t, Double(k))))
            }
        }
        activeUsers.set(4200 * p.share * (1 + 0.04 * noise(t, 2)) * (p.incident == 1 ? 0.8 : 1))
        let v = total * 0.3 * dt
        visits.increment(by: v)
        let conversion = p.incident > 0 ? 0.03 : 0.062
        conversions.increment(by: v * conversion)
        revenue.increment(by: v * conversion * 40)
        let busy = min(0.97, 0.18 + 0.47 * p.share + 0.3 * p.incident + 0.02 * noise(t, 3))
        for (_, modes) in cpu {
            modes["idle"]!.increment(by: dt * (1 - busy))
            modes["user"]!.increment(by: dt * busy * 0.7)
            modes["system"]!.increment(by: dt * busy * 0.3)
        }
        memAvailable.set(17_179_869_184 * (1 - min(0.97, 0.4 + 0.45 * p.share + 0.05 * p.incident)))
        fsAvail.set(512_000_000_000 * (0.38 - 0.0001 * phaseAt.truncatingRemainder(dividingBy: DemoExporter.cycle)))
        let dbMedian = p.incident == 1 ? 0.6 : p.incident > 0 ? 0.15 : 0.012
        for k in 0..<20 { dbQuery.record(dbMedian * exp(0.8 * ((Double(k) + 0.5) / 20 - 0.5))) }
        dbActive.set(min(100, 15 + 65 * p.share + 18 * p.incident))
        dbIdle.set(max(0, 100 - (15 + 65 * p.share + 18 * p.incident)))
        if p.incident == 1 { dbErrors.increment(by: 3 * dt) }
        let lookups = total * 2 * dt
        let hit = p.incident > 0 ? 0.72 : 0.93
        cacheHits.increment(by: lookups * hit)
        cacheMisses.increment(by: lookups * (1 - hit))
        failedLogins.increment(by: (p.burst ? 45 : 0.4) * dt)
        violations.increment(by: (p.burst ? 1.5 : 0.02) * dt)
        securityEvents["login_failure"]!.increment(by: (p.burst ? 45 : 0.4) * dt)
        securityEvents["rate_limited"]!.increment(by: (p.burst ? 8 : 0.2) * dt)
        securityEvents["permission_denied"]!.increment(by: (p.burst ? 1.5 : 0.02) * dt)
        securityEvents["config_change"]!.increment(by: 0.01 * dt)
        let c = phaseAt.truncatingRemainder(dividingBy: DemoExporter.cycle)
        newCVE.set(c >= 175 ? 1.0 : 0.0)
    }
}
