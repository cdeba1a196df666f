import Foundation
import VigilCore
import VigilNet

/// Carries out a report's query_range requests against the configured
/// Prometheus: a few at a time (Prometheus runs 20 queries at once by
/// default and queues the rest), each with the endpoint's timeout, auth
/// and TLS settings.
enum PrometheusRange {
    static let parallel = 4

    /// Instant queries at `atMs`, each answered with the sum of its rows
    /// (nil: no rows); an error names the first query that failed.
    static func instantSums(_ queries: [(String, String)], atMs: Int64, endpoint: TargetConfig) -> (
        [String: Double?], String?
    ) {
        let fetcher = Fetcher()
        var byID: [Int: String] = [:]
        for (key, promql) in queries {
            var request = FetchRequest(
                endpoint, url: PrometheusAPI.instantURL(base: endpoint.url, query: promql, atMs: atMs))
            request.accept = "application/json"
            request.errorBodies = true
            byID[fetcher.start(request)] = key
        }
        var out: [String: Double?] = [:]
        var problem: String?
        for c in fetcher.finishAll(within: 120) {
            guard let key = byID[c.id] else { continue }
            switch c.result {
            case .failure(let e): problem = problem ?? "Prometheus did not answer: \(e)"
            case .success(let r):
                do {
                    switch try PrometheusAPI.parse(r.body).data {
                    case .vector(let rows): out[key] = rows.isEmpty ? Double?.none : rows.map(\.value).reduce(0, +)
                    case .scalar(let v, _): out[key] = v
                    case .matrix: problem = problem ?? "Prometheus answered a range for \(key)"
                    }
                } catch {
                    problem = problem ?? "Prometheus answered \(error.message)"
                }
            }
        }
        return (out, problem)
    }

    static func fetch(_ requests: [PrometheusReport.Request], endpoint: TargetConfig) -> [(
        PrometheusReport.Request, PrometheusReport.Answer
    )] {
        let fetcher = Fetcher()
        var pending = requests[...]
        var byID: [Int: PrometheusReport.Request] = [:]
        var out: [(PrometheusReport.Request, PrometheusReport.Answer)] = []
        while !pending.isEmpty || !byID.isEmpty {
            while byID.count < parallel, let next = pending.popFirst() {
                var request = FetchRequest(endpoint, url: next.url)
                request.accept = "application/json"
                request.errorBodies = true
                byID[fetcher.start(request)] = next
            }
            for c in fetcher.poll(timeoutMs: 100).completions {
                guard let request = byID.removeValue(forKey: c.id) else { continue }
                switch c.result {
                case .success(let r): out.append((request, .body(status: r.status, r.body)))
                case .failure(let e): out.append((request, .failed("Prometheus did not answer: \(e)")))
                }
            }
        }
        return out
    }
}
