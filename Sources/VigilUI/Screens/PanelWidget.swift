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
        if m.type == .note {
            let inner = PanelFrame(title: m.title, state: m.state, selected: selected, badge: false, look: look)
                .draw(in: r, on: &c)
            NoteWidget(text: m.text ?? "", dim: m.state != .ok, look: look).render(in: inner, on: &c)
            return
        }
        let inner = PanelFrame(title: m.title, state: m.state, selected: selected, look: look).draw(in: r, on: &c)
        switch m.type {
        case .note: break
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

/// A note panel's text, wrapped to the panel's width; what does not fit
/// is cut with an ellipsis on the last line.
struct NoteWidget: Widget, Styled {
    var text: String
    var dim: Bool
    var look: Look

    func render(in r: Rect, on c: inout Canvas) {
        guard r.width > 2, r.height > 0 else { return }
        let width = r.width - 2
        var lines: [String] = []
        for paragraph in Sanitizer.cleanKeepingLines(text).split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                let w = String(word)
                if line.isEmpty {
                    line = DisplayWidth.truncate(w, to: width)
                } else if DisplayWidth.of(line) + 1 + DisplayWidth.of(w) <= width {
                    line += " " + w
                } else {
                    lines.append(line)
                    line = DisplayWidth.truncate(w, to: width)
                }
            }
            lines.append(line)
        }
        if lines.count > r.height {
            lines = Array(lines.prefix(r.height))
            lines[lines.count - 1] = DisplayWidth.truncate(lines[lines.count - 1] + " …", to: width)
        }
        var style = theme.state(dim ? .noData("") : .ok)
        if !dim { style = theme.text }
        for (i, line) in lines.enumerated() {
            c.put(line, x: r.x + 1, y: r.y + i, style: style, clip: r)
        }
    }
}
