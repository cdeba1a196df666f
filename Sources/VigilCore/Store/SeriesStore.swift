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

/// In-memory time series: a ring of points per series, indexed by metric
/// name. Compact, since a target may have a million series: label sets
/// are runs of symbol ids (`SymbolTable`), the rings one block
/// (`PointRings`), and the ids 32-bit.
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
    public var ringCapacity: Int {
        max(minCapacity, min(capacity, pointBudget / max(1, seriesCount)))
    }
    public var filter: RetentionFilter
    var symbols = SymbolTable()
    /// Series `id`'s labels are `runs[runStart[id]..<runStart[id + 1]]`:
    /// name and value ids alternating, sorted by name as `Labels` is.
    var runs: [UInt32] = []
    var runStart: [UInt32] = [0]
    /// Each series' `Labels.fingerprint`, so its label set is made again
    /// without hashing a string.
    var fingerprints: [UInt64] = []
    /// Fingerprint → series; two label sets of one fingerprint (a
    /// collision) put the second in `collided`.
    var index = IDTable()
    var collided: [Labels: Int32] = [:]
    var byName: [String: [Int32]] = [:]
    var rings = PointRings(limit: 2)
    /// Series each target produced in its last successful scrape.
    var lastSeen: [String: [Int32]] = [:]
    /// Per series, the ingest that last saw it (`ingests` counts them):
    /// what vanished since a target's previous scrape is found without a
    /// set of half a million ids.
    var stamp: [UInt32] = []
    var ingests: UInt32 = 0
    /// Each target's scrape cache (`ingest(target:body:...)`).
    var caches: [String: ScrapeCache] = [:]

    public init(capacity: Int, filter: RetentionFilter = .everything) {
        self.capacity = capacity
        self.filter = filter
    }

    public var seriesCount: Int { fingerprints.count }

    /// Series `id`'s label set.
    public func labels(of id: Int) -> Labels {
        let from = Int(runStart[id])
        let to = Int(runStart[id + 1])
        var pairs: [Label] = []
        pairs.reserveCapacity((to - from) / 2)
        var i = from
        while i < to {
            pairs.append(Label(symbols[runs[i]], symbols[runs[i + 1]]))
            i += 2
        }
        return Labels(sorted: pairs, fingerprint: fingerprints[id])
    }

    /// Series `id`'s points in [minT, maxT].
    public func points(of id: Int, minT: Int64 = .min, maxT: Int64 = .max) -> [Point] {
        var out: [Point] = []
        guard id < rings.series else { return out }
        rings.points(id, minT: minT, maxT: maxT, into: &out)
        return out
    }

    /// Appends one point, creating the series if the filter keeps it.
    /// Returns the series id, or nil when the filter drops the series.
    @discardableResult
    public mutating func append(_ l: Labels, _ p: Point) -> Int? {
        guard let id = series(l) else { return nil }
        append(id, p)
        return id
    }

    /// The id of the series with these labels, if the store has it.
    func find(_ l: Labels) -> Int? {
        let fp = l.fingerprint
        if let id = index.find(hash: fp, { fingerprints[Int($0)] == fp && sameLabels(Int($0), l) }) { return Int(id) }
        return collided[l].map(Int.init)
    }

    func sameLabels(_ id: Int, _ l: Labels) -> Bool {
        let from = Int(runStart[id])
        guard Int(runStart[id + 1]) - from == 2 * l.pairs.count else { return false }
        for (k, p) in l.pairs.enumerated()
        where symbols[runs[from + 2 * k]] != p.name || symbols[runs[from + 2 * k + 1]] != p.value {
            return false
        }
        return true
    }

    /// The id of the series with these labels, created (with no point
    /// yet) if the filter keeps it. Its ring is made at its first point
    /// (`settle`), so a scrape's new series resize the rings once.
    mutating func series(_ l: Labels) -> Int? {
        if let id = find(l) { return id }
        guard filter.keeps(l) else { return nil }
        let id = seriesCount
        let fp = l.fingerprint
        if index.find(hash: fp, { fingerprints[Int($0)] == fp }) == nil {
            index.insert(Int32(id), hash: fp) { fingerprints[Int($0)] }
        } else {
            collided[l] = Int32(id)
        }
        for p in l.pairs {
            runs.append(symbols.intern(p.name))
            runs.append(symbols.intern(p.value))
        }
        runStart.append(UInt32(runs.count))
        fingerprints.append(l.fingerprint)
        stamp.append(0)
        byName[l.name ?? "", default: []].append(Int32(id))
        return id
    }

    /// Gives the rings the capacity the series count allows and a ring to
    /// every series made since.
    mutating func settle() {
        // Series made before the store grew give back their share here.
        rings.setLimit(ringCapacity)
        rings.addSeries(seriesCount - rings.series)
    }

    /// Appends a point to series `id`.
    @inline(__always) mutating func append(_ id: Int, _ p: Point) {
        if id >= rings.series { settle() }
        rings.append(id, p)
    }

    /// Takes in one scrape of `target`: `samples` as parsed, at `timeMs`.
    /// `targetLabels` (job, instance) are added to every series, as
    /// Prometheus does, without overriding labels the exporter sent.
    public mutating func ingest(
        target: String, targetLabels: Labels, samples: [Sample], timeMs: Int64, durationSeconds: Double
    ) {
        ingests &+= 1
        var seen: [Int32] = []
        for s in samples {
            var pairs = s.labels
            pairs.append(Label(Labels.metricName, s.name))
            for tl in targetLabels.pairs where !pairs.contains(where: { $0.name == tl.name }) {
                pairs.append(tl)
            }
            if let id = append(Labels(pairs), Point(t: s.timestampMs ?? timeMs, v: s.value)), stamp[id] != ingests {
                stamp[id] = ingests
                seen.append(Int32(id))
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
    mutating func markStale(target: String, seen: [Int32], timeMs: Int64) {
        for id in lastSeen[target, default: []] where stamp[Int(id)] != ingests {
            if let last = rings.last(Int(id)), !StaleMarker.isStale(last.v), last.t < timeMs {
                rings.append(Int(id), Point(t: timeMs, v: StaleMarker.value))
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
        forEachMatch(matching) { id in
            let pts = points(of: id, minT: minT, maxT: maxT)
            if !pts.isEmpty { out.append(SeriesPoints(labels: labels(of: id), points: pts)) }
        }
        return out
    }

    /// Calls `body` with the id of every series the matchers select and
    /// a reader of the rings: a rate reads its window in place, and the
    /// labels are made (`labels(of:)`) only for a series that has a value.
    func forEachSeries(matching: [LabelMatcher], _ body: (Int, PointRings.Reader) -> Void) {
        rings.withReader { reader in forEachMatch(matching) { id in body(id, reader) } }
    }

    public func latest(matching: [LabelMatcher], minT: Int64, maxT: Int64) -> [(Labels, Point)] {
        var out: [(Labels, Point)] = []
        forEachMatch(matching) { id in
            if let p = rings.lastPoint(id, minT: minT, maxT: maxT) { out.append((labels(of: id), p)) }
        }
        return out
    }

    /// Calls `body` with the id of every series the matchers select,
    /// compared as symbol ids: no label set is made for one left out.
    func forEachMatch(_ matching: [LabelMatcher], _ body: (Int) -> Void) {
        let name = matching.first(where: { $0.name == Labels.metricName && $0.op == .equal })?.value
        var matchers = SymbolMatchers(matching, symbols: symbols, skipping: name)
        let rings = rings.series
        runs.withUnsafeBufferPointer { all in
            func visit(_ id: Int) {
                // A series made in this ingest has no ring (nor point) yet.
                guard id < rings else { return }
                if !matchers.isEmpty {
                    let from = Int(runStart[id])
                    let run = UnsafeBufferPointer(rebasing: all[from..<Int(runStart[id + 1])])
                    guard matchers.matches(run, symbols: symbols) else { return }
                }
                body(id)
            }
            if let name {
                for id in byName[name] ?? [] { visit(Int(id)) }
            } else {
                for id in 0..<seriesCount { visit(id) }
            }
        }
    }

    /// The value id of label `name` in series `id`'s labels.
    func value(of name: UInt32, inSeries id: Int) -> UInt32? {
        var i = Int(runStart[id])
        let end = Int(runStart[id + 1])
        while i < end {
            if runs[i] == name { return runs[i + 1] }
            i += 2
        }
        return nil
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
        let scrapeSeries = Set(Self.scrapeSeriesNames.compactMap { symbols.lookup($0) })
        let nameID = symbols.lookup(Labels.metricName)
        for matching in selectors {
            var live = false
            forEachMatch(matching) { id in
                guard !live else { return }
                let name = nameID.flatMap { value(of: $0, inSeries: id) }
                if let name, scrapeSeries.contains(name) { return }
                guard let p = rings.lastPoint(id, minT: .min, maxT: t) else { return }
                guard StaleMarker.isStale(p.v) else {
                    live = true
                    return
                }
                since = max(since ?? p.t, p.t)
            }
            if live { return nil }
        }
        return since
    }

    /// The latest timestamp of any point, for "evaluate at the end".
    public var latestTimestamp: Int64? { (0..<rings.series).compactMap { rings.last($0)?.t }.max() }
}
