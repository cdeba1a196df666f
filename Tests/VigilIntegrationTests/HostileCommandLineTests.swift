import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Every command on hostile input (issue 22): the crashes a mutation run
/// found and a corpus of escape-sequence attacks through every place a
/// command echoes input. Whatever the input, the process exits with 1 or 2
/// and a message, never by a signal, and its standard output and standard
/// error hold no control character but newline and tab.
@Suite(.serialized) struct HostileCommandLineTests {
    static let attacks = [
        "\u{1B}]0;PWNED\u{07}", "\u{1B}]52;c;ZWNobyBwd25lZA==\u{07}", "\u{1B}[2J\u{1B}[H", "\u{1B}P1$r\u{1B}\\",
        "cr\rlf\n", "\u{9B}31m", "bidi\u{202E}txt", "del\u{7F}", "\u{07}",
    ]

    /// No byte below 0x20 but newline and tab, no DEL, and (decoded) no C1
    /// control or bidi override.
    static func offending(_ data: Data) -> String? {
        for b in data where (b < 0x20 && b != 0x0A && b != 0x09) || b == 0x7F {
            return String(format: "byte 0x%02x", b)
        }
        for u in String(decoding: data, as: UTF8.self).unicodeScalars
        where (0x80...0x9F).contains(u.value) || (0x202A...0x202E).contains(u.value)
            || (0x2066...0x2069).contains(u.value)
        {
            return String(format: "U+%04X", u.value)
        }
        return nil
    }

    struct Case {
        var args: [String]
        /// The statuses allowed: 1 or 2 for input that is wrong, 0 where the
        /// input is merely odd (the output is still checked).
        var statuses: Set<Int32> = [1, 2]
    }

    func check(_ c: Case, environment: [String: String]? = nil) throws {
        let out = try Support.run(Support.vigil, c.args, environment: environment)
        let shown = c.args.map { String($0.prefix(60)).debugDescription }.joined(separator: " ")
        #expect(out.reason == .exit, "killed by signal \(out.status): vigil \(shown)")
        #expect(c.statuses.contains(out.status), "status \(out.status): vigil \(shown)\n\(out.stderr.prefix(300))")
        if !c.statuses.contains(0) {
            #expect(!out.stderr.isEmpty, "no message: vigil \(shown)")
            #expect(out.stderr.count < 2000, "message of \(out.stderr.count) characters: vigil \(shown)")
        }
        if let bad = Self.offending(out.stdoutBytes) { Issue.record("stdout has \(bad): vigil \(shown)") }
        if let bad = Self.offending(out.stderrBytes) { Issue.record("stderr has \(bad): vigil \(shown)") }
    }

    @Test func crashesFoundByTheMutationRunAreErrors() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("d.om").path
        try "up 1 1700000000\n# EOF\n".write(toFile: data, atomically: true, encoding: .utf8)
        var cases: [Case] = []
        for q in [
            String(repeating: "(", count: 17_439), String(repeating: "-(", count: 11_000),
            String(repeating: "abs(", count: 12_000), String(repeating: "-", count: 30_000) + "up", "f @ 1e30",
            "2 @ 1e19", "up @ 1e309", "m[292471208y52w]", "up offset -292471208y",
        ] {
            cases.append(Case(args: ["query", "--data", data, "--", q]))
        }
        for at in ["nan", "1e300", "-inf", "-9.2233720368547e15"] {
            cases.append(Case(args: ["query", "--data", data, "--at=\(at)", "--", "up"]))
        }
        // Odd but valid: an answer, not a crash.
        for q in ["days_in_month(vector(1e300))", "year(vector(-1e300))", "up offset -292y"] {
            cases.append(Case(args: ["query", "--data", data, "--", q], statuses: [0]))
        }
        let config = dir.appendingPathComponent("c.yaml").path
        try "refresh: 292471208y52w\n".write(toFile: config, atomically: true, encoding: .utf8)
        cases.append(Case(args: ["check", "config", config]))
        for c in cases { try check(c) }
        let nan = try Support.run(Support.vigil, ["query", "--data", data, "--", "year(vector(-1e300))"])
        #expect(nan.stdout == "{} NaN\n")
    }

    @Test func escapeSequencesInEveryInputAreShownVisibly() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func file(_ name: String, _ text: String) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        var cases: [Case] = []
        for (i, a) in Self.attacks.enumerated() {
            // Exposition files: a value, HELP, TYPE, a label value, a comment.
            for (j, text) in [
                "a 1\(a)\n", "# HELP a x\\\(a)\n# EOF\n", "# TYPE a \(a)\n", "a{b=\"\\\(a)\"} 1\n", "# \(a)\n# EOF\n",
                "a{b=\"1\",b=\"2\"} 1 \(a)\n",
            ].enumerated() {
                let path = try file("m\(i)-\(j).txt", text)
                // An unknown escape in HELP or a label value is kept as
                // written, as Prometheus and the OpenMetrics reference
                // parser do: valid, and still checked for its output.
                let statuses: Set<Int32> = j == 1 || j == 3 ? [0, 1, 2] : [1, 2]
                cases.append(Case(args: ["check", "metrics", path], statuses: statuses))
                cases.append(Case(args: ["check", "metrics", "--format", "openmetrics", path], statuses: statuses))
                // An OpenMetrics file whose HELP has the unknown escape loads.
                cases.append(Case(args: ["query", "--data", path, "--", "up"], statuses: j == 1 ? statuses : [1, 2]))
            }
            // PromQL: an unexpected byte, an escape in a string, a duration.
            let data = try file("d\(i).om", "up 1 1700000000\n# EOF\n")
            for q in ["up \(a)", "label_replace(up, \"\\\(a)\", \"\", \"\", \"\")", "up[5\(a)]", "{a=~\"(\(a)\"}"] {
                cases.append(Case(args: ["query", "--data", data, "--", q]))
            }
            // Configuration: a key, a severity, a theme, a duplicate key
            // (whose library message repeats the whole document).
            let yamlEscaped = a.unicodeScalars.map {
                $0.value < 0x20 || $0.value > 0x7E ? String(format: "\\u%04x", $0.value) : String($0)
            }
            .joined()
            for (j, text) in [
                "\"\(yamlEscaped)\": 1\n",
                "alerts:\n  severities: {low: {}}\n  rules:\n    - {name: r, expr: up, severity: \"\(yamlEscaped)\"}\n",
                "a: 1\na: 2\nb: \"\(a)\"\n", "metrics:\n  x:\n    query: up\n   name: \"\(yamlEscaped)\"\n",
                "metrics:\n  x: {query: \"up \(yamlEscaped)\"}\n",
            ].enumerated() {
                let path = try file("c\(i)-\(j).yaml", text)
                cases.append(Case(args: ["check", "config", path]))
            }
            let theme = try file("theme\(i).yaml", "targets: []\ntheme: \"\(yamlEscaped)\"\n")
            cases.append(Case(args: ["--once", "--config", theme, "--themes-dir", dir.path]))
            // Arguments echoed back: a file name, a URL, an option, an id.
            cases.append(Case(args: ["check", "config", dir.appendingPathComponent("no\(a)such").path]))
            cases.append(Case(args: ["check", "metrics", dir.appendingPathComponent("no\(a)such").path]))
            cases.append(Case(args: ["scrape", "http://127.0.0.1:1/\(a)", "--timeout", "1s"]))
            cases.append(Case(args: ["scrape", "gopher://x\(a)"]))
            cases.append(Case(args: ["query", "--data", data, "--at", a, "--", "up"]))
            cases.append(Case(args: ["--no-such-option\(a)"]))
            cases.append(Case(args: ["incidents", "show", "INC-\(a)", "--state-dir", dir.path]))
            cases.append(Case(args: ["postmortem", "INC-\(a)", "--state-dir", dir.path]))
        }
        for c in cases { try check(c) }
    }

    @Test func scrapeOfAHostileEndpoint() throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var body = ""
        for a in Self.attacks {
            body += "# HELP ok_\(body.count) help \(a.replacingOccurrences(of: "\n", with: " "))\n"
        }
        try (body + "a 1\u{1B}]0;PWNED\u{07}\n").write(
            to: dir.appendingPathComponent("bad"), atomically: true, encoding: .utf8)
        try "# HELP b x\u{1B}]0;PWNED\u{07}\nb{l=\"\u{1B}[2J\u{9B}\"} 1\n".write(
            to: dir.appendingPathComponent("labels"), atomically: true, encoding: .utf8)
        let port = Support.freePort()
        let server = try Support.start(
            "/usr/bin/python3", ["-m", "http.server", "--bind", "127.0.0.1", "--directory", dir.path, "\(port)"],
            log: dir.appendingPathComponent("server.log"))
        defer { kill(server.processIdentifier, SIGKILL) }
        try Support.waitReady("http://127.0.0.1:\(port)/labels")
        let bad = try Support.run(Support.vigil, ["scrape", "http://127.0.0.1:\(port)/bad"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("invalid value '1␛]0;PWNED␇'"), "\(bad.stderr)")
        try check(Case(args: ["scrape", "http://127.0.0.1:\(port)/bad"]))
        try check(Case(args: ["scrape", "--json", "http://127.0.0.1:\(port)/bad"]))
        // A valid exposition whose label values hold escapes: printed, visibly.
        let labels = try Support.run(Support.vigil, ["scrape", "http://127.0.0.1:\(port)/labels"])
        #expect(labels.status == 0)
        #expect(labels.stdout.contains("␛[2J"), "\(labels.stdout)")
        try check(Case(args: ["scrape", "http://127.0.0.1:\(port)/labels"], statuses: [0]))
        try check(Case(args: ["scrape", "--json", "http://127.0.0.1:\(port)/labels"], statuses: [0]))
    }
}
