/// A 128-bit hash of a series as an exposition line writes it (name and
/// label set, bytes as sent): what the scrape cache finds a series by, so
/// a series seen in the previous scrape costs a hash and a lookup, with no
/// label decoded. Two independent 64-bit lanes make an accidental
/// collision among a target's series negligible (about 10^-27 for a
/// million series); a target crafting one could only misfile its own
/// samples, since each target has a cache of its own.
public struct SeriesKey: Hashable, Sendable {
    var a: UInt64
    var b: UInt64

    public init(_ p: UnsafePointer<UInt8>, count n: Int) {
        var a: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
        var b: UInt64 = 0xC2B2_AE3D_27D4_EB4F &+ UInt64(truncatingIfNeeded: n)
        let raw = UnsafeRawPointer(p)
        var i = 0
        // Eight bytes at a time: a 60 MB body is hashed in a few
        // milliseconds, where a byte-at-a-time hash takes tens.
        while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            a = (a ^ w) &* 0xFF51_AFD7_ED55_8CCD
            a ^= a >> 32
            b = (b &+ w) &* 0xC4CE_B9FE_1A85_EC53
            b = (b << 31) | (b >> 33)
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(p[i]) << shift
            shift += 8
            i += 1
        }
        a = Self.mix((a ^ tail) &* 0xFF51_AFD7_ED55_8CCD)
        b = Self.mix((b &+ tail) &* 0xC4CE_B9FE_1A85_EC53 ^ 0x27D4_EB2F_1656_67C5)
        self.a = a
        self.b = b
    }

    public init(_ bytes: [UInt8]) {
        var zero: UInt8 = 0
        self = bytes.withUnsafeBufferPointer { buf in
            withUnsafePointer(to: &zero) { SeriesKey(buf.baseAddress ?? $0, count: buf.count) }
        }
    }

    /// MurmurHash3's finaliser: every input bit reaches every output bit.
    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var k = x
        k ^= k >> 33
        k &*= 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33
        k &*= 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return k
    }
}
