import Testing
import VigilCore

@testable import VigilUI

/// The zoomed chart: braille lines, round y ticks, a time axis and
/// labelled thresholds (issue 20, charts a person reads).
@Suite struct ChartTests {
    static let look = Look(theme: .fallback, glyphs: Glyphs(ascii: false))

    @Test func anAxisStartsAtASensibleFloorAndTicksAtRoundValues() {
        // Data near zero: from zero.
        let small = AxisScale(lo: 0.3, hi: 8.4, marks: [], rows: 15)
        #expect((small.lo, small.hi, small.ticks) == (0, 10, [0, 2, 4, 6, 8, 10]))
        // A latency of 685-688 ms is not a cliff, nor a flat line at 0.
        let latency = AxisScale(lo: 685, hi: 688, marks: [], rows: 15)
        #expect((latency.lo, latency.hi, latency.ticks) == (550, 700, [550, 600, 650, 700]))
        // A threshold near the data is included; one far away is not.
        #expect(AxisScale(lo: 600, hi: 1500, marks: [2000, 50_000], rows: 15).hi == 2000)
        #expect(AxisScale(lo: 0.24, hi: 0.32, marks: [1, 5], rows: 15).ticks == [0, 0.2, 0.4, 0.6, 0.8, 1])
        // Lower is worse: a cache hit rate of 84-93% against 80 and 50.
        #expect(AxisScale(lo: 84, hi: 93, marks: [80, 50], rows: 15).lo == 50)
        // Negative data keeps its sign.
        let signed = AxisScale(lo: -3, hi: 7, marks: [], rows: 15)
        #expect((signed.lo, signed.hi) == (-4, 8))
    }

    @Test func linesAreBrailleWithTicksTimeAndLabelledThresholds() {
        var c = Canvas(width: 40, height: 9)
        LineChart(
            lines: [
                LineChart.Line(values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], style: Theme.fallback.series(0)),
                LineChart.Line(values: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], style: Theme.fallback.series(1)),
            ],
            marks: [LineChart.Mark(value: 8, label: "warn 8", style: Theme.fallback.state(.warning))], unit: "",
            windowMs: 300_000, look: Self.look
        ).render(in: Rect(x: 0, y: 0, width: 40, height: 9), on: &c)
        // Each series in its own colour, never recoloured by the threshold;
        // the label sits at the left, over the oldest points.
        #expect(
            c.lines == [
                "10                                 ⢀⣀⡤⠖⠋",
                "   ┄ warn 8 ┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄⣀⡤⠴⠚⠉┄┄┄┄",
                "                          ⣀⣠⠴⠚⠉⠁        ",
                " 5                   ⢀⣠⠤⠖⠋⠁             ",
                "                 ⣀⡤⠖⠚⠉                  ",
                "            ⣀⣠⠴⠚⠉⠁                      ",
                "   ⠒⠒⠒⠒⢒⣲⠶⠒⠛⠓⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒",
                " 0 ⣀⡤⠖⠋⠉                                ",
                "          -4m           -2m          now",
            ])
        #expect(c[39, 0].style == Theme.fallback.series(0))
        #expect(c[30, 6].style == Theme.fallback.series(1))
    }

    /// A window of an hour or more is labelled with times of day at round
    /// hours; shorter ones count back from now.
    @Test func longWindowsHaveClockTimes() {
        let end: Int64 = 1_764_000_000_000 + 37 * 60_000  // a round hour plus 37 minutes
        var c = Canvas(width: 60, height: 1)
        TimeAxis(windowMs: 21_600_000, endMs: end, look: Self.look).render(
            in: Rect(x: 0, y: 0, width: 60, height: 1), on: &c)
        // 16:00 would touch "now": left out. Times are local, as on the status bar.
        let agos: [Int64] = [157 * 60_000, 277 * 60_000]
        let hours = agos.map { String(TimeText.clock(end - $0).prefix(5)) }
        #expect(hours.allSatisfy { $0.hasSuffix(":00") })
        #expect(c.lines[0] == "            \(hours[1])               \(hours[0])                    now")
        var short = Canvas(width: 60, height: 1)
        TimeAxis(windowMs: 300_000, endMs: end, look: Self.look).render(
            in: Rect(x: 0, y: 0, width: 60, height: 1), on: &short)
        #expect(short.lines[0] == "           -4m                     -2m                   now")
    }
}

@Suite struct ChartErrorTests {
    /// A server that answered the range and refused the instant query: the
    /// chart keeps its points and its footer says why, in the error's
    /// colour, where the scale and thresholds were.
    @Test func aFailedQueryOverKeptPointsSaysWhyInTheFooter() {
        var m = PanelModel(
            panel: ViewTests.config.dashboards[0].panels[2], config: ViewTests.config, snapshot: ViewTests.snapshot())
        m.type = .graph
        m.series = [m.series[0]]
        m.state = .error("HTTP 422: duplicate time series on the left side of / on ()")
        var c = Canvas(width: 70, height: 6)
        GraphWidget(model: m, look: ChartTests.look).render(in: Rect(x: 0, y: 0, width: 70, height: 6), on: &c)
        #expect(
            c.lines[5] == "HTTP 422: duplicate time series on the left side of / on ()"
                + String(repeating: " ", count: 11))
        #expect(c[0, 5].style == Theme.fallback.state(m.state))
        #expect(c.lines[0].hasPrefix("now "))
    }
}
