"""The history's `what` and the next step in the reader's language: `GET /matters/{id}/history?lang=` (en as
recorded, zh through `api.history_zh.in_language`), and the web pages asking for it in the person's language.

Whatever the translator says, the API and the pages must say the same: each check compares with `in_language`
of the English text, matched by event (the demo policy moves a day a second, so nothing depends on the clock).
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from markupsafe import escape

from api.history_zh import in_language
from api.web.common import history_lang, templates
from store import users
from store.db import write_session
from tests.api.conftest import Stack, eventually
from tests.api.test_web import browser, log_in


async def _history(stack: Stack, matter_id: str, **params: Any) -> Any:
    return await stack.http.get(f"/matters/{matter_id}/history", params=params, headers=stack.auth("manager"))


async def _opened(stack: Stack, name: str) -> tuple[str, dict[str, Any]]:
    """A new demo matter, once its history has the "Matter opened by key ..." line: (its id, that entry)."""
    matter_id = (await stack.open(name))["id"]

    async def opened() -> Any:
        r = await _history(stack, matter_id, limit=20)
        return r.status_code == 200 and next((e for e in r.json()["data"] if e["kind"] == "opened"), None)

    return matter_id, await eventually(opened, timeout=30)


def _by_event(body: dict[str, Any]) -> dict[tuple[str, int], str]:
    return {(e["run_id"], e["event_id"]): e["what"] for e in body["data"]}


async def test_an_unknown_language_is_refused_naming_the_parameter(stack: Stack) -> None:
    matter_id = (await stack.open("hist-lang-fr"))["id"]
    r = await _history(stack, matter_id, lang="fr")
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["detail"]] == [["query", "lang"]], r.text


async def test_english_is_the_history_as_recorded(stack: Stack) -> None:
    matter_id, entry = await _opened(stack, "hist-lang-en")
    assert entry["what"].startswith("Matter opened by key ")
    plain, english = await _history(stack, matter_id, limit=50), await _history(stack, matter_id, limit=50, lang="en")
    assert plain.status_code == english.status_code == 200, (plain.text, english.text)
    recorded, asked = _by_event(plain.json()), _by_event(english.json())
    common = recorded.keys() & asked.keys()  # (a later read may hold more of a running matter's history)
    assert (entry["run_id"], entry["event_id"]) in common
    assert all(recorded[k] == asked[k] for k in common)


async def test_chinese_is_each_english_line_through_the_translator(stack: Stack) -> None:
    matter_id, entry = await _opened(stack, "hist-lang-zh")
    english = await _history(stack, matter_id, limit=50)
    chinese = await _history(stack, matter_id, limit=50, lang="zh")
    assert english.status_code == chinese.status_code == 200, (english.text, chinese.text)
    en, zh = _by_event(english.json()), _by_event(chinese.json())
    common = en.keys() & zh.keys()
    assert (entry["run_id"], entry["event_id"]) in common
    assert all(zh[k] == in_language(en[k], "zh") for k in common), [(en[k], zh[k]) for k in common]
    # Paging is the same in both languages: the cursor of a Chinese page resumes an English one (and back).
    first = (await _history(stack, matter_id, limit=1, lang="zh")).json()
    assert first["next_cursor"] is not None
    rest = await _history(stack, matter_id, limit=1, cursor=first["next_cursor"])
    assert rest.status_code == 200 and rest.json()["data"][0]["event_id"] != first["data"][0]["event_id"]


def test_the_pages_ask_in_the_person_s_language_and_translate_the_next_step() -> None:
    assert (history_lang("zh-CN"), history_lang("en"), history_lang("fr")) == ("zh", "en", "zh")  # as `render` shows
    step = templates.env.from_string("{{ s | in_language(lang) }}")
    sentence = "first SMS reminder"
    assert step.render(s=sentence, lang="zh-CN") == escape(in_language(sentence, "zh"))
    assert step.render(s=sentence, lang="en") == escape(sentence)


async def _matter_page(stack: Stack, language: str, matter_id: str) -> str:
    name = f"lng-{uuid.uuid4().hex[:8]}"
    async with write_session(stack.sessions) as session:
        password, _ = await users.create_user(session, username=name, display_name="Test reader", role="legal_team",
                                              language=language, password=secrets.token_urlsafe(16))
    async with browser(stack) as web:
        assert (await log_in(web, name, password)).status_code == 303
        page = await web.get(f"/app/matters/{matter_id}")
        assert page.status_code == 200, page.text
        return page.text


async def test_the_matter_page_shows_the_history_in_the_person_s_language(stack: Stack) -> None:
    matter_id, entry = await _opened(stack, "hist-lang-web")
    line = entry["what"]  # "Matter opened by key '...' on policy demo v1", as recorded
    chinese = await _matter_page(stack, "zh-CN", matter_id)
    assert str(escape(in_language(line, "zh"))) in chinese
    if in_language(line, "zh") != line:
        assert str(escape(line)) not in chinese
    english = await _matter_page(stack, "en", matter_id)
    assert str(escape(line)) in english


def _marked(text: str, lang: str) -> str:
    return text if lang == "en" else f"〔{lang}〕{text}"


async def test_every_chinese_place_goes_through_the_translator(stack: Stack, monkeypatch: Any) -> None:
    """With a translator that marks what it is given: the API's `what`, the matter page's history and next step."""
    import api.routes.history
    import api.web.common

    monkeypatch.setattr(api.routes.history, "in_language", _marked)
    monkeypatch.setattr(api.web.common, "in_language", _marked)
    matter_id, entry = await _opened(stack, "hist-lang-marked")
    zh = (await _history(stack, matter_id, limit=20, lang="zh")).json()["data"]
    assert zh and all(e["what"].startswith("〔zh〕") for e in zh)
    assert not any(e["what"].startswith("〔") for e in (await _history(stack, matter_id, limit=20)).json()["data"])
    chinese, english = await _matter_page(stack, "zh-CN", matter_id), await _matter_page(stack, "en", matter_id)
    assert str(escape(_marked(entry["what"], "zh"))) in chinese and "〔" not in english
    if "<dt>下一步</dt><dd>无</dd>" not in chinese:  # a next step is shown: in the reader's language
        assert "<dt>下一步</dt><dd>〔zh〕" in chinese, chinese
