import VigilCore

/// Checks of a loaded configuration that need more than the file: key
/// remapping against the actions the screens have, and the theme against
/// the themes installed. Both `vigil check config` and the dashboard run
/// them, so a configuration that checks clean also starts.
public enum ConfigChecks {
    /// Every problem, as configuration errors with the position of the
    /// setting. `themes` are the names the theme directories hold.
    public static func problems(_ config: VigilConfig, themes: Set<String>) -> [ConfigError] {
        var out: [ConfigError] = []
        func error(_ setting: String, _ message: String) {
            let p = config.positions[setting] ?? SourcePosition(line: 1, column: 1)
            out.append(ConfigError(file: config.file, line: p.line, column: p.column, message: message))
        }
        if let theme = config.theme, !themes.contains(theme) {
            error(
                "theme",
                "unknown theme \(Sanitizer.quote(theme)) (installed: \(themes.sorted().joined(separator: ", ")))")
        }
        for (setting, message) in keyProblems(config.keys) { error(setting, message) }
        return out.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }

    /// Problems of a `keys:` section, each with the setting it is about
    /// ("keys.quit" or "keys.quit.value"): an action that does not exist,
    /// a key that is not one character, a digit (1-9 pick dashboards), and
    /// a key that ends up bound to two actions of one screen (list-screen
    /// actions may reuse dashboard keys, as `s` sorts or silences).
    public static func keyProblems(_ overrides: [String: String]) -> [(String, String)] {
        var out: [(String, String)] = []
        var dashboard: [Key: Action] = [:]
        var lists: [Key: Action] = [:]
        var remapped: [(Action, Character)] = []
        for action in Action.allCases {
            for key in action.defaultKeys {
                if action.onListScreens { lists[key] = action } else { dashboard[key] = action }
            }
        }
        for name in overrides.keys.sorted() {
            guard let action = Action(rawValue: name) else {
                out.append(
                    (
                        "keys." + name,
                        "unknown action \(Sanitizer.quote(name)) under keys (one of: "
                            + Action.allCases.map(\.rawValue).joined(separator: ", ") + ")"
                    ))
                continue
            }
            let key = overrides[name]!
            guard key.count == 1, let ch = key.first, !ch.isWhitespace, !ch.isNewline else {
                out.append(
                    (
                        "keys." + name + ".value",
                        "the key for \(name) must be one character, not \(Sanitizer.quote(key))"
                    ))
                continue
            }
            if let digit = ch.wholeNumberValue, (1...9).contains(digit) {
                out.append(("keys." + name + ".value", "\(ch) is taken: 1-9 pick a dashboard"))
                continue
            }
            // The action's default keys are free for others once it moves
            // (Ctrl-C stays with quit).
            for old in action.defaultKeys where old != .interrupt {
                if action.onListScreens { lists[old] = nil } else { dashboard[old] = nil }
            }
            remapped.append((action, ch))
        }
        for (action, ch) in remapped {
            let key = Key.char(ch)
            let other = action.onListScreens ? lists[key] : dashboard[key]
            if let other, other != action {
                out.append(
                    (
                        "keys." + action.rawValue + ".value",
                        "key \(Sanitizer.quote(String(ch))) for \(action.rawValue) is already bound to \(other.rawValue) "
                            + "(remap \(other.rawValue) too)"
                    ))
            } else if action.onListScreens {
                lists[key] = action
            } else {
                dashboard[key] = action
            }
        }
        return out
    }
}
