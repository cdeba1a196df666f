import Testing
import VigilCore
import VigilUI

/// What `vigil check config` finds beyond the file (issue 20): remapped
/// keys against the screens' actions, the theme against those installed,
/// each with the position of its setting.
@Suite struct ConfigChecksTests {
    func problems(_ yaml: String, themes: Set<String> = ["default", "mono"]) throws -> [String] {
        ConfigChecks.problems(try ConfigLoader.parse(yaml, file: "c.yaml"), themes: themes).map(\.description)
    }

    @Test func keysAndThemeWithPositions() throws {
        let found = try problems("theme: solarized\nkeys: {quit: A, bogus: x, help: \"12\", refresh: \"3\"}\n")
        #expect(found.count == 5)
        #expect(found[0] == "c.yaml:1:8: unknown theme 'solarized' (installed: default, mono)")
        #expect(found[1] == "c.yaml:2:14: key 'A' for quit is already bound to alerts (remap alerts too)")
        #expect(found[2].hasPrefix("c.yaml:2:17: unknown action 'bogus' under keys (one of: quit, help, "))
        #expect(found[3] == "c.yaml:2:33: the key for help must be one character, not '12'")
        #expect(found[4] == "c.yaml:2:48: 3 is taken: 1-9 pick a dashboard")
    }

    @Test func validRemappingsPass() throws {
        // Moving alerts frees A for quit; list-screen actions may share a
        // dashboard key (s sorts a table and silences an alert).
        #expect(try problems("theme: mono\nkeys: {quit: A, alerts: Z}\n").isEmpty)
        #expect(try problems("keys: {silence: p}\n").isEmpty)
        #expect(
            try problems("keys: {pause: x, theme: x}\n") == [
                "c.yaml:1:25: key 'x' for theme is already bound to pause (remap pause too)"
            ])
    }
}
