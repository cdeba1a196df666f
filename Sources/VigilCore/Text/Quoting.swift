import Foundation

/// Strings in double quotes with backslash escapes: JSON's (which YAML's
/// double-quoted scalars share) and Go's `strconv.Quote` (promtool's
/// output). Every control a terminal could act on is escaped, C1 and bidi
/// overrides included: the output is read on terminals too.
public enum Quoting {
    public static func json(_ s: String) -> String {
        quoted(s) { String(format: "\\u%04x", $0) }
    }

    public static func go(_ s: String) -> String {
        quoted(s) { $0 < 0x100 ? String(format: "\\x%02x", $0) : String(format: "\\u%04x", $0) }
    }

    static func quoted(_ s: String, control: (UInt32) -> String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _
            where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value):
                out += control(scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
