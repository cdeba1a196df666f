import Foundation
import VigilCore

/// The fuzz targets (issues 18 and 22): each takes arbitrary bytes and must
/// return without trapping, hanging or leaking, whatever they are. Which
/// one runs is chosen by VIGIL_FUZZ_TARGET (scripts/fuzz.sh sets it).
enum FuzzTarget: String, CaseIterable {
    case exposition, openmetrics, promql, config, theme, logs, api, sanitizer, rules, grafana

    static let current: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["VIGIL_FUZZ_TARGET"] ?? ""
        guard let t = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(
                Data("VIGIL_FUZZ_TARGET must be one of: \(allCases.map(\.rawValue).joined(separator: " "))\n".utf8))
            exit(2)
        }
        return t
    }()

    func run(_ bytes: [UInt8]) {
        switch self {
        case .exposition: _ = try? ExpositionParser.parseAll(bytes: bytes, format: .prometheus)
        case .openmetrics:
            // Both ways a body is read: strictly (check metrics) and as a
            // scrape keeps it.
            _ = try? ExpositionParser.parseAll(bytes: bytes, format: .openMetrics)
            _ = try? ExpositionParser.parseAll(bytes: bytes, format: .openMetrics, strict: false)
        case .promql: promql(bytes)
        case .config: _ = try? ConfigLoader.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.yaml")
        case .theme: _ = try? ThemeSpec.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.yaml")
        case .logs: logs(bytes)
        case .api:
            _ = try? PrometheusAPI.parse(bytes)
            _ = try? AlertmanagerAPI.alerts(bytes)
            _ = try? AlertmanagerAPI.silences(bytes)
        case .rules: rules(bytes)
        case .grafana:
            _ = try? GrafanaImporter.parse(
                String(decoding: bytes, as: UTF8.self), path: "fuzz.json", settings: GrafanaImportSettings())
        case .sanitizer:
            let s = String(decoding: bytes, as: UTF8.self)
            let clean = Sanitizer.clean(s, maxLength: 200)
            // The one law: nothing a terminal acts on survives.
            precondition(!clean.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
            _ = Sanitizer.quote(bytes: bytes)
            _ = Sanitizer.cleanKeepingLines(s)
        }
    }

    /// The bytes as an alert template, rendered for a few values, and as
    /// a rule file whose alerts' annotations are rendered.
    func rules(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let t = try? AlertTemplate(text) {
            for v in [0, -1.5, 1e300, .nan, .infinity] {
                _ = t.render(
                    TemplateData(labels: ["instance": "a:1", "job": "x"], value: v, externalLabels: ["c": "d"]))
            }
        }
        guard let file = try? RuleFileLoader.parse(text, path: "fuzz.yml") else { return }
        let (alerting, _) = RuleFileRules.build([file], externalLabels: [:]) { _ in "s" }
        for rule in alerting {
            _ = rule.annotations(labels: ["instance": "a:1"], value: 42)
            _ = rule.alertLabels(Labels(["__name__": "up", "job": "x"]), value: 1)
        }
    }

    /// The query as text, evaluated over a small store of counters and
    /// gauges at a few times (the epoch, now, and far out).
    func promql(_ bytes: [UInt8]) {
        guard bytes.count < 1 << 16, let expr = try? QueryParser.parseAny(String(decoding: bytes, as: UTF8.self)) else {
            return
        }
        for t: Int64 in [0, 600_000, 1_700_000_000_000, -1, .max / 4] {
            _ = try? Evaluator(source: Self.store).evaluate(expr, at: t)
        }
    }

    static let store: SeriesStore = {
        var s = SeriesStore(capacity: 1000)
        for i in 0..<40 {
            let t = Int64(i) * 15_000
            s.append(Labels(["__name__": "x_total", "job": "a"]), Point(t: t, v: Double(i * 3)))
            s.append(Labels(["__name__": "x_total", "job": "b"]), Point(t: t, v: Double(i % 7)))
            s.append(Labels(["__name__": "g", "le": "\(i % 4)"]), Point(t: t, v: sin(Double(i))))
            s.append(Labels(["__name__": "h_bucket", "le": i % 2 == 0 ? "+Inf" : "1"]), Point(t: t, v: Double(i)))
        }
        return s
    }()

    /// Every log source kind takes the bytes as a response.
    func logs(_ bytes: [UInt8]) {
        for kind in LogKind.allCases {
            var c = LogSourceConfig(name: "f", kind: kind, http: TargetConfig(name: "f", url: "http://127.0.0.1:1/"))
            c.query = "{a=\"b\"}"
            c.index = "logs"
            var f = LogFollower(config: c)
            _ = f.request(now: 1_000)
            _ = try? f.consume(status: 200, headers: ["content-range": "bytes 0-10/11"], body: bytes, now: 2_000)
            _ = f.request(now: 3_000)
            _ = try? f.consume(status: 206, headers: [:], body: bytes, now: 4_000)
        }
    }
}

#if FUZZING
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        guard let data else { return 0 }
        FuzzTarget.current.run(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }

    @_silgen_name("LLVMFuzzerRunDriver")
    func runFuzzerDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// SwiftPM links an executable's `main` to `<module>_main`; here that
    /// hands control to libFuzzer's driver (its own `main` stays unlinked).
    @_cdecl("vigil_fuzz_main")
    public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        var count = argc
        var values = argv
        return runFuzzerDriver(&count, &values, fuzzOne)
    }
#endif
