"""A loopback HTTP server that misbehaves on purpose, for Vigil's fetcher
tests. Usage: misbehaving_server.py PORT [CERTFILE KEYFILE]. Paths:
  /ok            valid metrics            /echo      request headers as metrics
  /hang          never answers            /drip      one byte a second
  /html          an HTML page             /status/N  HTTP status N
  /big           body of 2 MB with Content-Length
  /bigchunked    2 MB, chunked            /badgzip   Content-Encoding gzip, not gzip
  /gzip          valid gzip metrics       /redirect/N  N redirects, then /ok
  /openmetrics   OpenMetrics text
Only ever listens on 127.0.0.1."""
import gzip
import socket
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

METRICS = b"# TYPE up_demo gauge\nup_demo 1\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, ctype="text/plain; version=0.0.4", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path
        if p == "/ok":
            self.send(200, METRICS)
        elif p == "/echo":
            lines = [b"# TYPE request_header gauge\n"]
            for k, v in self.headers.items():
                v = v.replace("\\", "\\\\").replace('"', '\\"')
                lines.append(('request_header{name="%s",value="%s"} 1\n' % (k.lower(), v)).encode())
            self.send(200, b"".join(lines))
        elif p == "/openmetrics":
            self.send(200, b"# TYPE x counter\nx_total 3\n# EOF\n",
                      ctype="application/openmetrics-text; version=1.0.0; charset=utf-8")
        elif p == "/hang":
            time.sleep(60)
        elif p == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"#")
                self.wfile.flush()
                time.sleep(1)
        elif p == "/html":
            self.send(200, b"<html><body>Login</body></html>\n", ctype="text/html; charset=utf-8")
        elif p.startswith("/status/"):
            self.send(int(p.split("/")[2]), b"error page\n")
        elif p == "/big":
            self.send(200, b"# " + b"x" * (2 << 20) + b"\n")
        elif p == "/bigchunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"# " + b"x" * 65533 + b"\n"
            try:
                for _ in range(40):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif p == "/badgzip":
            self.send(200, b"this is not gzip at all" * 10, extra=[("Content-Encoding", "gzip")])
        elif p == "/gzip":
            self.send(200, gzip.compress(METRICS), extra=[("Content-Encoding", "gzip")])
        elif p.startswith("/redirect/"):
            n = int(p.split("/")[2])
            self.send_response(302)
            self.send_header("Location", "/ok" if n <= 1 else "/redirect/%d" % (n - 1))
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send(404, b"not found\n")


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
server.daemon_threads = True
if len(sys.argv) > 3:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
print("ready", flush=True)
server.serve_forever()
