import VigilCore

/// A terminal colour: a 256-colour index with the 8-colour index to use
/// when only 8 (or 16) are available. -1 means the terminal's default.
public struct TermColor: Hashable, Sendable {
    public var index: Int16
    public var basic: Int16

    public init(_ index: Int16, basic: Int16? = nil) {
        self.index = index
        self.basic = basic ?? (index < 8 ? index : index < 16 ? index - 8 : TermColor.nearestBasic(index))
    }

    public static let `default` = TermColor(-1, basic: -1)

    /// The nearest of the 8 basic colours to a 256-colour index.
    static func nearestBasic(_ i: Int16) -> Int16 {
        if i >= 232 { return i < 244 ? 0 : 7 }  // greys
        let c = Int(i) - 16
        let (r, g, b) = (c / 36, (c / 6) % 6, c % 6)
        return Int16((r >= 3 ? 1 : 0) | (g >= 3 ? 2 : 0) | (b >= 3 ? 4 : 0))
    }
}

/// Bold, reverse, dim, underline.
public struct TextAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = TextAttributes(rawValue: 1)
    public static let reverse = TextAttributes(rawValue: 2)
    public static let dim = TextAttributes(rawValue: 4)
    public static let underline = TextAttributes(rawValue: 8)
}

public struct Style: Hashable, Sendable {
    public var fg: TermColor
    public var bg: TermColor
    public var attributes: TextAttributes

    public init(fg: TermColor = .default, bg: TermColor = .default, _ attributes: TextAttributes = []) {
        self.fg = fg
        self.bg = bg
        self.attributes = attributes
    }

    public static let plain = Style()

    public func with(_ a: TextAttributes) -> Style {
        var s = self
        s.attributes.formUnion(a)
        return s
    }
}

/// One terminal cell: a grapheme and its style. A wide grapheme occupies
/// two cells; the second holds an empty string and width 0.
public struct Cell: Hashable, Sendable {
    public var text: String
    public var width: UInt8
    public var style: Style

    public static let blank = Cell(text: " ", width: 1, style: .plain)
}

public struct Rect: Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var isEmpty: Bool { width <= 0 || height <= 0 }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var description: String { "(\(x),\(y) \(width)x\(height))" }

    public func inset(_ d: Int) -> Rect { Rect(x: x + d, y: y + d, width: width - 2 * d, height: height - 2 * d) }

    /// Splits off `n` rows at the top: (top, rest).
    public func splitTop(_ n: Int) -> (Rect, Rect) {
        let k = min(max(0, n), height)
        return (Rect(x: x, y: y, width: width, height: k), Rect(x: x, y: y + k, width: width, height: height - k))
    }

    /// Splits off `n` rows at the bottom: (rest, bottom).
    public func splitBottom(_ n: Int) -> (Rect, Rect) {
        let k = min(max(0, n), height)
        return (Rect(x: x, y: y, width: width, height: height - k), Rect(x: x, y: maxY - k, width: width, height: k))
    }
}

/// A width × height grid of cells that views render into. Every write is
/// clipped to the canvas and to the rect it is given: text never wraps.
public struct Canvas: Sendable, Equatable {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// The text of each row, wide graphemes once (for tests and --once).
    public var lines: [String] {
        (0..<height).map { y in
            var s = ""
            for x in 0..<width where self[x, y].width > 0 { s += self[x, y].text }
            return s
        }
    }

    public mutating func fill(_ r: Rect, style: Style, text: String = " ") {
        let clipped = r.intersection(bounds)
        for y in clipped.y..<clipped.maxY {
            for x in clipped.x..<clipped.maxX { self[x, y] = Cell(text: text, width: 1, style: style) }
        }
    }

    /// One string per ASCII byte, made once.
    static let asciiCells: [String] = (0..<128).map { String(UnicodeScalar(UInt8($0))) }

    /// Writes `text` at (x, y), clipped to `clip` (default: the row from x
    /// to the canvas edge). Returns the columns used. A wide grapheme that
    /// does not fit whole becomes a blank.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style, clip: Rect? = nil) -> Int {
        let area = (clip ?? Rect(x: x, y: y, width: width - x, height: 1)).intersection(bounds)
        guard y >= area.y, y < area.maxY else { return 0 }
        var col = x
        // Printable ASCII (most of every frame: numbers, names, borders'
        // labels) is one cell a byte: no grapheme breaking, no width table.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            for b in text.utf8 {
                if col >= area.maxX { break }
                if col >= area.x {
                    clearWide(at: col, y: y)
                    self[col, y] = Cell(text: Self.asciiCells[Int(b)], width: 1, style: style)
                }
                col += 1
            }
            return col - x
        }
        // The last gate: text that reached here without the sanitiser
        // (a bug elsewhere) still cannot put a control character on screen.
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            return put(Sanitizer.clean(text), x: x, y: y, style: style, clip: clip)
        }
        for ch in text {
            let w = DisplayWidth.of(ch)
            if w == 0 {
                // Combining marks join the previous cell's grapheme.
                if col > area.x, col - 1 < area.maxX, col - 1 >= x {
                    var prev = col - 1
                    if self[prev, y].width == 0 && prev > 0 { prev -= 1 }
                    self[prev, y].text += String(ch)
                }
                continue
            }
            if col >= area.maxX { break }
            if col < area.x {
                col += w
                continue
            }
            if w == 2 && col + 1 >= area.maxX {
                self[col, y] = Cell(text: " ", width: 1, style: style)
                col += 1
                break
            }
            clearWide(at: col, y: y)
            self[col, y] = Cell(text: String(ch), width: UInt8(w), style: style)
            if w == 2 {
                clearWide(at: col + 1, y: y)
                self[col + 1, y] = Cell(text: "", width: 0, style: style)
            }
            col += w
        }
        return col - x
    }

    /// Overwriting half of a wide grapheme must not leave the other half.
    mutating func clearWide(at x: Int, y: Int) {
        let c = self[x, y]
        if c.width == 2 && x + 1 < width { self[x + 1, y] = Cell(text: " ", width: 1, style: self[x + 1, y].style) }
        if c.width == 0 && x > 0 { self[x - 1, y] = Cell(text: " ", width: 1, style: self[x - 1, y].style) }
    }

    /// Sets the style of cells without changing their text.
    public mutating func restyle(_ r: Rect, _ transform: (Style) -> Style) {
        let clipped = r.intersection(bounds)
        for y in clipped.y..<clipped.maxY {
            for x in clipped.x..<clipped.maxX { self[x, y].style = transform(self[x, y].style) }
        }
    }
}

extension Rect {
    public func intersection(_ o: Rect) -> Rect {
        let x0 = max(x, o.x)
        let y0 = max(y, o.y)
        return Rect(x: x0, y: y0, width: min(maxX, o.maxX) - x0, height: min(maxY, o.maxY) - y0)
    }
}
