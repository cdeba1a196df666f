/// What the journal records, typed: every change of an alert and every
/// decision an operator (or Vigil) made. Screens, post-mortems and reports
/// are folds over these.
public enum JournalEntry: Sendable, Equatable {
    /// An alert went pending, fired or resolved, was acknowledged,
    /// silenced, or escalated.
    case alert(AlertEvent)
    case incidentOpened(IncidentOpened)
    case incidentUpdated(IncidentUpdated)
    /// Values of an active alert's metric, for post-mortems.
    case samples(AlertKey, times: [Int64], values: [Double])
    /// A launch decision: start, promote, override, hold, roll back.
    case launch(LaunchDecision)
    /// A checklist item ticked, failed or skipped (or an automated
    /// item's result changed).
    case checklist(ChecklistMark)
    /// A notification put in the outbox, before it is sent.
    case notifyQueued(AlertNotification)
    /// A notification delivered, or given up on.
    case notifyResult(NotificationResult)
    /// A record of a kind this build does not know: written by a newer
    /// Vigil sharing the state directory. Kept and skipped, not damage.
    case unknown(type: String)
}

/// An incident opened from an alert.
public struct IncidentOpened: Sendable, Equatable {
    public var id: String
    public var alert: AlertKey
    public var title: String
    public var severity: String
    public var description: String?
    public var services: [String]
    public var assignee: String?
    public var by: String

    public init(
        id: String, alert: AlertKey, title: String, severity: String, description: String?, services: [String],
        assignee: String?, by: String
    ) {
        self.id = id
        self.alert = alert
        self.title = title
        self.severity = severity
        self.description = description
        self.services = services
        self.assignee = assignee
        self.by = by
    }
}

/// A note on an incident, a new status, or a new assignee.
public struct IncidentUpdated: Sendable, Equatable {
    public var id: String
    public var status: IncidentStatus?
    public var note: String
    public var assignee: String?
    public var by: String
    /// The plan's incident fields, each set by an update of its own.
    public var severity: String?
    public var services: [String]?
    /// The note is this post-mortem section's text (root cause, ...).
    public var section: PostmortemField?
    /// Another alert joins the incident.
    public var joined: AlertKey?

    public init(
        id: String, status: IncidentStatus?, note: String, assignee: String? = nil, by: String,
        severity: String? = nil, services: [String]? = nil, section: PostmortemField? = nil, joined: AlertKey? = nil
    ) {
        self.id = id
        self.status = status
        self.note = note
        self.assignee = assignee
        self.by = by
        self.severity = severity
        self.services = services
        self.section = section
        self.joined = joined
    }
}

/// One line of the journal: when, what, and which instance wrote it (an
/// instance skips its own records when it reads what others appended).
public struct JournalRecord: Sendable, Equatable {
    /// The version written; every version so far reads the records of
    /// the ones before (version 1 is also every record with no `v`).
    public static let version = 1
    public var t: Int64
    public var entry: JournalEntry
    public var src: String?

    public init(t: Int64, _ entry: JournalEntry, src: String? = nil) {
        self.t = t
        self.entry = entry
        self.src = src
    }

    public init(_ event: AlertEvent) {
        self.init(t: event.atMs, .alert(event))
    }

    /// The alert event this record describes, when it describes one.
    public var event: AlertEvent? {
        if case .alert(let e) = entry { return e }
        return nil
    }

    /// The alert the record is about, if any.
    public var key: AlertKey? {
        switch entry {
        case .alert(let e): return e.key
        case .incidentOpened(let o): return o.alert
        case .samples(let k, _, _): return k
        // Notifications are kept by compaction whatever their alert: a
        // pending one must be sent after a restart.
        case .incidentUpdated, .unknown, .launch, .checklist, .notifyQueued, .notifyResult: return nil
        }
    }

    /// The record's kind as the line format names it (`transition`,
    /// `ack`, `incident_open` …).
    public var type: String {
        switch entry {
        case .alert(.transition): return "transition"
        case .alert(.acknowledged): return "ack"
        case .alert(.unacknowledged): return "unack"
        case .alert(.silenced): return "silence"
        case .alert(.silenceExpired): return "silence_expired"
        case .alert(.silenceLifted): return "silence_lifted"
        case .alert(.escalated): return "escalated"
        case .incidentOpened: return "incident_open"
        case .incidentUpdated: return "incident_update"
        case .samples: return "samples"
        case .launch(let d): return d.action.type
        case .checklist: return "checklist"
        case .notifyQueued: return "notify_queued"
        case .notifyResult(let r): return r.delivered ? "notify_sent" : "notify_failed"
        case .unknown(let type): return type
        }
    }

    /// The incident the record is about, if any.
    public var incident: String? {
        switch entry {
        case .incidentOpened(let o): return o.id
        case .incidentUpdated(let u): return u.id
        default: return nil
        }
    }
}

extension AlertEvent {
    /// When it happened.
    public var atMs: Int64 {
        switch self {
        case .transition(_, _, _, let at, _), .unacknowledged(_, _, let at), .silenced(_, _, _, let at, _),
            .silenceExpired(_, let at), .silenceLifted(_, _, let at), .escalated(_, _, _, let at):
            return at
        case .acknowledged(_, let ack): return ack.atMs
        }
    }
}
