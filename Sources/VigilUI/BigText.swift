/// Text in large block glyphs, five cells tall, for the value and state a
/// person must read from across the room: a stat panel with room to
/// spare, System Status' traffic light.
public enum BigText {
    public static let height = 5

    /// Each glyph's rows, `#` for a filled cell. Digits, what numbers are
    /// written with (`.` `-` `%` and the k/M/G of large values), and the
    /// letters of the state words (OK, WARN, CRIT, STALE, NO DATA, ERROR).
    static let font: [Character: [String]] = [
        "0": ["###", "# #", "# #", "# #", "###"],
        "1": [" # ", "## ", " # ", " # ", "###"],
        "2": ["###", "  #", "###", "#  ", "###"],
        "3": ["###", "  #", "###", "  #", "###"],
        "4": ["# #", "# #", "###", "  #", "  #"],
        "5": ["###", "#  ", "###", "  #", "###"],
        "6": ["###", "#  ", "###", "# #", "###"],
        "7": ["###", "  #", "  #", "  #", "  #"],
        "8": ["###", "# #", "###", "# #", "###"],
        "9": ["###", "# #", "###", "  #", "###"],
        ".": [" ", " ", " ", " ", "#"],
        "-": ["   ", "   ", "###", "   ", "   "],
        "%": ["# #", "  #", " # ", "#  ", "# #"],
        "k": ["#  ", "# #", "## ", "# #", "# #"],
        "M": ["#   #", "## ##", "# # #", "#   #", "#   #"],
        "G": ["###", "#  ", "# #", "# #", "###"],
        " ": ["  ", "  ", "  ", "  ", "  "],
        "A": ["###", "# #", "###", "# #", "# #"],
        "C": ["###", "#  ", "#  ", "#  ", "###"],
        "D": ["## ", "# #", "# #", "# #", "## "],
        "E": ["###", "#  ", "###", "#  ", "###"],
        "I": ["###", " # ", " # ", " # ", "###"],
        "K": ["# #", "# #", "## ", "# #", "# #"],
        "L": ["#  ", "#  ", "#  ", "#  ", "###"],
        "N": ["#  #", "## #", "# ##", "#  #", "#  #"],
        "O": ["###", "# #", "# #", "# #", "###"],
        "R": ["## ", "# #", "## ", "# #", "# #"],
        "S": ["###", "#  ", "###", "  #", "###"],
        "T": ["###", " # ", " # ", " # ", " # "],
        "W": ["#   #", "#   #", "# # #", "## ##", "#   #"],
    ]

    public static func canDraw(_ text: String) -> Bool { !text.isEmpty && text.allSatisfy { font[$0] != nil } }

    /// Cells across, with one blank column between glyphs. At scale 2
    /// every dot is two cells wide: a terminal cell is about twice as tall
    /// as it is wide, so that is the font's true shape.
    public static func width(_ text: String, scale: Int = 1) -> Int {
        guard !text.isEmpty else { return 0 }
        return scale * (text.reduce(0) { $0 + (font[$1]?.first?.count ?? 0) } + text.count - 1)
    }

    /// The widest scale (2 or 1) at which `text` fits in `room` cells.
    public static func scale(_ text: String, room: Int) -> Int { width(text, scale: 2) <= room ? 2 : 1 }

    /// The five rows of `text` (characters the font lacks are left out),
    /// filled cells drawn with `fill`.
    public static func rows(_ text: String, fill: String, scale: Int = 1) -> [String] {
        let on = String(repeating: fill, count: scale)
        let off = String(repeating: " ", count: scale)
        return (0..<height).map { row in
            text.compactMap { font[$0]?[row] }.joined(separator: " ")
                .map { $0 == "#" ? on : off }.joined()
        }
    }

    /// A formatted value split for drawing: what the font can draw large
    /// (the number, `12.3k`, `100%`) and the unit text around it, drawn
    /// small (`$`, ` ms`, ` req/s`).
    public static func split(_ value: String) -> (prefix: String, big: String, suffix: String) {
        let chars = Array(value)
        guard let start = chars.firstIndex(where: { $0.isNumber || $0 == "-" }) else { return (value, "", "") }
        var end = start
        while end < chars.count, chars[end] != " ", font[chars[end]] != nil { end += 1 }
        return (String(chars[..<start]), String(chars[start..<end]), String(chars[end...]))
    }
}
