import Foundation

/// Where Vigil finds its configuration and themes, installed or in a
/// checkout, and why it chose what it chose.
///
/// A value with its environment, the binary's directory, the working
/// directory and the file test injected: the lookup order is tested
/// without touching `/etc`.
public struct FileLocations: Sendable {
    public var environment: [String: String]
    /// The directory of the running binary (`/usr/bin`, `.build/debug`).
    public var executableDirectory: String
    public var workingDirectory: String
    public var exists: @Sendable (String) -> Bool

    public init(
        environment: [String: String], executableDirectory: String, workingDirectory: String,
        exists: @escaping @Sendable (String) -> Bool
    ) {
        self.environment = environment
        self.executableDirectory = executableDirectory
        self.workingDirectory = workingDirectory
        self.exists = exists
    }

    /// A chosen file and the reason, for `vigil check config` and the help
    /// screen ("/etc/vigil/vigil.yaml (system configuration)").
    public struct Choice: Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var why: String
        public var description: String { "\(path) (\(why))" }
    }

    /// The installed data directory, and the same layout beside a binary
    /// installed under another prefix (`/opt/vigil/bin/vigil` finds
    /// `/opt/vigil/share/vigil`).
    var dataDirectories: [String] {
        var out = ["/usr/share/vigil"]
        let prefix = Self.parent(executableDirectory)
        let besides = prefix + "/share/vigil"
        if besides != out[0] { out.append(besides) }
        return out
    }

    public var configHome: String? {
        if let x = environment["XDG_CONFIG_HOME"], !x.isEmpty { return x }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.config" }
        return nil
    }

    /// The configuration: `--config`, else `$VIGIL_CONFIG`, else
    /// `$XDG_CONFIG_HOME/vigil/vigil.yaml`, else `/etc/vigil/vigil.yaml`,
    /// else the shipped NormalDance dashboards. An option or variable that
    /// is given is taken as it is (a missing file is then an error that
    /// names it), never skipped over.
    public func config(option: String?) -> Choice? {
        if let option { return Choice(path: option, why: "--config") }
        if let env = environment["VIGIL_CONFIG"], !env.isEmpty { return Choice(path: env, why: "$VIGIL_CONFIG") }
        if let home = configHome, exists(home + "/vigil/vigil.yaml") {
            return Choice(path: home + "/vigil/vigil.yaml", why: "user configuration")
        }
        if exists("/etc/vigil/vigil.yaml") { return Choice(path: "/etc/vigil/vigil.yaml", why: "system configuration") }
        return shippedDashboards()
    }

    /// The NormalDance dashboards shipped with Vigil: installed, or in the
    /// checkout the binary was built in or run from. The demo uses these.
    public func shippedDashboards() -> Choice? {
        let file = "dashboards/normaldance.yaml"
        var candidates = dataDirectories.map { $0 + "/" + file }
        candidates.append(workingDirectory + "/" + file)
        // .build/debug/vigil or .build/<triple>/release/vigil in a checkout.
        var dir = executableDirectory
        for _ in 0..<3 {
            dir = Self.parent(dir)
            candidates.append(dir + "/" + file)
        }
        guard let path = candidates.first(where: exists) else { return nil }
        return Choice(path: path, why: "the shipped NormalDance dashboards")
    }

    /// Directories searched for themes, in order; a theme in an earlier
    /// one hides one of the same name in a later one. `--themes-dir`
    /// replaces the search.
    public func themeDirectories(option: String?) -> [String] {
        if let option { return [option] }
        var out: [String] = []
        if let home = configHome { out.append(home + "/vigil/themes") }
        out += dataDirectories.map { $0 + "/themes" }
        out.append(workingDirectory + "/themes")
        var dir = executableDirectory
        for _ in 0..<3 {
            dir = Self.parent(dir)
            out.append(dir + "/themes")
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }

    /// The state directory and why: `--state-dir`, else the
    /// configuration's `state_dir:` (a team's shared one), else
    /// `$XDG_STATE_HOME/vigil`, else `~/.local/state/vigil`. The demo
    /// keeps its own (`…/vigil/demo`) whatever the configuration says: its
    /// made-up alerts do not belong in a team's journal.
    public func stateDirectory(option: String?, configured: String?, demo: Bool = false) -> Choice {
        if let option { return Choice(path: option, why: "--state-dir") }
        if let configured, !demo { return Choice(path: configured, why: "state_dir: in the configuration") }
        var base = environment["XDG_STATE_HOME"] ?? ""
        if base.isEmpty {
            // Without $HOME (cron, a stripped environment): the user's
            // home from the password database, not "/".
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            base = home + "/.local/state"
        }
        return Choice(path: base + "/vigil" + (demo ? "/demo" : ""), why: demo ? "the demo's own" : "your own")
    }

    /// `path` made absolute: `~/` is the home directory, a relative path
    /// is taken from `directory`.
    public static func absolute(_ path: String, relativeTo directory: String) -> String {
        if path.hasPrefix("/") { return path }
        if path == "~" || path.hasPrefix("~/") {
            return (ProcessInfo.processInfo.environment["HOME"] ?? "") + path.dropFirst()
        }
        return (directory == "/" ? "" : directory) + "/" + path
    }

    public static func parent(_ path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        guard let slash = p.lastIndex(of: "/") else { return "." }
        return slash == p.startIndex ? "/" : String(p[..<slash])
    }
}
