import Testing

@testable import VigilCore

/// The go/no-go gate (issue 14): each measurement judged against the
/// bounds, passes counted in a row, samples counted, grey results never
/// GO, and the time GO becomes possible.
@Suite struct PhaseGateTests {
    static let t0: Int64 = 1_764_000_000_000

    static func check(
        _ name: String = "error_rate", warning: Double = 1, critical: Double = 5, lowerIsWorse: Bool = false,
        samples: Int = 5, consecutive: Int = 3, failures: Int = 1
    ) -> GateCheck {
        var c = GateCheck(
            name: name, source: .query, query: "q", expr: nil,
            threshold: Threshold(warning: warning, critical: critical, higherIsWorse: !lowerIsWorse), unit: "%",
            minSamples: samples, consecutive: consecutive, intervalMs: 10_000)
        c.failureLimit = failures
        return c
    }

    static func phase(_ checks: [GateCheck], minutes: Int64 = 10) -> LaunchPhase {
        LaunchPhase(
            name: "internal_launch", traffic: 10, minDurationMs: minutes * 60_000, checks: checks,
            at: SourcePosition(line: 1, column: 1))
    }

    /// Feeds measurements 10 s apart from t0 and judges after the last.
    static func judge(_ measured: [Measured], check c: GateCheck = check(), minutes: Int64 = 0) -> (GateStatus, Int64) {
        var track = CheckTrack()
        var at = t0
        for m in measured {
            track.add(m, check: c, at: at)
            at += 10_000
        }
        let now = at - 10_000
        return (GateStatus.judge(phase([c], minutes: minutes), enteredAt: t0, tracks: [c.name: track], now: now), now)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var measured: [Measured]
        var check: GateCheck = PhaseGateTests.check()
        var verdict: Verdict
        var decision: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "enough passes and samples: GO", measured: Array(repeating: .value(0.3), count: 5), verdict: .go,
            decision: "go"),
        Case(
            name: "passing but short of samples: GO later", measured: Array(repeating: .value(0.3), count: 3),
            verdict: .hold, decision: "hold at +20s: error_rate 0.3%: 3 of 5 samples"),
        Case(
            name: "a warning breaks the run of passes",
            measured: [.value(0.3), .value(0.3), .value(0.3), .value(0.3), .value(1.4), .value(0.3)],
            verdict: .hold, decision: "hold at +20s: error_rate 0.3%: 1 of 3 passes"),
        Case(
            name: "the warning itself holds with its value and bound", measured: [.value(0.3), .value(1.4)],
            verdict: .hold, decision: "hold: error_rate 1.4% > 1%"),
        Case(
            name: "critical is NO-GO", measured: Array(repeating: .value(0.3), count: 6) + [.value(5.2)],
            verdict: .noGo, decision: "no-go: error_rate 5.2% > 5%"),
        Case(
            name: "one critical blip holds when two failures are needed", measured: [.value(0.3), .value(7)],
            check: check(failures: 2), verdict: .hold, decision: "hold: error_rate 7% > 5% (1 of 2 failures)"),
        Case(
            name: "two criticals in a row are NO-GO at a limit of two", measured: [.value(7), .value(7)],
            check: check(failures: 2), verdict: .noGo, decision: "no-go: error_rate 7% > 5%"),
        Case(
            name: "no data is never GO", measured: Array(repeating: .value(0.3), count: 5) + [.noData],
            verdict: .noData, decision: "hold: error_rate: no data"),
        Case(
            name: "a target down is never GO",
            measured: Array(repeating: .value(0.3), count: 5) + [.down("api: refused")],
            verdict: .down, decision: "hold: error_rate: target down (api: refused)"),
        Case(
            name: "a query error is never GO", measured: [.error("bad_data: parse error")], verdict: .error,
            decision: "hold: error_rate: query error (bad_data: parse error)"),
        Case(
            name: "not measured yet", measured: [], verdict: .noData, decision: "hold: error_rate: not measured yet"),
        Case(
            name: "grey results do not count as samples or passes",
            measured: [.value(0.3), .value(0.3), .noData, .value(0.3), .value(0.3)], verdict: .hold,
            decision: "hold at +10s: error_rate 0.3%: 2 of 3 passes, 4 of 5 samples"),
        Case(
            name: "lower is worse: a floor", measured: [.value(400)],
            check: check("active_users", warning: 1000, critical: 500, lowerIsWorse: true, samples: 1, consecutive: 1),
            verdict: .noGo, decision: "no-go: active_users 400% < 500%"),
        Case(
            name: "lower is worse: above the warning passes", measured: [.value(4000)],
            check: check("active_users", warning: 1000, critical: 500, lowerIsWorse: true, samples: 1, consecutive: 1),
            verdict: .go, decision: "go"),
        Case(
            name: "NaN is critical, never healthy", measured: [.value(.nan)], verdict: .noGo,
            decision: "no-go: error_rate NaN% > 5%"),
    ]

    static func describe(_ d: GateStatus.Decision, now: Int64) -> String {
        switch d {
        case .go: return "go"
        case .noGo(let why): return "no-go: " + why
        case .hold(let why, nil): return "hold: " + why
        case .hold(let why, let at?): return "hold at +\((at - now) / 1000)s: " + why
        }
    }

    @Test(arguments: cases) func gate(_ c: Case) {
        let (status, now) = Self.judge(c.measured, check: c.check)
        #expect(status.checks.first?.verdict == c.verdict)
        #expect(Self.describe(status.decision, now: now) == c.decision)
    }

    /// GO possible at the latest of the minimum duration, the samples and
    /// the passes still needed.
    @Test func goPossibleAtIsTheLatestOfTimeSamplesAndPasses() {
        // 3 passes of 5 samples, 10 s apart: 2 more samples = 20 s; the
        // phase's minimum of 10 minutes is later and wins.
        let (status, _) = Self.judge(Array(repeating: .value(0.3), count: 3), minutes: 10)
        #expect(status.decision == .hold("error_rate 0.3%: 3 of 5 samples", goAt: Self.t0 + 600_000))
        // Everything passed long ago, only the clock is missing.
        let (done, now) = Self.judge(Array(repeating: .value(0.3), count: 6), minutes: 5)
        #expect(done.decision == .hold("minimum duration 5m", goAt: Self.t0 + 300_000))
        #expect(now < Self.t0 + 300_000)
        // Two checks: the slower one decides.
        let a = Self.check("a", samples: 2, consecutive: 1)
        let b = Self.check("b", samples: 6, consecutive: 1)
        var ta = CheckTrack()
        var tb = CheckTrack()
        ta.add(.value(0), check: a, at: Self.t0)
        tb.add(.value(0), check: b, at: Self.t0)
        let both = GateStatus.judge(
            Self.phase([a, b], minutes: 0), enteredAt: Self.t0, tracks: ["a": ta, "b": tb], now: Self.t0)
        #expect(both.decision == .hold("a 0%: 1 of 2 samples; b 0%: 1 of 6 samples", goAt: Self.t0 + 50_000))
    }

    /// One measurement per interval: a refresh every 2 s does not count
    /// five samples in a 10-second interval.
    @Test func measurementsAreTakenOncePerInterval() {
        let c = Self.check()
        var t = CheckTrack()
        #expect(t.due(c, now: Self.t0))
        t.add(.value(0.1), check: c, at: Self.t0)
        #expect(!t.due(c, now: Self.t0 + 2000))
        #expect(!t.due(c, now: Self.t0 + 8000))
        #expect(t.due(c, now: Self.t0 + 10_000))
    }

    /// The evidence a decision keeps: value or reason, bound, counts.
    @Test func evidenceRecordsWhatEachCheckSaid() {
        let ok = Self.check("error_rate")
        let slow = Self.check("response_time", warning: 2000, critical: 5000)
        var a = CheckTrack()
        var b = CheckTrack()
        a.add(.value(6), check: ok, at: Self.t0)
        b.add(.down("api: connection refused"), check: slow, at: Self.t0)
        let s = GateStatus.judge(
            Self.phase([ok, slow]), enteredAt: Self.t0, tracks: ["error_rate": a, "response_time": b], now: Self.t0)
        #expect(
            s.evidence == [
                CheckEvidence(
                    check: "error_rate", verdict: "NO-GO", query: "q", value: 6, bound: "> 5%", samples: 1, passes: 0),
                CheckEvidence(
                    check: "response_time", verdict: "DOWN", query: "q", value: nil, bound: "> 2000%", samples: 0,
                    passes: 0, detail: "down: api: connection refused"),
            ])
    }
}
