import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilNet

#if canImport(Glibc)
    import Glibc
#endif

/// A misbehaving loopback server (Fixtures/misbehaving_server.py), plain
/// or over TLS, started for one test and stopped after it.
final class MisbehavingServer {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    let process = Process()
    let port: Int
    let scheme: String

    init(cert: String? = nil, key: String? = nil) throws {
        port = Self.freePort()
        scheme = cert == nil ? "http" : "https"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments =
            [Self.fixtures.appendingPathComponent("misbehaving_server.py").path, "\(port)"]
            + [cert, key].compactMap { $0 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The server prints "ready" once it listens.
        _ = out.fileHandleForReading.availableData
    }

    func url(_ path: String) -> String { "\(scheme)://127.0.0.1:\(port)\(path)" }

    deinit {
        // SIGKILL: the child inherits the test runner's signal mask, in
        // which SIGTERM may be blocked.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    static func freePort() -> Int { freeLoopbackPort() }
}

/// Fetches one URL and returns the outcome and how long it took.
func fetch(_ request: FetchRequest) -> (Result<FetchResponse, FetchError>, Double) {
    let fetcher = Fetcher()
    fetcher.start(request)
    let start = Date()
    let c = fetcher.finishAll(within: 30)
    return (c.first?.result ?? .failure(.other("no completion")), Date().timeIntervalSince(start))
}

func failure(_ r: Result<FetchResponse, FetchError>) -> String? {
    if case .failure(let e) = r { return e.description }
    return nil
}

@Suite(.serialized) struct FetcherTests {
    @Test func eachFailureHasItsReasonInTime() throws {
        let server = try MisbehavingServer()
        let refusedPort = MisbehavingServer.freePort()
        let cases: [(String, String, Double)] = [
            ("http://127.0.0.1:\(refusedPort)/metrics", "refused (127.0.0.1:\(refusedPort))", 1),
            (server.url("/hang"), "timed out after 1.0 s", 1.6),
            (server.url("/drip"), "timed out after 1.0 s", 1.6),
            (server.url("/status/404"), "HTTP 404 Not Found", 1),
            (server.url("/status/500"), "HTTP 500 Internal Server Error", 1),
            (server.url("/status/503"), "HTTP 503 Service Unavailable", 1),
            (server.url("/big"), "body over 1 MiB", 1),
            (server.url("/bigchunked"), "body over 1 MiB", 1),
            (server.url("/redirect/7"), "more than 5 redirects", 1),
        ]
        for (url, reason, limit) in cases {
            var r = FetchRequest(url: url)
            r.timeoutMs = 1000
            r.bodyLimit = 1 << 20
            let (result, seconds) = fetch(r)
            #expect(failure(result) == reason, "\(url)")
            #expect(seconds < limit, "\(url) took \(seconds) s")
        }
        var r = FetchRequest(url: server.url("/badgzip"))
        r.timeoutMs = 1000
        #expect(failure(fetch(r).0)?.hasPrefix("bad content encoding") == true)
    }

    @Test func successesAndHeaders() throws {
        let server = try MisbehavingServer()
        var r = FetchRequest(url: server.url("/echo"))
        r.auth = .bearer(Secret("s3cret-token"))
        r.headers = [("X-Scope-OrgID", "launch")]
        guard case .success(let response) = fetch(r).0 else {
            Issue.record("echo failed")
            return
        }
        let samples = try ExpositionParser.parseAll(bytes: response.body, format: .prometheus)
        let headers = Dictionary(
            samples.map { ($0.labels[0].value, $0.labels[1].value) }, uniquingKeysWith: { a, _ in a })
        #expect(headers["user-agent"] == "vigil/\(VigilVersion.current)")
        #expect(headers["accept"]?.hasPrefix("application/openmetrics-text;version=1.0.0") == true)
        #expect(headers["accept"]?.contains("text/plain;version=0.0.4;q=0.5") == true)
        #expect(headers["accept-encoding"]?.contains("gzip") == true)
        #expect(headers["authorization"] == "Bearer s3cret-token")
        #expect(headers["x-scope-orgid"] == "launch")

        guard case .success(let gz) = fetch(FetchRequest(url: server.url("/gzip"))).0 else {
            Issue.record("gzip failed")
            return
        }
        #expect(String(decoding: gz.body, as: UTF8.self) == "# TYPE up_demo gauge\nup_demo 1\n")
        guard case .success(let om) = fetch(FetchRequest(url: server.url("/openmetrics"))).0 else {
            Issue.record("openmetrics failed")
            return
        }
        #expect(ExpositionFormat(contentType: om.contentType) == .openMetrics)
        guard case .success = fetch(FetchRequest(url: server.url("/redirect/3"))).0 else {
            Issue.record("3 redirects should be followed")
            return
        }
    }

    @Test func basicAuthAndSecretsNeverPrint() throws {
        let server = try MisbehavingServer()
        var r = FetchRequest(url: server.url("/echo"))
        r.auth = .basic(username: "ops", password: Secret("hunter2"))
        guard case .success(let response) = fetch(r).0 else {
            Issue.record("echo failed")
            return
        }
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains("Basic \(Data("ops:hunter2".utf8).base64EncodedString())"))
        // The secret type never shows its value, even when a whole request
        // ends up in a log line or an error message.
        #expect(!"\(r)".contains("hunter2"))
        #expect(!String(reflecting: r).contains("hunter2"))
    }

    @Test func tlsVerificationAndItsReasons() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-certs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let make = Process()
        make.executableURL = URL(
            fileURLWithPath: MisbehavingServer.fixtures.appendingPathComponent("make_certs.sh").path)
        make.arguments = [dir.path]
        try make.run()
        make.waitUntilExit()
        try #require(make.terminationStatus == 0)
        let ca = dir.appendingPathComponent("ca.pem").path

        let good = try MisbehavingServer(
            cert: dir.appendingPathComponent("good.pem").path, key: dir.appendingPathComponent("good.key").path)
        var r = FetchRequest(url: good.url("/ok"))
        // Verification is on by default: an unknown CA fails.
        #expect(failure(fetch(r).0)?.hasPrefix("TLS: ") == true)
        r.tls.caFile = ca
        guard case .success = fetch(r).0 else {
            Issue.record("with the CA file the good certificate must verify")
            return
        }
        var insecure = FetchRequest(url: good.url("/ok"))
        insecure.tls.insecureSkipVerify = true
        guard case .success = fetch(insecure).0 else {
            Issue.record("insecure_skip_verify must accept an unknown CA")
            return
        }

        let expired = try MisbehavingServer(
            cert: dir.appendingPathComponent("expired.pem").path, key: dir.appendingPathComponent("expired.key").path)
        var e = FetchRequest(url: expired.url("/ok"))
        e.tls.caFile = ca
        #expect(failure(fetch(e).0) == "TLS: certificate has expired")

        // An https URL on a plain-HTTP port: plain words, not OpenSSL's.
        let plain = try MisbehavingServer()
        let wrong = FetchRequest(url: plain.url("/ok").replacingOccurrences(of: "http://", with: "https://"))
        #expect(failure(fetch(wrong).0) == "TLS: the server does not speak TLS (a plain HTTP port? try http://)")
    }

    /// A hung and a dripping target never delay a healthy one: it keeps
    /// its schedule while the others time out.
    @Test func hungTargetsDoNotDelayHealthyOnes() throws {
        let server = try MisbehavingServer()
        func target(_ name: String, _ path: String, interval: Int64, timeout: Int64) -> ScrapeTarget {
            var r = FetchRequest(url: server.url(path))
            r.timeoutMs = timeout
            return ScrapeTarget(name: name, request: r, intervalMs: interval)
        }
        var scraper = TargetScrapes(
            targets: [
                target("healthy", "/ok", interval: 200, timeout: 150),
                target("hung", "/hang", interval: 1500, timeout: 1500),
                target("drip", "/drip", interval: 1500, timeout: 1500),
                target("html", "/html", interval: 500, timeout: 400),
            ], store: SeriesStore(capacity: 100))
        let driver = PollDriver()
        let start = Date()
        var longestPump = 0.0
        while Date().timeIntervalSince(start) < 3 {
            driver.start(scraper.due(now: PollDriver.now()).map { SourcePoll(.targets, $0) })
            let wait = max(0, scraper.nextDueMs - PollDriver.now())
            let before = Date()
            for a in driver.wait(timeoutMs: Int(min(wait, 50))).answers {
                scraper.take(tag: a.tag, a.outcome, now: PollDriver.now())
            }
            longestPump = max(longestPump, Date().timeIntervalSince(before))
        }
        // 3 s at 200 ms: about 15 scrapes; allow for a slow machine.
        #expect(scraper.health[0].scrapes >= 12, "healthy scraped \(scraper.health[0].scrapes) times")
        #expect(scraper.health[0].up == true)
        #expect(scraper.health[1].lastError == "timed out after 1.5 s")
        #expect(scraper.health[2].lastError == "timed out after 1.5 s")
        #expect(scraper.health[3].lastError?.hasSuffix("(got text/html)") == true)
        #expect(scraper.health[3].lastError?.hasPrefix("parse error at 1:") == true)
        // No single wait blocked the loop for longer than asked (plus slack).
        #expect(longestPump < 0.25, "a pump blocked for \(longestPump) s")
        // The failing targets' up series read 0, the healthy one's 1.
        let up = scraper.store.series(matching: [try LabelMatcher("__name__", .equal, "up")], minT: 0, maxT: .max)
        let lastUp = Dictionary(uniqueKeysWithValues: up.map { ($0.labels["job"]!, $0.points.last!.v) })
        #expect(lastUp["healthy"] == 1 && lastUp["html"] == 0)
    }
}
