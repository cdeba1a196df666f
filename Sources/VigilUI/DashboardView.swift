import Foundation
import VigilCore

/// Renders the whole screen for a state and a snapshot: immediate mode,
/// the full frame every time, into a fresh canvas.
public struct DashboardView: Sendable {
    public static let minWidth = 40
    public static let minHeight = 12

    public var config: VigilConfig
    public var glyphs: Glyphs
    /// Lines at the top of the help screen: the configuration file (and
    /// why it was chosen) and the state directory.
    public var about: [String] = []

    public init(config: VigilConfig, ascii: Bool) {
        self.config = config
        glyphs = Glyphs(ascii: ascii)
    }

    public func render(
        _ state: AppState, _ snapshot: Snapshot, alerts: AlertsModel = AlertsModel(), width: Int, height: Int
    ) -> Canvas {
        var c = Canvas(width: width, height: height)
        let theme = state.theme
        c.fill(c.bounds, style: theme.text)
        if width < Self.minWidth || height < Self.minHeight {
            tooSmall(&c, theme: theme)
            return c
        }
        let (header, rest) = c.bounds.splitTop(1)
        let (fullBody, status) = rest.splitBottom(1)
        var body = fullBody
        renderHeader(state, in: header, on: &c, theme: theme)
        if let p = state.prompt {
            c.fill(status, style: theme.statusBar)
            let text = " " + p.question + " " + p.text
            let x = c.put(text, x: status.x, y: status.y, style: theme.statusBar.with(.bold), clip: status)
            c.put("_", x: status.x + x, y: status.y, style: theme.statusBar.with([.bold, .reverse]), clip: status)
        } else {
            renderStatus(state, snapshot, alerts, in: status, on: &c, theme: theme)
        }
        // A journal Vigil cannot write is never a quiet failure.
        if let ro = alerts.readOnly, body.height > 6 {
            let (banner, rest) = body.splitTop(1)
            c.fill(banner, style: theme.state(.warning).with(.reverse))
            c.put(
                " READ-ONLY: \(Sanitizer.clean(ro, maxLength: 300)); acknowledgements and incidents are not saved",
                x: banner.x, y: banner.y, style: theme.state(.warning).with(.reverse), clip: banner)
            body = rest
        }
        switch state.screen {
        case .alerts:
            renderAlerts(state, alerts, in: body, on: &c, theme: theme)
            return finish(&c, state, body, theme)
        case .incidents:
            renderIncidents(state, alerts, in: body, on: &c, theme: theme)
            return finish(&c, state, body, theme)
        case .silences:
            renderSilences(state, alerts, in: body, on: &c, theme: theme)
            return finish(&c, state, body, theme)
        case .dashboards:
            break
        }
        guard state.dashboard < config.dashboards.count else { return c }
        let dashboard = config.dashboards[state.dashboard]
        let models = dashboard.panels.map { PanelModel(panel: $0, config: config, snapshot: snapshot) }
        let firing = alerts.firingMetrics
        if state.zoomed, state.selected < models.count {
            renderZoomed(
                models[state.selected], state: state, snapshot: snapshot, in: body, on: &c,
                theme: theme.with(stateColors: dashboard.panels[state.selected].colors))
        } else {
            let rects = GridLayout(dashboard).rects(in: body)
            for (i, (model, r)) in zip(models, rects).enumerated() {
                renderPanel(
                    model, selected: i == state.selected, in: r, on: &c,
                    theme: theme.with(stateColors: dashboard.panels[i].colors))
                let rules = dashboard.panels[i].metrics.filter(firing.contains)
                if !rules.isEmpty {
                    let names = alerts.firing.filter { rules.contains($0.metric ?? "") }.map(\.key.rule)
                    let worst = alerts.firing.first { rules.contains($0.metric ?? "") }
                    let marker =
                        " \(glyphs.ascii ? "!" : "▲") ALERT: \(Array(Set(names)).sorted().joined(separator: ", ")) "
                    c.put(
                        DisplayWidth.truncate(marker, to: max(0, r.width - 4)), x: r.x + 2, y: r.maxY - 1,
                        style: (worst.map(theme.severity) ?? theme.severity(rank: 0)).with(.bold), clip: r)
                }
            }
        }
        return finish(&c, state, body, theme)
    }

    func finish(_ c: inout Canvas, _ state: AppState, _ body: Rect, _ theme: Theme) -> Canvas {
        if state.showHelp { renderHelp(state, in: body, on: &c, theme: theme) }
        if glyphs.ascii { Self.transliterate(&c) }
        return c
    }

    /// Without a UTF-8 locale nothing but ASCII may reach the terminal:
    /// a last pass maps the few symbols Vigil uses, and turns any other
    /// character (from labels, say) into '?'.
    static func transliterate(_ c: inout Canvas) {
        let map: [String: String] = [
            "–": "-", "…": ".", "×": "x", "•": "*", "┄": ".", "≈": "~", "→": "=", "↑": "^", "↓": "v",
        ]
        for y in 0..<c.height {
            for x in 0..<c.width {
                let cell = c[x, y]
                guard !cell.text.unicodeScalars.allSatisfy(\.isASCII) else { continue }
                if cell.width == 0 {
                    c[x, y] = Cell(text: "?", width: 1, style: cell.style)
                } else {
                    c[x, y] = Cell(text: map[cell.text] ?? "?", width: 1, style: cell.style)
                }
            }
        }
    }

    func tooSmall(_ c: inout Canvas, theme: Theme) {
        let lines = [
            "Terminal too small", "\(c.width)×\(c.height), need \(Self.minWidth)×\(Self.minHeight)", "q quits",
        ]
        let top = max(0, (c.height - lines.count) / 2)
        for (i, l) in lines.enumerated() where top + i < c.height {
            let text = glyphs.ascii ? l.replacingOccurrences(of: "×", with: "x") : l
            c.put(text, x: max(0, (c.width - DisplayWidth.of(text)) / 2), y: top + i, style: theme.state(.warning))
        }
    }

    func renderHeader(_ state: AppState, in r: Rect, on c: inout Canvas, theme: Theme) {
        c.fill(r, style: theme.statusBar)
        var x = r.x
        x += c.put(" Vigil ", x: x, y: r.y, style: theme.statusBar.with(.bold), clip: r)
        for (i, name) in state.dashboardNames.enumerated() {
            let tab = " \(i + 1) \(name) "
            let style = i == state.dashboard ? theme.accent.with(.reverse) : theme.statusBar
            x += c.put(tab, x: x, y: r.y, style: style, clip: r)
        }
    }

    func renderStatus(
        _ state: AppState, _ s: Snapshot, _ alerts: AlertsModel, in r: Rect, on c: inout Canvas, theme: Theme
    ) {
        c.fill(r, style: theme.statusBar)
        let clock = Self.clock(s.timeMs)
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
        if state.editingFilter {
            parts.append("filter: \(state.filter)_")
        } else if !state.filter.isEmpty {
            parts.append("filter: \(state.filter)")
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

    static func clock(_ ms: Int64) -> String {
        let d = Date(timeIntervalSince1970: Double(ms) / 1000)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone.current
        let c = cal.dateComponents([.hour, .minute, .second], from: d)
        return String(format: "%02d:%02d:%02d", c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    func renderPanel(_ m: PanelModel, selected: Bool, in r: Rect, on c: inout Canvas, theme: Theme) {
        let inner = PanelFrame(title: m.title, state: m.state, selected: selected).render(
            in: r, on: &c, theme: theme, glyphs: glyphs)
        switch m.type {
        case .stat: StatWidget(model: m).render(in: inner, on: &c, theme: theme, glyphs: glyphs)
        case .log where m.log != nil || m.series.isEmpty:
            LogWidget(model: m).render(in: inner, on: &c, theme: theme, glyphs: glyphs)
        case .graph, .log: GraphWidget(model: m).render(in: inner, on: &c, theme: theme, glyphs: glyphs)
        case .table: TableWidget(model: m).render(in: inner, on: &c, theme: theme, glyphs: glyphs)
        }
        if case .stale = m.state { c.restyle(inner) { $0.with(.dim) } }
    }

    /// The zoomed panel: a tall chart of the series (filtered with `/`),
    /// a y axis, the time axis, and every series' last/min/max/state.
    func renderZoomed(
        _ model: PanelModel, state: AppState, snapshot: Snapshot, in r: Rect, on c: inout Canvas, theme: Theme
    ) {
        var m = model
        if !state.filter.isEmpty {
            m.series = m.series.filter { s in
                s.label.localizedCaseInsensitiveContains(state.filter)
                    || s.labels.pairs.contains { $0.value.localizedCaseInsensitiveContains(state.filter) }
            }
        }
        let title = m.title + " (" + state.windowLabel + ")" + (state.filter.isEmpty ? "" : " /\(state.filter)")
        let inner = PanelFrame(title: title, state: m.state, selected: true).render(
            in: r, on: &c, theme: theme, glyphs: glyphs)
        if m.type == .table {
            TableWidget(model: m, scroll: state.tableScroll, sortColumn: state.tableSort)
                .render(in: inner, on: &c, theme: theme, glyphs: glyphs)
            return
        }
        if m.type == .log && (m.log != nil || m.series.isEmpty) {
            var view = state.logView
            view.scroll = state.logScroll
            LogWidget(model: model, view: view, search: state.filter, zoomed: true)
                .render(in: inner, on: &c, theme: theme, glyphs: glyphs)
            return
        }
        // The current value counts as the newest column, so a series shows
        // from its first scrape on.
        let live = m.series.filter { $0.current != nil || $0.values.contains { $0 != nil } }.map { s -> SeriesModel in
            var s = s
            if let cur = s.current, s.values.last.map({ $0 == nil }) ?? true {
                if s.values.isEmpty { s.values = [cur] } else { s.values[s.values.count - 1] = cur }
            }
            return s
        }
        guard !live.isEmpty else {
            PanelMessage(state: m.state).render(in: inner, on: &c, theme: theme)
            return
        }
        let tableRows = min(live.count, max(1, inner.height / 3))
        let (chartArea, tableArea) = inner.splitBottom(tableRows + 1)
        let (lo, hi) = Sparkline.range(live)
        let axisWidth =
            max(
                DisplayWidth.of(ValueFormat.format(hi, unit: m.unit)),
                DisplayWidth.of(ValueFormat.format(lo, unit: m.unit))) + 1
        let plot = Rect(
            x: chartArea.x + axisWidth, y: chartArea.y, width: chartArea.width - axisWidth, height: chartArea.height - 1
        )
        if plot.width > 2 && plot.height > 0 {
            c.put(ValueFormat.format(hi, unit: m.unit), x: chartArea.x, y: plot.y, style: theme.dim, clip: chartArea)
            c.put(
                ValueFormat.format(lo, unit: m.unit), x: chartArea.x, y: plot.maxY - 1, style: theme.dim,
                clip: chartArea)
            // Threshold lines: a dotted row at the warning and critical levels.
            if let t = live[0].threshold {
                for (level, st) in [(t.warning, PanelState.warning), (t.critical, PanelState.critical)]
                where level > lo && level < hi {
                    let row = plot.maxY - 1 - cellIndex(((level - lo) / (hi - lo) * Double(plot.height - 1)))
                    c.put(
                        String(repeating: glyphs.ascii ? "." : "┄", count: plot.width), x: plot.x, y: row,
                        style: theme.state(st), clip: plot)
                }
            }
            for (i, s) in live.enumerated() {
                let values = s.values.suffix(plot.width)
                var x = plot.x + plot.width - values.count
                for v in values {
                    defer { x += 1 }
                    guard let v, v.isFinite else { continue }
                    let row = plot.maxY - 1 - cellIndex(((v - lo) / (hi - lo) * Double(plot.height - 1)))
                    var style = theme.series(i)
                    if let t = s.threshold, t.state(of: v) != .ok { style = theme.state(PanelState(t.state(of: v))) }
                    c.put(glyphs.ascii ? "*" : "•", x: x, y: row, style: style, clip: plot)
                }
            }
            let start = "-" + state.windowLabel
            c.put(start, x: plot.x, y: chartArea.maxY - 1, style: theme.dim, clip: chartArea)
            c.put("now", x: plot.maxX - 3, y: chartArea.maxY - 1, style: theme.dim, clip: chartArea)
        }
        // The per-series table.
        let header =
            DisplayWidth.pad("series", to: max(10, tableArea.width - 40))
            + DisplayWidth.pad("last", to: 10, right: true)
            + DisplayWidth.pad("min", to: 10, right: true) + DisplayWidth.pad("max", to: 10, right: true) + "  state"
        c.put(header, x: tableArea.x, y: tableArea.y, style: theme.title.with(.underline), clip: tableArea)
        for (i, s) in live.prefix(tableRows).enumerated() {
            let row =
                DisplayWidth.pad(s.label, to: max(10, tableArea.width - 40))
                + DisplayWidth.pad(ValueFormat.format(s.current, unit: m.unit), to: 10, right: true)
                + DisplayWidth.pad(ValueFormat.format(s.min, unit: m.unit), to: 10, right: true)
                + DisplayWidth.pad(ValueFormat.format(s.max, unit: m.unit), to: 10, right: true)
                + "  \(s.state.glyph(ascii: glyphs.ascii)) \(s.state.word)"
            c.put(row, x: tableArea.x, y: tableArea.y + 1 + i, style: theme.state(s.state), clip: tableArea)
            c.put(
                String(s.label.prefix(1)), x: tableArea.x, y: tableArea.y + 1 + i, style: theme.series(i),
                clip: tableArea)
        }
    }

    func renderHelp(_ state: AppState, in r: Rect, on c: inout Canvas, theme: Theme) {
        var lines: [String] = []
        for action in Action.allCases where action != .down && action != .right && action != .up {
            let map = action.onListScreens ? state.listKeymap : state.keymap
            let keys = map.filter { $0.value == action }.map { Self.keyName($0.key) }.sorted()
            let name = action == .left ? "arrows h j k l" : keys.joined(separator: " ")
            lines.append(DisplayWidth.pad(name, to: 16) + action.summary)
        }
        lines.insert("1-9             show that dashboard", at: 2)
        if !about.isEmpty { lines.insert(contentsOf: about + [""], at: 0) }
        lines.append("zoomed log      / search (re: regex) n N matches, G end, F follow, w wrap")
        lines.append("")
        lines.append("Any key closes this help.")
        let w = min(r.width - 2, 76)
        let h = min(r.height - 2, lines.count + 2)
        let box = Rect(x: r.x + (r.width - w) / 2, y: r.y + (r.height - h) / 2, width: w, height: h)
        c.fill(box, style: theme.text)
        let inner = PanelFrame(title: "Keys", state: .ok, selected: true, badge: false).render(
            in: box, on: &c, theme: theme, glyphs: glyphs)
        for (i, l) in lines.prefix(inner.height).enumerated() {
            c.put(l, x: inner.x + 1, y: inner.y + i, style: theme.text, clip: inner)
        }
    }

    static func keyName(_ k: Key) -> String {
        switch k {
        case .char(let c): return String(c)
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .backspace: return "Backspace"
        case .interrupt: return "Ctrl-C"
        case .resize, .other: return ""
        }
    }
}
