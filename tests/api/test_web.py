"""The web application's people and sessions on the real stack (issue 11, first part): logging in (argon2id,
a one-time password), the session cookie (HttpOnly, SameSite), CSRF on every change (the login form's own
token, the session's token on forms and on the JSON API used with the cookie), the rate limit on failed logins,
the worklist scoped like the API (a partner sees its firm's matters only), the manager's users page (add with a
one-time password, disable: their sessions end), the language switch, logging out."""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

import httpx
import pytest

from api.web.i18n import WORDS
from store import users
from store.db import write_session
from tests.api.conftest import FIRM_A, Stack, eventually


def test_every_word_is_in_both_languages() -> None:
    assert set(WORDS["en"]) == set(WORDS["zh-CN"])
    assert all(v.strip() for lang in WORDS.values() for v in lang.values())


async def person(stack: Stack, role: str, firm: str | None = None) -> tuple[str, str]:
    name = f"{role[:3]}-{uuid.uuid4().hex[:8]}"
    async with write_session(stack.sessions) as session:
        # A password of the person's own (a one-time one is replaced first: tests/api/test_web_password.py).
        password, _ = await users.create_user(session, username=name, display_name=f"Test {role}", role=role,
                                              firm=firm, language="en", password=secrets.token_urlsafe(16))
    return name, password


def browser(stack: Stack) -> httpx.AsyncClient:
    """A client of its own (its own cookie jar), on the stack's app."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="http://api.test", timeout=60)


async def log_in(web: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    form = await web.get("/app/login?lang=en")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert form.status_code == 200 and token, form.text
    return await web.post("/app/login", data={"login_token": token.group(1), "username": username,
                                              "password": password})


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


async def test_a_person_logs_in_works_with_the_session_and_logs_out(stack: Stack) -> None:
    username, password = await person(stack, "legal_team")
    async with browser(stack) as web:
        assert (await web.get("/app/", follow_redirects=False)).headers["location"] == "/app/login"
        bad = await log_in(web, username, "not the password")
        assert bad.status_code == 401 and "Wrong username or password" in bad.text
        done = await log_in(web, username, password)
        assert done.status_code == 303 and done.headers["location"] == "/app/"
        cookie = next(v for k, v in done.headers.multi_items() if k == "set-cookie" and v.startswith("rc_session="))
        assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
        mine = await stack.open("web-matter")
        page = await web.get("/app/")
        assert page.status_code == 200 and "<h1>Worklist</h1>" in page.text and "Test legal_team" in page.text
        matter = await web.get(f"/app/matters/{mine['id']}")
        # (its id: the reference shows once the projection has the matter, a moment after it opens)
        assert matter.status_code == 200 and mine["id"] in matter.text and "Principal" in matter.text
        csrf = csrf_of(page.text)
        # The JSON API with the session: reads as the person; a change needs the session's CSRF token.
        assert (await web.get("/matters")).status_code == 200
        forged = await web.post("/matters", json={})
        assert forged.status_code == 403 and "CSRF" in forged.text
        assert (await web.post("/matters", json={}, headers={"X-CSRF-Token": csrf})).status_code == 422
        # The language switch (a form with the token), then out.
        assert (await web.post("/app/language", data={"csrf_token": "wrong", "to": "zh-CN"})).status_code == 403
        switched = await web.post("/app/language", data={"csrf_token": csrf, "to": "zh-CN"}, follow_redirects=True)
        assert "<h1>工作清单</h1>" in switched.text and '<html lang="zh-CN">' in switched.text
        out = await web.post("/app/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert out.status_code == 303
        old = done.cookies.get("rc_session")
    async with browser(stack) as other:  # the old cookie is dead
        other.cookies.set("rc_session", old or "")
        assert (await other.get("/matters")).status_code == 401


async def test_a_forged_login_and_too_many_failures_are_refused(stack: Stack) -> None:
    username, password = await person(stack, "manager")
    async with browser(stack) as web:
        forged = await web.post("/app/login", data={"login_token": "x", "username": username, "password": password})
        assert forged.status_code == 403  # no login form of ours behind it
        for _ in range(users.MAX_FAILURES_PER_USER):
            assert (await log_in(web, username, "wrong password!")).status_code == 401
        refused = await log_in(web, username, password)  # the right one: refused all the same, for now
        assert refused.status_code == 429 and "Too many failed logins" in refused.text
        assert int(refused.headers["retry-after"]) > 0


async def test_a_partner_sees_only_its_firm_s_matters(stack: Stack) -> None:
    staff = await stack.open("web-staff-only")
    username, password = await person(stack, "partner", firm=FIRM_A)
    async with browser(stack) as web:
        assert (await log_in(web, username, password)).status_code == 303
        page = await web.get("/app/")
        assert page.status_code == 200 and "<h1>Referred matters</h1>" in page.text
        assert staff["id"] not in page.text
        assert (await web.get(f"/matters/{staff['id']}")).status_code == 404  # as the API says
        hidden = await web.get(f"/app/matters/{staff['id']}")
        assert hidden.status_code == 404 and "Not found." in hidden.text
        assert (await web.get("/app/users")).status_code == 403


@pytest.mark.parametrize("lang", ["en"])
async def test_the_manager_adds_and_disables_people(stack: Stack, lang: str) -> None:
    username, password = await person(stack, "manager")
    async with browser(stack) as web, browser(stack) as newcomer:
        assert (await log_in(web, username, password)).status_code == 303
        page = await web.get("/app/users")
        assert page.status_code == 200 and username in page.text
        csrf = csrf_of(page.text)
        name = f"new-{uuid.uuid4().hex[:6]}"
        bad = await web.post("/app/users", data={"csrf_token": csrf, "username": "No Spaces", "display_name": "X",
                                                 "role": "legal_team", "language": lang})
        assert bad.status_code == 422 and "username:" in bad.text
        added = await web.post("/app/users", data={"csrf_token": csrf, "username": name, "display_name": "New One",
                                                   "role": "legal_team", "firm": "", "language": lang})
        assert added.status_code == 201, added.text
        one_time = re.search(rf"One-time password for {name}: (\S+) ", added.text)
        assert one_time, added.text
        assert (await log_in(newcomer, name, one_time.group(1))).status_code == 303
        first = await newcomer.get("/app/")  # their own password before anything else
        assert first.status_code == 303 and first.headers["location"] == "/app/password"
        user_id = await _user_id(stack, name)
        gone = await web.post(f"/app/users/{user_id}/disable", data={"csrf_token": csrf}, follow_redirects=False)
        assert gone.status_code == 303
        assert (await newcomer.get("/app/", follow_redirects=False)).status_code == 303  # their session ended
        assert (await log_in(newcomer, name, one_time.group(1))).status_code == 401


async def _user_id(stack: Stack, username: str) -> Any:
    async with stack.sessions() as session:
        rows = await users.list_users(session)
    return next(u.id for u in rows if u.username == username)


async def test_the_team_records_a_payment_and_a_promise_from_the_matter_page(stack: Stack) -> None:
    from datetime import date, timedelta

    username, password = await person(stack, "legal_team")
    m = await stack.open("web-actions")
    async with browser(stack) as web:
        assert (await log_in(web, username, password)).status_code == 303
        page = await web.get(f"/app/matters/{m['id']}")
        assert page.status_code == 200 and "Record a payment" in page.text
        csrf, command = csrf_of(page.text), re.search(r'name="command" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:/-]*", command), command  # an id the API takes, every time
        forged = await web.post(f"/app/matters/{m['id']}/actions/payment",
                                data={"csrf_token": "x", "command": command, "amount": "1", "currency": "CNY"})
        assert forged.status_code == 403
        bad = await web.post(f"/app/matters/{m['id']}/actions/payment", data={
            "csrf_token": csrf, "command": command, "amount": "abc", "currency": "CNY",
            "received_on": date.today().isoformat()})
        assert bad.status_code == 422 and "amount.amount" in bad.text, bad.text
        paid = await web.post(f"/app/matters/{m['id']}/actions/payment", data={
            "csrf_token": csrf, "command": command, "amount": "250.00", "currency": "CNY",
            "received_on": date.today().isoformat()}, follow_redirects=True)
        assert paid.status_code == 200 and "Payment recorded." in paid.text, paid.text
        assert "CNY 250.00" in paid.text  # read from the workflow just after: the payment it confirms is there
        again = await web.post(f"/app/matters/{m['id']}/actions/payment", data={  # the same form sent twice
            "csrf_token": csrf, "command": command, "amount": "250.00", "currency": "CNY",
            "received_on": date.today().isoformat()}, follow_redirects=True)
        assert again.status_code == 200
        detail = await stack.detail(m["id"])
        assert detail["paid_total"] == {"amount": "250.00", "currency": "CNY"}  # once
        promised = await web.post(f"/app/matters/{m['id']}/actions/promise", data={
            "csrf_token": csrf, "command": command, "amount": "500.00", "currency": "CNY",
            "due_on": (date.fromisoformat(detail["policy_today"]) + timedelta(days=7)).isoformat(), "note": "salary"},
            follow_redirects=True)
        assert promised.status_code == 200 and "Promise recorded." in promised.text, promised.text


async def test_a_partner_accepts_a_referral_from_the_matter_page(stack: Stack) -> None:
    m = await stack.open_fast("web-referral")
    await stack.refer(m["id"], FIRM_A)
    username, password = await person(stack, "partner", firm=FIRM_A)
    async with browser(stack) as web:
        assert (await log_in(web, username, password)).status_code == 303
        page = await web.get(f"/app/matters/{m['id']}")
        assert page.status_code == 200 and "Accept the referral" in page.text
        done = await web.post(f"/app/matters/{m['id']}/actions/accept",
                              data={"csrf_token": csrf_of(page.text), "note": "we take it"}, follow_redirects=True)
        assert done.status_code == 200 and "Referral accepted." in done.text
        assert (await stack.detail(m["id"]))["referral"]["status"] in ("accepted", "instructed")


async def test_a_manager_approves_a_settlement_from_the_approvals_queue(stack: Stack) -> None:
    from datetime import date, timedelta
    from decimal import Decimal

    from tests.api.test_money_api import ZERO_RATE, cny

    m = await stack.open("web-settle", contract=ZERO_RATE)
    d = await stack.detail(m["id"])
    payable = Decimal(d["outstanding"]["amount"]) - Decimal("218.00")
    terms = {"waivers": {"penalty": cny("218.00")}, "instalments": [{
        "number": 1, "due_on": (date.fromisoformat(d["policy_today"]) + timedelta(days=400)).isoformat(),
        "amount": cny(str(payable))}]}
    r = await stack.http.post(f"/matters/{m['id']}/settlements", json=terms,
                              headers={**stack.auth("legal_team"), "Idempotency-Key": f"{stack.prefix}-WS"})
    assert r.status_code == 201, r.text
    proposal = r.json()["arrangement"]["proposal_id"]
    username, password = await person(stack, "manager")
    async with browser(stack) as web:
        assert (await log_in(web, username, password)).status_code == 303
        async def queued() -> Any:  # (the queue reads the projection: the proposal is listed once it is written)
            got = await web.get("/app/approvals")
            return got if got.status_code == 200 and m["external_ref"] in got.text else None

        page = await eventually(queued)
        assert "Settlement" in page.text
        assert "art. 695" in page.text  # its warnings, with the facts
        action = f"/app/approvals/{m['id']}/settlement/{proposal}"
        assert (await web.post(action, data={"csrf_token": "x", "decision": "approve"})).status_code == 403
        form = page.text.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
        command = re.search(r'name="command" value="([^"]+)"', form)
        assert command, form
        sent = {"csrf_token": csrf_of(page.text), "decision": "approve", "note": "ok", "command": command.group(1)}
        done = await web.post(action, data=sent)
        assert done.status_code == 200 and "Decision recorded." in done.text, done.text
        assert action not in done.text  # the proposal just decided is not offered again (the queue lags a moment)
        again = await web.post(action, data=sent)  # the same form sent twice (a double click): recorded once
        assert again.status_code == 200 and "Decision recorded." in again.text, again.text
    status = (await stack.http.get(f"/matters/{m['id']}", headers=stack.auth("manager"))).json()
    assert status["stage"] in ("negotiation", "amendment", "reminders", "notice", "legal_review"), status


async def test_a_token_of_any_text_or_a_body_too_large_is_refused_not_an_error(stack: Stack) -> None:
    """A CSRF token that is not ASCII (in a form or in the API's header) is a refusal, not a server error; a
    form body over the limit is not read (its token missing: refused)."""
    username, password = await person(stack, "legal_team")
    async with browser(stack) as web:
        assert (await log_in(web, username, password)).status_code == 303
        r = await web.post("/app/language", data={"csrf_token": "ü-不是", "to": "en"})
        assert r.status_code == 403, r.text
        r = await web.post("/matters/x/holds", json={}, headers={"X-CSRF-Token": "ü".encode("latin-1")})
        assert r.status_code == 403, r.text
        csrf = csrf_of((await web.get("/app/")).text)
        big = await web.post("/app/language", data={"csrf_token": csrf, "to": "en", "pad": "x" * 70_000})
        assert big.status_code == 403
        ok = await web.post("/app/language", data={"csrf_token": csrf, "to": "en"})
        assert ok.status_code == 303
