#!/usr/bin/python3
"""A real SMTP server for the tests of daemon/notify/mail.h (aiosmtpd, Debian's
python3-aiosmtpd).

    smtp_sink.py --dir DIR --port PORT [--host 127.0.0.1] [--auth USER:PASSWORD]

Listens on HOST:PORT and writes each message it accepts to DIR/msg-NNN.eml (the
bytes received after DATA) with its envelope in DIR/msg-NNN.json
({"mail_from", "rcpt_tos", "authenticated"}); the .json is written before the
.eml appears. DIR/ready appears once it listens. Told to fail: when
DIR/rcpt_reply or DIR/data_reply exists, its first line ("451 4.3.0 Try
later", "550 5.1.1 Mailbox unavailable") is the reply to every RCPT TO or DATA.
With --auth, AUTH PLAIN/LOGIN (offered without TLS) is required and accepts
only USER:PASSWORD; others get 535. Stops on SIGTERM.
"""
import argparse
import json
import os
import signal
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    def _reply(self, stage):
        try:
            with open(os.path.join(self.folder, stage + "_reply"), encoding="utf-8") as f:
                line = f.readline().strip()
        except FileNotFoundError:
            return None
        return line or None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self._reply("rcpt")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self._reply("data")
        if reply:
            return reply
        self.count += 1
        base = os.path.join(self.folder, "msg-%03d" % self.count)
        with open(base + ".json", "w", encoding="utf-8") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "authenticated": bool(session.authenticated)}, f)
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--auth")
    args = parser.parse_args()

    options = {}
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and
                  auth_data.login.decode() == user and auth_data.password.decode() == password)
            # handled=False: aiosmtpd answers 535 itself on a failure.
            return AuthResult(success=ok, handled=False)

        options = {"authenticator": authenticator, "auth_required": True,
                   "auth_require_tls": False}
    controller = Controller(Sink(args.dir), hostname=args.host, port=args.port, **options)
    controller.start()
    with open(os.path.join(args.dir, "ready"), "w", encoding="utf-8") as f:
        f.write(str(os.getpid()))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1):
        pass
    controller.stop()


if __name__ == "__main__":
    main()
