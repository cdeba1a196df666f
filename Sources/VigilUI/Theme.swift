import VigilCore

/// The state a panel (or a series) is in. The first three come from
/// thresholds; the rest say why there is no trustworthy value.
public enum PanelState: Equatable, Sendable {
    case ok, warning, critical
    case noData(String)
    /// The data behind it stopped at that time (milliseconds since the epoch).
    case stale(sinceMs: Int64)
    case error(String)

    public init(_ t: Threshold.State) {
        switch t {
        case .ok: self = .ok
        case .warning: self = .warning
        case .critical: self = .critical
        }
    }

    public var word: String {
        switch self {
        case .ok: return "OK"
        case .warning: return "WARN"
        case .critical: return "CRIT"
        case .noData: return "NO DATA"
        case .stale: return "STALE"
        case .error: return "ERROR"
        }
    }

    /// Glyphs carry the state where colour cannot (8 colours, colour
    /// blindness, NO_COLOR): never only a colour.
    public func glyph(ascii: Bool) -> String {
        switch self {
        case .ok: return ascii ? "+" : "✓"
        case .warning: return "!"
        case .critical: return ascii ? "X" : "✖"
        case .noData: return ascii ? "?" : "…"
        case .stale: return ascii ? "~" : "≈"
        case .error: return ascii ? "E" : "⚠"
        }
    }

    /// Severity order for "worst series wins".
    public var rank: Int {
        switch self {
        case .ok: return 0
        case .noData: return 1
        case .stale: return 2
        case .warning: return 3
        case .critical: return 4
        case .error: return 5
        }
    }

    public static func worst(_ states: [PanelState]) -> PanelState? { states.max { $0.rank < $1.rank } }
}

/// Colours for every role, from a theme file, fitted to what the terminal
/// can show.
public struct Theme: Sendable, Equatable {
    public var name: String
    public var spec: ThemeSpec

    public init(spec: ThemeSpec) {
        self.name = spec.name
        self.spec = spec
    }

    public func color(_ role: String) -> TermColor {
        TermColor(spec.colors[role] ?? -1)
    }

    public var text: Style { Style(fg: color("text"), bg: color("background")) }
    public var dim: Style { Style(fg: color("dim"), bg: color("background")) }
    public var border: Style { Style(fg: color("border"), bg: color("background")) }
    public var title: Style { Style(fg: color("title"), bg: color("background"), .bold) }
    public var statusBar: Style { Style(fg: color("status_fg"), bg: color("status_bg")) }
    public var accent: Style { Style(fg: color("accent"), bg: color("background"), .bold) }

    public func state(_ s: PanelState) -> Style {
        let role: String
        var attrs: TextAttributes = []
        switch s {
        case .ok: role = "ok"
        case .warning:
            role = "warn"
            attrs = .bold
        case .critical:
            role = "crit"
            attrs = .bold
        case .noData: role = "no_data"
        case .stale:
            role = "stale"
            attrs = .dim
        case .error:
            role = "error"
            attrs = .bold
        }
        return Style(fg: color(role), bg: color("background"), attrs)
    }

    /// The theme with a panel's own colours for OK, WARN and CRIT (its
    /// `colors: [green, yellow, red]`). A theme without colours (mono)
    /// stays as it is: glyphs and words carry the state there.
    public func with(stateColors names: [String]) -> Theme {
        guard names.count == 3, color("crit").index >= 0 else { return self }
        var t = self
        for (role, name) in zip(["ok", "warn", "crit"], names) {
            if let c = ThemeSpec.colorNames[name] { t.spec.colors[role] = c }
        }
        return t
    }

    public func series(_ i: Int) -> Style {
        let palette = spec.series.isEmpty ? [Int16(-1)] : spec.series
        return Style(fg: TermColor(palette[i % palette.count]), bg: color("background"))
    }

    /// The built-in dark theme, used when no theme file can be read.
    public static let fallback = Theme(
        spec: ThemeSpec(
            name: "default", description: "built in",
            colors: [
                "background": -1, "text": 252, "dim": 244, "border": 240, "title": 255, "ok": 40, "warn": 220,
                "crit": 196, "stale": 245, "no_data": 245, "error": 201, "selection": 39, "status_bg": 236,
                "status_fg": 252, "accent": 39,
            ], series: [39, 170, 214, 76, 45, 205]))
}
