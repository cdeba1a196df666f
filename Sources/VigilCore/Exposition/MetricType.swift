/// The wire format of a metrics exposition.
public enum ExpositionFormat: String, Sendable, CaseIterable {
    /// Prometheus text format 0.0.4.
    case prometheus
    /// OpenMetrics 1.0 text.
    case openMetrics = "openmetrics"

    /// Picks the format the way Prometheus does: OpenMetrics only when the
    /// server says so, the classic text format for anything else (including
    /// a missing or unknown Content-Type, which old exporters send).
    public init(contentType: String?) {
        let lowered = (contentType ?? "").lowercased()
        self = lowered.hasPrefix("application/openmetrics-text") ? .openMetrics : .prometheus
    }
}

/// A metric family's type, as the TYPE line names it.
public enum MetricType: String, Sendable, CaseIterable, Codable {
    case counter, gauge, histogram, summary, untyped, unknown
    case gaugehistogram, info, stateset

    /// The name as a static string, for byte comparisons.
    var staticName: StaticString {
        switch self {
        case .counter: return "counter"
        case .gauge: return "gauge"
        case .histogram: return "histogram"
        case .summary: return "summary"
        case .untyped: return "untyped"
        case .unknown: return "unknown"
        case .gaugehistogram: return "gaugehistogram"
        case .info: return "info"
        case .stateset: return "stateset"
        }
    }

    /// The sample-name suffixes that belong to a family of this type.
    func allowedSuffixes(_ format: ExpositionFormat) -> [SampleSuffix] {
        switch (self, format) {
        case (.counter, .openMetrics): return SampleSuffix.counterOM
        case (.histogram, .openMetrics): return SampleSuffix.histogramOM
        case (.histogram, .prometheus): return SampleSuffix.histogramProm
        case (.gaugehistogram, _): return SampleSuffix.gaugeHistogram
        case (.summary, .openMetrics): return SampleSuffix.summaryOM
        case (.summary, .prometheus): return SampleSuffix.summaryProm
        case (.info, .openMetrics): return SampleSuffix.infoOM
        default: return SampleSuffix.bareOnly
        }
    }
}

/// What a sample's name adds to its family's name.
public enum SampleSuffix: String, Sendable {
    case bare = "", total = "_total", created = "_created", bucket = "_bucket", count = "_count", sum = "_sum"
    case gcount = "_gcount", gsum = "_gsum", info = "_info"

    // Shared lists, so looking them up allocates nothing.
    static let counterOM: [SampleSuffix] = [.total, .created]
    static let histogramOM: [SampleSuffix] = [.bucket, .count, .sum, .created]
    static let histogramProm: [SampleSuffix] = [.bucket, .count, .sum]
    static let gaugeHistogram: [SampleSuffix] = [.bucket, .gcount, .gsum]
    static let summaryOM: [SampleSuffix] = [.bare, .count, .sum, .created]
    static let summaryProm: [SampleSuffix] = [.bare, .count, .sum]
    static let infoOM: [SampleSuffix] = [.info]
    static let bareOnly: [SampleSuffix] = [.bare]

    /// The suffix as a static string, for byte comparisons.
    var text: StaticString {
        switch self {
        case .bare: return ""
        case .total: return "_total"
        case .created: return "_created"
        case .bucket: return "_bucket"
        case .count: return "_count"
        case .sum: return "_sum"
        case .gcount: return "_gcount"
        case .gsum: return "_gsum"
        case .info: return "_info"
        }
    }
}

/// A label name/value pair, materialised.
public struct Label: Hashable, Sendable, Comparable, Codable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public static func < (lhs: Label, rhs: Label) -> Bool {
        lhs.name != rhs.name ? lhs.name < rhs.name : lhs.value < rhs.value
    }
}

/// An exemplar attached to a sample (OpenMetrics only).
public struct Exemplar: Hashable, Sendable {
    public var labels: [Label]
    public var value: Double
    /// Milliseconds since the epoch, when the exemplar carried a timestamp.
    public var timestampMs: Int64?
}

/// One sample, materialised with owned strings. The streaming parser hands
/// out cheaper views; this type is what commands and tests work with.
public struct Sample: Sendable, Equatable {
    public var family: String
    public var type: MetricType
    public var name: String
    /// Labels in the order they appeared.
    public var labels: [Label]
    public var value: Double
    /// Milliseconds since the epoch, when the line carried a timestamp.
    public var timestampMs: Int64?
    public var exemplar: Exemplar?

    public init(
        family: String, type: MetricType, name: String, labels: [Label], value: Double,
        timestampMs: Int64? = nil, exemplar: Exemplar? = nil
    ) {
        self.family = family
        self.type = type
        self.name = name
        self.labels = labels
        self.value = value
        self.timestampMs = timestampMs
        self.exemplar = exemplar
    }

    /// Equality that treats NaN as equal to NaN, so round trips compare.
    public static func == (a: Sample, b: Sample) -> Bool {
        a.family == b.family && a.type == b.type && a.name == b.name && a.labels == b.labels
            && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
            && a.timestampMs == b.timestampMs && a.exemplar == b.exemplar
    }
}

/// Metadata of one family: what HELP, TYPE and UNIT said.
public struct FamilyInfo: Sendable, Equatable {
    public var name: String
    public var type: MetricType
    public var help: String?
    public var unit: String?
}

/// Why an exposition was rejected, with the 1-based line and column (in
/// bytes) where the parser stopped.
public struct ExpositionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String

    public var description: String { "\(line):\(column): \(message)" }
}

extension ExpositionFormat {
    /// Guesses the format of a file with no Content-Type: OpenMetrics
    /// ends with `# EOF`.
    public init(sniffing bytes: [UInt8]) {
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
        let marker = Array("# EOF".utf8)
        self = end >= marker.count && Array(bytes[(end - marker.count)..<end]) == marker ? .openMetrics : .prometheus
    }
}
