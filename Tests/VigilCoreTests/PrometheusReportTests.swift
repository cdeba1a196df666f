import Foundation
import Testing

@testable import VigilCore

/// What a server-mode report asks Prometheus, and how the answers become
/// figures (issue 12): a day a request, whole minutes, a refused day named,
/// NaN minutes not counted as watched.
@Suite struct PrometheusReportTests {
    static let config = try! ConfigLoader.parse(
        """
        prometheus: {url: "http://127.0.0.1:9090"}
        metrics:
          error_rate: {name: Error Rate, unit: "%", query: 'sum(rate(e[5m])) + 1', aggregation: avg}
          response_time: {name: Response Time, unit: ms, query: up, aggregation: p95, datasource: local}
        """, file: "t.yaml")
    static let day: Int64 = 1_764_028_800_000  // 2025-11-25 00:00 UTC

    @Test func twoWeeksAreADayARequestOfWholeMinutesForRemoteMetricsOnly() throws {
        let from = Self.day - 7 * 86_400_000
        let to = Self.day + 3 * 86_400_000 + 90_500  // a partial week: now is 00:01:30.5 on Friday
        let requests = PrometheusReport.requests(
            config: Self.config, base: "http://127.0.0.1:9090/", from: from, to: to)
        #expect(requests.count == 11)
        #expect(requests.allSatisfy { $0.metric == "error_rate" })
        #expect(requests.first?.startMs == from)
        #expect(requests.first?.endMs == from + 86_400_000 - 60_000)
        // The last evaluation is the last whole minute before `to`.
        #expect(requests.last?.startMs == Self.day + 3 * 86_400_000)
        #expect(requests.last?.endMs == Self.day + 3 * 86_400_000 + 60_000)
        #expect(
            requests.first?.url
                == "http://127.0.0.1:9090/api/v1/query_range?query=sum(rate(e%5B5m%5D))%20%2B%201&start=1763424000.000&end=1763510340.000&step=60.000"
        )
    }

    static func matrix(_ values: [(Int64, String)], labels: String = "{\"__name__\":\"x\",\"service\":\"api\"}")
        -> [UInt8]
    {
        let points = values.map { "[\(Double($0.0) / 1000), \"\($0.1)\"]" }.joined(separator: ",")
        return Array(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":\(labels),\"values\":[\(points)]}]}}"
                .utf8)
    }

    @Test func answersBecomeMinutesAndRefusedDaysAreNamed() throws {
        let requests = PrometheusReport.requests(
            config: Self.config, base: "http://127.0.0.1:9090", from: Self.day, to: Self.day + 3 * 86_400_000)
        let answers: [(PrometheusReport.Request, PrometheusReport.Answer)] = [
            (
                requests[0],
                .body(
                    status: 200, Self.matrix([(Self.day, "2"), (Self.day + 60_000, "NaN"), (Self.day + 120_000, "4")]))
            ),
            (
                requests[1],
                .body(
                    status: 422,
                    Array("{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"too | many samples\"}".utf8))
            ),
            (requests[2], .failed("Prometheus did not answer: timed out after 10 s")),
        ]
        let (rollups, problems) = PrometheusReport.assemble(answers)
        let minutes = try #require(rollups["error_rate"]?[Labels(["service": "api"])])
        #expect(minutes.map(\.minute) == [Self.day, Self.day + 120_000])
        #expect(minutes.map(\.average) == [2, 4])
        #expect(
            problems["error_rate"]
                == "Prometheus answered HTTP 422: execution: too / many samples (2 days: 2025-11-26, 2025-11-27)")
        // The figure stands on what came, and says what did not.
        let report = DailyReport.build(
            date: "2025-11-25", from: Self.day, to: Self.day + 86_400_000, config: Self.config, rollups: rollups,
            problems: problems, incidents: [], source: "test")
        let f = try #require(report.sections[0].figures.first { $0.name == "Error rate" })
        #expect(f.value == 3)
        #expect(f.how == "average of the one-minute evaluations of error_rate")
        #expect(
            f.coverage
                == "watched 2 m of 24 h 0 m; Prometheus answered HTTP 422: execution: too / many samples (2 days: 2025-11-26, 2025-11-27)"
        )
    }
}
