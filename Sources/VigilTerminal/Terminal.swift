import CNcursesw
import CShims
import Foundation
import VigilUI

/// Why the terminal cannot be used interactively, in words.
public struct TerminalError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// What the terminal can do, found out before and after `newterm`.
public struct TerminalCapabilities: Sendable, Equatable {
    public var utf8: Bool
    /// 0 (none, or NO_COLOR), 8, 16 or 256.
    public var colors: Int
}

/// The ncurses backend: copies a canvas into a curses window and lets
/// curses send only what changed; reads keys without blocking.
public final class Terminal {
    let screen: OpaquePointer
    let window: UnsafeMutablePointer<WINDOW>
    public let capabilities: TerminalCapabilities
    var pairs: [Int32: Int32] = [:]
    var nextPair: Int32 = 1
    let maxPairs: Int32
    var previous: Canvas?
    var closed = false

    /// The locale's character set is UTF-8 (after `setlocale(LC_ALL, "")`).
    public static func localeIsUTF8() -> Bool {
        setlocale(LC_ALL, "")
        guard let cs = nl_langinfo(nl_item(CODESET)) else { return false }
        let name = String(cString: cs).uppercased()
        return name == "UTF-8" || name == "UTF8"
    }

    /// Opens the terminal on standard input/output, or on the given
    /// streams (tests use a pseudo-terminal). Refuses, with a reason,
    /// anything that cannot draw a dashboard: no TTY, TERM=dumb, an unknown
    /// TERM, a terminal without cursor addressing.
    public init(
        term: String? = ProcessInfo.processInfo.environment["TERM"], input: UnsafeMutablePointer<FILE>? = nil,
        output: UnsafeMutablePointer<FILE>? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(TerminalError) {
        let utf8 = Self.localeIsUTF8()
        if input == nil && (isatty(0) == 0 || isatty(1) == 0) {
            throw TerminalError(message: "standard input and output must be a terminal (use --once for plain text)")
        }
        guard let term, !term.isEmpty else {
            throw TerminalError(message: "TERM is not set (use --once for plain text)")
        }
        if term == "dumb" {
            throw TerminalError(message: "TERM=dumb cannot address the cursor (use --once for plain text)")
        }
        let out = output ?? fdopen(1, "w")
        let inp = input ?? fdopen(0, "r")
        guard let s = term.withCString({ newterm($0, out, inp) }) else {
            throw TerminalError(
                message: "unknown terminal type TERM=\(term) (no terminfo entry; use --once for plain text)")
        }
        screen = s
        set_term(s)
        guard let cup = tigetstr("cup"), Int(bitPattern: cup) != -1 else {
            endwin()
            delscreen(s)
            throw TerminalError(message: "TERM=\(term) has no cursor addressing (use --once for plain text)")
        }
        guard let w = newwin(0, 0, 0, 0) else {
            endwin()
            delscreen(s)
            throw TerminalError(message: "cannot create a curses window")
        }
        window = w
        var colors = 0
        if has_colors() && environment["NO_COLOR"].map(\.isEmpty) ?? true {
            start_color()
            use_default_colors()
            let n = Int(tigetnum("colors"))
            colors = n >= 256 ? 256 : n >= 16 ? 16 : n >= 8 ? 8 : 0
        }
        let pairCount = Int32(tigetnum("pairs"))
        maxPairs = pairCount > 0 ? min(pairCount, 32767) : 64
        capabilities = TerminalCapabilities(utf8: utf8, colors: colors)
        cbreak()
        noecho()
        nonl()
        keypad(window, true)
        nodelay(window, true)
        set_escdelay(25)
        curs_set(0)
        vigil_endwin_at_exit()
    }

    deinit { close() }

    /// Restores the terminal: cursor visible, modes as they were.
    /// Rings the terminal bell (tmux passes it on as a window alert).
    public func bell() {
        _ = beep()
    }

    public func close() {
        guard !closed else { return }
        closed = true
        curs_set(1)
        endwin()
        delscreen(screen)
    }

    public var size: (width: Int, height: Int) { (Int(getmaxx(window)), Int(getmaxy(window))) }

    /// Follows a terminal resize (KEY_RESIZE): curses learns the new size
    /// and the next frame is drawn from scratch.
    public func resized() {
        var ws = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_row > 0, ws.ws_col > 0 {
            resizeterm(Int32(ws.ws_row), Int32(ws.ws_col))
            wresize(window, Int32(ws.ws_row), Int32(ws.ws_col))
        }
        previous = nil
        werase(window)
    }

    /// Draws a canvas: only cells that differ from the last frame are
    /// written to curses, and curses sends only what changed on screen,
    /// so an unchanged frame writes nothing to the terminal.
    public func draw(_ canvas: Canvas) {
        let (w, h) = size
        let width = min(w, canvas.width)
        let height = min(h, canvas.height)
        let full = previous == nil || previous!.width != canvas.width || previous!.height != canvas.height
        var cc = cchar_t()
        for y in 0..<height {
            for x in 0..<width {
                let cell = canvas[x, y]
                if cell.width == 0 { continue }  // second half of a wide grapheme
                if !full, previous![x, y] == cell { continue }
                let (attrs, pair) = attributes(cell.style)
                var wide = Array(cell.text.unicodeScalars.map { wchar_t(bitPattern: $0.value) })
                wide.append(0)
                wide.withUnsafeBufferPointer { _ = vigil_setcchar(&cc, $0.baseAddress, attrs, Int32(pair)) }
                // The bottom-right cell reports an error (the cursor cannot
                // advance past it) but is drawn.
                mvwadd_wch(window, Int32(y), Int32(x), &cc)
            }
        }
        previous = canvas
        wnoutrefresh(window)
        doupdate()
    }

    func attributes(_ style: Style) -> (attr_t, Int32) {
        var a = vigil_a_normal()
        if style.attributes.contains(.bold) { a |= vigil_a_bold() }
        if style.attributes.contains(.reverse) { a |= vigil_a_reverse() }
        if style.attributes.contains(.dim) { a |= vigil_a_dim() }
        if style.attributes.contains(.underline) { a |= vigil_a_underline() }
        return (a, pair(style.fg, style.bg))
    }

    func colorNumber(_ c: TermColor) -> Int32 {
        switch capabilities.colors {
        case 256: return Int32(c.index)
        case 16: return c.index < 16 ? Int32(c.index) : Int32(c.basic)
        case 8: return c.index < 0 ? -1 : Int32(c.basic)
        default: return -1
        }
    }

    /// A colour pair for (fg, bg), allocated on first use.
    func pair(_ fg: TermColor, _ bg: TermColor) -> Int32 {
        guard capabilities.colors > 0 else { return 0 }
        let f = colorNumber(fg)
        let b = colorNumber(bg)
        if f == -1 && b == -1 { return 0 }
        let key = (f + 1) << 16 | (b + 1)
        if let p = pairs[key] { return p }
        guard nextPair < maxPairs else { return 0 }
        let p = nextPair
        nextPair += 1
        init_pair(Int16(p), Int16(f), Int16(b))
        pairs[key] = p
        return p
    }

    /// Every key waiting, without blocking.
    public func readKeys() -> [Key] {
        var keys: [Key] = []
        var ch: wint_t = 0
        while true {
            let r = wget_wch(window, &ch)
            if r == ERR { break }
            if r == KEY_CODE_YES {
                switch Int32(ch) {
                case KEY_UP: keys.append(.up)
                case KEY_DOWN: keys.append(.down)
                case KEY_LEFT: keys.append(.left)
                case KEY_RIGHT: keys.append(.right)
                case KEY_ENTER: keys.append(.enter)
                case KEY_BTAB: keys.append(.backTab)
                case KEY_BACKSPACE: keys.append(.backspace)
                case KEY_RESIZE: keys.append(.resize)
                default: keys.append(.other)
                }
                continue
            }
            switch ch {
            case 9: keys.append(.tab)
            case 10, 13: keys.append(.enter)
            case 27: keys.append(.escape)
            case 3: keys.append(.interrupt)
            case 8, 127: keys.append(.backspace)
            default:
                if let scalar = Unicode.Scalar(UInt32(ch)), ch >= 32 {
                    keys.append(.char(Character(scalar)))
                } else {
                    keys.append(.other)
                }
            }
        }
        return keys
    }
}
