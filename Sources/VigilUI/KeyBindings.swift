import VigilCore

/// The keys of the screens: every action's default keys, with the
/// configuration's `keys:` remapping applied, and what was wrong with it.
/// The one place both the dashboard (`AppState`) and `vigil check config`
/// (`ConfigChecks`) take their key maps from.
public struct KeyBindings: Sendable {
    /// Keys of the dashboards (and of every screen).
    public var keymap: [Key: Action] = [:]
    /// Keys of the Alerts and Incidents screens, which may reuse a
    /// dashboard key (`s` sorts a table, or silences an alert).
    public var listKeymap: [Key: Action] = [:]
    /// A remapping that was not applied: the setting it is about
    /// ("keys.quit" or "keys.quit.value") and why.
    public var problems: [(setting: String, message: String)] = []

    public init(overrides: [String: String] = [:]) {
        for action in Action.allCases {
            for key in action.defaultKeys {
                if action.onListScreens { listKeymap[key] = action } else { keymap[key] = action }
            }
        }
        var remapped: [(Action, Character)] = []
        // In name order: the outcome never depends on dictionary order.
        for name in overrides.keys.sorted() {
            guard let action = Action(rawValue: name) else {
                problems.append(
                    (
                        "keys." + name,
                        "unknown action \(Sanitizer.quote(name)) under keys (one of: "
                            + Action.allCases.map(\.rawValue).joined(separator: ", ") + ")"
                    ))
                continue
            }
            let key = overrides[name]!
            guard key.count == 1, let ch = key.first, !ch.isWhitespace, !ch.isNewline else {
                problems.append(
                    (
                        "keys." + name + ".value",
                        "the key for \(name) must be one character, not \(Sanitizer.quote(key))"
                    ))
                continue
            }
            if let digit = ch.wholeNumberValue, (1...9).contains(digit) {
                problems.append(("keys." + name + ".value", "\(ch) is taken: 1-9 pick a dashboard"))
                continue
            }
            // The action's default keys are free for others once it moves
            // (Ctrl-C stays with quit).
            for old in action.defaultKeys where old != .interrupt {
                if action.onListScreens { listKeymap[old] = nil } else { keymap[old] = nil }
            }
            remapped.append((action, ch))
        }
        for (action, ch) in remapped {
            let key = Key.char(ch)
            if let other = action.onListScreens ? listKeymap[key] : keymap[key], other != action {
                problems.append(
                    (
                        "keys." + action.rawValue + ".value",
                        "key \(Sanitizer.quote(String(ch))) for \(action.rawValue) is already bound to \(other.rawValue) "
                            + "(remap \(other.rawValue) too)"
                    ))
            } else if action.onListScreens {
                listKeymap[key] = action
            } else {
                keymap[key] = action
            }
        }
    }
}
