import VigilCore

/// The variable picker (`v` on an imported Grafana dashboard): the
/// dashboard's variables with the values chosen, changed here and applied
/// together with Enter (Esc leaves them as they were).
public struct VariablePicker: Sendable, Equatable {
    /// Which imported dashboard (an index into the configuration's `grafana`).
    public var source: Int
    public var variables: [DashboardVariable]
    public var selected = 0

    public init(source: Int, variables: [DashboardVariable]) {
        self.source = source
        self.variables = variables
        selected = variables.firstIndex(where: \.changeable) ?? 0
    }

    /// The chosen values by name, as the import takes them.
    public var values: [String: [String]] {
        Dictionary(variables.filter(\.changeable).map { ($0.name, $0.current) }) { a, _ in a }
    }

    mutating func move(_ step: Int) {
        guard !variables.isEmpty else { return }
        var i = selected
        for _ in variables.indices {
            i = (i + step + variables.count) % variables.count
            if variables[i].changeable { break }
        }
        selected = i
    }

    /// The selected variable's next (or previous) choice: All, then each
    /// value alone.
    mutating func cycle(_ step: Int) {
        guard selected < variables.count, variables[selected].changeable else { return }
        let choices = variables[selected].choices
        guard !choices.isEmpty else { return }
        let now = choices.firstIndex(of: variables[selected].current) ?? (step > 0 ? -1 : 0)
        variables[selected].current = choices[(now + step + choices.count) % choices.count]
    }

    /// A query variable's values as the store answered its `label_values`
    /// (the saved ones stay when it found none).
    public mutating func offer(_ name: String, _ options: [String]) {
        guard !options.isEmpty, let i = variables.firstIndex(where: { $0.name == name }) else { return }
        variables[i].options = options
    }
}

extension AppState {
    /// Opens the picker for the dashboard shown, when it has variables.
    mutating func openVariables() -> [Effect] {
        guard screen == .dashboards, dashboard < dashboardSources.count, let source = dashboardSources[dashboard],
            source < variables.count
        else {
            message = "this dashboard has no variables to choose (an imported Grafana dashboard's)"
            return []
        }
        picker = VariablePicker(source: source, variables: variables[source])
        return [.askVariableValues(source)]
    }

    /// A key while the picker is open.
    mutating func handlePicker(_ key: Key) -> [Effect] {
        guard var p = picker else { return [] }
        switch key == .escape ? .back : key == .enter ? .zoom : keymap[key] {
        case .up: p.move(-1)
        case .down: p.move(1)
        case .left: p.cycle(-1)
        case .right: p.cycle(1)
        case .back:
            picker = nil
            return []
        case .zoom:
            picker = nil
            guard p.variables != variables[p.source] else { return [] }
            variables[p.source] = p.variables
            message =
                "variables: "
                + p.variables.filter(\.changeable).map { "\($0.name)=\($0.currentText)" }.joined(
                    separator: ", ")
            return [.setVariables(p.source, p.values)]
        default: break
        }
        picker = p
        return []
    }
}

/// The picker drawn over the dashboard.
public struct VariablePickerBox: Widget, Styled {
    public var picker: VariablePicker
    public var look: Look

    public init(picker: VariablePicker, look: Look) {
        self.picker = picker
        self.look = look
    }

    public func render(in r: Rect, on c: inout Canvas) {
        let names = picker.variables.map { DisplayWidth.of($0.label) }.max() ?? 0
        var lines: [(String, Style)] = picker.variables.enumerated().map { i, v in
            let choices = v.choices.count
            let value = v.changeable ? "< \(v.currentText) >" : "\(v.currentText) (constant)"
            let count = v.changeable ? "  \(choices) choice\(choices == 1 ? "" : "s")" : ""
            let text = DisplayWidth.pad(v.label, to: names + 2) + value + count
            return (text, i == picker.selected ? theme.title.with(.reverse) : theme.text)
        }
        lines.append(("", theme.text))
        lines.append(("up/down, left/right to choose, Enter apply, Esc cancel", theme.dim))
        let w = min(r.width - 2, max(60, (lines.map { DisplayWidth.of($0.0) }.max() ?? 0) + 4))
        let h = min(r.height - 2, lines.count + 2)
        let box = Rect(x: r.x + (r.width - w) / 2, y: r.y + (r.height - h) / 2, width: w, height: h)
        c.fill(box, style: theme.text)
        let inner = PanelFrame(title: "Variables", state: .ok, selected: true, badge: false, look: look).draw(
            in: box, on: &c)
        for (i, (text, style)) in lines.prefix(inner.height).enumerated() {
            c.put(
                DisplayWidth.truncate(Sanitizer.clean(text, maxLength: 300), to: inner.width - 2), x: inner.x + 1,
                y: inner.y + i, style: style, clip: inner)
        }
    }
}
