import VigilCore

/// The variable picker (`v` on an imported Grafana dashboard): the
/// dashboard's variables with the values chosen, changed here and applied
/// together with Enter (Esc leaves them as they were).
public struct VariablePicker: Sendable, Equatable {
    /// Which imported dashboard (an index into the configuration's `grafana`).
    public var source: Int
    public var variables: [DashboardVariable]
    public var selected = 0
    /// Each variable's choice under the cursor (a multi-value variable's
    /// values are ticked with Space; the others take the choice at once).
    public var cursor: [Int]

    public init(source: Int, variables: [DashboardVariable]) {
        self.source = source
        self.variables = variables
        selected = variables.firstIndex(where: \.changeable) ?? 0
        cursor = variables.map { v in
            v.choices.firstIndex(of: v.current) ?? v.choices.firstIndex { v.current.contains($0.first ?? "") } ?? 0
        }
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

    /// The cursor to the next (or previous) choice: All, then each value.
    /// A single-value variable takes it at once.
    mutating func cycle(_ step: Int) {
        guard selected < variables.count, variables[selected].changeable else { return }
        let choices = variables[selected].choices
        guard !choices.isEmpty else { return }
        cursor[selected] = (cursor[selected] + step + choices.count) % choices.count
        if !variables[selected].multi { variables[selected].current = choices[cursor[selected]] }
    }

    /// Space on a multi-value variable: the value under the cursor in or
    /// out (All alone, or no value left: All).
    mutating func toggle() {
        guard selected < variables.count, variables[selected].multi else { return }
        let choices = variables[selected].choices
        guard cursor[selected] < choices.count else { return }
        let choice = choices[cursor[selected]]
        var now = variables[selected].current.filter { $0 != DashboardVariable.all }
        if choice == [DashboardVariable.all] {
            now = []
        } else if let i = now.firstIndex(of: choice[0]) {
            now.remove(at: i)
        } else {
            // In the order the dashboard offers them.
            now = variables[selected].options.filter { now.contains($0) || $0 == choice[0] }
        }
        variables[selected].current = now.isEmpty ? [DashboardVariable.all] : now
    }

    /// A textbox variable's text, typed in place (printable characters;
    /// Backspace takes the last back).
    mutating func type(_ key: Key) -> Bool {
        guard selected < variables.count, variables[selected].type == "textbox" else { return false }
        var text = variables[selected].current.first ?? ""
        switch key {
        case .backspace: if !text.isEmpty { text.removeLast() }
        case .char(let c) where c.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) && !c.isNewline:
            guard text.count < 200 else { return true }
            text.append(c)
        default: return false
        }
        variables[selected].current = [text]
        return true
    }

    /// A query variable's values as the store answered its `label_values`
    /// (the saved ones stay when it found none).
    public mutating func offer(_ name: String, _ options: [String]) {
        guard !options.isEmpty, let i = variables.firstIndex(where: { $0.name == name }) else { return }
        let under = variables[i].choices.indices.contains(cursor[i]) ? variables[i].choices[cursor[i]] : []
        variables[i].options = options
        let choices = variables[i].choices
        cursor[i] =
            choices.firstIndex(of: under) ?? choices.firstIndex(of: variables[i].current)
            ?? choices.firstIndex { variables[i].current.contains($0.first ?? "") } ?? 0
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
        // Ctrl-C quits from the picker as from anywhere.
        if key == .interrupt { return [.quit] }
        // A textbox takes the keys typed (h j k l included); arrows move.
        if p.type(key) {
            picker = p
            return []
        }
        switch key == .escape ? .back : key == .enter ? .zoom : keymap[key] {
        case .up: p.move(-1)
        case .down: p.move(1)
        case .left: p.cycle(-1)
        case .right: p.cycle(1)
        case _ where key == .char(" "): p.toggle()
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
        // A line a variable: its label, then a single value between
        // arrows, or a multi-value variable's choices ticked, the one
        // under the cursor in reverse.
        var rows: [[(String, Style)]] = picker.variables.enumerated().map { i, v in
            let label = (DisplayWidth.pad(v.label, to: names + 2), i == picker.selected ? theme.title : theme.text)
            guard v.changeable else { return [label, ("\(v.currentText) (constant)", theme.dim)] }
            let choices = v.choices
            if v.type == "textbox" {
                let field = (v.current.first ?? "") + (i == picker.selected ? "_" : "")
                return [
                    label, (field, i == picker.selected ? theme.title.with(.reverse) : theme.text),
                    ("  typed", theme.dim),
                ]
            }
            guard v.multi else {
                let count = "  \(choices.count) choice\(choices.count == 1 ? "" : "s")"
                return [
                    label, ("< \(v.currentText) >", i == picker.selected ? theme.title.with(.reverse) : theme.text),
                    (count, theme.dim),
                ]
            }
            return [label]
                + choices.enumerated().map { k, choice in
                    let all = choice == [DashboardVariable.all]
                    let on = all ? v.current == [DashboardVariable.all] : v.current.contains(choice[0])
                    let text = (on ? "[x] " : "[ ] ") + (all ? "All" : choice[0]) + "  "
                    let underCursor = i == picker.selected && k == picker.cursor[i]
                    return (text, underCursor ? theme.title.with(.reverse) : theme.text)
                }
        }
        rows.append([])
        let multi = picker.variables.contains { $0.multi && $0.changeable }
        rows.append([
            (
                "arrows choose" + (multi ? ", Space ticks" : "") + ", Enter applies, Esc cancels",
                theme.dim
            )
        ])
        let widest = rows.map { $0.map { DisplayWidth.of($0.0) }.reduce(0, +) }.max() ?? 0
        let w = min(r.width - 2, max(60, widest + 4))
        let h = min(r.height - 2, rows.count + 2)
        let box = Rect(x: r.x + (r.width - w) / 2, y: r.y + (r.height - h) / 2, width: w, height: h)
        c.fill(box, style: theme.text)
        let inner = PanelFrame(title: "Variables", state: .ok, selected: true, badge: false, look: look).draw(
            in: box, on: &c)
        let clip = Rect(x: inner.x + 1, y: inner.y, width: max(0, inner.width - 2), height: inner.height)
        for (i, row) in rows.prefix(inner.height).enumerated() {
            var x = clip.x
            for (text, style) in row {
                x += c.put(Sanitizer.clean(text, maxLength: 300), x: x, y: inner.y + i, style: style, clip: clip)
            }
        }
    }
}
