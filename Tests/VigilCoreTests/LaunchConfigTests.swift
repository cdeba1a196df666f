import Foundation
import Testing

@testable import VigilCore

/// `launch:` in the configuration (issue 14): the shipped plan's phases and
/// checklist, and every mistake refused at its file:line:column.
@Suite struct LaunchConfigTests {
    static let base = """
        targets:
          - {name: api, url: "http://127.0.0.1:9/metrics"}
        metrics:
          error_rate: {name: Error Rate, unit: "%", query: 'sum(rate(errors_total[1m]))', threshold: {warning: 1, critical: 5}}
          users: {name: Users, unit: count, query: 'sum(active_users)'}
        objectives:
          - {name: Availability, ratio: {bad: 'req_total{code="500"}', total: req_total}, objective: 99.9}

        """

    func errors(_ launch: String) -> [String] {
        do {
            _ = try ConfigLoader.parse(Self.base + launch, file: "t.yaml")
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    @Test func theShippedPlanHasItsThreePhasesAndNineteenItems() throws {
        let cfg = try ConfigLoader.load(path: ConfigTests.shipped, environment: [:])
        let plan = cfg.launch
        #expect(plan.phases.map(\.name) == ["internal_launch", "beta_users_launch", "public_launch"])
        #expect(plan.phases.map(\.traffic) == [10, 25, 100])
        #expect(plan.phases.map(\.minDurationMs) == [7_200_000, 14_400_000, 86_400_000])
        #expect(plan.phases[0].checks.map(\.name) == ["cpu", "memory", "disk", "response_time", "error_rate"])
        // A metric's check takes its query and thresholds; an objective's
        // is its burn rate, warning at 1 and NO-GO at the page's 14.4.
        let errorRate = try #require(plan.phases[0].checks.first { $0.name == "error_rate" })
        #expect(errorRate.query == cfg.metric("error_rate")?.queryText)
        #expect(errorRate.threshold == Threshold(warning: 1, critical: 5))
        #expect(errorRate.minSamples == 50 && errorRate.consecutive == 10 && errorRate.intervalMs == 30_000)
        let budget = try #require(plan.phases[1].checks.first { $0.name == "availability_budget" })
        #expect(budget.source == .objective("availability"))
        #expect(budget.threshold == Threshold(warning: 1, critical: 14.4))
        #expect(plan.categories == ["infrastructure", "data", "performance", "security"])
        #expect(plan.checklist.count == 19)
        #expect(plan.checklist.filter { $0.category == "performance" }.count == 5)
        #expect(plan.checklist.first?.id == "infrastructure.deploy-production-environment")
        #expect(
            plan.checklist.filter(\.automated).map(\.id) == [
                "infrastructure.set-up-monitoring-and-logging", "security.security-monitoring-configured",
            ])
    }

    @Test func aPlanReadsWithDefaultsAndItsOwnSettings() throws {
        let cfg = try ConfigLoader.parse(
            Self.base + """
                launch:
                  note: minutes stand for hours
                  check_defaults: {interval: 5s, min_samples: 3}
                  phases:
                    - name: canary
                      traffic: 5%
                      duration: 30m
                      checks:
                        - {metric: error_rate, consecutive: 2}
                        - {name: floor, query: 'sum(active_users)', warning: 100, critical: 10, lower_is_worse: true, failures: 2}
                  checklist:
                    ops:
                      - "[x] Pager rota set"
                      - {id: health, title: Health endpoint answers, http: 'http://127.0.0.1:9/healthz', status: 204, every: 30s, ttl: 5m}
                """, file: "t.yaml")
        let p = cfg.launch.phases[0]
        #expect(cfg.launch.note == "minutes stand for hours")
        #expect(p.traffic == 5 && p.minDurationMs == 1_800_000)
        #expect(p.checks.map(\.name) == ["error_rate", "floor"])
        #expect(p.checks.map(\.intervalMs) == [5000, 5000])
        #expect(p.checks.map(\.minSamples) == [3, 3])
        #expect(p.checks.map(\.consecutive) == [2, 3])
        #expect(p.checks[1].threshold == Threshold(warning: 100, critical: 10, higherIsWorse: false))
        #expect(p.checks[1].failureLimit == 2)
        #expect(cfg.launch.checklist.map(\.id) == ["ops.pager-rota-set", "ops.health"])
        #expect(cfg.launch.checklist[0].title == "Pager rota set")
        guard case .http(let url, let status) = cfg.launch.checklist[1].kind else {
            Issue.record("not an http item")
            return
        }
        #expect(url == "http://127.0.0.1:9/healthz" && status == 204)
        #expect(cfg.launch.checklist[1].ttlMs == 300_000 && cfg.launch.checklist[1].everyMs == 30_000)
        // The store keeps what the launch queries read.
        #expect(cfg.selectors.contains { $0.contains { $0.value == "active_users" } })
    }

    @Test(arguments: [
        (
            "launch:\n  phases:\n    - {name: a, traffic: 10, checks: []}\n",
            "t.yaml:10:38: phase 'a' has no checks (a phase without checks is never judged)"
        ),
        (
            "launch:\n  phases:\n    - {name: a, traffic: 10, checks: [{metric: errors}]}\n",
            "t.yaml:10:48: undefined metric 'errors' (define it under metrics:)"
        ),
        (
            "launch:\n  phases:\n    - {name: a, traffic: 10, checks: [{objective: uptime}]}\n",
            "t.yaml:10:51: undefined objective 'uptime' (defined: availability)"
        ),
        (
            "launch:\n  phases:\n    - {name: a, traffic: 10, checks: [{metric: users}]}\n",
            "t.yaml:10:48: metric 'users' has no threshold: give the check warning: or critical:"
        ),
        (
            "launch:\n  phases:\n    - {name: a, traffic: 10, checks: [{name: x, query: 'up'}]}\n",
            "t.yaml:10:39: check 'x' needs warning: or critical: (the bounds its value is judged by)"
        ),
        (
            "launch:\n  phases:\n    - {name: a, traffic: 10, checks: [{name: x, query: 'up', metric: users, critical: 1}]}\n",
            "t.yaml:10:39: a check needs exactly one of query:, metric: or objective:"
        ),
        (
            "launch:\n  phases:\n    - {name: a, traffic: 150, checks: [{metric: error_rate}]}\n",
            "t.yaml:10:26: traffic must be a percentage above 0 and at most 100 (10, 25%, 100)"
        ),
        (
            "launch:\n  phases:\n    - {name: x, query: 'sum(rate(q[1m]))'}\n",
            "t.yaml:10:17: unknown key 'query' in a phase (expected one of: name, traffic, duration, checks)"
        ),
        (
            "launch:\n  checklist:\n    ops:\n      - {title: Probe, http: 'ftp://127.0.0.1/x'}\n",
            "t.yaml:11:30: http: 'ftp://127.0.0.1/x' is not an http:// or https:// URL"
        ),
        (
            "launch:\n  checklist:\n    ops:\n      - Pager rota\n      - Pager rota\n",
            "t.yaml:12:9: two checklist items are named 'ops.pager-rota'"
        ),
        (
            "launch:\n  phases:\n    - {name: a, traffic: 10, checks: [{metric: error_rate, consecutive: 0}]}\n",
            "t.yaml:10:73: consecutive must be between 1 and 100000"
        ),
    ])
    func mistakesAreRefusedAtTheirPosition(_ yaml: String, _ expected: String) {
        #expect(errors(yaml).contains(expected), "\(errors(yaml))")
    }
}
