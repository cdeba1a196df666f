/// The journal's line format: one flat JSON object per record, its kind in
/// `type`. The keys are the ones the first release wrote, so every journal
/// written since replays; new records also carry `v`.
extension JournalRecord: Codable {
    enum Key: String, CodingKey {
        case v, t, type, src, rule, labels, from, to, value, by, note, until, level, contacts
        case incident, title, severity, services, status, assignee, description, times, values, section
        case phase, reason, evidence, item, result, automated
        case id, channel, event, action, starts, detail, contact
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        t = try c.decode(Int64.self, forKey: .t)
        src = try c.decodeIfPresent(String.self, forKey: .src)
        let type = try c.decode(String.self, forKey: .type)
        func key() throws -> AlertKey {
            var k = AlertKey(rule: try c.decode(String.self, forKey: .rule), labels: Labels())
            k.labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
            return k
        }
        func string(_ k: Key) throws -> String { try c.decodeIfPresent(String.self, forKey: k) ?? "" }
        func state(_ k: Key) throws -> AlertState {
            let raw = try c.decode(String.self, forKey: k)
            guard let s = AlertState(rawValue: raw) else {
                throw DecodingError.dataCorruptedError(forKey: k, in: c, debugDescription: "unknown alert state \(raw)")
            }
            return s
        }
        switch type {
        case "transition":
            let value = try c.decodeIfPresent(Double.self, forKey: .value) ?? .nan
            entry = .alert(.transition(try key(), from: try state(.from), to: try state(.to), atMs: t, value: value))
        case "ack":
            entry = .alert(
                .acknowledged(try key(), Acknowledgement(by: try string(.by), atMs: t, note: try string(.note))))
        case "unack":
            entry = .alert(.unacknowledged(try key(), by: try string(.by), atMs: t))
        case "silence":
            let until = try c.decode(Int64.self, forKey: .until)
            entry = .alert(.silenced(try key(), by: try string(.by), untilMs: until, atMs: t, note: try string(.note)))
        case "silence_expired":
            entry = .alert(.silenceExpired(try key(), atMs: t))
        case "silence_lifted":
            entry = .alert(.silenceLifted(try key(), by: try string(.by), atMs: t))
        case "escalated":
            let level = try c.decode(Int.self, forKey: .level)
            let contacts = try c.decodeIfPresent([String].self, forKey: .contacts) ?? []
            entry = .alert(.escalated(try key(), level: level, contacts: contacts, atMs: t))
        case "incident_open":
            let id = try c.decode(String.self, forKey: .incident)
            entry = .incidentOpened(
                IncidentOpened(
                    id: id, alert: try key(), title: try c.decodeIfPresent(String.self, forKey: .title) ?? id,
                    severity: try string(.severity),
                    description: try c.decodeIfPresent(String.self, forKey: .description),
                    services: try c.decodeIfPresent([String].self, forKey: .services) ?? [],
                    assignee: try c.decodeIfPresent(String.self, forKey: .assignee), by: try string(.by)))
        case "incident_update":
            let status = try c.decodeIfPresent(String.self, forKey: .status)
            guard status == nil || IncidentStatus(rawValue: status!) != nil else {
                throw DecodingError.dataCorruptedError(
                    forKey: .status, in: c, debugDescription: "unknown incident status \(status!)")
            }
            let section = try c.decodeIfPresent(String.self, forKey: .section)
            guard section == nil || PostmortemField(rawValue: section!) != nil else {
                throw DecodingError.dataCorruptedError(
                    forKey: .section, in: c, debugDescription: "unknown post-mortem section \(section!)")
            }
            entry = .incidentUpdated(
                IncidentUpdated(
                    id: try c.decode(String.self, forKey: .incident), status: status.flatMap(IncidentStatus.init),
                    note: try string(.note), assignee: try c.decodeIfPresent(String.self, forKey: .assignee),
                    by: try string(.by), severity: try c.decodeIfPresent(String.self, forKey: .severity),
                    services: try c.decodeIfPresent([String].self, forKey: .services),
                    section: section.flatMap(PostmortemField.init),
                    joined: try c.decodeIfPresent(String.self, forKey: .rule) == nil ? nil : try key()))
        case "samples":
            let times = try c.decode([Int64].self, forKey: .times)
            let values = try c.decode([Double].self, forKey: .values)
            guard times.count == values.count else {
                throw DecodingError.dataCorruptedError(
                    forKey: .values, in: c, debugDescription: "\(times.count) times but \(values.count) values")
            }
            entry = .samples(try key(), times: times, values: values)
        case _ where type.hasPrefix("launch_"):
            guard let action = LaunchDecision.Action.allCases.first(where: { $0.type == type }) else {
                entry = .unknown(type: type)
                break
            }
            entry = .launch(
                LaunchDecision(
                    action: action, from: try c.decodeIfPresent(String.self, forKey: .from),
                    to: try c.decodeIfPresent(String.self, forKey: .to), by: try string(.by),
                    reason: try string(.reason),
                    evidence: try c.decodeIfPresent([CheckEvidence].self, forKey: .evidence) ?? []))
        case "notify_queued":
            let raw = try c.decode(String.self, forKey: .event)
            guard let event = AlertNotification.Event(rawValue: raw) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .event, in: c, debugDescription: "unknown notification event \(raw)")
            }
            var n = AlertNotification(
                channel: try c.decode(String.self, forKey: .channel), event: event, alert: try key(),
                severity: try string(.severity), value: try c.decodeIfPresent(Double.self, forKey: .value) ?? .nan,
                description: try string(.description), action: try string(.action),
                startsAtMs: try c.decodeIfPresent(Int64.self, forKey: .starts) ?? t, by: try string(.by), atMs: t)
            n.id = try c.decode(String.self, forKey: .id)
            n.contact = try c.decodeIfPresent(String.self, forKey: .contact) ?? ""
            n.level = try c.decodeIfPresent(Int.self, forKey: .level) ?? 0
            entry = .notifyQueued(n)
        case "notify_sent", "notify_failed":
            entry = .notifyResult(
                NotificationResult(
                    id: try c.decode(String.self, forKey: .id), channel: try string(.channel),
                    delivered: type == "notify_sent", detail: try string(.detail)))
        case "checklist":
            let raw = try c.decode(String.self, forKey: .result)
            guard let result = ChecklistMark.Result(rawValue: raw) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .result, in: c, debugDescription: "unknown checklist result \(raw)")
            }
            entry = .checklist(
                ChecklistMark(
                    item: try c.decode(String.self, forKey: .item), result: result, by: try string(.by),
                    note: try string(.note), automated: try c.decodeIfPresent(Bool.self, forKey: .automated) ?? false))
        default:
            entry = .unknown(type: type)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(Self.version, forKey: .v)
        try c.encode(t, forKey: .t)
        try c.encodeIfPresent(src, forKey: .src)
        try c.encode(type, forKey: .type)
        func key(_ k: AlertKey) throws {
            try c.encode(k.rule, forKey: .rule)
            try c.encode(k.labels, forKey: .labels)
        }
        switch entry {
        case .alert(let event):
            try key(event.key)
            switch event {
            case .transition(_, let from, let to, _, let value):
                try c.encode(from.rawValue, forKey: .from)
                try c.encode(to.rawValue, forKey: .to)
                try c.encode(value, forKey: .value)
            case .acknowledged(_, let ack):
                try c.encode(ack.by, forKey: .by)
                try c.encode(ack.note, forKey: .note)
            case .unacknowledged(_, let by, _):
                try c.encode(by, forKey: .by)
            case .silenced(_, let by, let until, _, let note):
                try c.encode(by, forKey: .by)
                try c.encode(until, forKey: .until)
                if !note.isEmpty { try c.encode(note, forKey: .note) }
            case .silenceExpired:
                break
            case .silenceLifted(_, let by, _):
                try c.encode(by, forKey: .by)
            case .escalated(_, let level, let contacts, _):
                try c.encode(level, forKey: .level)
                try c.encode(contacts, forKey: .contacts)
            }
        case .incidentOpened(let o):
            try key(o.alert)
            try c.encode(o.id, forKey: .incident)
            try c.encode(o.title, forKey: .title)
            try c.encode(o.severity, forKey: .severity)
            try c.encodeIfPresent(o.description, forKey: .description)
            try c.encode(o.services, forKey: .services)
            try c.encodeIfPresent(o.assignee, forKey: .assignee)
            try c.encode(o.by, forKey: .by)
        case .incidentUpdated(let u):
            try c.encode(u.id, forKey: .incident)
            try c.encodeIfPresent(u.status?.rawValue, forKey: .status)
            try c.encode(u.note, forKey: .note)
            try c.encodeIfPresent(u.assignee, forKey: .assignee)
            try c.encode(u.by, forKey: .by)
            try c.encodeIfPresent(u.severity, forKey: .severity)
            try c.encodeIfPresent(u.services, forKey: .services)
            try c.encodeIfPresent(u.section?.rawValue, forKey: .section)
            if let joined = u.joined { try key(joined) }
        case .samples(let k, let times, let values):
            try key(k)
            try c.encode(times, forKey: .times)
            try c.encode(values, forKey: .values)
        case .launch(let d):
            try c.encodeIfPresent(d.from, forKey: .from)
            try c.encodeIfPresent(d.to, forKey: .to)
            try c.encode(d.by, forKey: .by)
            try c.encode(d.reason, forKey: .reason)
            if !d.evidence.isEmpty { try c.encode(d.evidence, forKey: .evidence) }
        case .notifyQueued(let n):
            try key(n.alert)
            try c.encode(n.id, forKey: .id)
            try c.encode(n.channel, forKey: .channel)
            try c.encode(n.event.rawValue, forKey: .event)
            try c.encode(n.severity, forKey: .severity)
            if n.value.isFinite { try c.encode(n.value, forKey: .value) }
            try c.encode(n.description, forKey: .description)
            try c.encode(n.action, forKey: .action)
            try c.encode(n.startsAtMs, forKey: .starts)
            if !n.by.isEmpty { try c.encode(n.by, forKey: .by) }
            // The contact's name, never its address (a routing key is a secret).
            if !n.contact.isEmpty { try c.encode(n.contact, forKey: .contact) }
            if n.level > 0 { try c.encode(n.level, forKey: .level) }
        case .notifyResult(let r):
            try c.encode(r.id, forKey: .id)
            try c.encode(r.channel, forKey: .channel)
            try c.encode(r.detail, forKey: .detail)
        case .checklist(let m):
            try c.encode(m.item, forKey: .item)
            try c.encode(m.result.rawValue, forKey: .result)
            try c.encode(m.by, forKey: .by)
            if !m.note.isEmpty { try c.encode(m.note, forKey: .note) }
            if m.automated { try c.encode(true, forKey: .automated) }
        case .unknown:
            break
        }
    }
}
