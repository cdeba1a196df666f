import Foundation
import VigilCore

/// The top line: Vigil and the dashboards' tabs.
public struct HeaderBar: Widget, Styled {
    public var state: AppState
    public var look: Look

    public init(state: AppState, look: Look) {
        self.state = state
        self.look = look
    }

    public func render(in r: Rect, on c: inout Canvas) {
        c.fill(r, style: theme.statusBar)
        var x = r.x
        x += c.put(" Vigil ", x: x, y: r.y, style: theme.statusBar.with(.bold), clip: r)
        for (i, name) in state.dashboardNames.enumerated() {
            let tab = " \(i + 1) \(name) "
            let style = i == state.dashboard ? theme.accent.with(.reverse) : theme.statusBar
            x += c.put(tab, x: x, y: r.y, style: style, clip: r)
        }
    }
}

/// The bottom line: clock, alert summary (first: it must survive the
/// narrowest terminal), screen, targets, window, messages.
public struct StatusBar: Widget, Styled {
    public var state: AppState
    public var snapshot: Snapshot
    public var alerts: AlertsModel
    public var look: Look

    public init(state: AppState, snapshot: Snapshot, alerts: AlertsModel, look: Look) {
        self.state = state
        self.snapshot = snapshot
        self.alerts = alerts
        self.look = look
    }

    public func render(in r: Rect, on c: inout Canvas) {
        let s = snapshot
        c.fill(r, style: theme.statusBar)
        let clock = TimeText.clock(s.timeMs)
        let up = s.targets.filter { $0.up == true }.count
        var parts = [clock, state.dashboardNames.isEmpty ? "" : state.dashboardNames[state.dashboard]]
        var targetText = "targets \(up)/\(s.targets.count) up"
        var targetStyle = theme.statusBar
        if let failing = s.targets.first(where: { $0.up == false }) {
            targetText += ": \(failing.name): \(Sanitizer.clean(failing.lastError ?? "down", maxLength: 120))"
            targetStyle = Style(fg: theme.color("crit"), bg: theme.color("status_bg"), .bold)
        }
        parts.append("window \(state.windowLabel)")
        parts.append("every \(PromDuration(milliseconds: s.refreshMs))")
        if state.paused { parts.append("PAUSED") }
        if let insecure = s.targets.first(where: \.insecure) { parts.append("TLS UNVERIFIED: \(insecure.name)") }
        if state.zoom.editingFilter {
            parts.append("filter: \(state.zoom.filter)_")
        } else if !state.zoom.filter.isEmpty {
            parts.append("filter: \(state.zoom.filter)")
        }
        if let m = state.message { parts.append(m) }
        parts.append("? help")
        var x = r.x + 1
        let sep = glyphs.ascii ? " | " : " │ "
        // The alert summary comes first after the clock: it must survive
        // the narrowest terminal.
        let (alertText, alertStyle) = alertSummary(alerts, unseen: !state.unseen.isEmpty, theme: theme)
        let screenName: String
        switch state.screen {
        case .dashboards: screenName = parts[1]
        case .alerts: screenName = "Alerts"
        case .incidents: screenName = "Incidents"
        case .silences: screenName = "Silences"
        }
        x += c.put(parts[0] + sep, x: x, y: r.y, style: theme.statusBar, clip: r)
        x += c.put(alertText, x: x, y: r.y, style: alertStyle, clip: r)
        x += c.put(sep + screenName + sep, x: x, y: r.y, style: theme.statusBar, clip: r)
        x += c.put(targetText, x: x, y: r.y, style: targetStyle, clip: r)
        for p in parts.dropFirst(2) {
            let style =
                p == "PAUSED" || p.hasPrefix("TLS")
                ? Style(fg: theme.color("warn"), bg: theme.color("status_bg"), [.bold, .reverse]) : theme.statusBar
            x += c.put(sep, x: x, y: r.y, style: theme.statusBar, clip: r)
            x += c.put(p, x: x, y: r.y, style: style, clip: r)
        }
    }

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
}
