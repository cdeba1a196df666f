import Yams

/// Grafana's units as Vigil's: the unit Vigil formats by, and a factor
/// the query is multiplied by when Vigil's unit is a scaled one (0.05 in
/// `percentunit` is 5 in `%`; 1.5e9 ns is 1500 ms). An unknown unit is a
/// suffix, as Grafana shows it.
struct GrafanaUnit: Equatable {
    var unit: String
    var scale: Double?

    /// Thresholds are written in the panel's raw unit: scaled with it.
    func scaled(_ t: Threshold) -> Threshold {
        guard let scale else { return t }
        return Threshold(warning: t.warning * scale, critical: t.critical * scale, higherIsWorse: t.higherIsWorse)
    }
}

enum GrafanaUnits {
    static let table: [String: GrafanaUnit] = [
        "none": GrafanaUnit(unit: ""), "short": GrafanaUnit(unit: ""), "": GrafanaUnit(unit: ""),
        "percent": GrafanaUnit(unit: "%"), "percentunit": GrafanaUnit(unit: "%", scale: 100),
        "ms": GrafanaUnit(unit: "ms"), "s": GrafanaUnit(unit: "s"), "ns": GrafanaUnit(unit: "ms", scale: 1e-6),
        "µs": GrafanaUnit(unit: "ms", scale: 1e-3), "us": GrafanaUnit(unit: "ms", scale: 1e-3),
        "m": GrafanaUnit(unit: "s", scale: 60), "h": GrafanaUnit(unit: "s", scale: 3600),
        "d": GrafanaUnit(unit: "s", scale: 86400), "dtdurations": GrafanaUnit(unit: "s"),
        "dtdurationms": GrafanaUnit(unit: "ms"),
        "bytes": GrafanaUnit(unit: "bytes"), "kbytes": GrafanaUnit(unit: "bytes", scale: 1024),
        "mbytes": GrafanaUnit(unit: "bytes", scale: 1_048_576),
        "gbytes": GrafanaUnit(unit: "bytes", scale: 1_073_741_824),
        "tbytes": GrafanaUnit(unit: "bytes", scale: 1_099_511_627_776),
        "decbytes": GrafanaUnit(unit: "decbytes"), "deckbytes": GrafanaUnit(unit: "decbytes", scale: 1e3),
        "decmbytes": GrafanaUnit(unit: "decbytes", scale: 1e6), "decgbytes": GrafanaUnit(unit: "decbytes", scale: 1e9),
        "dectbytes": GrafanaUnit(unit: "decbytes", scale: 1e12),
        "bits": GrafanaUnit(unit: "bit"), "decbits": GrafanaUnit(unit: "bit"),
        "Bps": GrafanaUnit(unit: "B/s"), "binBps": GrafanaUnit(unit: "B/s"), "bps": GrafanaUnit(unit: "bit/s"),
        "binbps": GrafanaUnit(unit: "bit/s"),
        "reqps": GrafanaUnit(unit: "req/s"), "rps": GrafanaUnit(unit: "reads/s"), "wps": GrafanaUnit(unit: "writes/s"),
        "ops": GrafanaUnit(unit: "ops/s"), "iops": GrafanaUnit(unit: "io/s"), "opm": GrafanaUnit(unit: "ops/min"),
        "reqpm": GrafanaUnit(unit: "req/min"),
        "currencyUSD": GrafanaUnit(unit: "$"), "currencyEUR": GrafanaUnit(unit: "€"),
        "currencyGBP": GrafanaUnit(unit: "£"),
        "currencyJPY": GrafanaUnit(unit: "¥"), "currencyRUB": GrafanaUnit(unit: "₽"),
        "celsius": GrafanaUnit(unit: "°C"), "hertz": GrafanaUnit(unit: "Hz"), "watt": GrafanaUnit(unit: "W"),
        "bool": GrafanaUnit(unit: ""), "bool_yes_no": GrafanaUnit(unit: ""), "bool_on_off": GrafanaUnit(unit: ""),
        "locale": GrafanaUnit(unit: ""),
    ]

    static func map(_ grafana: String?) -> GrafanaUnit {
        guard let u = grafana else { return GrafanaUnit(unit: "") }
        if let known = table[u] { return known }
        // `suffix:rpm` and `prefix:~` are custom units; the text is the unit.
        for custom in ["suffix:", "prefix:", "si:", "count:"] where u.hasPrefix(custom) {
            return GrafanaUnit(unit: String(u.dropFirst(custom.count)))
        }
        return GrafanaUnit(unit: u)
    }
}

/// Grafana's threshold steps as Vigil's warning and critical: each step's
/// colour is read as a state (green and blue OK, yellow and orange WARN,
/// red CRIT, a hex colour by its hue); where the state rises along the
/// steps higher is worse, where it falls lower is worse.
enum GrafanaThresholds {
    static func read(_ defaults: Node?, panel: Node, reader: GrafanaReader) -> Threshold? {
        if let t = defaults?.mapping?["thresholds"], let steps = t.mapping?["steps"]?.sequence {
            let percentage = t.mapping?["mode"]?.scalar?.string == "percentage"
            let lo = reader.number(defaults, "min") ?? 0
            let hi = reader.number(defaults, "max") ?? 100
            var list: [(Double?, Threshold.State)] = []
            for s in steps {
                let v = reader.number(s, "value").map { percentage ? lo + (hi - lo) * $0 / 100 : $0 }
                list.append((v, state(s.mapping?["color"]?.scalar?.string ?? "green")))
            }
            return threshold(list)
        }
        // The old singlestat: "80,90" and three colours.
        if let text = reader.text(panel, "thresholds"), let colors = panel.mapping?["colors"]?.sequence {
            let values = text.split(separator: ",").compactMap {
                FastFloat.parse($0.trimmingCharacters(in: .whitespaces))
            }
            let states = colors.compactMap { $0.scalar?.string }.map(state)
            guard values.count == 2, states.count == 3 else { return nil }
            return threshold([(nil, states[0]), (values[0], states[1]), (values[1], states[2])])
        }
        // The old graph panel: lines with a colour mode.
        if let lines = panel.mapping?["thresholds"]?.sequence, !lines.isEmpty {
            var list: [(Double?, Threshold.State)] = [(nil, .ok)]
            for l in lines {
                guard let v = reader.number(l, "value") else { continue }
                let mode = reader.text(l, "colorMode") ?? "critical"
                list.append((v, mode == "warning" ? .warning : mode == "ok" ? .ok : .critical))
            }
            list[1...].sort { ($0.0 ?? 0) < ($1.0 ?? 0) }
            return threshold(list)
        }
        return nil
    }

    /// Steps in order (the first's value is nil: from minus infinity).
    static func threshold(_ steps: [(Double?, Threshold.State)]) -> Threshold? {
        guard let first = steps.first?.1, let last = steps.last?.1, first != last else { return nil }
        if last > first {
            let warning = steps.first { $0.1 >= .warning }?.0
            let critical = steps.first { $0.1 == .critical }?.0
            guard let w = warning ?? critical else { return nil }
            return Threshold(warning: w, critical: critical ?? .infinity, higherIsWorse: true)
        }
        // Falling: below the first OK step is a warning, below the first
        // step out of CRIT is critical.
        let warning = steps.first { $0.1 == .ok }?.0
        let critical = steps.first { $0.1 < .critical }?.0
        guard let w = warning ?? critical else { return nil }
        return Threshold(warning: w, critical: critical ?? -.infinity, higherIsWorse: false)
    }

    static func state(_ color: String) -> Threshold.State {
        let c = color.lowercased()
        if c.hasPrefix("#") || c.hasPrefix("rgb") { return hue(c) }
        if c.contains("red") { return .critical }
        if c.contains("yellow") || c.contains("orange") { return .warning }
        return .ok
    }

    /// A colour written as `#rrggbb` or `rgb(r, g, b)`, by its hue.
    static func hue(_ c: String) -> Threshold.State {
        var rgb: [Double] = []
        if c.hasPrefix("#") {
            let hex = Array(c.dropFirst())
            guard hex.count >= 6 else { return .ok }
            for i in stride(from: 0, to: 6, by: 2) {
                rgb.append(Double(Int(String(hex[i..<(i + 2)]), radix: 16) ?? 0) / 255)
            }
        } else {
            rgb = c.filter { $0.isNumber || $0 == "," || $0 == "." }.split(separator: ",").prefix(3).compactMap {
                Double($0).map { $0 / 255 }
            }
            guard rgb.count == 3 else { return .ok }
        }
        let (r, g, b) = (rgb[0], rgb[1], rgb[2])
        let mx = max(r, g, b)
        let mn = min(r, g, b)
        guard mx - mn > 0.15 else { return .ok }  // grey: no opinion
        var h: Double
        if mx == r {
            h = 60 * ((g - b) / (mx - mn)).truncatingRemainder(dividingBy: 6)
        } else if mx == g {
            h = 60 * ((b - r) / (mx - mn) + 2)
        } else {
            h = 60 * ((r - g) / (mx - mn) + 4)
        }
        if h < 0 { h += 360 }
        if h < 20 || h >= 330 { return .critical }
        if h < 65 { return .warning }
        return .ok
    }
}
