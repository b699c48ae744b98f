"""A one-time password is replaced at the first login: no other page (nor the API with the session) until the
person has chosen their own; the change refuses a wrong current password, a short one, the same one or two that
differ, by field; once changed the old password no longer logs in and the person's other sessions have ended."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from store import users
from store.db import write_session
from store.models import User
from tests.api.conftest import Stack
from tests.api.test_web import browser, csrf_of, log_in


async def newcomer(stack: Stack, language: str = "en") -> tuple[str, str]:
    name = f"otp-{uuid.uuid4().hex[:8]}"
    async with write_session(stack.sessions) as session:
        password, _ = await users.create_user(session, username=name, display_name="New Person", role="legal_team",
                                              language=language)  # no password given: a one-time one
    return name, password


async def test_a_one_time_password_is_replaced_before_anything_else(stack: Stack) -> None:
    name, one_time = await newcomer(stack)
    async with browser(stack) as web, browser(stack) as elsewhere:
        assert (await log_in(web, name, one_time)).status_code == 303
        assert (await log_in(elsewhere, name, one_time)).status_code == 303  # a second session, on another device
        for path in ("/app/", "/app/approvals", "/app/import", "/app/matters/x", "/app/login"):
            r = await web.get(path)
            assert r.status_code == 303 and r.headers["location"] == "/app/password", (path, r.status_code)
        api = await web.get("/matters")  # the JSON API with the session cookie: refused too
        assert api.status_code == 403 and "/app/password" in api.text
        page = await web.get("/app/password")
        assert page.status_code == 200 and "one-time password" in page.text
        csrf = csrf_of(page.text)

        async def change(current: str, new: str, confirm: str | None = None, token: str = csrf) -> tuple[int, str]:
            r = await web.post("/app/password", data={"csrf_token": token, "current_password": current,
                                                      "new_password": new, "confirm_password": confirm or new})
            return r.status_code, r.text

        mine = "correct horse battery staple"
        code, text = await change("not it at all", mine)
        assert code == 422 and 'href="#pw-current_password"' in text and "not your current password" in text
        code, text = await change(one_time, "short")
        assert code == 422 and 'href="#pw-new_password"' in text and "at least 12 characters" in text
        code, text = await change(one_time, one_time)
        assert code == 422 and "the same as the current password" in text
        code, text = await change(one_time, mine, confirm=mine + "!")
        assert code == 422 and 'href="#pw-confirm_password"' in text and "differ" in text
        assert (await change(one_time, mine, token="forged"))[0] == 403
        r = await web.post("/app/password", data={"csrf_token": csrf, "current_password": one_time,
                                                  "new_password": mine, "confirm_password": mine})
        assert r.status_code == 303 and r.headers["location"] == "/app/"
        assert (await web.get("/app/")).status_code == 200
        assert (await web.get("/matters")).status_code == 200
        # The other session ended with the old password; the old password logs in no more, the new one does.
        assert (await elsewhere.get("/app/")).status_code == 303
        assert (await elsewhere.get("/app/")).headers["location"].startswith("/app/login")
    async with browser(stack) as again:
        assert (await log_in(again, name, one_time)).status_code == 401
        assert (await log_in(again, name, mine)).status_code == 303
        assert (await again.get("/app/")).status_code == 200
        # Changed again later, from the header's link: the page says so and stays.
        page = await again.get("/app/password")
        assert page.status_code == 200 and "one-time password" not in page.text
        r = await again.post("/app/password", data={"csrf_token": csrf_of(page.text), "current_password": mine,
                                                    "new_password": mine + " too", "confirm_password": mine + " too"})
        assert r.status_code == 303 and r.headers["location"] == "/app/password?done=1"


async def test_the_password_page_is_in_chinese_for_a_chinese_person(stack: Stack) -> None:
    name, one_time = await newcomer(stack, language="zh-CN")
    async with browser(stack) as web:
        assert (await log_in(web, name, one_time)).status_code == 303
        page = await web.get("/app/password")
        assert page.status_code == 200 and "一次性密码" in page.text and "当前密码" in page.text
        r = await web.post("/app/password", data={"csrf_token": csrf_of(page.text), "current_password": "wrong one",
                                                  "new_password": "x" * 12, "confirm_password": "x" * 12})
        assert r.status_code == 422 and "当前密码不正确" in r.text


async def test_a_password_too_long_is_refused_and_a_disabled_person_cannot_change_theirs(stack: Stack) -> None:
    name, one_time = await newcomer(stack)
    async with browser(stack) as web:
        assert (await log_in(web, name, one_time)).status_code == 303
        csrf = csrf_of((await web.get("/app/password")).text)
        long = "x" * 1025
        r = await web.post("/app/password", data={"csrf_token": csrf, "current_password": one_time,
                                                  "new_password": long, "confirm_password": long})
        assert r.status_code == 422 and 'href="#pw-new_password"' in r.text and "at most 1024 characters" in r.text
        # Disabled meanwhile: the session has ended, the change is not made, the one-time password stays refused.
        async with write_session(stack.sessions) as session:
            user = await session.scalar(select(User).where(User.username == name))
            assert user is not None
            await users.disable_user(session, user.id)
        mine = "correct horse battery staple"
        r = await web.post("/app/password", data={"csrf_token": csrf, "current_password": one_time,
                                                  "new_password": mine, "confirm_password": mine})
        assert r.status_code == 303 and r.headers["location"].startswith("/app/login")
    async with browser(stack) as again:
        assert (await log_in(again, name, mine)).status_code == 401
