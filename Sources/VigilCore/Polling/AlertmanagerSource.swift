import Foundation

/// Alertmanager as a polled source: reads its alerts and silences on an
/// interval, and carries the operator's acknowledgements as silences
/// (create, extend while the alert fires, expire). A request's tag is its
/// sequence number; what each was for is kept until its answer.
public struct AlertmanagerSource: PolledSource {
    enum Call: Sendable, Equatable {
        case alerts, silences
        case create
        case extend(id: String)
        case expire(id: String)
        /// Vigil's own alerts, sent as Prometheus sends its own.
        case post(count: Int)
    }

    public let config: AlertmanagerConfig
    /// `$USER@host`: the author of the silences this operator creates.
    public let identity: String
    public private(set) var alerts: [AMAlert] = []
    public private(set) var silences: [AMSilence] = []
    /// Why the last read failed; nil once Alertmanager answers again.
    public private(set) var lastError: String?
    public private(set) var lastSuccessMs: Int64?
    /// What became of the operator's last action, for the status bar;
    /// the application takes it.
    public var outcome: String?
    var asked: [String: Call] = [:]
    /// Writes waiting to be sent (the next `due`).
    var waiting: [(Call, FetchRequest)] = []
    var sequence = 0
    var nextPoll: Int64 = 0
    /// What Vigil sends of its own alerts (nil: `send: false`).
    public private(set) var push: AlertmanagerPush?
    /// Why the last post of Vigil's alerts failed; nil once one succeeds.
    public private(set) var pushError: String?
    /// Posts answered with 2xx, for the status line and tests.
    public private(set) var posted = 0

    public init(config: AlertmanagerConfig, identity: String) {
        self.config = config
        self.identity = identity
        if config.send { push = AlertmanagerPush(resendMs: config.resendInterval.milliseconds) }
    }

    /// Sends what is due of Vigil's own alerts (firing, and resolved for a
    /// while after) in one post.
    public mutating func send(_ alerts: [Alert], rules: [AlertRule], now: Int64) {
        guard var p = push else { return }
        let due = p.due(alerts, rules: rules, now: now)
        push = p
        guard !due.isEmpty else { return }
        waiting.append(
            (.post(count: due.count), request("/api/v2/alerts", method: "POST", body: AlertmanagerPush.body(due))))
    }

    public var inFlight: Int { asked.count }
    public var nextDueMs: Int64 { waiting.isEmpty ? (reading ? .max : nextPoll) : 0 }
    var reading: Bool { asked.values.contains(.alerts) }

    var base: String { config.http.url.hasSuffix("/") ? String(config.http.url.dropLast()) : config.http.url }

    func request(_ path: String, method: String? = nil, body: [UInt8]? = nil) -> FetchRequest {
        var r = FetchRequest(config.http, url: base + path)
        if body != nil { r.headers.append(("Content-Type", "application/json")) }
        r.accept = "application/json"
        r.method = method
        r.postBody = body
        r.errorBodies = true
        return r
    }

    mutating func send(_ call: Call, _ request: FetchRequest) -> Poll {
        sequence += 1
        asked[String(sequence)] = call
        return Poll(tag: String(sequence), request: request)
    }

    /// The reads when due, and any writes waiting.
    public mutating func due(now: Int64) -> [Poll] {
        var polls: [Poll] = []
        if nextPoll <= now && !reading {
            polls.append(send(.alerts, request("/api/v2/alerts")))
            polls.append(send(.silences, request("/api/v2/silences")))
            nextPoll = now + config.http.interval.milliseconds
        }
        for (call, r) in waiting { polls.append(send(call, r)) }
        waiting = []
        return polls
    }

    public mutating func pollNow() { nextPoll = 0 }

    /// The Alertmanager alert a Vigil alert key stands for.
    public func alert(for key: AlertKey) -> AMAlert? {
        alerts.first { a in
            var labels = a.labels
            labels["alertname"] = nil
            return AlertKey(rule: "alertmanager/" + a.name, labels: Labels(labels)) == key
        }
    }

    /// Acknowledges: a silence of exactly these labels, by `identity`,
    /// with the note as its comment, for `duration` (default: the
    /// configured one).
    public mutating func acknowledge(
        labels: [String: String], note: String, duration: PromDuration? = nil, now: Int64
    ) {
        let body = AlertmanagerAPI.silenceBody(
            labels: labels, startsAtMs: now, endsAtMs: now + (duration ?? config.silenceDuration).milliseconds,
            createdBy: identity, comment: note)
        waiting.append((.create, request("/api/v2/silences", method: "POST", body: body)))
    }

    /// Un-acknowledges: expires the alert's acknowledgement silences
    /// (`SilencePolicy.acknowledgements`); returns how many.
    public mutating func unacknowledge(_ alert: AMAlert) -> Int {
        let ids = SilencePolicy.acknowledgements(of: alert, in: silences).map(\.id)
        for id in ids { waiting.append((.expire(id: id), request("/api/v2/silence/\(id)", method: "DELETE"))) }
        return ids.count
    }

    mutating func extendExpiring(now: Int64) {
        let extending = Set(asked.values.compactMap { if case .extend(let id) = $0 { id } else { nil } })
        for (s, alert) in SilencePolicy.toExtend(
            silences, alerts: alerts, identity: identity, duration: config.silenceDuration, now: now)
        where !extending.contains(s.id) {
            let body = AlertmanagerAPI.silenceBody(
                labels: alert.labels, startsAtMs: s.startsAtMs, endsAtMs: now + config.silenceDuration.milliseconds,
                createdBy: s.createdBy, comment: s.comment, id: s.id)
            waiting.append((.extend(id: s.id), request("/api/v2/silences", method: "POST", body: body)))
        }
    }

    @discardableResult
    public mutating func take(tag: String, _ outcome: FetchOutcome, now: Int64) -> Bool {
        guard let kind = asked.removeValue(forKey: tag) else { return false }
        switch (kind, outcome.result) {
        case (.alerts, .success(let r)) where r.status < 300:
            do {
                // Vigil's own alerts, read back, are already on the screen.
                let ours = push?.ours ?? []
                alerts = try AlertmanagerAPI.alerts(r.body).filter { !ours.contains($0.labels) }
                lastError = nil
                lastSuccessMs = now
            } catch { lastError = error.message }
        case (.silences, .success(let r)) where r.status < 300:
            do {
                silences = try AlertmanagerAPI.silences(r.body)
                extendExpiring(now: now)
            } catch { lastError = error.message }
        case (.create, .success(let r)) where r.status < 300:
            self.outcome = "silenced in Alertmanager (\(AlertmanagerAPI.silenceID(r.body)?.prefix(8) ?? "?"))"
            nextPoll = 0
        case (.extend, .success(let r)) where r.status < 300:
            nextPoll = min(nextPoll, now + 1000)
        case (.expire, .success(let r)) where r.status < 300:
            self.outcome = "silence expired in Alertmanager"
            nextPoll = 0
        case (.post, .success(let r)) where r.status < 300:
            posted += 1
            pushError = nil
        case (_, .success(let r)):
            // Alertmanager explains its refusals in the body.
            let why = Sanitizer.clean(
                String(decoding: r.body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            let message = "Alertmanager: HTTP \(r.status): \(why)"
            if case .post = kind {
                pushError = "sending alerts: HTTP \(r.status): \(why)"
            } else if kind == .alerts || kind == .silences {
                lastError = message
            } else {
                self.outcome = message
            }
        case (.post, .failure(let e)):
            // The next resend carries the alerts again.
            pushError = "sending alerts: \(e.description)"
        case (_, .failure(let e)):
            if kind == .alerts || kind == .silences {
                lastError = "Alertmanager: \(e.description)"
            } else {
                self.outcome = "Alertmanager: \(e.description)"
            }
        }
        return true
    }
}
