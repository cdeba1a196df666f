import Foundation
import Testing
import VigilApp
import VigilCore
import VigilUI

/// The launch in the running application (issue 14), fed messages: the
/// current phase's checks measured from the scrapes, GO / HOLD / NO-GO on
/// the Launch screen, decisions by keys written to the journal (and
/// refused ones not), the checklist ticked and probed, and a restart that
/// shows the same launch.
@Suite struct LaunchAppTests {
    static let config = try! ConfigLoader.parse(
        """
        refresh: 1s
        targets:
          - {name: api, url: "http://127.0.0.1:9/metrics", interval: 1s, timeout: 1s}
        metrics:
          error_rate: {name: Error Rate, unit: "%", query: 'max(error_percent)', threshold: {warning: 1, critical: 5}}
        dashboards:
          - name: Main
            panels:
              - {title: Error Rate, type: stat, metrics: [error_rate]}
        launch:
          check_defaults: {interval: 2s, min_samples: 3, consecutive: 2}
          phases:
            - {name: internal, traffic: 10, duration: 20s, checks: [{metric: error_rate}]}
            - {name: beta, traffic: 25, duration: 20s, checks: [{metric: error_rate}]}
          checklist:
            infra:
              - Deploy production environment
              - {title: Monitoring up, query: 'min(up)', every: 5s}
              - {title: Health, http: 'http://127.0.0.1:9/healthz', every: 5s}
        """, file: "t.yaml")

    final class World: @unchecked Sendable {
        var errorPercent = 0.3
        var health = 200
    }

    static func harness(_ w: World, journal: [JournalRecord] = []) -> Harness {
        var h = Harness(config, journal: journal)
        h.answer = { p in
            if p.source == .probes {
                return FetchOutcome(.success(FetchResponse(status: w.health, body: Array("ok".utf8))))
            }
            return exposition("# TYPE error_percent gauge\nerror_percent{instance=\"a\"} \(w.errorPercent)\n")
        }
        return h
    }

    static func launchLines(_ h: Harness) -> [String] {
        h.screen(width: 110, height: 30).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// A whole line of the framed screen, `width` wide.
    static func framed(_ text: String, width: Int = 110) -> String {
        "┃ " + text + String(repeating: " ", count: max(0, width - 3 - text.count)) + "┃"
    }

    func launchRecords(_ h: Harness) -> [LaunchDecision] {
        h.journal.compactMap {
            if case .launch(let d) = $0.entry { return d }
            return nil
        }
    }

    @Test func aPhaseIsJudgedAndPromotedFromTheKeyboard() throws {
        let w = World()
        var h = Self.harness(w)
        h.run(forMs: 3000)
        h.press(.char("L"))
        #expect(h.app.state.screen == .launch)
        // P asks why; Enter starts (after the automated items ran again).
        h.press(.char("P"))
        #expect(h.app.state.prompt != nil)
        h.type("go for internal")
        h.press(.enter)
        h.run(forMs: 2000)
        var decisions = launchRecords(h)
        #expect(decisions.map(\.action) == [.start])
        #expect(decisions.first?.to == "internal" && decisions.first?.by == "alice@bastion")
        #expect(decisions.first?.reason == "go for internal")
        let started = try #require(h.app.alerts.launch.enteredAt)
        // Passing, but the phase's 20 s are not over: GO possible at its end.
        h.run(forMs: 8000)
        let gate = try #require(h.app.gateStatus(now: h.now))
        #expect(gate.checks.first?.verdict == .go)
        #expect(gate.decision == .hold("minimum duration 20s", goAt: started + 20_000))
        var lines = Self.launchLines(h)
        #expect(
            lines.contains(Self.framed("GO possible at \(TimeText.clock(started + 20_000)) (minimum duration 20s)")))
        #expect(
            lines.contains(
                Self.framed(
                    "GO       error_rate            0.3%        > 1%        5/3       5/2      max(error_percent)")))
        h.run(forMs: 14_000)
        #expect(h.app.gateStatus(now: h.now)?.decision == .go)
        lines = Self.launchLines(h)
        #expect(lines.contains(Self.framed("GO: every check passed; P promotes")))
        // The api degrades: NO-GO, and a promotion is refused, unwritten.
        w.errorPercent = 7.5
        h.run(forMs: 3000)
        lines = Self.launchLines(h)
        #expect(lines.contains(Self.framed("NO-GO: error_rate 7.5% > 5%")))
        #expect(
            lines.contains(
                Self.framed(
                    "NO-GO    error_rate            7.5%        > 5%        14/3      0/2      max(error_percent)")))
        h.press(.char("P"))
        h.press(.enter)
        h.run(forMs: 2000)
        #expect(launchRecords(h).count == 1)
        #expect(
            h.app.state.message
                == "refused: error_rate is NO-GO (error_rate 7.5% > 5%) (override with a reason to go anyway)")
        // An override needs its reason; with one it is written, with the
        // evidence of the NO-GO.
        h.press(.char("o"))
        h.press(.enter)
        h.run(forMs: 2000)
        #expect(h.app.state.message == "an override needs a reason (what was checked by hand, who agreed)")
        #expect(launchRecords(h).count == 1)
        h.press(.char("o"))
        h.type("bob agreed: retries absorb it")
        h.press(.enter)
        h.run(forMs: 2000)
        decisions = launchRecords(h)
        #expect(decisions.map(\.action) == [.start, .override])
        let override = try #require(decisions.last)
        #expect(override.from == "internal" && override.to == "beta")
        #expect(override.evidence.map(\.verdict) == ["NO-GO"] && override.evidence.first?.value == 7.5)
        #expect(h.app.alerts.launch.current == "beta")
        // The traffic share was announced at start and at each new phase.
        #expect(h.traffic == [nil, 10, 25])
        // A new phase starts its checks from nothing.
        #expect(h.app.gateStatus(now: h.now)?.checks.first.map { $0.track.samples <= 1 } == true)
    }

    @Test func aRestartShowsTheSameLaunch() throws {
        let w = World()
        var h = Self.harness(w)
        h.run(forMs: 3000)
        h.press(.char("L"), .char("P"))
        h.press(.enter)
        h.run(forMs: 2000)
        h.press(.char("H"))
        h.type("waiting for the checkout fix")
        h.press(.enter)
        h.run(forMs: 1000)
        #expect(launchRecords(h).map(\.action) == [.start, .hold])
        var again = Self.harness(w, journal: h.journal)
        again.press(.char("L"))
        #expect(again.app.alerts.launch.current == "internal")
        #expect(again.app.alerts.launch.hold?.decision.reason == "waiting for the checkout fix")
        let lines = Self.launchLines(again)
        let start = try #require(h.journal.first { $0.type == "launch_start" })
        let hold = try #require(h.journal.first { $0.type == "launch_hold" })
        #expect(
            lines.contains {
                $0.hasPrefix("┃ ▶ internal               10%   min 20s     since \(TimeText.clock(start.t))")
            })
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "┃ \(TimeText.clock(hold.t)) hold internal by alice@bastion: waiting for the checkout fix ")
            })
        #expect(
            lines.contains { $0.hasPrefix("┃ \(TimeText.clock(start.t)) start (start) → internal by alice@bastion ") })
    }

    @Test func theChecklistIsTickedProbedAndGatesTheStart() throws {
        let w = World()
        w.health = 503
        var h = Self.harness(w)
        h.run(forMs: 3000)
        let marks = { (h: Harness) in
            h.journal.compactMap { r -> String? in
                guard case .checklist(let m) = r.entry else { return nil }
                return "\(m.item) \(m.result.rawValue) \(m.by) \(m.note)"
            }
        }
        // The automated items ran on their own and said what they saw.
        #expect(
            marks(h) == [
                "infra.monitoring-up pass vigil 1 series non-zero", "infra.health fail vigil HTTP 503 (expected 200)",
            ]
                || marks(h) == [
                    "infra.health fail vigil HTTP 503 (expected 200)",
                    "infra.monitoring-up pass vigil 1 series non-zero",
                ])
        // A failed item refuses the start.
        h.press(.char("L"), .char("P"))
        h.press(.enter)
        h.run(forMs: 2000)
        #expect(h.app.state.message == "refused: checklist: infra.health failed (override with a reason to go anyway)")
        #expect(h.journal.allSatisfy { $0.type != "launch_start" })
        // A person ticks the manual item; ticking it again is refused.
        h.press(.char("C"))
        h.press(.char("x"))
        h.type("prod-7 deployed")
        h.press(.enter)
        #expect(marks(h).last == "infra.deploy-production-environment pass alice@bastion prod-7 deployed")
        h.press(.char("x"), .enter)
        #expect(
            h.app.state.message
                == "infra.deploy-production-environment is already pass (by alice@bastion); nothing written")
        h.press(.down, .down, .char("K"), .enter)
        #expect(h.app.state.message == "skipping infra.health needs a reason")
        // The health endpoint recovers: the change is shown with its time.
        w.health = 200
        h.press(.char("R"))
        h.run(forMs: 2000)
        #expect(marks(h).last == "infra.health pass vigil HTTP 200")
        let lines = h.screen(width: 150, height: 20)
        let at = try #require(h.journal.last { $0.type == "checklist" }).t
        let deployed = try #require(
            h.journal.first {
                if case .checklist(let m) = $0.entry { return m.by == "alice@bastion" }
                return false
            }
        ).t
        #expect(
            lines.contains(
                Self.framed(
                    ">  ✓ Health                                   pass        http     failed -> passed \(TimeText.clock(at)) by vigil: HTTP 200",
                    width: 150)))
        #expect(
            lines.contains(
                Self.framed(
                    "   ✓ Deploy production environment            pass        manual   \(TimeText.clock(deployed)) by alice@bastion: prod-7 deployed",
                    width: 150)))
        // Now the start goes through.
        h.press(.char("L"), .char("P"), .enter)
        h.run(forMs: 2000)
        #expect(h.journal.contains { $0.type == "launch_start" })
    }
}
