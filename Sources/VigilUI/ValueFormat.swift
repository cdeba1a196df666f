import Foundation
import VigilCore

/// Numbers as an operator reads them: in the metric's unit, scaled
/// (ms → s, k/M/G, $12.3k), with a precision that fits a small panel.
public enum ValueFormat {
    /// `decimals`: that many after the point, instead of three
    /// significant digits (Grafana's `decimals`).
    public static func format(_ v: Double?, unit: String, decimals: Int?) -> String {
        guard let decimals else { return format(v, unit: unit) }
        return Decimals.$places.withValue(decimals) { format(v, unit: unit) }
    }

    public static func format(_ v: Double?, unit: String) -> String {
        guard let v else { return "–" }
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        switch unit {
        case "ms":
            return abs(v) >= 1000 ? number(v / 1000) + " s" : number(v) + " ms"
        case "s":
            return abs(v) < 1 && v != 0 ? number(v * 1000) + " ms" : number(v) + " s"
        case "%":
            return number(v) + "%"
        case "$":
            return (v < 0 ? "-$" : "$") + scaled(abs(v))
        case "bytes", "B":
            return bytes(v)
        case "decbytes":
            // Grafana's SI bytes: kB, MB, GB (1000s).
            let a = abs(v)
            for (limit, suffix) in [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")] where a >= limit {
                return number(v / limit) + " " + suffix
            }
            return number(v) + " B"
        case "", "count":
            return scaled(v)
        default:
            return scaled(v) + " " + unit
        }
    }

    /// `  warn 2 s crit 5 s`, each level that is finite.
    public static func levels(_ t: Threshold, unit: String) -> String {
        var out = ""
        if t.warning.isFinite { out += "  warn \(format(t.warning, unit: unit))" }
        if t.critical.isFinite { out += (out.isEmpty ? "  " : " ") + "crit \(format(t.critical, unit: unit))" }
        return out
    }

    /// Three significant digits, no exponent, trailing zeros kept short.
    static func number(_ v: Double) -> String {
        if let places = Decimals.places { return String(format: "%.\(places)f", v) }
        let a = abs(v)
        if a == 0 { return "0" }
        if a >= 100 || v == v.rounded() && a < 1e6 { return String(format: "%.0f", v) }
        if a >= 10 { return String(format: "%.1f", v) }
        if a >= 1 { return String(format: "%.2f", v) }
        if a >= 0.001 { return String(format: "%.3f", v) }
        return String(format: "%.2g", v)
    }

    static func scaled(_ v: Double) -> String {
        let a = abs(v)
        for (limit, suffix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] where a >= limit {
            return number(v / limit) + suffix
        }
        return number(v)
    }

    static func bytes(_ v: Double) -> String {
        let a = abs(v)
        for (limit, suffix) in [
            (1_099_511_627_776.0, "TiB"), (1_073_741_824.0, "GiB"), (1_048_576.0, "MiB"), (1024.0, "KiB"),
        ]
        where a >= limit {
            return number(v / limit) + " " + suffix
        }
        return number(v) + " B"
    }
}

/// The decimals asked for while one value is formatted: a task-local, so
/// every unit's branch of `format` honours it without a parameter each.
enum Decimals {
    @TaskLocal static var places: Int?
}
