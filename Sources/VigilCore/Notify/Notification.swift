import Foundation

/// A channel Vigil sends notifications to directly (a team without
/// Alertmanager): `channels:` in the configuration, named by the
/// severities' `channels:`.
public struct ChannelConfig: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// PagerDuty Events API v2: trigger, acknowledge, resolve by dedup key.
        case pagerduty
        /// A Slack incoming webhook: a message per firing and resolution.
        case slack
        /// Alertmanager's webhook body (version 4), for anything else.
        case webhook
        /// An email over SMTP (`smtp://`, `smtps://`, STARTTLS).
        case email
    }
    /// An email channel's envelope and login.
    public struct Mail: Sendable {
        public var from: String
        public var to: [String]
        public var startTLS = false
        public var username: String?
        public var password: Secret?
        public var caFile: String?
        public var insecureSkipVerify = false

        public init(from: String, to: [String]) {
            self.from = from
            self.to = to
        }
    }
    public var name: String
    public var kind: Kind
    /// The endpoint; a secret (a Slack webhook's URL is its token).
    public var url: Secret
    /// PagerDuty's routing key.
    public var routingKey: Secret?
    /// An email channel's envelope.
    public var mail: Mail?
    /// Sends per minute at most; the rest wait their turn.
    public var ratePerMinute = 20
    public var timeoutMs: Int64 = 10_000
    /// How long a notification is retried before it is marked failed.
    public var deadlineMs: Int64 = 3_600_000
    /// A webhook's own body (an SMS gateway's), instead of Alertmanager's:
    /// a template in the rule files' language over the alert's labels
    /// (with `alertname`, `severity`, `status`, `description`, `action`)
    /// and `$value`; sent as `contentType`.
    public var template: AlertTemplate?
    public var contentType = "text/plain; charset=utf-8"

    public init(name: String, kind: Kind, url: Secret, routingKey: Secret? = nil) {
        self.name = name
        self.kind = kind
        self.url = url
        self.routingKey = routingKey
    }

    /// PagerDuty's documented endpoint, when `url:` is not given.
    public static let pagerDutyURL = "https://events.pagerduty.com/v2/enqueue"
}

/// A person the escalation policy names (`contacts:`), with where each
/// kind of channel reaches them: reaching a level notifies its contacts
/// through the alert's channels of those kinds. Their addresses are
/// looked up when a notification is sent; the journal holds the name.
public struct ContactConfig: Sendable {
    public var name: String
    /// Email addresses: an email channel's message goes to these instead
    /// of the channel's `to:`.
    public var email: [String] = []
    /// A Slack mention (`<@U024BE7LH>`, `<!subteam^S0123>`), put first in
    /// the Slack channel's message.
    public var slack: String?
    /// A PagerDuty routing key (a secret): the trigger goes to this
    /// service instead of the channel's.
    public var pagerduty: Secret?

    public init(name: String) { self.name = name }

    /// Whether this contact can be reached on a channel of `kind`.
    public func reachable(by kind: ChannelConfig.Kind) -> Bool {
        switch kind {
        case .email: return !email.isEmpty
        case .slack: return slack != nil
        case .pagerduty: return pagerduty != nil
        case .webhook: return false
        }
    }
}

/// One notification in the outbox: what happened to which alert, for one
/// channel. Journalled before it is sent (`notify_queued`), and again when
/// it was delivered (`notify_sent`) or given up on (`notify_failed`).
public struct AlertNotification: Sendable, Equatable {
    public enum Event: String, Sendable {
        case trigger, acknowledge, resolve
        /// An incident opened, changed status, got a note or resolved
        /// (the plan's `notifyStakeholders`): `alert` is the incident
        /// (`incident` label), `action` its status after the change.
        case incident
    }
    /// Unique in the journal: channel, dedup key, event and time.
    public var id: String
    public var channel: String
    public var event: Event
    /// The alert: the same key for its trigger, acknowledgement and
    /// resolution (PagerDuty's `dedup_key`).
    public var alert: AlertKey
    public var severity: String
    public var value: Double
    public var description: String
    public var action: String
    /// When the alert fired (its `startsAt`).
    public var startsAtMs: Int64
    /// Who acknowledged, for an acknowledgement.
    public var by: String
    /// When it happened (a resolution's `endsAt`).
    public var atMs: Int64
    /// For an escalation: the contact it is addressed to ("": the
    /// channel's own address) and the level reached (0: none).
    public var contact = ""
    public var level = 0

    public init(
        channel: String, event: Event, alert: AlertKey, severity: String, value: Double, description: String,
        action: String, startsAtMs: Int64, by: String = "", atMs: Int64
    ) {
        self.channel = channel
        self.event = event
        self.alert = alert
        self.severity = severity
        self.value = value
        self.description = description
        self.action = action
        self.startsAtMs = startsAtMs
        self.by = by
        self.atMs = atMs
        id = "\(channel)|\(event.rawValue)|\(atMs)|\(AlertNotification.dedupKey(alert))"
    }

    /// The same notification for `contact`, on the escalation's `level`
    /// (0 for the follow-ups: acknowledge, resolve).
    public func addressed(to contact: String, level: Int) -> AlertNotification {
        var n = self
        n.contact = contact
        n.level = level
        n.id += "|@\(contact)"
        return n
    }

    /// `High Error Rate{service="api"}`: stable for an alert.
    public static func dedupKey(_ k: AlertKey) -> String {
        k.rule + "{" + k.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
            + "}"
    }

    public var dedupKey: String { Self.dedupKey(alert) }

    /// The incident this notification is about, for `.incident`.
    public var incidentID: String? { event == .incident ? alert.labels["incident"] : nil }

    /// A change to an incident for one channel: `what` says what happened
    /// ("opened", "identified", "note", "resolved"); the incident is as it
    /// stands after the change. `n` tells apart two changes in one
    /// millisecond (its number of updates).
    public static func incident(
        _ incident: Incident, channel: String, what: String, text: String, by: String, atMs: Int64
    ) -> AlertNotification {
        var n = AlertNotification(
            channel: channel, event: .incident,
            alert: AlertKey(rule: incident.title, labels: Labels(["incident": incident.id])),
            severity: incident.severity,
            value: .nan, description: text, action: incident.status.rawValue, startsAtMs: incident.openedAtMs,
            by: by, atMs: atMs)
        n.id += "|\(what)|\(incident.updates.count)"
        return n
    }
}

/// What became of a notification.
public struct NotificationResult: Sendable, Equatable {
    public var id: String
    public var channel: String
    public var delivered: Bool
    /// "HTTP 202", or why it failed ("HTTP 400: invalid routing key").
    public var detail: String

    public init(id: String, channel: String, delivered: Bool, detail: String) {
        self.id = id
        self.channel = channel
        self.delivered = delivered
        self.detail = detail
    }
}
