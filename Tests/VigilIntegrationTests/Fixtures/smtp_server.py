#!/usr/bin/python3
"""A local SMTP server for the email tests (Debian's python3-aiosmtpd).

Every accepted message is appended to --log as one JSON line:
{"from": ..., "to": [...], "data": "..."}. With --cert and --key it offers
STARTTLS and refuses mail before it (require_starttls). A MAIL FROM equal to
--reject-from is refused with 550, as a server refuses an unknown sender.
Usage: smtp_server.py --port N --log FILE [--cert C --key K] [--reject-from A]
"""
import argparse
import json
import ssl
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--reject-from", default="")
    ap.add_argument("--password", help="with --cert: require AUTH as vigil with this password")
    args = ap.parse_args()

    class Handler:
        async def handle_MAIL(self, server, session, envelope, address, mail_options):
            if address == args.reject_from:
                return "550 5.7.1 sender rejected"
            envelope.mail_from = address
            envelope.mail_options.extend(mail_options)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            with open(args.log, "a") as f:
                f.write(json.dumps({
                    "from": envelope.mail_from, "to": envelope.rcpt_tos,
                    "data": envelope.content.decode("utf-8", "replace"),
                    "tls": session.ssl is not None,
                    "login": session.authenticated and "vigil"}) + "\n")
            return "250 Message accepted"

    kwargs = {}
    if args.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
        kwargs = {"tls_context": ctx, "require_starttls": True}
        if args.password:
            def authenticator(server, session, envelope, mechanism, auth_data):
                ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"vigil"
                      and auth_data.password == args.password.encode())
                return AuthResult(success=ok)
            kwargs.update(authenticator=authenticator, auth_required=True)
    controller = Controller(Handler(), hostname="127.0.0.1", port=args.port, **kwargs)
    controller.start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
