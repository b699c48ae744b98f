"""`GET /matters/{id}/parties` and the matter page's parties: who the matter is about, ID numbers masked,
firm-scoped like the rest."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import FIRM_A, FIRM_B, Stack, eventually
from tests.api.test_web import browser, log_in, person

pytestmark = pytest.mark.integration

GUARANTOR = {"name": "王芳", "id_number": "310101198505054321", "guarantee_type": "general",
             "cap": {"amount": "5000.00", "currency": "CNY"}, "period_ends_on": "2027-03-01"}


async def _parties(stack: Stack, matter_id: str, role: str = "legal_team") -> Any:
    r = await stack.http.get(f"/matters/{matter_id}/parties", headers=stack.auth(role))
    return r if r.status_code != 404 else None


async def test_the_parties_in_order_with_ids_masked(stack: Stack) -> None:
    m = await stack.open("parties", guarantors=[GUARANTOR])
    r = await eventually(lambda: _parties(stack, m["id"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [p["role"] for p in body["data"]] == ["borrower", "guarantor", "creditor"] and body["count"] == 3
    borrower, guarantor, _ = body["data"]
    assert borrower["name"] == "张伟" and borrower["id_number_masked"] == "*" * 14 + "1234"
    assert "110105198001011234" not in r.text and "310101198505054321" not in r.text
    assert guarantor["id_number_masked"] == "*" * 14 + "4321"
    assert guarantor["details"] == {"guarantee_type": "general", "cap": {"amount": "5000.00", "currency": "CNY"},
                                    "period_ends_on": "2027-03-01"}


async def test_only_the_referred_firm_reads_them_and_the_page_shows_them(stack: Stack) -> None:
    m = await stack.open_fast("parties-firm")
    await stack.refer(m["id"], FIRM_A)
    assert (await stack.http.get(f"/matters/{m['id']}/parties", headers=stack.auth("partner_a"))).status_code == 200
    other = await stack.http.get(f"/matters/{m['id']}/parties", headers=stack.auth("partner_b"))
    assert other.status_code == 404, other.text
    assert (await stack.http.get(f"/matters/{m['id']}/parties")).status_code == 401
    username, password = await person(stack, "legal_team")
    async with browser(stack) as web:
        assert (await log_in(web, username, password)).status_code == 303
        page = await web.get(f"/app/matters/{m['id']}")
        assert page.status_code == 200
        for text in ("Parties", "Borrower", "Guarantor 1", "Joint and several guarantee", "**************1234"):
            assert text in page.text, text
        assert "110105198001011234" not in page.text
    username, password = await person(stack, "partner", firm=FIRM_B)
    async with browser(stack) as web:
        assert (await log_in(web, username, password)).status_code == 303
        assert (await web.get(f"/app/matters/{m['id']}")).status_code == 404
