/// A change to one of the plan's incident fields, as typed on the
/// incident page: `assignee: alice`, `severity: critical`,
/// `services: api, web`, `root cause: pool sized for 10%`,
/// `corrective: ...`, `preventive: ...`.
public enum IncidentEdit: Sendable, Equatable {
    case assignee(String)
    case severity(String)
    case services([String])
    case section(PostmortemField, String)

    public static let fields = ["assignee", "severity", "services", "root cause", "corrective", "preventive"]

    /// Reads `field: value`; `severities` are the configured ids.
    public static func parse(_ text: String, severities: [String]) throws(IncidentEditError) -> IncidentEdit {
        if let (field, rest) = PostmortemField.split(text) { return .section(field, rest) }
        guard let colon = text.firstIndex(of: ":") else { throw .noField }
        let name = text[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { throw .empty(name) }
        switch name {
        case "assignee":
            return .assignee(value)
        case "severity":
            guard severities.contains(value) else { throw .unknownSeverity(value, severities) }
            return .severity(value)
        case "services", "service":
            return .services(
                value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        default:
            throw .unknownField(name)
        }
    }
}

/// Why an incident edit was refused; nothing is written.
public enum IncidentEditError: Error, Equatable, CustomStringConvertible {
    case noField
    case empty(String)
    case unknownField(String)
    case unknownSeverity(String, [String])
    case noIncident(String)

    public var description: String {
        switch self {
        case .noField: return "write field: value (\(IncidentEdit.fields.joined(separator: ", ")))"
        case .empty(let f): return "\(f): needs a value"
        case .unknownField(let f):
            return "no field \(Sanitizer.quote(f)) (one of: \(IncidentEdit.fields.joined(separator: ", ")))"
        case .noIncident(let id): return "no incident \(Sanitizer.quote(id))"
        case .unknownSeverity(let s, let known):
            return "no severity \(Sanitizer.quote(s)) (configured: \(known.joined(separator: ", ")))"
        }
    }
}
