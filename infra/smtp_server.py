"""The local stack's SMTP server: it accepts every message and keeps it under `var/mail/`, delivering nothing.

`recovery up` starts it (`python -m infra.smtp_server`) when RECOVERY_SMTP_HOST is this machine, so
the reminders the workers send by e-mail really go through SMTP and can be opened afterwards. Each
message accepted is written byte for byte as received to `<var_dir>/mail/<UTC time>-<token>.eml`
(file 0600, folder 0700: they name borrowers), so its SHA-256 equals the evidence's. The reply to
DATA names the file. Plain SMTP, no login: it listens on loopback only.

Arguments (`--host`, `--port`, `--dir`) default to the settings (RECOVERY_SMTP_HOST, RECOVERY_SMTP_PORT,
`<RECOVERY_VAR_DIR>/mail`). SIGTERM or SIGINT stops it. Imports: settings, stdlib, aiosmtpd.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP

from settings import Settings

log = logging.getLogger("recovery.smtp")

IDENT = "recovery local SMTP (keeps mail under var/mail, delivers nothing)"


class Mailbox:
    """An aiosmtpd handler: every message accepted is kept as one `.eml` file in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def keep(self, content: bytes) -> Path:
        """Write `content` to a new file (0600), atomically: a reader never sees half a message."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S.%fZ')}-{secrets.token_hex(4)}.eml"
        tmp = self.folder / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.rename(self.folder / name)
        return self.folder / name

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook
        content = envelope.original_content or envelope.content
        path = await asyncio.to_thread(self.keep, bytes(content))
        # Sizes and file names only: the addresses and the text are the borrowers'.
        log.info("kept a message of %d bytes for %d recipient(s) as %s", len(content), len(envelope.rcpt_tos),
                 path.name)
        return f"250 2.0.0 Ok: kept as {path.name}"


async def serve(host: str, port: int, folder: Path, stop: asyncio.Event) -> None:
    """Listen on host:port until `stop` is set."""
    loop = asyncio.get_running_loop()
    mailbox = Mailbox(folder)
    server = await loop.create_server(
        lambda: SMTP(mailbox, hostname="recovery-local-smtp", ident=IDENT, loop=loop), host, port,
    )
    log.info("listening on %s:%d; messages kept in %s", host, port, folder)
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()
        log.info("stopped")


def main(argv: list[str] | None = None) -> None:
    settings = Settings()
    parser = argparse.ArgumentParser(prog="python -m infra.smtp_server", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default=settings.smtp_host)
    parser.add_argument("--port", type=int, default=settings.smtp_port)
    parser.add_argument("--dir", type=Path, default=None, help="where messages are kept (default: <var_dir>/mail)")
    args = parser.parse_args(argv)
    folder = (args.dir or settings.mail_dir).resolve()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # aiosmtpd logs every command at INFO, MAIL FROM and RCPT TO included: borrowers' addresses.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    os.umask(0o077)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(args.host, args.port, folder, stop)

    asyncio.run(run())


if __name__ == "__main__":
    main()
