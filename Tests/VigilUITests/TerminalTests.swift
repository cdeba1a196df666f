import CShims
import Foundation
import Testing
import VigilCore

@testable import VigilTerminal
@testable import VigilUI

#if canImport(Glibc)
    import Glibc
#endif

/// A pseudo-terminal: ncurses writes to the slave side, the test reads
/// exactly what reached the "screen" from the master side.
final class PseudoTerminal {
    let master: Int32
    let slave: Int32
    let output: UnsafeMutablePointer<FILE>
    let input: UnsafeMutablePointer<FILE>

    init(columns: UInt16, rows: UInt16) throws {
        var m: Int32 = -1
        var s: Int32 = -1
        guard vigil_open_pty(&m, &s, columns, rows) == 0 else { throw TerminalError(message: "no pseudo-terminal") }
        master = m
        slave = s
        output = fdopen(slave, "w")
        input = fdopen(dup(slave), "r")
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
    }

    /// Everything written since the last call (waits briefly for it).
    func drain() -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        var idle = 0
        while idle < 3 {
            let n = read(master, &buf, buf.count)
            if n > 0 {
                out += buf[0..<n]
                idle = 0
            } else {
                idle += 1
                usleep(20_000)
            }
        }
        return out
    }

    deinit {
        fclose(output)
        fclose(input)
        close(master)
    }
}

@Suite(.serialized) struct TerminalTests {
    func frame(_ value: String) -> Canvas {
        var c = Canvas(width: 80, height: 24)
        c.put("┌ Error Rate ───┐", x: 0, y: 0, style: Style(fg: TermColor(196), .bold))
        c.put("value: \(value)  東京 ✓", x: 2, y: 1, style: Style(fg: TermColor(40)))
        c.put("status bar", x: 0, y: 23, style: Style(fg: TermColor(252), bg: TermColor(236)))
        return c
    }

    @Test func unchangedFrameWritesNothingAndChangesOnlyTheirCells() throws {
        setenv("LC_ALL", "C.UTF-8", 1)
        let pty = try PseudoTerminal(columns: 80, rows: 24)
        let term = try Terminal(term: "xterm-256color", input: pty.input, output: pty.output, environment: [:])
        defer { term.close() }
        #expect(term.size == (80, 24))
        #expect(term.capabilities.colors == 256)
        term.draw(frame("1.25%"))
        let first = pty.drain()
        #expect(first.count > 50)
        #expect(String(decoding: first, as: UTF8.self).contains("Error Rate"))
        term.draw(frame("1.25%"))
        #expect(pty.drain().isEmpty, "an unchanged frame must write 0 bytes")
        term.draw(frame("1.27%"))
        let change = pty.drain()
        // Cursor movement plus the one changed character (and maybe its colour).
        #expect(change.count > 0 && change.count < 40, "\(change.count) bytes for one changed cell")
        #expect(String(decoding: change, as: UTF8.self).contains("7"))
    }

    @Test func refusesTerminalsItCannotDrive() throws {
        let pty = try PseudoTerminal(columns: 80, rows: 24)
        #expect(throws: TerminalError.self) { try Terminal(term: "dumb", input: pty.input, output: pty.output) }
        do {
            _ = try Terminal(term: "no-such-terminal-xyz", input: pty.input, output: pty.output)
            Issue.record("an unknown TERM must be refused")
        } catch {
            #expect(error.message.contains("unknown terminal type TERM=no-such-terminal-xyz"))
        }
    }

    @Test func eightColoursAndNoColour() throws {
        let pty = try PseudoTerminal(columns: 80, rows: 24)
        let eight = try Terminal(term: "xterm", input: pty.input, output: pty.output, environment: [:])
        #expect(eight.capabilities.colors == 8)
        eight.close()
        let pty2 = try PseudoTerminal(columns: 80, rows: 24)
        let none = try Terminal(
            term: "xterm-256color", input: pty2.input, output: pty2.output, environment: ["NO_COLOR": "1"])
        #expect(none.capabilities.colors == 0)
        none.close()
    }
}
