#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A tiny SMTP server for tst_emailsender, on Debian's python3-aiosmtpd.

Listens on 127.0.0.1, on a port the system picks; the first line on stdout is
that port. Then one JSON object a line for what the client did:
  {"event": "ehlo", "hostname": ...}
  {"event": "auth", "mechanism": ..., "login": ..., "ok": ..., "tls": ...}
  {"event": "message", "mail_from": ..., "rcpt_tos": [...], "mail_options": [...],
   "subject": (decoded), "body": (decoded), "headers": {...}, "date": ..., "raw": ...}
  {"event": "quit"}
Exits when its stdin closes (the test went away) or on SIGTERM.

  --cert/--key     STARTTLS with this certificate; AUTH only after it
  --implicit-tls   TLS from the first byte (port 465 style) instead of STARTTLS
  (neither)        plain text only, and AUTH offered in plain text: a server
                   the client must refuse to give the password to
  --user/--password  the one login AUTH accepts
  --no-8bitmime    do not offer 8BITMIME (the client then sends quoted-printable)
"""

import argparse
import email
import email.policy
import json
import ssl
import sys

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
except ImportError:
    sys.exit("smtp_server.py needs aiosmtpd (Debian: python3-aiosmtpd)")


def emit(event):
    print(json.dumps(event), flush=True)


class Handler:
    def __init__(self, offer_8bitmime):
        self.offer_8bitmime = offer_8bitmime
        self.queued = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # The five-argument hook replaces aiosmtpd's own bookkeeping of the name.
        session.host_name = hostname
        emit({"event": "ehlo", "hostname": hostname, "tls": session.ssl is not None})
        if not self.offer_8bitmime:
            responses = [r for r in responses if "8BITMIME" not in r]
        return responses

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        date = message["date"]
        self.queued += 1
        emit({
            "event": "message",
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            "subject": str(message["subject"]),
            # Line ends as text has them; "raw" keeps the bytes as they came.
            "body": message.get_content().replace("\r\n", "\n"),
            "headers": {name: str(value) for name, value in message.items()},
            "date": date.datetime.isoformat() if date is not None and date.datetime else None,
            "raw": raw.decode("utf-8", "replace"),
        })
        return f"250 2.0.0 Ok: queued as TEST{self.queued}"

    async def handle_QUIT(self, server, session, envelope):
        emit({"event": "quit"})
        return "221 2.0.0 Bye"


class AnyPortController(Controller):
    # aiosmtpd 1.4 connects to its own port once to check that the server
    # answers, and with port 0 it would connect to port 0: read the bound one.
    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--user", default="alerts")
    parser.add_argument("--password", default="secret")
    parser.add_argument("--no-8bitmime", action="store_true")
    args = parser.parse_args()

    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == args.user.encode()
              and auth_data.password == args.password.encode())
        login = auth_data.login.decode("utf-8", "replace") if auth_data else None
        emit({"event": "auth", "mechanism": mechanism, "login": login, "ok": ok,
              "tls": session.ssl is not None or args.implicit_tls})
        # handled=False: aiosmtpd answers 535 itself (by default it would
        # leave the answer to us, and say nothing).
        return AuthResult(success=ok, handled=False)

    options = {
        "hostname": "127.0.0.1",
        "port": 0,
        "server_hostname": "smtp.test",
        "authenticator": authenticator,
    }
    if context and args.implicit_tls:
        # aiosmtpd sees no STARTTLS here, so it would not offer AUTH at all.
        options.update(ssl_context=context, auth_require_tls=False)
    elif context:
        options.update(tls_context=context, auth_require_tls=True)
    else:
        options.update(auth_require_tls=False)
    controller = AnyPortController(Handler(not args.no_8bitmime), **options)
    controller.start()
    print(controller.port, flush=True)
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    controller.stop()


if __name__ == "__main__":
    main()
