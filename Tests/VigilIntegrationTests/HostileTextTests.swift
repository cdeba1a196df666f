import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A hostile log endpoint, and the raw bytes Vigil writes to its terminal:
/// nothing but the escape sequences curses itself emits.
@Suite(.serialized) struct HostileTextTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let logServer = TmuxSession.root + "/Tests/VigilNetTests/Fixtures/log_server.py"

    /// Every attack the issue lists, in one log file and one JSON row.
    static let attacks: [String] = [
        "clear \u{1B}[2J\u{1B}[H home",  // screen clear, cursor home
        "move \u{1B}[10;10H\u{1B}[?25l hide",  // cursor move, hide the cursor
        "title \u{1B}]0;pwned\u{07}",  // retitle the terminal
        "clip \u{1B}]52;c;ZWNobyBwd25lZA==\u{07}",  // OSC 52 clipboard write
        "link \u{1B}]8;;http://203.0.113.9/\u{1B}\\click\u{1B}]8;;\u{1B}\\",  // hyperlink
        "dcs \u{1B}P1$r0m\u{1B}\\ apc \u{1B}_Gf=1\u{1B}\\ pm \u{1B}^x\u{1B}\\ sos \u{1B}Xy\u{1B}\\",
        "bidi evil\u{202E}txt.exe and \u{2067}isolate\u{2069}",
        "del \u{7F} bell \u{07}\u{07}",
        "colour \u{1B}[31mred\u{1B}[0m",
        "long " + String(repeating: "x", count: 5000),
    ]

    @Test func noEscapeSequenceButCursesOwnReachesTheTerminal() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Support.freePort()
        let server = try Support.start(
            "/usr/bin/python3", [Self.logServer, "\(port)"], log: dir.appendingPathComponent("server.log"))
        defer { kill(server.processIdentifier, SIGKILL) }
        try Support.waitReady("http://127.0.0.1:\(port)/text/norange")
        var bytes: [UInt8] = []
        for a in Self.attacks { bytes += Array(a.utf8) + [0x0A] }
        // Raw bytes that are not UTF-8: a C1 CSI, a lone continuation byte,
        // an encoded surrogate.
        bytes += [0x72, 0x61, 0x77, 0x20, 0x9B, 0x32, 0x4A, 0x20, 0x80, 0x20, 0xED, 0xA0, 0x80, 0x0A]
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        _ = try Support.run("/usr/bin/curl", ["-s", "http://127.0.0.1:\(port)/ctl/appendhex?data=\(hex)"])
        let row =
            #"{"timestamp":"2026-11-25T03:00:00Z","severity":"high","event_type":"\u001b]0;pwned\u0007","source":"\u001b[2Jx"}"#
        _ = try Support.run(
            "/usr/bin/curl",
            [
                "-s", "-G", "http://127.0.0.1:\(port)/ctl/event", "--data-urlencode", "ts=2026-11-25T03:00:00Z",
                "--data-urlencode", "json=\(row)",
            ])
        let config = dir.appendingPathComponent("vigil.yaml")
        try """
        logs:
          - {name: hostile, kind: text, url: "http://127.0.0.1:\(port)/hostile", interval: 1s}
          - {name: events, kind: ndjson, url: "http://127.0.0.1:\(port)/ndjson", interval: 1s}
        dashboards:
          - name: Hostile
            panels:
              - {title: Log, type: log, source: hostile}
              - {title: Events, type: table, source: events, columns: [timestamp, event_type, severity, source]}
        """.write(to: config, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("pty.bin")
        let run = try Support.run(
            "/usr/bin/python3",
            [
                Self.fixtures.appendingPathComponent("run_on_pty.py").path, out.path, "160", "40", "4", Support.vigil,
                "--config", config.path, "--state-dir", dir.appendingPathComponent("state").path, "--no-bell",
            ])
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(run.stderr)")
        let raw = Array(try Data(contentsOf: out))
        #expect(raw.count > 1000)
        // Every ESC starts a sequence curses uses for xterm-256color: CSI
        // with numeric parameters, or a charset or keypad switch. No OSC,
        // DCS, APC, PM or SOS; no BEL (the bell is off).
        var i = 0
        var bad: [String] = []
        while i < raw.count {
            if raw[i] == 0x1B {
                let next = i + 1 < raw.count ? raw[i + 1] : 0
                if next == UInt8(ascii: "[") {
                    var j = i + 2
                    while j < raw.count, (0x30...0x3F).contains(raw[j]) { j += 1 }  // parameters
                    while j < raw.count, (0x20...0x2F).contains(raw[j]) { j += 1 }  // intermediates
                    if j >= raw.count || !(0x40...0x7E).contains(raw[j]) { bad.append("unterminated CSI at \(i)") }
                    i = j + 1
                    continue
                }
                if next == UInt8(ascii: "(") || next == UInt8(ascii: ")") {
                    i += 3
                    continue
                }
                if [UInt8(ascii: "="), UInt8(ascii: ">"), UInt8(ascii: "7"), UInt8(ascii: "8"), UInt8(ascii: "M")]
                    .contains(next)
                {
                    i += 2
                    continue
                }
                bad.append(String(format: "ESC %02x at %d", next, i))
            } else if raw[i] == 0x07 {
                bad.append("BEL at \(i)")
            } else if raw[i] == 0xC2, i + 1 < raw.count, (0x80...0x9F).contains(raw[i + 1]) {
                bad.append("a C1 control at \(i)")
            }
            i += 1
        }
        #expect(bad.isEmpty, "\(bad.prefix(10))")
        // And the attacks did arrive, made visible.
        let text = String(decoding: raw, as: UTF8.self)
        for visible in ["␛]0;pwned␇", "␛]52;c;", "␛[2J", "␛P1$r0m", "␛_Gf=1", "evil\u{FFFD}txt.exe", "␡"] {
            #expect(text.contains(visible), "missing \(visible)")
        }
        #expect(!text.contains("\u{202E}") && !text.contains("\u{2067}"))
    }
}
