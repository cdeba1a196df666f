import VigilCore

/// How text is drawn: Unicode, or ASCII when the locale is not UTF-8.
public struct Glyphs: Sendable, Equatable {
    public var ascii: Bool
    public var ramp: [String]
    public var horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: String
    public var up, down, flat: String

    public init(ascii: Bool) {
        self.ascii = ascii
        if ascii {
            ramp = ["_", ".", "-", "~", "=", "+", "*", "#"]
            (horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight) = ("-", "|", "+", "+", "+", "+")
            (up, down, flat) = ("^", "v", "=")
        } else {
            ramp = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
            (horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight) = ("─", "│", "┌", "┐", "└", "┘")
            (up, down, flat) = ("↑", "↓", "→")
        }
    }
}

/// The shared look of every panel: a border and title in the panel's
/// state colour, the state's glyph and word at the right.
public struct PanelFrame: Widget, Styled {
    public var title: String
    public var state: PanelState
    public var selected: Bool
    public var badge = true
    public var look: Look

    public init(title: String, state: PanelState, selected: Bool, badge: Bool = true, look: Look) {
        self.title = title
        self.state = state
        self.selected = selected
        self.badge = badge
        self.look = look
    }

    public func render(in r: Rect, on c: inout Canvas) { _ = draw(in: r, on: &c) }

    /// Draws the frame and returns the rect inside it.
    public func draw(in r: Rect, on c: inout Canvas) -> Rect {
        guard r.width >= 2, r.height >= 2 else {
            if !r.isEmpty { c.put(state.glyph(ascii: g.ascii), x: r.x, y: r.y, style: theme.state(state), clip: r) }
            return Rect(x: r.x, y: r.y, width: 0, height: 0)
        }
        var border = theme.state(state)
        border.attributes.remove(.dim)
        if selected { border.attributes.insert(.bold) }
        let h = selected && !g.ascii ? "━" : g.horizontal
        let v = selected && !g.ascii ? "┃" : g.vertical
        let corners = selected && !g.ascii ? ("┏", "┓", "┗", "┛") : (g.topLeft, g.topRight, g.bottomLeft, g.bottomRight)
        // Cell by cell (`fill`): a border is most of a frame's cells, and
        // one glyph repeated needs no text layout.
        c.fill(Rect(x: r.x + 1, y: r.y, width: r.width - 2, height: 1), style: border, text: h)
        c.fill(Rect(x: r.x + 1, y: r.maxY - 1, width: r.width - 2, height: 1), style: border, text: h)
        c.fill(Rect(x: r.x, y: r.y + 1, width: 1, height: r.height - 2), style: border, text: v)
        c.fill(Rect(x: r.maxX - 1, y: r.y + 1, width: 1, height: r.height - 2), style: border, text: v)
        c.fill(Rect(x: r.x, y: r.y, width: 1, height: 1), style: border, text: corners.0)
        c.fill(Rect(x: r.maxX - 1, y: r.y, width: 1, height: 1), style: border, text: corners.1)
        c.fill(Rect(x: r.x, y: r.maxY - 1, width: 1, height: 1), style: border, text: corners.2)
        c.fill(Rect(x: r.maxX - 1, y: r.maxY - 1, width: 1, height: 1), style: border, text: corners.3)
        var badgeText = " \(state.glyph(ascii: g.ascii)) \(state.word) "
        // Stale says since when, where the frame has room for it.
        if case .stale(let since) = state {
            let long = " \(state.glyph(ascii: g.ascii)) \(state.word) since \(TimeText.clock(since)) "
            if r.width >= DisplayWidth.of(long) + 16 { badgeText = long }
        }
        let badgeWidth = DisplayWidth.of(badgeText)
        let showBadge = self.badge && r.width >= badgeWidth + 12
        let titleRoom = r.width - 4 - (showBadge ? badgeWidth : 0)
        var titleStyle = border
        titleStyle.attributes.insert(.bold)
        if selected { titleStyle.attributes.insert(.reverse) }
        let shown = " " + DisplayWidth.truncate(title, to: max(0, titleRoom - 2)) + " "
        if titleRoom >= 3 { c.put(shown, x: r.x + 1, y: r.y, style: titleStyle, clip: r) }
        if showBadge {
            var badgeStyle = theme.state(state)
            badgeStyle.attributes.insert(.bold)
            c.put(badgeText, x: r.maxX - 1 - badgeWidth, y: r.y, style: badgeStyle, clip: r)
        }
        return r.inset(1)
    }
}

enum Sparkline {
    /// One cell per value: the ramp level between lo and hi, coloured by
    /// the value's threshold state (the threshold marker of a sparkline).
    static func render(
        _ values: [Double?], x: Int, y: Int, width: Int, lo: Double, hi: Double, threshold: Threshold?,
        base: Style, theme: Theme, glyphs g: Glyphs, on c: inout Canvas
    ) {
        guard width > 0 else { return }
        let shown = values.suffix(width)
        var col = x + width - shown.count
        for v in shown {
            defer { col += 1 }
            guard let v, !v.isNaN else {
                c.put(" ", x: col, y: y, style: base)
                continue
            }
            let span = hi - lo
            let f = span > 0 ? (v - lo) / span : 0.5
            let level = Swift.max(0, Swift.min(g.ramp.count - 1, cellIndex(f * Double(g.ramp.count - 1))))
            var style = base
            if let t = threshold {
                let s = t.state(of: v)
                if s != .ok { style = theme.state(PanelState(s)) }
            }
            c.put(g.ramp[level], x: col, y: y, style: style)
        }
    }

    /// The range to scale to: the data's, widened to 0 for non-negative
    /// data so small wiggles do not look like cliffs.
    static func range(_ series: [SeriesModel]) -> (Double, Double) {
        let all = series.flatMap(\.known).filter { $0.isFinite }
        guard var lo = all.min(), let hi = all.max() else { return (0, 1) }
        if lo >= 0 { lo = 0 }
        return (lo, hi == lo ? lo + 1 : hi)
    }
}

/// A single big number: value, state, trend, sparkline.
struct StatWidget: Widget, Styled {
    var model: PanelModel
    var look: Look

    func render(in r: Rect, on c: inout Canvas) {
        guard !r.isEmpty else { return }
        guard let s = model.series.first(where: { $0.current != nil }) else {
            // No data, and the dashboard says what that means: its words.
            if case .noData = model.state, let text = model.noValue {
                c.put(
                    DisplayWidth.truncate(text, to: r.width),
                    x: r.x + Swift.max(0, (r.width - DisplayWidth.of(text)) / 2),
                    y: r.y + r.height / 2, style: theme.dim, clip: r)
                return
            }
            PanelMessage(state: model.state, look: look).render(in: r, on: &c)
            return
        }
        let value = s.shown
        var valueStyle = theme.state(s.state)
        valueStyle.attributes.insert(.bold)
        let word = "\(s.state.glyph(ascii: g.ascii)) \(s.state.word)"
        var trend = ""
        if let first = s.first, let now = s.current, first.isFinite, now.isFinite {
            let change = now - first
            let arrow = abs(change) <= 1e-9 * Swift.max(1, abs(first)) ? g.flat : change > 0 ? g.up : g.down
            trend = "\(arrow) \(ValueFormat.format(change, unit: model.unit))"
        }
        let parts = BigText.split(value)
        if r.height >= BigText.height + 4, !parts.big.isEmpty, BigBlock.width(parts, scale: 1) <= r.width - 2 {
            // Room to spare: the value large, as a person reads it from
            // across the room; state, trend and sparkline beneath.
            let y0 = r.y + Swift.max(0, (r.height - 1 - (BigText.height + 2)) / 2)
            let scale = BigBlock.width(parts, scale: 2) <= r.width - 2 ? 2 : 1
            BigBlock(parts: parts, fill: g.ascii ? "#" : "█", style: valueStyle, small: theme.text, scale: scale)
                .draw(center: r, y: y0, on: &c)
            let below = trend.isEmpty ? word : "\(word)   \(trend)"
            var x = r.x + Swift.max(0, (r.width - DisplayWidth.of(below)) / 2)
            x += c.put(word, x: x, y: y0 + BigText.height + 1, style: valueStyle, clip: r)
            if !trend.isEmpty { c.put("   \(trend)", x: x, y: y0 + BigText.height + 1, style: theme.dim, clip: r) }
            if gauge(s, x: r.x + 1, y: r.maxY - 1, width: r.width - 2, on: &c) { return }
            let (lo, hi) = Sparkline.range([s])
            Sparkline.render(
                s.values, x: r.x + 1, y: r.maxY - 1, width: r.width - 2, lo: lo, hi: hi, threshold: s.threshold,
                base: theme.series(0), theme: theme, glyphs: g, on: &c)
            return
        }
        let line = "\(value)  \(word)"
        let y0 = r.y + (r.height >= 4 ? (r.height - 3) / 2 : 0)
        c.put(line, x: r.x + Swift.max(0, (r.width - DisplayWidth.of(line)) / 2), y: y0, style: valueStyle, clip: r)
        if r.height >= 2, !trend.isEmpty {
            c.put(
                trend, x: r.x + Swift.max(0, (r.width - DisplayWidth.of(trend)) / 2), y: y0 + 1, style: theme.dim,
                clip: r)
        }
        if r.height >= 3, gauge(s, x: r.x + 1, y: Swift.min(r.maxY - 1, y0 + 2), width: r.width - 2, on: &c) {
            return
        }
        if r.height >= 3 {
            let (lo, hi) = Sparkline.range([s])
            Sparkline.render(
                s.values, x: r.x + 1, y: Swift.min(r.maxY - 1, y0 + 2), width: r.width - 2, lo: lo, hi: hi,
                threshold: s.threshold, base: theme.series(0), theme: theme, glyphs: g, on: &c)
        }
    }
}

extension StatWidget {
    /// A gauge's bar in place of the sparkline, when the metric has a
    /// scale (`min`/`max`, Grafana's gauge range): the value's share of it
    /// filled in the state's colour. An end left open is the data's (0, or
    /// the value).
    func gauge(_ s: SeriesModel, x: Int, y: Int, width: Int, on c: inout Canvas) -> Bool {
        guard let d = s.display, d.min != nil || d.max != nil, let v = s.current, v.isFinite, width >= 4 else {
            return false
        }
        let lo = d.min ?? Swift.min(0, v)
        let hi = d.max ?? Swift.max(v, lo + 1)
        guard hi > lo else { return false }
        let share = Swift.min(1, Swift.max(0, (v - lo) / (hi - lo)))
        let filled = Int((share * Double(width)).rounded())
        c.put(String(repeating: g.ascii ? "#" : "█", count: filled), x: x, y: y, style: theme.state(s.state))
        c.put(String(repeating: g.ascii ? "-" : "░", count: width - filled), x: x + filled, y: y, style: theme.dim)
        return true
    }
}

/// Rows of sparklines, one per series or group: label, line, last/min/max.
struct GraphWidget: Widget, Styled {
    var model: PanelModel
    var look: Look

    func render(in r: Rect, on c: inout Canvas) {
        guard !r.isEmpty else { return }
        let live = model.series.filter { $0.values.contains { $0 != nil } || $0.current != nil }
        guard !live.isEmpty else {
            PanelMessage(state: model.state, look: look).render(in: r, on: &c)
            return
        }
        let (lo, hi) = Sparkline.range(live)
        if live.count == 1 && r.height >= 5 {
            // The y range from a sensible floor (a latency of 700-760 ms
            // is not drawn from 0), with the thresholds near the data.
            let t = live[0].threshold
            let scale = AxisScale(
                lo: lo == 0 ? (live[0].known.min() ?? lo) : lo, hi: hi,
                marks: t.map { [$0.warning, $0.critical] } ?? [],
                rows: r.height)
            renderChart(live[0], lo: scale.lo, hi: scale.hi, in: r, on: &c)
            return
        }
        // Several series and room to spare: one line chart, a colour a
        // series, and a legend beneath with each one's value and state.
        if live.count > 1 && r.height >= 8 && r.width >= 30 && Set(live.map(\.unit)).count == 1 {
            renderLines(live, in: r, on: &c)
            return
        }
        let rows = Swift.min(live.count, Swift.max(1, r.height - 1))
        // One scale for series of one unit (services side by side), a
        // scale each when units differ (latency next to connection count).
        let shared = Set(live.map(\.unit)).count == 1
        let labelWidth = live.count > 1 || DisplayWidth.of(live[0].label) > 0 ? Swift.min(16, r.width / 4) : 0
        // The current value stays whatever the width: decorations (the
        // sparkline, min-max) go first.
        let statsWidth = r.width >= 46 ? 24 : Swift.min(8, r.width)
        let lineWidth = Swift.max(
            0, r.width - labelWidth - statsWidth - (labelWidth > 0 ? 1 : 0) - (statsWidth > 0 ? 1 : 0))
        for (i, s) in live.prefix(rows).enumerated() {
            let y = r.y + i
            var x = r.x
            if labelWidth > 0 {
                c.put(DisplayWidth.pad(s.label, to: labelWidth), x: x, y: y, style: theme.series(i), clip: r)
                x += labelWidth + 1
            }
            let (slo, shi) = shared ? (lo, hi) : Sparkline.range([s])
            if lineWidth > 0 {
                Sparkline.render(
                    s.values, x: x, y: y, width: lineWidth, lo: slo, hi: shi, threshold: s.threshold,
                    base: theme.series(i), theme: theme, glyphs: g, on: &c)
                x += lineWidth + 1
            }
            if statsWidth == 24 {
                let text =
                    DisplayWidth.pad(ValueFormat.format(s.current, unit: s.unit), to: 9, right: true) + " "
                    + DisplayWidth.pad(
                        ValueFormat.format(s.min, unit: s.unit) + "–" + ValueFormat.format(s.max, unit: s.unit), to: 14,
                        right: true)
                c.put(text, x: x, y: y, style: theme.state(s.state), clip: r)
            } else if statsWidth > 0 {
                c.put(
                    DisplayWidth.pad(ValueFormat.format(s.current, unit: s.unit), to: statsWidth, right: true), x: x,
                    y: y, style: theme.state(s.state), clip: r)
            }
        }
        if r.height >= 2 {
            var footer =
                shared
                ? "range \(ValueFormat.format(lo, unit: live[0].unit))–\(ValueFormat.format(hi, unit: live[0].unit))"
                : "each line on its own scale"
            if live.count > rows { footer += "  +\(live.count - rows) more" }
            if shared, let t = live[0].threshold {
                footer += ValueFormat.levels(t, unit: model.unit)
            }
            c.put(DisplayWidth.truncate(footer, to: r.width), x: r.x, y: r.maxY - 1, style: theme.dim, clip: r)
        }
    }
}

extension GraphWidget {
    /// Several series as lines in one chart, the legend beneath.
    func renderLines(_ live: [SeriesModel], in r: Rect, on c: inout Canvas) {
        let legendRows = Swift.min(live.count, Swift.max(1, r.height / 3))
        let (chart, legend) = r.splitBottom(legendRows)
        LineChart(
            series: live, unit: model.unit, windowMs: chart.height >= 6 ? model.windowMs : 0, endMs: model.nowMs,
            look: look
        )
        .render(in: chart, on: &c)
        let valueWidth = 10
        for (i, s) in live.prefix(legendRows).enumerated() {
            let y = legend.y + i
            var label = s.label
            if i == legendRows - 1 && live.count > legendRows { label = "+\(live.count - legendRows) more" }
            c.put(g.ascii ? "*" : "━", x: legend.x, y: y, style: theme.series(i), clip: legend)
            c.put(
                DisplayWidth.pad(label, to: Swift.max(1, legend.width - valueWidth - 10)), x: legend.x + 2, y: y,
                style: theme.text, clip: legend)
            guard !(i == legendRows - 1 && live.count > legendRows) else { continue }
            let value =
                DisplayWidth.pad(s.shown, to: valueWidth, right: true)
                + "  \(s.state.glyph(ascii: g.ascii)) \(s.state.word)"
            c.put(
                value, x: legend.maxX - DisplayWidth.of(value), y: y, style: theme.state(s.state), clip: legend)
        }
    }

    /// One series over the whole panel: a block chart with eighth-cell
    /// resolution, cells coloured by their value's threshold state, the
    /// current/min/max on top and the y range with the thresholds below.
    func renderChart(_ s: SeriesModel, lo: Double, hi: Double, in r: Rect, on c: inout Canvas) {
        let unit = model.unit
        // Stale: the value is the last one before the data stopped, and
        // it is not drawn again at "now".
        let stale = if case .stale = model.state { true } else { false }
        let head =
            "\(stale ? "last" : "now") \(ValueFormat.format(s.current, unit: unit))   min \(ValueFormat.format(s.min, unit: unit))   max \(ValueFormat.format(s.max, unit: unit))"
        c.put(DisplayWidth.truncate(head, to: r.width), x: r.x, y: r.y, style: theme.state(s.state), clip: r)
        var foot = "\(ValueFormat.format(lo, unit: unit))–\(ValueFormat.format(hi, unit: unit))"
        if let t = s.threshold {
            foot += ValueFormat.levels(t, unit: unit)
        }
        var footStyle = theme.dim
        // The query failed now but the window still has points (a server
        // that answered the range and refused the instant): the reason
        // takes the footer, or it would be nowhere on the panel.
        if case .error(let why) = model.state {
            foot = why
            footStyle = theme.state(model.state)
        }
        c.put(DisplayWidth.truncate(foot, to: r.width), x: r.x, y: r.maxY - 1, style: footStyle, clip: r)
        // A time axis above the footer where the panel has the lines.
        let axis = r.height >= 10 && model.windowMs > 0
        if axis {
            TimeAxis(windowMs: model.windowMs, endMs: model.nowMs, look: look).render(
                in: Rect(x: r.x, y: r.maxY - 2, width: r.width, height: 1), on: &c)
        }
        let plot = Rect(x: r.x, y: r.y + 1, width: r.width, height: r.height - (axis ? 3 : 2))
        guard plot.height > 0, plot.width > 0 else { return }
        var values = Array(s.values.suffix(plot.width))
        if !stale, let cur = s.current, values.last.map({ $0 == nil }) ?? true {
            if values.isEmpty { values = [cur] } else { values[values.count - 1] = cur }
        }
        let full = g.ascii ? "#" : "█"
        var x = plot.x + plot.width - values.count
        for v in values {
            defer { x += 1 }
            guard let v, v.isFinite else { continue }
            let eighths = cellIndex((v - lo) / (hi - lo) * Double(plot.height * 8))
            var style = theme.series(0)
            if let t = s.threshold, t.state(of: v) != .ok { style = theme.state(PanelState(t.state(of: v))) }
            for row in 0..<plot.height {
                let filled = eighths - row * 8
                guard filled > 0 else { break }
                let glyph = filled >= 8 ? full : g.ramp[Swift.max(0, filled - 1)]
                c.put(glyph, x: x, y: plot.maxY - 1 - row, style: style, clip: plot)
            }
        }
    }
}

/// Series as rows, labels as columns, the value last; rows coloured by a
/// severity column when there is one, else by threshold.
struct TableWidget: Widget, Styled {
    var model: PanelModel
    var look: Look
    var scroll = 0
    /// How `s` has been pressed: each column ascending, then descending,
    /// then the panel's own order again (nil: the panel's own order).
    var sortColumn: Int?

    func render(in r: Rect, on c: inout Canvas) {
        guard !r.isEmpty else { return }
        guard !model.series.isEmpty else {
            PanelMessage(state: model.state, look: look).render(in: r, on: &c)
            return
        }
        var columns =
            model.columns.isEmpty
            ? Array(Set(model.series.flatMap { $0.labels.withoutName.pairs.map(\.name) })).sorted() : model.columns
        if !model.rowTable { columns.append("value") }
        let step = sortColumn.map { $0 % (2 * columns.count + 1) }
        let sortIndex = step.flatMap { $0 < 2 * columns.count ? $0 / 2 : nil }
        let descending = step.map { $0 % 2 == 1 } ?? false
        // The panel's own order: a log source's as it came, else by value,
        // largest first. A picked column sorts stably either way.
        let own =
            model.rowTable
            ? model.series
            : model.series.enumerated().sorted { a, b in
                let (x, y) = (a.element.current ?? -.infinity, b.element.current ?? -.infinity)
                return x == y ? a.offset < b.offset : x > y
            }.map(\.element)
        let rows: [SeriesModel]
        if let i = sortIndex {
            rows = own.enumerated().sorted { a, b in
                let order: Bool?
                if columns[i] == "value" {
                    let (x, y) = (a.element.current ?? -.infinity, b.element.current ?? -.infinity)
                    order = x == y ? nil : x < y
                } else {
                    let (x, y) = (a.element.labels[columns[i]] ?? "", b.element.labels[columns[i]] ?? "")
                    order = x == y ? nil : x < y
                }
                guard let order else { return a.offset < b.offset }
                return descending ? !order : order
            }.map(\.element)
        } else {
            rows = own
        }
        var cells: [[String]] = rows.map { s in
            columns.map { col in
                if col == "value" { return s.shown }
                // Text cells take the regex mappings, as Grafana's do.
                let text = s.labels[col] ?? ""
                return Sanitizer.clean(s.display?.mapped(text: text) ?? text, maxLength: 200)
            }
        }
        // Too narrow: a timestamp column keeps the time and drops the date
        // (the date is today's on launch day; the time is what tells rows apart).
        func natural() -> Int {
            columns.indices.map { i in
                Swift.max(DisplayWidth.of(columns[i]), cells.map { DisplayWidth.of($0[i]) }.max() ?? 0)
            }.reduce(0, +) + columns.count - 1
        }
        if natural() > r.width {
            for i in columns.indices
            where cells.contains(where: { !$0[i].isEmpty })
                && cells.allSatisfy({ $0[i].isEmpty || Self.timeOfDay($0[i]) != nil })
            {
                for row in cells.indices { cells[row][i] = Self.timeOfDay(cells[row][i]) ?? cells[row][i] }
            }
        }
        if let i = sortIndex { columns[i] += descending ? (g.ascii ? "v" : "↓") : (g.ascii ? "^" : "↑") }
        // Column widths: what the content needs, shrunk to fit the panel.
        var widths = columns.enumerated().map { i, name in
            Swift.max(DisplayWidth.of(name), cells.map { DisplayWidth.of($0[i]) }.max() ?? 0)
        }
        while widths.reduce(0, +) + widths.count - 1 > r.width,
            let widest = widths.indices.max(by: { widths[$0] < widths[$1] }),
            widths[widest] > 3
        {
            widths[widest] -= 1
        }
        func line(_ values: [String]) -> String {
            zip(values, widths).map { DisplayWidth.pad($0, to: $1) }.joined(separator: " ")
        }
        c.put(line(columns), x: r.x, y: r.y, style: theme.title.with(.underline), clip: r)
        var visible = Swift.max(0, r.height - 1)
        if rows.count > visible && visible > 1 { visible -= 1 }  // room for the "rows a-b of n" line
        let start = Swift.min(scroll, Swift.max(0, rows.count - visible))
        for (i, s) in rows.dropFirst(start).prefix(visible).enumerated() {
            c.put(line(cells[start + i]), x: r.x, y: r.y + 1 + i, style: theme.state(s.state), clip: r)
        }
        if rows.count > visible {
            let info = "rows \(start + 1)-\(start + visible) of \(rows.count)"
            c.put(info, x: r.x, y: r.maxY - 1, style: theme.dim, clip: r)
        }
    }
}

extension TableWidget {
    /// `2026-11-29T11:58:01Z` → `11:58:01Z`; nil when it is not a timestamp.
    static func timeOfDay(_ s: String) -> String? {
        let c = Array(s)
        guard c.count >= 16, c[4] == "-", c[7] == "-", c[10] == "T" || c[10] == " ",
            c[0..<4].allSatisfy(\.isNumber), c[11].isNumber
        else { return nil }
        return String(c[11...])
    }
}

/// The body of a panel that has nothing to show, saying why.
struct PanelMessage: Widget, Styled {
    var state: PanelState
    var look: Look

    func render(in r: Rect, on c: inout Canvas) {
        let text: String
        switch state {
        case .noData(let why): text = "no data yet: \(why)"
        case .error(let why): text = why
        case .stale(let since): text = "stale since \(TimeText.clock(since)): no fresh data"
        default: text = "no series"
        }
        // Word-wrapped, so a long reason stays readable in a small panel.
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let candidate = line.isEmpty ? String(word) : line + " " + word
            if DisplayWidth.of(candidate) <= r.width || line.isEmpty {
                line = candidate
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        lines.append(line)
        var y = r.y + Swift.max(0, (r.height - lines.count) / 2)
        for l in lines where y < r.maxY {
            c.put(DisplayWidth.truncate(l, to: r.width), x: r.x, y: y, style: theme.state(state), clip: r)
            y += 1
        }
    }
}

/// A position on the screen from a fraction of a range, rounded. Values
/// from a target can be ±1e308, where `(v - lo) / (hi - lo)` is NaN or
/// infinite; Int() of those traps, this gives 0 or the nearest end.
@inline(__always) func cellIndex(_ x: Double) -> Int {
    if x.isNaN { return 0 }
    return Int(Swift.max(-1e9, Swift.min(1e9, x)).rounded())
}
