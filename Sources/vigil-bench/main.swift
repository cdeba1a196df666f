import Foundation
import VigilCore
import VigilUI

// The parser benchmark of DESIGN section 7, so Vigil's parser runs beside
// Prometheus' Go parsers, Python's client and the C ceiling on the same
// files with the same checksums (../shared/bench/run.sh, EXTRA_IMPLS).

/// Writes one JSON line and exits.
func finish(_ fields: [(String, String)], status: Int32 = 0) -> Never {
    let body = fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ")
    print("{\(body)}")
    exit(status)
}

func fail(_ message: String) -> Never {
    let escaped = message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    finish([("error", "\"\(escaped)\"")], status: 1)
}

let args = Array(CommandLine.arguments.dropFirst())
if args.first == "frame" { runFrameBenchmark(Array(args.dropFirst())) }
if args.first == "rules" { runRuleBenchmark(Array(args.dropFirst())) }
if args.first == "promql" { runPromQLBenchmark(Array(args.dropFirst())) }
if args.first == "slo" { runSLOBenchmark(Array(args.dropFirst())) }
if args.first == "scale" { runScaleBenchmark(Array(args.dropFirst())) }
guard args.count >= 3, args[0] == "parse", let iterations = Int(args[2]), iterations >= 0 else {
    FileHandle.standardError.write(
        Data("usage: vigil-bench parse FILE ITERS [--no-verify] [--strict] [--format prometheus|openmetrics]\n".utf8))
    exit(2)
}
let path = args[1]
let verify = !args.contains("--no-verify")
// Off by default, as a scrape parses: Prometheus' Go parser, the anchor,
// checks syntax only. `--strict` adds OpenMetrics 1.0's rules (a label
// set's samples together, timestamps in order, histogram buckets), what
// `vigil check metrics` runs.
let strict = args.contains("--strict")
/// Reads the file straight into one array: the file's bytes are the only
/// big allocation (the memory figure is "file plus 32 MiB").
func readFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { return nil }
    let size = Int(st.st_size)
    var ok = true
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buf, count in
        var done = 0
        while done < size {
            let n = read(fd, buf.baseAddress! + done, size - done)
            if n <= 0 {
                ok = n == 0
                break
            }
            done += n
        }
        count = done
    }
    return ok ? bytes : nil
}

guard let bytes = readFile(path) else { fail("cannot read \(path)") }
// The format comes from the content, as a server's Content-Type would say:
// an OpenMetrics exposition ends with "# EOF".
var format: ExpositionFormat = .prometheus
if let i = args.firstIndex(of: "--format"), i + 1 < args.count, let f = ExpositionFormat(rawValue: args[i + 1]) {
    format = f
} else if bytes.count >= 6,
    bytes.suffix(6).elementsEqual(Array("# EOF\n".utf8)) || bytes.suffix(5).elementsEqual(Array("# EOF".utf8))
{
    format = .openMetrics
}

var result: [(String, String)] = []
if verify {
    var checksum = SampleChecksum()
    do {
        try ExpositionParser.withParser(bytes: bytes, format: format) { p in
            p.strict = strict
            while try p.next() {
                // A full parse materialises every label as the protocol asks.
                _ = p.labels
                checksum.add(p.value)
            }
        }
    } catch { fail("\(error)") }
    result += [
        ("series", "\(checksum.count)"), ("nan", "\(checksum.nanCount)"),
        ("fsum", "\"\(String(format: "%.17g", checksum.fsum))\""),
        ("bitsum", "\"\(String(format: "%016lx", checksum.bitsum))\""),
    ]
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}

var samples = 0
var sink = 0.0
let wallStart = DispatchTime.now().uptimeNanoseconds
let cpuStart = cpuSeconds()
do {
    for _ in 0..<iterations {
        try ExpositionParser.withParser(bytes: bytes, format: format) { p in
            p.strict = strict
            while try p.next() {
                samples += 1
                sink += p.value
            }
        }
    }
} catch { fail("\(error)") }
let secs = Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9
let cpu = cpuSeconds() - cpuStart
let megabytes = Double(bytes.count) * Double(iterations) / 1e6
result += [
    ("strict", "\(strict)"), ("iters", "\(iterations)"), ("secs", String(format: "%.6f", secs)),
    ("cpu_secs", String(format: "%.6f", cpu)),
    ("mbps", String(format: "%.3f", secs > 0 ? megabytes / secs : 0)),
    ("series_per_s", String(format: "%.1f", secs > 0 ? Double(samples) / secs : 0)),
    ("sink", sink.isFinite ? String(format: "%.6g", sink) : "null"),
]
finish(result)
