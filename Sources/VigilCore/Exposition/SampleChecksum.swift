/// The benchmark protocol's checksums over sample values (DESIGN section 7):
/// a count, a NaN count, a correctly rounded sum and a sum of bit patterns.
public struct SampleChecksum: Sendable {
    public private(set) var count = 0
    public private(set) var nanCount = 0
    public private(set) var bitsum: UInt64 = 0
    /// Shewchuk's non-overlapping partials, as CPython's math.fsum keeps them.
    var partials: [Double] = []
    var overflow = 0.0  // sum of infinities, kept apart as fsum does

    public init() {}

    public mutating func add(_ v: Double) {
        count += 1
        if v.isNaN {
            nanCount += 1
            bitsum &+= 0x7ff8_0000_0000_0000
            return
        }
        bitsum &+= v.bitPattern
        if v.isInfinite {
            overflow += v
            return
        }
        var x = v
        var i = 0
        for j in partials.indices {
            var y = partials[j]
            if abs(x) < abs(y) { swap(&x, &y) }
            let hi = x + y
            let lo = y - (hi - x)
            if lo != 0 {
                partials[i] = lo
                i += 1
            }
            x = hi
        }
        partials.removeSubrange(i...)
        partials.append(x)
    }

    /// The correctly rounded sum, with CPython's half-even correction.
    public var fsum: Double {
        if overflow != 0 || overflow.isNaN { return overflow }
        var n = partials.count
        guard n > 0 else { return 0 }
        n -= 1
        var hi = partials[n]
        var lo = 0.0
        while n > 0 {
            let x = hi
            n -= 1
            let y = partials[n]
            hi = x + y
            let yr = hi - x
            lo = y - yr
            if lo != 0 { break }
        }
        if n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0)) {
            let y = lo * 2
            let x = hi + y
            let yr = x - hi
            if y == yr { hi = x }
        }
        return hi
    }
}
