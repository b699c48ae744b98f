"""The API against real servers: Temporal dev server, SeaweedFS, SQLite / PostgreSQL, a real worker.

One stack per database backend for the whole session: settings pointing at the session's
servers (fresh task queue and bucket), the schema migrated, the worker running in-process
(reminders by e-mail and SMS included: a real SMTP server of the stack's own on loopback, and the
`local` SMS gateway's outbox, both under the stack's temporary var/), the app started through its
own lifespan, and one API key per role. Tests open their own matters (unique external refs), so
they do not depend on each other. `mail` (or `stack.mail`) is what the stack's workers sent: filter
it by the borrower's address or number, since every test's matters share it.
"""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from activities.matter import MatterActivities
from activities.notify import NotifyActivities
from api.app import create_app
from settings import Settings
from store import apikeys, firms
from store.db import make_engine, make_sessionmaker, migrate, write_session
from store.evidence import EvidenceStore
from tests.conftest import S3Server
from tests.factories import intake_data
from tests.local_mail import LocalMail, serve_local_mail
from workers.client import connect
from workers.main import build_worker, contact_activities

# A fixed test key (32 bytes): payloads in these tests' histories are encrypted with it.
TEST_ENCRYPTION_KEY = base64.b64encode(bytes(range(32))).decode()
FIRM_A, FIRM_B = "firm-a", "firm-b"  # the ids of the stack's two law firms
FIRM_NAMES = {FIRM_A: "Firm A LLP", FIRM_B: "Firm B LLP"}
ROLES = ("legal_team", "manager", "partner_a", "partner_b")


def firm_particulars(firm_id: str) -> dict[str, str]:
    """What the stack's law firm's record holds besides its name: what an instruction needs."""
    name = FIRM_NAMES[firm_id]
    return {"address": f"{name}, 1 Lujiazui Ring Road, Shanghai", "email": f"intake@{firm_id}.example",
            "fee_arrangement": "CNY 3,000.00 per matter plus 8% of the amount actually recovered"}


@dataclass
class Stack:
    backend: str
    settings: Settings
    http: httpx.AsyncClient
    temporal: Client
    sessions: async_sessionmaker[AsyncSession]
    evidence: EvidenceStore
    mail: LocalMail  # the e-mails the stack's SMTP server received, the SMS of its outbox
    keys: dict[str, str] = field(default_factory=dict)
    app: Any = None  # the FastAPI app behind `http` (its lifespan already entered)
    key_names: dict[str, str] = field(default_factory=dict)
    prefix: str = field(default_factory=lambda: "T" + uuid.uuid4().hex[:8])

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def ref(self, name: str = "") -> str:
        return f"{self.prefix}-{name or uuid.uuid4().hex[:8]}"

    async def open(self, name: str = "", role: str = "legal_team", **overrides: Any) -> dict[str, Any]:
        """POST /matters with the demo policy; asserts 201 and returns the body."""
        body = intake_data(external_ref=self.ref(name), policy="demo", **overrides)
        r = await self.http.post("/matters", json=body, headers=self.auth(role))
        assert r.status_code == 201, r.text
        return r.json()

    async def detail(self, matter_id: str, role: str = "manager") -> dict[str, Any]:
        r = await self.http.get(f"/matters/{matter_id}", params={"live": "true"}, headers=self.auth(role))
        assert r.status_code == 200, r.text
        return r.json()

    async def open_fast(self, name: str = "", **overrides: Any) -> dict[str, Any]:
        """A matter on the `fast` test policy: in legal review within a few seconds."""
        body = intake_data(external_ref=self.ref(name), policy="fast", **overrides)
        r = await self.http.post("/matters", json=body, headers=self.auth("legal_team"))
        assert r.status_code == 201, r.text
        return r.json()

    async def _firm_as_created(self, firm: str) -> None:
        """The stack's firm as the fixture made it (another test may have changed its record through the API,
        e.g. the fuzzer): put back, with a warning naming what had changed, so tests do not depend on order."""
        async with write_session(self.sessions) as session:
            row = await firms.get_firm(session, firm)
            if row is None or row.name not in FIRM_NAMES.values():
                return
            wanted = firm_particulars(firm)
            changed = {f: getattr(row, f) for f, v in wanted.items() if getattr(row, f) != v}
            if changed or row.disabled_at is not None:
                warnings.warn(f"firm {firm} had been changed by an earlier test ({changed}, disabled_at="
                              f"{row.disabled_at}, updated_at={row.updated_at}); put back", stacklevel=2)
                await firms.update_firm(session, firm, address=wanted["address"], email=wanted["email"],
                                        fee_arrangement=wanted["fee_arrangement"], disabled=False)

    async def refer(self, matter_id: str, firm: str, accept: bool = False) -> dict[str, Any]:
        """Take a `fast` matter to legal review, escalate it to `firm` (the real referral child), and
        wait until the firm's partners can see it (and, with `accept`, until its partner accepted)."""
        await eventually(lambda: self._stage_is(matter_id, "legal_review"), timeout=60)
        await self._firm_as_created(firm)
        r = await self.http.post(f"/matters/{matter_id}/legal-review", headers=self.auth("manager"),
                                 json={"decision": "escalate", "firm": firm, "reason": "no answer"})
        if r.status_code != 201:  # say what the firm's record was, and which request last changed it
            record = await self.http.get(f"/firms/{firm}", headers=self.auth("manager"))
            raise AssertionError(f"{r.text}\nthe firm's record: {record.text}")
        partner = "partner_a" if firm == FIRM_A else "partner_b"

        async def visible() -> Any:
            got = await self.http.get(f"/matters/{matter_id}", headers=self.auth(partner))
            return got.status_code == 200 and (got.json().get("referral") or {}).get("status") == "instructed"

        await eventually(visible, timeout=30)
        if accept:
            r = await self.http.post(f"/matters/{matter_id}/referral/accept", json={}, headers=self.auth(partner))
            assert r.status_code == 201, r.text

            async def accepted() -> Any:
                got = await self.http.get(f"/matters/{matter_id}", headers=self.auth(partner))
                return (got.json().get("referral") or {}).get("status") == "accepted"

            await eventually(accepted, timeout=30)
        return await self.detail(matter_id)

    async def _stage_is(self, matter_id: str, stage: str) -> bool:
        r = await self.http.get(f"/matters/{matter_id}", params={"live": "true"}, headers=self.auth("manager"))
        return r.status_code == 200 and r.json()["stage"] == stage


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 30, every: float = 0.2) -> Any:
    """Poll `check` until it returns something truthy (returned) or `timeout` passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


# A policy for tests: one policy day is one second, one reminder, a one-day window: legal review in
# about three seconds. The firm has an hour (3600 policy days) to answer a referral.
FAST_POLICY = {
    "name": "fast", "version": 1, "description": "tests", "day_seconds": 1,
    "ladder": [{"day": 1, "channel": "sms", "name": "first SMS reminder"}],
    "negotiation_days": 1, "promise_grace_days": 0,
    "legal_review": {"min_outstanding": "0", "min_days_past_due": 0},
    "referral": {"answer_within_days": 3600, "remind_after_days": 1800},
    "reversal_window_days": 3,  # a closed matter's workflow ends 3 s after closing
}


def policy_dir(var_dir: Path) -> Path:
    """The shipped policies plus `fast`."""
    import shutil

    import yaml

    from settings import ROOT

    folder = var_dir / "policies"
    folder.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "policies").glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    (folder / "fast.yaml").write_text(yaml.safe_dump(FAST_POLICY), encoding="utf-8")
    return folder


def stack_settings(var_dir: Path, temporal_address: str, s3: S3Server, database_url: str, mail: LocalMail) -> Settings:
    return Settings(
        **mail.settings(),
        policy_dir=policy_dir(var_dir),
        environment="development",
        var_dir=var_dir,
        temporal_address=temporal_address,
        temporal_task_queue=f"api-test-{uuid.uuid4()}",
        s3_endpoint_url=s3.endpoint_url,
        s3_region=s3.region,
        s3_access_key_id=s3.access_key,
        s3_secret_access_key=s3.secret_key,
        s3_bucket=f"api-{uuid.uuid4().hex[:20]}",
        s3_object_lock_mode="GOVERNANCE",
        s3_object_lock_days=1,
        database_url=database_url,
        encryption_key=TEST_ENCRYPTION_KEY,
    )


@asynccontextmanager
async def running_stack(backend: str, settings: Settings, mail: LocalMail) -> AsyncIterator[Stack]:
    await asyncio.to_thread(migrate, settings.db_url)
    evidence = EvidenceStore.from_settings(settings)
    await asyncio.to_thread(evidence.ensure_bucket)
    client = await connect(settings, identity="api-test-worker")
    engine = make_engine(settings.db_url)
    sessions = make_sessionmaker(engine)
    activities = MatterActivities(sessions, EvidenceStore.from_settings(settings))
    notify = NotifyActivities.from_settings(settings, evidence)
    try:
        async with build_worker(client, settings.temporal_task_queue, activities, notify=notify,
                                contact=contact_activities(client, settings)):
            # The app builds its own Temporal client, engine and evidence store in its lifespan.
            app = create_app(settings)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://api.test", timeout=60) as http:
                    stack = Stack(backend, settings, http, client, sessions, evidence, mail, app=app)
                    async with write_session(sessions) as session:
                        for firm_id, firm_name in FIRM_NAMES.items():
                            on_record = firm_particulars(firm_id)
                            await firms.create_firm(session, firm_id=firm_id, name=firm_name,
                                                    address=on_record["address"], email=on_record["email"],
                                                    fee_arrangement=on_record["fee_arrangement"])
                        for role, firm in (("legal_team", None), ("manager", None),
                                           ("partner_a", FIRM_A), ("partner_b", FIRM_B)):  # fmt: skip
                            name = f"{role}-{stack.prefix}"
                            plaintext, _ = await apikeys.create_key(
                                session, role=role.split("_")[0] if role.startswith("partner") else role,
                                firm=firm, name=name,
                            )  # fmt: skip
                            stack.keys[role] = plaintext
                            stack.key_names[role] = name
                    yield stack
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
async def sqlite_stack(
    tmp_path_factory: pytest.TempPathFactory, temporal_address: str, s3_server: S3Server
) -> AsyncIterator[Stack]:
    # Session-scoped, so a file of its own rather than the function-scoped `sqlite_url`.
    var_dir = tmp_path_factory.mktemp("api-sqlite")
    with serve_local_mail(var_dir) as mail:
        settings = stack_settings(var_dir, temporal_address, s3_server, f"sqlite:///{var_dir / 'recovery.db'}", mail)
        async with running_stack("sqlite", settings, mail) as stack:
            yield stack


@pytest.fixture(scope="session")
async def pg_stack(
    tmp_path_factory: pytest.TempPathFactory, temporal_address: str, s3_server: S3Server, pg_url: str
) -> AsyncIterator[Stack]:
    var_dir = tmp_path_factory.mktemp("api-pg")
    with serve_local_mail(var_dir) as mail:
        settings = stack_settings(var_dir, temporal_address, s3_server, pg_url, mail)
        async with running_stack("postgresql", settings, mail) as stack:
            yield stack


@pytest.fixture(params=["sqlite", "postgresql"])
def any_stack(request: pytest.FixtureRequest) -> Stack:
    """The main flow runs on both databases."""
    name = "sqlite_stack" if request.param == "sqlite" else "pg_stack"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@pytest.fixture
def stack(sqlite_stack: Stack) -> Stack:
    return sqlite_stack


@pytest.fixture
def mail(sqlite_stack: Stack) -> LocalMail:
    """What the workers of `stack` sent: `mail.emails(to=borrower_email)`, `mail.sms(to=borrower_phone)`
    (and `mail.mail_dir`, `mail.sms_outbox`). Shared by the session's tests: filter by recipient."""
    return sqlite_stack.mail
