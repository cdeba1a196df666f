import Foundation
import Testing
import VigilApp
import VigilCore
import VigilUI

/// A Grafana dashboard's variables chosen on screen (`v`): the picker
/// offers the custom values and, for a query variable, the values its
/// `label_values` finds in the store; Enter imports the dashboard again
/// and its panels show the new values' data in the next frame.
@Suite struct GrafanaVariablesAppTests {
    static let json = """
        {
          "title": "Checkout",
          "templating": {"list": [
            {"name": "service", "type": "custom", "query": "api,web", "includeAll": true,
             "current": {"text": "api", "value": "api"}},
            {"name": "region", "type": "query", "query": {"query": "label_values(requests_total, region)"},
             "current": {"text": "eu", "value": "eu"}, "options": []},
            {"name": "quantile", "type": "constant", "query": "0.95"}
          ]},
          "panels": [
            {"id": 1, "type": "stat", "title": "Requests $service $region", "gridPos": {"h": 6, "w": 24, "x": 0, "y": 0},
             "targets": [{"refId": "A", "expr": "sum(requests_total{service=~\\"$service\\", region=\\"$region\\"})"}]},
            {"id": 2, "type": "row", "title": "In $region", "collapsed": true, "panels": [
              {"id": 3, "type": "stat", "title": "Up", "gridPos": {"h": 6, "w": 24, "x": 0, "y": 0},
               "targets": [{"refId": "A", "expr": "sum(requests_total)"}]}
            ]}
          ]
        }
        """

    static func write(_ yaml: String) throws -> VigilConfig {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-test-vars-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try json.write(to: dir.appendingPathComponent("checkout.json"), atomically: true, encoding: .utf8)
        return try ConfigLoader.parse(yaml, file: dir.appendingPathComponent("vigil.yaml").path)
    }

    /// With only a Prometheus server, the query variable's values are the
    /// server's: `group by (region) (requests_total)`.
    @Test func aServerAnswersLabelValues() throws {
        var h = Harness(
            try Self.write("prometheus: {url: \"http://127.0.0.1:9090\"}\ndashboards:\n  - grafana: checkout.json\n"))
        final class Asked: @unchecked Sendable {
            var queries: [String] = []
            var all: [String] = []
        }
        let asked = Asked()
        h.answer = { p in
            let url = p.poll.request.url
            asked.all.append(url.removingPercentEncoding ?? url)
            var result = "[]"
            if url.contains("group") {
                asked.queries.append(url)
                result =
                    #"[{"metric":{"region":"ap"},"value":[1764000000,"1"]},{"metric":{"region":"eu"},"value":[1764000000,"1"]}]"#
            }
            let body = #"{"status":"success","data":{"resultType":"vector","result":"# + result + "}}"
            return FetchOutcome(
                .success(FetchResponse(status: 200, contentType: "application/json", body: Array(body.utf8))))
        }
        h.run(forMs: 4000)
        h.press(.char("v"))
        h.run(forMs: 1000)
        #expect(asked.queries.count == 1)
        #expect(
            asked.queries.first?.contains("query=group%20by%20(region)%20(requests_total)&time=1764000004.000") == true,
            "\(asked.queries)")
        #expect(h.app.state.picker?.variables[1].options == ["ap", "eu"])
        // The region chosen: the panel's query is the server's to answer.
        asked.all = []
        h.press(.down, .left, .enter)
        h.run(forMs: 1000)
        #expect(
            asked.all.contains { $0.contains(#"query=sum(requests_total{service=~"api", region="ap"})"#) },
            "\(asked.all)")
        #expect(!asked.all.contains { $0.contains(#"region="eu""#) }, "\(asked.all)")
    }

    static func harness() throws -> Harness {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-test-vars-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try json.write(to: dir.appendingPathComponent("checkout.json"), atomically: true, encoding: .utf8)
        let config = try ConfigLoader.parse(
            """
            refresh: 2s
            targets:
              - {name: api, url: "http://127.0.0.1:9/metrics", interval: 5s}
            dashboards:
              - grafana: checkout.json
            """, file: dir.appendingPathComponent("vigil.yaml").path)
        try? FileManager.default.removeItem(at: dir)
        var h = Harness(config)
        h.answer = { _ in
            exposition(
                """
                # TYPE requests_total gauge
                requests_total{service="api",region="eu"} 10
                requests_total{service="web",region="eu"} 20
                requests_total{service="api",region="us"} 300
                requests_total{service="web",region="us"} 4000

                """)
        }
        h.run(forMs: 12_000)
        return h
    }

    @Test func choosingValuesChangesTheQueriesAndTitles() throws {
        var h = try Self.harness()
        var lines = h.screen(width: 60, height: 14)
        #expect(lines[1].hasPrefix("┏ Requests api eu "), "\(lines)")
        #expect(value(h) == 10)
        h.press(.char("v"))
        lines = h.screen(width: 60, height: 14)
        // The store's regions are offered; the constant is shown, not chosen.
        #expect(h.app.state.picker?.variables.map(\.options) == [["api", "web"], ["eu", "us"], []])
        #expect(
            Array(lines[3...9]) == [
                "┃┏ Variables ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓┃",
                "┃┃ service   < api >  3 choices                           ┃┃",
                "┃┃ region    < eu >  2 choices                            ┃┃",
                "┃┃ quantile  0.95 (constant)                              ┃┃",
                "┃┃                                                        ┃┃",
                "┃┃ arrows choose, Enter applies, Esc cancels              ┃┃",
                "┃┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┛┃",
            ], "\(lines)")
        h.press(.right)  // service: web
        h.press(.down, .right)  // region: us (after eu)
        h.press(.enter)
        #expect(h.app.state.picker == nil)
        #expect(h.app.state.message == "variables: service=web, region=us")
        h.run(forMs: 2000)
        lines = h.screen(width: 60, height: 14)
        #expect(lines[1].hasPrefix("┏ Requests web us "), "\(lines)")
        // The row's dashboard is named for the new region too.
        #expect(h.app.state.dashboardNames == ["Checkout", "Checkout / In us"])
        #expect(value(h) == 4000)
        // All: every service of the region.
        h.press(.char("v"), .left, .left, .enter)
        h.run(forMs: 2000)
        #expect(h.app.config.metrics.first?.queryText == "sum(requests_total{service=~\"(api|web)\", region=\"us\"})")
    }

    @Test func escapeLeavesTheValuesAsTheyWere() throws {
        var h = try Self.harness()
        let before = h.app.config.metrics.first?.queryText
        h.press(.char("v"), .right, .escape)
        h.run(forMs: 2000)
        #expect(h.app.state.picker == nil)
        #expect(h.app.config.metrics.first?.queryText == before)
        #expect(h.app.state.variables.first?.first?.currentText == "api")
    }

    @Test func aDashboardWithoutVariablesSaysSo() throws {
        var h = Harness(
            try ConfigLoader.parse(
                "metrics:\n  up: {query: up}\ndashboards:\n  - {name: Main, panels: [{title: Up, type: stat, metrics: [up]}]}\n",
                file: "t.yaml"))
        h.press(.char("v"))
        #expect(h.app.state.picker == nil)
        #expect(h.app.state.message == "this dashboard has no variables to choose (an imported Grafana dashboard's)")
    }

    func value(_ h: Harness) -> Double? {
        h.app.snapshot.results["grafana.checkout.p1.a"]?.series.first?.current
    }

    /// A repeated panel: ticking a second value adds a copy, laid out,
    /// evaluated and drawn with its own value.
    @Test func tickingAValueAddsARepeatedPanel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-test-vars-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try #"""
        {"title": "Rep", "templating": {"list": [
          {"name": "service", "type": "custom", "query": "api,web", "multi": true, "includeAll": true,
           "current": {"value": ["api"]}}]},
         "panels": [
          {"id": 1, "type": "stat", "title": "Requests $service", "repeat": "service",
           "gridPos": {"x": 0, "y": 0, "w": 24, "h": 4},
           "targets": [{"refId": "A", "expr": "sum(requests_total{service=\"$service\"})"}]}]}
        """#.write(to: dir.appendingPathComponent("rep.json"), atomically: true, encoding: .utf8)
        let config = try ConfigLoader.parse(
            "targets:\n  - {name: api, url: \"http://127.0.0.1:9/metrics\", interval: 5s}\ndashboards:\n  - grafana: rep.json\n",
            file: dir.appendingPathComponent("vigil.yaml").path)
        var h = Harness(config)
        h.answer = { _ in
            exposition(
                "# TYPE requests_total gauge\nrequests_total{service=\"api\"} 10\nrequests_total{service=\"web\"} 20\n")
        }
        h.run(forMs: 12_000)
        #expect(h.app.config.dashboards[0].panels.map(\.title) == ["Requests api"])
        h.press(.char("v"), .right, .right, .char(" "), .enter)
        h.run(forMs: 2000)
        #expect(h.app.config.dashboards[0].panels.map(\.title) == ["Requests api", "Requests web"])
        #expect(h.app.state.layouts[0].count == 2)
        #expect(h.app.snapshot.results["grafana.rep.p1.a"]?.series.first?.current == 10)
        #expect(h.app.snapshot.results["grafana.rep.p1.a_2"]?.series.first?.current == 20)
        let lines = h.screen(width: 60, height: 14)
        // Side by side: half the grid each, as Grafana lays two copies.
        #expect(lines[1] == "┏ Requests api ━━━━━━━━ ✓ OK ┓┌ Requests web ──────── ✓ OK ┐", "\(lines)")
    }

    /// Values the import refuses (a textbox that names itself) are said,
    /// and the picker's values go back to those in force.
    @Test func valuesTheImportRefusesAreSaidAndUndone() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-test-vars-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try #"""
        {"title": "Team", "templating": {"list": [
          {"name": "team", "type": "textbox", "query": "launch", "current": {"value": "launch"}}]},
         "panels": [{"id": 1, "type": "stat", "title": "Users of $team", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 4},
           "targets": [{"refId": "A", "expr": "sum(users{team=\"$team\"})"}]}]}
        """#.write(to: dir.appendingPathComponent("team.json"), atomically: true, encoding: .utf8)
        var h = Harness(
            try ConfigLoader.parse(
                "dashboards:\n  - grafana: team.json\n", file: dir.appendingPathComponent("v.yaml").path))
        h.press(.char("v"))
        for _ in 0..<6 { h.press(.backspace) }
        for c in "$team" { h.press(.char(c)) }
        h.press(.enter)
        #expect(
            h.app.state.message?.hasPrefix("variables not applied: variable 'team' refers to itself") == true,
            "\(h.app.state.message ?? "")")
        #expect(h.app.state.variables[0][0].current == ["launch"])
        #expect(h.app.config.dashboards[0].panels[0].title == "Users of launch")
    }
}
