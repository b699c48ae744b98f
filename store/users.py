"""People who log in to the web application, their sessions, and the rate limit on logging in.

- A user has a username (kept lower-case), a display name, a role (`legal_team`, `manager`, `partner`, a
  partner bound to one firm on record), the language pages default to, and an argon2id hash of the password
  (argon2-cffi's defaults: RFC 9106 low-memory profile). A new user gets a one-time password, shown once.
- A session is a random token in an HttpOnly cookie; the database keeps its SHA-256 and the CSRF token the
  session's forms carry. It lasts `SESSION_HOURS` and ends at logout or when the user is disabled.
- Logging in is refused without checking the password after `MAX_FAILURES_PER_USER` failures for a username,
  or `MAX_FAILURES_PER_ADDRESS` from one address, within `FAILURE_WINDOW` (so a password cannot be guessed by
  trying); a success does not clear them (the window does).

These functions run inside the caller's transaction and only flush; committing is the caller's job.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.apikeys import validate_role
from store.models import USER_LANGUAGES, Firm, LoginFailure, User, WebSession

SESSION_HOURS = 12
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()  # argon2id


# A password's bounds, and the reasons a change of password is refused (the web page says them in its language).
MIN_PASSWORD, MAX_PASSWORD = 12, 1024
TOO_SHORT, TOO_LONG = f"at least {MIN_PASSWORD} characters", f"at most {MAX_PASSWORD} characters"
WRONG_PASSWORD = "not the current password"
# Why a session opened with a one-time password is refused everywhere but the password page (API, codec).
ONE_TIME_PASSWORD = "the password is a one-time password: choose your own at /app/password first"
SAME_PASSWORD = "the same as the current password: choose another"


def _verified(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class UserError(ValueError):
    """A user that cannot be created as asked: `field` names what is wrong."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


class LoginRefused(Exception):
    """Too many failures: try again later (`retry_after` seconds)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many failed logins: try again later")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Login:
    """A session begun: the cookie's token (shown to the browser only) and the session's CSRF token."""

    token: str
    csrf_token: str
    user: User


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def one_time_password() -> str:
    """A password to give a new user once (16 characters, about 95 bits)."""
    return secrets.token_urlsafe(12)


async def create_user(session: AsyncSession, *, username: str, display_name: str, role: str,
                      firm: str | None = None, language: str = "zh-CN", password: str | None = None,
                      now: datetime | None = None) -> tuple[str, User]:
    """A new user and its password (the one given, or a one-time one, which the person must replace at their
    first login): show the password once."""
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise UserError("username", "2 to 64 characters: lower-case letters, digits, '.', '_' or '-', starting "
                                    "with a letter or digit")
    if not display_name.strip() or len(display_name) > 200:
        raise UserError("display_name", "the person's name, 1 to 200 characters")
    if language not in USER_LANGUAGES:
        raise UserError("language", f"one of {', '.join(USER_LANGUAGES)}")
    try:
        validate_role(role, firm)
    except ValueError as exc:
        raise UserError("firm" if "firm" in str(exc) else "role", str(exc)) from None
    if firm is not None:
        row_firm = await session.get(Firm, firm.strip())
        if row_firm is None or row_firm.disabled_at is not None:
            raise UserError("firm", f"no firm {firm.strip()!r} on record that takes partners")
    if await session.scalar(select(User.id).where(User.username == name)) is not None:
        raise UserError("username", f"{name!r} is taken")
    secret = password or one_time_password()
    if len(secret) < MIN_PASSWORD:
        raise UserError("password", TOO_SHORT)
    row = User(id=uuid.uuid4().hex, username=name, display_name=display_name.strip(), role=role,
               firm=firm.strip() if firm else None, language=language, password_hash=_hasher.hash(secret),
               created_at=now or datetime.now(UTC), disabled_at=None, last_login_at=None,
               password_change_due=password is None)
    session.add(row)
    await session.flush()
    return secret, row


async def _failures(session: AsyncSession, by: str, value: str, since: datetime) -> int:
    column = LoginFailure.username if by == "username" else LoginFailure.address
    count = await session.scalar(select(func.count()).select_from(LoginFailure).where(
        column == value, LoginFailure.at >= since))
    return int(count or 0)


async def log_in(session: AsyncSession, username: str, password: str, address: str,
                 now: datetime | None = None) -> Login | None:
    """A session for the user if the password is right (None if not, recorded as a failure); `LoginRefused`
    without checking anything when the username or the address has failed too often lately."""
    now = now or datetime.now(UTC)
    name, address = username.strip().lower()[:64], address[:64]
    since = now - FAILURE_WINDOW
    if (await _failures(session, "username", name, since) >= MAX_FAILURES_PER_USER
            or await _failures(session, "address", address, since) >= MAX_FAILURES_PER_ADDRESS):
        raise LoginRefused(int(FAILURE_WINDOW.total_seconds()))
    user = await session.scalar(select(User).where(User.username == name))
    ok = False
    if user is not None and user.disabled_at is None:
        ok = _verified(user, password)
    else:
        _hasher.hash(password or "-")  # the same work for an unknown name: timing tells nothing
    if not ok or user is None:
        session.add(LoginFailure(username=name, address=address, at=now))
        await session.flush()
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(WebSession(id=hash_token(token), user_id=user.id, csrf_token=csrf, language=user.language,
                           created_at=now, expires_at=now + timedelta(hours=SESSION_HOURS), ended_at=None))
    await session.flush()
    return Login(token=token, csrf_token=csrf, user=user)


async def current(session: AsyncSession, token: str | None,
                  now: datetime | None = None) -> tuple[User, WebSession] | None:
    """The user and session a cookie's token belongs to, if it is live and the user is not disabled."""
    if not token or len(token) > 200:
        return None
    now = now or datetime.now(UTC)
    found = (await session.execute(
        select(User, WebSession).join(WebSession, WebSession.user_id == User.id).where(
            WebSession.id == hash_token(token), WebSession.ended_at.is_(None), WebSession.expires_at > now,
            User.disabled_at.is_(None)))).first()
    return (found[0], found[1]) if found is not None else None


async def log_out(session: AsyncSession, token: str | None, now: datetime | None = None) -> None:
    if token:
        await session.execute(update(WebSession).where(WebSession.id == hash_token(token)).values(
            ended_at=now or datetime.now(UTC)))


async def change_password(session: AsyncSession, user_id: str, current_session: str, current: str, new: str,
                          now: datetime | None = None) -> None:
    """The person's own password, replacing `current` (checked): at least 12 characters, not the one it replaces.
    Every other session of theirs ends (one opened with the old password elsewhere); `UserError` names the field."""
    user = await session.get(User, user_id)
    if user is None or user.disabled_at is not None:
        raise UserError("current_password", "no such person")
    if not _verified(user, current):
        raise UserError("current_password", WRONG_PASSWORD)
    if len(new) < MIN_PASSWORD:
        raise UserError("new_password", TOO_SHORT)
    if len(new) > MAX_PASSWORD:
        raise UserError("new_password", TOO_LONG)
    if new == current:
        raise UserError("new_password", SAME_PASSWORD)
    user.password_hash = _hasher.hash(new)
    user.password_change_due = False
    await session.execute(update(WebSession).where(
        WebSession.user_id == user_id, WebSession.ended_at.is_(None), WebSession.id != current_session,
    ).values(ended_at=now or datetime.now(UTC)))
    await session.flush()


async def disable_user(session: AsyncSession, user_id: str, now: datetime | None = None) -> User | None:
    """Disable the user and end every session of theirs (None: no such user)."""
    now = now or datetime.now(UTC)
    user = await session.get(User, user_id)
    if user is None:
        return None
    if user.disabled_at is None:
        user.disabled_at = now
    await session.execute(update(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
                          .values(ended_at=now))
    await session.flush()
    return user


async def list_users(session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(User.created_at, User.id)))


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


__all__ = ["FAILURE_WINDOW", "MAX_FAILURES_PER_ADDRESS", "MAX_FAILURES_PER_USER", "SESSION_HOURS", "Login",
           "LoginRefused", "UserError", "count_users", "create_user", "current", "disable_user", "hash_token",
           "list_users", "log_in", "log_out", "one_time_password"]
