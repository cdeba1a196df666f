import Foundation
import Testing
import VigilCore

/// `vigil scrape` against real exporters from Debian's packages, checked
/// sample by sample against Python's prometheus_client parsing the very
/// same bytes (saved with --save-body).
@Suite(.serialized) struct RealEndpointTests {
    static let pythonParser = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/parse_with_prometheus_client.py").path

    struct Row: Hashable {
        var name: String
        var labels: [String: String]
        var value: String
    }

    /// Scrapes `url` with vigil and returns its samples and Python's.
    func scrapeAndCompare(_ url: String, dir: URL) throws -> (ours: [Row], python: [Row], format: String) {
        let body = dir.appendingPathComponent("body-\(UUID().uuidString)")
        let out = try Support.run(Support.vigil, ["scrape", url, "--json", "--save-body", body.path])
        try #require(out.status == 0, "vigil scrape failed: \(out.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let samples = json["samples"] as? [[String: Any]] ?? []
        let ours = samples.map { s in
            Row(
                name: s["name"] as? String ?? "", labels: s["labels"] as? [String: String] ?? [:],
                value: Self.normalize(s["value"] as? String ?? ""))
        }
        let py = try Support.run("/usr/bin/python3", [Self.pythonParser, body.path])
        try #require(py.status == 0, "python parser failed: \(py.stderr)")
        let pyRows = try #require(try JSONSerialization.jsonObject(with: Data(py.stdout.utf8)) as? [[String: Any]])
        let python = pyRows.map { s in
            Row(
                name: s["name"] as? String ?? "", labels: s["labels"] as? [String: String] ?? [:],
                value: Self.normalize(s["value"] as? String ?? ""))
        }
        return (ours, python, json["format"] as? String ?? "")
    }

    /// Both sides print floats differently ("1e-05" vs "1e-05", "3" vs "3.0"):
    /// compare the parsed doubles' bit patterns instead.
    static func normalize(_ s: String) -> String {
        switch s {
        case "NaN", "+Inf", "-Inf": return s
        default: return Double(s).map { String($0.bitPattern, radix: 16) } ?? "unparsable:\(s)"
        }
    }

    func expectSame(_ r: (ours: [Row], python: [Row], format: String), _ what: String) {
        #expect(r.ours.count > 100, "\(what): only \(r.ours.count) samples")
        #expect(r.ours.count == r.python.count, "\(what): vigil \(r.ours.count) samples, python \(r.python.count)")
        let onlyOurs = Set(r.ours).subtracting(r.python)
        let onlyPython = Set(r.python).subtracting(r.ours)
        #expect(
            onlyOurs.isEmpty && onlyPython.isEmpty,
            "\(what): only vigil \(onlyOurs.prefix(5)), only python \(onlyPython.prefix(5))")
    }

    @Test func nodeExporterMatchesPythonClient() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (exporter, url) = try Support.startNodeExporter(logDirectory: dir)
        defer { Support.stop(exporter) }
        expectSame(try scrapeAndCompare(url, dir: dir), "node exporter")
    }

    @Test func prometheusOwnMetricsMatchPythonClient() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("prometheus.yml")
        try "global:\n  scrape_interval: 1h\n".write(to: config, atomically: true, encoding: .utf8)
        let port = Support.freePort()
        let prometheus = try Support.start(
            "/usr/bin/prometheus",
            [
                "--config.file=\(config.path)", "--storage.tsdb.path=\(dir.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)",
            ], log: dir.appendingPathComponent("prometheus.log"))
        defer { Support.stop(prometheus) }
        try Support.waitReady("http://127.0.0.1:\(port)/-/ready")
        expectSame(try scrapeAndCompare("http://127.0.0.1:\(port)/metrics", dir: dir), "prometheus")
    }
}
