"""The web application for people (issue 11). Server-rendered (Jinja2, autoescaped); each area is a module:
`auth` (log in and out, language, users), `pages` (worklist, a matter and its forms, approvals), and those
included below.

- People log in with a username and password (`store/users.py`: argon2id, a one-time password to start, which
  they replace with their own before any other page: `password`);
  the session is an HttpOnly, SameSite=Lax cookie (`rc_session`, Secure when the public URL is https).
- Every form that changes anything carries the session's CSRF token; the login form a token of its own
  (a double-submit cookie), so a forged login is refused too. Failed logins are rate-limited.
- Pages read and act through the JSON API in-process, with the person's session: every object rule of the
  API holds on every page (a partner sees only its firm's matters; anything else is a 404).
"""

from __future__ import annotations

from fastapi import APIRouter

from api.web import auth, dashboard, forms, imports, pages, password
from api.web.common import LOGIN_COOKIE

router = APIRouter()
for _module in (auth, password, pages, forms, imports, dashboard):
    router.include_router(_module.router)

__all__ = ["LOGIN_COOKIE", "router"]
