# An SMTP sink for the SMTP alert tests: python3-aiosmtpd (run it with /usr/bin/python3, where
# Debian's modules import) that appends every message it accepts to a file as one JSON line:
# {"helo", "tls", "auth", "from", "to", "data"} with `data` the message exactly as received
# (after dot-unstuffing, before any decoding; latin-1 so every byte survives).
#   smtp_sink.py --listen 127.0.0.1:2525 --out mails.jsonl [--tls CERT KEY] [--require-starttls]
#                [--auth USER:PASSWORD] [--ready FILE]
# With --tls the server offers STARTTLS; with --auth it offers AUTH (only after STARTTLS, as
# aiosmtpd does by default) and refuses mail without it. --ready names a file written once the
# server accepts connections.
import argparse
import json
import signal
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, out):
        self.out = out
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        user = None
        if isinstance(session.auth_data, LoginPassword):
            user = session.auth_data.login.decode()
        record = {
            "helo": session.host_name,
            "tls": session.ssl is not None,
            "auth": user,
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "data": envelope.original_content.decode("latin-1"),
        }
        with self.lock, open(self.out, "a") as f:
            f.write(json.dumps(record) + "\n")
        return "250 OK queued"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--require-starttls", action="store_true")
    p.add_argument("--auth")
    p.add_argument("--ready")
    a = p.parse_args()
    host, port = a.listen.rsplit(":", 1)
    kwargs = {}
    if a.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        kwargs["tls_context"] = ctx
        kwargs["require_starttls"] = a.require_starttls
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, data):
            ok = (isinstance(data, LoginPassword) and data.login.decode() == user
                  and data.password.decode() == password)
            return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

        kwargs["authenticator"] = authenticator
        kwargs["auth_required"] = True
    controller = Controller(Sink(a.out), hostname=host, port=int(port), **kwargs)
    controller.start()
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("ready\n")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
