import Foundation
import VigilCore

/// Reads Alertmanager's alerts and silences on an interval and writes the
/// silences that stand for acknowledgements, through the shared fetcher.
public final class AlertmanagerClient {
    enum Call {
        case alerts, silences
        case create(labels: [String: String])
        case extend(id: String)
        case expire(id: String)
    }

    public let fetcher: Fetcher
    public let config: AlertmanagerConfig
    public let identity: String
    public private(set) var alerts: [AMAlert] = []
    public private(set) var silences: [AMSilence] = []
    /// Why the last read failed; nil once Alertmanager answers again.
    public private(set) var lastError: String?
    public private(set) var lastSuccessMs: Int64?
    /// What became of the operator's last action, for the status bar.
    public var outcome: String?
    var inFlight: [Int: Call] = [:]
    var nextPoll: Int64 = 0
    let clock: () -> Int64

    public init(
        config: AlertmanagerConfig, fetcher: Fetcher, identity: String,
        clock: @escaping () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.config = config
        self.fetcher = fetcher
        self.identity = identity
        self.clock = clock
    }

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

    func call(_ c: Call, _ r: FetchRequest) { inFlight[fetcher.start(r)] = c }

    /// Reads alerts and silences when due; returns milliseconds to the next read.
    @discardableResult
    public func startDue() -> Int64 {
        let now = clock()
        if nextPoll <= now && !inFlight.values.contains(where: { if case .alerts = $0 { true } else { false } }) {
            call(.alerts, request("/api/v2/alerts"))
            call(.silences, request("/api/v2/silences"))
            nextPoll = now + config.http.interval.milliseconds
        }
        return max(0, nextPoll - now)
    }

    public func pollNow() { nextPoll = 0 }

    /// Acknowledges: a silence of exactly these labels, by `$USER@host`,
    /// with the note as its comment, for the configured duration.
    public func acknowledge(labels: [String: String], note: String, duration: PromDuration? = nil) {
        let now = clock()
        let body = AlertmanagerAPI.silenceBody(
            labels: labels, startsAtMs: now, endsAtMs: now + (duration ?? config.silenceDuration).milliseconds,
            createdBy: identity, comment: note)
        call(.create(labels: labels), request("/api/v2/silences", method: "POST", body: body))
    }

    /// Un-acknowledges: expires the acknowledgement silences of this alert,
    /// those whose matchers are exactly its labels (what `acknowledge`
    /// creates, from any operator's Vigil). A broader silence (maintenance
    /// of a whole service, a regular expression) is left alone.
    public func unacknowledge(_ alert: AMAlert) -> Int {
        let ids = silences.filter { s in
            s.state == "active" && s.matchers.count == alert.labels.count
                && s.matchers.allSatisfy { !$0.isRegex && $0.isEqual && alert.labels[$0.name] == $0.value }
        }.map(\.id)
        for id in ids { call(.expire(id: id), request("/api/v2/silence/\(id)", method: "DELETE")) }
        return ids.count
    }

    /// Silences this instance's operator created that will run out within
    /// a quarter of their length while their alert still fires are
    /// extended: an acknowledgement lasts as long as the alert and Vigil run.
    func extendExpiring(now: Int64) {
        let quarter = config.silenceDuration.milliseconds / 4
        for s in silences where s.state == "active" && s.createdBy == identity && s.endsAtMs - now < quarter {
            guard let alert = alerts.first(where: { s.matches($0.labels) }) else { continue }
            if inFlight.values.contains(where: { if case .extend(s.id) = $0 { true } else { false } }) { continue }
            let body = AlertmanagerAPI.silenceBody(
                labels: alert.labels, startsAtMs: s.startsAtMs, endsAtMs: now + config.silenceDuration.milliseconds,
                createdBy: s.createdBy, comment: s.comment, id: s.id)
            call(.extend(id: s.id), request("/api/v2/silences", method: "POST", body: body))
        }
    }

    /// Takes Alertmanager's answers among `completions`; returns how many.
    @discardableResult
    public func handle(_ completions: [Fetcher.Completion]) -> Int {
        var n = 0
        for c in completions {
            guard let kind = inFlight.removeValue(forKey: c.id) else { continue }
            n += 1
            let now = clock()
            switch (kind, c.result) {
            case (.alerts, .success(let r)) where r.status < 300:
                do {
                    alerts = try AlertmanagerAPI.alerts(r.body)
                    lastError = nil
                    lastSuccessMs = now
                } catch { lastError = error.message }
            case (.silences, .success(let r)) where r.status < 300:
                do {
                    silences = try AlertmanagerAPI.silences(r.body)
                    extendExpiring(now: now)
                } catch { lastError = error.message }
            case (.create, .success(let r)) where r.status < 300:
                outcome = "silenced in Alertmanager (\(AlertmanagerAPI.silenceID(r.body)?.prefix(8) ?? "?"))"
                nextPoll = 0
            case (.extend, .success(let r)) where r.status < 300:
                nextPoll = min(nextPoll, now + 1000)
            case (.expire, .success(let r)) where r.status < 300:
                outcome = "silence expired in Alertmanager"
                nextPoll = 0
            case (_, .success(let r)):
                // Alertmanager explains its refusals in the body.
                let why = String(decoding: r.body.prefix(300), as: UTF8.self).trimmingCharacters(
                    in: .whitespacesAndNewlines)
                let message = "Alertmanager: HTTP \(r.status): \(why)"
                if case .alerts = kind { lastError = message } else { outcome = message }
            case (_, .failure(let e)):
                switch kind {
                case .alerts, .silences: lastError = "Alertmanager: \(e.description)"
                default: outcome = "Alertmanager: \(e.description)"
                }
            }
        }
        return n
    }
}
