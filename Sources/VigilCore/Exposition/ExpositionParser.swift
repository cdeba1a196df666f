#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A label of the current sample, as offsets: the name always points into
/// the input; the value points into the input when it had no escapes, and
/// into the parser's scratch buffer (escapes resolved) when it had.
public struct LabelSlice: Sendable {
    var nameStart: Int
    var nameLength: Int
    var valueStart: Int
    var valueLength: Int
    var valueInScratch: Bool
}

/// A streaming parser for Prometheus text 0.0.4 and OpenMetrics 1.0 over
/// bytes in memory.
///
/// Like Prometheus' `textparse`, it is a hand-written lexer that hands out
/// offsets into the input rather than copying lines: the metric name and
/// label names are slices of the input, label values are slices of the
/// input or, when they had escapes, of one reused scratch buffer. Every
/// label value is decoded and checked for valid UTF-8 and every value and
/// timestamp is parsed, so a sample is fully known when `next()` returns.
///
/// Use it through `ExpositionParser.withParser(bytes:format:_:)`, which keeps
/// the bytes alive while the parser points into them.
public struct ExpositionParser {
    let base: UnsafePointer<UInt8>
    let end: Int
    public let format: ExpositionFormat
    /// OpenMetrics 1.0 exactly (`vigil check metrics`): every rule of the
    /// spec on values, histograms, ordering and metadata. Off, an
    /// OpenMetrics body is held to its syntax only, as Prometheus' own
    /// parser holds it, so a scrape keeps what Prometheus would keep.
    public var strict = true

    var pos = 0
    public internal(set) var lineNumber = 1
    var lineStart = 0

    // The current sample.
    public private(set) var nameStart = 0
    public private(set) var nameLength = 0
    public private(set) var labelSlices: [LabelSlice] = []
    /// Where the current sample's name and label set end: the bytes from
    /// `nameStart` to here identify its series (the scrape cache's key).
    public private(set) var seriesEnd = 0
    /// The key the caller expects this line to have and its length in
    /// bytes (the scrape cache's entry for the previous scrape's line at
    /// this place). When the line's label set has it, its labels are not
    /// decoded or checked again: the same bytes parsed in full before.
    /// Lenient parsing only.
    public var expected: (key: SeriesKey, length: Int)?
    /// Set when the line matched `expected` (its labels were skipped:
    /// `labelSlices` is empty).
    public private(set) var matchedExpected = false
    // Decoded label values; `scratchCount` bytes are in use. Kept as a
    // zero-filled array written through one unsafe buffer per value, so
    // decoding costs no per-byte uniqueness checks.
    var scratch = [UInt8](repeating: 0, count: 256)
    var scratchCount = 0
    public private(set) var value: Double = 0
    public private(set) var timestampMs: Int64?
    public private(set) var hasExemplar = false
    var exemplarSlices: [LabelSlice] = []
    public private(set) var exemplarValue: Double = 0
    public private(set) var exemplarTimestampMs: Int64?
    /// Every family seen so far; samples refer to theirs by index, so a
    /// sample costs no string copies.
    var families: [FamilyInfo] = []
    /// The index in `families` of the current sample's family, and its type.
    public private(set) var familyIndex = 0
    public private(set) var familyType = MetricType.unknown
    /// The family the current sample belongs to.
    public var family: FamilyInfo { families.isEmpty ? FamilyInfo(name: "", type: .unknown) : families[familyIndex] }
    /// Which suffix of the family name the current sample carries.
    public private(set) var suffix: SampleSuffix = .bare

    // Metadata: the family whose TYPE/HELP/UNIT lines came last, and (for
    // the classic format) every family a TYPE or HELP line declared.
    var current = FamilyInfo(name: "", type: .unknown)
    var currentBytes: [UInt8] = []
    var currentHasSamples = false
    var currentSawType = false
    var currentSawHelp = false
    var currentSawUnit = false
    var currentIndex = -1
    /// Families named by metadata (or, in OpenMetrics, by samples), by name.
    var declared: [FamilyKey: Int] = [:]
    /// Per family (same index as `families`): whether samples were seen.
    var familyHasSamples: [Bool] = []
    // Cache of the last sample name's family resolution.
    var cacheName: [UInt8] = []
    var cacheFamilyIndex = 0
    var cacheFamilyType = MetricType.unknown
    var cacheSuffix = SampleSuffix.bare
    var sawEOF = false
    // OpenMetrics histogram/summary group checks.
    var group = GroupState()

    struct GroupState {
        var hash: UInt64 = 0
        var timestampMs: Int64?
        var active = false
        var lastLe: Double = -.infinity
        var lastBucket: Double = 0
        var infBucket: Double?
        var sawBucket = false
        var sawCount = false
        var sawSum = false
        var negativeBucket = false
        var gauge = false
    }
    /// Strict OpenMetrics: the current family's label set (without `le`
    /// and `quantile`), the ones it is done with, and its timestamps.
    var series = SeriesState()

    struct SeriesState {
        var hash: UInt64?
        var done: Set<UInt64> = []
        var lastTimestampMs: Int64?
        var withTimestamp = false
        var withoutTimestamp = false
    }

    init(base: UnsafePointer<UInt8>, count: Int, format: ExpositionFormat) {
        self.base = base
        self.end = count
        self.format = format
        labelSlices.reserveCapacity(16)
    }

    /// Runs `body` with a parser over `bytes`.
    public static func withParser<R>(
        bytes: [UInt8], format: ExpositionFormat,
        _ body: (inout ExpositionParser) throws -> R
    ) rethrows -> R {
        try bytes.withUnsafeBufferPointer { buf in
            // An empty array may have no base address; give the parser a
            // valid pointer anyway, it never reads past `count`.
            var zero: UInt8 = 0
            return try withUnsafePointer(to: &zero) { fallback in
                var parser = ExpositionParser(
                    base: buf.baseAddress ?? fallback, count: buf.count, format: format)
                return try body(&parser)
            }
        }
    }

    // MARK: - Accessors for the current sample

    /// The metric name of the current sample.
    public var name: String { string(base, nameStart, nameLength) }

    /// The labels of the current sample, materialised.
    public var labels: [Label] { labelSlices.map { label($0) } }

    /// The exemplar of the current sample, materialised.
    public var exemplar: Exemplar? {
        guard hasExemplar else { return nil }
        return Exemplar(
            labels: exemplarSlices.map { label($0) }, value: exemplarValue,
            timestampMs: exemplarTimestampMs)
    }

    /// The current sample, materialised.
    public var sample: Sample {
        Sample(
            family: families[familyIndex].name, type: familyType, name: name, labels: labels, value: value,
            timestampMs: timestampMs, exemplar: exemplar)
    }

    func label(_ s: LabelSlice) -> Label {
        let value: String =
            s.valueInScratch
            ? scratch.withUnsafeBufferPointer { string($0.baseAddress!, s.valueStart, s.valueLength) }
            : string(base, s.valueStart, s.valueLength)
        return Label(string(base, s.nameStart, s.nameLength), value)
    }

    /// Calls `body` with the bytes of label `i`'s value, without copying.
    public func withLabelValue<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let s = labelSlices[i]
        if s.valueInScratch {
            return scratch.withUnsafeBufferPointer {
                body(UnsafeBufferPointer(rebasing: $0[s.valueStart..<s.valueStart + s.valueLength]))
            }
        }
        return body(UnsafeBufferPointer(start: base + s.valueStart, count: s.valueLength))
    }

    /// Calls `body` with the bytes of label `i`'s name.
    public func withLabelName<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let s = labelSlices[i]
        return body(UnsafeBufferPointer(start: base + s.nameStart, count: s.nameLength))
    }

    @inline(__always)
    func string(_ p: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: p + start, count: count), as: UTF8.self)
    }

    /// The current sample's series as written: a hash of the bytes of its
    /// name and label set, with no label decoded and no String made.
    public var seriesKey: SeriesKey { SeriesKey(base + nameStart, count: seriesEnd - nameStart) }

    /// The length of the bytes `seriesKey` hashes.
    public var seriesKeyLength: Int { seriesEnd - nameStart }

    /// The current sample's name, hashed the same way.
    public var nameKey: SeriesKey { SeriesKey(base + nameStart, count: nameLength) }

    // MARK: - Driving

    /// Advances to the next sample. Returns false at the end of the input.
    public mutating func next() throws(ExpositionError) -> Bool {
        while pos < end {
            let c = base[pos]
            if c == UInt8(ascii: "#") {
                try comment()
                continue
            }
            if c == UInt8(ascii: "\n") {
                if format == .openMetrics { throw error("empty line") }
                newline(pos)
                continue
            }
            if format == .prometheus && (c == UInt8(ascii: " ") || c == UInt8(ascii: "\t")) {
                let save = pos
                skipBlanks()
                if pos >= end { return false }
                if base[pos] == UInt8(ascii: "\n") {
                    newline(pos)
                    continue
                }
                if base[pos] == UInt8(ascii: "#") {
                    pos = save
                    throw error("comment must start at the beginning of the line")
                }
            }
            if sawEOF { throw error("content after # EOF") }
            try sampleLine()
            return true
        }
        if format == .openMetrics {
            if !sawEOF { throw ExpositionError(line: lineNumber, column: 1, message: "missing # EOF at the end") }
            if strict { try closeGroup() }
        }
        return false
    }

    /// Parses everything and returns the samples, materialised; at most
    /// `limit` of them (the parse stops there: a caller that asks for one
    /// more than it allows learns the body is over, with memory bounded).
    public static func parseAll(
        bytes: [UInt8], format: ExpositionFormat, limit: Int = .max, strict: Bool = true
    ) throws(ExpositionError) -> [Sample] {
        do {
            return try withParser(bytes: bytes, format: format) { p in
                p.strict = strict
                var out: [Sample] = []
                while out.count < limit, try p.next() { out.append(p.sample) }
                return out
            }
        } catch let e as ExpositionError {
            throw e
        } catch {
            throw ExpositionError(line: 0, column: 0, message: "\(error)")
        }
    }

    /// The first rule of OpenMetrics 1.0 `bytes` breaks, nil when none:
    /// a strict parse that materialises nothing.
    public static func violation(in bytes: [UInt8]) -> ExpositionError? {
        withParser(bytes: bytes, format: .openMetrics) { p -> ExpositionError? in
            do {
                while try p.next() {}
                return nil
            } catch let e as ExpositionError {
                return e
            } catch {
                return ExpositionError(line: 0, column: 0, message: "\(error)")
            }
        }
    }

    mutating func register(_ info: FamilyInfo) -> Int {
        families.append(info)
        familyHasSamples.append(false)
        return families.count - 1
    }

    // MARK: - Errors and positions

    func error(_ message: String, at position: Int? = nil) -> ExpositionError {
        // Cleaned again as a whole: a metric or family name in a message
        // is input too.
        ExpositionError(
            line: lineNumber, column: (position ?? pos) - lineStart + 1,
            message: Sanitizer.clean(message, maxLength: 300))
    }

    /// Input bytes quoted in a message: cleaned and shortened.
    func quoted(_ start: Int, _ count: Int) -> String {
        Sanitizer.quote(bytes: UnsafeBufferPointer(start: base + start, count: max(0, count)))
    }

    @inline(__always)
    mutating func newline(_ at: Int) {
        pos = at + 1
        lineNumber += 1
        lineStart = pos
    }

    @inline(__always)
    mutating func skipBlanks() {
        while pos < end, base[pos] == UInt8(ascii: " ") || base[pos] == UInt8(ascii: "\t") { pos += 1 }
    }

    /// Consumes the separator between two tokens: exactly one space in
    /// OpenMetrics, any run of spaces and tabs in the classic format.
    @inline(__always)
    mutating func separator(_ what: String) throws(ExpositionError) {
        guard pos < end, base[pos] == UInt8(ascii: " ") || base[pos] == UInt8(ascii: "\t") else {
            throw error("expected a space before \(what)")
        }
        if format == .openMetrics {
            guard base[pos] == UInt8(ascii: " ") else { throw error("expected a space, found a tab") }
            pos += 1
            if pos < end, base[pos] == UInt8(ascii: " ") { throw error("more than one space") }
        } else {
            skipBlanks()
        }
    }

    // MARK: - Names

    @inline(__always)
    static func isNameStart(_ c: UInt8) -> Bool {
        let l = c | 0x20
        return (l >= UInt8(ascii: "a") && l <= UInt8(ascii: "z")) || c == UInt8(ascii: "_")
            || c == UInt8(ascii: ":")
    }

    @inline(__always)
    static func isNameChar(_ c: UInt8) -> Bool {
        isNameStart(c) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    /// Scans a metric name (colons allowed) or a label name (no colons).
    @inline(__always)
    mutating func scanName(metric: Bool) -> Int {
        // Locals, not `self.pos`: the loop then stays in registers.
        let start = pos
        let base = self.base
        let end = self.end
        var p = pos
        guard p < end, Self.isNameStart(base[p]), metric || base[p] != UInt8(ascii: ":") else {
            return 0
        }
        p += 1
        while p < end, Self.isNameChar(base[p]), metric || base[p] != UInt8(ascii: ":") {
            p += 1
        }
        pos = p
        return p - start
    }

    // MARK: - Comment and metadata lines

    enum Keyword { case help, type, unit, eof }

    /// Metadata keywords, recognised from bytes.
    static func keyword(_ p: UnsafePointer<UInt8>, _ n: Int) -> Keyword? {
        if n == 4 {
            if memEqual(p, ("HELP" as StaticString).utf8Start, 4) { return .help }
            if memEqual(p, ("TYPE" as StaticString).utf8Start, 4) { return .type }
            if memEqual(p, ("UNIT" as StaticString).utf8Start, 4) { return .unit }
        } else if n == 3 && memEqual(p, ("EOF" as StaticString).utf8Start, 3) {
            return .eof
        }
        return nil
    }

    mutating func comment() throws(ExpositionError) {
        let start = pos
        let eol = lineEnd(from: pos)
        pos += 1
        guard pos < eol, base[pos] == UInt8(ascii: " ") else {
            if format == .openMetrics { throw error("expected '# HELP', '# TYPE', '# UNIT' or '# EOF'") }
            newline(eol)
            return
        }
        pos += 1
        let kwStart = pos
        while pos < eol, base[pos] != UInt8(ascii: " ") { pos += 1 }
        let keyword = Self.keyword(base + kwStart, pos - kwStart)
        switch keyword {
        case .help?, .type?, .unit?:
            // UNIT is OpenMetrics only; in the classic format it is a comment.
            if keyword == .unit && format == .prometheus { break }
            if sawEOF { throw error("content after # EOF", at: start) }
            try metadata(keyword!, eol: eol)
        case .eof? where format == .openMetrics:
            guard pos == eol else { throw error("unexpected text after # EOF") }
            sawEOF = true
            // A single trailing newline is allowed; nothing may follow.
            if eol < end && eol + 1 < end {
                newline(eol)
                throw error("content after # EOF")
            }
            try closeGroup()
            pos = end
            return
        default:
            // In the classic format any other comment (and UNIT) is ignored.
            if format == .openMetrics {
                throw error("unknown comment \(quoted(kwStart - 2, pos - kwStart + 2))", at: kwStart)
            }
        }
        newline(eol)
    }

    @inline(__always)
    func lineEnd(from p: Int) -> Int {
        guard p < end, let hit = memchr(base + p, Int32(UInt8(ascii: "\n")), end - p) else { return end }
        return UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
    }

    /// The metric type named by `[p, p+n)`, from bytes.
    static func metricType(_ p: UnsafePointer<UInt8>, _ n: Int) -> MetricType? {
        for t in MetricType.allCases where t.staticName.utf8CodeUnitCount == n {
            if memEqual(p, t.staticName.utf8Start, n) { return t }
        }
        return nil
    }

    mutating func metadata(_ keyword: Keyword, eol: Int) throws(ExpositionError) {
        let word = keyword == .help ? "HELP" : keyword == .type ? "TYPE" : "UNIT"
        guard pos < eol, base[pos] == UInt8(ascii: " ") else { throw error("expected a metric name after \(word)") }
        if format == .prometheus { skipBlanks() } else { pos += 1 }
        let nStart = pos
        let nLength = scanName(metric: true)
        guard nLength > 0 else { throw error("invalid metric name after \(word)") }
        if pos < eol {
            guard base[pos] == UInt8(ascii: " ") || base[pos] == UInt8(ascii: "\t") else {
                throw error("invalid character in metric name")
            }
            if format == .prometheus { skipBlanks() } else { pos += 1 }
        } else if keyword == .type {
            throw error("missing type after the metric name")
        } else if format == .openMetrics && strict {
            throw error("\(word) for \(string(base, nStart, nLength)) has no text")
        }
        try enterFamily(bytesAt: nStart, length: nLength)
        let name = current.name
        switch keyword {
        case .help:
            let text = try helpText(eol)
            if currentSawHelp { throw error("second HELP line for \(name)", at: nStart) }
            currentSawHelp = true
            current.help = text
        case .type:
            var stop = eol
            if format == .prometheus {
                while stop > pos, base[stop - 1] == UInt8(ascii: " ") || base[stop - 1] == UInt8(ascii: "\t") {
                    stop -= 1
                }
            }
            if currentSawType { throw error("second TYPE line for \(name)", at: nStart) }
            let t = Self.metricType(base + pos, stop - pos)
            let allowed: Bool
            switch (t, format) {
            case (nil, _): allowed = false
            case (.unknown?, .prometheus), (.gaugehistogram?, .prometheus), (.info?, .prometheus),
                (.stateset?, .prometheus):
                allowed = false
            case (.untyped?, .openMetrics): allowed = false
            default: allowed = true
            }
            guard let t, allowed else { throw error("invalid metric type \(quoted(pos, stop - pos))") }
            currentSawType = true
            current.type = t
            if format == .openMetrics && strict {
                if (t == .info || t == .stateset) && !(current.unit ?? "").isEmpty {
                    throw error("a \(t.rawValue) family has no unit, and \(name) has one", at: nStart)
                }
                try checkNameClash(name, type: t, at: nStart)
            }
        default:  // UNIT
            let text = string(base, pos, eol - pos)
            if currentSawUnit { throw error("second UNIT line for \(name)", at: nStart) }
            currentSawUnit = true
            if format == .openMetrics && strict && !text.isEmpty && (current.type == .info || current.type == .stateset)
            {
                throw error("a \(current.type.rawValue) family has no unit, and \(name) has one", at: nStart)
            }
            if !text.isEmpty {
                guard name.hasSuffix("_" + text) else {
                    throw error("unit \(Sanitizer.quote(text)) is not a suffix of the metric name \(name)")
                }
            }
            current.unit = text
        }
        families[currentIndex] = current
    }

    /// Decodes HELP text: `\\` and `\n` (and `\"` in OpenMetrics).
    mutating func helpText(_ eol: Int) throws(ExpositionError) -> String {
        // Most HELP text has no escapes: take it straight from the input.
        var plain = true
        var i = pos
        while i < eol {
            if base[i] == UInt8(ascii: "\\") {
                plain = false
                break
            }
            i += 1
        }
        if plain {
            guard validUTF8(base, pos, eol - pos) else { throw error("invalid UTF-8 in HELP") }
            let s = string(base, pos, eol - pos)
            pos = eol
            return s
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(eol - pos)
        while pos < eol {
            let c = base[pos]
            if c == UInt8(ascii: "\\"), pos + 1 < eol {
                let n = base[pos + 1]
                switch n {
                case UInt8(ascii: "\\"): bytes.append(n)
                case UInt8(ascii: "n"): bytes.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "\"") where format == .openMetrics: bytes.append(n)
                default:
                    // Kept as written, in both formats, as the reference
                    // parser and Prometheus' own do.
                    bytes.append(c)
                    bytes.append(n)
                }
                pos += 2
                continue
            }
            bytes.append(c)
            pos += 1
        }
        guard bytes.withUnsafeBufferPointer({ validUTF8($0.baseAddress!, 0, $0.count) }) else {
            throw error("invalid UTF-8 in HELP")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Makes the family named by `[start, start+length)` the current one
    /// for metadata lines, enforcing the rules on where metadata may appear.
    mutating func enterFamily(bytesAt start: Int, length: Int) throws(ExpositionError) {
        let same =
            length == currentBytes.count && !currentBytes.isEmpty
            && currentBytes.withUnsafeBufferPointer { memEqual($0.baseAddress!, base + start, length) }
        if same {
            if currentHasSamples && (strict || format == .prometheus) {
                throw error("metadata for \(current.name) after its samples", at: start)
            }
            return
        }
        let key = FamilyKey(base + start, length)
        let existing = declared[key]
        if format == .openMetrics && strict {
            try closeGroup()
            series = SeriesState()
            // Every family ever entered is in `declared`: seeing one again
            // means its metadata or samples are split up.
            if existing != nil {
                throw error("metric family \(key.name) appears twice (families must not be interleaved)", at: start)
            }
            try checkNameClash(key.name, type: nil, at: start)
        } else {
            if let i = existing, familyHasSamples[i], format == .prometheus {
                throw error("TYPE or HELP for \(key.name) after its samples", at: start)
            }
            if let previousIndex = existing {
                // A second block of metadata for a family seen before.
                let previous = families[previousIndex]
                current = previous
                currentIndex = previousIndex
                currentBytes = Array(UnsafeBufferPointer(start: base + start, count: length))
                currentHasSamples = false
                currentSawType = previous.type != .untyped
                currentSawHelp = previous.help != nil
                currentSawUnit = false
                cacheName.removeAll(keepingCapacity: true)
                return
            }
        }
        current = FamilyInfo(name: key.name, type: format == .openMetrics ? .unknown : .untyped)
        currentIndex = register(current)
        declared[key] = currentIndex
        currentBytes = Array(UnsafeBufferPointer(start: base + start, count: length))
        currentHasSamples = false
        currentSawType = false
        currentSawHelp = false
        currentSawUnit = false
        cacheName.removeAll(keepingCapacity: true)
    }

    // MARK: - Sample lines

    mutating func sampleLine() throws(ExpositionError) {
        nameStart = pos
        nameLength = scanName(metric: true)
        guard nameLength > 0 else { throw error("expected a metric name") }
        labelSlices.removeAll(keepingCapacity: true)
        scratchCount = 0
        if format == .prometheus {
            // The classic format allows blanks before the label set.
            var look = pos
            while look < end, base[look] == UInt8(ascii: " ") || base[look] == UInt8(ascii: "\t") { look += 1 }
            if look < end, base[look] == UInt8(ascii: "{") { pos = look }
        }
        matchedExpected = false
        // The expected label set is looked for where it ended before: a
        // `}` there and the same hash of the bytes up to it (the same bytes
        // closed a label set then, so they close one now). No byte of it
        // is scanned to find its end.
        if pos < end, base[pos] == UInt8(ascii: "{"), !strict, let expected,
            case let close = nameStart + expected.length, close > pos, close <= end,
            base[close - 1] == UInt8(ascii: "}"), SeriesKey(base + nameStart, count: close - nameStart) == expected.key
        {
            pos = close
            matchedExpected = true
        } else if pos < end, base[pos] == UInt8(ascii: "{") {
            pos += 1
            // Move the array out so the mutating scan has it to itself; it
            // stays uniquely referenced, so its capacity is reused.
            var slices = labelSlices
            labelSlices = []
            defer { labelSlices = slices }
            try labelSet(into: &slices)
        }
        seriesEnd = pos
        try resolveFamily()
        try separator("the value")
        let vStart = pos
        do {
            let base = self.base
            let end = self.end
            let tabEnds = format == .prometheus
            var p = pos
            while p < end {
                let c = base[p]
                if c == UInt8(ascii: " ") || c == UInt8(ascii: "\n") || (tabEnds && c == UInt8(ascii: "\t")) { break }
                p += 1
            }
            pos = p
        }
        guard let v = FastFloat.parse(base, vStart, pos) else {
            throw error("invalid value \(quoted(vStart, pos - vStart))", at: vStart)
        }
        value = v
        timestampMs = nil
        hasExemplar = false
        if pos < end, base[pos] != UInt8(ascii: "\n") {
            let save = pos
            try separator("the timestamp")
            if format == .prometheus, pos >= end || base[pos] == UInt8(ascii: "\n") {
                // Trailing blanks only.
            } else if pos < end, base[pos] == UInt8(ascii: "#") {
                guard format == .openMetrics else { throw error("unexpected '#' after the value") }
                pos = save
            } else {
                timestampMs = try timestamp()
            }
        }
        if format == .openMetrics, pos < end, base[pos] == UInt8(ascii: " ") {
            try exemplarPart()
        }
        if format == .prometheus { skipBlanks() }
        if pos < end {
            guard base[pos] == UInt8(ascii: "\n") else { throw error("unexpected text after the sample") }
        } else if format == .openMetrics {
            throw error("missing newline at the end of the line")
        }
        // Per-type rules are about the value: report them at its column.
        if format == .openMetrics && strict {
            let eol = pos
            pos = vStart
            try checkOpenMetricsSample()
            pos = eol
        }
        if pos < end { newline(pos) }
    }

    mutating func timestamp() throws(ExpositionError) -> Int64 {
        let tStart = pos
        while pos < end, base[pos] != UInt8(ascii: " "), base[pos] != UInt8(ascii: "\n"),
            base[pos] != UInt8(ascii: "\t")
        {
            pos += 1
        }
        if format == .prometheus {
            var i = tStart
            var negative = false
            if i < pos, base[i] == UInt8(ascii: "-") || base[i] == UInt8(ascii: "+") {
                negative = base[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < pos else { throw error("invalid timestamp", at: tStart) }
            var t: Int64 = 0
            while i < pos {
                let d = base[i] &- 48
                guard d < 10 else { throw error("invalid timestamp", at: tStart) }
                let (m, o1) = t.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(d))
                guard !o1 && !o2 else { throw error("timestamp out of range", at: tStart) }
                t = a
                i += 1
            }
            return negative ? -t : t
        }
        guard let seconds = FastFloat.parse(base, tStart, pos), seconds.isFinite else {
            throw error("invalid timestamp \(quoted(tStart, pos - tStart))", at: tStart)
        }
        // Any length and precision is valid: beyond what milliseconds in
        // 64 bits hold, the time is held at the end of that range.
        if abs(seconds) >= 9.2e15 { return seconds < 0 ? -9_200_000_000_000_000_000 : 9_200_000_000_000_000_000 }
        // Truncated toward zero, exactly as Prometheus' parser does, so
        // `.123` may land on 122 ms; Vigil agrees with Prometheus here.
        return Int64((seconds * 1000).rounded(.towardZero))
    }

    mutating func exemplarPart() throws(ExpositionError) {
        pos += 1
        guard pos + 2 < end, base[pos] == UInt8(ascii: "#"), base[pos + 1] == UInt8(ascii: " "),
            base[pos + 2] == UInt8(ascii: "{")
        else { throw error("expected ' # {' to start an exemplar") }
        pos += 3
        var slices = exemplarSlices
        exemplarSlices = []
        slices.removeAll(keepingCapacity: true)
        do { try labelSet(into: &slices) } catch {
            exemplarSlices = slices
            throw error
        }
        exemplarSlices = slices
        var runes = 0
        for s in exemplarSlices {
            runes += s.nameLength
            runes +=
                s.valueInScratch
                ? scratch.withUnsafeBufferPointer { utf8Count($0.baseAddress!, s.valueStart, s.valueLength) }
                : utf8Count(base, s.valueStart, s.valueLength)
        }
        guard runes <= 128 else { throw error("exemplar labels exceed 128 characters") }
        try separator("the exemplar value")
        let vStart = pos
        while pos < end, base[pos] != UInt8(ascii: " "), base[pos] != UInt8(ascii: "\n") { pos += 1 }
        guard let v = FastFloat.parse(base, vStart, pos) else { throw error("invalid exemplar value", at: vStart) }
        exemplarValue = v
        exemplarTimestampMs = nil
        if pos < end, base[pos] == UInt8(ascii: " ") {
            pos += 1
            exemplarTimestampMs = try timestamp()
        }
        hasExemplar = true
    }

    func utf8Count(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> Int {
        var count = 0
        for i in start..<start + n where p[i] & 0xC0 != 0x80 { count += 1 }
        return count
    }

    /// Parses `name="value", ...}` after the opening brace.
    @inline(__always)
    mutating func labelSet(into slices: inout [LabelSlice]) throws(ExpositionError) {
        while true {
            if format == .prometheus { skipBlanks() }
            guard pos < end else { throw error("unterminated label set") }
            if base[pos] == UInt8(ascii: "}") {
                if !slices.isEmpty && format == .openMetrics && base[pos - 1] == UInt8(ascii: ",") {
                    throw error("trailing comma in label set")
                }
                pos += 1
                return
            }
            let nStart = pos
            let nLength = scanName(metric: false)
            guard nLength > 0 else { throw error("invalid label name") }
            if format == .prometheus { skipBlanks() }
            guard pos < end, base[pos] == UInt8(ascii: "=") else { throw error("expected '=' after label name") }
            pos += 1
            if format == .prometheus { skipBlanks() }
            guard pos < end, base[pos] == UInt8(ascii: "\"") else {
                throw error("expected '\"' to start a label value")
            }
            pos += 1
            let vStart = pos
            var high: UInt8 = 0
            var escaped = false
            var newlineInside = false
            do {
                let base = self.base
                let end = self.end
                var p = pos
                while p < end {
                    let c = base[p]
                    if c == UInt8(ascii: "\"") { break }
                    if c == UInt8(ascii: "\\") {
                        escaped = true
                        p += 2
                        continue
                    }
                    if c == UInt8(ascii: "\n") {
                        newlineInside = true
                        break
                    }
                    high |= c
                    p += 1
                }
                pos = p
            }
            guard pos < end, !newlineInside else { throw error("unterminated label value", at: vStart - 1) }
            var slice = LabelSlice(
                nameStart: nStart, nameLength: nLength, valueStart: vStart, valueLength: pos - vStart,
                valueInScratch: false)
            if escaped { try unescape(&slice) }
            if high & 0x80 != 0 {
                let ok =
                    slice.valueInScratch
                    ? scratch.withUnsafeBufferPointer {
                        validUTF8($0.baseAddress!, slice.valueStart, slice.valueLength)
                    }
                    : validUTF8(base, slice.valueStart, slice.valueLength)
                if !ok { throw error("invalid UTF-8 in label value", at: vStart) }
            }
            // Duplicate label names make the series ambiguous.
            for other in slices where other.nameLength == nLength {
                if memEqual(base + other.nameStart, base + nStart, nLength) {
                    throw error("duplicate label name \(quoted(nStart, nLength))", at: nStart)
                }
            }
            slices.append(slice)
            pos += 1  // closing quote
            if format == .prometheus { skipBlanks() }
            guard pos < end else { throw error("unterminated label set") }
            if base[pos] == UInt8(ascii: ",") {
                pos += 1
                continue
            }
            guard base[pos] == UInt8(ascii: "}") else { throw error("expected ',' or '}' after a label value") }
        }
    }

    /// Resolves escapes of a label value into the scratch buffer.
    mutating func unescape(_ slice: inout LabelSlice) throws(ExpositionError) {
        let start = scratchCount
        // Decoding never makes a value longer.
        let need = start + slice.valueLength
        if scratch.count < need { scratch.append(contentsOf: repeatElement(0, count: max(need, scratch.count))) }
        let base = self.base
        let written: Int = scratch.withUnsafeMutableBufferPointer { out in
            var w = start
            var i = slice.valueStart
            let stop = slice.valueStart + slice.valueLength
            while i < stop {
                let c = base[i]
                guard c == UInt8(ascii: "\\") else {
                    out[w] = c
                    w += 1
                    i += 1
                    continue
                }
                let n = base[i + 1]
                switch n {
                case UInt8(ascii: "\\"), UInt8(ascii: "\""):
                    out[w] = n
                    w += 1
                case UInt8(ascii: "n"):
                    out[w] = UInt8(ascii: "\n")
                    w += 1
                default:
                    // Unknown escapes are kept as written, in both
                    // formats, as the reference parser and Prometheus do.
                    out[w] = c
                    out[w + 1] = n
                    w += 2
                }
                i += 2
            }
            return w
        }
        scratchCount = written
        slice.valueStart = start
        slice.valueLength = written - start
        slice.valueInScratch = true
    }

    // MARK: - Families of samples

    @inline(__always)
    func nameEquals(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == nameLength else { return false }
        return bytes.withUnsafeBufferPointer { memEqual($0.baseAddress!, base + nameStart, nameLength) }
    }

    /// Works out which family the current sample belongs to. The common
    /// case, many series of one metric in a row, costs one byte compare.
    @inline(__always)
    mutating func resolveFamily() throws(ExpositionError) {
        if !cacheName.isEmpty && nameEquals(cacheName) {
            familyIndex = cacheFamilyIndex
            familyType = cacheFamilyType
            suffix = cacheSuffix
            return
        }
        try resolveFamilySlow()
        cacheName.removeAll(keepingCapacity: true)
        cacheName.append(contentsOf: UnsafeBufferPointer(start: base + nameStart, count: nameLength))
        cacheFamilyIndex = familyIndex
        cacheFamilyType = familyType
        cacheSuffix = suffix
    }

    mutating func resolveFamilySlow() throws(ExpositionError) {
        if !currentBytes.isEmpty, let s = matchingSuffix(currentBytes, current.type) {
            familyIndex = currentIndex
            familyType = current.type
            suffix = s
            if !currentHasSamples {
                currentHasSamples = true
                familyHasSamples[currentIndex] = true
            }
            return
        }
        let sampleName = name
        if format == .openMetrics {
            // A sample outside the current family starts a new family
            // with no metadata; its type is unknown. A sample named like
            // the family but lacking its type's suffix is an error.
            if sampleName == current.name && strict {
                let expected = current.type.allowedSuffixes(format).map { current.name + $0.rawValue }
                throw error(
                    "sample \(sampleName) does not belong to \(current.type.rawValue) family \(current.name) "
                        + "(expected \(expected.joined(separator: ", ")))", at: nameStart)
            }
            if sampleName == current.name || (!strict && declared[FamilyKey(sampleName)] != nil) {
                // Not strict: a sample Prometheus would take as it is.
                familyIndex = declared[FamilyKey(sampleName)] ?? currentIndex
                familyType = families[familyIndex].type
                suffix = .bare
                return
            }
            try enterFamily(bytesAt: nameStart, length: nameLength)
            current.type = .unknown
            families[currentIndex] = current
            familyIndex = currentIndex
            familyType = .unknown
            suffix = .bare
            currentHasSamples = true
            return
        }
        if let i = declared[FamilyKey(sampleName)],
            let s = matchingSuffix(Array(families[i].name.utf8), families[i].type)
        {
            familyIndex = i
            suffix = s
        } else if let (familyName, s) = stripSuffix(sampleName), let i = declared[FamilyKey(familyName)],
            families[i].type == .histogram || families[i].type == .summary
        {
            familyIndex = i
            suffix = s
        } else if let i = declared[FamilyKey(sampleName)] {
            familyIndex = i
            suffix = .bare
        } else {
            // An untyped family that no metadata named.
            familyIndex = register(FamilyInfo(name: sampleName, type: .untyped))
            declared[FamilyKey(sampleName)] = familyIndex
            suffix = .bare
        }
        familyType = families[familyIndex].type
        familyHasSamples[familyIndex] = true
    }

    /// The suffix the current sample's name adds to `familyName`, when it
    /// is one that `type` allows; compared as bytes, no strings made.
    func matchingSuffix(_ familyName: [UInt8], _ type: MetricType) -> SampleSuffix? {
        let n = familyName.count
        guard nameLength >= n else { return nil }
        let prefixMatches = familyName.withUnsafeBufferPointer { memEqual($0.baseAddress!, base + nameStart, n) }
        guard prefixMatches else { return nil }
        let restLength = nameLength - n
        for s in type.allowedSuffixes(format) {
            let text = s.text
            if text.utf8CodeUnitCount == restLength
                && (restLength == 0 || memEqual(text.utf8Start, base + nameStart + n, restLength))
            {
                return s
            }
        }
        return nil
    }

    func stripSuffix(_ sampleName: String) -> (String, SampleSuffix)? {
        for s in [SampleSuffix.bucket, .count, .sum] where sampleName.hasSuffix(s.rawValue) {
            return (String(sampleName.dropLast(s.rawValue.count)), s)
        }
        return nil
    }

    // MARK: - OpenMetrics per-type rules

    func labelIndex(_ wanted: StaticString) -> Int? {
        let n = wanted.utf8CodeUnitCount
        for (i, s) in labelSlices.enumerated() where s.nameLength == n {
            if memEqual(base + s.nameStart, wanted.utf8Start, n) { return i }
        }
        return nil
    }

    func labelValueDouble(_ i: Int) -> Double? {
        withLabelValue(i) { buf in buf.baseAddress.flatMap { FastFloat.parse($0, 0, buf.count) } }
    }

    /// A hash of the label set without `le` and `quantile`, naming the
    /// metric point a histogram bucket or summary quantile belongs to.
    func groupHash() -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in labelSlices.indices {
            let isGroupLabel = withLabelName(i) { n in
                !((n.count == 2 && n[0] == UInt8(ascii: "l") && n[1] == UInt8(ascii: "e"))
                    || (n.count == 8 && memEqual(n.baseAddress!, ("quantile" as StaticString).utf8Start, 8)))
            }
            guard isGroupLabel else { continue }
            withLabelName(i) { for b in $0 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 } }
            h = (h ^ 0xff) &* 0x100_0000_01b3
            withLabelValue(i) { for b in $0 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 } }
            h = (h ^ 0xfe) &* 0x100_0000_01b3
        }
        return h
    }

    mutating func closeGroup() throws(ExpositionError) {
        defer { group = GroupState() }
        guard group.active else { return }
        let kind = group.gauge ? "gauge histogram" : "histogram"
        if group.lastLe != .infinity { throw error("\(kind) is missing its +Inf bucket") }
        if group.sawSum && !group.sawCount {
            throw error(
                group.gauge ? "gauge histogram has _gsum without _gcount" : "histogram has _sum without _count",
                at: lineStart)
        }
    }

    /// A family's name must not be a sample name another family makes:
    /// `a_created` beside a counter `a`, `a_count` beside a histogram `a`.
    /// Checked both ways: when a family begins (its name against those
    /// before it) and when its type is known (its samples' names).
    func checkNameClash(_ name: String, type: MetricType?, at position: Int) throws(ExpositionError) {
        if let type {
            for s in type.allowedSuffixes(.openMetrics) where s != .bare {
                if declared[FamilyKey(name + s.rawValue)] != nil {
                    throw error(
                        "\(type.rawValue) \(name) makes samples named \(name + s.rawValue), the name of another family",
                        at: position)
                }
            }
            return
        }
        for s in [SampleSuffix.total, .created, .bucket, .count, .sum, .gcount, .gsum, .info]
        where name.hasSuffix(s.rawValue) {
            let base = String(name.dropLast(s.rawValue.count))
            if let i = declared[FamilyKey(base)], families[i].type.allowedSuffixes(.openMetrics).contains(s) {
                throw error(
                    "family \(name) clashes with the samples of \(families[i].type.rawValue) \(base)", at: position)
            }
        }
    }

    /// One label set's samples come together, in time order, all with a
    /// timestamp or all without.
    mutating func checkSeriesOrder() throws(ExpositionError) {
        let h = groupHash()
        if series.hash != h {
            if series.done.contains(h) {
                throw error("samples of one label set are interleaved with another's in \(family.name)", at: nameStart)
            }
            if let previous = series.hash { series.done.insert(previous) }
            series.hash = h
            series.lastTimestampMs = nil
            series.withTimestamp = false
            series.withoutTimestamp = false
        }
        if let t = timestampMs {
            if series.withoutTimestamp { throw error("a series mixes samples with and without timestamps") }
            if let last = series.lastTimestampMs, t < last { throw error("timestamps of a series go backwards") }
            series.withTimestamp = true
            series.lastTimestampMs = t
        } else {
            if series.withTimestamp { throw error("a series mixes samples with and without timestamps") }
            series.withoutTimestamp = true
        }
    }

    /// Values the spec forbids to be NaN or negative.
    func checkNonNegative(_ what: String) throws(ExpositionError) {
        if value.isNaN || value < 0 { throw error("\(what) must not be NaN or negative") }
    }

    mutating func checkOpenMetricsSample() throws(ExpositionError) {
        let t = familyType
        let eol = pos
        pos = nameStart
        try checkSeriesOrder()
        pos = eol
        if hasExemplar {
            let allowed =
                (t == .counter && suffix == .total)
                || ((t == .histogram || t == .gaugehistogram) && suffix == .bucket)
            if !allowed { throw error("exemplars are only allowed on counter totals and histogram buckets") }
        }
        switch t {
        case .counter where suffix == .total:
            try checkNonNegative("a counter's _total")
        case .info:
            if value != 1 { throw error("info value must be 1") }
        case .stateset:
            if value != 0 && value != 1 { throw error("stateset value must be 0 or 1") }
            guard labelSlices.contains(where: { string(base, $0.nameStart, $0.nameLength) == family.name }) else {
                throw error("stateset sample needs a label named \(family.name)")
            }
        case .summary:
            if suffix == .bare {
                guard let qi = labelIndex("quantile"), let q = labelValueDouble(qi) else {
                    throw error("summary quantile sample needs a numeric quantile label")
                }
                if !(q >= 0 && q <= 1) { throw error("quantile \(q) is outside [0, 1]") }
                try checkNonNegative("a summary's quantile value")
            } else if suffix == .count {
                try checkNonNegative("a summary's _count")
            } else if suffix == .sum {
                try checkNonNegative("a summary's _sum")
            }
        case .histogram, .gaugehistogram:
            try checkHistogramSample()
        default:
            break
        }
    }

    mutating func checkHistogramSample() throws(ExpositionError) {
        let h = groupHash()
        // A metric point is one label set at one timestamp; backfill files
        // repeat a series with increasing timestamps.
        if !group.active || group.hash != h || group.timestampMs != timestampMs {
            try closeGroup()
            group.active = true
            group.hash = h
            group.timestampMs = timestampMs
            group.gauge = familyType == .gaugehistogram
        }
        switch suffix {
        case .bucket:
            guard let li = labelIndex("le"), let le = labelValueDouble(li), !le.isNaN else {
                throw error("histogram bucket needs a numeric le label")
            }
            if le == .infinity {
                let spelled = withLabelValue(li) {
                    $0.count == 4 && memEqual($0.baseAddress!, ("+Inf" as StaticString).utf8Start, 4)
                }
                if !spelled { throw error("the +Inf bucket's le must be spelled +Inf") }
            }
            if group.sawCount { throw error("histogram bucket after its \(group.gauge ? "_gcount" : "_count")") }
            if le < 0 {
                if group.sawSum && !group.gauge {
                    throw error("a histogram with a negative bucket must not expose _sum")
                }
                group.negativeBucket = true
            }
            if group.sawBucket && le <= group.lastLe { throw error("histogram buckets are not in increasing le order") }
            if value < 0 || value.isNaN { throw error("histogram bucket count must be a non-negative number") }
            if group.sawBucket && value < group.lastBucket { throw error("histogram bucket counts decrease") }
            group.sawBucket = true
            group.lastLe = le
            group.lastBucket = value
            if le == .infinity { group.infBucket = value }
        case .count, .gcount:
            if value < 0 || value.isNaN { throw error("histogram count must be a non-negative number") }
            if !group.sawBucket { throw error("histogram \(suffix.rawValue) comes before its buckets") }
            if let inf = group.infBucket, inf != value {
                throw error("histogram count \(value) differs from its +Inf bucket \(inf)")
            }
            group.sawCount = true
        case .sum:
            if group.negativeBucket { throw error("a histogram with a negative bucket must not expose _sum") }
            try checkNonNegative("a histogram's _sum")
            group.sawSum = true
        case .gsum:
            if !group.negativeBucket { try checkNonNegative("a gauge histogram's _gsum") }
            group.sawSum = true
        default:
            break
        }
    }
}

/// A family name as a dictionary key, hashed once with FNV-1a over its
/// bytes: Swift's default string hashing (SipHash) costs more than the
/// rest of a metadata line.
struct FamilyKey: Hashable {
    let name: String
    let fnv: UInt64

    init(_ p: UnsafePointer<UInt8>, _ n: Int) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<n { h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3 }
        fnv = h
        name = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    init(_ name: String) {
        var copy = name
        let (fnv, _) = copy.withUTF8 { buf in (FamilyKey(buf.baseAddress!, buf.count).fnv, 0) }
        self.fnv = fnv
        self.name = name
    }

    func hash(into hasher: inout Hasher) { hasher.combine(fnv) }
    static func == (a: FamilyKey, b: FamilyKey) -> Bool { a.fnv == b.fnv && a.name == b.name }
}

@inline(__always)
func memEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    while i < n {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}

/// Strict UTF-8 validation (no overlongs, no surrogates, at most U+10FFFF).
func validUTF8(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> Bool {
    var i = start
    let stop = start + n
    while i < stop {
        let c = p[i]
        if c < 0x80 {
            i += 1
            continue
        }
        var need = 0
        var lo: UInt8 = 0x80
        var hi: UInt8 = 0xBF
        switch c {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; hi = 0x9F
        case 0xF0: need = 3; lo = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; hi = 0x8F
        default: return false
        }
        // The lead byte and `need` continuation bytes must all be in range.
        guard i + need < stop else { return false }
        let b1 = p[i + 1]
        guard b1 >= lo && b1 <= hi else { return false }
        var k = 2
        while k <= need {
            guard p[i + k] & 0xC0 == 0x80 else { return false }
            k += 1
        }
        i += need + 1
    }
    return true
}
