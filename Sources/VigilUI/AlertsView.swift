import Foundation
import VigilCore

/// One alert as the Alerts screen shows it.
public struct AlertRow: Sendable, Equatable {
    public var key: AlertKey
    public var title: String
    public var state: AlertState
    public var severity: String
    public var severityName: String
    /// 0 for the most severe level the config lists.
    public var severityRank: Int
    /// Since it went pending, or since it fired.
    public var sinceMs: Int64
    public var value: Double
    public var unit: String
    public var acknowledgement: Acknowledgement?
    public var silencedUntilMs: Int64?
    public var escalation: EscalationStatus
    public var condition: String
    public var description: String
    public var action: String
    public var metric: String?
    /// "vigil" for Vigil's own rules, "alertmanager" for Alertmanager's alerts.
    public var source = "vigil"
    /// The severity's configured colour (the plan: critical red, high
    /// orange, medium yellow, low blue).
    public var severityColor: String?
}

/// What the alert and incident screens, the status bar and the panel
/// markers are drawn from.
public struct AlertsModel: Sendable {
    public var nowMs: Int64 = 0
    public var rows: [AlertRow] = []
    public var incidents: [Incident] = []
    /// The opened incident's timeline, when one is open.
    public var history: IncidentHistory?
    public var readOnly: String?
    public var warnings: [String] = []
    public var ruleErrors: [String: String] = [:]
    /// True until the data is there to evaluate rules (after a start).
    public var warmingUp = false
    /// Alertmanager's silences (the inventory) and its read error.
    public var silences: [AMSilence] = []
    public var alertmanagerError: String?
    public var hasAlertmanager = false
    /// Labels of the alerts Alertmanager holds active, for the inventory's
    /// "expires while still firing" warning.
    public var alertmanagerAlerts: [AMAlert] = []

    public init() {}

    public init(engine: AlertEngine, config: VigilConfig, now: Int64) {
        nowMs = now
        rows = engine.active.map { a in
            let rule = engine.rules.first { $0.name == a.key.rule }
            let sev = config.alerts.severities.first { $0.id == a.severity }
            return AlertRow(
                key: a.key, title: Self.title(a.key), state: a.state, severity: a.severity,
                severityName: sev?.name ?? a.severity, severityRank: engine.rank(a.severity),
                sinceMs: a.state == .firing ? (a.firedAtMs ?? a.activeSinceMs) : a.activeSinceMs, value: a.value,
                unit: rule?.metric.flatMap { config.metric($0)?.unit } ?? "", acknowledgement: a.acknowledgement,
                silencedUntilMs: a.isSilenced(at: now) ? a.silencedUntilMs : nil,
                escalation: engine.escalation(of: a, at: now), condition: rule?.condition ?? "",
                description: rule?.description ?? "", action: rule?.action ?? "", metric: rule?.metric,
                severityColor: sev?.color)
        }
    }

    /// Alertmanager's alerts as rows: firing, or acknowledged when a silence
    /// holds them (its author, start and comment are the acknowledgement).
    public mutating func addAlertmanager(_ alerts: [AMAlert], silences: [AMSilence], config: VigilConfig) {
        hasAlertmanager = true
        self.silences = silences
        alertmanagerAlerts = alerts
        for a in alerts {
            var labels = a.labels
            labels["alertname"] = nil
            let key = AlertKey(rule: "alertmanager/" + a.name, labels: Labels(labels))
            let sevID = a.labels["severity"] ?? ""
            let rank = config.alerts.severities.firstIndex { $0.id == sevID } ?? config.alerts.severities.count
            let sev = config.alerts.severities.first { $0.id == sevID }
            let silence =
                silences.first { a.silencedBy.contains($0.id) && $0.state == "active" }
                ?? silences.first { $0.state == "active" && $0.matches(a.labels) }
            rows.append(
                AlertRow(
                    key: key, title: Self.title(key) + " [alertmanager]", state: .firing, severity: sevID,
                    severityName: sev?.name ?? (sevID.isEmpty ? "none" : sevID), severityRank: rank,
                    sinceMs: a.startsAtMs ?? nowMs, value: .nan, unit: "",
                    acknowledgement: silence.map {
                        Acknowledgement(by: $0.createdBy, atMs: $0.startsAtMs, note: $0.comment)
                    }, silencedUntilMs: nil,
                    escalation: EscalationStatus(level: nil, next: nil, nextAtMs: nil, timedOut: false),
                    condition: a.annotations["summary"] ?? "", description: a.annotations["description"] ?? "",
                    action: a.annotations["runbook_url"] ?? "", metric: nil, source: "alertmanager",
                    severityColor: sev?.color))
        }
        rows.sort { a, b in
            if (a.state == .firing) != (b.state == .firing) { return a.state == .firing }
            if a.severityRank != b.severityRank { return a.severityRank < b.severityRank }
            return a.sinceMs < b.sinceMs
        }
    }

    /// `High Error Rate {service=api}`.
    public static func title(_ k: AlertKey) -> String {
        let labels = k.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return Sanitizer.clean(labels.isEmpty ? k.rule : "\(k.rule) {\(labels)}", maxLength: 200)
    }

    public var firing: [AlertRow] { rows.filter { $0.state == .firing } }
    public var pending: [AlertRow] { rows.filter { $0.state == .pending } }
    /// The most severe firing alert (rows come most severe first).
    public var worst: AlertRow? { firing.first }
    /// Metrics with a firing alert: their panels show a marker.
    public var firingMetrics: Set<String> { Set(firing.compactMap(\.metric)) }
}

extension Theme {
    /// Severity styles by rank: the top two levels red, the third yellow,
    /// the rest in the accent colour; the word is always shown too.
    func severity(rank: Int) -> Style {
        switch rank {
        case 0: return state(.critical).with(.reverse)
        case 1: return state(.critical)
        case 2: return state(.warning)
        default: return accent
        }
    }

    /// A row's severity in its configured colour, with the rank's
    /// emphasis; a theme without colours (mono) keeps the rank's style,
    /// and the word and glyph always say it too.
    func severity(_ row: AlertRow) -> Style {
        var style = severity(rank: row.severityRank)
        guard color("crit").index >= 0, let name = row.severityColor, let c = ThemeSpec.colorNames[name] else {
            return style
        }
        style.fg = TermColor(c)
        return style
    }
}

extension DashboardView {
    /// The status bar's alert summary: firing count and worst severity.
    func alertSummary(_ m: AlertsModel, unseen: Bool, theme: Theme) -> (String, Style) {
        if m.warmingUp && m.rows.isEmpty { return ("alerts: warming up", theme.statusBar) }
        guard let worst = m.worst else {
            let pending = m.pending.count
            return (
                pending > 0 ? "0 firing, \(pending) pending" : "0 firing",
                Style(fg: theme.color("ok"), bg: theme.color("status_bg"))
            )
        }
        let unacked = m.firing.filter { $0.acknowledgement == nil && $0.silencedUntilMs == nil }.count
        var text = "\(m.firing.count) FIRING, worst \(worst.severityName.lowercased())"
        if unacked < m.firing.count { text += ", \(unacked) unacked" }
        if unseen { text = (glyphs.ascii ? "(!) " : "🔔 ") + text + " (A)" }
        var style = theme.severity(worst)
        style.bg = worst.severityRank == 0 ? style.bg : theme.color("status_bg")
        if unseen { style.attributes.insert(.reverse) }
        return (text, style)
    }

    static func age(_ ms: Int64) -> String {
        let s = max(0, ms / 1000)
        if s >= 3600 { return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m" }
        if s >= 60 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s)s"
    }

    // MARK: - Alerts screen

    func renderAlerts(_ state: AppState, _ m: AlertsModel, in r: Rect, on c: inout Canvas, theme: Theme) {
        let worstState: PanelState = m.worst.map { $0.severityRank <= 1 ? .critical : .warning } ?? .ok
        let title = "Alerts: \(m.firing.count) firing, \(m.pending.count) pending"
        let inner = PanelFrame(title: title, state: worstState, selected: true, badge: false).render(
            in: r, on: &c, theme: theme, glyphs: glyphs)
        guard inner.width > 10, inner.height > 2 else { return }
        let keys = "a acknowledge  u unacknowledge  s silence  i incident  Esc back"
        c.put(
            DisplayWidth.truncate(keys, to: inner.width - 1), x: inner.x + 1, y: inner.y, style: theme.dim, clip: inner
        )
        var y = inner.y + 2
        // Damaged journal lines were skipped: say so where acknowledgements are read.
        if let first = m.warnings.first {
            let more = m.warnings.count > 1 ? " (and \(m.warnings.count - 1) more)" : ""
            c.put(
                DisplayWidth.truncate(Sanitizer.clean(first + more, maxLength: 300), to: inner.width - 2),
                x: inner.x + 1, y: inner.maxY - 1, style: theme.state(.warning), clip: inner)
        }
        if let e = m.alertmanagerError {
            c.put(
                Sanitizer.clean(e, maxLength: 300), x: inner.x + 1, y: inner.y + 1, style: theme.state(.error("")),
                clip: inner)
        }
        if let ro = m.readOnly {
            c.put(
                "READ-ONLY: \(Sanitizer.clean(ro, maxLength: 200)): acknowledgements are not kept", x: inner.x + 1,
                y: inner.y + 1, style: theme.state(.warning).with(.reverse), clip: inner)
        }
        if m.rows.isEmpty {
            let text =
                m.warmingUp
                ? "No alert so far; rules wait until the store holds data for their ranges (a minute for [1m])."
                : "No alert is firing or pending."
            c.put(text, x: inner.x + 1, y: y, style: theme.state(.ok), clip: inner)
            y += 1
            for (rule, err) in m.ruleErrors.sorted(by: { $0.key < $1.key }) where y < inner.maxY {
                c.put(
                    "rule \(rule): \(Sanitizer.clean(err, maxLength: 200))", x: inner.x + 1, y: y,
                    style: theme.state(.error("")), clip: inner)
                y += 1
            }
            return
        }
        // Columns: state, severity, age, value, alert, acknowledgement, escalation.
        let valueWidth = 12
        let fixed = 9 + 10 + 8 + valueWidth + 2
        let rest = max(10, inner.width - fixed - 2)
        let alertWidth = max(10, rest * 4 / 10)
        let ackWidth = max(8, rest - alertWidth)
        let header =
            DisplayWidth.pad("STATE", to: 9) + DisplayWidth.pad("SEVERITY", to: 10) + DisplayWidth.pad("AGE", to: 8)
            + DisplayWidth.pad("VALUE", to: valueWidth, right: true) + "  " + DisplayWidth.pad("ALERT", to: alertWidth)
            + DisplayWidth.pad("ACK / ESCALATION", to: ackWidth)
        c.put(header, x: inner.x + 1, y: y, style: theme.title.with(.underline), clip: inner)
        y += 1
        let detailHeight = min(6, max(0, inner.maxY - y - m.rows.count))
        let listBottom = inner.maxY - detailHeight
        let visible = max(1, listBottom - y)
        let first = max(0, min(state.alertSelected - visible + 1, m.rows.count - visible))
        for (i, row) in m.rows.enumerated().dropFirst(first).prefix(visible) {
            let selected = i == state.alertSelected
            let stateWord: String
            if row.state == .pending {
                stateWord = "pending"
            } else if row.acknowledgement != nil {
                stateWord = "ACKED"
            } else if row.silencedUntilMs != nil {
                stateWord = "SILENCED"
            } else {
                stateWord = "FIRING"
            }
            var follow: String
            if let ack = row.acknowledgement {
                follow = "\(glyphs.ascii ? "ack" : "✓") \(ack.by) \(Self.age(m.nowMs - ack.atMs)) ago"
                if !ack.note.isEmpty { follow += ": \(ack.note)" }
            } else if let until = row.silencedUntilMs {
                follow = "silenced for \(Self.age(until - m.nowMs))"
            } else if row.state == .pending {
                follow = "fires if it holds"
            } else if let level = row.escalation.level {
                follow = "L\(level.level) \(level.contacts.joined(separator: ", "))"
                if let next = row.escalation.next, let at = row.escalation.nextAtMs {
                    follow +=
                        " \(glyphs.ascii ? "->" : "→") L\(next.level) \(next.contacts.joined(separator: ", ")) in "
                    follow += Self.age(at - m.nowMs)
                }
                if row.escalation.timedOut { follow += " TIMED OUT" }
            } else if row.source == "alertmanager" {
                follow = "from Alertmanager; a silences it"
            } else {
                follow = "not escalated (\(row.severityName))"
            }
            var line =
                DisplayWidth.pad(stateWord, to: 9) + DisplayWidth.pad(row.severityName.lowercased(), to: 10)
                + DisplayWidth.pad(Self.age(m.nowMs - row.sinceMs), to: 8)
                + DisplayWidth.pad(
                    row.value.isNaN ? "" : ValueFormat.format(row.value, unit: row.unit), to: valueWidth, right: true)
                + "  "
            line += DisplayWidth.pad(DisplayWidth.truncate(row.title, to: alertWidth - 1), to: alertWidth)
            line += DisplayWidth.truncate(Sanitizer.clean(follow, maxLength: 300), to: ackWidth)
            var style: Style
            if row.state == .pending {
                style = theme.dim
            } else if row.acknowledgement != nil || row.silencedUntilMs != nil {
                style = theme.text
            } else {
                style = theme.severity(row)
                style.attributes.remove(.reverse)
            }
            if state.unseen.contains(row.key) { style.attributes.insert([.bold, .underline]) }
            if selected { style.attributes.insert(.reverse) }
            c.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), style: selected ? style : theme.text)
            c.put(selected ? ">" : " ", x: inner.x, y: y, style: style, clip: inner)
            c.put(line, x: inner.x + 1, y: y, style: style, clip: inner)
            // The severity word keeps its colour on every row.
            if !selected {
                c.put(
                    row.severityName.lowercased(), x: inner.x + 1 + 9, y: y,
                    style: theme.severity(row),
                    clip: inner)
            }
            y += 1
        }
        // The selected alert in full.
        guard detailHeight >= 3, state.alertSelected < m.rows.count else { return }
        let row = m.rows[state.alertSelected]
        var details = [
            "\(row.title): \(row.condition)\(row.description.isEmpty ? "" : " — \(row.description)")",
            "action: \(row.action.isEmpty ? "none given" : row.action)",
        ]
        if let ack = row.acknowledgement {
            details.append(
                "acknowledged by \(ack.by) at \(Self.clock(ack.atMs))\(ack.note.isEmpty ? "" : ": \(ack.note)")")
        }
        if let until = row.silencedUntilMs { details.append("silenced until \(Self.clock(until))") }
        if row.state == .firing, row.acknowledgement == nil, let lvl = row.escalation.level {
            details.append("escalation level \(lvl.level): \(lvl.contacts.joined(separator: ", "))")
        }
        let top = listBottom
        c.put(
            String(repeating: glyphs.horizontal, count: inner.width), x: inner.x, y: top, style: theme.border,
            clip: inner)
        for (i, d) in details.prefix(detailHeight - 1).enumerated() {
            c.put(
                DisplayWidth.truncate(Sanitizer.clean(d, maxLength: 400), to: inner.width - 2), x: inner.x + 1,
                y: top + 1 + i, style: theme.text, clip: inner)
        }
    }

    // MARK: - Silences screen

    /// Alertmanager's silences: state, author, age, time to expiry, what
    /// they match, the comment; a warning when one runs out within ten
    /// minutes while an alert it silences still fires.
    func renderSilences(_ state: AppState, _ m: AlertsModel, in r: Rect, on c: inout Canvas, theme: Theme) {
        let active = m.silences.filter { $0.state == "active" }
        func expiringWhileFiring(_ s: AMSilence) -> Bool {
            s.state == "active" && s.endsAtMs - m.nowMs < 10 * 60_000
                && m.alertmanagerAlerts.contains { s.matches($0.labels) }
        }
        let warn = m.silences.contains(where: expiringWhileFiring)
        let inner = PanelFrame(
            title: "Silences: \(active.count) active, \(m.silences.count - active.count) expired or pending",
            state: warn ? .warning : .ok, selected: true, badge: false
        ).render(in: r, on: &c, theme: theme, glyphs: glyphs)
        guard inner.width > 10, inner.height > 2 else { return }
        if !m.hasAlertmanager {
            c.put("No alertmanager: in the configuration.", x: inner.x + 1, y: inner.y, style: theme.text, clip: inner)
            return
        }
        if let e = m.alertmanagerError {
            c.put(
                Sanitizer.clean(e, maxLength: 300), x: inner.x + 1, y: inner.y, style: theme.state(.error("")),
                clip: inner)
        }
        var y = inner.y + 2
        let header =
            DisplayWidth.pad("STATE", to: 9) + DisplayWidth.pad("ID", to: 10) + DisplayWidth.pad("BY", to: 22)
            + DisplayWidth.pad("AGE", to: 8) + DisplayWidth.pad("EXPIRES", to: 10) + "MATCHERS / COMMENT"
        c.put(header, x: inner.x + 1, y: y, style: theme.title.with(.underline), clip: inner)
        y += 1
        let ordered = m.silences.sorted {
            ($0.state == "active" ? 0 : 1, $0.endsAtMs) < ($1.state == "active" ? 0 : 1, $1.endsAtMs)
        }
        for s in ordered where y < inner.maxY {
            let matchers = s.matchers.map { "\($0.name)\($0.isEqual ? "" : "!")\($0.isRegex ? "=~" : "=")\($0.value)" }
                .joined(separator: ",")
            let expires = s.state == "expired" ? "expired" : Self.age(s.endsAtMs - m.nowMs)
            var line =
                DisplayWidth.pad(s.state, to: 9) + DisplayWidth.pad(String(s.id.prefix(8)), to: 10)
                + DisplayWidth.pad(DisplayWidth.truncate(s.createdBy, to: 21), to: 22)
                + DisplayWidth.pad(Self.age(m.nowMs - s.startsAtMs), to: 8) + DisplayWidth.pad(expires, to: 10)
                + "{\(matchers)} \(s.comment)"
            var style = s.state == "active" ? theme.text : theme.dim
            if expiringWhileFiring(s) {
                line = "! " + line + " (EXPIRES SOON, ALERT STILL FIRING)"
                style = theme.state(.warning)
            }
            c.put(
                DisplayWidth.truncate(Sanitizer.clean(line, maxLength: 500), to: inner.width - 2), x: inner.x + 1,
                y: y, style: style, clip: inner)
            y += 1
        }
    }

    // MARK: - Incidents screen

    func renderIncidents(_ state: AppState, _ m: AlertsModel, in r: Rect, on c: inout Canvas, theme: Theme) {
        if state.incidentOpen, let h = m.history {
            renderIncident(h, state: state, m, in: r, on: &c, theme: theme)
            return
        }
        let open = m.incidents.filter { $0.status != .resolved }.count
        let inner = PanelFrame(
            title: "Incidents: \(open) open, \(m.incidents.count - open) resolved", state: open > 0 ? .warning : .ok,
            selected: true, badge: false
        ).render(in: r, on: &c, theme: theme, glyphs: glyphs)
        guard inner.width > 10, inner.height > 2 else { return }
        c.put(
            DisplayWidth.truncate("Enter open  n note  > next status  Esc back", to: inner.width - 1), x: inner.x + 1,
            y: inner.y, style: theme.dim, clip: inner)
        var y = inner.y + 2
        guard !m.incidents.isEmpty else {
            c.put(
                "No incidents. On the Alerts screen (A), i opens one from the selected alert.", x: inner.x + 1, y: y,
                style: theme.text, clip: inner)
            return
        }
        let header =
            DisplayWidth.pad("ID", to: 22) + DisplayWidth.pad("STATUS", to: 15) + DisplayWidth.pad("SEVERITY", to: 10)
            + DisplayWidth.pad("AGE", to: 8) + DisplayWidth.pad("ASSIGNEE", to: 22) + "TITLE"
        c.put(header, x: inner.x + 1, y: y, style: theme.title.with(.underline), clip: inner)
        y += 1
        let visible = max(1, inner.maxY - y)
        let first = max(0, min(state.incidentSelected - visible + 1, m.incidents.count - visible))
        for (i, inc) in m.incidents.enumerated().dropFirst(first).prefix(visible) {
            let line =
                DisplayWidth.pad(inc.id, to: 22) + DisplayWidth.pad(inc.status.rawValue, to: 15)
                + DisplayWidth.pad(inc.severity, to: 10) + DisplayWidth.pad(Self.age(m.nowMs - inc.openedAtMs), to: 8)
                + DisplayWidth.pad(DisplayWidth.truncate(inc.assignee, to: 21), to: 22) + inc.title
            var style = inc.status == .resolved ? theme.dim : theme.text
            if i == state.incidentSelected { style.attributes.insert(.reverse) }
            c.put(
                DisplayWidth.truncate(Sanitizer.clean(line, maxLength: 400), to: inner.width - 1), x: inner.x + 1, y: y,
                style: style, clip: inner)
            y += 1
        }
    }

    func renderIncident(
        _ h: IncidentHistory, state: AppState, _ m: AlertsModel, in r: Rect, on c: inout Canvas, theme: Theme
    ) {
        let inc = h.incident
        let inner = PanelFrame(
            title: "\(inc.id): \(inc.title)", state: inc.status == .resolved ? .ok : .warning, selected: true,
            badge: false
        ).render(in: r, on: &c, theme: theme, glyphs: glyphs)
        guard inner.width > 10, inner.height > 2 else { return }
        c.put(
            DisplayWidth.truncate("n note  > next status  Esc back to the list", to: inner.width - 1), x: inner.x + 1,
            y: inner.y, style: theme.dim, clip: inner)
        var lines: [(String, Style)] = [
            ("status \(inc.status.rawValue)   severity \(inc.severity)   assignee \(inc.assignee)", theme.title),
            (
                "services \(inc.services.isEmpty ? "not known" : inc.services.joined(separator: ", "))   opened "
                    + "\(Self.clock(inc.openedAtMs)) by \(inc.openedBy)", theme.text
            ),
            (
                "time to acknowledge \(h.timeToAcknowledgeMs.map(IncidentHistory.span) ?? "-")   time to resolve "
                    + "\(h.timeToResolveMs.map(IncidentHistory.span) ?? "-")", theme.text
            ),
        ]
        if !h.samples.isEmpty {
            let spark = glyphs.ascii ? "" : "  " + IncidentHistory.sparkline(h.samples, width: 40)
            lines.append(("metric\(spark)", theme.accent))
        }
        lines.append(("", theme.text))
        lines.append(("Timeline", theme.title.with(.underline)))
        for e in h.timeline {
            let style: Style
            switch e.kind {
            case "firing", "escalated": style = theme.state(.critical)
            case "pending": style = theme.state(.warning)
            case "resolved": style = theme.state(.ok)
            default: style = theme.text
            }
            lines.append(("\(Self.clock(e.atMs))  \(e.text)", style))
        }
        var y = inner.y + 2
        // The newest entries matter most: keep the end of the timeline in view.
        let room = inner.maxY - y
        if lines.count > room { lines = Array(lines.prefix(5)) + Array(lines.suffix(max(0, room - 5))) }
        for (text, style) in lines where y < inner.maxY {
            c.put(
                DisplayWidth.truncate(Sanitizer.clean(text, maxLength: 400), to: inner.width - 2), x: inner.x + 1, y: y,
                style: style, clip: inner)
            y += 1
        }
    }
}
