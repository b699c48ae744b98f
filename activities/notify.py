"""Payment reminders really sent: e-mail through SMTP, SMS through a gateway, each kept as evidence first.

- `send_email` (`EmailJob` -> `MessageSent`): an RFC 5322 message (plain text, zh-CN or en) to the
  borrower through the SMTP server of the settings (`RECOVERY_SMTP_*`; locally the stack's own
  server, which keeps what it receives under `var/mail/`).
- `send_sms` (`SmsJob` -> `MessageSent`): the text through an `SmsGateway` (so far `LocalSmsGateway`,
  which sends nothing and appends what would be sent to a private file under `var/`).

Both run on the matters task queue (the `workflows` worker role): sending waits on the network.

One message, in this order:
1. its bytes are built, deterministically: the same job gives the same bytes and SHA-256 (the
   e-mail's Message-ID is `<message_id@sender's domain>`, its Date the job's `dated`);
2. they are stored in the evidence store (`matters/<matter>/messages/<message_id>.eml`, or
   `.sms.txt`), write-once: a retry finds the same bytes and reuses the version; other bytes under
   the key (the job or the sender changed) are `EvidenceConflict`, non-retryable;
3. the send record (`<message_id>.sent.json`) is looked for: if the message was sent, nothing is
   sent again and the record is returned (`already_sent`);
4. the message is sent; 5. the send record is stored (write-once too) and returned.

Idempotency. SMTP has no idempotency key: once a server has accepted a message, the sender can
neither recall it nor ask the server to drop a second copy. So:
- the send record makes every attempt after a recorded send a no-op, whichever worker runs it;
- two attempts of one message in one process (a timed-out attempt still running and its retry)
  take turns, and the process remembers a send until its record is stored, so a retry after the
  record's write failed (S3 briefly away) does not send again;
- what is left is a worker dying (or the server's reply being lost) between the server's
  acceptance and the record: the retry sends the same bytes again, with the same Message-ID, by
  which mail systems drop duplicates. Chosen: at least once. A reminder never sent (the ladder
  and the limitation clock rely on it) is worse than a rare identical duplicate. So for SMS too.

Failures. Retrying cannot fix a permanent refusal: an SMTP 5xx reply (a bad recipient, a message
refused) is `EmailRejected`, an address that is not one `EmailInvalid`, refused credentials
`SmtpAuthFailed`, a server lacking STARTTLS/AUTH or an unverifiable certificate
`SmtpMisconfigured`, a gateway's refusal `SmsRejected`, a bad number `SmsInvalid`: all
non-retryable, so the workflow puts the matter in `needs_attention`. A server that is down, slow
(`RECOVERY_SMTP_TIMEOUT`) or answers 4xx is retried (`SmtpUnavailable`, `EmailDeferred`,
`SmsGatewayUnavailable`). Each SMTP reply may take up to `RECOVERY_SMTP_TIMEOUT` (30 s) and a
transaction has about six: call with a start-to-close timeout of a few minutes (5 with the defaults)
and a bounded retry policy (attempts or schedule-to-close), so a server away for good ends in
`needs_attention` too.

PII: logs and error messages name message ids, keys, hashes and reply codes, never an address, a
phone number, a name or a text (a server's reply is shown with any address in it masked).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import re
import smtplib
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.errors import HeaderParseError, MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from botocore.exceptions import ClientError
from pydantic import SecretStr
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.firm_messages import firm_email_kind, firm_email_text
from activities.inputs import SEND_EMAIL, SEND_FIRM_EMAIL, SEND_SMS, EmailJob, FirmEmailJob, MessageSent, SmsJob
from activities.messages import one_line, reminder_email, reminder_sms
from store.evidence import SHA256_METADATA, EvidenceConflict, EvidenceStore, StoredObject

if TYPE_CHECKING:
    from settings import Settings

log = logging.getLogger(__name__)

EMAIL_MEDIA_TYPE = "message/rfc822"
SMS_MEDIA_TYPE = "text/plain; charset=utf-8"
SENT_MEDIA_TYPE = "application/json"
# Every line ends CRLF, as on the wire, so the stored bytes are the bytes the server receives; 7bit:
# no server needs 8BITMIME (the body is base64 or quoted-printable).
EMAIL_POLICY = policy.SMTP.clone(cte_type="7bit")

Security = Literal["none", "starttls", "ssl"]
Channel = Literal["email", "sms"]

# A message or matter id: it names an S3 key and makes the Message-ID (dot-atom text).
_IDENTITY = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{3,30}")
_ADDRESS_LIKE = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")
_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchVersion"}


# ---- keys ------------------------------------------------------------------------------------------
def email_key(matter_id: str, message_id: str) -> str:
    return f"matters/{matter_id}/messages/{message_id}.eml"


def sms_key(matter_id: str, message_id: str) -> str:
    return f"matters/{matter_id}/messages/{message_id}.sms.txt"


def sent_key(matter_id: str, message_id: str) -> str:
    """The send record: present once the message was handed to the server or gateway."""
    return f"matters/{matter_id}/messages/{message_id}.sent.json"


def masked(text: str, limit: int = 200) -> str:
    """A server's reply fit for logs and errors: any e-mail address replaced, cut to `limit` characters."""
    return _ADDRESS_LIKE.sub("<address>", one_line(text))[:limit]


def _invalid(message: str, type_: str) -> ApplicationError:
    return ApplicationError(message, type=type_, non_retryable=True)


def _check_identity(matter_id: str, message_id: str) -> None:
    for what, value in (("matter_id", matter_id), ("message_id", message_id)):
        if not _IDENTITY.fullmatch(value):
            raise _invalid(f"{what} {value!r} is not usable as a message identity (letters, digits, '.', '_', '-')",
                           "MessageInvalid")


# ---- e-mail ----------------------------------------------------------------------------------------
def recipient(to: str, name: str = "") -> Address:
    """The borrower's address as a header value; `ValueError` if it is not one this system can send to."""
    to = to.strip()
    if not to.isascii() or any(c.isspace() for c in to):  # no SMTPUTF8: an ASCII addr-spec only
        raise ValueError("not an ASCII e-mail address")
    try:
        address = Address(display_name=one_line(name), addr_spec=to)
    except (ValueError, MessageError, HeaderParseError, IndexError):
        raise ValueError("not an e-mail address") from None
    if not address.username or not address.domain or address.addr_spec != to:
        raise ValueError("not an e-mail address")
    return address


def build_email(job: EmailJob, sender: str) -> bytes:
    """The reminder as RFC 5322 bytes (CRLF lines, 7-bit): the same job and sender, the same bytes."""
    text = reminder_email(job.facts, job.locale)
    message = EmailMessage(policy=EMAIL_POLICY)
    message["From"] = Address(display_name=one_line(job.facts.creditor_name), addr_spec=sender)
    message["To"] = recipient(job.to, job.facts.borrower_name)
    message["Subject"] = text.subject
    message["Date"] = format_datetime(job.dated)
    message["Message-ID"] = f"<{job.message_id}@{sender.rpartition('@')[2]}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to it
    # Named, not left to the library's guess: Chinese is shorter in base64, English readable in QP.
    message.set_content(text.body, charset="utf-8", cte="base64" if job.locale == "zh-CN" else "quoted-printable")
    return message.as_bytes()


def build_firm_email(job: FirmEmailJob, sender: str, api_url: str) -> bytes:
    """An e-mail to the law firm as RFC 5322 bytes: the same job, sender and URL, the same bytes."""
    text = firm_email_text(job, api_url)
    message = EmailMessage(policy=EMAIL_POLICY)
    message["From"] = Address(display_name=one_line(job.creditor_name), addr_spec=sender)
    message["To"] = recipient(job.to, job.firm_name)
    message["Subject"] = text.subject
    message["Date"] = format_datetime(job.dated)
    message["Message-ID"] = f"<{job.message_id}@{sender.rpartition('@')[2]}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text.body, charset="utf-8", cte="base64" if job.locale == "zh-CN" else "quoted-printable")
    return message.as_bytes()


@dataclass(frozen=True)
class SmtpServer:
    """Where e-mail goes out (`RECOVERY_SMTP_*`); `send` is one blocking SMTP transaction."""

    host: str
    port: int
    sender: str
    security: Security = "none"
    username: str | None = None
    password: SecretStr | None = field(default=None, repr=False)
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpServer:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout,
        )

    def send(self, to: str, content: bytes) -> str:
        """Hand `content` to the server for `to`; the server's final reply (`250 ...`).

        Raises smtplib's errors (their reply code says whether trying again may help) and OSError.
        Every socket operation has the timeout. Whatever the server says after accepting the
        message (its reply to QUIT) changes nothing: the message is sent.
        """
        # EHLO with the sender's domain: smtplib's default (socket.getfqdn()) may wait seconds on DNS.
        helo = self.sender.rpartition("@")[2]
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.security == "ssl":
            smtp = smtplib.SMTP_SSL(self.host, self.port, local_hostname=helo, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, local_hostname=helo, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username is not None and self.password is not None:
                smtp.login(self.username, self.password.get_secret_value())
            code, reply = smtp.mail(self.sender)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, self.sender)
            code, reply = smtp.rcpt(to)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
            code, reply = smtp.data(content)  # SMTPDataError unless 250
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
        return f"{code} {reply.decode('utf-8', 'replace')}"


def smtp_failure(exc: Exception) -> ApplicationError:
    """An SMTP failure as the workflow should see it: permanent ones non-retryable, by a clear type."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return _invalid(f"the SMTP server refused our credentials: {exc.smtp_code}", "SmtpAuthFailed")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return _invalid(f"the SMTP server does not offer what the settings ask for: {masked(str(exc))}",
                        "SmtpMisconfigured")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _invalid(f"the SMTP server's certificate cannot be verified: {exc.verify_message}", "SmtpMisconfigured")
    reply: bytes | str
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()), (0, b""))
        what = "refused the recipient"
    elif isinstance(exc, smtplib.SMTPSenderRefused):
        code, reply, what = exc.smtp_code, exc.smtp_error, "refused the sender (RECOVERY_SMTP_FROM)"
    elif isinstance(exc, smtplib.SMTPDataError):
        code, reply, what = exc.smtp_code, exc.smtp_error, "refused the message"
    elif isinstance(exc, (smtplib.SMTPConnectError, smtplib.SMTPHeloError)):
        return ApplicationError(f"the SMTP server is not accepting mail: {exc.smtp_code}", type="SmtpUnavailable")
    elif isinstance(exc, smtplib.SMTPResponseException):
        code, reply, what = exc.smtp_code, exc.smtp_error, "answered"
    else:  # refused or dropped connection, timeout, name not resolved, TLS broken off ...
        return ApplicationError(f"the SMTP server cannot be reached: {type(exc).__name__}", type="SmtpUnavailable")
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    message = f"the SMTP server {what}: {code} {masked(text)}"
    if 500 <= code < 600:
        return _invalid(message, "EmailRejected")
    return ApplicationError(message, type="EmailDeferred")  # 4xx: try again later


# ---- SMS -------------------------------------------------------------------------------------------
class SmsRejected(Exception):
    """The gateway refused this message for good (a number it cannot reach, an opt-out): do not retry."""


class SmsGateway(Protocol):
    """Sends one SMS (blocking); returns the gateway's receipt. Raises `SmsRejected` for a permanent
    refusal; anything else is taken as the gateway being unavailable (retried). `message_id` is the
    message's identity: a gateway that takes a client reference should pass it, to drop duplicates."""

    kind: str

    def send(self, *, message_id: str, to: str, text: str) -> str: ...


class LocalSmsGateway:
    """Sends nothing: appends what would be sent (id, number, text, when) as one JSON line to `path`.

    For the local stack and tests. The file and the folder it creates are the user's alone (0600,
    0700): they hold phone numbers. A message id already in the file is not appended again.
    Writers in several processes take turns (an exclusive lock on the file).
    """

    kind = "local"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def send(self, *, message_id: str, to: str, text: str) -> str:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "r+", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            for line in fh:
                try:
                    if json.loads(line).get("message_id") == message_id:
                        return f"recorded by the local gateway, not sent ({message_id}, earlier)"
                except (ValueError, AttributeError):
                    continue  # a torn line from a crash: never ours to judge
            entry = {"message_id": message_id, "to": to, "text": text,
                     "recorded_at": datetime.now(UTC).isoformat(timespec="seconds")}
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return f"recorded by the local gateway, not sent ({message_id})"


def sms_gateway(settings: Settings) -> SmsGateway:
    """The gateway of `RECOVERY_SMS_GATEWAY`."""
    if settings.sms_gateway == "local":
        return LocalSmsGateway(settings.sms_outbox_path)
    raise ValueError(f"unknown SMS gateway {settings.sms_gateway!r}")


def sms_failure(exc: Exception) -> ApplicationError:
    if isinstance(exc, SmsRejected):
        return _invalid(f"the SMS gateway refused the message: {masked(str(exc))}", "SmsRejected")
    # The exception's text may hold the number: only its type.
    return ApplicationError(f"the SMS gateway failed: {type(exc).__name__}", type="SmsGatewayUnavailable")


# ---- the activities --------------------------------------------------------------------------------
@dataclass
class _Unrecorded:
    sent: MessageSent
    to: str


class NotifyActivities:
    """The sending activities with their clients injected: the evidence store, the SMTP server, the SMS gateway."""

    def __init__(self, evidence: EvidenceStore, smtp: SmtpServer, sms: SmsGateway, api_url: str = "") -> None:
        self._evidence = evidence
        self._smtp = smtp
        self._sms = sms
        self._api_url = api_url  # the links in a firm's instruction e-mail
        # Sends of this process whose record is not stored yet (by record key): never sent twice from here.
        self._unrecorded: dict[str, _Unrecorded] = {}
        self._turns: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    @classmethod
    def from_settings(cls, settings: Settings, evidence: EvidenceStore) -> NotifyActivities:
        return cls(evidence, SmtpServer.from_settings(settings), sms_gateway(settings), settings.api_url())

    @activity.defn(name=SEND_EMAIL)
    async def send_email(self, job: EmailJob) -> MessageSent:
        """Store the reminder e-mail's exact bytes as evidence, then send them once through SMTP."""
        _check_identity(job.matter_id, job.message_id)
        try:
            to = recipient(job.to).addr_spec
            content = build_email(job, self._smtp.sender)
        except ValueError as exc:  # the address (never shown), or a header it makes
            raise _invalid(f"message {job.message_id}: the recipient is not an e-mail address we can send to "
                           f"({type(exc).__name__})", "EmailInvalid") from None
        return await self._deliver(
            "email", job.matter_id, job.message_id, email_key(job.matter_id, job.message_id), content,
            EMAIL_MEDIA_TYPE, to, lambda: self._smtp.send(to, content), smtp_failure, via="smtp",
        )

    @activity.defn(name=SEND_FIRM_EMAIL)
    async def send_firm_email(self, job: FirmEmailJob) -> MessageSent:
        """Store an e-mail to the law firm (instruction, reminder) as evidence, then send it once through SMTP."""
        _check_identity(job.matter_id, job.message_id)
        try:
            to = recipient(job.to).addr_spec
            content = build_firm_email(job, self._smtp.sender, self._api_url)
        except ValueError as exc:
            raise _invalid(f"message {job.message_id}: the firm's address is not one we can send to "
                           f"({type(exc).__name__})", "EmailInvalid") from None
        return await self._deliver(
            "email", job.matter_id, job.message_id, email_key(job.matter_id, job.message_id), content,
            EMAIL_MEDIA_TYPE, to, lambda: self._smtp.send(to, content), smtp_failure, via="smtp",
            kind=firm_email_kind(job),
        )

    @activity.defn(name=SEND_SMS)
    async def send_sms(self, job: SmsJob) -> MessageSent:
        """Store the reminder SMS's text as evidence, then hand it to the gateway once."""
        _check_identity(job.matter_id, job.message_id)
        to = job.to.strip()
        if not _PHONE.fullmatch(to):
            raise _invalid(f"message {job.message_id}: the recipient is not a phone number", "SmsInvalid")
        text = reminder_sms(job.facts, job.locale)
        return await self._deliver(
            "sms", job.matter_id, job.message_id, sms_key(job.matter_id, job.message_id), text.encode("utf-8"),
            SMS_MEDIA_TYPE, to, lambda: self._sms.send(message_id=job.message_id, to=to, text=text), sms_failure,
            via=self._sms.kind,
        )

    # ---- the common steps ----------------------------------------------------------------------
    async def _deliver(
        self,
        channel: Channel,
        matter_id: str,
        message_id: str,
        key: str,
        content: bytes,
        media_type: str,
        to: str,
        send: Callable[[], str],
        failure: Callable[[Exception], ApplicationError],
        *,
        via: str,
        kind: str = "payment_reminder",
    ) -> MessageSent:
        record_key = sent_key(matter_id, message_id)
        async with self._one_at_a_time(record_key):
            stored = await self._store(key, content, media_type, matter_id, message_id, channel, kind)
            pending = self._unrecorded.get(record_key)
            if pending is not None:  # sent from here, record not stored: store it now, send nothing
                log.info("%s %s was sent by an earlier attempt; storing its record", channel, message_id)
                return (await self._record(record_key, pending)).model_copy(update={"already_sent": True})
            recorded = await asyncio.to_thread(self._read_record, record_key)
            if recorded is not None:
                if recorded.sha256 != stored.sha256:  # cannot happen while the evidence key is write-once
                    raise _invalid(f"{record_key} records other bytes than {key}", "EvidenceConflict")
                log.info("%s %s was already sent at %s: not sending again", channel, message_id,
                         recorded.sent_at.isoformat())
                return recorded.model_copy(update={"already_sent": True})
            try:
                response = await asyncio.to_thread(send)
            except Exception as exc:
                error = failure(exc)
                log.warning("%s %s not sent: %s (%s)", channel, message_id, error.type, error.message)
                raise error from None  # the original may name the recipient
            sent = MessageSent(
                channel=channel, matter_id=matter_id, message_id=message_id, bucket=stored.bucket, key=stored.key,
                version_id=stored.version_id, sha256=stored.sha256, size=stored.size, sent_at=datetime.now(UTC),
                response=masked(response), via=via,
            )
            self._unrecorded[record_key] = _Unrecorded(sent, to)
            log.info("%s %s sent via %s: sha256 %s, reply %s", channel, message_id, via, stored.sha256,
                     sent.response[:3])
            return await self._record(record_key, self._unrecorded[record_key])

    async def _store(
        self, key: str, content: bytes, media_type: str, matter_id: str, message_id: str, channel: Channel,
        kind: str = "payment_reminder",
    ) -> StoredObject:
        metadata = {"matter-id": matter_id, "message-id": message_id, "channel": channel, "kind": kind}
        try:
            return await asyncio.to_thread(self._evidence.put_document, key, content, media_type, metadata)
        except EvidenceConflict as exc:
            # Other bytes under this message's key: the job (or RECOVERY_SMTP_FROM) changed since it was stored.
            raise _invalid(str(exc), "EvidenceConflict") from exc

    async def _record(self, record_key: str, pending: _Unrecorded) -> MessageSent:
        """Store the send record (write-once) and forget the pending send; the record that holds."""
        sent = pending.sent
        body = {**sent.model_dump(mode="json", exclude={"already_sent"}), "to": pending.to}
        content = json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8") + b"\n"
        metadata = {"matter-id": sent.matter_id, "message-id": sent.message_id, "channel": sent.channel,
                    "kind": "send_record"}
        try:
            await asyncio.to_thread(self._evidence.put_document, record_key, content, SENT_MEDIA_TYPE, metadata)
        except EvidenceConflict:
            # Another worker's attempt sent it too and recorded first (see the module doc): its record holds.
            self._unrecorded.pop(record_key, None)
            first = await asyncio.to_thread(self._read_record, record_key)
            log.warning("%s %s was sent by two attempts at once; the first record holds", sent.channel,
                        sent.message_id)
            if first is None:
                raise
            return first
        self._unrecorded.pop(record_key, None)
        return sent

    def _read_record(self, record_key: str) -> MessageSent | None:
        """The stored send record (its bytes verified against their SHA-256), or None."""
        client: Any = self._evidence.client
        try:
            head = client.head_object(Bucket=self._evidence.bucket, Key=record_key)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if str(error.get("Code", "")) in _MISSING or status == 404:
                return None
            raise
        sha256 = str(head.get("Metadata", {}).get(SHA256_METADATA, ""))
        content = self._evidence.get_verified(record_key, head.get("VersionId"), sha256)
        return MessageSent.model_validate(json.loads(content))

    @contextlib.asynccontextmanager
    async def _one_at_a_time(self, name: str) -> AsyncIterator[None]:
        """Attempts of one message in this process take turns (a timed-out attempt may still be running)."""
        lock, users = self._turns.setdefault(name, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                self._turns.pop(name, None)
