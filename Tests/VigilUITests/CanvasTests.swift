import Testing
import VigilCore

@testable import VigilUI

@Suite struct CanvasTests {
    @Test func widthsOfGraphemes() {
        #expect(DisplayWidth.of("a") == 1)
        #expect(DisplayWidth.of("東") == 2)
        #expect(DisplayWidth.of("🚀") == 2)
        #expect(DisplayWidth.of("é") == 1)  // e + combining acute, one grapheme
        #expect(DisplayWidth.of("\u{301}") == 0)
        #expect(DisplayWidth.of("👩‍💻") == 2)  // ZWJ sequence
        #expect(DisplayWidth.of("한") == 2)
        #expect(DisplayWidth.of("Zürich 東京") == 11)
        #expect(DisplayWidth.truncate("東京タワー", to: 5) == "東京…")
        #expect(DisplayWidth.pad("ab", to: 4, right: true) == "  ab")
    }

    @Test func textIsClippedNeverWrapped() {
        var c = Canvas(width: 6, height: 2)
        let used = c.put("abcdefghij", x: 1, y: 0, style: .plain)
        #expect(used == 5)
        #expect(c.lines == [" abcde", "      "])
        // A clip rect inside the canvas is honoured too.
        c.put("XYZ", x: 2, y: 1, style: .plain, clip: Rect(x: 2, y: 1, width: 2, height: 1))
        #expect(c.lines[1] == "  XY  ")
        // Text that starts left of the clip loses its head, not its place.
        var d = Canvas(width: 6, height: 1)
        #expect(d.put("abcdef", x: 0, y: 0, style: .plain, clip: Rect(x: 2, y: 0, width: 3, height: 1)) == 5)
        #expect(d.lines == ["  cde "])
        // Box drawing and blocks are one column; with VS16 a block is not.
        #expect(DisplayWidth.of("─") == 1 && DisplayWidth.of("█") == 1 && DisplayWidth.of("▁") == 1)
    }

    @Test func wideCharactersOccupyTwoCellsAndNeverSplit() {
        var c = Canvas(width: 5, height: 1)
        c.put("a東京", x: 0, y: 0, style: .plain)
        #expect(c.lines == ["a東京"])
        #expect(c[1, 0].width == 2 && c[2, 0].width == 0)
        // A wide grapheme that would straddle the edge becomes a blank.
        var d = Canvas(width: 4, height: 1)
        d.put("ab東", x: 1, y: 0, style: .plain)
        #expect(d.lines == [" ab "])
        // Overwriting half of a wide grapheme clears the other half.
        c.put("x", x: 2, y: 0, style: .plain)
        #expect(c.lines == ["a x京"])
    }

    @Test func combiningMarksJoinTheirBase() {
        var c = Canvas(width: 4, height: 1)
        c.put("e\u{301}x", x: 0, y: 0, style: .plain)
        #expect(c.lines == ["éx  "])
        #expect(c[0, 0].text == "é")
    }

    @Test func anySizeIsSafe() {
        for (w, h) in [(0, 0), (1, 1), (2, 1), (1, 5), (3, 3)] {
            var c = Canvas(width: w, height: h)
            c.put("東京🚀abc", x: 0, y: 0, style: .plain)
            c.fill(Rect(x: -2, y: -2, width: 10, height: 10), style: .plain)
            #expect(c.lines.count == h)
        }
    }

    @Test func theDefaultGridIsTwoColumnsWithALoneLastPanelFullWidth() {
        let cells = GridLayout(widths: [1, 1, 1], heights: [1, 1, 1]).rects(
            in: Rect(x: 0, y: 1, width: 100, height: 30))
        #expect(
            cells == [
                Rect(x: 0, y: 1, width: 50, height: 15), Rect(x: 50, y: 1, width: 50, height: 15),
                Rect(x: 0, y: 16, width: 100, height: 15),
            ])
    }

    @Test func widthsSpanColumnsAndHeightsWeighRows() {
        // Three columns: a wide panel (2) and a narrow one, then a full-width
        // one twice as tall.
        let grid = GridLayout(widths: [2, 1, 3], heights: [1, 1, 2], columns: 3)
        #expect(grid.rows == [[0, 1], [2]])
        #expect(
            grid.rects(in: Rect(x: 0, y: 0, width: 90, height: 30)) == [
                Rect(x: 0, y: 0, width: 60, height: 10), Rect(x: 60, y: 0, width: 30, height: 10),
                Rect(x: 0, y: 10, width: 90, height: 20),
            ])
        // A panel that does not fit starts a new row.
        #expect(GridLayout(widths: [1, 2, 1, 1], heights: [1, 1, 1, 1], columns: 2).rows == [[0], [1], [2, 3]])
    }

    @Test func upAndDownGoToTheNearestPanelOfTheNextRow() {
        // Row 0: a b c (one column each); row 1: d (two) e (one).
        let grid = GridLayout(widths: [1, 1, 1, 2, 1], heights: [1, 1, 1, 1, 1], columns: 3)
        #expect(grid.vertical(from: 0, down: true) == 3)
        #expect(grid.vertical(from: 1, down: true) == 3)
        #expect(grid.vertical(from: 2, down: true) == 4)
        #expect(grid.vertical(from: 4, down: false) == 2)
        #expect(grid.vertical(from: 3, down: false) == 0)
        #expect(grid.vertical(from: 0, down: false) == nil)
        #expect(grid.vertical(from: 4, down: true) == nil)
    }
}

@Suite struct SanitizerTests {
    @Test(arguments: [
        ("\u{1B}[2J\u{1B}[H", "␛[2J␛[H"),  // clear screen, cursor home
        ("\u{1B}]0;pwned\u{07}", "␛]0;pwned␇"),  // retitle the terminal
        ("\u{1B}]52;c;ZXZpbA==\u{07}", "␛]52;c;ZXZpbA==␇"),  // OSC 52 clipboard write
        ("\u{1B}]8;;http://x\u{1B}\\link\u{1B}]8;;\u{1B}\\", "␛]8;;http://x␛\\link␛]8;;␛\\"),  // hyperlink
        ("\u{9B}31m", "\u{FFFD}31m"),  // C1 CSI
        ("a\u{7F}b", "a␡b"),
        ("evil\u{202E}txt.exe", "evil\u{FFFD}txt.exe"),  // bidi override
        ("line\nbreak\ttab\r", "line␊break␉tab␍"),
        ("plain text é 東京", "plain text é 東京"),
        ("\u{1B}[10;10H\u{1B}[?25l", "␛[10;10H␛[?25l"),  // cursor move, hide cursor
        ("\u{1B}P1$r0m\u{1B}\\", "␛P1$r0m␛\\"),  // DCS (a DECRQSS probe)
        ("\u{1B}_Gf=100;AAAA\u{1B}\\", "␛_Gf=100;AAAA␛\\"),  // APC (kitty graphics)
        ("\u{1B}^pm\u{1B}\\\u{1B}Xsos\u{1B}\\", "␛^pm␛\\␛Xsos␛\\"),  // PM, SOS
        ("\u{90}dcs\u{9C}", "\u{FFFD}dcs\u{FFFD}"),  // C1 DCS and ST
        ("a\u{2067}b\u{2069}c\u{200F}", "a\u{FFFD}b\u{FFFD}c\u{FFFD}"),  // bidi isolates, RLM
        (
            String(decoding: [0x66, 0xFF, 0xED, 0xA0, 0x80, 0x67] as [UInt8], as: UTF8.self),
            "f\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}g"
        ),  // invalid UTF-8, an encoded lone surrogate
    ])
    func neutralises(_ input: String, _ expected: String) {
        let out = Sanitizer.clean(input)
        #expect(out == expected)
        #expect(!out.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
    }

    @Test func sgrColoursAreKeptOnlyWhenAskedAndNothingElseIs() {
        let base = Style(fg: TermColor(252), bg: .default)
        let runs = Sanitizer.sgrRuns(
            "\u{1B}[1;31mred\u{1B}[0m plain \u{1B}]0;title\u{07}\u{1B}[2J\u{1B}[38;5;208mx", base: base)
        #expect(runs.map(\.0) == ["red", " plain ␛]0;title␇␛[2J", "x"])
        #expect(runs[0].1.fg == TermColor(1) && runs[0].1.attributes.contains(.bold))
        #expect(runs[1].1 == base)
        #expect(runs[2].1.fg == TermColor(208))
        for (text, _) in runs { #expect(!text.unicodeScalars.contains { $0.value < 0x20 }) }
    }

    @Test func theCanvasItselfRefusesControlCharacters() {
        var c = Canvas(width: 20, height: 1)
        c.put("a\u{1B}[2Jb", x: 0, y: 0, style: Style(fg: .default, bg: .default))
        #expect(c.lines[0].hasPrefix("a␛[2Jb"))
    }

    @Test func longTextIsCut() {
        #expect(
            Sanitizer.clean(String(repeating: "x", count: 50), maxLength: 10) == String(repeating: "x", count: 10) + "…"
        )
    }
}
