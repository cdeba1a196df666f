/// System Status, the launch's traffic light: the state word and the
/// value in large glyphs, centred, and beneath them what makes it yellow
/// or red, one cause a line. Where the panel is too small for large
/// glyphs it falls back to one line, and the causes still follow.
struct StatusWidget: Widget, Styled {
    var model: PanelModel
    var look: Look

    func render(in r: Rect, on c: inout Canvas) {
        guard !r.isEmpty else { return }
        let state = model.state
        var wordStyle = theme.state(state)
        wordStyle.attributes.insert(.bold)
        let fill = g.ascii ? "#" : "█"
        let current = model.series.first { $0.current != nil }
        let value = current.map { ValueFormat.format($0.current, unit: model.unit) }
        let small = "\(state.glyph(ascii: g.ascii)) \(state.word)" + (value.map { "  \($0)" } ?? "")
        let parts = value.map(BigText.split)
        let wordScale = BigText.scale(state.word, room: r.width)
        let bigWord = BigText.width(state.word) <= r.width && r.height >= BigText.height + 2
        let valueScale = parts.map { BigBlock.width($0, scale: 2) <= r.width ? 2 : 1 } ?? 1
        let bigValue =
            bigWord && parts.map { !$0.big.isEmpty && BigBlock.width($0, scale: 1) <= r.width } == true
            && r.height >= 2 * BigText.height + 3
        var lines: [(String, Style)] = []
        var y = r.y
        if bigWord {
            let used = BigText.height + 1 + (bigValue ? BigText.height + 1 : 1) + min(model.reasons.count, 3)
            y += max(0, (r.height - used) / 2)
            for row in BigText.rows(state.word, fill: fill, scale: wordScale) {
                c.put(row, x: r.x + max(0, (r.width - DisplayWidth.of(row)) / 2), y: y, style: wordStyle, clip: r)
                y += 1
            }
            y += 1
            if bigValue, let parts {
                BigBlock(parts: parts, fill: fill, style: wordStyle, small: theme.text, scale: valueScale)
                    .draw(center: r, y: y, on: &c)
                y += BigText.height + 1
            } else if let value {
                lines.append((value, wordStyle))
            }
        } else {
            lines.append((small, wordStyle))
        }
        lines += model.reasons.map { ("\($0.state.glyph(ascii: g.ascii)) \($0.text)", theme.state($0.state)) }
        let room = r.maxY - y
        for (i, line) in lines.enumerated() where i < room {
            var text = line.0
            if i == room - 1, lines.count > room { text = "+\(lines.count - i) more (A lists the alerts)" }
            let shown = DisplayWidth.truncate(text, to: r.width)
            c.put(shown, x: r.x + max(0, (r.width - DisplayWidth.of(shown)) / 2), y: y + i, style: line.1, clip: r)
        }
    }
}

/// A value in large glyphs with its unit small on the baseline:
/// `$` before, ` ms` or ` req/s` after.
struct BigBlock {
    var parts: (prefix: String, big: String, suffix: String)
    var fill: String
    var style: Style
    var small: Style
    var scale = 1

    static func width(_ parts: (prefix: String, big: String, suffix: String), scale: Int) -> Int {
        let prefix = DisplayWidth.of(parts.prefix)
        let suffix = DisplayWidth.of(parts.suffix.trimmingPrefixSpaces)
        return (prefix > 0 ? prefix + 1 : 0) + BigText.width(parts.big, scale: scale) + (suffix > 0 ? suffix + 1 : 0)
    }

    func draw(center r: Rect, y: Int, on c: inout Canvas) {
        let suffix = parts.suffix.trimmingPrefixSpaces
        var x = r.x + max(0, (r.width - Self.width(parts, scale: scale)) / 2)
        let baseline = y + BigText.height - 1
        if !parts.prefix.isEmpty {
            x += c.put(parts.prefix, x: x, y: baseline, style: small, clip: r) + 1
        }
        for (i, row) in BigText.rows(parts.big, fill: fill, scale: scale).enumerated() {
            c.put(row, x: x, y: y + i, style: style, clip: r)
        }
        x += BigText.width(parts.big, scale: scale) + 1
        if !suffix.isEmpty { c.put(suffix, x: x, y: baseline, style: small, clip: r) }
    }
}

extension String {
    var trimmingPrefixSpaces: String { String(drop { $0 == " " }) }
}
