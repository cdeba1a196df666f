import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Email over SMTP through libcurl (issue 15), against a local SMTP server
/// (Debian's python3-aiosmtpd): a message with the right subject and body,
/// STARTTLS against a test certificate, and a server that refuses the
/// sender said with its reason.
@Suite(.serialized) struct EmailEndToEndTests {
    static let fixture = TmuxSession.root + "/Tests/VigilIntegrationTests/Fixtures/smtp_server.py"

    struct Server {
        let dir = Support.temporaryDirectory()
        let port = Support.freePort()
        var process: Process?
        var log: URL { dir.appendingPathComponent("mail.jsonl") }

        init(tls: Bool) throws {
            var args = [
                Self.fixtureArgs, "--port", "\(port)", "--log", log.path, "--reject-from", "nobody@example.test",
            ]
            if tls {
                let cert = dir.appendingPathComponent("cert.pem").path
                let key = dir.appendingPathComponent("key.pem").path
                try Support.run(
                    "/usr/bin/openssl",
                    [
                        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    ])
                args += ["--cert", cert, "--key", key, "--password", "pw-secret"]
            }
            process = try Support.start("/usr/bin/python3", args, log: dir.appendingPathComponent("smtp.log"))
            for _ in 0..<100 {
                if (try? Support.run("/usr/bin/bash", ["-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"]))?.status == 0 {
                    break
                }
                usleep(100_000)
            }
        }

        static var fixtureArgs: String { EmailEndToEndTests.fixture }

        func messages() -> [[String: Any]] {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        func config(from: String, tls: Bool) throws -> String {
            let path = dir.appendingPathComponent("vigil.yaml").path
            let extra =
                tls ? ", starttls: true, ca_file: \(dir.path)/cert.pem, username: vigil, password: \"${SMTP_PW}\"" : ""
            try """
            targets:
              - {name: api, url: "http://127.0.0.1:9/metrics"}
            channels:
              - {name: email, kind: email, url: "smtp://127.0.0.1:\(port)", from: \(from), to: [oncall@example.test, lead@example.test]\(extra)}
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func stop() {
            if let p = process { kill(p.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(at: dir)
        }
    }

    @Test func aTestMessageArrivesWithItsSubjectAndBody() throws {
        let server = try Server(tls: false)
        defer { server.stop() }
        let config = try server.config(from: "vigil@example.test", tls: false)
        let out = try Support.run(Support.vigil, ["notify", "test", "email", "--config", config])
        #expect(out.status == 0, "\(out.stdout) \(out.stderr)")
        #expect(out.stdout == "email trigger: SMTP 250\n", "\(out.stdout)")
        let m = try #require(server.messages().first)
        #expect(m["from"] as? String == "vigil@example.test")
        #expect(m["to"] as? [String] == ["oncall@example.test", "lead@example.test"])
        let data = m["data"] as? String ?? ""
        #expect(data.contains("Subject: [FIRING low] Vigil test {channel=email}\r\n"), "\(data)")
        #expect(data.contains("\r\n\r\nVigil test {channel=email} is firing (low).\r\n"), "\(data)")
        #expect(data.contains("Description: A test from "), "\(data)")
    }

    @Test func startTLSWithATestCertificate() throws {
        let server = try Server(tls: true)
        defer { server.stop() }
        let config = try server.config(from: "vigil@example.test", tls: true)
        var env = ProcessInfo.processInfo.environment
        env["SMTP_PW"] = "pw-secret"
        let out = try Support.run(Support.vigil, ["notify", "test", "email", "--config", config], environment: env)
        #expect(out.status == 0, "\(out.stdout) \(out.stderr)")
        let m = try #require(server.messages().first, "\(out.stdout)")
        #expect(m["tls"] as? Bool == true)
        #expect(m["login"] as? String == "vigil")
        #expect(!out.stdout.contains("pw-secret"))
    }

    @Test func aRefusedSenderIsSaidWithItsReason() throws {
        let server = try Server(tls: false)
        defer { server.stop() }
        let config = try server.config(from: "nobody@example.test", tls: false)
        let out = try Support.run(Support.vigil, ["notify", "test", "email", "--config", config])
        #expect(out.status == 1)
        #expect(out.stdout.hasPrefix("email trigger: SMTP 550"), "\(out.stdout)")
        #expect(server.messages().isEmpty)
    }
}
