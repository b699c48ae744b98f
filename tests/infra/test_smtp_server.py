"""The local stack's SMTP server (`infra.smtp_server`), run as `recovery up` runs it: a child process.

It greets on its port (the health check), keeps every message byte for byte as a private file under
`var/mail/`, names the file in its reply, logs no address, and stops on SIGTERM, freeing its port.
"""

from __future__ import annotations

import smtplib
import stat
from pathlib import Path

from infra.services import free_port, port_free, smtp_ok, smtp_service
from infra.smtp_server import Mailbox

MESSAGE = (b"From: recovery@localhost\r\nTo: zhangwei@example.cn\r\nSubject: =?utf-8?b?6L+Y5qy+5o+Q6YaS?=\r\n"
           b"Message-ID: <m-1@localhost>\r\n\r\n..a line starting with a dot\r\nhello\r\n")


def test_the_stack_smtp_server_keeps_each_message_privately_and_stops_on_sigterm(tmp_path: Path) -> None:
    var_dir, port = tmp_path / "var", free_port()
    assert not smtp_ok(port)
    service = smtp_service(var_dir, port=port).start()  # returns once it greets
    try:
        assert service.alive() and smtp_ok(port)
        with smtplib.SMTP("127.0.0.1", port, local_hostname="test.example", timeout=10) as smtp:
            smtp.ehlo()
            assert smtp.mail("recovery@localhost")[0] == 250 and smtp.rcpt("zhangwei@example.cn")[0] == 250
            code, reply = smtp.data(MESSAGE)
        kept = sorted((var_dir / "mail").glob("*.eml"))
        assert code == 250 and len(kept) == 1 and reply.decode().endswith(f"kept as {kept[0].name}")
        assert kept[0].read_bytes() == MESSAGE  # dot-stuffing undone: the bytes that were sent
        assert stat.S_IMODE(kept[0].stat().st_mode) == 0o600
        assert stat.S_IMODE((var_dir / "mail").stat().st_mode) == 0o700
        assert not list((var_dir / "mail").glob(".*.tmp"))
    finally:
        service.stop()
    assert not service.alive() and port_free(port)
    log = service.log_path.read_text()
    assert "listening on 127.0.0.1" in log and "kept a message of" in log
    assert "zhangwei" not in log and "example.cn" not in log  # aiosmtpd's own INFO lines name the addresses


def test_the_mailbox_never_overwrites_a_message(tmp_path: Path) -> None:
    mailbox = Mailbox(tmp_path / "mail")
    paths = {mailbox.keep(b"same bytes\r\n") for _ in range(20)}
    assert len(paths) == 20 and all(p.read_bytes() == b"same bytes\r\n" for p in paths)
    assert sorted(p.name for p in paths) == sorted(p.name for p in (tmp_path / "mail").iterdir())
