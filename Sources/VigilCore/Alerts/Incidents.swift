import Foundation

/// Where an incident stands; the plan's flow, in order.
public enum IncidentStatus: String, CaseIterable, Codable, Sendable {
    case investigating, identified, monitoring, resolved

    /// The next status in the flow (resolved stays resolved).
    public var next: IncidentStatus {
        let all = Self.allCases
        return all[min(all.count - 1, all.firstIndex(of: self)! + 1)]
    }
}

/// A note on an incident, with the status it set (if it set one).
public struct IncidentUpdate: Equatable, Sendable {
    public var atMs: Int64
    public var by: String
    public var status: IncidentStatus?
    public var note: String
}

public struct Incident: Equatable, Sendable {
    public var id: String
    public var title: String
    public var severity: String
    public var description: String
    /// From the alert's `service` (or `job`, `instance`) labels.
    public var services: [String]
    public var status: IncidentStatus
    /// From the escalation level the alert had reached when it was opened.
    public var assignee: String
    public var openedAtMs: Int64
    public var openedBy: String
    /// The alert it was opened from; its journal records make the timeline.
    public var alert: AlertKey?
    /// Alerts joined since (the same cause seen by several rules).
    public var joined: [AlertKey] = []
    public var updates: [IncidentUpdate] = []
    public var resolvedAtMs: Int64?
    /// The post-mortem's sections as written on the incident page.
    public var sections: [PostmortemField: [String]] = [:]

    /// Every alert of the incident, the one it was opened from first.
    public var alerts: [AlertKey] { (alert.map { [$0] } ?? []) + joined }
}

/// Every incident in the journal, rebuilt by replaying its records.
public struct IncidentBook: Sendable {
    public private(set) var incidents: [String: Incident] = [:]
    /// The instance whose record opened each incident (nil: a record
    /// without one, as 0.1.0 wrote).
    var openedFrom: [String: String?] = [:]
    /// Two instances on one state directory can open an incident in the
    /// same second, so under the same id: the one that arrives second is
    /// kept under the next free id, and its instance's later records for
    /// that id go to it. Keyed by instance and the id it wrote.
    var renamed: [String: String] = [:]

    public init() {}

    /// Newest first.
    public var all: [Incident] {
        incidents.values.sorted { ($0.openedAtMs, $0.id) > ($1.openedAtMs, $1.id) }
    }

    public subscript(id: String) -> Incident? { incidents[id] }

    /// Applies this instance's own record before it is written (`record`
    /// stamps the written copy with the same instance).
    public mutating func apply(_ r: JournalRecord, from instance: String) {
        var r = r
        r.src = instance
        apply(r)
    }

    public mutating func apply(_ r: JournalRecord) {
        switch r.entry {
        case .incidentOpened(let o):
            var id = o.id
            if let first = openedFrom[o.id] {
                // The same record again (or one of a journal that names no
                // instance): nothing new.
                guard let src = r.src, first != src, renamed[src + "\u{1F}" + o.id] == nil else { return }
                id = freeID(after: o.id)
                renamed[src + "\u{1F}" + o.id] = id
            }
            openedFrom[id] = r.src
            incidents[id] = Incident(
                id: id, title: o.title, severity: o.severity, description: o.description ?? "",
                services: o.services, status: .investigating, assignee: o.assignee ?? "", openedAtMs: r.t,
                openedBy: o.by, alert: o.alert)
        case .incidentUpdated(let u):
            let id = r.src.flatMap { renamed[$0 + "\u{1F}" + u.id] } ?? u.id
            guard var i = incidents[id] else { return }
            i.updates.append(IncidentUpdate(atMs: r.t, by: u.by, status: u.status, note: u.note))
            if let status = u.status {
                i.status = status
                i.resolvedAtMs = status == .resolved ? r.t : nil
            }
            if let a = u.assignee { i.assignee = a }
            if let s = u.severity { i.severity = s }
            if let s = u.services { i.services = s }
            if let k = u.joined, !i.alerts.contains(k) { i.joined.append(k) }
            if let field = u.section, !u.note.isEmpty { i.sections[field, default: []].append(u.note) }
            incidents[id] = i
        default:
            break
        }
    }

    /// A fresh id: the UTC date and time of opening, made unique.
    public func newID(at ms: Int64) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(ms) / 1000))
        let base = String(
            format: "INC-%04d%02d%02d-%02d%02d%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0,
            c.second ?? 0)
        return incidents[base] == nil ? base : freeID(after: base)
    }

    /// `base-2`, `base-3` …: the first id not taken.
    func freeID(after base: String) -> String {
        var n = 2
        while incidents["\(base)-\(n)"] != nil { n += 1 }
        return "\(base)-\(n)"
    }

    /// The services an alert affects, from the labels that usually name one.
    public static func services(of key: AlertKey) -> [String] {
        for name in ["service", "job", "app", "instance"] {
            if let v = key.labels[name] { return [v] }
        }
        return []
    }
}
