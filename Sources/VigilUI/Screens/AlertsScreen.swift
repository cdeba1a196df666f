import VigilCore

/// The Alerts screen: firing and pending alerts, most severe first, with
/// their acknowledgement or escalation, and the selected one in full.
public struct AlertsScreen: Widget, Styled {
    public var state: AppState
    public var m: AlertsModel
    public var look: Look

    public init(state: AppState, m: AlertsModel, look: Look) {
        self.state = state
        self.m = m
        self.look = look
    }

    public func render(in r: Rect, on c: inout Canvas) {
        let worstState: PanelState = m.worst.map { $0.severityRank <= 1 ? .critical : .warning } ?? .ok
        var title = "Alerts: \(m.firing.count) firing, \(m.pending.count) pending"
        if !m.resolved.isEmpty {
            title += ", \(m.resolved.count) resolved in \(PromDuration(milliseconds: AlertsModel.resolvedWindowMs))"
        }
        let inner = PanelFrame(title: title, state: worstState, selected: true, badge: false, look: look).draw(
            in: r, on: &c)
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
        if let twice = m.evaluatedTwice.first {
            let more = m.evaluatedTwice.count > 1 ? " (and \(m.evaluatedTwice.count - 1) more)" : ""
            let text =
                "evaluated twice: Vigil's rule \(twice.rule) is also the server's alertmanager/\(twice.alert)\(more)"
                + " (datasource: alertmanager on the rule keeps the server's)"
            c.put(
                DisplayWidth.truncate(Sanitizer.clean(text, maxLength: 400), to: inner.width - 2), x: inner.x + 1,
                y: inner.maxY - (m.warnings.isEmpty ? 1 : 2), style: theme.state(.warning), clip: inner)
        }
        if let e = m.alertmanagerError ?? m.notifyProblem {
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
            renderResolved(from: y + 1, to: inner.maxY - (m.warnings.isEmpty ? 0 : 1), in: inner, on: &c)
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
        let first = max(0, min(state.alerts.selected - visible + 1, m.rows.count - visible))
        for (i, row) in m.rows.enumerated().dropFirst(first).prefix(visible) {
            let selected = i == state.alerts.selected
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
                follow = "\(glyphs.ascii ? "ack" : "✓") \(ack.by) \(TimeText.age(m.nowMs - ack.atMs)) ago"
                if !ack.note.isEmpty { follow += ": \(ack.note)" }
            } else if let until = row.silencedUntilMs {
                follow = "silenced for \(TimeText.age(until - m.nowMs))"
            } else if row.state == .pending {
                follow = "fires if it holds"
            } else if let level = row.escalation.level {
                follow = "L\(level.level) \(level.contacts.joined(separator: ", "))"
                if let next = row.escalation.next, let at = row.escalation.nextAtMs {
                    follow +=
                        " \(glyphs.ascii ? "->" : "→") L\(next.level) \(next.contacts.joined(separator: ", ")) in "
                    follow += TimeText.age(at - m.nowMs)
                }
                if row.escalation.timedOut { follow += " TIMED OUT" }
            } else if row.source == "alertmanager" {
                follow = "from Alertmanager; a silences it"
            } else {
                follow = "not escalated (\(row.severityName))"
            }
            var line =
                DisplayWidth.pad(stateWord, to: 9) + DisplayWidth.pad(row.severityName.lowercased(), to: 10)
                + DisplayWidth.pad(TimeText.age(m.nowMs - row.sinceMs), to: 8)
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
        renderResolved(from: y + 1, to: listBottom, in: inner, on: &c)
        // The selected alert in full.
        guard detailHeight >= 3, state.alerts.selected < m.rows.count else { return }
        let row = m.rows[state.alerts.selected]
        var details = [
            "\(row.title): \(row.condition)\(row.description.isEmpty ? "" : " — \(row.description)")",
            "action: \(row.action.isEmpty ? "none given" : row.action)",
        ]
        if let ack = row.acknowledgement {
            details.append(
                "acknowledged by \(ack.by) at \(TimeText.clock(ack.atMs))\(ack.note.isEmpty ? "" : ": \(ack.note)")")
        }
        if let until = row.silencedUntilMs { details.append("silenced until \(TimeText.clock(until))") }
        if let sent = m.deliveries[row.key] { details.append("notified: " + sent) }
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
}

extension AlertsScreen {
    /// Alerts resolved in the last hours, under the active ones while
    /// there is room: when each fired and resolved, and for how long.
    func renderResolved(from top: Int, to bottom: Int, in inner: Rect, on c: inout Canvas) {
        guard !m.resolved.isEmpty, bottom - top >= 2 else { return }
        let window = PromDuration(milliseconds: AlertsModel.resolvedWindowMs)
        c.put(
            "Resolved in the last \(window)", x: inner.x + 1, y: top, style: theme.title.with(.underline), clip: inner)
        for (i, r) in m.resolved.prefix(bottom - top - 1).enumerated() {
            let lasted = r.firedAtMs.map { "fired \(TimeText.clock($0)), for \(TimeText.age(r.resolvedAtMs - $0))" }
            let labels = r.key.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            let line =
                DisplayWidth.pad("resolved", to: 9) + DisplayWidth.pad(TimeText.clock(r.resolvedAtMs), to: 10)
                + DisplayWidth.pad(lasted ?? "", to: 30) + r.key.rule + (labels.isEmpty ? "" : " {\(labels)}")
            c.put(
                DisplayWidth.truncate(Sanitizer.clean(line, maxLength: 400), to: inner.width - 2), x: inner.x + 1,
                y: top + 1 + i, style: theme.state(.ok), clip: inner)
        }
    }
}

/// What a list screen's key asks of the whole state.
public enum ScreenOutcome: Equatable, Sendable {
    /// Handled inside the screen.
    case done
    case effects([Effect])
    case prompt(Prompt)
    case message(String)
    /// Back to the dashboards.
    case leave
    /// Not the screen's: the dashboard keys have it (quit, help, 1-9 …).
    case passOn
}

/// The Alerts screen's own state: the alerts it lists, in their order,
/// and which one is selected (kept on the same alert when the order
/// changes).
public struct AlertsScreenState: Sendable, Equatable {
    public private(set) var keys: [AlertKey] = []
    public private(set) var titles: [AlertKey: String] = [:]
    /// Firing alerts that want attention, most urgent first: `a` on a
    /// dashboard takes the first.
    public private(set) var urgent: [AlertKey] = []
    public var selected = 0

    public init() {}

    public var selectedKey: AlertKey? { selected < keys.count ? keys[selected] : nil }

    /// After every evaluation: what the list now holds.
    public mutating func update(alerts: [AlertKey], titles: [AlertKey: String], urgent: [AlertKey]) {
        let before = selectedKey
        keys = alerts
        self.titles = titles
        self.urgent = urgent
        if let before, let i = alerts.firstIndex(of: before) { selected = i }
        selected = min(selected, max(0, alerts.count - 1))
    }

    /// The question `a` asks: a note for the acknowledgement.
    public func acknowledgePrompt(_ k: AlertKey) -> Prompt {
        Prompt(purpose: .acknowledge(k), question: "Acknowledge \(titles[k] ?? k.rule) — note (Enter, Esc cancels):")
    }

    /// `openIncident`: the newest incident not resolved, offered when an
    /// alert joins one.
    public mutating func handle(_ action: Action?, openIncident: String? = nil) -> ScreenOutcome {
        switch action {
        case .back?: return .leave
        case .up?: selected = max(0, selected - 1)
        case .down?: selected = min(max(0, keys.count - 1), selected + 1)
        case .acknowledge?:
            guard let k = selectedKey else { return .message("no alert selected") }
            return .prompt(acknowledgePrompt(k))
        case .unacknowledge?:
            guard let k = selectedKey else { return .message("no alert selected") }
            return .effects([.unacknowledge(k)])
        case .silence?:
            guard let k = selectedKey else { return .message("no alert selected") }
            return .prompt(
                Prompt(
                    purpose: .silence(k),
                    question:
                        "Silence \(titles[k] ?? k.rule) for (1h; e.g. 30m, 4h) and why (Enter, Esc cancels):"))
        case .incident?:
            guard let k = selectedKey else { return .message("no alert selected") }
            return .effects([.openIncident(k)])
        case .join?:
            guard let k = selectedKey else { return .message("no alert selected") }
            guard let id = openIncident else { return .message("no open incident to join (i opens one)") }
            var p = Prompt(purpose: .join(k), question: "Join \(titles[k] ?? k.rule) to incident (Enter, Esc cancels):")
            p.text = id
            return .prompt(p)
        case let a? where a.global: return .passOn
        default: break  // panel keys (zoom, filter, sort …) mean nothing on a list
        }
        return .done
    }
}

extension Action {
    /// Actions every screen passes on to the dashboard keys.
    var global: Bool {
        switch self {
        case .quit, .help, .nextDashboard, .previousDashboard, .pause, .refresh, .theme, .widen, .narrow, .alerts,
            .incidents, .silences, .objectives, .launch, .checklist:
            return true
        default: return false
        }
    }
}
