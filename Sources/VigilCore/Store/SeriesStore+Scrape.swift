/// One target's scrape cache, as Prometheus keeps one: the previous
/// scrape's lines in order, each as its bytes hash (`SeriesKey`) and the
/// store's id, -1 for a series no configured query selects. Exporters
/// write their series in the same order every time, so line k is checked
/// against the previous scrape's line k: a comparison of 16 bytes read in
/// sequence, where a hash table was a cache miss a line (a fifth of the
/// ingest of 500,000 series). Only a new series has its labels decoded.
struct ScrapeCache: Sendable {
    var keys: [SeriesKey] = []
    /// Each key's length in bytes: where the line's label set ends if the
    /// line is the same.
    var lengths: [UInt32] = []
    var ids: [Int32] = []
    /// Key → id, made when a body's lines stop following the previous
    /// order (a series added or gone in the middle), and kept while they
    /// do not.
    var lookup: [SeriesKey: Int32]?

    /// The id line `k` with `key` had in the previous scrape, if known.
    @inline(__always) mutating func id(line k: Int, _ key: SeriesKey, reordered: inout Bool) -> Int32? {
        guard k < keys.count else {
            // Past the previous scrape's lines (the first scrape, a series
            // added at the end): new unless the order changed before.
            return lookup?[key]
        }
        if keys[k] == key { return ids[k] }
        reordered = true
        if lookup == nil {
            var table: [SeriesKey: Int32] = [:]
            table.reserveCapacity(keys.count)
            for (key, id) in zip(keys, ids) { table[key] = id }
            lookup = table
        }
        return lookup?[key]
    }

    /// The key and length line `k` is expected to have: the previous
    /// scrape's line k, while the lines keep their order.
    @inline(__always) func expected(line k: Int) -> (key: SeriesKey, length: Int)? {
        k < keys.count && lookup == nil ? (keys[k], Int(lengths[k])) : nil
    }

    /// Makes line `k` of this scrape the one the next scrape expects
    /// there, in place: the cache is not held twice while a body of
    /// 500,000 lines is read (a mapping of key to id stays true wherever
    /// it sits, so a body that fails half way leaves a usable cache).
    @inline(__always) mutating func record(line k: Int, _ key: SeriesKey, length: Int, id: Int32) {
        let length = UInt32(truncatingIfNeeded: length)
        if k < keys.count {
            (keys[k], lengths[k], ids[k]) = (key, length, id)
        } else {
            keys.append(key)
            lengths.append(length)
            ids.append(id)
        }
    }

    /// Drops the lines past this scrape's `count`.
    mutating func truncate(to count: Int) {
        guard count < keys.count else { return }
        keys.removeLast(keys.count - count)
        lengths.removeLast(lengths.count - count)
        ids.removeLast(ids.count - count)
    }
}

/// Why a scrape body was not taken in.
public enum ScrapeIngestError: Error, Sendable {
    case parse(ExpositionError)
    /// More samples than the target's limit (the count reached).
    case overLimit(Int)
}

extension SeriesStore {
    /// The sample names some configured query selects, when every query
    /// names its metric: a line of any other name is skipped on its bytes.
    /// Nil when a query selects by labels alone (`{job="api"}`).
    var wantedNames: Set<SeriesKey>? {
        guard case .selectedBy(let sets) = filter else { return nil }
        var names = Set<SeriesKey>()
        for set in sets {
            guard let m = set.first(where: { $0.name == Labels.metricName && $0.op == .equal }) else { return nil }
            names.insert(SeriesKey(Array(m.value.utf8)))
        }
        return names
    }

    /// Takes in one scrape body of `target` at `timeMs`, as Prometheus'
    /// scrape loop does: samples without a timestamp get the scrape's,
    /// series gone since the previous scrape get a staleness marker, and
    /// `up`, `scrape_duration_seconds`, `scrape_samples_scraped` are added.
    /// Nothing is taken from a body that fails to parse or has more than
    /// `limit` samples (counted whether kept or not), so a failed scrape
    /// never leaves half a body behind. Returns the samples in the body.
    public mutating func ingest(
        target: String, targetLabels: Labels, body: [UInt8], format: ExpositionFormat, limit: Int, timeMs: Int64,
        durationSeconds: Double
    ) throws(ScrapeIngestError) -> Int {
        var cache = caches.removeValue(forKey: target) ?? ScrapeCache()
        defer { caches[target] = cache }
        let wanted = wantedNames
        var reordered = false
        // Points wait here until the whole body has parsed: ids and values,
        // and times only once a line carries its own.
        var pointIDs: [Int32] = []
        var values: [Double] = []
        var times: [Int64]?
        pointIDs.reserveCapacity(lastSeen[target]?.count ?? 64)
        values.reserveCapacity(lastSeen[target]?.count ?? 64)
        var count = 0
        do {
            try ExpositionParser.withParser(bytes: body, format: format) { p in
                p.strict = false
                // Line k is expected to be the previous scrape's line k:
                // when it is, its labels are not decoded again.
                p.expected = cache.expected(line: 0)
                while try Self.next(&p) {
                    count += 1
                    guard count <= limit else { throw ScrapeIngestError.overLimit(count) }
                    let key = p.matchedExpected ? p.expected!.key : p.seriesKey
                    p.expected = cache.expected(line: count)
                    let id: Int32
                    if let known = cache.id(line: count - 1, key, reordered: &reordered) {
                        id = known
                    } else if let wanted, !wanted.contains(p.nameKey) {
                        // Skipped on its bytes: no label decoded, no String.
                        id = -1
                        cache.lookup?[key] = id
                    } else {
                        var pairs = p.labels.map { Label($0.name, $0.value) }
                        pairs.append(Label(Labels.metricName, p.name))
                        for tl in targetLabels.pairs where !pairs.contains(where: { $0.name == tl.name }) {
                            pairs.append(tl)
                        }
                        id = series(Labels(pairs)).map { Int32($0) } ?? -1
                        cache.lookup?[key] = id
                    }
                    cache.record(line: count - 1, key, length: p.seriesKeyLength, id: id)
                    guard id >= 0 else { continue }
                    if p.timestampMs != nil && times == nil {
                        times = Array(repeating: timeMs, count: pointIDs.count)
                    }
                    pointIDs.append(id)
                    values.append(p.value)
                    times?.append(p.timestampMs ?? timeMs)
                }
            }
        } catch let e as ScrapeIngestError {
            throw e
        } catch {
            throw .parse(ExpositionError(line: 0, column: 0, message: "\(error)"))
        }
        ingests &+= 1
        // The body's new series get their rings here, all at once.
        settle()
        var seen: [Int32] = []
        seen.reserveCapacity(pointIDs.count)
        for (k, id) in pointIDs.enumerated() {
            let i = Int(id)
            rings.append(i, Point(t: times?[k] ?? timeMs, v: values[k]))
            if stamp[i] != ingests {
                stamp[i] = ingests
                seen.append(id)
            }
        }
        markStale(target: target, seen: seen, timeMs: timeMs)
        appendScrapeSeries(targetLabels, up: 1, duration: durationSeconds, samples: count, timeMs: timeMs)
        // The lookup table stays while the order keeps changing. A target
        // whose series churn (a label holding a request id) must not grow
        // it for ever: past twice what a scrape has, it is made afresh.
        cache.truncate(to: count)
        if !reordered || (cache.lookup?.count ?? 0) > 2 * count + 1024 { cache.lookup = nil }
        return count
    }

    static func next(_ p: inout ExpositionParser) throws(ScrapeIngestError) -> Bool {
        do { return try p.next() } catch { throw .parse(error) }
    }
}
