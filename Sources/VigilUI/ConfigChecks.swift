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
        for p in KeyBindings(overrides: config.keys).problems { error(p.setting, p.message) }
        return out.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }
}
