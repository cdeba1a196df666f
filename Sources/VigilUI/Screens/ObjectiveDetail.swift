import VigilCore

/// One objective opened (Enter on the Objectives screen): the budget's
/// burn-down over the window against the ideal (spent evenly to nothing at
/// the window's end), the burn rates beside the thresholds of the alerts
/// that watch them, and those alerts' states.
struct ObjectiveDetail: Widget, Styled {
    var f: SLOFigures
    var alerts: [AlertRow]
    var look: Look

    func render(in r: Rect, on c: inout Canvas) {
        let state = ObjectivesScreen.panelState(f.state)
        let inner = PanelFrame(
            title: "\(f.name): \(SLOText.percent(f.objective)) over \(f.window), \(f.budgeting)", state: state,
            selected: true, look: look
        ).draw(in: r, on: &c)
        guard inner.width > 20, inner.height > 6 else { return }
        var y = inner.y
        func line(_ text: String, _ style: Style) {
            guard y < inner.maxY else { return }
            c.put(DisplayWidth.truncate(text, to: inner.width - 2), x: inner.x + 1, y: y, style: style, clip: inner)
            y += 1
        }
        line(SLOText.line(f), theme.state(state))
        if let p = f.problem { line(Sanitizer.clean(p, maxLength: 300), theme.dim) }
        // The burn-down chart: half the height at most.
        let chartHeight = max(4, (inner.maxY - y) / 2)
        if !f.burnDown.isEmpty {
            let slots = f.burnDown.count
            // The ideal spends the budget evenly to nothing at the window's
            // end: a line for time slices; for events, where the budget
            // grows with the traffic, spending at the sustainable rate
            // keeps it at 0%, the "budget spent" line.
            let ideal: [Double?] = (0..<slots).map { 100 * (1 - Double($0 + 1) / Double(slots)) }
            var lines = [LineChart.Line(values: f.burnDown.map { $0.map { $0 * 100 } }, style: theme.state(state))]
            if f.budgeting == "timeslices" { lines.append(LineChart.Line(values: ideal, style: theme.dim)) }
            let chart = LineChart(
                lines: lines,
                marks: [LineChart.Mark(value: 0, label: "budget spent", style: theme.state(.critical))],
                // The time axis ends now only for a rolling window.
                unit: "%", windowMs: f.window.hasPrefix("rolling") ? f.burnDownFullMs : 0, look: look)
            chart.render(in: Rect(x: inner.x, y: y, width: inner.width, height: chartHeight), on: &c)
            y += chartHeight
            let span =
                "\(String(IncidentHistory.time(f.windowStartMs).prefix(16))) to "
                + "\(String(IncidentHistory.time(f.windowStartMs + f.burnDownFullMs).prefix(16))) UTC"
            line(
                f.budgeting == "timeslices"
                    ? "budget left (bright) against spending it evenly (dim), \(span)"
                    : "budget left of the errors the traffic so far allowed (0%: spent at the sustainable rate), \(span)",
                theme.dim)
        } else {
            line("no burn-down yet: no data in the window", theme.dim)
        }
        y += 1
        line(
            DisplayWidth.pad("WINDOW", to: 10) + DisplayWidth.pad("BURN", to: 10) + "ALERTS AT",
            theme.title.with(.underline))
        let windowMs = f.burnDownFullMs > 0 ? f.burnDownFullMs : 30 * 86_400_000
        let p = BurnRateAlerts.pairs.map { SLOText.factor($0.factor(windowMs: windowMs)) }
        for (label, value, at) in [
            ("5m", f.burn5m, "page at \(p[0]) (with 1h)"), ("1h", f.burn1h, "page at \(p[0]) (with 5m)"),
            ("6h", f.burn6h, "page at \(p[1]) (with 30m); ticket at \(p[2]) (with 3d)"),
            ("window", f.burnWindow, "1 spends the budget exactly over the window"),
        ] {
            line(DisplayWidth.pad(label, to: 10) + DisplayWidth.pad(SLOText.burn(value), to: 10) + at, theme.text)
        }
        y += 1
        let own = alerts.filter { $0.key.rule.hasPrefix("\(f.name) budget burn") }
        line("ALERTS OF THIS OBJECTIVE", theme.title.with(.underline))
        if own.isEmpty { line("none pending or firing", theme.dim) }
        for a in own {
            line(
                DisplayWidth.pad(a.state == .firing ? "FIRING" : "pending", to: 9)
                    + DisplayWidth.pad(a.severity, to: 10)
                    + a.key.rule + "  burn \(SLOText.burn(a.value))",
                a.state == .firing ? theme.state(.critical) : theme.state(.warning))
        }
    }
}
