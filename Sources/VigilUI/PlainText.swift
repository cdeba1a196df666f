/// The plain-text renderer: what `--once` prints, and what tests read.
/// A canvas as text lines, with ANSI SGR colours when asked.
public enum PlainText {
    public static func render(_ c: Canvas, color: Bool) -> String {
        var out = ""
        for y in 0..<c.height {
            var current: Style?
            var line = ""
            for x in 0..<c.width {
                let cell = c[x, y]
                guard cell.width > 0 else { continue }
                if color && cell.style != current {
                    line += sgr(cell.style)
                    current = cell.style
                }
                line += cell.text
            }
            if color {
                line += "\u{1B}[0m"
            } else {
                while line.hasSuffix(" ") { line.removeLast() }
            }
            out += line + "\n"
        }
        return out
    }

    public static func sgr(_ s: Style) -> String {
        var codes = ["0"]
        if s.attributes.contains(.bold) { codes.append("1") }
        if s.attributes.contains(.dim) { codes.append("2") }
        if s.attributes.contains(.underline) { codes.append("4") }
        if s.attributes.contains(.reverse) { codes.append("7") }
        if s.fg.index >= 0 { codes.append("38;5;\(s.fg.index)") }
        if s.bg.index >= 0 { codes.append("48;5;\(s.bg.index)") }
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }
}
