"""An approved settlement takes effect from its matter page: the team records the signed agreement (the signed copy
chosen among the matter's uploaded evidence, the day it was signed); before a copy is uploaded the page says to
upload it first; a signing day after the matter's date is refused by field; a proposal not yet approved offers no
such form, nor does the page of a partner."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tests.api.conftest import Stack, eventually
from tests.api.test_money_api import ZERO_RATE, _upload_signed, cny
from tests.api.test_web import browser
from tests.api.test_web_forms import hidden, post, signed_in


async def _status(stack: Stack, mid: str, status: str) -> Any:
    d = await stack.detail(mid)
    return d if (d.get("arrangement") or {}).get("status") == status else None


async def test_the_team_records_the_signed_agreement_of_an_approved_settlement(stack: Stack) -> None:
    m = await stack.open("web-signed", contract=ZERO_RATE)
    mid = m["id"]
    d = await stack.detail(mid)
    payable = Decimal(d["outstanding"]["amount"]) - Decimal("218.00")
    due = (date.fromisoformat(d["policy_today"]) + timedelta(days=400)).isoformat()
    r = await stack.http.post(f"/matters/{mid}/settlements", headers={**stack.auth("legal_team"),
                                                                       "Idempotency-Key": "WS-1"},
                              json={"waivers": {"penalty": cny("218.00")},
                                    "instalments": [{"number": 1, "due_on": due, "amount": cny(str(payable))}]})
    assert r.status_code == 201, r.text
    async with browser(stack) as web:
        await signed_in(stack, web, "legal_team")
        page = (await web.get(f"/app/matters/{mid}")).text
        assert "The signed agreement" not in page  # proposed, not approved: nothing to sign yet
        ok = await stack.http.post(f"/matters/{mid}/settlements/WS-1/approvals", json={"decision": "approve"},
                                   headers=stack.auth("manager"))
        assert ok.status_code == 201, ok.text

        async def offered() -> str | None:  # (the page reads the projection, a moment behind the workflow)
            got = (await web.get(f"/app/matters/{mid}")).text
            return got if "The signed agreement" in got else None

        page = await eventually(offered)
        assert "Upload the signed copy as evidence first." in page
        upload_id = await _upload_signed(stack, mid)
        page = (await web.get(f"/app/matters/{mid}")).text
        assert hidden(page, "signed") | {"proposal_id": "WS-1", "kind": "settlement"} == hidden(page, "signed")
        assert f'<option value="{upload_id}">settlement-signed.pdf' in page
        late = await post(web, mid, "signed", page, upload_id=upload_id, signed_on="2999-01-01")
        alert = re.search(r'<div class="error" role="alert">(.*?)</div>', late.text, re.S)
        assert late.status_code == 422 and alert, late.text
        assert "signed_on" in alert.group(1) and "after the matter&#39;s date" in alert.group(1), alert.group(1)
        today = (await stack.detail(mid))["policy_today"]
        done = await post(web, mid, "signed", page, upload_id=upload_id, signed_on=today)
        assert done.status_code == 200 and "The signed agreement is recorded" in done.text, done.text
        assert (await eventually(lambda: _status(stack, mid, "effective")))["stage"] == "amendment"
        # The same form sent again (a double click, a resend): recorded once, said done again.
        again = await post(web, mid, "signed", page, upload_id=upload_id, signed_on=today)
        assert again.status_code == 200 and "The signed agreement is recorded" in again.text, again.text
    async with browser(stack) as partner:  # a partner's page never offers it (and the API would refuse them)
        await signed_in(stack, partner, "partner", firm="firm-a")
        r = await partner.post(f"/app/matters/{mid}/actions/signed", data={"csrf_token": "x"})
        assert r.status_code in (403, 404)
