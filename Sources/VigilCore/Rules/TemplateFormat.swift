import Foundation

/// How Go prints values, for templates: `{{ $value }}` of 0.5 is `0.5`,
/// `printf "%.2f"` rounds as C does, and Prometheus' `humanize` family
/// keeps four significant digits.
enum TemplateFormat {
    static func kind(_ v: TemplateValue) -> String {
        switch v {
        case .string: "string"
        case .int: "int"
        case .float: "float64"
        case .bool: "bool"
        case .map: "map[string]string"
        case .data: "struct"
        case .none: "nil"
        }
    }

    /// `{{ x }}`: Go's `%v`.
    static func print(_ v: TemplateValue) -> String {
        switch v {
        case .string(let s): s
        case .int(let i): String(i)
        case .float(let f): goFloat(f)
        case .bool(let b): String(b)
        case .map(let m):
            "map[" + m.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " ") + "]"
        case .data: "{}"
        case .none: "<no value>"
        }
    }

    /// `print a b`: spaces only between operands that are not strings.
    static func sprint(_ args: [TemplateValue]) -> String {
        var out = ""
        for (n, a) in args.enumerated() {
            if n > 0, !isString(a), !isString(args[n - 1]) { out += " " }
            out += print(a)
        }
        return out
    }

    static func isString(_ v: TemplateValue) -> Bool { if case .string = v { true } else { false } }

    /// The shortest decimal that reads back as `v`, as Go writes it: in
    /// exponent form when the exponent is below -4 or at least
    /// `threshold` (6 for `%v` and `%g`, as Prometheus 2.42 prints).
    static func goFloat(_ v: Double, threshold: Int = 6) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == 0 { return v.sign == .minus ? "-0" : "0" }
        let (digits, point) = shortestDigits(abs(v))
        let sign = v < 0 ? "-" : ""
        let exp = point - 1
        if exp < -4 || exp >= threshold { return sign + scientific(digits, exponent: exp, e: "e") }
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + digits }
        if point >= digits.count { return sign + digits + String(repeating: "0", count: point - digits.count) }
        let i = digits.index(digits.startIndex, offsetBy: point)
        return sign + digits[..<i] + "." + digits[i...]
    }

    /// `d.ddde+XX`: Go's exponent form, two digits at least.
    static func scientific(_ digits: String, exponent exp: Int, e: String) -> String {
        let first = digits.prefix(1)
        let rest = digits.dropFirst()
        let mantissa = rest.isEmpty ? String(first) : "\(first).\(rest)"
        return mantissa + e + (exp < 0 ? "-" : "+") + (abs(exp) < 10 ? "0" : "") + String(abs(exp))
    }

    /// Significant digits and where the point goes (value = 0.digits ×
    /// 10^point), from Swift's shortest round-trip description.
    static func shortestDigits(_ v: Double) -> (String, Int) {
        var s = v.description
        var exp10 = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exp10 = Int(s[s.index(after: e)...]) ?? 0
            s = String(s[..<e])
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(parts[0])
        var digits = whole + (parts.count > 1 ? String(parts[1]) : "")
        var point = whole.count + exp10
        while digits.count > 1, digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
        return (digits, point)
    }

    /// `%.4g`, which Go and C agree on.
    static func g4(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        return String(format: "%.4g", v)
    }

    static func humanize(_ value: Double) -> String {
        var v = value
        if v == 0 || v.isNaN || v.isInfinite { return g4(v) }
        var prefix = ""
        if abs(v) >= 1 {
            for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
                if abs(v) < 1000 { break }
                prefix = p
                v /= 1000
            }
        } else {
            for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
                if abs(v) >= 1 { break }
                prefix = p
                v *= 1000
            }
        }
        return g4(v) + prefix
    }

    static func humanize1024(_ value: Double) -> String {
        var v = value
        if abs(v) <= 1 || v.isNaN || v.isInfinite { return g4(v) }
        var prefix = ""
        for p in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
            if abs(v) < 1024 { break }
            prefix = p
            v /= 1024
        }
        return g4(v) + prefix
    }

    static func humanizeDuration(_ value: Double) -> String {
        var v = value
        if v.isNaN || v.isInfinite { return g4(v) }
        if v == 0 { return g4(v) + "s" }
        if abs(v) >= 1 {
            let sign = v < 0 ? "-" : ""
            v = abs(v)
            // Go's int64() of a float past the range is math.MinInt64 (on
            // amd64); Swift's traps.
            let d = v < 9.223_372_036_854_775_807e18 ? Int64(v) : Int64.min
            let (days, hours, minutes, seconds) = (d / 86400, (d / 3600) % 24, (d / 60) % 60, d % 60)
            if days != 0 { return "\(sign)\(days)d \(hours)h \(minutes)m \(seconds)s" }
            if hours != 0 { return "\(sign)\(hours)h \(minutes)m \(seconds)s" }
            if minutes != 0 { return "\(sign)\(minutes)m \(seconds)s" }
            return sign + g4(v) + "s"
        }
        var prefix = ""
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(v) >= 1 { break }
            prefix = p
            v *= 1000
        }
        return g4(v) + prefix + "s"
    }

    /// Go's `time.Time.String()` in UTC for a Unix time in seconds.
    static func timestamp(_ v: Double) -> String {
        // Past year 300,000 or so a calendar date means nothing.
        if v.isNaN || v.isInfinite || abs(v) >= 1e13 { return g4(v) }
        let whole = v.rounded(.down)
        let nanos = Int(((v - whole) * 1e9).rounded())
        let date = Date(timeIntervalSince1970: whole)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        var fraction = ""
        if nanos > 0 {
            fraction = "." + String(format: "%09d", nanos)
            while fraction.hasSuffix("0") { fraction.removeLast() }
        }
        return f.string(from: date) + fraction + " +0000 UTC"
    }

    /// Go's `strings.Title`: the first letter of each word upper-cased.
    static func title(_ s: String) -> String {
        var out = ""
        var previousSeparates = true
        for ch in s {
            out += previousSeparates ? ch.uppercased() : String(ch)
            previousSeparates = !(ch.isLetter || ch.isNumber || ch == "_" || ch == "'")
        }
        return out
    }

    static func stripPort(_ s: String) -> String {
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            return String(s[s.index(after: s.startIndex)..<close])
        }
        guard let colon = s.lastIndex(of: ":"), s.filter({ $0 == ":" }).count == 1 else { return s }
        return String(s[..<colon])
    }

    /// Go's `Sprintf` for the verbs templates use: %s %v %d %f %e %g %q
    /// %x %t %%, with flags, width and precision.
    static func printf(_ format: String, _ args: [TemplateValue]) -> String {
        var out = ""
        var next = 0
        let chars = Array(format)
        var i = 0
        while i < chars.count {
            guard chars[i] == "%" else {
                out.append(chars[i])
                i += 1
                continue
            }
            i += 1
            var spec = ""
            while i < chars.count, "+-# 0123456789.".contains(chars[i]) {
                spec.append(chars[i])
                i += 1
            }
            spec = Self.bounded(spec)
            guard i < chars.count else {
                out += "%!(NOVERB)"
                break
            }
            let verb = chars[i]
            i += 1
            if verb == "%" {
                out += "%"
                continue
            }
            guard next < args.count else {
                out += "%!\(verb)(MISSING)"
                continue
            }
            out += one(verb, spec, args[next])
            next += 1
        }
        if next < args.count {
            out += "%!(EXTRA " + args[next...].map { "\(kind($0))=\(print($0))" }.joined(separator: ", ") + ")"
        }
        return out
    }

    static func one(_ verb: Character, _ spec: String, _ arg: TemplateValue) -> String {
        let bad = "%!\(verb)(\(kind(arg))=\(print(arg)))"
        switch (verb, arg) {
        case ("v", .float(let f)) where spec.isEmpty: return goFloat(f)
        case ("v", _), ("s", .string), ("t", .bool):
            return pad(print(arg), spec)
        case ("q", .string(let s)):
            return pad(
                "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    + "\"", spec)
        case ("d", .int(let n)), ("x", .int(let n)), ("X", .int(let n)), ("o", .int(let n)):
            return String(format: "%" + spec + "ll" + String(verb), Int64(n))
        case ("f", .float(let f)), ("F", .float(let f)), ("e", .float(let f)), ("E", .float(let f)),
            ("g", .float(let f)), ("G", .float(let f)):
            if f.isNaN || f.isInfinite { return pad(goFloat(f), spec) }
            if (verb == "g" || verb == "G") && !spec.contains(".") {
                return pad(goFloat(f, threshold: 6), spec)
            }
            return String(format: "%" + spec + String(verb), f)
        case ("x", .string(let s)):
            return pad(s.utf8.map { String(format: "%02x", $0) }.joined(), spec)
        default:
            return bad
        }
    }

    /// Flags kept, width and precision at most 200: a template's
    /// `%999999999d` must not ask for a gigabyte.
    static func bounded(_ spec: String) -> String {
        var out = ""
        var number = ""
        func flush() {
            if !number.isEmpty { out += String(min(200, Int(number.prefix(4)) ?? 200)) }
            number = ""
        }
        for c in spec {
            if c.isNumber && !(number.isEmpty && c == "0" && !out.contains(where: \.isNumber) && !out.hasSuffix(".")) {
                number.append(c)
            } else {
                flush()
                out.append(c)
            }
        }
        flush()
        return out
    }

    /// Width and `-` for strings (precision cuts, as in Go).
    static func pad(_ s: String, _ spec: String) -> String {
        var text = s
        var body = spec
        let left = body.contains("-")
        body.removeAll { "+-# ".contains($0) }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count > 1, let p = Int(parts[1]) { text = String(text.prefix(p)) }
        guard let w = Int(parts.first ?? ""), w > text.count else { return text }
        let fill = String(repeating: " ", count: w - text.count)
        return left ? text + fill : fill + text
    }
}
