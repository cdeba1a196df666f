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
        let look = Look(theme: theme, glyphs: glyphs)
        c.fill(c.bounds, style: theme.text)
        if width < Self.minWidth || height < Self.minHeight {
            tooSmall(&c, theme: theme)
            return c
        }
        let (header, rest) = c.bounds.splitTop(1)
        let (fullBody, status) = rest.splitBottom(1)
        var body = fullBody
        HeaderBar(state: state, look: look).render(in: header, on: &c)
        if let p = state.prompt {
            c.fill(status, style: theme.statusBar)
            let text = " " + p.question + " " + p.text
            let x = c.put(text, x: status.x, y: status.y, style: theme.statusBar.with(.bold), clip: status)
            c.put("_", x: status.x + x, y: status.y, style: theme.statusBar.with([.bold, .reverse]), clip: status)
        } else {
            StatusBar(state: state, snapshot: snapshot, alerts: alerts, look: look).render(in: status, on: &c)
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
        screen(state, snapshot, alerts, look: look).render(in: body, on: &c)
        if let p = state.picker { VariablePickerBox(picker: p, look: look).render(in: body, on: &c) }
        if state.showHelp { HelpScreen(state: state, about: about, look: look).render(in: body, on: &c) }
        if glyphs.ascii { Self.transliterate(&c) }
        return c
    }

    /// The screen the state shows.
    func screen(_ state: AppState, _ snapshot: Snapshot, _ alerts: AlertsModel, look: Look) -> any Widget {
        switch state.screen {
        case .alerts: return AlertsScreen(state: state, m: alerts, look: look)
        case .incidents: return IncidentsScreen(state: state, m: alerts, look: look)
        case .silences: return SilencesScreen(m: alerts, look: look)
        case .objectives:
            return ObjectivesScreen(
                objectives: snapshot.objectives, criteria: snapshot.criteria, selected: state.objectiveSelected,
                open: state.objectiveOpen, alerts: alerts.rows, look: look)
        case .launch: return LaunchScreen(model: snapshot.launch, look: look)
        case .checklist:
            return ChecklistScreen(model: snapshot.launch, selected: state.checklistSelected, look: look)
        case .dashboards:
            guard state.dashboard < config.dashboards.count else { return Blank() }
            let dashboard = config.dashboards[state.dashboard]
            if state.zoomed, state.selected < dashboard.panels.count {
                let panel = dashboard.panels[state.selected]
                var zoomLook = look
                zoomLook.theme = look.theme.with(stateColors: panel.colors)
                return ZoomScreen(
                    model: PanelModel(panel: panel, config: config, snapshot: snapshot), state: state, look: zoomLook)
            }
            return DashboardScreen(
                dashboard: dashboard, config: config, snapshot: snapshot, state: state, alerts: alerts, look: look)
        }
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

}
