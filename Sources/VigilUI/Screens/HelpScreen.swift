import VigilCore

/// The help overlay: every action with its keys (as remapped), and the
/// files this Vigil is about.
public struct HelpScreen: Widget, Styled {
    public var state: AppState
    public var about: [String]
    public var look: Look

    public init(state: AppState, about: [String], look: Look) {
        self.state = state
        self.about = about
        self.look = look
    }

    public func render(in r: Rect, on c: inout Canvas) {
        var lines: [String] = []
        for action in Action.allCases where action != .down && action != .right && action != .up {
            let map = action.onListScreens ? state.listKeymap : state.keymap
            let keys = map.filter { $0.value == action }.map { Self.keyName($0.key) }.sorted()
            let name = action == .left ? "arrows h j k l" : keys.joined(separator: " ")
            lines.append(DisplayWidth.pad(name, to: 16) + action.summary)
        }
        lines.insert("1-9             show that dashboard", at: 2)
        if !about.isEmpty { lines.insert(contentsOf: about + [""], at: 0) }
        lines.append("zoomed log      / search (re: regex) n N matches, G end, F follow, w wrap")
        lines.append("")
        lines.append("Up and down scroll; any other key closes this help.")
        // Wide enough for the files this is about (a long state directory
        // and whom it is shared with), where the terminal allows.
        let widest = about.map { DisplayWidth.of($0) + 4 }.max() ?? 0
        let w = min(r.width - 2, max(76, widest))
        let h = min(r.height - 2, lines.count + 2)
        let box = Rect(x: r.x + (r.width - w) / 2, y: r.y + (r.height - h) / 2, width: w, height: h)
        c.fill(box, style: theme.text)
        let inner = PanelFrame(title: "Keys", state: .ok, selected: true, badge: false, look: look).draw(
            in: box, on: &c)
        // Taller than the screen: it scrolls, and says there is more.
        let first = max(0, min(state.helpScroll, lines.count - inner.height))
        var shown = Array(lines.dropFirst(first).prefix(inner.height))
        let below = lines.count - first - shown.count
        if below > 0, !shown.isEmpty { shown[shown.count - 1] = "↓ \(below + 1) more lines (down scrolls)" }
        if first > 0, !shown.isEmpty { shown[0] = "↑ \(first + 1) lines above (up scrolls)" }
        for (i, l) in shown.enumerated() {
            let style = (i == shown.count - 1 && below > 0) || (i == 0 && first > 0) ? theme.dim : theme.text
            c.put(l, x: inner.x + 1, y: inner.y + i, style: style, clip: inner)
        }
    }

    static func keyName(_ k: Key) -> String {
        switch k {
        case .char(let c): return String(c)
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .backspace: return "Backspace"
        case .interrupt: return "Ctrl-C"
        case .resize, .other: return ""
        }
    }
}
