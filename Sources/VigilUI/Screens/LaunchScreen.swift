import VigilCore

/// What the Launch and Checklist screens draw: the launch in words (the
/// same lines `vigil launch status` prints), the alerts of the phase, and
/// a decision waiting for the checklist.
public struct LaunchModel: Sendable {
    public var text: LaunchText
    public var alerts: [String] = []
    public var waiting: String?

    public init(plan: LaunchPlan, book: LaunchBook, now: Int64) {
        text = LaunchText(
            plan: plan, book: book, gate: nil, checklist: [], now: now, clock: { TimeText.clock($0) })
    }

    public var gate: GateStatus? {
        get { text.gate }
        set { text.gate = newValue }
    }
    public var checklist: [ChecklistStatus] {
        get { text.checklist }
        set { text.checklist = newValue }
    }
}

extension Styled {
    /// The screen's keys on its last line, whatever its height.
    func keyHint(_ text: String, in inner: Rect, on c: inout Canvas) {
        let last = inner.maxY - 1
        guard last > inner.y else { return }
        c.put(DisplayWidth.truncate(text, to: inner.width - 2), x: inner.x + 1, y: last, style: theme.dim, clip: inner)
    }

    func style(_ tone: LaunchText.Tone) -> Style {
        switch tone {
        case .ok: return theme.state(.ok)
        case .warning: return theme.state(.warning)
        case .critical: return theme.state(.critical)
        case .dim: return theme.dim
        case .title: return theme.title.with(.bold)
        case .plain: return theme.text
        }
    }
}

/// `L`: where the launch stands. The phases as a timeline, the current
/// phase's checks with their evidence, the decision (GO, HOLD with why, or
/// NO-GO), the alerts of the phase, and every decision taken.
public struct LaunchScreen: Widget, Styled {
    public var model: LaunchModel?
    public var look: Look

    public init(model: LaunchModel?, look: Look) {
        self.model = model
        self.look = look
    }

    public func render(in r: Rect, on c: inout Canvas) {
        guard let m = model, !m.text.plan.phases.isEmpty else {
            Notice(
                title: "Launch", text: "No launch: add launch: with phases (and a checklist) to the configuration.",
                look: look
            ).render(in: r, on: &c)
            return
        }
        let t = m.text
        let decision = t.decisionLine
        let state: PanelState =
            decision.tone == .critical
            ? .critical : decision.tone == .warning ? .warning : decision.tone == .ok ? .ok : .noData("")
        let inner = PanelFrame(
            title: "Launch: " + t.standing, state: state,
            selected: true, look: look
        ).draw(in: r, on: &c)
        var lines: [LaunchText.Line] = []
        if let note = t.plan.note { lines.append(LaunchText.Line(Sanitizer.clean(note, maxLength: 200), .dim)) }
        lines.append(decision)
        if let held = t.holdLine { lines.append(held) }
        if let w = m.waiting { lines.append(LaunchText.Line(w, .warning)) }
        lines.append(LaunchText.Line("", .plain))
        lines.append(LaunchText.Line("PHASES", .title))
        lines += t.phaseLines
        if !t.checkLines.isEmpty {
            lines.append(LaunchText.Line("", .plain))
            lines.append(LaunchText.Line("CHECKS of \(t.book.current ?? "")", .title))
            lines += t.checkLines
        }
        if !m.alerts.isEmpty {
            lines.append(LaunchText.Line("", .plain))
            lines.append(LaunchText.Line("ALERTS", .title))
            lines += m.alerts.map { LaunchText.Line($0, $0.hasPrefix("FIRING") ? .critical : .warning) }
        }
        let failed = t.checklist.filter { $0.state == .fail }
        if !failed.isEmpty {
            lines.append(
                LaunchText.Line(
                    "checklist: \(failed.map(\.item.id).joined(separator: ", ")) failed (C shows it)", .critical))
        }
        lines.append(LaunchText.Line("", .plain))
        lines.append(LaunchText.Line("DECISIONS", .title))
        lines += t.decisionLines.isEmpty ? [LaunchText.Line("none yet", .dim)] : t.decisionLines
        var y = inner.y
        // The keys stay on the last line whatever the height.
        let last = inner.maxY - 1
        for line in lines where y < last {
            c.put(
                DisplayWidth.truncate(line.text, to: inner.width - 2), x: inner.x + 1, y: y, style: style(line.tone),
                clip: inner)
            y += 1
        }
        keyHint(
            "P promote (starts, or next phase)  H hold  B roll back  o override with a reason  C checklist", in: inner,
            on: &c)
    }
}

/// `C`: the pre-launch checklist by category: ✓ pass, ✗ fail, – skipped,
/// ○ not checked, ◌ stale, with who ticked it and what changed.
public struct ChecklistScreen: Widget, Styled {
    public var model: LaunchModel?
    public var selected: Int
    public var look: Look

    public init(model: LaunchModel?, selected: Int, look: Look) {
        self.model = model
        self.selected = selected
        self.look = look
    }

    public func render(in r: Rect, on c: inout Canvas) {
        guard let m = model, !m.text.plan.checklist.isEmpty else {
            Notice(
                title: "Checklist", text: "No checklist: add launch.checklist: to the configuration.", look: look
            ).render(in: r, on: &c)
            return
        }
        let items = m.text.checklist
        let passed = items.filter { $0.state == .pass }.count
        let failed = items.filter { $0.state == .fail }.count
        let inner = PanelFrame(
            title: "Checklist: \(passed) of \(items.count) pass, \(failed) fail",
            state: failed > 0 ? .critical : passed == items.count ? .ok : .warning,
            selected: true, look: look
        ).draw(in: r, on: &c)
        var lines: [(LaunchText.Line, Bool)] = []
        var index = 0
        for category in m.text.plan.categories {
            let those = items.filter { $0.item.category == category }
            lines.append(
                (
                    LaunchText.Line(
                        "\(category) (\(those.filter { $0.state == .pass }.count) of \(those.count))", .title), false
                ))
            for s in those {
                lines.append((m.text.itemLine(s, ascii: glyphs.ascii), index == selected))
                index += 1
            }
        }
        let last = inner.maxY - 1
        let height = max(1, last - inner.y)
        // Scroll so the selected item stays in view.
        let selectedRow = lines.firstIndex { $0.1 } ?? 0
        let first = max(0, min(selectedRow - height / 2, lines.count - height))
        var y = inner.y
        for (line, isSelected) in lines.dropFirst(first) where y < last {
            let text = (isSelected ? ">" : " ") + line.text
            c.put(
                DisplayWidth.truncate(text, to: inner.width - 2), x: inner.x + 1, y: y,
                style: isSelected ? style(line.tone).with(.reverse) : style(line.tone), clip: inner)
            y += 1
        }
        keyHint(
            "up/down select  x passed  F failed  K skip (with a reason)  R run the automated items now  L launch",
            in: inner, on: &c)
    }
}

/// A framed one-line explanation for a screen with nothing to show.
struct Notice: Widget, Styled {
    var title: String
    var text: String
    var look: Look

    func render(in r: Rect, on c: inout Canvas) {
        let inner = PanelFrame(title: title, state: .noData(""), selected: true, look: look).draw(in: r, on: &c)
        c.put(
            DisplayWidth.truncate(text, to: inner.width - 2), x: inner.x + 1, y: inner.y, style: theme.text, clip: inner
        )
    }
}
