import VigilCore

/// A key press, as the terminal backend decodes it.
public enum Key: Hashable, Sendable {
    case char(Character)
    case up, down, left, right, enter, escape, tab, backTab, backspace, resize, interrupt
    case other
}

/// What a key does; every action has a default key and can be remapped
/// in the config's `keys:` section.
public enum Action: String, CaseIterable, Sendable {
    case quit, help, nextDashboard = "next_dashboard", previousDashboard = "previous_dashboard"
    case left, right, up, down, zoom, back, widen, narrow, filter, pause, refresh, theme, sort

    public var defaultKeys: [Key] {
        switch self {
        case .quit: return [.char("q"), .interrupt]
        case .help: return [.char("?")]
        case .nextDashboard: return [.tab]
        case .previousDashboard: return [.backTab]
        case .left: return [.left, .char("h")]
        case .right: return [.right, .char("l")]
        case .up: return [.up, .char("k")]
        case .down: return [.down, .char("j")]
        case .zoom: return [.enter, .char("f")]
        case .back: return [.escape]
        case .widen: return [.char("+")]
        case .narrow: return [.char("-")]
        case .filter: return [.char("/")]
        case .pause: return [.char("p")]
        case .refresh: return [.char("r")]
        case .theme: return [.char("t")]
        case .sort: return [.char("s")]
        }
    }

    public var summary: String {
        switch self {
        case .quit: return "quit (also Ctrl-C)"
        case .help: return "this help"
        case .nextDashboard: return "next dashboard (1-9 pick one)"
        case .previousDashboard: return "previous dashboard"
        case .left, .right, .up, .down: return "select a panel"
        case .zoom: return "zoom the panel: big graph, axis, values"
        case .back: return "back from zoom, help or filter"
        case .widen: return "longer time window (1m 5m 15m 1h 6h)"
        case .narrow: return "shorter time window"
        case .filter: return "filter series in a zoomed panel"
        case .pause: return "pause the display (polling goes on)"
        case .refresh: return "scrape now"
        case .theme: return "next theme"
        case .sort: return "sort a zoomed table by the next column (up/down scroll it)"
        }
    }
}

/// Side effects the loop carries out for the model.
public enum Effect: Equatable, Sendable {
    case quit, scrapeNow, windowChanged
}

/// Everything the screen shows that is not data: the Bubble Tea-style
/// model, changed only by `handle(_:)`.
public struct AppState: Sendable {
    public static let windows: [Int64] = [60_000, 300_000, 900_000, 3_600_000, 21_600_000]

    public var dashboardNames: [String]
    public var panelCounts: [Int]
    public var dashboard = 0
    public var selected = 0
    public var zoomed = false
    public var windowIndex = 1
    /// The longest window the store's history allows.
    public var maxWindowMs: Int64 = 21_600_000
    public var paused = false
    public var filter = ""
    public var editingFilter = false
    public var showHelp = false
    /// A zoomed table's sort column (nil: by value, largest first) and
    /// its first visible row.
    public var tableSort: Int?
    public var tableScroll = 0
    public var themes: [Theme]
    public var themeIndex = 0
    public var keymap: [Key: Action] = [:]
    /// Set when a key could not be understood, shown once in the status bar.
    public var message: String?

    public init(config: VigilConfig, themes: [Theme], keyOverrides: [String: String] = [:]) {
        dashboardNames = config.dashboards.map(\.name)
        panelCounts = config.dashboards.map(\.panels.count)
        self.themes = themes.isEmpty ? [.fallback] : themes
        for action in Action.allCases {
            for key in action.defaultKeys { keymap[key] = action }
        }
        for (name, key) in keyOverrides {
            guard let action = Action(rawValue: name), let ch = key.first, key.count == 1 else { continue }
            for old in action.defaultKeys where old != .interrupt { keymap[old] = nil }
            keymap[.char(ch)] = action
        }
    }

    public var windowMs: Int64 { Self.windows[windowIndex] }
    public var theme: Theme { themes[themeIndex % themes.count] }

    public var windowLabel: String { PromDuration(milliseconds: windowMs).description }

    /// Applies a key; returns what the loop must do.
    public mutating func handle(_ key: Key) -> [Effect] {
        message = nil
        if editingFilter { return editFilter(key) }
        if key == .interrupt { return [.quit] }
        // Any key closes the help, except the one that quits.
        if showHelp && keymap[key] != .quit {
            showHelp = false
            return []
        }
        if case .char(let c) = key, let n = c.wholeNumberValue, (1...9).contains(n), keymap[key] == nil {
            if n <= dashboardNames.count { switchTo(n - 1) }
            return []
        }
        guard let action = keymap[key] else { return [] }
        switch action {
        case .quit: return [.quit]
        case .help: showHelp = true
        case .nextDashboard: switchTo((dashboard + 1) % max(1, dashboardNames.count))
        case .previousDashboard: switchTo((dashboard + dashboardNames.count - 1) % max(1, dashboardNames.count))
        case .left: move(-1)
        case .right: move(1)
        case .up: if zoomed { tableScroll = max(0, tableScroll - 1) } else { move(-2) }
        case .down: if zoomed { tableScroll += 1 } else { move(2) }
        case .sort:
            if zoomed { tableSort = tableSort.map { $0 + 1 } ?? 0 }
        case .zoom:
            if panelCount > 0 {
                zoomed = true
                tableSort = nil
                tableScroll = 0
            }
        case .back:
            if zoomed {
                zoomed = false
                filter = ""
            }
        case .widen:
            if windowIndex + 1 < Self.windows.count && Self.windows[windowIndex + 1] <= maxWindowMs {
                windowIndex += 1
                return [.windowChanged]
            }
            message = "window \(windowLabel) is the longest the history allows"
        case .narrow:
            if windowIndex > 0 {
                windowIndex -= 1
                return [.windowChanged]
            }
        case .filter:
            if zoomed {
                editingFilter = true
            } else {
                message = "zoom a panel (Enter) to filter its series"
            }
        case .pause: paused.toggle()
        case .refresh: return [.scrapeNow]
        case .theme: themeIndex = (themeIndex + 1) % themes.count
        }
        return []
    }

    var panelCount: Int { dashboard < panelCounts.count ? panelCounts[dashboard] : 0 }

    mutating func switchTo(_ d: Int) {
        dashboard = d
        selected = 0
        zoomed = false
        filter = ""
    }

    /// Panels sit in a two-column grid: left/right step by one, up/down by two.
    mutating func move(_ delta: Int) {
        guard panelCount > 0, !zoomed else { return }
        let next = selected + delta
        if next >= 0 && next < panelCount { selected = next }
    }

    mutating func editFilter(_ key: Key) -> [Effect] {
        switch key {
        case .enter: editingFilter = false
        case .escape:
            editingFilter = false
            filter = ""
        case .backspace: if !filter.isEmpty { filter.removeLast() }
        case .char(let c): filter.append(c)
        case .interrupt: return [.quit]
        default: break
        }
        return []
    }
}
