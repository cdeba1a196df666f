/// A threshold criterion judged: its value now and pass or fail.
public struct CriterionStatus: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        case pass, fail
        case notMeasured = "not measured"
    }

    public var name: String
    public var value: Double?
    public var target: String
    public var state: State
    /// How the value was had, or why there is none.
    public var detail: String

    public init(name: String, value: Double?, target: String, state: State, detail: String) {
        self.name = name
        self.value = value
        self.target = target
        self.state = state
        self.detail = detail
    }

    /// Judges `c` with its value (a metric's now, or an incident count);
    /// nil is not measured, never a pass.
    public static func judge(_ c: Criterion, value: Double?, detail: String) -> CriterionStatus {
        if case .notMeasured(let why) = c.kind {
            return CriterionStatus(name: c.name, value: nil, target: "", state: .notMeasured, detail: why)
        }
        guard let value, value.isFinite else {
            return CriterionStatus(name: c.name, value: nil, target: c.target, state: .notMeasured, detail: detail)
        }
        return CriterionStatus(
            name: c.name, value: value, target: c.target, state: c.passes(value) ? .pass : .fail, detail: detail)
    }
}
