/// One target's scrape cache, as Prometheus keeps one: each series as its
/// line writes it → the store's id, or -1 for a series no configured
/// query selects. A series seen before costs a hash and a lookup; only a
/// new one has its labels decoded.
struct ScrapeCache: Sendable {
    var ids: [SeriesKey: Int32] = [:]
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
        // Points wait here until the whole body has parsed.
        var points: [(id: Int32, point: Point)] = []
        points.reserveCapacity(lastSeen[target]?.count ?? 64)
        var count = 0
        do {
            try ExpositionParser.withParser(bytes: body, format: format) { p in
                p.strict = false
                while try Self.next(&p) {
                    count += 1
                    guard count <= limit else { throw ScrapeIngestError.overLimit(count) }
                    let key = p.seriesKey
                    let id: Int32
                    if let known = cache.ids[key] {
                        id = known
                    } else if let wanted, !wanted.contains(p.nameKey) {
                        // Skipped on its bytes: no label decoded, no String.
                        id = -1
                        cache.ids[key] = id
                    } else {
                        var pairs = p.labels.map { Label(interned($0.name), interned($0.value)) }
                        pairs.append(Label(Labels.metricName, interned(p.name)))
                        for tl in targetLabels.pairs where !pairs.contains(where: { $0.name == tl.name }) {
                            pairs.append(tl)
                        }
                        id = series(Labels(pairs)).map { Int32($0) } ?? -1
                        cache.ids[key] = id
                    }
                    if id >= 0 { points.append((id, Point(t: p.timestampMs ?? timeMs, v: p.value))) }
                }
            }
        } catch let e as ScrapeIngestError {
            throw e
        } catch {
            throw .parse(ExpositionError(line: 0, column: 0, message: "\(error)"))
        }
        ingests &+= 1
        var seen: [Int] = []
        seen.reserveCapacity(points.count)
        for (id, point) in points {
            let i = Int(id)
            append(i, point)
            if stamp[i] != ingests {
                stamp[i] = ingests
                seen.append(i)
            }
        }
        markStale(target: target, seen: seen, timeMs: timeMs)
        appendScrapeSeries(targetLabels, up: 1, duration: durationSeconds, samples: count, timeMs: timeMs)
        // A target whose series churn (a label holding a request id) must
        // not grow its cache for ever: past twice what a scrape has, it is
        // started afresh (the next scrape decodes its series once more).
        if cache.ids.count > 2 * count + 1024 { cache = ScrapeCache() }
        return count
    }

    /// One shared copy of a string too long to live inside its String
    /// (16 bytes or more): a family's name, a user agent, a route, held by
    /// thousands of series. The table stops growing at 65,536 strings, so
    /// unique values (request ids) cost no more than they did.
    mutating func interned(_ s: String) -> String {
        guard s.utf8.count >= 16 else { return s }
        if let known = strings[s] { return known }
        if strings.count < 65_536 { strings[s] = s }
        return s
    }

    static func next(_ p: inout ExpositionParser) throws(ScrapeIngestError) -> Bool {
        do { return try p.next() } catch { throw .parse(error) }
    }
}
