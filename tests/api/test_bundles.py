"""Evidence bundles over the API: made from verified letters, stored, described, served verified."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from typing import Any

from sqlalchemy import update

from documents.bundle import CATALOG_NAME, MANIFEST_NAME, verify
from documents.renderer import visible_text
from store.db import write_session
from store.models import Document
from tests.api.conftest import FIRM_A, Stack, eventually
from tests.api.test_documents import notice_of


async def test_bundle_of_a_matters_letters(any_stack: Stack) -> None:
    stack = any_stack
    matter_id, doc = await notice_of(stack, "bundle")
    r = await stack.http.post(f"/matters/{matter_id}/bundles", headers=stack.auth("legal_team"))
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["matter_id"] == matter_id and made["media_type"] == "application/zip"
    assert made["item_count"] == len(made["items"]) >= 1 and made["version_id"]
    letter = next(item for item in made["items"] if item["sha256"] == doc["sha256"])
    assert letter["size"] == doc["size"] and letter["name"].startswith("evidence/")
    assert letter["name"].endswith(f"-collection_notice-{doc['id']}.docx")
    assert made["manifest"]["files"] == made["items"]
    assert made["created_by"].startswith(stack.key_names["legal_team"])

    r = await stack.http.get(f"/matters/{matter_id}/bundles/{made['id']}", headers=stack.auth("manager"))
    assert r.status_code == 200
    assert r.json() == made

    r = await stack.http.get(made["content_url"], headers=stack.auth("manager"))
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["x-content-sha256"] == made["sha256"] == hashlib.sha256(r.content).hexdigest()
    assert len(r.content) == made["size"]
    report = verify(r.content)
    assert report.ok, report.problems
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        assert archive.read(letter["name"]) == (
            await stack.http.get(doc["content_url"], headers=stack.auth("manager"))
        ).content
        catalog = visible_text(archive.read(CATALOG_NAME))
        assert MANIFEST_NAME in archive.namelist()
    assert "证据目录" in catalog and doc["sha256"] in catalog  # the borrower's locale: zh-CN


async def test_catalogue_language_can_be_chosen(stack: Stack) -> None:
    matter_id, doc = await notice_of(stack, "bundle-en")
    r = await stack.http.post(f"/matters/{matter_id}/bundles", json={"locale": "en"},
                              headers=stack.auth("manager"))
    assert r.status_code == 201, r.text
    assert r.json()["manifest"]["locale"] == "en"
    r = await stack.http.post(f"/matters/{matter_id}/bundles", json={"locale": "fr"}, headers=stack.auth("manager"))
    assert r.status_code == 422
    r = await stack.http.post(f"/matters/{matter_id}/bundles", json={"surprise": 1}, headers=stack.auth("manager"))
    assert r.status_code == 422


async def test_tampered_letter_is_never_bundled(stack: Stack) -> None:
    matter_id, doc = await notice_of(stack, "bundle-forged")
    forged = b"PK forged letter"
    put = stack.evidence.client.put_object(
        Bucket=stack.evidence.bucket,
        Key=f"matters/{matter_id}/letters/{doc['id']}.docx",
        Body=forged,
        ChecksumSHA256=base64.b64encode(hashlib.sha256(forged).digest()).decode(),
    )
    async with write_session(stack.sessions) as session:
        await session.execute(update(Document).where(Document.id == doc["id"]).values(version_id=put["VersionId"]))
    r = await stack.http.post(f"/matters/{matter_id}/bundles", headers=stack.auth("legal_team"))
    assert r.status_code == 409
    assert doc["id"] in r.json()["detail"] and "integrity check" in r.json()["detail"]
    listed = stack.evidence.client.list_objects_v2(Bucket=stack.evidence.bucket, Prefix=f"matters/{matter_id}/bundles/")
    assert listed.get("KeyCount", 0) == 0


async def test_partners_see_only_their_firms_bundles(stack: Stack) -> None:
    matter_id = (await stack.open_fast("bundle-firm"))["id"]
    await eventually(lambda: stack_documents(stack, matter_id))
    r = await stack.http.post(f"/matters/{matter_id}/bundles", headers=stack.auth("partner_a"))
    assert r.status_code == 404  # not referred yet
    await stack.refer(matter_id, FIRM_A)
    r = await stack.http.post(f"/matters/{matter_id}/bundles", headers=stack.auth("partner_a"))
    assert r.status_code == 201, r.text
    bundle = r.json()
    for path in (f"/matters/{matter_id}/bundles/{bundle['id']}", bundle["content_url"]):
        assert (await stack.http.get(path, headers=stack.auth("partner_a"))).status_code == 200
        assert (await stack.http.get(path, headers=stack.auth("partner_b"))).status_code == 404
    r = await stack.http.post(f"/matters/{matter_id}/bundles", headers=stack.auth("partner_b"))
    assert r.status_code == 404


async def test_auth_and_unknown(stack: Stack) -> None:
    matter_id, _ = await notice_of(stack, "bundle-auth")
    r = await stack.http.post(f"/matters/{matter_id}/bundles")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = await stack.http.post(f"/matters/{matter_id}/bundles", headers={"Authorization": "Bearer rk_nope"})
    assert r.status_code == 401
    assert (await stack.http.get(f"/matters/{matter_id}/bundles/x")).status_code == 401
    assert (await stack.http.get(f"/matters/{matter_id}/bundles/x/content")).status_code == 401
    r = await stack.http.post("/matters/no-such-matter/bundles", headers=stack.auth("manager"))
    assert r.status_code == 404
    r = await stack.http.get(f"/matters/{matter_id}/bundles/nope", headers=stack.auth("manager"))
    assert r.status_code == 404
    r = await stack.http.get(f"/matters/{matter_id}/bundles/nope/content", headers=stack.auth("manager"))
    assert r.status_code == 404


async def test_bundle_of_another_matter_is_not_found(stack: Stack) -> None:
    first, _ = await notice_of(stack, "bundle-one")
    second, _ = await notice_of(stack, "bundle-two")
    r = await stack.http.post(f"/matters/{first}/bundles", headers=stack.auth("manager"))
    assert r.status_code == 201
    r = await stack.http.get(f"/matters/{second}/bundles/{r.json()['id']}", headers=stack.auth("manager"))
    assert r.status_code == 404


async def test_bundle_carries_the_payment_records(stack: Stack) -> None:
    matter_id, _ = await notice_of(stack, "bundle-pay")
    r = await stack.http.post(
        f"/matters/{matter_id}/payments", headers=stack.auth("legal_team"),
        json={"payment_id": "BP-1", "amount": {"amount": "318.00", "currency": "CNY"}, "received_on": "2026-11-20"},
    )  # fmt: skip
    assert r.status_code == 201, r.text

    await eventually(lambda: _payments(stack, matter_id))
    r = await stack.http.post(f"/matters/{matter_id}/bundles", headers=stack.auth("manager"))
    assert r.status_code == 201, r.text
    made = r.json()
    record = next(item for item in made["items"] if item["name"].endswith("payments.json"))
    assert record["media_type"] == "application/json"
    content = (await stack.http.get(made["content_url"], headers=stack.auth("manager"))).content
    assert verify(content).ok
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        payments = json.loads(archive.read(record["name"]))
        catalog = visible_text(archive.read(CATALOG_NAME))
    assert [p["payment_id"] for p in payments] == ["BP-1"]
    assert payments[0]["amount"] == {"amount": "318.00", "currency": "CNY"}
    assert payments[0]["allocation"]["fees"]["amount"] == "100.00"  # the waterfall, as recorded
    assert payments[0]["allocation"]["penalty"]["amount"] == "218.00"
    assert record["sha256"] in catalog and "还款记录" in catalog


async def _payments(stack: Stack, matter_id: str) -> list[object]:
    from store import queries

    async with stack.sessions() as session:
        return list(await queries.list_payments(session, matter_id))


async def stack_documents(stack: Stack, matter_id: str) -> list[dict[str, Any]]:
    r = await stack.http.get(f"/matters/{matter_id}/documents", headers=stack.auth("manager"))
    return r.json()["data"] if r.status_code == 200 else []
