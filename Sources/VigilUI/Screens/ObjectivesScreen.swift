import VigilCore

/// The success criteria (`O`): one row an objective with its state, SLI
/// against the objective, what is left of the error budget (a bar, and
/// as errors or time), the burn rates over 5m, 1h, 6h and the window, and
/// how much of the window has data; beneath, the threshold criteria with
/// pass, fail or not measured. Never OK without data.
public struct ObjectivesScreen: Widget, Styled {
    public var objectives: [SLOFigures]
    public var criteria: [CriterionStatus]
    public var selected = 0
    public var open = false
    /// The alerts, for the open objective's own.
    public var alerts: [AlertRow] = []
    public var look: Look

    public init(
        objectives: [SLOFigures], criteria: [CriterionStatus], selected: Int = 0, open: Bool = false,
        alerts: [AlertRow] = [], look: Look
    ) {
        self.objectives = objectives
        self.criteria = criteria
        self.selected = min(selected, max(0, objectives.count - 1))
        self.open = open
        self.alerts = alerts
        self.look = look
    }

    static func panelState(_ s: SLOFigures.State) -> PanelState {
        switch s {
        case .ok: return .ok
        case .warning: return .warning
        case .critical: return .critical
        case .noData: return .noData("no data")
        }
    }

    public func render(in r: Rect, on c: inout Canvas) {
        if open, selected < objectives.count {
            ObjectiveDetail(f: objectives[selected], alerts: alerts, look: look).render(in: r, on: &c)
            return
        }
        let states = objectives.map { Self.panelState($0.state) }
        let worst = states.max { $0.rank < $1.rank } ?? .noData("none")
        let failed = criteria.filter { $0.state == .fail }.count
        let passed = criteria.filter { $0.state == .pass }.count
        let title =
            "Objectives: \(states.filter { $0 == .critical }.count) critical, \(states.filter { $0 == .warning }.count) warning, "
            + "\(states.filter { $0 == .ok }.count) ok; criteria: \(passed) pass, \(failed) fail, "
            + "\(criteria.count - passed - failed) not measured"
        let inner = PanelFrame(
            title: title, state: failed > 0 && worst.rank < PanelState.critical.rank ? .warning : worst,
            selected: true, look: look
        ).draw(in: r, on: &c)
        guard inner.width > 10, inner.height > 2 else { return }
        guard !objectives.isEmpty || !criteria.isEmpty else {
            c.put(
                "No objectives: add objectives: and criteria: to the configuration (see docs/guide.md).",
                x: inner.x + 1,
                y: inner.y, style: theme.text, clip: inner)
            return
        }
        var y = inner.y
        func line(_ text: String, _ style: Style) {
            guard y < inner.maxY else { return }
            c.put(DisplayWidth.truncate(text, to: inner.width - 2), x: inner.x + 1, y: y, style: style, clip: inner)
            y += 1
        }
        line(
            DisplayWidth.pad("  STATE", to: 10) + DisplayWidth.pad("OBJECTIVE", to: 18)
                + DisplayWidth.pad("SLI", to: 10)
                + DisplayWidth.pad("TARGET", to: 8) + DisplayWidth.pad("BUDGET", to: 18)
                + DisplayWidth.pad("OVER WINDOW", to: 13) + DisplayWidth.pad("LEFT", to: 30)
                + DisplayWidth.pad("BURN 5m", to: 9) + DisplayWidth.pad("1h", to: 7)
                + DisplayWidth.pad("6h", to: 7) + DisplayWidth.pad("WINDOW", to: 8) + "COVERAGE",
            theme.title.with(.underline))
        for (i, (f, state)) in zip(objectives, states).enumerated() {
            let word =
                (i == selected ? "> " : "  ")
                + DisplayWidth.pad("\(state.glyph(ascii: glyphs.ascii)) \(state.word)", to: 8)
            let burns = zip([f.burn5m, f.burn1h, f.burn6h], [9, 7, 7]).map { DisplayWidth.pad(Self.burn($0), to: $1) }
            var text = word + DisplayWidth.pad(DisplayWidth.truncate(f.name, to: 17), to: 18)
            text += DisplayWidth.pad(f.sli.map { Self.percent($0) } ?? "–", to: 10)
            text += DisplayWidth.pad(Self.percent(f.objective), to: 8)
            text += DisplayWidth.pad(bar(f.budgetRemaining), to: 18)
            text += DisplayWidth.pad(trend(f.burnDown), to: 13)
            text += DisplayWidth.pad(DisplayWidth.truncate(f.budgetText, to: 29), to: 30)
            text += burns.joined() + DisplayWidth.pad(Self.burn(f.burnWindow), to: 8)
            text += "\(Self.span(f.coveredMinutes)) of \(Self.span(f.windowMinutes))"
            line(text, theme.state(state))
            if let p = f.problem { line("  " + Sanitizer.clean(p, maxLength: 300), theme.dim) }
        }
        guard !criteria.isEmpty else { return }
        y += 1
        line(
            DisplayWidth.pad("CRITERION", to: 36) + DisplayWidth.pad("VALUE", to: 14)
                + DisplayWidth.pad("TARGET", to: 14)
                + "STATE", theme.title.with(.underline))
        for s in criteria {
            let state: PanelState =
                s.state == .pass ? .ok : s.state == .fail ? .critical : .noData("not measured")
            let mark = s.state == .pass ? "PASS" : s.state == .fail ? "FAIL" : "not measured"
            var text = DisplayWidth.pad(DisplayWidth.truncate(s.name, to: 35), to: 36)
            text += DisplayWidth.pad(s.value.map { SLOText.value($0) } ?? "–", to: 14)
            text += DisplayWidth.pad(s.target, to: 14) + "\(state.glyph(ascii: glyphs.ascii)) \(mark)"
            if s.state == .notMeasured, !s.detail.isEmpty { text += " (\(s.detail))" }
            line(text, s.state == .notMeasured ? theme.dim : theme.state(state))
        }
    }

    /// The budget left over the window, twelve cells from its start to its
    /// end (blank where there was no data yet or the window is still to
    /// come), each the lowest it was in its part of the window.
    func trend(_ burnDown: [Double?]) -> String {
        guard !burnDown.isEmpty, burnDown.contains(where: { $0 != nil }) else { return "–" }
        let ramp: [Character] = glyphs.ascii ? Array("_.-~=+*#") : Array("▁▂▃▄▅▆▇█")
        let cells = 12
        return String(
            (0..<cells).map { i -> Character in
                let part = burnDown[(i * burnDown.count / cells)..<((i + 1) * burnDown.count / cells)].compactMap { $0 }
                guard let low = part.min() else { return " " }
                return ramp[Int((max(0, min(1, low)) * Double(ramp.count - 1)).rounded())]
            })
    }

    /// What is left of the budget as ten cells and a percentage.
    func bar(_ remaining: Double?) -> String {
        guard let remaining else { return "–" }
        let filled = Int((max(0, min(1, remaining)) * 10).rounded())
        let (full, empty) = glyphs.ascii ? ("#", ".") : ("█", "░")
        return String(repeating: full, count: filled) + String(repeating: empty, count: 10 - filled) + " "
            + "\(Int((remaining * 100).rounded()))%"
    }

    static func percent(_ fraction: Double) -> String { SLOText.percent(fraction) }
    static func span(_ minutes: Int) -> String { SLOText.span(minutes) }
    static func burn(_ b: Double?) -> String { SLOText.burn(b) }
}
