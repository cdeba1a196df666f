import Foundation
import Yams

/// `launch:`: the phases with their go/no-go checks, and the pre-launch
/// checklist as the plan writes it (categories of items). A check's
/// `metric:` or `objective:` is the resolver's to tie.
extension ConfigReader {
    func launch(_ node: Node) -> LaunchPlan {
        var plan = LaunchPlan()
        var defaults = GateCheck(
            name: "", source: .query, query: "", expr: nil, threshold: Threshold(warning: 0, critical: 0))
        let fields = entries(node, "launch", allowed: ["note", "phases", "checklist", "check_defaults"])
        // The defaults first: they apply to every check, wherever written.
        for (key, _, v) in fields where key == "check_defaults" {
            for (k, _, d) in entries(
                v, "check_defaults", allowed: ["min_samples", "consecutive", "failures", "interval"])
            {
                checkSetting(k, d, into: &defaults)
            }
        }
        for (key, _, v) in fields {
            switch key {
            case "note": plan.note = string(v, "launch.note")
            case "phases":
                var names = Set<String>()
                for item in items(v, "launch.phases") {
                    guard let phase = phase(item, defaults: defaults) else { continue }
                    if !names.insert(phase.name).inserted {
                        error(item, "two phases are named \(Sanitizer.quote(phase.name))")
                        continue
                    }
                    plan.phases.append(phase)
                }
                if plan.phases.isEmpty && v.sequence?.isEmpty == true { error(v, "launch.phases is empty") }
            case "checklist": plan.checklist = checklist(v)
            default: break
            }
        }
        // A checklist alone is fine: a launch gated by people.
        return plan
    }

    func phase(_ node: Node, defaults: GateCheck) -> LaunchPhase? {
        var name: String?
        var traffic: Double?
        var duration: Int64 = 0
        var checks: [GateCheck] = []
        var checksNode: Node?
        var written = 0
        let fields = entries(node, "a phase", allowed: ["name", "traffic", "duration", "checks"])
        for (key, _, v) in fields {
            switch key {
            case "name": name = string(v, "name")
            case "traffic":
                // 10, 10% or 0.1 are all read as the plan means them.
                let text = (v.scalar?.string ?? "").replacingOccurrences(of: "%", with: "")
                if let t = FastFloat.parse(text), t > 0, t <= 100 {
                    traffic = t
                } else {
                    error(v, "traffic must be a percentage above 0 and at most 100 (10, 25%, 100)")
                }
            case "duration": duration = self.duration(v, "duration")?.milliseconds ?? 0
            default:
                checksNode = v
                var seen = Set<String>()
                for c in items(v, "checks") {
                    written += 1
                    guard let check = check(c, defaults: defaults) else { continue }
                    if !seen.insert(check.name).inserted {
                        error(c, "two checks of this phase are named \(Sanitizer.quote(check.name))")
                        continue
                    }
                    checks.append(check)
                }
            }
        }
        guard let name else {
            error(node, "a phase needs a name")
            return nil
        }
        guard let traffic else {
            if !fields.contains(where: { $0.key == "traffic" }) {
                error(node, "phase \(Sanitizer.quote(name)) needs traffic: (its share, 10 for 10%)")
            }
            return nil
        }
        if checks.isEmpty && written > 0 { return nil }  // each check said what is wrong with it
        if checks.isEmpty {
            // A phase that nothing checks would always be GO.
            error(
                checksNode ?? node,
                "phase \(Sanitizer.quote(name)) has no checks (a phase without checks is never judged)")
            return nil
        }
        return LaunchPhase(name: name, traffic: traffic, minDurationMs: duration, checks: checks, at: position(node))
    }

    func check(_ node: Node, defaults: GateCheck) -> GateCheck? {
        var c = defaults
        c.at = position(node)
        var name: String?
        var warning: Double?
        var critical: Double?
        var lowerIsWorse = false
        var sources = 0
        for (key, _, v) in entries(
            node, "a check",
            allowed: [
                "name", "query", "metric", "objective", "warning", "critical", "lower_is_worse", "unit", "min_samples",
                "consecutive", "failures", "interval",
            ])
        {
            switch key {
            case "name": name = string(v, "name")
            case "query":
                sources += 1
                if let (text, expr) = query(v, "query") {
                    c.query = text
                    c.expr = expr
                }
            case "metric", "objective":
                sources += 1
                if let id = string(v, key) {
                    c.source = key == "metric" ? .metric(id) : .objective(id)
                    c.refAt = position(v)
                    name = name ?? id
                }
            case "warning": warning = number(v, "warning")
            case "critical": critical = number(v, "critical")
            case "lower_is_worse": lowerIsWorse = bool(v, "lower_is_worse") ?? false
            case "unit": c.unit = string(v, "unit") ?? ""
            default: checkSetting(key, v, into: &c)
            }
        }
        guard sources == 1 else {
            error(node, "a check needs exactly one of query:, metric: or objective:")
            return nil
        }
        guard let name else {
            error(node, "a check with a query: needs a name")
            return nil
        }
        c.name = name
        if let w = warning ?? critical, let k = critical ?? warning {
            if lowerIsWorse ? k > w : k < w, warning != nil, critical != nil {
                error(
                    node,
                    "check \(Sanitizer.quote(name)): critical \(GateText.number(k)) is \(lowerIsWorse ? "above" : "below") warning \(GateText.number(w)) (lower_is_worse: \(lowerIsWorse))"
                )
            }
            c.threshold = Threshold(warning: w, critical: k, higherIsWorse: !lowerIsWorse)
            c.bounded = true
        } else if case .query = c.source {
            error(
                node, "check \(Sanitizer.quote(name)) needs warning: or critical: (the bounds its value is judged by)")
            return nil
        }
        return c
    }

    func checkSetting(_ key: String, _ v: Node, into c: inout GateCheck) {
        switch key {
        case "interval":
            if let d = duration(v, "interval") {
                if d.milliseconds < 1000 { error(v, "interval must be at least 1s") }
                c.intervalMs = max(1000, d.milliseconds)
            }
        default:
            guard let n = integer(v, key) else { return }
            if n < (key == "min_samples" ? 0 : 1) || n > 100_000 {
                error(v, "\(key) must be between \(key == "min_samples" ? 0 : 1) and 100000")
                return
            }
            switch key {
            case "min_samples": c.minSamples = n
            case "consecutive": c.consecutive = n
            default: c.failureLimit = n
            }
        }
    }

    /// `checklist:` as the plan writes it: a mapping of categories, each a
    /// list of items; an item is its title (ticked by a person) or a
    /// mapping with `title:` and `query:` or `http:`.
    func checklist(_ node: Node) -> [ChecklistItem] {
        var out: [ChecklistItem] = []
        var ids = Set<String>()
        for (category, _, list) in entries(node, "checklist", allowed: []) {
            for item in items(list, "checklist.\(category)") {
                guard var i = checklistItem(item, category: category) else { continue }
                if i.id.isEmpty { i.id = category + "." + Self.slug(i.title) }
                if !ids.insert(i.id).inserted {
                    error(item, "two checklist items are named \(Sanitizer.quote(i.id))")
                    continue
                }
                out.append(i)
            }
        }
        return out
    }

    func checklistItem(_ node: Node, category: String) -> ChecklistItem? {
        if node.scalar != nil {
            // `[x] Deploy production environment`, as the plan writes it:
            // the box is the plan's state, not the launch's.
            guard var title = string(node, "a checklist item") else { return nil }
            for box in ["[x] ", "[X] ", "[ ] "] where title.hasPrefix(box) { title.removeFirst(box.count) }
            return ChecklistItem(id: "", category: category, title: title, kind: .manual, at: position(node))
        }
        var title: String?
        var id = ""
        var kind = ChecklistItem.Kind.manual
        var status = 200
        var url: String?
        var every: Int64 = 60_000
        var ttl: Int64?
        for (key, _, v) in entries(
            node, "a checklist item", allowed: ["title", "id", "query", "http", "status", "every", "ttl"])
        {
            switch key {
            case "title": title = string(v, "title")
            case "id": id = string(v, "id").map { category + "." + $0 } ?? ""
            case "query": if let (text, expr) = query(v, "query") { kind = .query(text, expr) }
            case "http":
                guard let u = string(v, "http") else { continue }
                if let problem = ReaderURL.problem(u) {
                    error(v, "http: \(problem)")
                } else {
                    url = u
                }
            case "status":
                if let s = integer(v, "status") {
                    if s < 100 || s > 599 { error(v, "status must be an HTTP status (100-599)") } else { status = s }
                }
            case "every":
                if let d = duration(v, "every") {
                    if d.milliseconds < 1000 { error(v, "every must be at least 1s") }
                    every = max(1000, d.milliseconds)
                }
            default: ttl = duration(v, "ttl")?.milliseconds
            }
        }
        if let url { kind = .http(url: url, status: status) }
        guard let title else {
            error(node, "a checklist item needs a title")
            return nil
        }
        return ChecklistItem(
            id: id, category: category, title: title, kind: kind, everyMs: every, ttlMs: ttl, at: position(node))
    }
}

/// What makes a probe's URL unusable, said before anything is fetched.
enum ReaderURL {
    static func problem(_ s: String) -> String? {
        guard let u = URL(string: s), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = u.host, !host.isEmpty
        else { return "\(Sanitizer.quote(s)) is not an http:// or https:// URL" }
        return nil
    }

    static func mailProblem(_ s: String) -> String? {
        guard let u = URL(string: s), let scheme = u.scheme?.lowercased(), ["smtp", "smtps"].contains(scheme),
            let host = u.host, !host.isEmpty
        else { return "not an smtp:// or smtps:// URL" }
        return nil
    }
}
