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

    public init(name: String, kind: Kind, url: Secret, routingKey: Secret? = nil) {
        self.name = name
        self.kind = kind
        self.url = url
        self.routingKey = routingKey
    }

    /// PagerDuty's documented endpoint, when `url:` is not given.
    public static let pagerDutyURL = "https://events.pagerduty.com/v2/enqueue"
}

/// One notification in the outbox: what happened to which alert, for one
/// channel. Journalled before it is sent (`notify_queued`), and again when
/// it was delivered (`notify_sent`) or given up on (`notify_failed`).
public struct AlertNotification: Sendable, Equatable {
    public enum Event: String, Sendable {
        case trigger, acknowledge, resolve
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

    /// `High Error Rate{service="api"}`: stable for an alert.
    public static func dedupKey(_ k: AlertKey) -> String {
        k.rule + "{" + k.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
            + "}"
    }

    public var dedupKey: String { Self.dedupKey(alert) }
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
