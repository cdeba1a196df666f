/// A fixed-capacity ring of points, oldest first when read.
public struct PointRing: Sendable {
    var storage: [Point] = []
    var head = 0  // index of the oldest point once full
    public private(set) var capacity: Int

    public init(capacity: Int) { self.capacity = max(2, capacity) }

    public var count: Int { storage.count }
    public var last: Point? { storage.isEmpty ? nil : storage[(head + storage.count - 1) % storage.count] }

    public mutating func append(_ p: Point) {
        if storage.count < capacity {
            // A small ring is sized once: doubling would leave up to half
            // of it unused in each of 500,000 series.
            if storage.isEmpty && capacity <= 256 { storage.reserveCapacity(capacity) }
            storage.append(p)
        } else {
            storage[head] = p
            head = (head + 1) % capacity
        }
    }

    /// Keeps the newest `n` points at most, from now on.
    public mutating func shrink(to n: Int) {
        let n = max(2, n)
        guard n < capacity else { return }
        let keep = Swift.min(n, storage.count)
        storage = (storage.count - keep..<storage.count).map { at($0) }
        head = 0
        capacity = n
    }

    /// The point at logical position `i` (0 is the oldest).
    @inline(__always) func at(_ i: Int) -> Point { storage[(head + i) % storage.count] }

    /// The logical position of the first point with `t >= time` (points
    /// are in time order: `append` callers drop out-of-order samples).
    func firstIndex(atOrAfter time: Int64) -> Int {
        var lo = 0
        var hi = storage.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if at(mid).t < time { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// One past the logical position of the last point with `t <= time`.
    func endIndex(atOrBefore time: Int64) -> Int {
        time == .max ? storage.count : firstIndex(atOrAfter: time + 1)
    }

    /// The points with `minT <= t <= maxT`, in time order. Found by binary
    /// search: rule evaluation reads thousands of series per refresh.
    public func points(minT: Int64, maxT: Int64) -> [Point] {
        var i = firstIndex(atOrAfter: minT)
        var out: [Point] = []
        let end = endIndex(atOrBefore: maxT)
        guard i < end else { return out }
        out.reserveCapacity(end - i)
        while i < end {
            out.append(at(i))
            i += 1
        }
        return out
    }

    /// The newest point with `minT <= t <= maxT`, if any.
    public func lastPoint(minT: Int64, maxT: Int64) -> Point? {
        let end = endIndex(atOrBefore: maxT)
        guard end > 0 else { return nil }
        let p = at(end - 1)
        return p.t >= minT ? p : nil
    }
}

/// What the store keeps: every series (the `scrape` and `query` commands),
/// or only the series some configured query selects (the dashboard).
public enum RetentionFilter: Sendable {
    case everything
    case selectedBy([[LabelMatcher]])

    func keeps(_ labels: Labels) -> Bool {
        switch self {
        case .everything: return true
        case .selectedBy(let sets): return sets.contains { set in set.allSatisfy { $0.matches(labels) } }
        }
    }
}

/// In-memory time series: a ring buffer per series, indexed by metric name.
///
/// Scrapes go in whole (`ingest`), so the store can do what Prometheus'
/// scrape loop does: stamp samples without a timestamp with the scrape
/// time, write a staleness marker for every series that vanished since the
/// target's previous scrape, and add `up`, `scrape_duration_seconds` and
/// `scrape_samples_scraped` for the target.
public struct SeriesStore: SeriesSource, Sendable {
    /// Points a series keeps at most (the longest window or range).
    public var capacity: Int
    /// Points all series keep together at most: past it, each series
    /// keeps its share, but never fewer than `minCapacity` (what the
    /// configured queries' ranges need). A target of 500,000 series then
    /// holds minutes, not six hours (34 GB); a few thousand keep hours
    /// (8M points are 128 MB).
    public var pointBudget = 8_000_000
    public var minCapacity = 2
    /// Points each series keeps now.
    public private(set) var ringCapacity = 0
    public var filter: RetentionFilter
    var index: [Labels: Int] = [:]
    var byName: [String: [Int]] = [:]
    var labels: [Labels] = []
    var rings: [PointRing] = []
    /// Series each target produced in its last successful scrape.
    var lastSeen: [String: [Int]] = [:]
    /// Per series, the ingest that last saw it (`ingests` counts them):
    /// what vanished since a target's previous scrape is found without a
    /// set of half a million ids.
    var stamp: [UInt32] = []
    var ingests: UInt32 = 0
    /// Each target's scrape cache (`ingest(target:body:...)`).
    var caches: [String: ScrapeCache] = [:]
    /// Long label strings shared between series (`interned`).
    var strings: [String: String] = [:]

    public init(capacity: Int, filter: RetentionFilter = .everything) {
        self.capacity = capacity
        self.filter = filter
    }

    public var seriesCount: Int { labels.count }

    /// Appends one point, creating the series if the filter keeps it.
    /// Returns the series id, or nil when the filter drops the series.
    @discardableResult
    public mutating func append(_ l: Labels, _ p: Point) -> Int? {
        guard let id = series(l) else { return nil }
        append(id, p)
        return id
    }

    /// The id of the series with these labels, created (with no point
    /// yet) if the filter keeps it.
    mutating func series(_ l: Labels) -> Int? {
        if let id = index[l] { return id }
        guard filter.keeps(l) else { return nil }
        let id = labels.count
        index[l] = id
        labels.append(l)
        ringCapacity = max(minCapacity, min(capacity, pointBudget / max(1, labels.count)))
        rings.append(PointRing(capacity: ringCapacity))
        stamp.append(0)
        byName[l.name ?? "", default: []].append(id)
        return id
    }

    /// Appends a point to series `id`.
    @inline(__always) mutating func append(_ id: Int, _ p: Point) {
        // Series made before the store grew give back their share here.
        if rings[id].capacity > ringCapacity { rings[id].shrink(to: ringCapacity) }
        if let last = rings[id].last {
            if p.t < last.t { return }  // out of order: drop, as a TSDB would
            if p.t == last.t {
                // A repeated timestamp replaces the value (e.g. a duplicated line).
                rings[id].storage[(rings[id].head + rings[id].count - 1) % rings[id].count] = p
                return
            }
        }
        rings[id].append(p)
    }

    /// Takes in one scrape of `target`: `samples` as parsed, at `timeMs`.
    /// `targetLabels` (job, instance) are added to every series, as
    /// Prometheus does, without overriding labels the exporter sent.
    public mutating func ingest(
        target: String, targetLabels: Labels, samples: [Sample], timeMs: Int64, durationSeconds: Double
    ) {
        ingests &+= 1
        var seen: [Int] = []
        for s in samples {
            var pairs = s.labels
            pairs.append(Label(Labels.metricName, s.name))
            for tl in targetLabels.pairs where !pairs.contains(where: { $0.name == tl.name }) {
                pairs.append(tl)
            }
            if let id = append(Labels(pairs), Point(t: s.timestampMs ?? timeMs, v: s.value)), stamp[id] != ingests {
                stamp[id] = ingests
                seen.append(id)
            }
        }
        markStale(target: target, seen: seen, timeMs: timeMs)
        appendScrapeSeries(targetLabels, up: 1, duration: durationSeconds, samples: samples.count, timeMs: timeMs)
    }

    /// Records a failed scrape: `up` goes to 0 and every series the
    /// target had turns stale at once, as in Prometheus.
    public mutating func ingestFailure(target: String, targetLabels: Labels, timeMs: Int64, durationSeconds: Double) {
        ingests &+= 1
        markStale(target: target, seen: [], timeMs: timeMs)
        appendScrapeSeries(targetLabels, up: 0, duration: durationSeconds, samples: 0, timeMs: timeMs)
    }

    /// Writes a staleness marker for every series of the target's previous
    /// scrape not seen in this one (`seen`: stamped with this ingest).
    mutating func markStale(target: String, seen: [Int], timeMs: Int64) {
        for id in lastSeen[target, default: []] where stamp[id] != ingests {
            if let last = rings[id].last, !StaleMarker.isStale(last.v), last.t < timeMs {
                rings[id].append(Point(t: timeMs, v: StaleMarker.value))
            }
        }
        lastSeen[target] = seen
    }

    mutating func appendScrapeSeries(_ targetLabels: Labels, up: Double, duration: Double, samples: Int, timeMs: Int64)
    {
        for (name, value) in [
            ("up", up), ("scrape_duration_seconds", duration), ("scrape_samples_scraped", Double(samples)),
        ] {
            append(targetLabels.setting(Labels.metricName, name), Point(t: timeMs, v: value))
        }
    }

    public func series(matching: [LabelMatcher], minT: Int64, maxT: Int64) -> [SeriesPoints] {
        var out: [SeriesPoints] = []
        for id in candidates(matching) where matching.allSatisfy({ $0.matches(labels[id]) }) {
            let pts = rings[id].points(minT: minT, maxT: maxT)
            if !pts.isEmpty { out.append(SeriesPoints(labels: labels[id], points: pts)) }
        }
        return out
    }

    /// Hands each matching series' points in [minT, maxT] to `body`, in a
    /// buffer reused from one series to the next (valid during the call).
    public func forEachSeries(
        matching: [LabelMatcher], minT: Int64, maxT: Int64, _ body: (Labels, UnsafeBufferPointer<Point>) -> Void
    ) {
        var scratch: [Point] = []
        for id in candidates(matching) where matching.allSatisfy({ $0.matches(labels[id]) }) {
            let ring = rings[id]
            var i = ring.firstIndex(atOrAfter: minT)
            let end = ring.endIndex(atOrBefore: maxT)
            guard i < end else { continue }
            scratch.removeAll(keepingCapacity: true)
            while i < end {
                scratch.append(ring.at(i))
                i += 1
            }
            scratch.withUnsafeBufferPointer { body(labels[id], $0) }
        }
    }

    public func latest(matching: [LabelMatcher], minT: Int64, maxT: Int64) -> [(Labels, Point)] {
        var out: [(Labels, Point)] = []
        for id in candidates(matching) where matching.allSatisfy({ $0.matches(labels[id]) }) {
            if let p = rings[id].lastPoint(minT: minT, maxT: maxT) { out.append((labels[id], p)) }
        }
        return out
    }

    func candidates(_ matching: [LabelMatcher]) -> [Int] {
        if let name = matching.first(where: { $0.name == Labels.metricName && $0.op == .equal })?.value {
            return byName[name] ?? []
        }
        return Array(labels.indices)
    }

    /// The series Vigil writes for each scrape itself: never stale, so
    /// they say nothing about whether a target's data is fresh.
    static let scrapeSeriesNames: Set<String> = ["up", "scrape_duration_seconds", "scrape_samples_scraped"]

    /// When the data these selectors read stopped: the newest staleness
    /// marker among the series they match, provided every one of them is
    /// stale at `t` (its latest point is a marker). Nil while any of them
    /// is live, or when none matches (that is "no data", not "stale").
    public func staleSince(_ selectors: [[LabelMatcher]], at t: Int64) -> Int64? {
        var since: Int64?
        for matching in selectors {
            for id in candidates(matching) where matching.allSatisfy({ $0.matches(labels[id]) }) {
                if let name = labels[id].name, Self.scrapeSeriesNames.contains(name) { continue }
                guard let p = rings[id].lastPoint(minT: .min, maxT: t) else { continue }
                guard StaleMarker.isStale(p.v) else { return nil }
                since = max(since ?? p.t, p.t)
            }
        }
        return since
    }

    /// The latest timestamp of any point, for "evaluate at the end".
    public var latestTimestamp: Int64? { rings.compactMap { $0.last?.t }.max() }
}
