"""`MatterActivities.store_letter` (workflow v2) against a real SeaweedFS, rendering in a real process pool.

The workflow builds each letter's typed context from the matter's facts (`documents.registry.build`)
and the activity renders and stores it. What this proves:

- the returned reference names exactly the bytes S3 holds, and they equal a direct render of the
  same context (so the process pool changes nothing);
- running the same job again (a retry after a crash after the put) stores nothing new: same version;
- failures retrying cannot fix are non-retryable (`TemplateError`, `EvidenceConflict`), so the
  workflow puts the matter in `needs_attention` instead of retrying for ever;
- `LetterJob` round-trips through the data converter with its typed context.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

import documents.renderer
from activities.inputs import LetterJob
from activities.matter import MatterActivities, document_key
from activities.render_pool import RenderPool
from documents.registry import LetterFacts, LetterInvalid, build
from documents.renderer import render
from domain.allocation import Balance
from domain.money import Money
from settings import ROOT
from store.evidence import EvidenceStore
from tests.activities.test_letters import make_store
from tests.conftest import S3Server
from tests.factories import make_intake

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def evidence(s3_server: S3Server) -> EvidenceStore:
    store = make_store(s3_server, "v2let-" + uuid.uuid4().hex[:20])
    deadline = time.monotonic() + 30
    while True:
        try:
            store.ensure_bucket()
            store.put_document("ready", b"ok", "text/plain")
            return store
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="module")
def pool() -> Iterator[RenderPool]:
    p = RenderPool(2)
    yield p
    p.close()


def facts(locale: str = "zh-CN", letter_date: date = date(2026, 10, 1)) -> LetterFacts:
    intake = make_intake(external_ref=f"V2-{uuid.uuid4().hex[:10]}", locale=locale)
    balance = Balance.from_overdue(intake.overdue)
    return LetterFacts(
        matter_id=str(uuid.uuid4()), reference="RC-TEST-NOTICE", letter_date=letter_date, intake=intake,
        balance=balance, paid_total=Money.zero(balance.currency), original_total=balance.total, days_past_due=30,
    )


def job(kind: str = "collection_notice", locale: str = "zh-CN", **params: Any) -> LetterJob:
    f = facts(locale)
    context = build(kind, f, {"pay_within_days": 7, **params})
    return LetterJob(matter_id=f.matter_id, document_id=f"{f.matter_id}-notice-{kind}", kind=kind, context=context)


async def run(acts: MatterActivities, j: LetterJob) -> Any:
    return await ActivityEnvironment().run(acts.store_letter, j)


@pytest.mark.parametrize(("kind", "locale"), [("collection_notice", "zh-CN"), ("reminder_letter", "en"),
                                                ("final_demand", "zh-CN"), ("closure_letter", "en")])
async def test_a_letter_is_rendered_off_process_and_stored_verified(
    evidence: EvidenceStore, pool: RenderPool, kind: str, locale: str
) -> None:
    params = {"first_demand_on": date(2026, 9, 20)} if kind == "final_demand" else {}
    j = job(kind, locale, **params)
    acts = MatterActivities(sessions=None, evidence=evidence, render_pool=pool)  # type: ignore[arg-type]
    ref = await run(acts, j)
    stored = evidence.get_verified(ref.key, ref.version_id, ref.sha256)
    assert hashlib.sha256(stored).hexdigest() == ref.sha256
    assert stored == render(kind, j.context).content  # same bytes as a render in this process
    assert (ref.document_id, ref.kind, ref.locale, ref.key) == (
        j.document_id, kind, locale, document_key(j.matter_id, j.document_id))
    # A retry of the same job (say the worker died after the put) stores nothing new.
    again = await run(acts, j)
    assert (again.version_id, again.sha256) == (ref.version_id, ref.sha256)
    listing = evidence.client.list_object_versions(Bucket=evidence.bucket, Prefix=ref.key)
    assert len([v for v in listing.get("Versions", []) if v["Key"] == ref.key]) == 1


async def test_another_object_under_the_key_is_a_conflict_retrying_cannot_fix(evidence: EvidenceStore) -> None:
    j = job()
    evidence.put_document(document_key(j.matter_id, j.document_id), b"not this letter", "text/plain")
    acts = MatterActivities(sessions=None, evidence=evidence)  # type: ignore[arg-type]
    with pytest.raises(ApplicationError) as err:
        await run(acts, j)
    assert err.value.type == "EvidenceConflict" and err.value.non_retryable


async def test_a_missing_template_is_an_error_retrying_cannot_fix(
    evidence: EvidenceStore, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents.renderer, "TEMPLATE_DIR", tmp_path)  # no templates at all (threads render here)
    acts = MatterActivities(sessions=None, evidence=evidence)  # type: ignore[arg-type]
    with pytest.raises(ApplicationError) as err:
        await run(acts, job())
    assert err.value.type == "TemplateError" and err.value.non_retryable
    assert "TemplateMissing" in str(err.value) and "张伟" not in str(err.value)


def test_a_letter_job_round_trips_through_the_data_converter_typed() -> None:
    j = job("reminder_letter", "en", sequence=2)
    payloads = pydantic_data_converter.payload_converter.to_payloads([j])
    back = pydantic_data_converter.payload_converter.from_payloads(payloads, [LetterJob])[0]
    assert back == j and type(back.context).__name__ == "ReminderLetterContext"
    with pytest.raises(ValueError, match="not 'collection_notice'"):
        LetterJob(matter_id="m", document_id="d", kind="collection_notice", context=j.context)


def test_facts_that_make_a_letter_wrong_on_its_face_are_refused_by_name() -> None:
    f = facts()
    bad = f.model_copy(update={"letter_date": date(2020, 1, 1)})  # before the contract was signed
    with pytest.raises(LetterInvalid) as err:
        build("collection_notice", bad, {"pay_within_days": 7})
    assert "contract_signed_on" in str(err.value) and "张伟" not in str(err.value)
    with pytest.raises(LetterInvalid, match="first_demand_on"):
        build("final_demand", f, {})  # no first demand was ever sent
    with pytest.raises(LetterInvalid, match="no document kind"):
        build("summons", f, {})
    notice = build("collection_notice", f, {"pay_within_days": 7})
    assert notice.pay_by == f.letter_date.fromordinal(f.letter_date.toordinal() + 7)  # type: ignore[attr-defined]


def test_render_processes_run_at_the_lower_priority_asked() -> None:
    """Rendering yields the cores to intakes, reads and workflow tasks (`render_niceness`)."""
    lowered = RenderPool(1, niceness=7)
    plain = RenderPool(1)
    try:
        ours = os.nice(0)
        assert lowered._pool().submit(os.nice, 0).result(timeout=120) == min(19, ours + 7)
        assert plain._pool().submit(os.nice, 0).result(timeout=120) == ours
    finally:
        lowered.close()
        plain.close()


@pytest.mark.parametrize(("role", "process", "pool"), [("letters", 6, 0), ("all", 0, 6), ("workflows", 0, 6)])
def test_a_letters_worker_lowers_its_own_priority(role: str, process: int, pool: int) -> None:
    """Only a process that makes nothing but letters is lowered as a whole (os.nice cannot be undone: a child)."""
    code = ("import os; from workers.main import letter_priority; before = os.nice(0); "
            f"left = letter_priority({role!r}, 6); print(os.nice(0) - before, left)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=True)
    lowered, left = map(int, out.stdout.split())
    assert (lowered, left) == (min(process, 19 - os.nice(0)), pool)


def test_an_arrears_cleared_letter_is_made_from_the_matters_facts_and_never_for_a_matured_loan() -> None:
    f = facts()
    contract = f.intake.contract.model_copy(update={"principal_not_due": Money.of("150000.00", "CNY"),
                                                     "due_on": date(2028, 3, 15)})
    continuing = f.model_copy(update={"intake": f.intake.model_copy(update={"contract": contract}),
                                      "paid_total": f.original_total})
    letter = build("arrears_cleared", continuing, {})
    assert (letter.principal_not_due, letter.contract_due_on, letter.cleared_on) == (  # type: ignore[attr-defined]
        Money.of("150000.00", "CNY"), date(2028, 3, 15), f.letter_date)
    text = render("arrears_cleared", letter)
    assert text.size > 0
    matured = contract.model_copy(update={"due_on": date(2026, 9, 30)})  # before the letter: all of it was due
    with pytest.raises(LetterInvalid, match="contract_due_on"):
        build("arrears_cleared", continuing.model_copy(
            update={"intake": f.intake.model_copy(update={"contract": matured})}), {})
