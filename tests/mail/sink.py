#!/usr/bin/env python3
"""A real SMTP server on loopback that keeps every mail it takes, for the
mail tests (tests/integration/mail.rs) and the outbox drill (bench/outbox.sh).

Each mail accepted becomes one JSON file in --dir, written whole (to a
temporary name, then renamed), with the envelope, the headers the tests read
and the decoded text body:

    {"mail_from", "rcpt_tos", "message_id", "from", "to", "reply_to",
     "subject", "date", "content_language", "auto_submitted", "body", "raw"}

--refuse TEXT answers 550 to every recipient containing TEXT (a mailbox
that does not exist), to test mails the server refuses for good.
It prints "listening on HOST:PORT" once it takes connections, and stops on
SIGTERM or SIGINT. Needs aiosmtpd (tests/clients/requirements.txt; the
virtualenv that scripts/lib.sh's ensure_venv makes).
"""

import argparse
import email
import email.policy
import itertools
import json
import os
import signal
import threading
import uuid

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, directory, refuse):
        self.directory = directory
        self.refuse = refuse
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse and self.refuse in address:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "message_id": str(message.get("Message-ID", "")),
            "from": str(message.get("From", "")),
            "to": str(message.get("To", "")),
            "reply_to": str(message.get("Reply-To", "")),
            "subject": str(message.get("Subject", "")),
            "date": str(message.get("Date", "")),
            "content_language": str(message.get("Content-Language", "")),
            "auto_submitted": str(message.get("Auto-Submitted", "")),
            "body": body.get_content() if body is not None else "",
            "raw": raw.decode("utf-8", "replace"),
        }
        with self.lock:
            n = next(self.counter)
        name = f"{n:06d}-{uuid.uuid4().hex}.json"
        temporary = os.path.join(self.directory, "." + name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(temporary, os.path.join(self.directory, name))
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True, help="where the mails are kept")
    parser.add_argument("--refuse", default="", help="refuse recipients containing this")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Keep(args.dir, args.refuse), hostname=args.host, port=args.port)
    controller.start()
    print(f"listening on {args.host}:{args.port}", flush=True)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()
