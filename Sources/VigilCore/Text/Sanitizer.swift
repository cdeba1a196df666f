/// Makes text from outside (the network, a configuration, a data file, the
/// command line) safe to show: no byte of it can move the cursor, change
/// colours, retitle the terminal, write the clipboard or reorder text.
///
/// It lives in VigilCore because the messages that quote input are made
/// here (parser and configuration errors); the canvas and the command
/// line's one output path apply it again as the last gate.
public enum Sanitizer {
    /// C0 controls become their Control Pictures (␛, ␊, ...), DEL becomes
    /// ␡, C1 controls and bidirectional overrides become U+FFFD, and text
    /// past `maxLength` characters is cut with `…`. Invalid UTF-8 never
    /// gets here: decoding already turned it into U+FFFD.
    public static func clean(_ s: String, maxLength: Int = 4096) -> String {
        clean(s, maxLength: maxLength, keepLineBreaks: false)
    }

    /// As `clean`, but newline and tab stay as they are: for multi-line
    /// output (reports, post-mortems, lists) written to a terminal.
    public static func cleanKeepingLines(_ s: String) -> String {
        clean(s, maxLength: .max, keepLineBreaks: true)
    }

    /// A piece of input quoted inside a message: cleaned, and shortened
    /// to a readable length (`'abc…'`), so a 3 MB token does not become a
    /// 3 MB error message.
    public static func quote(_ s: String, maxLength: Int = 64) -> String {
        "'" + clean(s, maxLength: maxLength) + "'"
    }

    /// Bytes quoted inside a message, decoded as UTF-8 (invalid sequences
    /// become U+FFFD) and then quoted as `quote` does.
    public static func quote(bytes: some Collection<UInt8>, maxLength: Int = 64) -> String {
        // Decode no more than needed: a line of 100 MB is quoted in constant time.
        quote(String(decoding: bytes.prefix(maxLength * 4 + 4), as: UTF8.self), maxLength: maxLength)
    }

    static func clean(_ s: String, maxLength: Int, keepLineBreaks: Bool) -> String {
        var needsWork = false
        var count = 0
        for u in s.unicodeScalars {
            count += 1
            if count > maxLength || needsEscape(u.value, keepLineBreaks: keepLineBreaks) {
                needsWork = true
                break
            }
        }
        guard needsWork else { return s }
        var out = String.UnicodeScalarView()
        count = 0
        for u in s.unicodeScalars {
            if count >= maxLength {
                out.append("…")
                break
            }
            if !needsEscape(u.value, keepLineBreaks: keepLineBreaks) {
                out.append(u)
            } else if u.value < 0x20 {
                out.append(Unicode.Scalar(0x2400 + u.value)!)
            } else if u.value == 0x7F {
                out.append("\u{2421}")
            } else {
                out.append("\u{FFFD}")
            }
            count += 1
        }
        return String(out)
    }

    @inline(__always) static func needsEscape(_ v: UInt32, keepLineBreaks: Bool) -> Bool {
        if v < 0x20 { return !(keepLineBreaks && (v == 0x0A || v == 0x09)) }
        return (0x7F...0x9F).contains(v) || isBidiControl(v)
    }

    static func isBidiControl(_ v: UInt32) -> Bool {
        (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F || v == 0x061C
    }
}
