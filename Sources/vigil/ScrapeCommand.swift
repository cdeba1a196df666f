import ArgumentParser
import Foundation
import VigilCore
import VigilNet

struct Scrape: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch a /metrics endpoint once and print every sample, or the error with its reason.",
        discussion: """
            Each line: family, type, then the sample as `name{labels} value [timestamp_ms]`. \
            Exit status 1 when the fetch or the parse fails.
            """
    )

    @Argument(help: "The URL to fetch (http or https).") var url: String
    @Option(help: "Give up after this long (e.g. 10s).") var timeout: String = "10s"
    @Option(help: "Bearer token, or ${ENV_VAR} to read it from the environment.") var bearerToken: String?
    @Option(help: "A file holding the bearer token.") var bearerTokenFile: String?
    @Option(help: "Extra request header, `Name: value` (repeatable).") var header: [String] = []
    @Option(help: "CA certificate file for TLS.") var caFile: String?
    @Flag(help: "Do not verify the server's TLS certificate (a warning is printed).") var insecureSkipVerify = false
    @Option(help: "Refuse bodies larger than this many bytes.") var bodyLimit: Int = 64 << 20
    @Option(help: "auto (from the Content-Type), prometheus or openmetrics.") var format: CheckMetrics.Format = .auto
    @Option(help: "Also write the raw response body to this file.") var saveBody: String?
    @Flag(help: "Print JSON: one object with the samples, or with the error.") var json = false

    func run() throws {
        guard let timeoutDuration = PromDuration(timeout), timeoutDuration.milliseconds > 0 else {
            printError("vigil: scrape: invalid --timeout '\(timeout)'")
            throw ExitStatus.usage
        }
        var request = FetchRequest(url: url)
        request.timeoutMs = timeoutDuration.milliseconds
        request.bodyLimit = bodyLimit
        request.tls.caFile = caFile
        request.tls.insecureSkipVerify = insecureSkipVerify
        if insecureSkipVerify { printError("vigil: warning: TLS certificate verification is off for \(url)") }
        for h in header {
            guard let colon = h.firstIndex(of: ":") else {
                printError("vigil: scrape: --header must look like 'Name: value'")
                throw ExitStatus.usage
            }
            request.headers.append(
                (
                    String(h[..<colon]).trimmingCharacters(in: .whitespaces),
                    String(h[h.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                ))
        }
        do {
            if let secret = try SecretSource.resolve(inline: bearerToken, file: bearerTokenFile) {
                request.auth = .bearer(secret)
            }
        } catch {
            printError("vigil: scrape: \(error)")
            throw ExitStatus.usage
        }
        let fetcher = Fetcher()
        fetcher.start(request)
        guard let completion = fetcher.finishAll().first else {
            report(error: "no answer")
            throw ExitStatus.failed
        }
        let response: FetchResponse
        switch completion.result {
        case .failure(let e):
            report(error: e.description)
            throw ExitStatus.failed
        case .success(let r): response = r
        }
        if let saveBody, !FileManager.default.createFile(atPath: saveBody, contents: Data(response.body)) {
            printError("vigil: scrape: cannot write \(saveBody)")
        }
        let chosen: ExpositionFormat
        switch format {
        case .auto: chosen = ExpositionFormat(contentType: response.contentType)
        case .prometheus: chosen = .prometheus
        case .openmetrics: chosen = .openMetrics
        }
        let samples: [Sample]
        do {
            samples = try ExpositionParser.parseAll(bytes: response.body, format: chosen, strict: false)
        } catch {
            report(error: "parse error at \(error)")
            throw ExitStatus.failed
        }
        // Kept as Prometheus keeps it; what the spec forbids is said.
        if chosen == .openMetrics, let v = ExpositionParser.violation(in: response.body) {
            printError("vigil: scrape: warning: not OpenMetrics 1.0 at \(v)")
        }
        if json {
            let items = samples.map { s in
                var fields = [
                    "\"family\": \(jsonString(s.family))", "\"type\": \(jsonString(s.type.rawValue))",
                    "\"name\": \(jsonString(s.name))", "\"labels\": \(jsonLabels(Labels(s.labels)))",
                    "\"value\": \(jsonString(formatSampleValue(s.value)))",
                ]
                if let t = s.timestampMs { fields.append("\"timestamp_ms\": \(t)") }
                return "{" + fields.joined(separator: ", ") + "}"
            }
            say(
                "{\"url\": \(jsonString(url)), \"format\": \(jsonString(chosen.rawValue)), \"samples\": [\n"
                    + items.joined(separator: ",\n") + "\n]}")
        } else {
            for s in samples {
                let labels =
                    s.labels.isEmpty
                    ? ""
                    : "{" + s.labels.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ",") + "}"
                let ts = s.timestampMs.map { " \($0)" } ?? ""
                say("\(s.family) \(s.type.rawValue) \(s.name)\(labels) \(formatSampleValue(s.value))\(ts)")
            }
        }
    }

    func report(error: String) {
        if json {
            say("{\"url\": \(jsonString(url)), \"error\": \(jsonString(error))}")
        }
        printError("vigil: scrape \(url): \(error)")
    }
}

/// `query --target`: scrape for a while into a store that keeps everything.
func scrapeForQuery(targets urls: [String], over: PromDuration, interval: PromDuration) throws -> (SeriesStore, Int64) {
    let targets = urls.enumerated().map { i, url in
        var request = FetchRequest(url: url)
        request.timeoutMs = min(interval.milliseconds, 10_000)
        return ScrapeTarget(name: "target\(i + 1)", request: request, intervalMs: interval.milliseconds)
    }
    let capacity = Int(over.milliseconds / interval.milliseconds) + 4
    var scraper = TargetScrapes(targets: targets, store: SeriesStore(capacity: capacity))
    PollDriver().run(&scraper, as: .targets, forMs: max(over.milliseconds, 1))
    for (target, health) in zip(targets, scraper.health) where health.up != true {
        printError("vigil: query: \(target.request.url): \(health.lastError ?? "no successful scrape")")
    }
    guard scraper.health.contains(where: { $0.up == true }) else { throw ExitStatus.failed }
    return (scraper.store, Int64(Date().timeIntervalSince1970 * 1000))
}
