"""Loopback targets and log sources whose behaviour changes every few
seconds, for scripts/soak.sh. Usage:

    chaos_server.py PORT FLAP_PORT TARGETS SECONDS

Serves /t/N/metrics (N < TARGETS) and /l/N/log, /l/N/events on
127.0.0.1:PORT, and the same on 127.0.0.1:FLAP_PORT, whose listener is
closed every other slot (connections refused). Every SLOT seconds each
target takes the next mode of its own rotation: valid metrics, ten times
the series, hung, dripping a byte a second, HTML, HTTP 500, truncated
gzip, a 100 MB body, truncated, invalid UTF-8 and escape sequences in
label values. Logs carry escape sequences, invalid UTF-8 and long lines.
Every fault injected is counted; the counts are printed as JSON on
SIGTERM or after SECONDS. Only ever listens on 127.0.0.1; stops by itself.
"""
import gzip
import json
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, FLAP_PORT, TARGETS, SECONDS = (int(a) for a in sys.argv[1:5])
SLOT = 4
START = time.time()
MODES = ["ok", "series10x", "hang", "ok", "drip", "html", "ok", "status500", "badgzip", "truncated",
         "ok", "utf8", "escapes", "big"]
# What a terminal would obey if it reached it: set the window title, clear
# the screen, switch off the alternate screen.
ATTACK = "\x1b]0;PWNED\x07\x1b[2J\x1b[?1049l"
counts = {}
lock = threading.Lock()


def count(what):
    with lock:
        counts[what] = counts.get(what, 0) + 1


def slot():
    return int((time.time() - START) / SLOT)


def mode(n):
    m = MODES[(slot() + n * 5) % len(MODES)]
    # Only a few 100 MB bodies at a time: their cost is the receiver's.
    if m == "big" and n % 4 != 0:
        return "ok"
    return m


def metrics(n, series=1):
    # A value that crosses 80 and back every 20 s, so rules fire and resolve.
    t = time.time() - START
    value = 100.0 * abs(((t / 20.0 + n / 7.0) % 2.0) - 1.0)
    lines = ["# TYPE soak_value gauge\n"]
    for s in range(series):
        lines.append('soak_value{target="t%02d",shard="%d"} %.3f\n' % (n, s, value if s == 0 else s))
    lines.append("# TYPE soak_requests_total counter\n")
    lines.append('soak_requests_total{target="t%02d"} %d\n' % (n, int(t * 10)))
    return "".join(lines).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, ctype="text/plain; version=0.0.4", extra=(), length=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        try:
            parts = self.path.split("?")[0].strip("/").split("/")
            if len(parts) == 3 and parts[0] == "t":
                self.target(int(parts[1]))
            elif len(parts) == 3 and parts[0] == "l":
                self.log(int(parts[1]), parts[2])
            else:
                self.send(404, b"no such path\n")
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass

    def target(self, n):
        m = mode(n)
        count(m)
        if m == "ok":
            self.send(200, metrics(n))
        elif m == "series10x":
            self.send(200, metrics(n, 10))
        elif m == "hang":
            time.sleep(min(20, SECONDS))
        elif m == "drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "60")
            self.end_headers()
            for _ in range(15):
                self.wfile.write(b"#")
                self.wfile.flush()
                time.sleep(1)
        elif m == "html":
            self.send(200, b"<html><body>Sign in</body></html>\n", ctype="text/html; charset=utf-8")
        elif m == "status500":
            self.send(500, b"internal error\n")
        elif m == "badgzip":
            body = gzip.compress(metrics(n))
            self.send(200, body[: len(body) // 2], extra=[("Content-Encoding", "gzip")])
        elif m == "truncated":
            body = metrics(n)
            self.send(200, body[: len(body) // 2], length=len(body))
            self.close_connection = True
        elif m == "utf8":
            self.send(200, b'# TYPE soak_value gauge\nsoak_value{target="t%02d",bad="\xff\xfe"} 1\n' % n)
        elif m == "escapes":
            label = ATTACK.replace("\\", "\\\\").replace('"', '\\"')
            self.send(200, ('# TYPE soak_value gauge\nsoak_value{target="t%02d",x="%s"} 1\n' % (n, label)).encode())
        elif m == "big":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"# " + b"x" * 65533 + b"\n"
            for _ in range(1600):  # 100 MB
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")

    def log(self, n, kind):
        count("log_" + kind)
        t = time.time()
        lines = []
        for i in range(3):
            text = ["request served", "login failed " + ATTACK, "bad byte \udcff here",
                    "long " + "y" * 5000][(slot() + i + n) % 4]
            lines.append((t, text))
        if kind == "events":
            body = "".join(
                json.dumps({"timestamp": "%.3f" % ts, "severity": "warning", "message": msg}) + "\n"
                for ts, msg in lines)
            self.send(200, body.encode("utf-8", "surrogateescape"), ctype="application/x-ndjson")
        else:
            body = "".join("%s INFO %s\n" % (time.strftime("%H:%M:%S"), msg) for _, msg in lines)
            self.send(200, body.encode("utf-8", "surrogateescape"))


class Closing(Handler):
    """The flapping port's: one request a connection, so a closed listener
    is seen as refused at once (a kept-alive connection would hide it)."""

    def send(self, *args, **kwargs):
        self.close_connection = True
        super().send(*args, **kwargs)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def flapping():
    """The second port: listening in even slots, refusing in odd ones."""
    while time.time() - START < SECONDS:
        if slot() % 2 == 0:
            srv = Server(("127.0.0.1", FLAP_PORT), Closing)
            srv.timeout = 0.2
            current = slot()
            while slot() == current and time.time() - START < SECONDS:
                srv.handle_request()
            srv.server_close()
        else:
            count("refused_slot")
            time.sleep(SLOT)


def finish(*_):
    with lock:
        print(json.dumps(counts, sort_keys=True), flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, finish)
threading.Thread(target=flapping, daemon=True).start()
main = Server(("127.0.0.1", PORT), Handler)
threading.Thread(target=main.serve_forever, daemon=True).start()
time.sleep(SECONDS)
finish()
