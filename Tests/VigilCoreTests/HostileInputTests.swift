import Foundation
import Testing

@testable import VigilCore

/// Inputs that used to crash Vigil or reach the terminal raw (issue 22):
/// each fixed at its cause, each checked here by the example that found it.
@Suite struct HostileInputTests {
    static let data = try! InstantQuery.loadBackfill(Array("up 1 1700000000\n# EOF\n".utf8))

    func parseError(_ q: String) -> QuerySyntaxError? {
        do {
            _ = try QueryParser.parse(q)
            return nil
        } catch {
            return error
        }
    }

    /// No control character, DEL, C1 or bidi override anywhere.
    func isPrintable(_ s: String) -> Bool {
        !s.unicodeScalars.contains {
            $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || (0x202A...0x202E).contains($0.value)
                || (0x2066...0x2069).contains($0.value)
        }
    }

    @Test func deepNestingIsAnErrorAtTheLevelTooMany() {
        let e = parseError(String(repeating: "(", count: 17_439))
        #expect(e == QuerySyntaxError(column: 1001, message: "expression nested deeper than 1000 levels"))
        #expect(parseError(String(repeating: "abs(", count: 12_000))?.column == 4004)
        #expect(parseError(String(repeating: "-", count: 30_000) + "up")?.column == 1001)
        #expect(parseError(String(repeating: "-(", count: 11_000) + "up")?.message.contains("deeper") == true)
        // A chain of operators nests the tree as deep, without recursion in
        // the parser (it crashed the evaluator at 20,000 terms).
        let chain = parseError(Array(repeating: "up", count: 20_000).joined(separator: " + "))
        #expect(chain?.message == "expression nested deeper than 1000 levels")
        #expect(chain?.column == 1001 * 5 - 1)  // the 1,001st '+'
        #expect(parseError(Array(repeating: "up", count: 1000).joined(separator: " + ")) == nil)
        #expect(parseError("up" + String(repeating: "[1m:]", count: 2))?.message.contains("instant vector") == true)
        // Nested subqueries multiply their steps; past a million, refused.
        #expect(
            parseError("max_over_time(max_over_time(up[1d:1s])[1d:1s])")?.message
                == "subquery of 86400 steps: at most 11000 are evaluated")
        #expect(
            parseError("max_over_time(max_over_time(up[1h:1s])[1h:1s])")?.message
                == "nested subqueries need 12967201 inner evaluations: at most 1000000")
        let eight = String(repeating: "max_over_time(", count: 8) + "up" + String(repeating: "[5m:])", count: 8)
        #expect(parseError(eight)?.message == "nested subqueries need 1679616 inner evaluations: at most 1000000")
        // Exactly the limit still parses and evaluates.
        let q = String(repeating: "(", count: 1000) + "up" + String(repeating: ")", count: 1000)
        #expect(parseError(q) == nil)
    }

    /// At the limit, parsing and evaluating fit a thread with the main
    /// thread's 8 MiB stack even in a debug build, where the parser takes
    /// about 5 KiB a level (measured with gdb) and 1,700 levels overflow.
    @Test func theDeepestQueryFitsASmallStack() throws {
        let queries = [
            String(repeating: "(", count: 1000) + "up" + String(repeating: ")", count: 1000),
            String(repeating: "abs(", count: 999) + "up" + String(repeating: ")", count: 999),
            String(repeating: "-", count: 999) + "up",
            Array(repeating: "up", count: 1000).joined(separator: " ^ "),
            Array(repeating: "up", count: 1000).joined(separator: " / "),
        ]
        let results = Results()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            for q in queries {
                let value = (try? InstantQuery.run(QueryParser.parse(q), on: Self.data, at: 1_700_000_000_000))?.first?
                    .value
                results.append(value)
            }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        done.wait()
        #expect(results.values == [1, 1, -1, 1, 1])
    }

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [Double?] = []
        func append(_ v: Double?) { lock.withLock { stored.append(v) } }
        var values: [Double?] { lock.withLock { stored } }
    }

    @Test func atModifierOutsidePrometheusBoundsIsAnError() {
        for q in ["f @ 1e30", "2 @ 1e19", "up @ 1e309", "up @ -1e19", "up[5m] @ 9.3e15"] {
            let e = parseError(q)
            #expect(
                e?.message.hasPrefix("timestamp out of bounds for @ modifier") == true, "\(q): \(String(describing: e))"
            )
        }
        #expect(parseError("up @ 9223309901257974") == nil)
        #expect(parseError("up @ -9223309901257974") == nil)
    }

    @Test func durationsLongerThanPrometheusAllowsAreErrors() {
        #expect(PromDuration("292471208y52w") == nil)
        #expect(PromDuration.isOutOfRange("292471208y52w"))
        #expect(PromDuration("99999999999999999999s") == nil)
        #expect(PromDuration.isOutOfRange("99999999999999999999s"))
        #expect(!PromDuration.isOutOfRange("5x"))
        #expect(PromDuration("292y")?.milliseconds == 9_208_512_000_000)
        #expect(
            parseError("m[292471208y52w]")?.message == "duration '292471208y52w' is out of range (at most 292 years)")
        #expect(parseError("up offset -292471208y")?.column == 12)
        let config = "refresh: 292471208y52w\n"
        #expect(throws: ConfigErrors.self) { try ConfigLoader.parse(config, file: "c.yaml") }
        do {
            _ = try ConfigLoader.parse(config, file: "c.yaml")
        } catch {
            #expect(error.errors.first?.description == "c.yaml:1:10: refresh is out of range (at most 292 years)")
        }
    }

    @Test func offsetsAndLookbackAtTheEndsOfTimeDoNotOverflow() throws {
        let maxMs = QueryTime.milliseconds(fromSeconds: QueryTime.maxSeconds)!
        let minMs = QueryTime.milliseconds(fromSeconds: QueryTime.minSeconds)!
        for (q, t) in [
            ("up offset -292y", maxMs), ("up offset 292y", minMs), ("rate(up[292y] offset 292y)", minMs),
            ("up @ 9223309901257974 offset -292y", 0), ("count_over_time(up[292y] @ -9223309901257974)", 0),
        ] {
            #expect(try InstantQuery.run(QueryParser.parse(q), on: Self.data, at: t).isEmpty, "\(q)")
        }
        #expect(Int64.max.plusSaturating(1) == .max)
        #expect(Int64.min.minusSaturating(1) == .min)
        #expect(Int64.max.minusSaturating(-5) == .max)
        #expect(QueryTime.milliseconds(fromSeconds: .nan) == nil)
        #expect(QueryTime.milliseconds(fromSeconds: 1e300) == nil)
        #expect(QueryTime.milliseconds(fromSeconds: -.infinity) == nil)
        #expect(QueryTime.milliseconds(fromSeconds: -9.2233720368547e15) == nil)
        #expect(QueryTime.milliseconds(fromSeconds: 1.5) == 1500)
    }

    @Test func dateFunctionsAreNaNOutsideTheTimeRange() throws {
        func value(_ q: String) throws -> Double {
            try #require(InstantQuery.run(QueryParser.parse(q), on: Self.data, at: 0).first).value
        }
        #expect(try value("days_in_month(vector(1e300))").isNaN)
        #expect(try value("year(vector(-1e300))").isNaN)
        #expect(try value("month(vector(NaN))").isNaN)
        // Proleptic Gregorian, as Go counts: 0001-01-01, and 1582-10-14
        // (Julian's October 4, its last day) are ordinary Gregorian days.
        #expect(try value("year(vector(-62135596800))") == 1)
        #expect(try value("day_of_month(vector(-62135596800))") == 1)
        #expect(try value("day_of_month(vector(-12219379200))") == 14)
        #expect(try value("days_in_month(vector(951782400))") == 29)  // 2000-02-29
        #expect(try value("day_of_year(vector(1709164800))") == 60)  // 2024-02-29
        #expect(try value("day_of_week(vector(-1))") == 3)  // 1969-12-31, a Wednesday
        #expect(try value("hour(vector(-1))") == 23)
        #expect(try value("year(vector(9223309901257974))") == 292_277_025)
    }

    /// The civil-date arithmetic agrees with Foundation's Gregorian
    /// calendar wherever that calendar is Gregorian (from 1583 to 9999).
    @Test func civilDatesAgreeWithFoundationInItsRange() {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let s = Int64.random(in: -12_212_553_600...253_402_300_799, using: &rng)
            let date = Date(timeIntervalSince1970: Double(s))
            let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
            let mine = CivilDate(unixSeconds: s)
            #expect(mine.year == Int64(c.year!) && mine.month == c.month! && mine.day == c.day!, "\(s)")
            #expect(mine.hour == c.hour! && mine.minute == c.minute! && mine.weekday == c.weekday! - 1, "\(s)")
            #expect(mine.daysInMonth == cal.range(of: .day, in: .month, for: date)!.count, "\(s)")
            #expect(mine.dayOfYear == cal.ordinality(of: .day, in: .year, for: date)!, "\(s)")
        }
    }

    @Test func parserMessagesQuoteInputCleanedAndShort() {
        let osc = "\u{1B}]0;PWNED\u{07}"
        do {
            _ = try ExpositionParser.parseAll(bytes: Array("a 1\(osc)\n".utf8), format: .prometheus)
            Issue.record("accepted")
        } catch {
            #expect(error.description == "1:3: invalid value '1␛]0;PWNED␇'")
        }
        do {
            _ = try ExpositionParser.parseAll(bytes: Array("a 1\r\n".utf8), format: .prometheus)
            Issue.record("accepted")
        } catch {
            #expect(isPrintable(error.description), "\(error)")
            #expect(error.description.contains("'1␍'"))
        }
        do {
            let long = String(repeating: "9", count: 3_000_000) + "x"
            _ = try ExpositionParser.parseAll(bytes: Array("a \(long)\n".utf8), format: .prometheus)
            Issue.record("accepted")
        } catch {
            #expect(error.description.count < 120, "\(error.description.prefix(200))")
            #expect(error.description.hasSuffix("…'"))
        }
        for bytes in [
            Array("# HELP a x\\\u{1B}y\n# EOF\n".utf8), Array("a{b=\"\\\u{1B}\"} 1\n".utf8),
            Array("# TYPE a \u{1B}[31m\n".utf8), Array("# \u{1B}]0;x\u{07} a\n# EOF\n".utf8),
            Array("a{b=\"1\",b=\"2\"} 1\n".utf8), [0x61, 0x20, 0x9B, 0x32, 0x4A, 0x0A],
        ] {
            for format in [ExpositionFormat.prometheus, .openMetrics] {
                do {
                    _ = try ExpositionParser.parseAll(bytes: bytes, format: format)
                } catch {
                    #expect(isPrintable(error.description), "\(error)")
                }
            }
        }
        for q in ["up\u{1B}]0;x\u{07}", "\"\\\u{1B}\"", "up[5\u{1B}m]", "{a=~\"(\u{1B}\"}", "up \u{202E} 1"] {
            let e = parseError(q)
            #expect(e != nil && isPrintable(e!.message), "\(String(describing: e))")
        }
        #expect(parseError("up \u{1B}[2J")?.message == "unexpected '␛[2J'")
    }

    @Test func configMessagesQuoteInputCleaned() {
        let cases = [
            "alerts:\n  severities: {low: {}}\n  rules:\n    - {name: r, expr: up, severity: \"\\e[31m\"}\n",
            "\"\\e]0;x\\a\": 1\n", "a: 1\na: 2\nb: \"\\e[2J\"\n", "metrics:\n  x:\n    query: up\n   name: y\n",
            "refresh: 2s\n\u{1B}]0;x\u{07}: [\n",
        ]
        for text in cases {
            do {
                _ = try ConfigLoader.parse(text, file: "c.yaml")
                Issue.record("accepted: \(text)")
            } catch {
                #expect(isPrintable(error.description), "\(error.description)")
                #expect(!error.description.contains("\n"))
            }
        }
        do {
            _ = try ConfigLoader.parse(cases[0], file: "c.yaml")
        } catch {
            #expect(error.description.contains("unknown severity '␛[31m' (defined: low)"), "\(error)")
        }
        do {
            _ = try ConfigLoader.parse(cases[2], file: "c.yaml")
        } catch {
            // Not the library's description, which repeats the document.
            #expect(error.description == "c.yaml:1:1: duplicate key 'a' in one mapping", "\(error)")
        }
        do {
            _ = try ConfigLoader.parse(cases[3], file: "c.yaml")
        } catch {
            #expect(error.description.contains("check the indentation"), "\(error)")
        }
    }

    @Test func quotingShortensAndCleans() {
        #expect(Sanitizer.quote("abc") == "'abc'")
        #expect(Sanitizer.quote(String(repeating: "x", count: 100), maxLength: 5) == "'xxxxx…'")
        #expect(Sanitizer.quote("a\nb\u{1B}") == "'a␊b␛'")
        #expect(Sanitizer.cleanKeepingLines("a\n\tb\r\u{9B}\u{202E}") == "a\n\tb␍\u{FFFD}\u{FFFD}")
        #expect(Sanitizer.quote(bytes: [0x61, 0xFF, 0x1B]) == "'a\u{FFFD}␛'")
    }
}
