import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilNet

#if canImport(Glibc)
    import Glibc
#endif

/// Fixtures/log_server.py: text, NDJSON, Loki and Elasticsearch endpoints
/// shaped from their documentation, with controls to change the data.
final class LogServer {
    let process = Process()
    let port = freeLoopbackPort()

    init() throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            MisbehavingServer.fixtures.appendingPathComponent("log_server.py").path, "\(port)",
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        _ = out.fileHandleForReading.availableData
    }

    var base: String { "http://127.0.0.1:\(port)" }

    func control(_ what: String, _ query: [String: String] = [:]) {
        var c = URLComponents(string: base + "/ctl/" + what)!
        c.queryItems = query.map { URLQueryItem(name: $0.key, value: $0.value) }
        // '+' would read as a space.
        _ = fetch(FetchRequest(url: c.url!.absoluteString.replacingOccurrences(of: "+", with: "%2B")))
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A poller for one source; `poll()` runs one poll (and the immediate
/// follow-ups a full page or a rotation asks for) and returns the messages
/// that arrived.
final class OnePoller {
    var poller: LogSources
    let driver = PollDriver()
    /// The clock the follower is handed (Loki and Elasticsearch ask for
    /// windows ending now).
    var now: Int64 = Int64(Date().timeIntervalSince1970 * 1000)

    init(_ config: LogSourceConfig) { poller = LogSources(sources: [config]) }

    @discardableResult
    func poll() -> [String] {
        let before = poller.rings[0].total
        var rounds = 0
        repeat {
            poller.pollNow()
            driver.start(poller.due(now: now).map { SourcePoll(.logs, $0) })
            while poller.inFlight > 0 {
                for a in driver.wait(timeoutMs: 100).answers { poller.take(tag: a.tag, a.outcome, now: now) }
            }
            rounds += 1
        } while poller.nextDueMs == 0 && rounds < 20
        let ring = poller.rings[0]
        return ring.last(min(ring.count, ring.total - before)).map(\.message)
    }

    var all: [String] { poller.rings[0].records.map(\.message) }
    var error: String? { poller.health[0].lastError }
}

func source(_ kind: LogKind, _ url: String, _ edit: (inout LogSourceConfig) -> Void = { _ in }) -> LogSourceConfig {
    var c = LogSourceConfig(name: "src", kind: kind, http: TargetConfig(name: "src", url: url))
    c.http.timeout = PromDuration(milliseconds: 5000)
    edit(&c)
    return c
}

@Suite(.serialized) struct LogSourceTests {
    @Test(arguments: ["/text/log", "/text/norange"])
    func textFollowsAppendsTruncationAndRotationWithoutLossOrDoubles(_ path: String) throws {
        let server = try LogServer()
        server.control("append", ["data": "one\ntwo\n"])
        let p = OnePoller(source(.text, server.base + path))
        #expect(p.poll() == ["one", "two"])
        #expect(p.poll() == [])
        // A line written in two parts is taken once it is complete.
        server.control("append", ["data": "three\nfo"])
        #expect(p.poll() == ["three"])
        server.control("append", ["data": "ur\n"])
        #expect(p.poll() == ["four"])
        // Truncated (copytruncate): the new content only.
        server.control("truncate")
        server.control("append", ["data": "five\n"])
        #expect(p.poll() == ["five"])
        // Rotated to a longer, different file: every line of it, once.
        let rotated = (1...30).map { "rotated line \($0)" }.joined(separator: "\n") + "\n"
        server.control("rotate", ["data": rotated])
        #expect(p.poll() == (1...30).map { "rotated line \($0)" })
        server.control("append", ["data": "after\n"])
        #expect(p.poll() == ["after"])
        #expect(p.all.count == 36)  // nothing lost, nothing doubled
        #expect(p.error == nil)
    }

    @Test func textStartsAtTheEndOfABigFile() throws {
        let server = try LogServer()
        // 100 KiB of numbered lines: the first read takes the last 64 KiB,
        // dropping the partial line it starts in.
        let lines = (0..<5000).map { String(format: "line %05d padding padding", $0) }
        server.control("lines", ["n": "5000"])
        let p = OnePoller(source(.text, server.base + "/text/log"))
        let got = p.poll()
        #expect(got.last == "line 04999 padding padding")
        #expect(got.count > 2000 && got.count < 5000)
        #expect(lines.suffix(got.count) == got[...])
    }

    @Test func ndjsonWithACursorAndWithout() throws {
        let server = try LogServer()
        for (i, ts) in ["2026-11-25T03:00:00Z", "2026-11-25T03:00:01Z"].enumerated() {
            server.control(
                "event",
                ["ts": ts, "json": #"{"timestamp":"\#(ts)","severity":"high","message":"e\#(i)","user":"u\#(i)"}"#])
        }
        let p = OnePoller(source(.ndjson, server.base + "/ndjson") { $0.cursorParam = "since" })
        #expect(p.poll() == ["e0", "e1"])
        let r = p.poller.rings[0][1]
        #expect(r.level == .error && r.fields["user"] == "u1" && r.timeMs == 1_795_575_601_000)
        server.control(
            "event", ["ts": "2026-11-25T03:00:02Z", "json": #"{"timestamp":"2026-11-25T03:00:02Z","message":"e2"}"#])
        #expect(p.poll() == ["e2"])
        // The cursor went with the request.
        // Without a cursor the endpoint repeats itself: nothing is doubled.
        let q = OnePoller(source(.ndjson, server.base + "/ndjson/all"))
        #expect(q.poll() == ["e0", "e1", "e2"])
        #expect(q.poll() == [])
        // A line that is not JSON is an error with its line number.
        server.control("event", ["ts": "2026-11-25T03:00:03Z", "json": "not json"])
        #expect(q.poll() == [])
        #expect(q.error == "line 4: not a JSON object")
    }

    @Test func lokiPagesForwardAndDropsTheBoundaryDuplicates() throws {
        let server = try LogServer()
        let now = Int64(Date().timeIntervalSince1970 * 1000) * 1_000_000
        // Three entries share one nanosecond: a page boundary falls among them.
        for (i, ns) in [now - 5_000_000_000, now - 4_000_000_000, now - 4_000_000_000, now - 4_000_000_000, now - 1]
            .enumerated()
        {
            server.control("loki", ["ns": "\(ns)", "line": "level=info msg=entry\(i)"])
        }
        let p = OnePoller(
            source(.loki, server.base) {
                $0.query = #"{app="api"} |= "entry""#
                $0.limit = 2
            })
        #expect(
            p.poll() == [
                "level=info msg=entry0", "level=info msg=entry1", "level=info msg=entry2",
                "level=info msg=entry3", "level=info msg=entry4",
            ])
        #expect(p.poller.rings[0][0].fields["app"] == "api")
        #expect(p.poller.rings[0][0].level == .info)
        // Nothing new: an empty page, no error.
        #expect(p.poll() == [])
        #expect(p.error == nil)
        server.control("loki", ["ns": "\(now + 10)", "line": "level=error msg=late"])
        #expect(p.poll() == ["level=error msg=late"])
        // Loki's error answers are the source's error, shown on its panels.
        server.control("loki_error", ["on": "1"])
        p.poll()
        #expect(p.error?.contains("HTTP 400") == true)
    }

    @Test(arguments: [nil, "seq"] as [String?])
    func elasticsearchPagesWithSearchAfter(_ tiebreaker: String?) throws {
        let server = try LogServer()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // Five documents, four with one timestamp, pages of two.
        for (i, ts) in [now - 3000, now - 2000, now - 2000, now - 2000, now - 2000].enumerated() {
            server.control(
                "es", ["id": "d\(i)", "ts": "\(ts)", "source": #"{"message":"doc \#(i)","seq":\#(i),"level":"warn"}"#])
        }
        let p = OnePoller(
            source(.elasticsearch, server.base) {
                $0.index = "logs"
                $0.limit = 2
                $0.tiebreaker = tiebreaker
            })
        #expect(p.poll() == ["doc 0", "doc 1", "doc 2", "doc 3", "doc 4"])
        #expect(p.poller.rings[0][0].level == .warn)
        #expect(p.poll() == [])
        server.control("es", ["id": "d9", "ts": "\(now - 1000)", "source": #"{"message":"doc 9","seq":9}"#])
        #expect(p.poll() == ["doc 9"])
        #expect(p.error == nil)
    }

    @Test func aJSONDocumentIsTheWholeTableEachTime() throws {
        let server = try LogServer()
        server.control(
            "rotate", ["data": #"[{"cve_id":"CVE-1","severity":"low"},{"cve_id":"CVE-2","severity":"high"}]"#])
        let p = OnePoller(source(.json, server.base + "/text/norange"))
        p.poll()
        #expect(p.poller.rings[0].records.map { $0.fields["cve_id"] } == ["CVE-1", "CVE-2"])
        server.control("rotate", ["data": #"[{"cve_id":"CVE-3","severity":"critical"}]"#])
        p.poll()
        #expect(p.poller.rings[0].records.map { $0.fields["cve_id"] } == ["CVE-3"])
    }

    @Test func aDeadSourceIsAnErrorAndKeepsItsLines() throws {
        var server: LogServer? = try LogServer()
        server!.control("append", ["data": "kept\n"])
        let p = OnePoller(source(.text, server!.base + "/text/log"))
        #expect(p.poll() == ["kept"])
        server = nil
        p.poll()
        #expect(p.error?.hasPrefix("refused") == true)
        #expect(p.all == ["kept"])
    }

    @Test func theRingIsBounded() throws {
        let server = try LogServer()
        server.control("append", ["data": (0..<500).map { "l\($0)" }.joined(separator: "\n") + "\n"])
        let p = OnePoller(source(.text, server.base + "/text/norange") { $0.keep = 100 })
        p.poll()
        #expect(p.all.count == 100 && p.all.first == "l400" && p.poller.rings[0].total == 500)
    }
}
