import VigilCore

/// A dashboard: its panels in the grid (`GridLayout`), each with its own
/// colours, and a marker on each panel whose metric has a firing alert.
public struct DashboardScreen: Widget, Styled {
    public var dashboard: Dashboard
    public var config: VigilConfig
    public var snapshot: Snapshot
    public var state: AppState
    public var alerts: AlertsModel
    public var look: Look

    public init(
        dashboard: Dashboard, config: VigilConfig, snapshot: Snapshot, state: AppState, alerts: AlertsModel,
        look: Look
    ) {
        self.dashboard = dashboard
        self.config = config
        self.snapshot = snapshot
        self.state = state
        self.alerts = alerts
        self.look = look
    }

    public func render(in body: Rect, on c: inout Canvas) {
        let firing = alerts.firingMetrics
        let rects = GridLayout(dashboard).rects(in: body)
        for (i, (panel, r)) in zip(dashboard.panels, rects).enumerated() {
            var panelLook = look
            panelLook.theme = theme.with(stateColors: panel.colors)
            PanelWidget(
                m: PanelModel(panel: panel, config: config, snapshot: snapshot), selected: i == state.selected,
                look: panelLook
            ).render(in: r, on: &c)
            let rules = panel.metrics.filter(firing.contains)
            guard !rules.isEmpty else { continue }
            let names = alerts.firing.filter { rules.contains($0.metric ?? "") }.map(\.key.rule)
            let worst = alerts.firing.first { rules.contains($0.metric ?? "") }
            let marker = " \(glyphs.ascii ? "!" : "▲") ALERT: \(Array(Set(names)).sorted().joined(separator: ", ")) "
            c.put(
                DisplayWidth.truncate(marker, to: max(0, r.width - 4)), x: r.x + 2, y: r.maxY - 1,
                style: (worst.map(theme.severity) ?? theme.severity(rank: 0)).with(.bold), clip: r)
        }
    }
}

/// Nothing: a dashboard index past the end.
struct Blank: Widget {
    func render(in r: Rect, on c: inout Canvas) {}
}
