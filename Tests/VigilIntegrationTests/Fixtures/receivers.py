#!/usr/bin/env python3
"""Loopback stand-ins for the receivers Vigil notifies, shaped after their
documented APIs (no real PagerDuty or Slack can be had in a test):

- POST /v2/enqueue: PagerDuty Events API v2. 202 with
  {"status":"success","message":"Event processed","dedup_key":...}; 400
  with {"status":"invalid event","errors":[...]} when routing_key or
  event_action is missing.
- POST /hooks/...: a Slack incoming webhook. 200 "ok"; 400 "invalid_payload"
  without "text".
- POST anything else: a generic webhook, 200.

Every request is appended to the file named by --log as one JSON line:
{"path":..., "body":...}. Usage: receivers.py --port N --log FILE
"""
import argparse
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def answer(self, status, body, kind="application/json"):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n)
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = None
            with open(args.log, "a") as f:
                f.write(json.dumps({"path": self.path, "body": body, "t": time.time()}) + "\n")
            if self.path == "/v2/enqueue":
                if not isinstance(body, dict) or not body.get("routing_key") or body.get("event_action") not in (
                    "trigger", "acknowledge", "resolve"):
                    return self.answer(400, json.dumps({"status": "invalid event", "errors": ["bad event"]}))
                return self.answer(202, json.dumps(
                    {"status": "success", "message": "Event processed", "dedup_key": body.get("dedup_key")}))
            if self.path.startswith("/hooks/"):
                if not isinstance(body, dict) or "text" not in body:
                    return self.answer(400, "invalid_payload", "text/plain")
                return self.answer(200, "ok", "text/plain")
            return self.answer(200, "{}")

    class Server(ThreadingHTTPServer):
        # A flood arrives at once: the default backlog of 5 would drop
        # connections that a real receiver accepts.
        request_queue_size = 256

    Server(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
