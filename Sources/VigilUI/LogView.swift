import Foundation
import VigilCore

extension Sanitizer {
    /// A line with SGR colour codes (`ESC [ … m`) kept as styles, for a
    /// source with `ansi: colors`. Only SGR survives: every other escape
    /// sequence (cursor moves, OSC titles and clipboard writes, DCS …)
    /// goes through `clean` and shows as visible text.
    public static func sgrRuns(_ s: String, base: Style) -> [(String, Style)] {
        var runs: [(String, Style)] = []
        var style = base
        var text = String.UnicodeScalarView()
        let scalars = Array(s.unicodeScalars)
        var i = 0
        func flush() {
            if !text.isEmpty { runs.append((clean(String(text)), style)) }
            text = String.UnicodeScalarView()
        }
        while i < scalars.count {
            if scalars[i] == "\u{1B}", i + 1 < scalars.count, scalars[i + 1] == "[" {
                var j = i + 2
                while j < scalars.count, ("0"..."9").contains(scalars[j]) || scalars[j] == ";" { j += 1 }
                if j < scalars.count, scalars[j] == "m", j - i <= 40 {
                    flush()
                    let params = String(String.UnicodeScalarView(scalars[(i + 2)..<j])).split(
                        separator: ";", omittingEmptySubsequences: false
                    ).map { Int($0) ?? 0 }
                    style = apply(params.isEmpty ? [0] : params, to: style, base: base)
                    i = j + 1
                    continue
                }
            }
            text.append(scalars[i])
            i += 1
        }
        flush()
        return runs
    }

    static func apply(_ params: [Int], to s: Style, base: Style) -> Style {
        var s = s
        var k = 0
        while k < params.count {
            let p = params[k]
            switch p {
            case 0: s = base
            case 1: s.attributes.insert(.bold)
            case 2: s.attributes.insert(.dim)
            case 4: s.attributes.insert(.underline)
            case 7: s.attributes.insert(.reverse)
            case 22: s.attributes.remove([.bold, .dim])
            case 24: s.attributes.remove(.underline)
            case 27: s.attributes.remove(.reverse)
            case 30...37: s.fg = TermColor(Int16(p - 30))
            case 39: s.fg = base.fg
            case 40...47: s.bg = TermColor(Int16(p - 40))
            case 49: s.bg = base.bg
            case 90...97: s.fg = TermColor(Int16(p - 90 + 8))
            case 100...107: s.bg = TermColor(Int16(p - 100 + 8))
            case 38, 48:
                // 38;5;N (256 colours); 38;2;R;G;B is taken as the nearest grey-free cube colour.
                if k + 2 < params.count, params[k + 1] == 5 {
                    let c = TermColor(Int16(max(0, min(255, params[k + 2]))))
                    if p == 38 { s.fg = c } else { s.bg = c }
                    k += 2
                } else if k + 4 < params.count, params[k + 1] == 2 {
                    let cube = { (v: Int) in Int16(max(0, min(5, (v * 6) / 256))) }
                    let c = TermColor(16 + 36 * cube(params[k + 2]) + 6 * cube(params[k + 3]) + cube(params[k + 4]))
                    if p == 38 { s.fg = c } else { s.bg = c }
                    k += 4
                }
            default: break
            }
            k += 1
        }
        return s
    }
}

/// How the zoomed log view is set: scroll, follow, wrap, search.
public struct LogViewState: Sendable, Equatable {
    /// Lines up from the newest (0: the newest line at the bottom).
    public var scroll = 0
    public var follow = true
    public var wrap = false
    /// Which match `n`/`N` moved to: 0 the newest, 1 the one before …
    public var match: Int?
}

/// A log panel: newest lines at the bottom, coloured by level.
struct LogWidget: Widget, Styled {
    var model: PanelModel
    var look: Look
    var view = LogViewState()
    var search = ""
    var zoomed = false

    static func levelStyle(_ l: LogLevel?, theme: Theme) -> Style {
        switch l {
        case .error?: return theme.state(.critical)
        case .warn?: return theme.state(.warning)
        case .debug?: return theme.dim
        default: return theme.text
        }
    }

    static func clock(_ ms: Int64?) -> String {
        guard let ms else { return "" }
        return TimeText.clock(ms) + " "
    }

    /// A search: `re:` then a regular expression, else a substring; both
    /// ignore case.
    static func matcher(_ search: String) -> ((String) -> Bool)? {
        guard !search.isEmpty else { return nil }
        if search.hasPrefix("re:") {
            guard let re = try? NSRegularExpression(pattern: String(search.dropFirst(3)), options: [.caseInsensitive])
            else { return { _ in false } }
            return { s in re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil }
        }
        return { $0.localizedCaseInsensitiveContains(search) }
    }

    /// The text of a line as shown (before colours): time, level, message.
    /// Plain lines (text sources) are shown as they are: they carry their
    /// own time and level. JSON rows get the time and the level field's
    /// own word (`HIGH`, not a translation).
    static func text(_ r: LogRecord) -> String {
        guard !r.fields.isEmpty else { return r.message }
        let tag = (r.fields["level"] ?? r.fields["severity"] ?? r.level?.rawValue).map {
            $0.uppercased().padding(toLength: 6, withPad: " ", startingAt: 0) + " "
        }
        return clock(r.timeMs) + (tag ?? "") + r.message
    }

    func render(in r: Rect, on c: inout Canvas) {
        guard !r.isEmpty else { return }
        guard let ring = model.log, ring.count > 0 else {
            PanelMessage(state: model.state, look: look).render(in: r, on: &c)
            return
        }
        let matches = Self.matcher(search)
        var body = r
        var footer: Rect?
        if zoomed && r.height > 2 {
            let (a, b) = r.splitBottom(1)
            body = a
            footer = b
        }
        // While searching, a gutter marks the matching lines.
        let gutter = zoomed && matches != nil && body.width > 4
        let text = gutter ? Rect(x: body.x + 2, y: body.y, width: body.width - 2, height: body.height) : body
        // The lines that end at the bottom row: the newest, or `scroll` up.
        var matchIndices: [Int] = []
        if let matches, zoomed {
            for i in 0..<ring.count where matches(Self.text(ring[i])) { matchIndices.append(i) }
        }
        var bottom = ring.count - 1 - (view.follow ? 0 : min(view.scroll, ring.count - 1))
        var current: Int?
        if let m = view.match, !matchIndices.isEmpty {
            current = matchIndices[max(0, matchIndices.count - 1 - min(m, matchIndices.count - 1))]
            // Keep the current match in view, a third from the bottom.
            bottom = min(ring.count - 1, current! + body.height / 3)
        }
        // Rows from the bottom up: a wrapped line takes several.
        var rows: [(record: Int, text: String, first: Bool)] = []
        var i = bottom
        while i >= 0 && rows.count < body.height {
            let full = Self.text(ring[i])
            var pieces = [full]
            if zoomed && view.wrap && DisplayWidth.of(full) > text.width {
                pieces = Self.wrap(full, width: text.width)
            }
            for (k, p) in pieces.enumerated().reversed() { rows.append((i, p, k == 0)) }
            i -= 1
        }
        rows = Array(rows.prefix(body.height).reversed())
        let top = body.maxY - rows.count
        for (k, row) in rows.enumerated() {
            let record = ring[row.record]
            var style = Self.levelStyle(record.level, theme: theme)
            let isMatch = matches.map { _ in matchIndices.contains(row.record) } ?? false
            if isMatch { style.attributes.insert(.bold) }
            if row.record == current { style.attributes.insert(.reverse) }
            let y = top + k
            if model.ansiColors {
                var x = text.x
                for (piece, st) in Sanitizer.sgrRuns(row.text, base: style) {
                    x += c.put(piece, x: x, y: y, style: st, clip: text)
                }
            } else {
                let shown = zoomed && view.wrap ? row.text : DisplayWidth.truncate(row.text, to: text.width)
                c.put(Sanitizer.clean(shown, maxLength: 2000), x: text.x, y: y, style: style, clip: text)
            }
            if gutter && isMatch && row.first {
                c.put(g.ascii ? ">" : "▶", x: body.x, y: y, style: style.with(.bold), clip: body)
            }
        }
        guard let footer else { return }
        var info = "\(ring.count) lines"
        if ring.total > ring.count { info += " (newest \(ring.count) of \(ring.total) kept)" }
        // What is on screen, not what the keys asked: a search jump moves
        // the view without the up key.
        let scrolled = ring.count - 1 - bottom
        info += view.follow && scrolled == 0 ? " │ following" : " │ scrolled \(scrolled) up (G follows)"
        info += view.wrap ? " │ wrap" : " │ truncate (w wraps)"
        if !search.isEmpty {
            info += " │ /\(search): \(matchIndices.count) match\(matchIndices.count == 1 ? "" : "es")"
            // Counted from the newest, as n walks back in time.
            if let current, let k = matchIndices.firstIndex(of: current) {
                info += " (\(matchIndices.count - k)), n older, N newer"
            }
        }
        if g.ascii { info = info.replacingOccurrences(of: "│", with: "|") }
        c.put(Sanitizer.clean(info, maxLength: 400), x: footer.x, y: footer.y, style: theme.dim, clip: footer)
    }

    static func wrap(_ s: String, width: Int) -> [String] {
        var out: [String] = []
        var line = ""
        var w = 0
        for ch in s {
            let cw = DisplayWidth.of(ch)
            if w + cw > width && !line.isEmpty {
                out.append(line)
                line = ""
                w = 0
            }
            line.append(ch)
            w += cw
        }
        if !line.isEmpty || out.isEmpty { out.append(line) }
        return out
    }
}
