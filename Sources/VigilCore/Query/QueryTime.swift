/// Evaluation times, bounded as Prometheus bounds them, and time
/// arithmetic that cannot trap.
///
/// A float time from the outside (`@ 1e30`, `--at nan`, a server's JSON)
/// is converted only through `milliseconds(fromSeconds:)`; sums and
/// differences of times and durations in the evaluator go through the
/// saturating helpers, so `offset -292y` at the largest time stays a
/// number instead of overflowing Int64.
public enum QueryTime {
    /// Prometheus' API limits (its `minTime` and `maxTime`): the times Go's
    /// `time.Time` can hold as Unix seconds and still format.
    public static let minSeconds = Double(Int64.min / 1000 + 62_135_596_801)
    public static let maxSeconds = Double(Int64.max / 1000 - 62_135_596_801)

    /// Unix seconds as milliseconds, or nil when not a finite time inside
    /// Prometheus' bounds.
    public static func milliseconds(fromSeconds s: Double) -> Int64? {
        guard s.isFinite, s >= minSeconds, s <= maxSeconds else { return nil }
        return Int64(exactly: (s * 1000).rounded())
    }

    /// Why `milliseconds(fromSeconds:)` refused `s`, for messages.
    public static func outOfBounds(_ s: Double) -> String {
        s.isNaN ? "NaN is not a time" : "time \(s) is outside [\(Int64(minSeconds)), \(Int64(maxSeconds))] seconds"
    }
}

extension Int64 {
    /// `self - other`, held at Int64's ends instead of trapping.
    @inline(__always) public func minusSaturating(_ other: Int64) -> Int64 {
        let (r, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other > 0 ? .min : .max) : r
    }

    /// `self + other`, held at Int64's ends instead of trapping.
    @inline(__always) public func plusSaturating(_ other: Int64) -> Int64 {
        let (r, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : r
    }
}
