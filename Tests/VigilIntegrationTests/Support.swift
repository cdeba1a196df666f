import Foundation
import VigilTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Helpers for tests that run real programs: Vigil's own binary, and
/// Debian's prometheus, promtool and node exporter on loopback ports.
enum Support {
    /// The package's build directory, where `swift build` put `vigil`.
    static var buildDirectory: URL {
        // The test bundle lives in the same directory as the executables.
        let bundle = Bundle.main.bundleURL
        for candidate in [bundle, bundle.deletingLastPathComponent()] {
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("vigil").path) {
                return candidate
            }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug")
    }

    static var vigil: String { buildDirectory.appendingPathComponent("vigil").path }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        /// The bytes as written, for tests of what reaches a terminal.
        var stdoutBytes = Data()
        var stderrBytes = Data()
        /// How the process ended: exit, or killed by a signal.
        var reason: Process.TerminationReason = .exit
    }

    /// Runs a program to completion and returns what it printed.
    @discardableResult
    static func run(_ path: String, _ args: [String], environment: [String: String]? = nil) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        if let environment { p.environment = environment }
        // stdout through a pipe, stderr to a file: reading two pipes in
        // turn could deadlock on a chatty child.
        let out = Pipe()
        let errDirectory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: errDirectory) }
        let errURL = errDirectory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let err = try FileHandle(forWritingTo: errURL)
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try? err.close()
        let errData = (try? Data(contentsOf: errURL)) ?? Data()
        return Output(
            status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self), stdoutBytes: outData, stderrBytes: errData,
            reason: p.terminationReason)
    }

    /// Starts a long-running program; the caller terminates it.
    static func start(_ path: String, _ args: [String], log: URL) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func stop(_ p: Process) {
        if p.isRunning {
            p.terminate()
            p.waitUntilExit()
        }
    }

    static func freePort() -> Int { freeLoopbackPort() }

    /// GET through the curl command line tool: an independent client, so
    /// a test never checks Vigil's fetcher with itself.
    static func httpGet(_ url: String) throws -> (status: Int, body: Data) {
        let tmp = temporaryDirectory().appendingPathComponent("body")
        let out = try run("/usr/bin/curl", ["-s", "-o", tmp.path, "-w", "%{http_code}", "--max-time", "20", url])
        let body = (try? Data(contentsOf: tmp)) ?? Data()
        return (Int(out.stdout) ?? 0, body)
    }

    /// Starts Debian's node exporter on a free loopback port, waits until
    /// it answers, and returns it with its /metrics URL.
    static func startNodeExporter(logDirectory: URL) throws -> (Process, String) {
        let port = freePort()
        let exporter = try start(
            "/usr/bin/prometheus-node-exporter", ["--web.listen-address=127.0.0.1:\(port)"],
            log: logDirectory.appendingPathComponent("node.log"))
        let url = "http://127.0.0.1:\(port)/metrics"
        try waitReady(url)
        return (exporter, url)
    }

    /// A scrape target that is a file served by Python's http.server: a
    /// test rewrites it to make a rule fire or resolve.
    struct FileTarget {
        let directory: URL
        let port = Support.freePort()
        let process: Process
        var url: String { "http://127.0.0.1:\(port)/metrics" }

        init(in dir: URL, _ text: String) throws {
            directory = dir.appendingPathComponent("web")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try text.write(to: directory.appendingPathComponent("metrics"), atomically: true, encoding: .utf8)
            process = try Support.start(
                "/usr/bin/python3",
                ["-m", "http.server", "--bind", "127.0.0.1", "--directory", directory.path, "\(port)"],
                log: dir.appendingPathComponent("web.log"))
            try Support.waitReady(url)
        }

        func write(_ text: String) throws {
            try text.write(to: directory.appendingPathComponent("metrics"), atomically: true, encoding: .utf8)
        }

        /// `errors_percent{service="api"}` at this value.
        static func errors(_ v: Double) -> String {
            "# TYPE errors_percent gauge\nerrors_percent{service=\"api\"} \(v)\n"
        }

        /// A configuration's start: this target every second, and an
        /// error_rate metric on one dashboard.
        var configHead: String {
            """
            refresh: 1s
            targets:
              - {name: api, url: "\(url)", interval: 1s, timeout: 1s, format: prometheus}
            metrics:
              error_rate: {name: Error Rate, unit: "%", query: 'max by (service) (errors_percent)', threshold: {warning: 1, critical: 5}}
            dashboards:
              - {name: Main, panels: [{title: Error Rate, type: stat, metrics: [error_rate]}]}

            """
        }
    }

    /// Polls `url` until it answers 200, for at most `seconds`.
    static func waitReady(_ url: String, seconds: Double = 30) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let r = try? httpGet(url), r.status == 200 { return }
            usleep(200_000)
        }
        throw SupportError(message: "\(url) did not become ready in \(seconds) s")
    }

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Relative difference within `tolerance`, NaN equal to NaN, infinities exact.
    static func approximatelyEqual(_ a: Double, _ b: Double, tolerance: Double = 1e-9) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a.isInfinite || b.isInfinite { return a == b }
        if a == b { return true }
        return abs(a - b) <= tolerance * max(abs(a), abs(b))
    }
}

struct SupportError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
