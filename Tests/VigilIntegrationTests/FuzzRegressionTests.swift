import Foundation
import Testing

/// Every input in Fuzz/regressions (past crashes: issue 22's examples and
/// whatever scripts/fuzz.sh finds) and every seed, replayed through the
/// fuzz targets by the plain build of `vigil-fuzz`: each must return, not
/// trap or overflow the stack.
@Suite(.serialized) struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    @Test(arguments: [
        "exposition", "openmetrics", "promql", "config", "theme", "logs", "api", "sanitizer", "rules", "grafana",
    ])
    func replay(_ target: String) throws {
        var files: [String] = []
        for dir in ["seeds", "regressions"] {
            let d = Self.root.appendingPathComponent(dir).appendingPathComponent(target)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: d.path)) ?? []
            files += names.sorted().map { d.appendingPathComponent($0).path }
        }
        #expect(!files.isEmpty, "no seeds for \(target)")
        let fuzz = Support.buildDirectory.appendingPathComponent("vigil-fuzz").path
        var env = ProcessInfo.processInfo.environment
        env["VIGIL_FUZZ_TARGET"] = target
        let out = try Support.run(fuzz, files, environment: env)
        #expect(out.reason == .exit && out.status == 0, "\(target): status \(out.status)\n\(out.stderr.prefix(2000))")
    }
}
