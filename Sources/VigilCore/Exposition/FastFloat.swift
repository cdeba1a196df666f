#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Decimal text to Double, correctly rounded, over raw bytes.
///
/// Most exposition values are short decimals (counts, `0.25`, `1e-3`) whose
/// digits fit in 2^53 and whose power of ten is exact in a Double; for those
/// one multiplication or division is correctly rounded (Clinger's fast
/// path). Everything else is handed to the C library's `strtod`, which is
/// correct but several times slower.
enum FastFloat {
    private static let exactPowers: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Parses `[start, end)` as a float the way Go's ParseFloat accepts
    /// exposition values: optional sign, decimal digits with an optional
    /// point and exponent, or `Inf`/`Infinity`/`NaN` in any case.
    /// Returns nil on anything else (hex floats included).
    @inline(__always)
    static func parse(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var i = start
        guard i < end else { return nil }
        var negative = false
        if p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
            guard i < end else { return nil }
        }
        let first = p[i] | 0x20
        if first == UInt8(ascii: "i") || first == UInt8(ascii: "n") {
            return special(p, i, end, negative: negative, signed: i > start)
        }
        var mantissa: UInt64 = 0
        var digits = 0  // significant digits folded into mantissa
        var dropped = false  // a nonzero digit did not fit
        var exp10 = 0
        var sawDigit = false
        while i < end, p[i] &- 48 < 10 {
            sawDigit = true
            let d = UInt64(p[i] &- 48)
            if digits < 19 {
                mantissa = mantissa &* 10 &+ d
                if mantissa != 0 { digits += 1 }
            } else {
                exp10 += 1
                if d != 0 { dropped = true }
            }
            i += 1
        }
        if i < end, p[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, p[i] &- 48 < 10 {
                sawDigit = true
                let d = UInt64(p[i] &- 48)
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ d
                    if mantissa != 0 { digits += 1 }
                    exp10 -= 1
                } else if d != 0 {
                    dropped = true
                }
                i += 1
            }
        }
        guard sawDigit else { return nil }
        if i < end, p[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var expNegative = false
            if i < end, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
                expNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            var e = 0
            var sawExpDigit = false
            while i < end, p[i] &- 48 < 10 {
                sawExpDigit = true
                if e < 100_000 { e = e * 10 + Int(p[i] &- 48) }
                i += 1
            }
            guard sawExpDigit else { return nil }
            exp10 += expNegative ? -e : e
        }
        guard i == end else { return nil }
        if !dropped && mantissa <= (1 << 53) && exp10 >= -22 && exp10 <= 22 {
            var v = Double(mantissa)
            if exp10 < 0 { v /= exactPowers[-exp10] } else { v *= exactPowers[exp10] }
            return negative ? -v : v
        }
        if mantissa == 0 && !dropped { return negative ? -0.0 : 0.0 }
        #if arch(x86_64) || arch(i386)
            if !dropped && exp10 >= -27 && exp10 <= 27, let v = extended(mantissa, exp10) {
                return negative ? -v : v
            }
        #endif
        return slow(p, start, end)
    }

    #if arch(x86_64) || arch(i386)
        private static let extendedPowers: [Float80] = (0...27).map { e in
            var x: Float80 = 1
            for _ in 0..<e { x *= 10 }  // exact: 5^27 < 2^64
            return x
        }

        /// mantissa × 10^exp10 in x87 extended precision: both operands are
        /// exact there, so the product or quotient is rounded once, to 64
        /// bits. Rounding that to a Double is a second rounding, wrong only
        /// when the 11 dropped bits sit within one unit of the halfway
        /// point; those cases return nil and go to strtod.
        @inline(__always)
        static func extended(_ mantissa: UInt64, _ exp10: Int) -> Double? {
            let m = Float80(mantissa)
            let r = exp10 < 0 ? m / extendedPowers[-exp10] : m * extendedPowers[exp10]
            let low = r.significandBitPattern & 0x7FF
            if low >= 0x3FF && low <= 0x401 { return nil }
            return Double(r)
        }
    #endif

    private static func special(
        _ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int, negative: Bool, signed: Bool
    ) -> Double? {
        let n = end - i
        func lowerEquals(_ word: StaticString) -> Bool {
            guard n == word.utf8CodeUnitCount else { return false }
            let w = word.utf8Start
            for k in 0..<n where p[i + k] | 0x20 != w[k] { return false }
            return true
        }
        if lowerEquals("inf") || lowerEquals("infinity") { return negative ? -.infinity : .infinity }
        if !signed && lowerEquals("nan") { return .nan }
        return nil
    }

    private static func slow(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        let n = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf in
            for k in 0..<n { buf[k] = CChar(bitPattern: p[start + k]) }
            buf[n] = 0
            return strtod(buf.baseAddress!, nil)
        }
    }

    /// Parses a whole String (config literals, query numbers).
    static func parse(_ s: String) -> Double? {
        var s = s
        return s.withUTF8 { buf in
            guard let base = buf.baseAddress else { return nil }
            return parse(base, 0, buf.count)
        }
    }
}
