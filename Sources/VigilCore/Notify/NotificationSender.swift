/// The outbox's pending notifications as a polled source: each is sent,
/// and its answer decides. 2xx: delivered. 4xx: failed with the receiver's
/// reason, not retried (the request itself is wrong). 5xx, a time-out, a
/// refused connection: retried with exponential back-off and jitter until
/// the channel's deadline, then failed with the last reason. Each channel
/// sends at most its rate per minute; a receiver that is down or slow
/// delays only its own notifications, never the screen or the others.
public struct NotificationSender: PolledSource {
    public let channels: [String: ChannelConfig]
    /// What the journal says is pending (set by the application before
    /// each `due`).
    var pending: [NotificationBook.Entry] = []
    struct Attempts: Sendable {
        var count = 0
        var nextAt: Int64 = 0
        var last: String?
    }
    var attempts: [String: Attempts] = [:]
    /// Channels whose latest answer asks for a retry (down, slow, 5xx), with
    /// the reason: failing already, though nothing has been given up on.
    public private(set) var retryingChannels: [String: String] = [:]
    var asked: [String: String] = [:]  // tag (the notification id) → channel
    /// A summary's tag → the notifications it carries (in flight).
    var summaries: [String: [String]] = [:]
    var covered: Set<String> = []
    /// Sends per channel in the last minute, for the rate limit.
    var recent: [String: [Int64]] = [:]
    /// Results for the journal, taken by the application.
    public private(set) var results: [NotificationResult] = []

    public static let firstRetryMs: Int64 = 5_000
    public static let longestRetryMs: Int64 = 300_000

    /// The escalation's contacts by name: an addressed notification's
    /// address is looked up as it is sent.
    public let contacts: [String: ContactConfig]

    public init(channels: [ChannelConfig], contacts: [ContactConfig] = []) {
        self.channels = Dictionary(channels.map { ($0.name, $0) }) { a, _ in a }
        self.contacts = Dictionary(contacts.map { ($0.name, $0) }) { a, _ in a }
    }

    /// The outbox as the journal has it. `holding`: notifications whose
    /// `notify_queued` entry is not yet reported written; they go out once
    /// it is (a failure makes the application read-only, and nothing is
    /// sent unjournalled).
    public mutating func sync(_ pending: [NotificationBook.Entry], holding: Set<String> = []) {
        self.pending = pending
        held = holding
    }

    var held: Set<String> = []

    public var inFlight: Int { asked.count }
    public var nextDueMs: Int64 {
        // In flight (alone or in a summary) is not due: the loop must not
        // spin while an answer is awaited.
        pending.filter {
            asked[$0.notification.id] == nil && !covered.contains($0.notification.id)
                && channels[$0.notification.channel] != nil
        }.map {
            attempts[$0.notification.id]?.nextAt ?? 0
        }.min() ?? .max
    }

    /// When a notification is tried again: after 5 s, 10 s, 20 s … at most
    /// 5 minutes, each ±25% (from its id, so two Vigils do not retry in step
    /// and a test can know when).
    public static func retryDelay(attempt: Int, id: String) -> Int64 {
        let base = min(longestRetryMs, firstRetryMs << Int64(min(attempt - 1, 16)))
        var h: UInt64 = 14_695_981_039_346_656_037
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
        let jitter = 0.75 + 0.5 * Double(h % 1000) / 1000
        return Int64(Double(base) * jitter)
    }

    /// A retry's state, for the Alerts screen: "retry in 30 s (HTTP 500)".
    public func retrying(_ id: String, now: Int64) -> (inMs: Int64, last: String)? {
        guard let a = attempts[id], a.count > 0, let last = a.last else { return nil }
        return (max(0, a.nextAt - now), last)
    }

    public mutating func due(now: Int64) -> [Poll] {
        var polls: [Poll] = []
        // What each channel has ready, in the order it was queued; a
        // contact's notifications on a channel go to their own address,
        // so they have their own rate and their own summary.
        var ready: [String: [AlertNotification]] = [:]
        var order: [String] = []
        for entry in pending {
            let n = entry.notification
            guard asked[n.id] == nil, !covered.contains(n.id), !held.contains(n.id), channels[n.channel] != nil,
                (attempts[n.id]?.nextAt ?? 0) <= now
            else { continue }
            if !n.contact.isEmpty && contacts[n.contact] == nil {
                results.append(
                    NotificationResult(
                        id: n.id, channel: n.channel, delivered: false,
                        detail: "contact \(n.contact) is no longer in contacts:"))
                continue
            }
            let group = n.contact.isEmpty ? n.channel : n.channel + "@" + n.contact
            if ready[group] == nil { order.append(group) }
            ready[group, default: []].append(n)
        }
        for group in order {
            let list = ready[group]!
            let name = list[0].channel
            let channel = channels[name]!
            let contact = contacts[list[0].contact]
            var sent = (recent[group] ?? []).filter { now - $0 < 60_000 }
            let slots = channel.ratePerMinute - sent.count
            guard slots > 0 else {
                // Their turn comes when the oldest send leaves the minute.
                for n in list { attempts[n.id, default: Attempts()].nextAt = (sent.min() ?? now) + 60_000 }
                continue
            }
            // A flood: all but one slot one by one, the rest in one summary.
            let single = list.count <= slots ? list : Array(list.prefix(slots - 1))
            for n in single {
                guard let request = NotificationPayload.request(n, channel: channel, contact: contact) else {
                    // Nothing to say on this channel for this event.
                    results.append(
                        NotificationResult(
                            id: n.id, channel: name, delivered: true,
                            detail: "not sent: \(channel.kind.rawValue) has no \(n.event.rawValue)"))
                    continue
                }
                sent.append(now)
                asked[n.id] = name
                polls.append(Poll(tag: n.id, request: request))
            }
            if list.count > slots {
                let rest = Array(list.dropFirst(slots - 1))
                let tag = "summary|\(name)|\(rest[0].id)"
                if let request = NotificationPayload.summary(rest, channel: channel, contact: contact, atMs: now) {
                    sent.append(now)
                    asked[tag] = name
                    summaries[tag] = rest.map(\.id)
                    covered.formUnion(rest.map(\.id))
                    polls.append(Poll(tag: tag, request: request))
                }
            }
            recent[group] = sent
        }
        return polls
    }

    @discardableResult
    public mutating func take(tag: String, _ outcome: FetchOutcome, now: Int64) -> Bool {
        guard let channelName = asked.removeValue(forKey: tag) else { return false }
        let channel = channels[channelName]
        // A summary's answer is each of its notifications'.
        let ids = summaries.removeValue(forKey: tag) ?? [tag]
        covered.subtract(ids)
        let queuedAt = pending.first { $0.notification.id == ids[0] }?.queuedAt ?? now
        let summarised = ids.count > 1 || tag.hasPrefix("summary|")
        let verdict = Self.judge(outcome, kind: channel?.kind)
        if case .retry(let reason) = verdict {
            retryingChannels[channelName] = reason
        } else {
            retryingChannels[channelName] = nil
        }
        switch verdict {
        case .delivered(let reason), .failed(let reason):
            let said = summarised ? "\(reason) (in a summary of \(ids.count))" : reason
            for id in ids {
                attempts[id] = nil
                results.append(
                    NotificationResult(
                        id: id, channel: channelName, delivered: verdict.isDelivered, detail: said))
            }
            return true
        case .retry: break
        }
        let reason = verdict.reason
        for id in ids {
            var a = attempts[id] ?? Attempts()
            a.count += 1
            a.last = reason
            a.nextAt = now + Self.retryDelay(attempt: a.count, id: id)
            if a.nextAt - queuedAt > (channel?.deadlineMs ?? 3_600_000) {
                attempts[id] = nil
                results.append(
                    NotificationResult(
                        id: id, channel: channelName, delivered: false,
                        detail: "gave up after \(a.count) attempts: \(reason)"))
                continue
            }
            attempts[id] = a
        }
        return true
    }

    /// What an answer means: delivered (HTTP 2xx, SMTP 2xx–3xx), failed
    /// for good (HTTP 4xx but 429, SMTP 5xx: sending it again changes
    /// nothing), or worth another try (5xx, 429, SMTP 4xx, no answer),
    /// with the reason in words. `vigil notify test` judges by it too.
    public static func judge(_ outcome: FetchOutcome, kind: ChannelConfig.Kind?) -> Verdict {
        var status: Int?
        var reason: String
        let email = kind == .email
        let proto = email ? "SMTP" : "HTTP"
        switch outcome.result {
        case .success(let r):
            status = r.status
            let said = Sanitizer.clean(String(decoding: r.body.prefix(200), as: UTF8.self), maxLength: 200)
            reason = "\(proto) \(r.status)" + (r.status >= 400 && !said.isEmpty ? ": \(said)" : "")
        case .failure(.http(let code, let why)):
            status = code
            reason = "HTTP \(code)" + (why.isEmpty ? "" : ": \(Sanitizer.clean(why, maxLength: 200))")
        case .failure(.invalidURL):
            // The URL is a secret (a Slack webhook's is its token); it will
            // not become valid by waiting.
            return .failed("the channel's URL is not valid")
        case .failure(let e):
            reason = Sanitizer.clean(e.description, maxLength: 200)
        }
        guard let status else { return .retry(reason) }
        if (200..<300).contains(status) || (email && (300..<400).contains(status)) { return .delivered(reason) }
        if email ? status >= 500 : ((400..<500).contains(status) && status != 429) { return .failed(reason) }
        return .retry(reason)
    }

    public enum Verdict: Equatable, Sendable {
        case delivered(String), failed(String), retry(String)

        public var reason: String {
            switch self {
            case .delivered(let r), .failed(let r), .retry(let r): r
            }
        }

        public var isDelivered: Bool { if case .delivered = self { true } else { false } }
    }

    public mutating func pollNow() {
        for k in attempts.keys { attempts[k]?.nextAt = 0 }
    }

    public mutating func takeResults() -> [NotificationResult] {
        defer { results = [] }
        return results
    }
}
