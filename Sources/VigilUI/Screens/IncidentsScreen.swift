import VigilCore

/// The Incidents screen: the list, newest first; Enter opens one.
public struct IncidentsScreen: Widget, Styled {
    public var state: AppState
    public var m: AlertsModel
    public var look: Look

    public init(state: AppState, m: AlertsModel, look: Look) {
        self.state = state
        self.m = m
        self.look = look
    }

    public func render(in r: Rect, on c: inout Canvas) {
        if state.incidents.open, let h = m.history {
            IncidentScreen(history: h, notified: m.incidentNotified, look: look).render(in: r, on: &c)
            return
        }
        let open = m.incidents.filter { $0.status != .resolved }.count
        let inner = PanelFrame(
            title: "Incidents: \(open) open, \(m.incidents.count - open) resolved", state: open > 0 ? .warning : .ok,
            selected: true, badge: false, look: look
        ).draw(in: r, on: &c)
        guard inner.width > 10, inner.height > 2 else { return }
        c.put(
            DisplayWidth.truncate("Enter open  n note  e set a field  > next status  Esc back", to: inner.width - 1),
            x: inner.x + 1,
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
        let first = max(0, min(state.incidents.selected - visible + 1, m.incidents.count - visible))
        for (i, inc) in m.incidents.enumerated().dropFirst(first).prefix(visible) {
            let line =
                DisplayWidth.pad(inc.id, to: 22) + DisplayWidth.pad(inc.status.rawValue, to: 15)
                + DisplayWidth.pad(inc.severity, to: 10)
                + DisplayWidth.pad(TimeText.age(m.nowMs - inc.openedAtMs), to: 8)
                + DisplayWidth.pad(DisplayWidth.truncate(inc.assignee, to: 21), to: 22) + inc.title
            var style = inc.status == .resolved ? theme.dim : theme.text
            // Selected as on the Alerts screen: a marker and reverse video.
            let selected = i == state.incidents.selected
            if selected { style.attributes.insert(.reverse) }
            c.put(selected ? ">" : " ", x: inner.x, y: y, style: style, clip: inner)
            c.put(
                DisplayWidth.truncate(Sanitizer.clean(line, maxLength: 400), to: inner.width - 1), x: inner.x + 1, y: y,
                style: style, clip: inner)
            y += 1
        }
    }
}

/// One incident: its figures, the metric, and the timeline from the journal.
public struct IncidentScreen: Widget, Styled {
    public var history: IncidentHistory
    /// Where its changes were sent (`notifyStakeholders`), when they were.
    public var notified: String?
    public var look: Look

    public init(history: IncidentHistory, notified: String? = nil, look: Look) {
        self.history = history
        self.notified = notified
        self.look = look
    }

    public func render(in r: Rect, on c: inout Canvas) {
        let h = history
        let inc = h.incident
        let inner = PanelFrame(
            title: "\(inc.id): \(inc.title)", state: inc.status == .resolved ? .ok : .warning, selected: true,
            badge: false, look: look
        ).draw(in: r, on: &c)
        guard inner.width > 10, inner.height > 2 else { return }
        c.put(
            DisplayWidth.truncate(
                "n note  e set a field  > next status (reopens a resolved one)  Esc back to the list",
                to: inner.width - 1),
            x: inner.x + 1,
            y: inner.y, style: theme.dim, clip: inner)
        var lines: [(String, Style)] = [
            ("status \(inc.status.rawValue)   severity \(inc.severity)   assignee \(inc.assignee)", theme.title),
            (
                "services \(inc.services.isEmpty ? "not known" : inc.services.joined(separator: ", "))   opened "
                    + "\(TimeText.clock(inc.openedAtMs)) by \(inc.openedBy)", theme.text
            ),
            (
                "time to acknowledge \(h.timeToAcknowledgeMs.map(IncidentHistory.span) ?? "-")   time to resolve "
                    + "\(h.timeToResolveMs.map(IncidentHistory.span) ?? "-")", theme.text
            ),
        ]
        if let notified { lines.append(("notified: \(notified)", theme.text)) }
        if inc.alerts.count > 1 {
            lines.append(("alerts \(inc.alerts.map(\.rule).joined(separator: ", "))", theme.text))
        }
        for field in PostmortemField.allCases {
            guard let texts = inc.sections[field], !texts.isEmpty else { continue }
            lines.append(("\(field.rawValue): \(texts.joined(separator: "; "))", theme.text))
        }
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
            lines.append(("\(TimeText.clock(e.atMs))  \(e.text)", style))
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

/// The Incidents screen's own state: the incidents it lists and their
/// status, the selected one, and whether it is open.
public struct IncidentsScreenState: Sendable, Equatable {
    public private(set) var ids: [String] = []
    public private(set) var status: [String: IncidentStatus] = [:]
    public var selected = 0
    public var open = false

    public init() {}

    public var selectedID: String? { selected < ids.count ? ids[selected] : nil }

    /// After every evaluation: the incidents, newest first.
    public mutating func update(_ incidents: [(String, IncidentStatus)]) {
        let before = selectedID
        ids = incidents.map(\.0)
        status = Dictionary(incidents, uniquingKeysWith: { a, _ in a })
        if let before, let i = ids.firstIndex(of: before) { selected = i }
        selected = min(selected, max(0, ids.count - 1))
    }

    /// Opens an incident's page (after `i` opened or found it).
    public mutating func show(_ id: String) {
        if let i = ids.firstIndex(of: id) { selected = i }
        open = true
    }

    public mutating func handle(_ action: Action?) -> ScreenOutcome {
        switch action {
        case .back?:
            guard open else { return .leave }
            open = false
        case .up? where !open: selected = max(0, selected - 1)
        case .down? where !open: selected = min(max(0, ids.count - 1), selected + 1)
        case .zoom?: if selectedID != nil { open = true }
        case .note?:
            guard let id = selectedID else { return .message("no incident selected") }
            open = true
            return .prompt(
                Prompt(
                    purpose: .note(incident: id, status: nil),
                    question: "Note on \(id) ('root cause:', 'corrective:', 'preventive:' fill the post-mortem):"))
        case .edit?:
            guard let id = selectedID else { return .message("no incident selected") }
            open = true
            return .prompt(
                Prompt(
                    purpose: .edit(incident: id),
                    question:
                        "Set on \(id) (assignee: / severity: / services: / root cause: / corrective: / preventive:):"))
        case .advance?:
            guard let id = selectedID else { return .message("no incident selected") }
            let current = status[id] ?? .investigating
            open = true
            // A resolved incident that was not over is reopened, with why.
            guard current != .resolved else {
                return .prompt(
                    Prompt(
                        purpose: .note(incident: id, status: .investigating),
                        question: "Reopen \(id) (investigating) — why (Enter, Esc cancels):"))
            }
            return .prompt(
                Prompt(
                    purpose: .note(incident: id, status: current.next),
                    question: "Mark \(id) \(current.next.rawValue) — note (Enter, Esc cancels):"))
        case .acknowledge?, .quit?, .help?, .nextDashboard?, .previousDashboard?, .pause?, .refresh?, .theme?,
            .widen?, .narrow?, .alerts?, .incidents?, .silences?:
            return .passOn
        default: break
        }
        return .done
    }
}
