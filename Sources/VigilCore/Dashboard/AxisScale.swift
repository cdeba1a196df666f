import Foundation

/// A y range at round values: from a floor that suits the data (zero for
/// data near it, else a round value below its minimum) to a round value
/// above its maximum, including the thresholds that lie near the data, and
/// ticks at steps of 1, 2 or 5 times a power of ten.
public struct AxisScale: Sendable {
    public var lo: Double
    public var hi: Double
    public var ticks: [Double]

    public init(lo dataLo: Double, hi dataHi: Double, marks: [Double], rows: Int) {
        var lo = dataLo
        var hi = dataHi
        // A threshold within reach of the data is worth showing: how far
        // below it the data runs is what an operator reads (an error rate
        // of 0.3% against a warning at 1%). Within four times the data's
        // size above it, or its size below.
        let span = Swift.max(hi - lo, 1e-9)
        for m in marks where m.isFinite {
            if m > hi && m - hi <= Swift.max(span, 3 * Swift.abs(hi)) { hi = m }
            if m < lo && lo - m <= Swift.max(span, Swift.abs(lo)) { lo = m }
        }
        // Zero is the floor when the data comes near it (within its own
        // span); far above zero the axis starts near the data, so a
        // latency of 700–760 ms is not a flat line at the top.
        if lo >= 0 && lo <= (hi - lo) { lo = 0 }
        // A wiggle of a few parts in a hundred is not a cliff: the axis
        // spans at least a fifth of the values' size.
        let least = 0.2 * Swift.max(Swift.abs(lo), Swift.abs(hi))
        if hi - lo < least { lo = lo >= 0 ? Swift.max(0, hi - least) : hi - least }
        if hi == lo { hi = lo + Swift.max(1, Swift.abs(lo) * 0.1) }
        let step = AxisScale.niceStep((hi - lo) / Double(Swift.max(1, Swift.min(5, rows / 3))))
        lo = (lo / step).rounded(.down) * step
        hi = (hi / step).rounded(.up) * step
        if hi == lo { hi = lo + step }
        self.lo = lo
        self.hi = hi
        var ticks: [Double] = []
        var k = 0.0
        // Multiples of the step, rounded to what they are written as
        // (0.6, not 0.6000000000000001).
        while lo + k * step <= hi + step * 1e-9 {
            let t = lo + k * step
            ticks.append(Swift.abs(t) < step * 1e-9 ? 0 : Double(String(format: "%.12g", t)) ?? t)
            k += 1
        }
        self.ticks = ticks
    }

    public func fraction(_ v: Double) -> Double { hi > lo ? Swift.max(0, Swift.min(1, (v - lo) / (hi - lo))) : 0.5 }

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    public static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, (log10(raw)).rounded(.down))
        for f in [1.0, 2, 5, 10] where f * power >= raw * (1 - 1e-9) { return f * power }
        return 10 * power
    }
}
