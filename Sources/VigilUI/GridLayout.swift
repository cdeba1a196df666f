import VigilCore

/// Where a dashboard's panels sit: the plan's `layout: grid`. Panels flow
/// left to right into rows of `columns` grid columns, each spanning its
/// `width`; a row is as tall as its tallest panel's `height` (both
/// relative). A row that is not full stretches its panels, so a lone last
/// panel takes the whole width. The keys move by it: left and right in
/// reading order, up and down to the nearest panel of the next row.
public struct GridLayout: Sendable, Equatable {
    public let columns: Int
    /// Panel indices, row by row.
    public let rows: [[Int]]
    let spans: [Int]
    let heights: [Int]

    public init(_ dashboard: Dashboard) {
        self.init(
            widths: dashboard.panels.map(\.width), heights: dashboard.panels.map(\.height),
            columns: dashboard.columns)
    }

    /// `columns` nil: two, or one for a dashboard of one panel.
    public init(widths: [Int], heights: [Int], columns: Int? = nil) {
        let columns = GridDefaults.columns(columns, panels: widths.count)
        self.columns = columns
        spans = widths.map { min(max(1, $0), columns) }
        self.heights = heights.map { max(1, $0) }
        var rows: [[Int]] = []
        var used = columns
        for (i, span) in spans.enumerated() {
            if used + span > columns {
                rows.append([])
                used = 0
            }
            rows[rows.count - 1].append(i)
            used += span
        }
        self.rows = rows
    }

    public var count: Int { spans.count }

    /// Each panel's rect within `body`, in panel order.
    public func rects(in body: Rect) -> [Rect] {
        var out = Array(repeating: Rect(x: 0, y: 0, width: 0, height: 0), count: count)
        let weights = rows.map { row in row.map { heights[$0] }.max() ?? 1 }
        let total = weights.reduce(0, +)
        var before = 0
        for (r, row) in rows.enumerated() {
            let y0 = body.y + body.height * before / max(1, total)
            before += weights[r]
            let y1 = body.y + body.height * before / max(1, total)
            let rowSpan = row.map { spans[$0] }.reduce(0, +)
            var left = 0
            for i in row {
                let x0 = body.x + body.width * left / max(1, rowSpan)
                left += spans[i]
                let x1 = body.x + body.width * left / max(1, rowSpan)
                out[i] = Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
            }
        }
        return out
    }

    /// The panel above (`down` false) or below `index`: in the next row,
    /// the one whose middle is nearest this one's; nil at the edge.
    public func vertical(from index: Int, down: Bool) -> Int? {
        guard let r = rows.firstIndex(where: { $0.contains(index) }) else { return nil }
        let next = down ? r + 1 : r - 1
        guard rows.indices.contains(next) else { return nil }
        // Positions on a common scale: fractions of the row's width.
        func middle(_ i: Int, in row: [Int]) -> Double {
            let rowSpan = Double(row.map { spans[$0] }.reduce(0, +))
            let left = Double(row.prefix { $0 != i }.map { spans[$0] }.reduce(0, +))
            return (left + Double(spans[i]) / 2) / rowSpan
        }
        let here = middle(index, in: rows[r])
        return rows[next].min { abs(middle($0, in: rows[next]) - here) < abs(middle($1, in: rows[next]) - here) }
    }
}
