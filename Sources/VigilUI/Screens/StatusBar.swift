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
        let onDashboards = state.screen == .dashboards
        for (i, name) in state.dashboardNames.enumerated() {
            let tab = " \(i + 1) \(name) "
            let style = onDashboards && i == state.dashboard ? theme.accent.with(.reverse) : theme.statusBar
            x += c.put(tab, x: x, y: r.y, style: style, clip: r)
        }
        // The list screens have tabs too, with their keys, so the bar
        // always says where one is.
        for (screen, action, name) in [
            (Screen.alerts, Action.alerts, "Alerts"), (.incidents, .incidents, "Incidents"),
            (.silences, .silences, "Silences"), (.objectives, .objectives, "Objectives"),
        ] + (state.hasLaunch ? [(.launch, .launch, "Launch"), (.checklist, .checklist, "Checklist")] : []) {
            guard let key = state.keymap.first(where: { $0.value == action })?.key, case .char(let ch) = key else {
                continue
            }
            let style = state.screen == screen ? theme.accent.with(.reverse) : theme.statusBar
            x += c.put(" \(ch) \(name) ", x: x, y: r.y, style: style, clip: r)
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
        // The clock runs while the display is paused (the snapshot does not).
        let clock = TimeText.clock(max(s.timeMs, alerts.nowMs))
        let up = s.targets.filter { $0.up == true }.count
        var parts = [clock, state.dashboardNames.isEmpty ? "" : state.dashboardNames[state.dashboard]]
        var targetText = "targets \(up)/\(s.targets.count) up"
        var targetStyle = theme.statusBar
        if let failing = s.targets.first(where: { $0.up == false }) {
            targetText += ": \(failing.name): \(Sanitizer.clean(failing.lastError ?? "down", maxLength: 120))"
            targetStyle = Style(fg: theme.color("crit"), bg: theme.color("status_bg"), .bold)
        } else if let odd = s.targets.first(where: { $0.warning != nil }) {
            targetText += ": \(odd.name): \(Sanitizer.clean(odd.warning ?? "", maxLength: 120))"
            targetStyle = Style(fg: theme.color("warn"), bg: theme.color("status_bg"), .bold)
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
        case .objectives: screenName = "Objectives"
        case .launch: screenName = "Launch"
        case .checklist: screenName = "Checklist"
        }
        let warn = Style(fg: theme.color("warn"), bg: theme.color("status_bg"), [.bold, .reverse])
        var items: [(text: String, style: Style)] = [(alertText.full, alertStyle), (screenName, theme.statusBar)]
        items.append((targetText, targetStyle))
        if let text = Self.notifyTrouble(alerts) {
            // People were not told: as loud as a target down.
            items.append((text, Style(fg: theme.color("crit"), bg: theme.color("status_bg"), .bold)))
        }
        for p in parts.dropFirst(2) {
            items.append((p, p == "PAUSED" || p.hasPrefix("TLS") ? warn : theme.statusBar))
        }
        // Too long for the line: give up the least needed parts first
        // (help, refresh, window), then shorten the targets and the alert
        // summary, rather than cutting whatever comes last mid-word.
        // A message (the answer to the last key) may run off the edge:
        // it is read once, the summary and the targets all the time.
        func width(_ list: [(text: String, style: Style)]) -> Int {
            1 + DisplayWidth.of(parts[0])
                + list.reduce(0) {
                    $1.text == state.message ? $0 : $0 + DisplayWidth.of(sep) + DisplayWidth.of($1.text)
                }
        }
        for drop in ["? help", "every ", "window "] where width(items) > r.width {
            items.removeAll { $0.text.hasPrefix(drop) }
        }
        if width(items) > r.width, let i = items.firstIndex(where: { $0.text == targetText }) {
            // The failing target's reason as far as it fits, else the count alone.
            let minimal = "targets \(up)/\(s.targets.count) up"
            let room = r.width - (width(items) - DisplayWidth.of(targetText))
            items[i].text = room >= DisplayWidth.of(minimal) + 6 ? DisplayWidth.truncate(targetText, to: room) : minimal
        }
        if width(items) > r.width { items[0].text = alertText.short }
        var x = r.x + 1
        x += c.put(parts[0], x: x, y: r.y, style: theme.statusBar, clip: r)
        for item in items {
            x += c.put(sep, x: x, y: r.y, style: theme.statusBar, clip: r)
            x += c.put(item.text, x: x, y: r.y, style: item.style, clip: r)
        }
    }

    /// The status bar's alert summary: firing count, how many want a
    /// human (not acknowledged, not silenced), the worst severity and the
    /// alert that has it; `short` for a narrow line.
    /// "pagerduty failing", "2 channels failing, 3 notifications failed".
    static func notifyTrouble(_ m: AlertsModel) -> String? {
        let failing = m.failingChannels.keys.sorted()
        let n = m.failedNotifications
        let failed = n > 0 ? "\(n) notification\(n == 1 ? "" : "s") failed" : nil
        let channels: String? =
            switch failing.count {
            case 0: nil
            case 1: "\(failing[0]) failing"
            default: "\(failing.count) channels failing"
            }
        let parts = [channels, failed].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    func alertSummary(_ m: AlertsModel, unseen: Bool, theme: Theme) -> ((full: String, short: String), Style) {
        if m.warmingUp && m.rows.isEmpty { return (("alerts: warming up", "warming up"), theme.statusBar) }
        guard let worst = m.worst else {
            let pending = m.pending.count
            let text = pending > 0 ? "0 firing, \(pending) pending" : "0 firing"
            return ((text, text), Style(fg: theme.color("ok"), bg: theme.color("status_bg")))
        }
        let unacked = m.firing.count { $0.acknowledgement == nil && $0.silencedUntilMs == nil }
        let bell = unseen ? (glyphs.ascii ? "(!) " : "🔔 ") : ""
        let full =
            bell + "\(m.firing.count) FIRING, \(unacked) unacked, worst \(worst.severityName.lowercased()): "
            + Sanitizer.clean(worst.shortTitle, maxLength: 60) + (unseen ? " (A)" : "")
        let short = bell + "\(m.firing.count) FIRING, \(unacked) unacked"
        var style = theme.severity(worst)
        style.bg = worst.severityRank == 0 ? style.bg : theme.color("status_bg")
        if unseen { style.attributes.insert(.reverse) }
        return ((full, short), style)
    }
}
