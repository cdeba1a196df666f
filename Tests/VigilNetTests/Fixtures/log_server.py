#!/usr/bin/env python3
"""Log endpoints for Vigil's tests, on 127.0.0.1 only.

/text/log      a log file with Range support (206, Content-Range, 416)
/text/norange  the same file, Range ignored (200, the whole body)
/ndjson        events as NDJSON; ?since=<ts> returns events with ts > since
/ndjson/all    every event each time (no cursor: the client de-duplicates)
/loki/api/v1/query_range   Loki's API: start/end (ns, inclusive), limit,
               direction=forward; {"status":"success","data":{"resultType":
               "streams","result":[{"stream":{...},"values":[["<ns>","line"]]}]}}
/logs/_search  Elasticsearch's _search: POST JSON with size, sort, query.bool
               .filter range (gte, epoch_millis), search_after; hits.hits with
               _id, _source and sort values
/ctl/...       test controls (append, truncate, rotate, event, loki, es, mode)
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

state = {
    "text": b"",
    "events": [],  # (ts, line)
    "loki": [],  # (ns, labels dict, line)
    "loki_error": False,
    "es": [],  # (id, ts_ms, source)
    "requests": [],
}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, ctype="text/plain", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        u = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        with lock:
            state["requests"].append({"path": u.path, "query": q, "range": self.headers.get("Range")})
            if u.path.startswith("/ctl/"):
                return self.control(u.path[5:], q)
            if u.path == "/text/log":
                return self.text(ranges=True)
            if u.path == "/text/norange":
                return self.reply(200, state["text"])
            if u.path == "/ndjson":
                since = q.get("since")
                lines = [l for (ts, l) in state["events"] if since is None or ts > since]
                return self.reply(200, "".join(l + "\n" for l in lines).encode(), "application/x-ndjson")
            if u.path == "/ndjson/all":
                return self.reply(200, "".join(l + "\n" for (_, l) in state["events"]).encode())
            if u.path == "/loki/api/v1/query_range":
                return self.loki(q)
            if u.path == "/hostile":
                return self.reply(200, state["text"])
        self.reply(404, b"not found")

    def do_POST(self):
        u = urlparse(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        with lock:
            if u.path == "/logs/_search":
                try:
                    req = json.loads(body)
                except ValueError:
                    return self.reply(400, json.dumps({"error": {"reason": "bad json"}}).encode(), "application/json")
                state["requests"].append({"path": u.path, "body": req})
                return self.search(req)
        self.reply(404, b"not found")

    def text(self, ranges):
        data = state["text"]
        r = self.headers.get("Range")
        if not r or not r.startswith("bytes="):
            return self.reply(200, data)
        spec = r[6:]
        a, b = spec.split("-", 1)
        size = len(data)
        if a == "":
            start = max(0, size - int(b))
        else:
            start = int(a)
        if start >= size and not (start == 0 and size == 0):
            return self.reply(416, b"", headers={"Content-Range": "bytes */%d" % size})
        end = size - 1
        return self.reply(206, data[start:], headers={"Content-Range": "bytes %d-%d/%d" % (start, end, size)})

    def loki(self, q):
        if state["loki_error"]:
            return self.reply(400, b"parse error at line 1, col 1: syntax error: unexpected IDENTIFIER")
        start, end = int(q["start"]), int(q["end"])
        limit = int(q.get("limit", "100"))
        assert q.get("direction") == "forward"
        entries = sorted(
            [e for e in state["loki"] if start <= e[0] <= end], key=lambda e: (e[0], json.dumps(e[1], sort_keys=True), e[2])
        )[:limit]
        streams = {}
        for ns, labels, line in entries:
            key = json.dumps(labels, sort_keys=True)
            streams.setdefault(key, {"stream": labels, "values": []})["values"].append([str(ns), line])
        out = {"status": "success", "data": {"resultType": "streams", "result": list(streams.values()), "stats": {}}}
        self.reply(200, json.dumps(out).encode(), "application/json")

    def search(self, req):
        size = req.get("size", 10)
        sort = req.get("sort", [])
        fields = [list(s.keys())[0] for s in sort]
        gte = None
        for f in req.get("query", {}).get("bool", {}).get("filter", []):
            if "range" in f:
                rng = list(f["range"].values())[0]
                gte = int(rng["gte"])
        docs = [d for d in state["es"] if gte is None or d[1] >= gte]

        def sortvals(d):
            vals = []
            for f in fields:
                vals.append(d[1] if f == "@timestamp" else d[2].get(f))
            return vals

        docs.sort(key=lambda d: tuple(sortvals(d)))
        sa = req.get("search_after")
        if sa is not None:
            sa = [int(sa[0])] + sa[1:]
            docs = [d for d in docs if tuple(sortvals(d)) > tuple(sa[: len(fields)])]
        hits = [{"_index": "logs", "_id": d[0], "_source": d[2], "sort": sortvals(d)} for d in docs[:size]]
        self.reply(200, json.dumps({"took": 1, "hits": {"total": {"value": len(docs)}, "hits": hits}}).encode(), "application/json")

    def control(self, what, q):
        if what == "append":
            state["text"] += q["data"].encode("utf-8", "surrogateescape")
        elif what == "appendhex":
            state["text"] += bytes.fromhex(q["data"])
        elif what == "lines":
            state["text"] += "".join("line %05d padding padding\n" % i for i in range(int(q["n"]))).encode()
        elif what == "truncate":
            state["text"] = b""
        elif what == "rotate":
            state["text"] = q["data"].encode()
        elif what == "event":
            state["events"].append((q["ts"], q["json"]))
        elif what == "loki":
            state["loki"].append((int(q["ns"]), {"app": q.get("app", "api")}, q["line"]))
        elif what == "loki_error":
            state["loki_error"] = q.get("on") == "1"
        elif what == "es":
            state["es"].append((q["id"], int(q["ts"]), json.loads(q["source"])))
        elif what == "requests":
            return self.reply(200, json.dumps(state["requests"]).encode(), "application/json")
        self.reply(200, b"ok")


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    print("ready", flush=True)
    server.serve_forever()
