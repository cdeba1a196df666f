import Foundation
import VigilCore

public struct ZoomScreen: Widget, Styled {
    public var model: PanelModel
    public var state: AppState
    public var look: Look

    public init(model: PanelModel, state: AppState, look: Look) {
        self.model = model
        self.state = state
        self.look = look
    }

    public func render(in r: Rect, on c: inout Canvas) {
        var m = model
        if !state.zoom.filter.isEmpty {
            m.series = m.series.filter { s in
                s.label.localizedCaseInsensitiveContains(state.zoom.filter)
                    || s.labels.pairs.contains { $0.value.localizedCaseInsensitiveContains(state.zoom.filter) }
            }
        }
        // Tables and logs show what is there now, not a time window.
        let windowed = m.type == .graph || m.type == .stat || m.type == .status
        let title =
            m.title + (windowed ? " (" + state.windowLabel + ")" : "")
            + (state.zoom.filter.isEmpty ? "" : " /\(state.zoom.filter)")
        var inner = PanelFrame(title: title, state: m.state, selected: true, look: look).draw(in: r, on: &c)
        // What the metrics are, in the configuration's words.
        if !m.descriptions.isEmpty && inner.height > 6 {
            let (line, rest) = inner.splitTop(1)
            c.put(
                DisplayWidth.truncate(
                    Sanitizer.clean(m.descriptions.joined(separator: "; "), maxLength: 400), to: line.width),
                x: line.x, y: line.y, style: theme.dim, clip: line)
            inner = rest
        }
        if m.type == .table {
            TableWidget(model: m, look: look, scroll: state.zoom.tableScroll, sortColumn: state.zoom.tableSort).render(
                in: inner, on: &c)
            return
        }
        if m.type == .log && (m.log != nil || m.series.isEmpty) {
            var view = state.zoom.logView
            view.scroll = state.logScroll
            LogWidget(model: model, look: look, view: view, search: state.zoom.filter, zoomed: true).render(
                in: inner, on: &c)
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
            PanelMessage(state: m.state, look: look).render(in: inner, on: &c)
            return
        }
        let tableRows = min(live.count, max(1, inner.height / 3))
        let (chartArea, tableArea) = inner.splitBottom(tableRows + 1)
        LineChart(series: live, unit: m.unit, windowMs: state.windowMs, endMs: m.nowMs, look: look).render(
            in: chartArea, on: &c)
        // The per-series table.
        let header =
            DisplayWidth.pad("  series", to: max(10, tableArea.width - 40))
            + DisplayWidth.pad("last", to: 10, right: true)
            + DisplayWidth.pad("min", to: 10, right: true) + DisplayWidth.pad("max", to: 10, right: true) + "  state"
        c.put(header, x: tableArea.x, y: tableArea.y, style: theme.title.with(.underline), clip: tableArea)
        for (i, s) in live.prefix(tableRows).enumerated() {
            let row =
                DisplayWidth.pad("  " + (s.label.isEmpty ? m.title : s.label), to: max(10, tableArea.width - 40))
                + DisplayWidth.pad(ValueFormat.format(s.current, unit: m.unit), to: 10, right: true)
                + DisplayWidth.pad(ValueFormat.format(s.min, unit: m.unit), to: 10, right: true)
                + DisplayWidth.pad(ValueFormat.format(s.max, unit: m.unit), to: 10, right: true)
                + "  \(s.state.glyph(ascii: glyphs.ascii)) \(s.state.word)"
            c.put(row, x: tableArea.x, y: tableArea.y + 1 + i, style: theme.state(s.state), clip: tableArea)
            // The legend: each row starts with its line's colour.
            c.put(
                glyphs.ascii ? "*" : "━", x: tableArea.x, y: tableArea.y + 1 + i, style: theme.series(i),
                clip: tableArea)
        }
    }
}

/// The zoomed panel's own state: the series filter (a search in a log),
/// a table's sort column and scroll, a log's view.
public struct ZoomState: Sendable, Equatable {
    /// Series (or log lines) shown only when they contain it; `/` edits it.
    public var filter = ""
    public var editingFilter = false
    /// A table's sort column (nil: by value, largest first) and its first
    /// visible row.
    public var tableSort: Int?
    public var tableScroll = 0
    /// A log's view (scroll, follow, wrap, search match).
    public var logView = LogViewState()
    /// Lines the log's source has delivered in all; set after every
    /// evaluation, so a scrolled view stays on the same lines as more arrive.
    public var logTotal = 0
    /// `logTotal` when scrolling began.
    var logAnchor: Int?

    public init() {}
}
