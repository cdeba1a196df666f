import VigilCore

/// One panel of a dashboard grid: its frame, and the widget of its type.
public struct PanelWidget: Widget, Styled {
    public var m: PanelModel
    public var selected: Bool
    public var look: Look

    public init(m: PanelModel, selected: Bool, look: Look) {
        self.m = m
        self.selected = selected
        self.look = look
    }

    public func render(in r: Rect, on c: inout Canvas) {
        let inner = PanelFrame(title: m.title, state: m.state, selected: selected, look: look).draw(in: r, on: &c)
        switch m.type {
        case .stat: StatWidget(model: m, look: look).render(in: inner, on: &c)
        case .status: StatusWidget(model: m, look: look).render(in: inner, on: &c)
        case .log where m.log != nil || m.series.isEmpty:
            LogWidget(model: m, look: look).render(in: inner, on: &c)
        case .graph, .log: GraphWidget(model: m, look: look).render(in: inner, on: &c)
        case .table: TableWidget(model: m, look: look).render(in: inner, on: &c)
        }
        if case .stale = m.state { c.restyle(inner) { $0.with(.dim) } }
    }
}
