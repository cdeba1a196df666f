import Foundation
import VigilCore

/// Connected lines in braille cells (2×4 dots a cell, as btop and
/// ratatui's chart draw them), one colour a series, with a y axis at
/// round values, a time axis (`-5m -4m … now`) and labelled threshold
/// lines. A series keeps its colour whatever its values: the threshold
/// state is what the threshold lines and the legend say, not a recolouring
/// of points. Without UTF-8 the dots fall back to `*`, one a cell.
struct LineChart: Widget, Styled {
    struct Line {
        var values: [Double?]
        var style: Style
    }
    struct Mark {
        var value: Double
        var label: String
        var style: Style
    }

    var lines: [Line]
    var marks: [Mark] = []
    var unit: String
    /// The span the values cover, for the time axis (0: no time axis).
    var windowMs: Int64
    /// When the window ends: long windows label the axis with clock times.
    var endMs: Int64?
    var look: Look

    /// A panel's series, a colour each, with the first one's thresholds
    /// as labelled lines (`warn 2 s`, `crit 5 s`).
    init(series: [SeriesModel], unit: String, windowMs: Int64, endMs: Int64? = nil, look: Look) {
        let theme = look.theme
        lines = series.enumerated().map { Line(values: $0.element.values, style: theme.series($0.offset)) }
        if let t = series.first?.threshold {
            // A one-sided threshold (an imported dashboard's green and
            // yellow, no red) has its other level at infinity: no line.
            marks = [
                Mark(
                    value: t.warning, label: "warn \(ValueFormat.format(t.warning, unit: unit))",
                    style: theme.state(.warning)),
                Mark(
                    value: t.critical, label: "crit \(ValueFormat.format(t.critical, unit: unit))",
                    style: theme.state(.critical)),
            ].filter { $0.value.isFinite }
        }
        self.unit = unit
        self.windowMs = windowMs
        self.endMs = endMs
        self.look = look
    }

    init(lines: [Line], marks: [Mark], unit: String, windowMs: Int64, look: Look) {
        self.lines = lines
        self.marks = marks
        self.unit = unit
        self.windowMs = windowMs
        self.look = look
    }

    func render(in r: Rect, on c: inout Canvas) {
        let all = lines.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite)
        guard r.width >= 12, r.height >= 3, let dataLo = all.min(), let dataHi = all.max() else { return }
        let scale = AxisScale(lo: dataLo, hi: dataHi, marks: marks.map(\.value), rows: r.height - 1)
        let labels = scale.ticks.map { ValueFormat.format($0, unit: unit) }
        let axisWidth = (labels.map(DisplayWidth.of).max() ?? 1) + 1
        let plot = Rect(x: r.x + axisWidth, y: r.y, width: r.width - axisWidth, height: r.height - 1)
        guard plot.width > 2 else { return }
        func row(_ v: Double) -> Int { plot.maxY - 1 - cellIndex(scale.fraction(v) * Double(plot.height - 1)) }
        for (tick, label) in zip(scale.ticks, labels) {
            c.put(
                DisplayWidth.pad(label, to: axisWidth - 1, right: true), x: r.x, y: row(tick), style: theme.dim, clip: r
            )
        }
        let shown = marks.filter { $0.value >= scale.lo && $0.value <= scale.hi }
        for mark in shown {
            c.put(
                String(repeating: g.ascii ? "." : "┄", count: plot.width), x: plot.x, y: row(mark.value),
                style: mark.style, clip: plot)
        }
        if g.ascii {
            for line in lines { drawStars(line, scale: scale, plot: plot, on: &c) }
        } else {
            drawBraille(scale: scale, plot: plot, on: &c)
        }
        // Labels last and at the left, over the oldest data: the newest
        // points, at the right, stay in view.
        for mark in shown {
            c.put(" \(mark.label) ", x: plot.x + 1, y: row(mark.value), style: mark.style, clip: plot)
        }
        if windowMs > 0 {
            TimeAxis(windowMs: windowMs, endMs: endMs, look: look).render(
                in: Rect(x: plot.x, y: r.maxY - 1, width: plot.width, height: 1), on: &c)
        }
    }

    /// Every series on one dot grid; a cell takes the colour of the last
    /// series with a dot in it.
    func drawBraille(scale: AxisScale, plot: Rect, on c: inout Canvas) {
        let dotsX = plot.width * 2
        let dotsY = plot.height * 4
        var bits = [UInt8](repeating: 0, count: plot.width * plot.height)
        var owner = [Int](repeating: -1, count: plot.width * plot.height)
        func set(_ x: Int, _ y: Int, _ series: Int) {
            guard x >= 0, x < dotsX, y >= 0, y < dotsY else { return }
            let cell = (y / 4) * plot.width + x / 2
            // Braille dot bits: left column 1, 2, 3, 7; right column 4, 5, 6, 8.
            let bit: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
            bits[cell] |= bit[x % 2][y % 4]
            owner[cell] = series
        }
        for (i, line) in lines.enumerated() {
            let n = line.values.count
            guard n > 0 else { continue }
            var previous: Int?
            for x in 0..<dotsX {
                // The value at this dot column: the window spread over the
                // whole width, straight between two known neighbours.
                let position = dotsX > 1 ? Double(x) * Double(n - 1) / Double(dotsX - 1) : Double(n - 1)
                let left = Int(position.rounded(.down))
                let right = Swift.min(n - 1, left + 1)
                let v: Double
                if let a = line.values[left], let b = line.values[right], a.isFinite, b.isFinite {
                    v = a + (b - a) * (position - Double(left))
                } else if let a = line.values[Int(position.rounded())], a.isFinite {
                    v = a
                } else {
                    previous = nil
                    continue
                }
                let y = dotsY - 1 - cellIndex(scale.fraction(v) * Double(dotsY - 1))
                // Connected: the column fills from the previous dot's row.
                let from = previous ?? y
                for yy in Swift.min(from, y)...Swift.max(from, y) { set(x, yy, i) }
                previous = y
            }
        }
        for cell in bits.indices where bits[cell] != 0 {
            let glyph = String(UnicodeScalar(0x2800 + UInt32(bits[cell]))!)
            c.put(
                glyph, x: plot.x + cell % plot.width, y: plot.y + cell / plot.width, style: lines[owner[cell]].style,
                clip: plot)
        }
    }

    func drawStars(_ line: Line, scale: AxisScale, plot: Rect, on c: inout Canvas) {
        let values = line.values.suffix(plot.width)
        var x = plot.x + plot.width - values.count
        for v in values {
            defer { x += 1 }
            guard let v, v.isFinite else { continue }
            let y = plot.maxY - 1 - cellIndex(scale.fraction(v) * Double(plot.height - 1))
            c.put("*", x: x, y: y, style: line.style, clip: plot)
        }
    }
}

/// `-5m -4m … now` under a chart: round steps of the window, as many as
/// fit without touching.
struct TimeAxis: Widget, Styled {
    var windowMs: Int64
    /// Known and the window an hour or longer: clock times (`14:00`) at
    /// round times of day instead of `-45m`.
    var endMs: Int64? = nil
    var look: Look

    func render(in r: Rect, on c: inout Canvas) {
        guard windowMs > 0, r.width >= 4 else { return }
        c.put("now", x: r.maxX - 3, y: r.y, style: theme.dim, clip: r)
        let steps: [Int64] = [
            5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
            7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
        ]
        // About one label per 14 cells.
        let wanted = Swift.max(1, r.width / 14)
        let step = steps.first { windowMs / $0 <= Int64(wanted) } ?? steps.last!
        var lastEnd = r.maxX - 4
        // Clock labels sit at round times of day: the first is the newest
        // multiple of the step before the end.
        let clock = windowMs >= 3_600_000 ? endMs : nil
        var ago = clock.map { $0 % step == 0 ? step : $0 % step } ?? step
        while ago <= windowMs {
            let x = r.maxX - 1 - Int(Double(ago) / Double(windowMs) * Double(r.width - 1))
            let label =
                clock.map { String(TimeText.clock($0 - ago).prefix(5)) } ?? "-"
                + PromDuration(milliseconds: ago).description
            let start = x - DisplayWidth.of(label) / 2
            if start >= r.x, start + DisplayWidth.of(label) < lastEnd {
                c.put(label, x: start, y: r.y, style: theme.dim, clip: r)
                lastEnd = start - 1
            }
            ago += step
        }
    }
}
