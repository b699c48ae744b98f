"""Escalations in the approvals queue: a manager's legal-review decision from the page (refer the matter to a
law firm, or extend the negotiation); refusals by field; the legal team neither sees nor sends it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from tests.api.conftest import FIRM_A, FIRM_NAMES, Stack, eventually
from tests.api.test_web import browser, csrf_of, log_in, person

pytestmark = pytest.mark.integration


async def _in_review(stack: Stack, matter_id: str) -> bool:
    return (await stack.detail(matter_id))["stage"] == "legal_review"


async def test_a_manager_refers_a_matter_from_the_queue_and_the_team_cannot(stack: Stack) -> None:
    m = await stack.open_fast("web-escalate")
    await eventually(lambda: _in_review(stack, m["id"]), timeout=60)
    username, password = await person(stack, "manager")
    async with browser(stack) as web:
        assert (await log_in(web, username, password)).status_code == 303

        async def listed() -> Any:
            got = await web.get("/app/approvals")
            return got if m["external_ref"] in got.text else None

        page = await eventually(listed)
        assert "Legal review: escalate or negotiate on" in page.text and FIRM_NAMES[FIRM_A] in page.text
        action = f"/app/approvals/legal-review/{m['id']}"
        command = re.search(rf'action="{action}">\s*<input type="hidden" name="csrf_token" value="[^"]+">'
                            r'<input type="hidden" name="command" value="([^"]+)"', page.text)
        assert command, "no escalation form for the matter"
        form = {"csrf_token": csrf_of(page.text), "command": command.group(1), "firm": FIRM_A}
        forged = await web.post(action, data={**form, "csrf_token": "x", "decision": "escalate", "reason": "r"})
        assert forged.status_code == 403
        no_reason = await web.post(action, data={**form, "decision": "escalate", "reason": ""})
        assert no_reason.status_code == 422 and "reason:" in no_reason.text, no_reason.text
        no_day = await web.post(action, data={**form, "decision": "extend_negotiation", "reason": "talks",
                                              "new_end_on": ""})
        assert no_day.status_code == 422 and "new_end_on" in no_day.text, no_day.text
        done = await web.post(action, data={**form, "decision": "escalate", "reason": "no answer to the notice"})
        assert done.status_code == 200 and "Decision recorded." in done.text, done.text
        assert f'action="{action}"' not in done.text  # not offered again while the list catches up
        again = await web.post(action, data={**form, "decision": "escalate", "reason": "no answer to the notice"})
        assert again.status_code == 200 and "Decision recorded." in again.text, again.text  # the same form: once
    detail = await stack.detail(m["id"])
    assert detail["stage"] == "referral" and detail["referred_firm"] == FIRM_A

    other = await stack.open_fast("web-escalate-team")
    await eventually(lambda: _in_review(stack, other["id"]), timeout=60)
    username, password = await person(stack, "legal_team")
    async with browser(stack) as web:
        assert (await log_in(web, username, password)).status_code == 303
        page = await web.get("/app/approvals")
        assert page.status_code == 200 and "Legal review: escalate or negotiate on" not in page.text
        refused = await web.post(f"/app/approvals/legal-review/{other['id']}", data={
            "csrf_token": csrf_of(page.text), "decision": "extend_negotiation", "reason": "talks",
            "new_end_on": (date.today() + timedelta(days=30)).isoformat()})
        assert refused.status_code == 403
    assert (await stack.detail(other["id"]))["stage"] == "legal_review"  # nothing happened
