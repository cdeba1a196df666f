import Foundation
import Testing

/// The demo's api outage spends the availability objective's budget
/// (issue 13), seen as an operator sees it: the page alert fires with a
/// burn rate above 14.4, and the Objectives screen shows the budget going.
@Suite(.serialized) struct ObjectivesTmuxTests {
    /// The Availability row's budget percentage (`-200%`).
    static func budget(_ screen: String) -> Int? {
        guard let row = screen.split(separator: "\n").first(where: { $0.contains(" Availability ") }) else {
            return nil
        }
        let words = row.split(separator: " ")
        return words.first { $0.hasSuffix("%") && Int($0.dropLast()) != nil && $0 != words.first { $0.hasSuffix("%") } }
            .flatMap { Int($0.dropLast()) }
    }

    @Test func theApiOutagePagesAndSpendsTheBudget() throws {
        let state = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        // 70 s into the cycle: the api degrades at 80 s and is down from 90 s.
        let t = try TmuxSession(
            width: 160, height: 45,
            command: "\(Support.vigil) --demo --demo-start 70 --no-bell --state-dir \(state.path)")
        t.wait("live data") { $0.contains("targets 1/1 up") && !$0.contains("NO DATA") }
        try t.keys("A")
        let fired = t.wait("the availability page", seconds: 60) {
            $0.contains("FIRING") && $0.contains("Availability budget burn (page, 1h/5m)")
        }
        let row = fired.split(separator: "\n").first { $0.contains("Availability budget burn (page, 1h/5m)") } ?? ""
        // The alert's value is the burn rate over its long window.
        let value = row.split(separator: " ").compactMap { Double($0) }.first ?? 0
        #expect(value > 14.4, "\(row)")
        #expect(row.contains("FIRING   critical"), "\(row)")
        try t.keys("O")
        let first = t.wait("the objectives screen") { Self.budget($0) != nil && $0.contains("✖ CRIT  Availability") }
        let before = try #require(Self.budget(first))
        sleep(6)
        let later = t.wait("the budget going down") { (Self.budget($0) ?? .max) < before }
        #expect((Self.budget(later) ?? 0) < before)
        try t.keys("q")
        t.waitFor("EXITED 0")
    }
}
