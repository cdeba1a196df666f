import CCurl
import CShims
import Foundation
import VigilCore

/// One in-flight transfer. A class because libcurl holds a pointer to it
/// (CURLOPT_WRITEDATA) for the transfer's lifetime.
final class Transfer {
    let id: Int
    let request: FetchRequest
    let easy: UnsafeMutableRawPointer
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    var overLimit = false
    var headerList: UnsafeMutablePointer<curl_slist>?
    var recipients: UnsafeMutablePointer<curl_slist>?
    /// An email's message, read by libcurl as it uploads.
    var upload: [UInt8] = []
    var uploaded = 0
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    // C strings libcurl keeps pointers to until the transfer ends.
    var retained: [UnsafeMutablePointer<CChar>] = []
    let started = DispatchTime.now().uptimeNanoseconds

    init(id: Int, request: FetchRequest, easy: UnsafeMutableRawPointer) {
        self.id = id
        self.request = request
        self.easy = easy
        errorBuffer[0] = 0
    }

    func retain(_ s: String) -> UnsafeMutablePointer<CChar> {
        let p = strdup(s)!
        retained.append(p)
        return p
    }

    deinit {
        curl_slist_free_all(headerList)
        curl_slist_free_all(recipients)
        errorBuffer.deallocate()
        for p in retained { free(p) }
    }
}

/// The body callback: appends to the transfer's buffer and aborts the
/// transfer once the body passes its cap. The cap is enforced here because
/// CURLOPT_MAXFILESIZE does not apply to chunked responses.
private func writeBody(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let context, let data else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let n = size * count
    if transfer.body.count + n > transfer.request.bodyLimit {
        transfer.overLimit = true
        return 0  // makes libcurl fail the transfer with CURLE_WRITE_ERROR
    }
    if transfer.body.isEmpty {
        // A body of announced length is allocated once: grown by doubling,
        // a 60 MB scrape held up to 1.5 times its size while copied.
        var length: curl_off_t = -1
        if vigil_easy_getinfo_off(transfer.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK,
            length > n, length <= transfer.request.bodyLimit
        {
            transfer.body.reserveCapacity(Int(length))
        }
    }
    data.withMemoryRebound(to: UInt8.self, capacity: n) {
        transfer.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n))
    }
    return n
}

/// The read callback of an upload (an email's message): the next bytes.
private func readUpload(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let context, let data else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let n = min(size * count, transfer.upload.count - transfer.uploaded)
    guard n > 0 else { return 0 }
    transfer.upload.withUnsafeBytes { raw in
        _ = memcpy(data, raw.baseAddress! + transfer.uploaded, n)
    }
    transfer.uploaded += n
    return n
}

/// The header callback: one header line per call; a status line starts
/// a new response (after a redirect), whose headers replace the old ones.
private func writeHeader(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let context, let data else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let n = size * count
    let line = data.withMemoryRebound(to: UInt8.self, capacity: n) {
        String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
    }
    if line.hasPrefix("HTTP/") {
        transfer.headers = [:]
    } else if let colon = line.firstIndex(of: ":"), transfer.headers.count < 100 {
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        transfer.headers[name] = String(value.prefix(1000))
    }
    return n
}

/// libcurl's global state is set up once per process.
private let curlInitialized: Bool = {
    curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
}()

/// HTTP GETs on the libcurl multi interface, driven from one thread.
///
/// `start` queues a transfer and returns at once; `poll` waits in
/// `curl_multi_poll` (optionally on one extra descriptor, the keyboard)
/// for at most the given time, advances every transfer, and returns the
/// ones that finished. A hung server only ever costs its own transfer's
/// timeout; nothing else waits for it.
public final class Fetcher {
    let multi: UnsafeMutableRawPointer
    var transfers: [Int: Transfer] = [:]
    var nextID = 1
    public let userAgent: String

    public init(userAgent: String = "vigil/\(VigilVersion.current)") {
        _ = curlInitialized
        multi = curl_multi_init()
        self.userAgent = userAgent
    }

    deinit {
        for t in transfers.values {
            curl_multi_remove_handle(multi, t.easy)
            curl_easy_cleanup(t.easy)
        }
        curl_multi_cleanup(multi)
    }

    public var inFlight: Int { transfers.count }

    /// Queues a GET; returns its id, which `poll` reports back.
    @discardableResult
    public func start(_ request: FetchRequest) -> Int {
        let id = nextID
        nextID += 1
        let easy = curl_easy_init()!
        let t = Transfer(id: id, request: request, easy: easy)
        configure(t)
        transfers[id] = t
        curl_multi_add_handle(multi, easy)
        return id
    }

    func configure(_ t: Transfer) {
        let h = t.easy
        let r = t.request
        vigil_easy_setopt_string(h, CURLOPT_URL, t.retain(r.url))
        // Only HTTP(S): a config must not turn Vigil into a file reader.
        vigil_easy_setopt_long(h, CURLOPT_PROTOCOLS, Int(CURLPROTO_HTTP | CURLPROTO_HTTPS))
        vigil_easy_setopt_long(h, CURLOPT_REDIR_PROTOCOLS, Int(CURLPROTO_HTTP | CURLPROTO_HTTPS))
        vigil_easy_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        vigil_easy_setopt_long(h, CURLOPT_TIMEOUT_MS, Int(r.timeoutMs))
        vigil_easy_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, Int(r.timeoutMs))
        vigil_easy_setopt_long(h, CURLOPT_FOLLOWLOCATION, 1)
        vigil_easy_setopt_long(h, CURLOPT_MAXREDIRS, 5)
        vigil_easy_setopt_string(h, CURLOPT_USERAGENT, t.retain(userAgent))
        vigil_easy_setopt_string(h, CURLOPT_ACCEPT_ENCODING, t.retain(""))  // gzip and deflate
        vigil_easy_setopt_off(h, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(r.bodyLimit))
        vigil_easy_setopt_pointer(h, CURLOPT_ERRORBUFFER, t.errorBuffer)
        vigil_easy_setopt_write(h, writeBody)
        vigil_easy_setopt_pointer(h, CURLOPT_WRITEDATA, Unmanaged.passUnretained(t).toOpaque())
        vigil_easy_setopt_header(h, writeHeader)
        vigil_easy_setopt_pointer(h, CURLOPT_HEADERDATA, Unmanaged.passUnretained(t).toOpaque())
        if let method = r.method { vigil_easy_setopt_string(h, CURLOPT_CUSTOMREQUEST, t.retain(method)) }
        if let post = r.postBody {
            // POSTFIELDS is not copied: the transfer keeps the bytes alive.
            // malloc, as `retained` is released with free().
            let buffer = malloc(max(1, post.count))!.assumingMemoryBound(to: CChar.self)
            post.withUnsafeBytes { raw in
                if let base = raw.baseAddress { memcpy(buffer, base, post.count) }
            }
            t.retained.append(buffer)
            vigil_easy_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(post.count))
            vigil_easy_setopt_pointer(h, CURLOPT_POSTFIELDS, buffer)
        }
        if let mail = r.mail {
            configureMail(t, mail)
            return
        }
        var headers: UnsafeMutablePointer<curl_slist>?
        func add(_ line: String) { headers = curl_slist_append(headers, line) }
        if let accept = r.accept { add("Accept: \(accept)") }
        for (name, value) in r.headers { add("\(name): \(value)") }
        switch r.auth {
        case .bearer(let token): add("Authorization: Bearer \(token.value)")
        case .basic(let user, let password):
            // CURLAUTH_BASIC is (1 << 0); the macro does not import.
            vigil_easy_setopt_long(h, CURLOPT_HTTPAUTH, 1)
            vigil_easy_setopt_string(h, CURLOPT_USERNAME, t.retain(user))
            vigil_easy_setopt_string(h, CURLOPT_PASSWORD, t.retain(password.value))
        case nil: break
        }
        t.headerList = headers
        vigil_easy_setopt_slist(h, CURLOPT_HTTPHEADER, headers)
        if let ca = r.tls.caFile { vigil_easy_setopt_string(h, CURLOPT_CAINFO, t.retain(ca)) }
        if let cert = r.tls.certFile { vigil_easy_setopt_string(h, CURLOPT_SSLCERT, t.retain(cert)) }
        if let key = r.tls.keyFile { vigil_easy_setopt_string(h, CURLOPT_SSLKEY, t.retain(key)) }
        if r.tls.insecureSkipVerify {
            vigil_easy_setopt_long(h, CURLOPT_SSL_VERIFYPEER, 0)
            vigil_easy_setopt_long(h, CURLOPT_SSL_VERIFYHOST, 0)
        }
    }

    /// An email over SMTP: the envelope, the message as an upload, STARTTLS
    /// when asked (and then required), authentication as for HTTP.
    func configureMail(_ t: Transfer, _ mail: MailEnvelope) {
        let h = t.easy
        let r = t.request
        vigil_easy_setopt_long(h, CURLOPT_PROTOCOLS, Int(CURLPROTO_SMTP | CURLPROTO_SMTPS))
        vigil_easy_setopt_string(h, CURLOPT_CUSTOMREQUEST, nil)
        vigil_easy_setopt_pointer(h, CURLOPT_POSTFIELDS, nil)
        vigil_easy_setopt_string(h, CURLOPT_MAIL_FROM, t.retain("<\(mail.from)>"))
        for to in mail.to { t.recipients = curl_slist_append(t.recipients, "<\(to)>") }
        vigil_easy_setopt_slist(h, CURLOPT_MAIL_RCPT, t.recipients)
        t.upload = r.postBody ?? []
        vigil_easy_setopt_long(h, CURLOPT_UPLOAD, 1)
        vigil_easy_setopt_read(h, readUpload)
        vigil_easy_setopt_pointer(h, CURLOPT_READDATA, Unmanaged.passUnretained(t).toOpaque())
        vigil_easy_setopt_off(h, CURLOPT_INFILESIZE_LARGE, curl_off_t(t.upload.count))
        if mail.startTLS { vigil_easy_setopt_long(h, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
        if case .basic(let user, let password) = r.auth {
            vigil_easy_setopt_string(h, CURLOPT_USERNAME, t.retain(user))
            vigil_easy_setopt_string(h, CURLOPT_PASSWORD, t.retain(password.value))
        }
        if let ca = r.tls.caFile { vigil_easy_setopt_string(h, CURLOPT_CAINFO, t.retain(ca)) }
        if r.tls.insecureSkipVerify {
            vigil_easy_setopt_long(h, CURLOPT_SSL_VERIFYPEER, 0)
            vigil_easy_setopt_long(h, CURLOPT_SSL_VERIFYHOST, 0)
        }
    }

    /// A finished transfer.
    public struct Completion: Sendable {
        public var id: Int
        public var result: Result<FetchResponse, FetchError>
        public var durationSeconds: Double
    }

    /// Waits up to `timeoutMs` for network activity or for one of
    /// `extraFDs` (keyboard, signal pipe) to become readable, advances all
    /// transfers, and returns those that finished and which extra
    /// descriptors are readable. This is the loop's only blocking call.
    public func poll(timeoutMs: Int, extraFDs: [Int32]) -> (completions: [Completion], ready: [Bool]) {
        var waits = extraFDs.map { curl_waitfd(fd: $0, events: Int16(CURL_WAIT_POLLIN), revents: 0) }
        var n: Int32 = 0
        waits.withUnsafeMutableBufferPointer { buf in
            _ = curl_multi_poll(multi, buf.baseAddress, UInt32(buf.count), Int32(max(0, timeoutMs)), &n)
        }
        var running: Int32 = 0
        curl_multi_perform(multi, &running)
        return (collect(), waits.map { $0.revents != 0 })
    }

    public func poll(timeoutMs: Int, extraFD: Int32? = nil) -> (completions: [Completion], extraReady: Bool) {
        let (c, ready) = poll(timeoutMs: timeoutMs, extraFDs: extraFD.map { [$0] } ?? [])
        return (c, ready.first ?? false)
    }

    /// Runs until every queued transfer has finished, or `deadline` (in
    /// seconds from now) passes. For the one-shot commands.
    public func finishAll(within seconds: Double = 3600) -> [Completion] {
        var out: [Completion] = []
        let end = Date().addingTimeInterval(seconds)
        while !transfers.isEmpty && Date() < end {
            out += poll(timeoutMs: 100).completions
        }
        return out
    }

    func collect() -> [Completion] {
        var out: [Completion] = []
        var left: Int32 = 0
        while let msg = curl_multi_info_read(multi, &left) {
            guard msg.pointee.msg == CURLMSG_DONE else { continue }
            let easy = msg.pointee.easy_handle!
            guard let (id, t) = transfers.first(where: { $0.value.easy == easy }) else { continue }
            let code = vigil_msg_result(msg)
            out.append(complete(t, code: code))
            curl_multi_remove_handle(multi, easy)
            curl_easy_cleanup(easy)
            transfers[id] = nil
        }
        return out
    }

    func complete(_ t: Transfer, code: CURLcode) -> Completion {
        let duration = Double(DispatchTime.now().uptimeNanoseconds - t.started) / 1e9
        let detail = String(cString: t.errorBuffer)
        let fallback = String(cString: curl_easy_strerror(code))
        let reason = detail.isEmpty ? fallback : detail
        let result: Result<FetchResponse, FetchError>
        var smtpCode = 0
        if t.request.mail != nil { vigil_easy_getinfo_long(t.easy, CURLINFO_RESPONSE_CODE, &smtpCode) }
        switch code {
        case _ where t.request.mail != nil && code != CURLE_OK && smtpCode >= 400:
            // The server's refusal is its answer (550: sender rejected): the
            // outbox tells a permanent 5xx from a transient 4xx.
            result = .success(FetchResponse(status: smtpCode, body: Array(reason.utf8)))
        case CURLE_OK:
            var status = 0
            vigil_easy_getinfo_long(t.easy, CURLINFO_RESPONSE_CODE, &status)
            var ct: UnsafeMutablePointer<CChar>?
            vigil_easy_getinfo_string(t.easy, CURLINFO_CONTENT_TYPE, &ct)
            let contentType = ct.map { String(cString: $0) }
            if status >= 400 && !(t.request.errorBodies && !t.body.isEmpty) {
                result = .failure(.http(status: status, reason: Self.reasonPhrase(status)))
            } else {
                result = .success(
                    FetchResponse(status: status, contentType: contentType, body: t.body, headers: t.headers))
            }
        case CURLE_WRITE_ERROR where t.overLimit, CURLE_FILESIZE_EXCEEDED:
            result = .failure(.bodyTooLarge(limit: t.request.bodyLimit))
        case CURLE_COULDNT_CONNECT:
            // The OS error tells a refused connection from an unreachable host.
            var osErrno = 0
            vigil_easy_getinfo_long(t.easy, CURLINFO_OS_ERRNO, &osErrno)
            result = .failure(
                osErrno == Int(ECONNREFUSED) ? .refused(Self.shortHost(t.request.url)) : .connection(reason))
        case CURLE_OPERATION_TIMEDOUT:
            result = .failure(.timedOut(seconds: Double(t.request.timeoutMs) / 1000))
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ISSUER_ERROR:
            result = .failure(.tls(Self.tlsReason(reason)))
        case CURLE_BAD_CONTENT_ENCODING: result = .failure(.badEncoding(reason))
        case CURLE_TOO_MANY_REDIRECTS: result = .failure(.tooManyRedirects)
        case CURLE_COULDNT_RESOLVE_HOST: result = .failure(.resolve(Self.shortHost(t.request.url)))
        case CURLE_GOT_NOTHING: result = .failure(.emptyReply)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: result = .failure(.invalidURL(reason))
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE: result = .failure(.connection(reason))
        default: result = .failure(.other(reason))
        }
        return Completion(id: t.id, result: result, durationSeconds: duration)
    }

    /// "SSL certificate problem: certificate has expired" → "certificate has expired".
    static func tlsReason(_ s: String) -> String {
        if let r = s.range(of: "SSL certificate problem: ") { return String(s[r.upperBound...]) }
        // OpenSSL's words for an https URL on a plain-HTTP port, and for a
        // server that hangs up mid-handshake.
        if s.contains("wrong version number") || s.contains("packet length too long") {
            return "the server does not speak TLS (a plain HTTP port? try http://)"
        }
        if s.contains("unexpected eof while reading") {
            return "the server closed the connection during the TLS handshake"
        }
        return s
    }

    static func shortHost(_ url: String) -> String {
        URLComponents(string: url).map { c in c.port.map { "\(c.host ?? ""):\($0)" } ?? (c.host ?? url) } ?? url
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return ""
        }
    }
}
