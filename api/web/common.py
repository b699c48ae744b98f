"""What every page of the web application shares: the person signed in, the page, the API call as them,
the form, its CSRF token, and the API's refusals as lines."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import httpx
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.bodies import read_capped
from api.deps import CSRF_HEADER, SESSION_COOKIE
from api.history_zh import in_language
from api.web.i18n import LANGUAGES, words
from documents.registry import TITLES
from store import users
from store.models import User, WebSession

LOGIN_COOKIE = "rc_login"  # the login form's double-submit token
BUCKETS = {"1-30": (1, 30), "31-60": (31, 60), "61-90": (61, 90), "90+": (91, None)}
PAGE = 25

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def history_lang(language: str) -> str:
    """The language the API gives the system's own sentences in for a page in `language` (as `render` shows it:
    an unknown one is Chinese): "zh" or "en"."""
    return "zh" if (language if language in LANGUAGES else "zh-CN").startswith("zh") else "en"


# `{{ sentence | in_language(lang) }}`: one of the workflow's English sentences (a next step) in the page's language.
templates.env.filters["in_language"] = lambda text, language: in_language(text, history_lang(language))
# `{{ d.kind | letter_title(lang) }}`: a letter's kind by the title it carries in the page's language.
templates.env.filters["letter_title"] = lambda kind, language: TITLES.get(
    language if language in TITLES else "zh-CN", {}).get(kind, kind.replace("_", " "))


FORM_MAX = 65536  # bytes: the largest form body a page sends (the import's pasted text has its own limit)


def parse_form(raw: bytes) -> dict[str, str]:
    """An application/x-www-form-urlencoded body, one value per field."""
    return {k: v[0] for k, v in parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True).items()}


async def read_form(request: Request) -> dict[str, str]:
    """The form a page sent (the only kind these forms send); a body over FORM_MAX is not read and reads as empty
    (its token missing: refused)."""
    return parse_form(await read_capped(request, FORM_MAX) or b"")


def is_secure(request: Request) -> bool:
    return str(request.app.state.settings.api_url()).startswith("https://")


class PasswordChangeDue(Exception):
    """A page asked for by someone whose password is a one-time one: they choose their own first."""


# What a person whose password is a one-time one may still reach.
PASSWORD_PATHS = frozenset({"/app/password", "/app/logout", "/app/language"})


async def signed_in(request: Request) -> tuple[User, WebSession] | None:
    """The person of the session cookie (None: nobody); `PasswordChangeDue` (answered by a redirect to the password
    page) for anything but that page while their password is a one-time one."""
    async with request.app.state.sessionmaker() as session:
        found = await users.current(session, request.cookies.get(SESSION_COOKIE))
        await session.commit()
    if found is not None and found[0].password_change_due and request.url.path not in PASSWORD_PATHS:
        raise PasswordChangeDue
    return found


async def to_password_page(request: Request, exc: Exception) -> Response:
    return RedirectResponse("/app/password", status_code=303)


def render(request: Request, name: str, me: User | None, web: WebSession | None, status_code: int = 200,
          language: str | None = None, **context: Any) -> HTMLResponse:
    lang = web.language if web is not None else language or request.cookies.get("rc_lang", "zh-CN")
    lang = lang if lang in LANGUAGES else "zh-CN"
    return templates.TemplateResponse(request, name, {"me": me, "csrf": web.csrf_token if web else "", "lang": lang,
                                                      "w": words(lang), **context}, status_code=status_code)


def matter_path(matter_id: str) -> str:
    """The API path of a matter named in a page's URL (quoted, and cut to the longest id the API takes)."""
    return "/matters/" + quote(matter_id[:100], safe="")


def forbidden_page(request: Request, web: WebSession) -> HTMLResponse:
    """A form refused (no session token, or not this person's to send): the login page's frame, 403."""
    return render(request, "login.html", None, None, 403, login_token="", username="",
                  error=words(web.language)["forbidden"])


def to_login() -> RedirectResponse:
    return RedirectResponse("/app/login", status_code=303)


async def call_api(request: Request, method: str, path: str, web: WebSession | None = None,
               **kw: Any) -> httpx.Response:
    """The JSON API, in-process, as the logged-in person (a change carries the session's CSRF token)."""
    headers = {**kw.pop("headers", {}), **({CSRF_HEADER: web.csrf_token} if web is not None else {})}
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://web.internal",
                                 cookies={SESSION_COOKIE: request.cookies.get(SESSION_COOKIE, "")}) as client:
        return await client.request(method, path, headers=headers, **kw)


def token_ok(token: str, web: WebSession) -> bool:
    """Whether `token` is the session's CSRF token (compared as bytes: any text a request sends, in constant time)."""
    return secrets.compare_digest(token.encode("utf-8"), web.csrf_token.encode("utf-8"))


def csrf_ok(form: dict[str, str], web: WebSession) -> bool:
    return token_ok(form.get("csrf_token", ""), web)



async def manager_only(request: Request) -> tuple[User, WebSession] | Response:
    found = await signed_in(request)
    if found is None:
        return to_login()
    if found[0].role != "manager":
        return render(request, "forbidden.html", found[0], found[1], 403, error=words(found[1].language)["forbidden"])
    return found
