/// What `rate`, `increase` and `delta` need of a series' window: its
/// first and last samples, how many there are, and a counter's increase
/// between them. Staleness markers are not samples and are never taken.
struct WindowFold {
    private(set) var count = 1
    let first: Point
    let last: Point
    /// `last - first`, plus the value before each drop (a counter reset),
    /// added in time order as Prometheus adds them, so the sum rounds as
    /// Prometheus' does.
    private(set) var increase: Double
    private var previous: Double

    /// A window's oldest and newest samples (one sample: the same twice),
    /// to take the samples after the oldest into, in time order.
    init(first: Point, last: Point) {
        (self.first, self.last) = (first, last)
        increase = last.v - first.v
        previous = first.v
    }

    /// The fold of `pts` (oldest first); nil when they hold no sample.
    init?<C: BidirectionalCollection<Point>>(_ pts: C) {
        guard let first = pts.firstIndex(where: { !StaleMarker.isStale($0.v) }),
            let last = pts.lastIndex(where: { !StaleMarker.isStale($0.v) })
        else { return nil }
        self.init(first: pts[first], last: pts[last])
        for p in pts[pts.index(after: first)...] where !StaleMarker.isStale(p.v) { take(p.v) }
    }

    /// Takes the window's next sample's value.
    @inline(__always) mutating func take(_ v: Double) {
        if v < previous { increase += previous }
        previous = v
        count += 1
    }
}

/// `rate`, `increase` and `delta` of windows [start, end], corrected for
/// counter resets and extrapolated towards the window's bounds (never
/// below a counter's zero), as Prometheus does.
///
/// What follows from the samples' times alone is kept from one series to
/// the next: a target's series are scraped together, so the 50,000 of a
/// family share their first and last times and their count, and five of
/// the seven divisions a rate costs are made once for all of them. The
/// arithmetic is Prometheus' own, in its order: the answers are the same
/// to the last bit as computing each series afresh.
struct RateExtrapolation {
    let start: Int64
    let end: Int64
    let isCounter: Bool
    let isRate: Bool
    private let rangeSeconds: Double
    // The times last seen and what follows from them.
    private var known = false
    private var firstT: Int64 = 0
    private var lastT: Int64 = 0
    private var count = 0
    private var durationToStart = 0.0
    private var durationToEnd = 0.0
    private var sampled = 0.0
    private var average = 0.0
    private var threshold = 0.0
    /// `interval / sampled` when a counter's zero does not move the start.
    private var factor = 0.0
    /// A counter whose first value is above `increase * zeroBound` has its
    /// zero further back than the window's start (with a margin far wider
    /// than the rounding of the exact test), so the test is not made.
    private var zeroBound = 0.0

    init(start: Int64, end: Int64, isCounter: Bool, isRate: Bool) {
        (self.start, self.end, self.isCounter, self.isRate) = (start, end, isCounter, isRate)
        rangeSeconds = Double(end.minusSaturating(start)) / 1000
    }

    /// The window's value; nil with fewer than two samples.
    @inline(__always) mutating func rate(_ w: WindowFold) -> Double? {
        guard w.count >= 2 else { return nil }
        let (first, last) = (w.first, w.last)
        if !known || first.t != firstT || last.t != lastT || w.count != count {
            learn(first: first.t, last: last.t, count: w.count)
        }
        var result = isCounter ? w.increase : last.v - first.v
        if isCounter && result > 0 && first.v >= 0 && !(first.v > result * zeroBound) {
            let durationToZero = sampled * (first.v / result)
            if durationToZero < durationToStart {
                result *= interval(fromStart: durationToZero) / sampled
                return isRate ? result / rangeSeconds : result
            }
        }
        result *= factor
        return isRate ? result / rangeSeconds : result
    }

    private mutating func learn(first: Int64, last: Int64, count: Int) {
        (known, firstT, lastT, self.count) = (true, first, last, count)
        durationToStart = Double(first - start) / 1000
        durationToEnd = Double(end - last) / 1000
        sampled = Double(last - first) / 1000
        average = sampled / Double(count - 1)
        threshold = average * 1.1
        factor = interval(fromStart: durationToStart) / sampled
        zeroBound = durationToStart / sampled * (1 + 1e-6)
    }

    /// The sampled interval extended towards the bounds: by the whole
    /// distance when it is under 1.1 average intervals, else by half of one.
    @inline(__always) private func interval(fromStart toStart: Double) -> Double {
        var interval = sampled
        interval += toStart < threshold ? toStart : average / 2
        interval += durationToEnd < threshold ? durationToEnd : average / 2
        return interval
    }
}
