import VigilCore

/// Every silence: Vigil's own (`s` on the Alerts screen) and
/// Alertmanager's, with state, author, age, time to expiry, what they
/// match, the comment; a warning when one of Alertmanager's runs out within
/// ten minutes while an alert it silences still fires.
public struct SilencesScreen: Widget, Styled {
    public var m: AlertsModel
    public var look: Look

    public init(m: AlertsModel, look: Look) {
        self.m = m
        self.look = look
    }

    public func render(in r: Rect, on c: inout Canvas) {
        let all = m.localSilences + m.silences
        let active = all.filter { $0.state == "active" }
        func expiringWhileFiring(_ s: AMSilence) -> Bool {
            s.state == "active" && s.endsAtMs - m.nowMs < 10 * 60_000
                && m.alertmanagerAlerts.contains { s.matches($0.labels) }
        }
        let warn = m.silences.contains(where: expiringWhileFiring)
        let inner = PanelFrame(
            title: "Silences: \(active.count) active, \(all.count - active.count) expired or pending",
            state: warn ? .warning : .ok, selected: true, badge: false, look: look
        ).draw(in: r, on: &c)
        guard inner.width > 10, inner.height > 2 else { return }
        if !m.hasAlertmanager {
            let text =
                m.localSilences.isEmpty
                ? "No silences. (No alertmanager: in the configuration; s on the Alerts screen silences in Vigil.)"
                : "Vigil's own silences (no alertmanager: in the configuration):"
            c.put(text, x: inner.x + 1, y: inner.y, style: theme.text, clip: inner)
            if m.localSilences.isEmpty { return }
        } else if let e = m.alertmanagerError {
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
        let ordered =
            m.localSilences
            + m.silences.sorted {
                ($0.state == "active" ? 0 : 1, $0.endsAtMs) < ($1.state == "active" ? 0 : 1, $1.endsAtMs)
            }
        for s in ordered where y < inner.maxY {
            let matchers = s.matchers.map { "\($0.name)\($0.isEqual ? "" : "!")\($0.isRegex ? "=~" : "=")\($0.value)" }
                .joined(separator: ",")
            let expires = s.state == "expired" ? "expired" : TimeText.age(s.endsAtMs - m.nowMs)
            var line =
                DisplayWidth.pad(s.state, to: 9) + DisplayWidth.pad(String(s.id.prefix(8)), to: 10)
                + DisplayWidth.pad(DisplayWidth.truncate(s.createdBy, to: 21), to: 22)
                + DisplayWidth.pad(TimeText.age(m.nowMs - s.startsAtMs), to: 8) + DisplayWidth.pad(expires, to: 10)
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
}
