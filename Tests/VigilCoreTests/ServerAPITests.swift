import Foundation
import Testing

@testable import VigilCore

/// The Prometheus and Alertmanager API answers, shaped as their
/// documentation gives them.
@Suite struct ServerAPITests {
    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func vectorsMatricesScalarsAndWarnings() throws {
        let v = try PrometheusAPI.parse(
            bytes(
                #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a"},"value":[1764000000.5,"1"]}]},"warnings":["partial response"]}"#
            ))
        #expect(v.warnings == ["partial response"])
        #expect(
            v.data
                == .vector([
                    QueryResultRow(labels: Labels(["__name__": "up", "job": "a"]), value: 1, timeMs: 1_764_000_000_500)
                ]))
        let m = try PrometheusAPI.parse(
            bytes(
                #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"NaN"],[2.5,"+Inf"]]}]}}"#
            ))
        guard case .matrix(let series) = m.data else {
            Issue.record("not a matrix")
            return
        }
        #expect(series[0].points.map(\.t) == [1000, 2500])
        #expect(series[0].points[0].v.isNaN && series[0].points[1].v == .infinity)
        let s = try PrometheusAPI.parse(
            bytes(#"{"status":"success","data":{"resultType":"scalar","result":[3,"4.5"]}}"#))
        #expect(s.data == .scalar(4.5, timeMs: 3000))
    }

    @Test func errorsCarryTheServersOwnWords() {
        do {
            _ = try PrometheusAPI.parse(
                bytes(#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected <EOF>"}"#))
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "bad_data: 1:5: parse error: unexpected <EOF>")
        }
        // VictoriaMetrics 1.79's shape (the status as errorType, the query
        // repeated): the reason alone.
        do {
            _ = try PrometheusAPI.parse(
                bytes(
                    #"{"status":"error","errorType":"422","error":"error when executing query=\"x / on() x\" for (time=1795971971864, step=300000): cannot evaluate \"x{a=\\\": \\\"} / on () x\": duplicate time series on the left side of / on (): {a=\"1\"} and {a=\"2\"}"}"#
                ))
            Issue.record("expected an error")
        } catch {
            #expect(error.message == #"duplicate time series on the left side of / on (): {a="1"} and {a="2"}"#)
        }
        do {
            _ = try PrometheusAPI.parse(
                bytes(
                    #"{"status":"error","errorType":"422","error":"error when executing query=\"sum(rate(foo[1m]\" for (time=1795971935221, step=300000): argList: unexpected token \"\"; want \",\", \")\"; unparsed data: \"\""}"#
                ))
            Issue.record("expected an error")
        } catch {
            #expect(error.message == #"argList: unexpected token ""; want ",", ")"; unparsed data: """#)
        }
        do {
            _ = try PrometheusAPI.parse(bytes("<html>502 Bad Gateway</html>"))
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix("not a Prometheus API answer: <html>502"))
        }
    }

    @Test func urlsEncodePromQL() {
        let u = PrometheusAPI.rangeURL(
            base: "http://127.0.0.1:9090/", query: #"sum(rate(x{a=~"b+"}[1m])) + 1"#, startMs: 1000, endMs: 61000,
            stepMs: 2500)
        #expect(u.hasPrefix("http://127.0.0.1:9090/api/v1/query_range?query="))
        #expect(u.contains("%2B") && !u.contains("+"))
        #expect(u.hasSuffix("&start=1.000&end=61.000&step=2.500"))
    }

    @Test func alertmanagerAlertsSilencesAndTheAcknowledgementSilence() throws {
        let alerts = try AlertmanagerAPI.alerts(
            bytes(
                #"[{"fingerprint":"f1","labels":{"alertname":"HighErrorRate","service":"api"},"annotations":{"summary":"s"},"startsAt":"2026-11-25T03:00:00.000Z","status":{"state":"suppressed","silencedBy":["s1"],"inhibitedBy":[]}}]"#
            ))
        #expect(alerts[0].name == "HighErrorRate" && alerts[0].silencedBy == ["s1"] && alerts[0].state == "suppressed")
        #expect(alerts[0].startsAtMs == 1_795_575_600_000)
        let silences = try AlertmanagerAPI.silences(
            bytes(
                #"[{"id":"s1","matchers":[{"name":"service","value":"api|web","isRegex":true,"isEqual":true},{"name":"env","value":"dev","isRegex":false,"isEqual":false}],"startsAt":"2026-11-25T03:00:00Z","endsAt":"2026-11-25T05:00:00Z","createdBy":"alice@bastion","comment":"deploy","status":{"state":"active"}}]"#
            ))
        #expect(silences[0].matches(["service": "web", "env": "prod"]))
        #expect(!silences[0].matches(["service": "web", "env": "dev"]))
        #expect(!silences[0].matches(["service": "webx"]))
        #expect(silences[0].endsAtMs - silences[0].startsAtMs == 7_200_000)
        let body = AlertmanagerAPI.silenceBody(
            labels: ["alertname": "HighErrorRate", "service": "api"], startsAtMs: 0, endsAtMs: 7_200_000,
            createdBy: "bob@bastion", comment: "rolling back")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let matchers = try #require(json["matchers"] as? [[String: Any]])
        #expect(matchers.count == 2)
        #expect(matchers.allSatisfy { ($0["isEqual"] as? Bool) == true && ($0["isRegex"] as? Bool) == false })
        #expect(json["createdBy"] as? String == "bob@bastion" && json["comment"] as? String == "rolling back")
        #expect(json["endsAt"] as? String == "1970-01-01T02:00:00.000Z")
    }
}

@Suite struct DatasourceConfigTests {
    @Test func metricsChooseWhereTheyAreEvaluated() throws {
        let mixed = try ConfigLoader.parse(
            """
            targets: [{url: "http://127.0.0.1:9464/metrics"}]
            prometheus: {url: "http://127.0.0.1:9090"}
            alertmanager: {url: "http://127.0.0.1:9093", silence_duration: 30m}
            metrics:
              here: {query: up}
              there: {query: up, datasource: prometheus}
            alerts:
              severities: {high: {timeout: 1h}}
              rules:
                - {name: Local, condition: here > 1, severity: high}
                - {name: Remote, condition: there > 1, severity: high}
            """, file: "t.yaml")
        #expect(mixed.metrics.map(\.remote) == [false, true])
        // Target Down (built in) watches the local targets' `up`.
        #expect(mixed.alerts.rules.map(\.remote) == [false, true, false])
        #expect(mixed.alerts.rules[1].promql == "(up) > 1")
        #expect(mixed.alertmanager?.silenceDuration == PromDuration(milliseconds: 1_800_000))
        // A server and no targets: everything on the server.
        let server = try ConfigLoader.parse(
            "prometheus: {url: \"http://127.0.0.1:9090\"}\nmetrics:\n  m: {query: up}\n", file: "t.yaml")
        #expect(server.metrics[0].remote && server.prometheus?.timeout == PromDuration(milliseconds: 10_000))
        // Asking for a server that is not configured is an error with its place.
        do {
            _ = try ConfigLoader.parse("metrics:\n  m: {query: up, datasource: prometheus}\n", file: "t.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("t.yaml:2:"))
            #expect(error.description.contains("datasource prometheus needs a prometheus: section"))
        }
    }
}
