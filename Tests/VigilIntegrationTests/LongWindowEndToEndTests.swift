import Foundation
import Testing
import VigilCore
import VigilHistory

/// The real binary in tmux over a history store holding most of a day
/// (issue 12): `+` up to a day draws the store's part, and a second
/// instance on the same state directory reads the history but leaves the
/// recording to the first.
@Suite(.serialized) struct LongWindowEndToEndTests {
    @Test func aDayWindowDrawsTheStoredHoursAndASecondInstanceOnlyReads() throws {
        let state = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        // A point a minute of the error rate at 7% (critical), from 20 h to
        // 8 h ago: far outside what the demo itself could have shown.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let store = try HistoryStore(path: state.appendingPathComponent("history.sqlite").path)
        try store.write(
            stride(from: now - 20 * 3_600_000, to: now - 8 * 3_600_000, by: 60_000).map {
                HistoryPoint(metric: "error_rate", labels: Labels(), t: $0, v: 7)
            })
        let command = "\(Support.vigil) --demo --no-bell --state-dir \(state.path)"
        let t = try TmuxSession(width: 120, height: 40, command: command)
        t.wait("live data") { $0.contains("targets 1/1 up") && !$0.contains("NO DATA") }
        // The 5-minute window shows only what the demo gives (under 7%).
        #expect(!t.screen().contains("max 7%"))
        try t.keys("+", "+", "+", "+")
        let day = t.wait("a day's window with the stored hours") {
            $0.contains("window 1d") && $0.contains("max 7%")
        }
        #expect(day.contains("00:00") || day.contains(":00 "), "clock labels on the axis:\n\(day)")
        let second = try TmuxSession(width: 120, height: 40, command: command)
        let pid = try String(contentsOf: state.appendingPathComponent("history.lock"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        second.waitFor("│ history read-only: pid \(pid) records it")
        try second.keys("q")
        second.waitFor("EXITED 0")
        try t.keys("q")
        t.waitFor("EXITED 0")
    }
}
