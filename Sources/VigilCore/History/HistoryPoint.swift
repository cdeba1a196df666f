/// One value of a configured metric's result series at one evaluation:
/// what the history store keeps. The series is the metric id and the
/// result's labels; the history records what the configuration names,
/// never whole targets.
public struct HistoryPoint: Sendable, Equatable {
    public var metric: String
    public var labels: Labels
    public var t: Int64
    public var v: Double

    public init(metric: String, labels: Labels, t: Int64, v: Double) {
        self.metric = metric
        self.labels = labels
        self.t = t
        self.v = v
    }
}

/// How long the history keeps what: raw points at the refresh resolution
/// for two days, one-minute rollups for `rollupMs` (35 days by default).
public struct HistoryRetention: Sendable, Equatable {
    public var rawMs: Int64
    public var rollupMs: Int64

    public init(rawMs: Int64 = 48 * 3_600_000, rollupMs: Int64 = 35 * 86_400_000) {
        self.rawMs = rawMs
        self.rollupMs = rollupMs
    }

    /// `48 h`, `35 d`: whole days from three days on, else whole hours.
    public static func words(_ ms: Int64) -> String {
        if ms >= 3 * 86_400_000 && ms % 86_400_000 == 0 { return "\(ms / 86_400_000) d" }
        if ms % 3_600_000 == 0 { return "\(ms / 3_600_000) h" }
        return PromDuration(milliseconds: ms).description
    }
}

/// What `vigil history` prints: what is stored and how big it is.
public struct HistorySummary: Sendable, Equatable {
    public var metrics: [String]
    public var series: Int
    public var points: Int
    public var rollups: Int
    public var firstMs: Int64?
    public var lastMs: Int64?
    public var bytes: Int64

    public init(
        metrics: [String], series: Int, points: Int, rollups: Int, firstMs: Int64?, lastMs: Int64?, bytes: Int64
    ) {
        self.metrics = metrics
        self.series = series
        self.points = points
        self.rollups = rollups
        self.firstMs = firstMs
        self.lastMs = lastMs
        self.bytes = bytes
    }
}

/// A one-minute rollup of a series: what reports and long windows read.
public struct HistoryRollup: Sendable, Equatable {
    public var minute: Int64
    public var min: Double
    public var max: Double
    public var sum: Double
    public var last: Double
    public var count: Int

    public init(minute: Int64, min: Double, max: Double, sum: Double, last: Double, count: Int) {
        self.minute = minute
        self.min = min
        self.max = max
        self.sum = sum
        self.last = last
        self.count = count
    }

    public var average: Double { count > 0 ? sum / Double(count) : .nan }
}
