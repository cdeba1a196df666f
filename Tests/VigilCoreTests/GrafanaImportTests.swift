import Foundation
import Testing

@testable import VigilCore

/// Grafana dashboards as Vigil's metrics and panels, from fixtures written
/// after Grafana's documented JSON model (Tests/VigilIntegrationTests/
/// Fixtures/grafana): every supported panel type, rows, thresholds,
/// units, variables of each kind, an export with `__inputs`, a resource
/// with `spec`, and the v2 layout refused.
struct GrafanaImportTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("VigilIntegrationTests/Fixtures/grafana")

    func load(_ name: String, vars: [String: String] = [:]) throws(ConfigErrors) -> GrafanaImport {
        var settings = GrafanaImportSettings()
        settings.vars = vars
        return try GrafanaImporter.load(path: Self.fixtures.appendingPathComponent(name).path, settings: settings)
    }

    func errors(_ json: String) -> [String] {
        do {
            _ = try GrafanaImporter.parse(json, path: "d.json", settings: GrafanaImportSettings())
            return []
        } catch { return error.errors.map(\.description) }
    }

    /// The whole translation, line for line: what `vigil import grafana`
    /// prints for the fixture (kept next to it, read by a person once).
    @Test func theExportReadsAsTheKeptTranslation() throws {
        let g = try load("launch-overview.json")
        let expected = try String(
            contentsOf: Self.fixtures.appendingPathComponent("launch-overview.vigil.yaml"), encoding: .utf8)
        #expect(GrafanaYAML.render(g, source: "launch-overview.json") == expected)
    }

    @Test func panelsUnitsThresholdsAndVariables() throws {
        let g = try load("launch-overview.json")
        #expect(g.dashboards.map(\.name) == ["Launch Overview", "Launch Overview / Details for api + checkout"])
        let main = g.dashboards[0].panels
        #expect(main.map(\.panel.type) == [.stat, .stat, .stat, .graph, .graph, .note])
        // gridPos kept in a 24-column grid.
        #expect(main.map(\.panel.width) == [6, 6, 12, 16, 8, 24])
        #expect(main.map(\.panel.height) == [6, 6, 6, 8, 8, 3])
        let byID = Dictionary(uniqueKeysWithValues: g.metrics.map { ($0.id, $0) })
        // Red below 100, yellow to 500, green above: lower is worse.
        #expect(byID["grafana.launch_overview.p1.a"]?.threshold == Threshold(warning: 500, critical: 100))
        // percentunit: the query and its thresholds times 100, in %.
        let ratio = try #require(byID["grafana.launch_overview.p2.a"])
        #expect(ratio.unit == "%" && ratio.threshold == Threshold(warning: 1, critical: 5))
        #expect(ratio.queryText.hasSuffix(") * 100"))
        // Multi-value variable as a regex alternative; $window from current.
        #expect(ratio.queryText.contains(#"service=~"(api|checkout)""#) && ratio.queryText.contains("[1m]"))
        // Percentage thresholds over min 0 and max 100.
        #expect(byID["grafana.launch_overview.p3.a"]?.threshold == Threshold(warning: 80, critical: 90))
        // Decimals, the words for no value, and value, range and special mappings.
        #expect(byID["grafana.launch_overview.p1.a"]?.display == ValueDisplay(decimals: 0, noValue: "no users yet"))
        let memory = try #require(byID["grafana.launch_overview.p3.a"]?.display)
        #expect(
            memory.mappings == [
                .value("0", text: "idle"), .range(from: 95, to: 100, text: "full"), .special(.nan, text: "broken"),
                .regex("9.*", text: "nines"),
            ])
        // The regex mapping is Grafana's: for text (a table's label cell), never a number.
        #expect([0, 50, 91, 97, .nan].map { memory.mapped($0) } == ["idle", nil, nil, "full", "broken"])
        #expect(["19", "a9b", "x"].map { memory.mapped(text: $0) } == ["1nines", "anines", nil])
        // The hidden target is no metric.
        #expect(byID["grafana.launch_overview.p3.b"] == nil)
        // $__rate_interval from the target's 30s interval and 15s scrapes.
        let requests = try #require(byID["grafana.launch_overview.p4.a"])
        #expect(requests.queryText.contains("[1m]") && requests.unit == "req/s" && requests.legend == "{{service}}")
        // The old graph panel's unit (yaxes) and threshold line; ${quantile:raw} in the title.
        #expect(main[4].panel.title == "p0.95 latency")
        #expect(byID["grafana.launch_overview.p5.a"]?.unit == "ms")
        #expect(
            main[5].panel.text == "Launch runbook\nRoll back with vigil launch rollback when the error ratio is red.")
        // A collapsed row's panels: the unsupported ones are notes that say so.
        let row = g.dashboards[1].panels
        #expect(row.map(\.panel.type) == [.table, .note, .note])
        #expect(row[1].panel.text == "unsupported panel type 'piechart'" && row[1].panel.unsupported)
        #expect(byID["grafana.launch_overview.p8.a"]?.queryText == #"up{instance=~".*"}"#)
        #expect(
            g.notes == [
                "panel 'Traffic share': unsupported panel type 'piechart'",
                "panel 'Application logs': logs panel: no Loki log source named 'loki-main' under logs:",
            ])
    }

    @Test func givenValuesWinAndTheResourceWrapperIsTheSameDashboard() throws {
        let g = try load("launch-overview.k8s.json", vars: ["service": "web", "instance": "a:1,b:2"])
        #expect(g.dashboards.map(\.name) == ["Launch Overview", "Launch Overview / Details for web"])
        let byID = Dictionary(uniqueKeysWithValues: g.metrics.map { ($0.id, $0) })
        #expect(byID["grafana.launch_overview.p2.a"]?.queryText.contains(#"service=~"web""#) == true)
        #expect(byID["grafana.launch_overview.p8.a"]?.queryText == #"up{instance=~"(a:1|b:2)"}"#)
    }

    @Test func whatIsRefusedSaysWhere() throws {
        #expect(throws: ConfigErrors.self) { try load("new-layout.v2.json") }
        do {
            _ = try load("new-layout.v2.json")
        } catch {
            #expect(
                error.errors.map(\.message) == [
                    "Grafana's v2 dashboard schema (elements and layout) is not supported: export the dashboard as classic JSON (Export → Export as JSON, with the classic model)"
                ])
            #expect(error.errors.first?.line == 2)
        }
        #expect(
            errors(
                """
                {"title": "Loop", "templating": {"list": [
                  {"name": "a", "type": "constant", "query": "$b"},
                  {"name": "b", "type": "constant", "query": "x$a"}]},
                 "panels": [{"type": "stat", "title": "T",
                   "targets": [{"refId": "A", "expr": "up{x=\\"$a\\"}"}]}]}
                """) == ["d.json:5:39: variable 'a' refers to itself (a → b → a)"])
        #expect(errors("{\"title\": \"x\", \"panels\": [}").first?.hasPrefix("d.json:1:27: YAML:") == true)
        #expect(errors("[1, 2]") == ["d.json:1:1: a Grafana dashboard is a JSON object"])
    }

    @Test func aQueryVigilCannotEvaluateIsANoteAndTheRestStays() throws {
        let panels = (1...200).map { i in
            #"{"id": \#(i), "type": "stat", "title": "P\#(i)", "gridPos": {"x": \#((i % 4) * 6), "y": \#(i / 4 * 4), "w": 6, "h": 4}, "targets": [{"refId": "A", "expr": "\#(i == 7 ? "info(up)" : "up + \(i)")"}]}"#
        }
        let g = try GrafanaImporter.parse(
            #"{"title": "Big", "panels": [\#(panels.joined(separator: ",\n"))]}"#, path: "big.json",
            settings: GrafanaImportSettings())
        #expect(g.dashboards.count == 1 && g.dashboards[0].panels.count == 200)
        #expect(g.metrics.count == 199)
        let seven = try #require(g.dashboards[0].panels.first { $0.panel.title == "P7" })
        #expect(seven.panel.type == .note)
        #expect(
            seven.panel.text
                == "query A is not one Vigil can evaluate: unknown or unsupported function 'info'")
    }

    @Test func unitsAndColoursAsGrafanaMeansThem() {
        #expect(GrafanaUnits.map("percentunit") == GrafanaUnit(unit: "%", scale: 100))
        #expect(GrafanaUnits.map("ns") == GrafanaUnit(unit: "ms", scale: 1e-6))
        #expect(GrafanaUnits.map("decgbytes") == GrafanaUnit(unit: "decbytes", scale: 1e9))
        // A custom unit is its text; an unknown one a suffix, as Grafana shows it.
        #expect(GrafanaUnits.map("suffix:rpm") == GrafanaUnit(unit: "rpm"))
        #expect(GrafanaUnits.map("furlongs") == GrafanaUnit(unit: "furlongs"))
        #expect(GrafanaThresholds.state("#F2495C") == .critical)
        #expect(GrafanaThresholds.state("#FF9830") == .warning)
        #expect(GrafanaThresholds.state("#73BF69") == .ok)
        #expect(GrafanaThresholds.state("rgb(242, 204, 12)") == .warning)
        #expect(GrafanaThresholds.state("semi-dark-red") == .critical)
        // Four steps: orange is a warning too; green alone up to 50.
        #expect(
            GrafanaThresholds.threshold([(nil, .ok), (50, .warning), (70, .warning), (90, .critical)])
                == Threshold(warning: 50, critical: 90))
        // Green and yellow, no red: never critical.
        #expect(
            GrafanaThresholds.threshold([(nil, .ok), (80, .warning)])
                == Threshold(warning: 80, critical: .infinity, higherIsWorse: true))
        #expect(GrafanaThresholds.threshold([(nil, .ok)]) == nil)
    }

    @Test func oneDashboardTwiceWithOtherVariables() throws {
        let json = Self.fixtures.appendingPathComponent("launch-overview.json").path
        let config = try ConfigLoader.parse(
            """
            targets: [{name: demo, url: 'http://127.0.0.1:9/metrics'}]
            dashboards:
              - {grafana: \(json), name: API, vars: {service: api}}
              - {grafana: \(json), name: Web, vars: {service: web}}
            """, file: "v.yaml")
        #expect(
            config.dashboards.map(\.name) == ["API", "API / Details for api", "Web", "Web / Details for web"])
        #expect(Set(config.metrics.map(\.id)).count == config.metrics.count)
        let ratio = config.dashboards.map { d in
            d.panels.first { $0.title == "Error ratio" }.flatMap { config.metric($0.metrics[0])?.queryText }
        }
        #expect(ratio[0]?.contains(#"service=~"api""#) == true && ratio[2]?.contains(#"service=~"web""#) == true)
    }

    @Test func thePrintedYAMLLoadsBackToTheSameDashboards() throws {
        let yaml = try String(
            contentsOf: Self.fixtures.appendingPathComponent("launch-overview.vigil.yaml"), encoding: .utf8)
        let config = try ConfigLoader.parse(
            "targets: [{name: demo, url: 'http://127.0.0.1:9/metrics'}]\n" + yaml, file: "v.yaml")
        let g = try load("launch-overview.json")
        #expect(config.metrics.map(\.id) == g.metrics.map(\.id))
        #expect(config.metrics.map(\.queryText) == g.metrics.map(\.queryText))
        #expect(config.metrics.map(\.threshold) == g.metrics.map(\.threshold))
        #expect(config.metrics.map(\.display) == g.metrics.map(\.display))
        #expect(config.metrics.map(\.legend) == g.metrics.map(\.legend))
        #expect(config.dashboards.map(\.name) == g.dashboards.map(\.name))
        #expect(config.dashboards.flatMap(\.panels).map(\.width) == g.dashboards.flatMap(\.panels).map(\.panel.width))
        #expect(config.dashboards.flatMap(\.panels).map(\.text) == g.dashboards.flatMap(\.panels).map(\.panel.text))
    }

    /// `repeat`: a copy per value of the variable, each with the variable
    /// at that value alone, side by side as Grafana lays them (or one under
    /// the other); one value is one panel; an unknown variable is said.
    @Test func repeatedPanelsAreOnePerValue() throws {
        func importing(_ service: String, direction: String = "h", repeatVar: String = "service") throws
            -> GrafanaImport
        {
            var settings = GrafanaImportSettings()
            settings.vars = ["service": service]
            return try GrafanaImporter.parse(
                #"""
                {"title": "Rep", "templating": {"list": [
                  {"name": "service", "type": "custom", "query": "api,web,checkout", "multi": true, "includeAll": true}]},
                 "panels": [
                  {"id": 4, "type": "stat", "title": "Errors $service", "repeat": "\#(repeatVar)",
                   "repeatDirection": "\#(direction)", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 4},
                   "targets": [{"refId": "A", "expr": "sum(errors{service=\"$service\"})"}]}]}
                """#, path: "rep.json", settings: settings)
        }
        let three = try importing("$__all")
        #expect(three.dashboards[0].panels.map(\.panel.title) == ["Errors api", "Errors web", "Errors checkout"])
        #expect(three.dashboards[0].panels.map(\.panel.width) == [8, 8, 8])
        #expect(three.metrics.map(\.id) == ["grafana.rep.p4.a", "grafana.rep.p4.a_2", "grafana.rep.p4.a_3"])
        #expect(three.metrics.map(\.queryText)[1] == #"sum(errors{service="web"})"#)
        let vertical = try importing("api,web", direction: "v")
        #expect(vertical.dashboards[0].panels.map(\.panel.width) == [12, 12])
        let one = try importing("web")
        #expect(one.dashboards[0].panels.map(\.panel.title) == ["Errors web"])
        let unknown = try importing("web", repeatVar: "region")
        #expect(unknown.dashboards[0].panels.count == 1)
        #expect(unknown.notes == ["panel 'Errors $service': repeat names no variable 'region'; shown once"])
    }

    /// `fieldConfig.overrides` for one query (`byFrameRefID`): its unit,
    /// decimals, thresholds and mappings over the panel's defaults; an
    /// override by series name is said, not applied.
    @Test func anOverrideForOneQuerySetsItsUnitAndThresholds() throws {
        let g = try GrafanaImporter.parse(
            #"""
            {"title": "Ov", "panels": [
              {"id": 1, "type": "stat", "title": "Latency and errors", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 4},
               "fieldConfig": {
                 "defaults": {"unit": "percentunit",
                   "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": null}, {"color": "red", "value": 0.05}]}},
                 "overrides": [
                   {"matcher": {"id": "byFrameRefID", "options": "B"},
                    "properties": [{"id": "unit", "value": "s"}, {"id": "decimals", "value": 2},
                      {"id": "thresholds", "value": {"mode": "absolute", "steps": [
                        {"color": "green", "value": null}, {"color": "yellow", "value": 0.5}, {"color": "red", "value": 1}]}},
                      {"id": "color", "value": {"mode": "fixed"}}]},
                   {"matcher": {"id": "byName", "options": "api"}, "properties": [{"id": "unit", "value": "ms"}]}]},
               "targets": [{"refId": "A", "expr": "errors_ratio"}, {"refId": "B", "expr": "latency_seconds"}]}]}
            """#, path: "ov.json", settings: GrafanaImportSettings())
        let a = try #require(g.metrics.first { $0.id == "grafana.ov.p1.a" })
        let b = try #require(g.metrics.first { $0.id == "grafana.ov.p1.b" })
        #expect(a.unit == "%" && a.threshold == Threshold(warning: 5, critical: 5) && a.display == nil)
        #expect(a.queryText == "(errors_ratio) * 100")
        #expect(b.unit == "s" && b.queryText == "latency_seconds")
        #expect(b.threshold == Threshold(warning: 0.5, critical: 1))
        #expect(b.display == ValueDisplay(decimals: 2))
        #expect(
            g.notes == [
                "panel 'Latency and errors': override property 'color' of query B is not applied",
                "panel 'Latency and errors': an override byName 'api' is not applied",
            ])
    }
}
