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
    /// A Grafana dashboard's template variables: choose their values.
    case variables
    case alerts, incidents, silences, objectives, launch, checklist
    /// On the Alerts and Incidents screens (and `acknowledge` anywhere:
    /// it takes the most urgent alert when no alert is selected).
    case acknowledge, unacknowledge, silence, incident, note, advance
    /// Incidents: set a field; Alerts: join the alert to an incident.
    case edit, join
    /// Launch: start or promote, hold, roll back, override with a reason.
    case promote, hold, rollback, override
    /// Checklist: tick pass, fail, skip with a reason, run automated now.
    case tick, fail, skip, rerun

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
        case .variables: return [.char("v")]
        case .alerts: return [.char("A")]
        case .incidents: return [.char("I")]
        case .silences: return [.char("S")]
        case .objectives: return [.char("O")]
        case .launch: return [.char("L")]
        case .checklist: return [.char("C")]
        case .promote: return [.char("P")]
        case .hold: return [.char("H")]
        case .rollback: return [.char("B")]
        case .override: return [.char("o")]
        case .tick: return [.char("x")]
        case .fail: return [.char("F")]
        case .skip: return [.char("K")]
        case .rerun: return [.char("R")]
        case .acknowledge: return [.char("a")]
        case .unacknowledge: return [.char("u")]
        case .silence: return [.char("s")]
        case .incident: return [.char("i")]
        case .note: return [.char("n")]
        case .advance: return [.char(">")]
        case .edit: return [.char("e")]
        case .join: return [.char("J")]
        }
    }

    /// Actions of the Alerts and Incidents screens, which may share keys
    /// with dashboard actions (`s` sorts a table, or silences an alert).
    public var onListScreens: Bool {
        switch self {
        case .unacknowledge, .silence, .incident, .note, .advance, .edit, .join: return true
        case .promote, .hold, .rollback, .override, .tick, .fail, .skip, .rerun: return true
        default: return false
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
        case .widen: return "longer time window (1m 5m 15m 1h 6h, 1d 1w with history)"
        case .narrow: return "shorter time window"
        case .filter: return "filter series in a zoomed panel"
        case .pause: return "pause the display (polling goes on)"
        case .refresh: return "scrape now"
        case .theme: return "next theme"
        case .variables: return "a Grafana dashboard's variables: choose values (up/down, left/right, Enter)"
        case .sort: return "sort a zoomed table by the next column (up/down scroll it)"
        case .alerts: return "Alerts screen: firing and pending alerts"
        case .incidents: return "Incidents screen (Enter opens one)"
        case .silences: return "silences, Vigil's and Alertmanager's (author, age, expiry)"
        case .objectives: return "success criteria: objectives' error budgets and burn rates, criteria pass or fail"
        case .acknowledge: return "acknowledge the selected (or most urgent) alert"
        case .unacknowledge: return "Alerts: remove the acknowledgement, or lift the silence"
        case .silence: return "Alerts: silence for a time and why (1h; 30m deploy)"
        case .incident: return "Alerts: open an incident from the alert"
        case .note: return "Incidents: add a note"
        case .advance: return "Incidents: next status (identified, monitoring, resolved; reopens a resolved one)"
        case .edit: return "Incidents: set assignee, severity, services, root cause, corrective, preventive"
        case .join: return "Alerts: join the alert to an open incident"
        case .launch: return "Launch screen: phases, go/no-go checks, decisions"
        case .checklist: return "Checklist screen: the pre-launch checklist"
        case .promote: return "Launch: start the launch, or promote to the next phase (asks why)"
        case .hold: return "Launch: hold the current phase (asks why)"
        case .rollback: return "Launch: roll the traffic back to the phase before (asks why)"
        case .override: return "Launch: promote despite a NO-GO or a failed item (a reason is required)"
        case .tick: return "Checklist: tick the selected item as passed (asks for a note)"
        case .fail: return "Checklist: mark the selected item failed (asks why)"
        case .skip: return "Checklist: skip the selected item (a reason is required)"
        case .rerun: return "Checklist: run the automated items now"
        }
    }
}

/// Side effects the loop carries out for the model.
public enum Effect: Equatable, Sendable {
    case quit, scrapeNow, windowChanged
    case acknowledge(AlertKey, note: String)
    case unacknowledge(AlertKey)
    case silence(AlertKey, PromDuration, note: String)
    case openIncident(AlertKey)
    case updateIncident(String, status: IncidentStatus?, note: String)
    case editIncident(String, text: String)
    case joinIncident(AlertKey, id: String)
    case launch(LaunchDecision.Action, reason: String)
    case checklist(String, ChecklistMark.Result, note: String)
    case rerunChecklist
    /// The picker opened on an imported dashboard: its query variables'
    /// values are asked of the store.
    case askVariableValues(Int)
    /// Variables chosen in the picker: the dashboard is imported again.
    case setVariables(Int, [String: [String]])
}

public enum Screen: Sendable, Equatable {
    case dashboards, alerts, incidents, silences, objectives, launch, checklist
}

/// A one-line question at the bottom of the screen, answered with Enter
/// (Esc cancels): the note of an acknowledgement, a silence's length.
public struct Prompt: Sendable, Equatable {
    public enum Purpose: Sendable, Equatable {
        case acknowledge(AlertKey)
        case silence(AlertKey)
        case note(incident: String, status: IncidentStatus?)
        case edit(incident: String)
        case join(AlertKey)
        case launch(LaunchDecision.Action)
        case checklist(item: String, ChecklistMark.Result)
    }
    public var purpose: Purpose
    public var question: String
    public var text = ""
}

/// Everything the screen shows that is not data: the Bubble Tea-style
/// model, changed only by `handle(_:)`.
public struct AppState: Sendable {
    /// `+` and `-` step through these. The last two reach past what is
    /// kept in memory: the history store's rollups (or the server) draw them.
    public static let windows: [Int64] = [
        60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000, 604_800_000,
    ]
    /// What the in-memory store keeps by default (`history:` in the config
    /// changes it): the longest window drawn from memory alone.
    public static let memoryMs: Int64 = 21_600_000

    public var dashboardNames: [String]
    /// Each dashboard's grid (where the arrow keys go) and panel types.
    public var layouts: [GridLayout]
    public var panelTypes: [[PanelType]]
    public var dashboard = 0
    public var selected = 0
    public var zoomed = false
    /// The zoomed panel's own state: filter, table sort and scroll, log view.
    public var zoom = ZoomState()
    public var windowIndex = 1
    /// The Objectives screen's selected row, and whether it is open.
    public var objectiveSelected = 0
    public var objectiveOpen = false
    /// The checklist's items in screen order, and the one selected.
    public var checklistItems: [String] = []
    public var checklistSelected = 0
    /// The configuration has a launch: its screens get tabs.
    public var hasLaunch = false
    /// The longest window the store's history allows.
    public var maxWindowMs: Int64 = 21_600_000
    public var paused = false
    public var showHelp = false
    /// The help's first line shown: a small terminal scrolls it.
    public var helpScroll = 0
    public var themes: [Theme]
    public var themeIndex = 0
    /// Keys of the dashboards (and of every screen), and keys of the
    /// Alerts and Incidents screens, which may reuse a dashboard key.
    public var keymap: [Key: Action] = [:]
    public var listKeymap: [Key: Action] = [:]
    /// Set when a key could not be understood, shown once in the status bar.
    public var message: String?
    public var screen = Screen.dashboards
    public var prompt: Prompt?
    /// The variable picker, while open.
    public var picker: VariablePicker?
    /// Each imported Grafana dashboard's variables with the values chosen
    /// (by index of the configuration's `grafana`), and which of them each
    /// dashboard came from.
    public var variables: [[DashboardVariable]] = []
    public var dashboardSources: [Int?] = []
    /// The list screens' own state: what they list and what is selected.
    public var alerts = AlertsScreenState()
    public var incidents = IncidentsScreenState()
    /// Newly firing critical and high alerts not yet seen on the Alerts
    /// screen: highlighted until then.
    public var unseen: Set<AlertKey> = []

    public init(config: VigilConfig, themes: [Theme], keyOverrides: [String: String] = [:]) {
        dashboardNames = config.dashboards.map(\.name)
        variables = config.grafana.map(\.variables)
        dashboardSources = config.dashboards.map { d in config.grafana.firstIndex { $0.dashboards.contains(d.name) } }
        layouts = config.dashboards.map(GridLayout.init)
        panelTypes = config.dashboards.map { $0.panels.map(\.type) }
        let plan = config.launch
        hasLaunch = !plan.phases.isEmpty || !plan.checklist.isEmpty
        checklistItems = plan.categories.flatMap { c in plan.checklist.filter { $0.category == c }.map(\.id) }
        self.themes = themes.isEmpty ? [.fallback] : themes
        // A remapping with a problem is not applied; `vigil check config`
        // and the start of the dashboard report it (ConfigChecks).
        let bindings = KeyBindings(overrides: keyOverrides)
        keymap = bindings.keymap
        listKeymap = bindings.listKeymap
    }

    /// A dashboard whose panels changed (a Grafana panel repeated for
    /// another number of values): its grid, and a selection inside it.
    public mutating func relayout(_ d: Int, _ dashboard: Dashboard) {
        guard d < layouts.count else { return }
        layouts[d] = GridLayout(dashboard)
        panelTypes[d] = dashboard.panels.map(\.type)
        if d == self.dashboard { selected = min(selected, max(0, dashboard.panels.count - 1)) }
    }

    public var windowMs: Int64 { Self.windows[windowIndex] }
    public var theme: Theme { themes[themeIndex % themes.count] }

    public var windowLabel: String { PromDuration(milliseconds: windowMs).description }

    /// Applies a key; returns what the loop must do.
    public mutating func handle(_ key: Key) -> [Effect] {
        message = nil
        if prompt != nil { return answerPrompt(key) }
        if picker != nil { return handlePicker(key) }
        if zoom.editingFilter { return editFilter(key) }
        if key == .interrupt { return [.quit] }
        // A key pressed on the Alerts screen means its alerts were seen.
        if screen == .alerts { unseen = [] }
        // Up and down scroll the help (a small terminal does not hold it
        // all); any other key closes it, except the one that quits.
        if showHelp && keymap[key] != .quit {
            switch keymap[key] {
            case .up: helpScroll = max(0, helpScroll - 1)
            case .down: helpScroll += 1
            default: showHelp = false
            }
            return []
        }
        if case .char(let c) = key, let n = c.wholeNumberValue, (1...9).contains(n), keymap[key] == nil {
            if n <= dashboardNames.count { switchTo(n - 1) }
            return []
        }
        if screen != .dashboards, let effects = handleListScreen(key) { return effects }
        if screen == .dashboards && zoomedOnLog && handleLogKey(key) { return [] }
        guard let action = keymap[key] else { return [] }
        switch action {
        case .quit: return [.quit]
        case .help:
            showHelp = true
            helpScroll = 0
        case .nextDashboard: switchTo((dashboard + 1) % max(1, dashboardNames.count))
        case .previousDashboard: switchTo((dashboard + dashboardNames.count - 1) % max(1, dashboardNames.count))
        case .left: move(-1)
        case .right: move(1)
        case .up: if zoomed { zoom.tableScroll = max(0, zoom.tableScroll - 1) } else { moveVertically(down: false) }
        case .down: if zoomed { zoom.tableScroll += 1 } else { moveVertically(down: true) }
        case .sort:
            if zoomed { zoom.tableSort = zoom.tableSort.map { $0 + 1 } ?? 0 }
        case .zoom:
            if panelCount > 0 {
                zoomed = true
                zoom.tableSort = nil
                zoom.tableScroll = 0
                zoom.logView = LogViewState()
                zoom.logAnchor = nil
            }
        case .back:
            if zoomed {
                zoomed = false
                zoom.filter = ""
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
                zoom.editingFilter = true
            } else {
                message = "zoom a panel (Enter) to filter its series"
            }
        case .pause: paused.toggle()
        case .refresh: return [.scrapeNow]
        case .variables: return openVariables()
        case .theme:
            themeIndex = (themeIndex + 1) % themes.count
            message = "theme \(theme.name) (\(themeIndex + 1) of \(themes.count))"
        case .alerts: showAlerts()
        case .incidents: screen = .incidents
        case .silences: screen = .silences
        case .objectives: screen = .objectives
        case .launch: screen = .launch
        case .checklist: screen = .checklist
        case .acknowledge:
            // From a dashboard: the most urgent unacknowledged alert, so
            // an alert is acknowledged in two keys (a, Enter).
            guard let k = alerts.urgent.first else {
                message = "no firing alert needs acknowledging"
                return []
            }
            prompt = alerts.acknowledgePrompt(k)
        case .unacknowledge, .silence, .incident, .note, .advance, .edit, .join: break
        case .promote, .hold, .rollback, .override, .tick, .fail, .skip, .rerun: break
        }
        return []
    }

    public var zoomedOnLog: Bool {
        zoomed && dashboard < panelTypes.count && selected < panelTypes[dashboard].count
            && panelTypes[dashboard][selected] == .log
    }

    /// How far the zoomed log view is scrolled, counting the lines that
    /// arrived since scrolling began (so the view holds still).
    public var logScroll: Int { zoom.logView.scroll + (zoom.logAnchor.map { max(0, zoom.logTotal - $0) } ?? 0) }

    /// Keys of a zoomed log panel: scroll (up/down, G to the end), follow
    /// (F), wrap (w), search (/, then n older and N newer match). True when
    /// the key was one of them.
    mutating func handleLogKey(_ key: Key) -> Bool {
        let action = keymap[key]
        switch (key, action) {
        case (_, .up?):
            if zoom.logView.follow {
                zoom.logView.follow = false
                zoom.logAnchor = zoom.logTotal
            }
            zoom.logView.scroll += 1
            zoom.logView.match = nil
        case (_, .down?):
            zoom.logView.match = nil
            if zoom.logView.scroll > 0 { zoom.logView.scroll -= 1 }
            if logScroll == 0 { follow() }
        case (.char("G"), _): follow()
        case (.char("F"), _):
            if zoom.logView.follow {
                zoom.logView.follow = false
                zoom.logAnchor = zoom.logTotal
            } else {
                follow()
            }
        case (.char("w"), _): zoom.logView.wrap.toggle()
        case (.char("n"), _):
            guard !zoom.filter.isEmpty else {
                message = "/ to search first"
                return true
            }
            zoom.logView.match = (zoom.logView.match ?? -1) + 1
            zoom.logView.follow = false
        case (.char("N"), _):
            guard !zoom.filter.isEmpty else {
                message = "/ to search first"
                return true
            }
            zoom.logView.match = max(0, (zoom.logView.match ?? 1) - 1)
            zoom.logView.follow = false
        default:
            return false
        }
        return true
    }

    mutating func follow() {
        zoom.logView.follow = true
        zoom.logView.scroll = 0
        zoom.logView.match = nil
        zoom.logAnchor = nil
    }

    mutating func showAlerts() {
        screen = .alerts
        unseen = []
    }

    /// Keys of the Alerts and Incidents screens, each screen's own; nil
    /// passes the key on to the dashboard keys (quit, help, themes, 1-9 …).
    mutating func handleListScreen(_ key: Key) -> [Effect]? {
        let action = listKeymap[key] ?? keymap[key]
        let outcome: ScreenOutcome
        switch screen {
        case .alerts:
            outcome = alerts.handle(
                action, openIncident: incidents.ids.first { incidents.status[$0] != .resolved })
        case .incidents: outcome = incidents.handle(action)
        case .objectives:
            switch action {
            case .up?: objectiveSelected = max(0, objectiveSelected - 1)
            case .down?: objectiveSelected += 1
            case .zoom?: objectiveOpen = true
            case .back? where objectiveOpen: objectiveOpen = false
            case .back?: screen = .dashboards
            default: return action.map { $0.global || $0 == .acknowledge } == true ? nil : []
            }
            return []
        case .launch:
            switch action {
            case .promote?:
                prompt = Prompt(
                    purpose: .launch(.promote), question: "start or promote: why (Enter goes, Esc cancels):")
            case .hold?: prompt = Prompt(purpose: .launch(.hold), question: "hold this phase: why:")
            case .rollback?:
                prompt = Prompt(purpose: .launch(.rollback), question: "roll the traffic back: why:")
            case .override?:
                prompt = Prompt(
                    purpose: .launch(.override), question: "override the NO-GO and promote: the reason (required):")
            case .back?: screen = .dashboards
            default: return action.map { $0.global || $0 == .acknowledge } == true ? nil : []
            }
            return []
        case .checklist:
            let item = checklistSelected < checklistItems.count ? checklistItems[checklistSelected] : nil
            switch action {
            case .up?: checklistSelected = max(0, checklistSelected - 1)
            case .down?: checklistSelected = min(max(0, checklistItems.count - 1), checklistSelected + 1)
            case .tick?, .fail?, .skip?:
                guard let item else { return [] }
                let result: ChecklistMark.Result = action == .tick ? .pass : action == .fail ? .fail : .skip
                let question =
                    result == .pass
                    ? "\(item) passed: a note (Enter alone: none):"
                    : result == .fail ? "\(item) failed: why:" : "skip \(item): the reason (required):"
                prompt = Prompt(purpose: .checklist(item: item, result), question: question)
            case .rerun?: return [.rerunChecklist]
            case .back?: screen = .dashboards
            default: return action.map { $0.global || $0 == .acknowledge } == true ? nil : []
            }
            return []
        default:
            outcome =
                action == .back ? .leave : action.map { $0.global || $0 == .acknowledge } == true ? .passOn : .done
        }
        switch outcome {
        case .done: return []
        case .effects(let effects): return effects
        case .prompt(let p): prompt = p
        case .message(let m): message = m
        case .leave: screen = .dashboards
        case .passOn: return nil
        }
        return []
    }

    mutating func answerPrompt(_ key: Key) -> [Effect] {
        guard var p = prompt else { return [] }
        switch key {
        case .escape:
            prompt = nil
            message = "cancelled"
        case .interrupt:
            prompt = nil
            return [.quit]
        case .backspace:
            if !p.text.isEmpty { p.text.removeLast() }
            prompt = p
        case .char(let c):
            // One line, printable only: the note goes to the journal and
            // back onto terminals.
            if !c.isNewline, c.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }), p.text.count < 200 {
                p.text.append(c)
            }
            prompt = p
        case .enter:
            prompt = nil
            let text = p.text.trimmingCharacters(in: .whitespaces)
            switch p.purpose {
            case .acknowledge(let k): return [.acknowledge(k, note: text)]
            case .silence(let k):
                // A length, then why: `30m rolling deploy`; Enter alone is 1h.
                let first = text.prefix { $0 != " " }
                let reason = text.dropFirst(first.count).trimmingCharacters(in: .whitespaces)
                guard let d = first.isEmpty ? PromDuration(milliseconds: 3_600_000) : PromDuration(String(first)),
                    d.milliseconds > 0
                else {
                    message = "not a duration: \(first) (try 30m, 1h, 4h, then a reason)"
                    return []
                }
                return [.silence(k, d, note: reason)]
            case .note(let id, let status):
                if status == nil && text.isEmpty { return [] }
                return [.updateIncident(id, status: status, note: text)]
            case .edit(let id):
                return text.isEmpty ? [] : [.editIncident(id, text: text)]
            case .join(let key):
                return text.isEmpty ? [] : [.joinIncident(key, id: text)]
            case .launch(let action):
                return [.launch(action, reason: text)]
            case .checklist(let item, let result):
                return [.checklist(item, result, note: text)]
            }
        default:
            prompt = p
        }
        return []
    }

    /// Called after every evaluation with what the lists now hold.
    public mutating func updateLists(
        alerts: [AlertKey], titles: [AlertKey: String], urgent: [AlertKey], incidents: [(String, IncidentStatus)]
    ) {
        self.alerts.update(alerts: alerts, titles: titles, urgent: urgent)
        self.incidents.update(incidents)
        unseen = unseen.filter { alerts.contains($0) }
    }

    /// Shows an incident's page (after `i` opened or found it).
    public mutating func showIncident(_ id: String) {
        screen = .incidents
        incidents.show(id)
    }

    var panelCount: Int { dashboard < layouts.count ? layouts[dashboard].count : 0 }

    mutating func switchTo(_ d: Int) {
        screen = .dashboards
        dashboard = d
        selected = 0
        zoomed = false
        zoom.filter = ""
    }

    /// Left and right step through the panels in reading order.
    mutating func move(_ delta: Int) {
        guard panelCount > 0, !zoomed else { return }
        let next = selected + delta
        if next >= 0 && next < panelCount { selected = next }
    }

    /// Up and down go to the nearest panel of the row above or below.
    mutating func moveVertically(down: Bool) {
        guard panelCount > 0, !zoomed, let next = layouts[dashboard].vertical(from: selected, down: down) else {
            return
        }
        selected = next
    }

    mutating func editFilter(_ key: Key) -> [Effect] {
        switch key {
        case .enter:
            zoom.editingFilter = false
            if zoomedOnLog && !zoom.filter.isEmpty {
                zoom.logView.match = 0
                zoom.logView.follow = false
            }
        case .escape:
            zoom.editingFilter = false
            zoom.filter = ""
        case .backspace: if !zoom.filter.isEmpty { zoom.filter.removeLast() }
        case .char(let c): zoom.filter.append(c)
        case .interrupt: return [.quit]
        default: break
        }
        return []
    }
}
