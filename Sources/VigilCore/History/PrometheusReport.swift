/// A report's figures from Prometheus' `query_range`, for the metrics the
/// configuration evaluates there (`remote`): one evaluation a minute over
/// the period, exact whatever Vigil itself saw. What to ask and how the
/// answers become the report's minute values are decided here; the
/// executable only carries out the requests.
public enum PrometheusReport {
    /// One evaluation a minute: the local store's rollup resolution, so a
    /// report reads alike from either source.
    public static let stepMs: Int64 = 60_000
    /// One request a metric a day at most: Prometheus refuses a range of
    /// more than 11,000 points a series, and a week at a minute is 10,080.
    public static let chunkMs: Int64 = 86_400_000

    /// One `query_range` request: a metric's evaluations from `startMs`
    /// to `endMs`, both included.
    public struct Request: Sendable, Equatable {
        public var metric: String
        public var startMs: Int64
        public var endMs: Int64
        public var url: String
    }

    /// The requests for every remote metric over [from, to): evaluations
    /// at each whole minute of the period, a day a request.
    public static func requests(config: VigilConfig, base: String, from: Int64, to: Int64) -> [Request] {
        let first = (from + stepMs - 1) / stepMs * stepMs
        var out: [Request] = []
        for m in config.metrics where m.remote {
            var a = first
            while a < to {
                let b = min(a + chunkMs, to)
                let last = (b - 1) / stepMs * stepMs
                out.append(
                    Request(
                        metric: m.id, startMs: a, endMs: last,
                        url: PrometheusAPI.rangeURL(
                            base: base, query: m.queryText, startMs: a, endMs: last, stepMs: stepMs)))
                a = b
            }
        }
        return out
    }

    /// What came back for one request: the answer's body (any HTTP
    /// status: Prometheus explains its errors in JSON) or why none came.
    public enum Answer: Sendable {
        case body(status: Int, [UInt8])
        case failed(String)
    }

    /// The answers as the report's input: each series' value a minute (a
    /// rollup of one value), and for each metric whose query failed for
    /// part or all of the period, what went wrong and for which days. A
    /// NaN evaluation (0/0 with no traffic) is not a value: the minute is
    /// not counted as watched.
    public static func assemble(_ answers: [(Request, Answer)]) -> (
        rollups: [String: [Labels: [HistoryRollup]]], problems: [String: String]
    ) {
        var rollups: [String: [Labels: [HistoryRollup]]] = [:]
        var failures: [String: [(Int64, String)]] = [:]
        for (request, answer) in answers {
            let series: [SeriesPoints]
            switch answer {
            case .failed(let reason):
                failures[request.metric, default: []].append((request.startMs, reason))
                continue
            case .body(let status, let body):
                do {
                    switch try PrometheusAPI.parse(body).data {
                    case .matrix(let m): series = m
                    case .vector, .scalar:
                        failures[request.metric, default: []].append(
                            (request.startMs, "Prometheus did not answer with a range (a matrix)"))
                        continue
                    }
                } catch {
                    let why = status == 200 ? error.message : "HTTP \(status): \(error.message)"
                    failures[request.metric, default: []].append((request.startMs, "Prometheus answered \(why)"))
                    continue
                }
            }
            if rollups[request.metric] == nil { rollups[request.metric] = [:] }
            for s in series {
                let labels = s.labels.withoutName
                let minutes = s.points.compactMap { p -> HistoryRollup? in
                    guard !p.v.isNaN, p.t >= request.startMs, p.t <= request.endMs else { return nil }
                    return HistoryRollup(minute: p.t, min: p.v, max: p.v, sum: p.v, last: p.v, count: 1)
                }
                rollups[request.metric]![labels, default: []] += minutes
            }
        }
        var problems: [String: String] = [:]
        for (metric, list) in failures {
            let sorted = list.sorted { $0.0 < $1.0 }
            let days = sorted.map { String(IncidentHistory.time($0.0).prefix(10)) }
            // One reason is enough to read; the days say how much is lost.
            let reason = Sanitizer.clean(sorted[0].1, maxLength: 200).replacingOccurrences(of: "|", with: "/")
            problems[metric] =
                "\(reason) (\(days.count == 1 ? "for" : "\(days.count) days:") \(days.joined(separator: ", ")))"
        }
        return (rollups, problems)
    }
}
