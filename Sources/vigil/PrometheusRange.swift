import Foundation
import VigilCore
import VigilNet

/// Carries out a report's query_range requests against the configured
/// Prometheus: a few at a time (Prometheus runs 20 queries at once by
/// default and queues the rest), each with the endpoint's timeout, auth
/// and TLS settings.
enum PrometheusRange {
    static let parallel = 4

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
