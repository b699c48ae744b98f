"""The web application's tables: people (`users`), their browser sessions, failed logins, and bulk imports.
Part of the projection's schema (`store.models` re-exports them; one Alembic history covers both)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from store.models import API_ROLES, Base, _in

USER_LANGUAGES: tuple[str, ...] = ("zh-CN", "en")


class User(Base):
    """A person who logs in to the web application: a name, a role (`API_ROLES`; a partner is bound to one
    firm), the language pages default to, and the password's argon2id hash (`store.users`), never the password.
    `disabled_at`: the person may no longer log in (their sessions end at once)."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", API_ROLES), name="role"),
        CheckConstraint(_in("language", USER_LANGUAGES), name="language"),
        CheckConstraint(
            "(role = 'partner' AND firm IS NOT NULL) OR (role <> 'partner' AND firm IS NULL)",
            name="partner_firm",
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # stored lower-case
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    firm: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="zh-CN")
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # A password someone else chose (a one-time password): the person sets their own before anything else.
    password_change_due: Mapped[bool] = mapped_column(default=False, server_default=false())

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, username={self.username!r}, role={self.role!r})"


class WebSession(Base):
    """A logged-in browser: only the SHA-256 of its cookie's token is kept, with the CSRF token its forms carry."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie's token
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="zh-CN")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class LoginFailure(Base):
    """A failed login (the username tried, lower-case, and the client's address): what rate-limits the next."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)


IMPORT_STATUSES: tuple[str, ...] = ("running", "finished")


class ImportJob(Base):
    """A bulk import (the web's import page, `store.imports`): who started it, from which file, and how far it
    got: `done` rows handled (of which `already` were open before), `failed` rows, out of `total`. `runner` is
    the process running it and `updated_at` its last sign of life: a `running` job whose runner is gone was
    interrupted (a restart), and uploading the file again is safe (a matter opens once per external_ref).
    `problems`: the rows refused while opening, as a JSON list of [line, column, reason] (never a cell's value)."""

    __tablename__ = "import_jobs"
    __table_args__ = (CheckConstraint(_in("status", IMPORT_STATUSES), name="status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    already: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[str] = mapped_column(Text, default="[]")
    runner: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
