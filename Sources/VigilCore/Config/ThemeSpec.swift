import Foundation
import Yams

/// A colour theme as its YAML file says it: colour roles mapped to
/// 256-colour indexes (or -1, the terminal's default), validated like the
/// configuration, with file:line:column errors.
public struct ThemeSpec: Sendable, Equatable {
    public var name: String
    public var description: String
    public var colors: [String: Int16]
    public var series: [Int16]

    public init(name: String, description: String, colors: [String: Int16], series: [Int16]) {
        self.name = name
        self.description = description
        self.colors = colors
        self.series = series
    }

    /// Every colour role a theme must give.
    public static let roles = [
        "background", "text", "dim", "border", "title", "ok", "warn", "crit", "stale", "no_data", "error",
        "selection", "status_bg", "status_fg", "accent",
    ]

    /// Colour names theme files and severities may use.
    public static let colorNames: [String: Int16] = [
        "default": -1, "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
        "gray": 8, "bright_red": 9, "bright_green": 10, "bright_yellow": 11, "bright_blue": 12, "bright_magenta": 13,
        "bright_cyan": 14, "bright_white": 15, "orange": 208,
    ]

    public static func load(path: String) throws(ConfigErrors) -> ThemeSpec {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigErrors(errors: [
                ConfigError(file: path, line: 1, column: 1, message: "cannot read the theme file")
            ])
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigErrors) -> ThemeSpec {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw ConfigErrors(errors: [ConfigLoader.yamlError(e, file: file)])
        } catch {
            throw ConfigErrors(errors: [ConfigError(file: file, line: 1, column: 1, message: "\(error)")])
        }
        guard let node else {
            throw ConfigErrors(errors: [ConfigError(file: file, line: 1, column: 1, message: "the file is empty")])
        }
        let r = ConfigReader(file: file, environment: [:])
        var spec = ThemeSpec(name: "", description: "", colors: [:], series: [])
        func color(_ n: Node, _ what: String) -> Int16? {
            guard let s = n.scalar?.string else {
                r.error(n, "\(what) must be a colour name or a number 0-255")
                return nil
            }
            if let v = colorNames[s] { return v }
            if let i = Int16(s), (0...255).contains(i) { return i }
            r.error(
                n,
                "\(what): unknown colour \(Sanitizer.quote(s)) (a number 0-255 or one of \(colorNames.keys.sorted().joined(separator: ", ")))"
            )
            return nil
        }
        for (key, _, value) in r.entries(node, "the theme", allowed: ["name", "description", "colors", "series"]) {
            switch key {
            case "name": spec.name = r.string(value, "name") ?? ""
            case "description": spec.description = r.string(value, "description") ?? ""
            case "colors":
                for (role, _, v) in r.entries(value, "colors", allowed: roles) {
                    if let c = color(v, role) { spec.colors[role] = c }
                }
                for role in roles where spec.colors[role] == nil && value.mapping != nil {
                    r.error(value, "colors needs \(Sanitizer.quote(role))")
                }
            default:
                guard let seq = value.sequence else {
                    r.error(value, "series must be a list of colours")
                    continue
                }
                spec.series = seq.compactMap { color($0, "series colour") }
            }
        }
        if spec.name.isEmpty { r.error(node, "a theme needs a name") }
        if spec.series.isEmpty { r.error(node, "a theme needs at least one series colour") }
        if !r.errors.isEmpty { throw ConfigErrors(errors: r.errors) }
        return spec
    }
}
