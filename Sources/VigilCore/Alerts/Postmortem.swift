import Foundation

/// One line of an incident's timeline, drawn from the journal.
public struct TimelineEntry: Equatable, Sendable {
    public var atMs: Int64
    /// pending, firing, acknowledged, unacknowledged, silenced, escalated,
    /// resolved, opened, update, or a status name.
    public var kind: String
    public var text: String
}

/// An incident's story: its timeline, the figures a post-mortem asks
/// for, and the metric around it, from the journal alone (so `vigil
/// postmortem` needs no running Vigil and no Prometheus).
public struct IncidentHistory: Sendable {
    public var incident: Incident
    public var timeline: [TimelineEntry] = []
    public var firedAtMs: Int64?
    public var acknowledgedAtMs: Int64?
    public var alertResolvedAtMs: Int64?
    /// How long the alert was firing within the incident: the episodes
    /// added up, without the spells it was resolved in between.
    public var firingMs: Int64?
    /// The alert's metric, (time, value), from `samples` records and
    /// transition values, within 15 minutes either side.
    public var samples: [(Int64, Double)] = []

    /// Time to acknowledge: from firing to the first acknowledgement.
    public var timeToAcknowledgeMs: Int64? {
        guard let f = firedAtMs, let a = acknowledgedAtMs else { return nil }
        return max(0, a - f)
    }

    /// Time to resolve: from firing to the incident's resolution. An
    /// incident still open has none, whatever its alert did.
    public var timeToResolveMs: Int64? {
        guard let f = firedAtMs, let end = incident.resolvedAtMs else { return nil }
        return max(0, end - f)
    }

    public init(incident: Incident, records: [JournalRecord], nowMs: Int64) {
        self.incident = incident
        let end = incident.resolvedAtMs ?? nowMs
        var entries: [TimelineEntry] = []
        let joinedKeys = Set(incident.joined)
        for r in records where r.key.map(joinedKeys.contains) == true && r.t <= end {
            if case .transition(let k, _, let to, _, _)? = r.event, to == .firing || to == .resolved,
                r.t >= incident.openedAtMs - 3_600_000
            {
                entries.append(TimelineEntry(atMs: r.t, kind: "joined", text: "\(k.rule) \(to.rawValue)"))
            }
        }
        if let key = incident.alert {
            let mine = records.filter { $0.key == key }.sorted { $0.t < $1.t }
            // The episode the incident belongs to starts at the last time
            // the alert went pending before the incident was opened.
            let start =
                mine.last {
                    if case .transition(_, _, .pending, _, _)? = $0.event { $0.t <= incident.openedAtMs } else { false }
                }?.t ?? incident.openedAtMs
            var lastTo: AlertState?
            var firingSince: Int64?
            var firing: Int64 = 0
            defer {
                if let since = firingSince { firing += max(0, end - since) }
                if firedAtMs != nil { firingMs = firing }
            }
            for r in mine where r.t >= start && r.t <= end {
                guard let event = r.event else { continue }
                switch event {
                case .transition(_, _, let to, _, let value):
                    // Two instances sharing a journal both record each
                    // transition; the first one counts.
                    if to != .firing, to != lastTo, let since = firingSince {
                        firing += max(0, r.t - since)
                        firingSince = nil
                    }
                    guard to != lastTo, to != .inactive else {
                        if to == .inactive { lastTo = .inactive }
                        continue
                    }
                    lastTo = to
                    if to == .firing { firingSince = r.t }
                    if to == .firing && firedAtMs == nil { firedAtMs = r.t }
                    // The alert's last resolution, unless it fired again since.
                    if to == .firing { alertResolvedAtMs = nil }
                    if to == .resolved && firedAtMs != nil { alertResolvedAtMs = r.t }
                    let shown = value.isNaN ? "" : " (value \(String(format: "%.4g", value)))"
                    entries.append(TimelineEntry(atMs: r.t, kind: to.rawValue, text: "alert \(to.rawValue)\(shown)"))
                case .acknowledged(_, let ack):
                    if acknowledgedAtMs == nil { acknowledgedAtMs = r.t }
                    let note = ack.note.isEmpty ? "" : ": \(ack.note)"
                    entries.append(
                        TimelineEntry(atMs: r.t, kind: "acknowledged", text: "acknowledged by \(ack.by)\(note)"))
                case .unacknowledged(_, let by, _):
                    entries.append(
                        TimelineEntry(atMs: r.t, kind: "unacknowledged", text: "acknowledgement removed by \(by)"))
                case .silenced(_, let by, let until, _, let note):
                    entries.append(
                        TimelineEntry(
                            atMs: r.t, kind: "silenced",
                            text: "silenced by \(by) until \(Self.time(until))\(note.isEmpty ? "" : ": \(note)")"))
                case .escalated(_, let level, let contacts, _):
                    let who = contacts.joined(separator: ", ")
                    // Vigil sends no notifications yet: the level says who is
                    // due to be called, not that anyone was.
                    entries.append(
                        TimelineEntry(
                            atMs: r.t, kind: "escalated",
                            text: "escalation level \(level) reached: \(who) to be called (Vigil sent no notification)")
                    )
                case .silenceLifted(_, let by, _):
                    entries.append(TimelineEntry(atMs: r.t, kind: "unsilenced", text: "silence lifted by \(by)"))
                case .silenceExpired:
                    break
                }
            }
            let from = start - 15 * 60_000
            let to = end + 15 * 60_000
            var points: [Int64: Double] = [:]
            for r in mine {
                guard case .samples(_, let times, let values) = r.entry else { continue }
                for (t, v) in zip(times, values) where t >= from && t <= to && !v.isNaN {
                    points[t] = v
                }
            }
            samples = points.sorted { $0.key < $1.key }
        }
        for r in records where r.incident == incident.id {
            switch r.entry {
            case .incidentOpened(let o):
                entries.append(
                    TimelineEntry(
                        atMs: r.t, kind: "opened",
                        text: "incident opened by \(o.by.isEmpty ? "?" : o.by), assigned to \(o.assignee ?? "nobody")"))
            case .incidentUpdated(let u) where u.joined != nil || u.severity != nil || u.services != nil:
                var what: [String] = []
                if let k = u.joined { what.append("alert \(k.rule) joined") }
                if let s = u.severity { what.append("severity set to \(s)") }
                if let s = u.services { what.append("services set to \(s.joined(separator: ", "))") }
                entries.append(
                    TimelineEntry(
                        atMs: r.t, kind: "update",
                        text: "\(what.joined(separator: ", ")) (\(u.by.isEmpty ? "?" : u.by))"))
            case .incidentUpdated(let u) where u.section != nil:
                entries.append(
                    TimelineEntry(
                        atMs: r.t, kind: "update",
                        text: "\(u.section!.rawValue): \"\(u.note)\" (\(u.by.isEmpty ? "?" : u.by))"))
            case .incidentUpdated(let u):
                let status = u.status.map { "status \($0.rawValue)" }
                let text = [status, u.note.isEmpty ? nil : "\"\(u.note)\""].compactMap { $0 }.joined(separator: ": ")
                entries.append(
                    TimelineEntry(
                        atMs: r.t, kind: u.status?.rawValue ?? "update",
                        text: "\(text.isEmpty ? "update" : text) (\(u.by.isEmpty ? "?" : u.by))"))
            default:
                break
            }
        }
        // Stable: records of one millisecond keep their journal order.
        timeline = entries.enumerated().sorted { ($0.element.atMs, $0.offset) < ($1.element.atMs, $1.offset) }.map(
            \.element)
    }

    static let utc: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    /// `2026-11-25 04:12:07 UTC`: post-mortems are read in many time zones.
    public static func time(_ ms: Int64) -> String {
        let c = utc.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(ms) / 1000))
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d UTC", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0,
            c.minute ?? 0, c.second ?? 0)
    }

    /// `1h05m`, `3m20s`, `45s`.
    public static func span(_ ms: Int64) -> String {
        let s = ms / 1000
        if s >= 3600 { return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m" }
        if s >= 60 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s)s"
    }

    /// The values as one line of eighth blocks, at most `width` wide,
    /// each character the largest value of its slice of time.
    public static func sparkline(_ points: [(Int64, Double)], width: Int = 60) -> String {
        guard let first = points.first?.0, let last = points.last?.0 else { return "" }
        let blocks = Array("▁▂▃▄▅▆▇█")
        let n = max(1, min(width, points.count))
        var cols = [Double?](repeating: nil, count: n)
        let span = max(1, last - first)
        for (t, v) in points {
            let i = min(n - 1, Int(Double(t - first) / Double(span) * Double(n - 1) + 0.5))
            cols[i] = max(cols[i] ?? v, v)
        }
        // A slice with no sample shows the value before it: the metric did
        // not vanish, nobody sampled it.
        for i in cols.indices.dropFirst() where cols[i] == nil { cols[i] = cols[i - 1] }
        let known = cols.compactMap { $0 }
        let lo = known.min() ?? 0
        let hi = known.max() ?? 0
        let flat = hi - lo <= 1e-9 * max(abs(hi), abs(lo), 1e-300)
        return String(
            cols.map { v -> Character in
                guard let v else { return " " }
                if flat { return blocks[3] }
                return blocks[min(7, Int((v - lo) / (hi - lo) * 7.999))]
            })
    }
}

/// `vigil postmortem ID`: the incident's history as a Markdown document.
public enum Postmortem {
    public static func markdown(
        _ h: IncidentHistory, config: AlertsConfig, metrics: [MetricDefinition], launch: LaunchBook? = nil
    ) -> String {
        let i = h.incident
        let rule = config.rules.first { $0.name == i.alert?.rule }
        let severity = config.severities.first { $0.id == i.severity }
        let unit = rule?.metric.flatMap { id in metrics.first { $0.id == id }?.unit } ?? ""
        func value(_ v: Double) -> String {
            formatSampleValue((v * 1000).rounded() / 1000) + (unit.isEmpty ? "" : " \(unit)")
        }
        var md = "# Post-mortem: \(i.title)\n\n"
        md += "| | |\n|---|---|\n"
        md += "| Incident | \(i.id) |\n"
        md += "| Severity | \(severity?.name ?? i.severity) |\n"
        md += "| Status | \(i.status.rawValue) |\n"
        md += "| Opened | \(IncidentHistory.time(i.openedAtMs)) by \(i.openedBy) |\n"
        md += "| Assignee | \(i.assignee.isEmpty ? "nobody" : i.assignee) |\n"
        md += "| Affected services | \(i.services.isEmpty ? "not known" : i.services.joined(separator: ", ")) |\n"
        for (n, k) in i.alerts.enumerated() {
            let labels = k.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", ")
            md += "| \(n == 0 ? "Alert" : "Joined alert") | \(k.rule)\(labels.isEmpty ? "" : " {\(labels)}") |\n"
        }
        if let rule { md += "| Condition | `\(rule.condition)` for \(rule.holdFor) |\n" }
        md += "\n## Summary\n\n"
        var summary = i.description.isEmpty ? i.title : i.description
        if let f = h.firedAtMs { summary += ". The alert fired at \(IncidentHistory.time(f))" }
        if let r = i.resolvedAtMs {
            summary += " and the incident was resolved at \(IncidentHistory.time(r))."
        } else if let r = h.alertResolvedAtMs {
            summary += "; the alert resolved at \(IncidentHistory.time(r)), the incident is \(i.status.rawValue)."
        } else {
            summary += "; the incident is \(i.status.rawValue)."
        }
        md += summary + "\n"
        if let last = i.updates.last(where: { !$0.note.isEmpty }) { md += "\nLatest note: \(last.note)\n" }
        md += "\n## Impact\n\n"
        md +=
            "- Services: \(i.services.isEmpty ? "not known from the alert's labels" : i.services.joined(separator: ", "))\n"
        if h.firedAtMs != nil, let firing = h.firingMs {
            let still = i.resolvedAtMs == nil && h.alertResolvedAtMs == nil ? " (still firing)" : ""
            md += "- Firing for: \(IncidentHistory.span(firing))\(still)\n"
        }
        if let peak = h.samples.map(\.1).max() { md += "- Peak value: \(value(peak))\n" }
        if let sev = severity {
            md += "- Severity \(sev.name): channels \(sev.channels.joined(separator: ", ")), timeout \(sev.timeout)\n"
        }
        // An incident during a launch: the phase it happened in, and the
        // decisions taken an hour either side of its opening.
        if let launch {
            let context = LaunchReport.context(book: launch, at: i.openedAtMs, clock: IncidentHistory.time)
            if !context.isEmpty {
                md +=
                    "\n## Launch\n\n"
                    + context.map { "- " + $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: "\n")
                    + "\n"
            }
        }
        md += "\n## Timeline\n\n| Time (UTC) | Event |\n|---|---|\n"
        for e in h.timeline {
            md +=
                "| \(IncidentHistory.time(e.atMs).dropLast(4)) | \(e.text.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        md += "\n## Response\n\n"
        md += "- Time to acknowledge: \(h.timeToAcknowledgeMs.map(IncidentHistory.span) ?? "not acknowledged")\n"
        if let ttr = h.timeToResolveMs {
            md += "- Time to resolve: \(IncidentHistory.span(ttr)) (firing to incident resolved)\n"
        } else if let f = h.firedAtMs, let a = h.alertResolvedAtMs {
            md +=
                "- Time to resolve: not resolved (the incident is \(i.status.rawValue); its alert resolved \(IncidentHistory.span(a - f)) after firing)\n"
        } else {
            md += "- Time to resolve: not resolved\n"
        }
        md += "\n## Metric\n\n"
        if h.samples.isEmpty {
            md += "No samples of the alert's metric were recorded.\n"
        } else {
            let lo = h.samples.map(\.1).min()!
            let hi = h.samples.map(\.1).max()!
            md += "\(rule?.metric ?? rule?.name ?? "value") from \(IncidentHistory.time(h.samples.first!.0)) "
            md += "to \(IncidentHistory.time(h.samples.last!.0)), min \(value(lo)), max \(value(hi)):\n\n"
            md += "```\n\(IncidentHistory.sparkline(h.samples))\n```\n"
        }
        for (heading, field) in [
            ("Root cause", PostmortemField.rootCause), ("Corrective actions", .corrective),
            ("Preventive actions", .preventive),
        ] {
            // Written as the section (e on the incident page), or as a
            // note that starts with the section's name.
            let notes =
                (i.sections[field] ?? [])
                + i.updates.compactMap { PostmortemField.split($0.note).flatMap { $0.0 == field ? $0.1 : nil } }
            md += "\n## \(heading)\n\n"
            md += notes.isEmpty ? "_To be written._\n" : notes.map { "- \($0)\n" }.joined()
        }
        return md
    }
}

/// The post-mortem's own sections, filled from incident notes that start
/// with their name: `root cause: the pool was sized for 10%`,
/// `corrective: pool raised to 200`, `preventive: load test at 100%`.
public enum PostmortemField: String, CaseIterable, Sendable {
    case rootCause = "root cause"
    case corrective
    case preventive

    /// The field a note fills and its text without the prefix, or nil.
    public static func split(_ note: String) -> (PostmortemField, String)? {
        let lower = note.lowercased()
        for field in allCases {
            for prefix in [field.rawValue, field.rawValue.replacingOccurrences(of: " ", with: "_")] {
                guard lower.hasPrefix(prefix) else { continue }
                var rest = note.dropFirst(prefix.count).drop { $0 == " " }
                guard rest.first == ":" else { continue }
                rest = rest.dropFirst().drop { $0 == " " }
                return rest.isEmpty ? nil : (field, String(rest))
            }
        }
        return nil
    }
}
