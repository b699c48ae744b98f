"""Where the tests' workers send reminders: a real SMTP server on loopback and the `local` SMS outbox.

`serve_local_mail(folder)` starts aiosmtpd on a free loopback port with the stack's own handler
(`infra.smtp_server.Mailbox`: each message accepted is kept byte for byte as `<folder>/mail/*.eml`)
and names the SMS outbox `<folder>/sms/outbox.jsonl`, the layout `recovery up` uses under its var/.
`LocalMail.settings()` are the `RECOVERY_SMTP_*` / `RECOVERY_SMS_*` values pointing at them, for
`Settings(...)`; `NotifyActivities.from_settings(settings, evidence)` then sends there.

The server runs in a thread of its own (aiosmtpd's `Controller`), so it serves a session-scoped
fixture whatever event loop a test runs in. aiosmtpd logs every MAIL FROM / RCPT TO at INFO (the
borrowers' addresses): as in `infra.smtp_server`, its logger is kept at WARNING while it runs, so
tests that search every log record for PII see only the system's own records.
"""

from __future__ import annotations

import email
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from infra.services import free_port
from infra.smtp_server import IDENT, Mailbox

HOST = "127.0.0.1"
AIOSMTPD_LOGGER = "mail.log"


@dataclass
class LocalMail:
    """A running local SMTP server and an SMS outbox: where they are, and what they received."""

    port: int
    mail_dir: Path
    sms_outbox: Path
    host: str = HOST
    _controller: Controller | None = field(default=None, repr=False)

    def settings(self) -> dict[str, Any]:
        """`Settings(**...)` values sending here (plain SMTP without login, the `local` SMS gateway)."""
        return {
            "smtp_host": self.host, "smtp_port": self.port, "smtp_security": "none",
            "smtp_username": None, "smtp_password": None, "smtp_timeout": 10.0,
            "sms_gateway": "local", "sms_outbox": self.sms_outbox,
        }  # fmt: skip

    # ---- what arrived ------------------------------------------------------------------------
    def files(self) -> list[Path]:
        """The `.eml` files received, oldest first (their names start with the UTC time)."""
        return sorted(self.mail_dir.glob("*.eml")) if self.mail_dir.is_dir() else []

    def emails(self, to: str | None = None) -> list[EmailMessage]:
        """The messages received (parsed), oldest first; with `to`, only those addressed to it."""
        out: list[EmailMessage] = []
        for path in self.files():
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(message, EmailMessage)
            if to is None or any(a.addr_spec.lower() == to.lower() for a in message["To"].addresses):
                out.append(message)
        return out

    def sms(self, to: str | None = None) -> list[dict[str, Any]]:
        """The SMS the `local` gateway recorded (`message_id`, `to`, `text`, `recorded_at`), oldest first."""
        if not self.sms_outbox.is_file():
            return []
        entries = [json.loads(line) for line in self.sms_outbox.read_text(encoding="utf-8").splitlines() if line]
        return [e for e in entries if to is None or e["to"] == to]

    # ---- the server --------------------------------------------------------------------------
    def start(self) -> LocalMail:
        self._controller = Controller(Mailbox(self.mail_dir), hostname=self.host, port=self.port,
                                      server_hostname="recovery-test-smtp", ident=IDENT)
        self._controller.start()  # returns once the server answers
        return self

    def stop(self) -> None:
        if self._controller is not None:
            controller, self._controller = self._controller, None
            controller.stop()


@contextmanager
def serve_local_mail(folder: Path) -> Iterator[LocalMail]:
    """A local SMTP server keeping mail under `folder/mail`, the SMS outbox at `folder/sms/outbox.jsonl`."""
    mail_log = logging.getLogger(AIOSMTPD_LOGGER)
    level = mail_log.level
    mail_log.setLevel(logging.WARNING)
    mail = LocalMail(port=free_port(), mail_dir=Path(folder) / "mail", sms_outbox=Path(folder) / "sms" / "outbox.jsonl")
    try:
        mail.start()
        yield mail
    finally:
        mail.stop()
        mail_log.setLevel(level)
