import Foundation

/// A report sent to a channel (`vigil report daily --send CHANNEL`): by
/// email, the HTML report with its Markdown as the plain-text part; to
/// Slack, a summary (each figure's value and state, the incidents, the
/// recommendations). PagerDuty and webhooks take alerts, not reports.
public struct ReportMessage: Sendable, Equatable {
    /// `Daily report 2025-11-25`.
    public var title: String
    public var markdown: String
    public var html: String
    /// One line a figure, then the incidents and recommendations.
    public var summary: [String]

    public init(title: String, markdown: String, html: String, summary: [String]) {
        self.title = title
        self.markdown = markdown
        self.html = html
        self.summary = summary
    }

    public init(daily r: DailyReport) {
        self.init(
            title: "Daily report \(r.date)", markdown: r.markdown, html: ReportHTML.daily(r),
            summary: Self.lines(r.sections.flatMap(\.figures), incidents: r.incidents, recommendations: []))
    }

    public init(weekly r: WeeklyReport) {
        self.init(
            title: "Weekly report \(r.weekOf)", markdown: r.markdown, html: ReportHTML.weekly(r),
            summary: Self.lines(
                r.sections.flatMap { $0.figures.map(\.week) }, incidents: r.incidents,
                recommendations: r.recommendations))
    }

    /// `Response time: 6200 ms (critical)`; the figures not measured in
    /// one line, so a short summary stays short.
    static func lines(_ figures: [ReportFigure], incidents i: IncidentFigures, recommendations: [String]) -> [String] {
        var out: [String] = []
        var missing: [String] = []
        for f in figures {
            guard let v = f.value else {
                missing.append(f.name)
                continue
            }
            out.append("\(f.name): \(DailyReport.format(v, unit: f.unit))" + (f.state.map { " (\($0))" } ?? ""))
        }
        if !missing.isEmpty { out.append("Not measured: \(missing.joined(separator: ", "))") }
        var incidents = "Incidents: \(i.total) (critical \(i.critical)), resolved \(i.resolved)"
        if let mean = i.meanTimeToResolveMs { incidents += ", mean time to resolve \(IncidentHistory.span(mean))" }
        out.append(incidents)
        out += recommendations.map { "Recommended: \($0)" }
        return out
    }

    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case kind(String, ChannelConfig.Kind)

        public var description: String {
            switch self {
            case .kind(let name, let kind):
                "channel \(Sanitizer.quote(name)) is a \(kind.rawValue) channel: reports go to email or slack"
            }
        }
    }

    /// The request that delivers this report on `channel`.
    public func request(channel: ChannelConfig, atMs: Int64) throws(Refusal) -> FetchRequest {
        switch channel.kind {
        case .slack:
            let text = "*\(title)*\n" + summary.map { "• \($0)" }.joined(separator: "\n")
            return NotificationPayload.post(
                NotificationPayload.json(["text": text]), to: channel.url.value, channel: channel)
        case .email:
            guard let mail = channel.mail else { throw .kind(channel.name, channel.kind) }
            return email(channel: channel, mail: mail, atMs: atMs)
        case .pagerduty, .webhook:
            throw .kind(channel.name, channel.kind)
        }
    }

    /// A multipart/alternative message: the Markdown as text/plain, the
    /// HTML report as text/html, each in base64 (lines of 76: an HTML
    /// report has lines far past SMTP's 998, and no line starts with a
    /// dot that would need stuffing).
    func email(channel: ChannelConfig, mail: ChannelConfig.Mail, atMs: Int64) -> FetchRequest {
        let boundary = "vigil-" + NotificationPayload.stableHash(title + "\(atMs)")
        var lines = [
            "From: Vigil <\(mail.from)>", "To: \(mail.to.joined(separator: ", "))", "Subject: [Vigil] \(title)",
            "Date: \(NotificationPayload.rfc2822(atMs))",
            "Message-ID: <\(atMs).\(NotificationPayload.stableHash(title))@vigil>", "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"", "",
        ]
        for (type, text) in [("text/plain", markdown), ("text/html", html)] {
            lines += [
                "--\(boundary)", "Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", "",
            ]
            let b64 = Data(text.utf8).base64EncodedString()
            var i = b64.startIndex
            while i < b64.endIndex {
                let j = b64.index(i, offsetBy: 76, limitedBy: b64.endIndex) ?? b64.endIndex
                lines.append(String(b64[i..<j]))
                i = j
            }
        }
        lines.append("--\(boundary)--")
        return NotificationPayload.smtp(lines.joined(separator: "\r\n") + "\r\n", channel: channel, mail: mail)
    }
}
