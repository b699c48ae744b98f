"""Health: 503 naming exactly the dependencies that are down."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import httpx
from temporalio.client import Client

from api.app import create_app
from infra.services import free_port, temporal_service
from store.db import make_engine, make_sessionmaker
from store.evidence import EvidenceStore
from tests.api.conftest import Stack
from tests.factories import intake_data
from workers.client import data_converter


async def _health(app) -> httpx.Response:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as http:
        return await http.get("/health")


def _dead_s3() -> EvidenceStore:
    return EvidenceStore(
        bucket="nowhere", endpoint_url=f"http://127.0.0.1:{free_port()}", access_key_id="a", secret_access_key="b",
        connect_timeout=1, read_timeout=1, max_attempts=1,
    )  # fmt: skip


async def test_s3_down_is_503(stack: Stack) -> None:
    app = create_app(stack.settings, temporal=stack.temporal, sessionmaker=stack.sessions, evidence=_dead_s3())
    r = await _health(app)
    assert r.status_code == 503
    assert r.json() == {"status": "unavailable", "checks": {"temporal": "up", "s3": "down", "database": "up"},
                        "down": ["s3"], "workers": {"workflows": "up", "letters": "up"},
                        "worker_processes": {"workflows": 1, "letters": 1}, "processes": None,
                        "notifications": {"smtp": "up"}}  # fmt: skip


async def test_everything_down_is_503(stack: Stack) -> None:
    temporal = await Client.connect(f"127.0.0.1:{free_port()}", lazy=True)
    engine = make_engine(f"postgresql://nobody@127.0.0.1:{free_port()}/nothing")
    try:
        app = create_app(stack.settings, temporal=temporal, sessionmaker=make_sessionmaker(engine),
                         evidence=_dead_s3())  # fmt: skip
        r = await _health(app)
    finally:
        await engine.dispose()
    assert r.status_code == 503
    assert r.json()["down"] == ["temporal", "s3", "database"]


async def test_commands_while_temporal_is_down_are_503_and_change_nothing(stack: Stack, tmp_path: Path) -> None:
    """A command Temporal never accepted is not a 2xx: 503, and nothing reaches the projection."""
    m = await stack.open("temporal-down")
    # A Temporal the API was connected to, then lost.
    port = free_port()
    server = temporal_service(tmp_path, port=port, ui_port=free_port()).start()
    for attempt in range(50):  # its port answers a moment before its frontend reports healthy
        try:
            temporal = await Client.connect(f"127.0.0.1:{port}", data_converter=data_converter(stack.settings))
            break
        except RuntimeError:
            if attempt == 49:
                raise
            await asyncio.sleep(0.2)
    server.stop()
    app = create_app(stack.settings, temporal=temporal, sessionmaker=stack.sessions, evidence=stack.evidence)
    payment = {"payment_id": "DOWN-1", "amount": {"amount": "10.00", "currency": "CNY"},
               "received_on": "2026-11-20"}  # fmt: skip
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as http:
        r = await http.post(f"/matters/{m['id']}/payments", json=payment, headers=stack.auth("legal_team"))
        assert r.status_code == 503, r.text
        assert "Temporal is unavailable" in r.json()["detail"]
        r = await http.post("/matters", json=intake_data(external_ref=stack.ref(), policy="demo"),
                            headers=stack.auth("legal_team"))  # fmt: skip
        assert r.status_code == 503, r.text
    # The real stack never saw the payment.
    detail = await stack.detail(m["id"])
    assert detail["payments_count"] == 0


async def test_health_shows_what_the_launcher_supervises_and_ignores_a_dead_launchers_file(
    stack: Stack, tmp_path: Path
) -> None:
    settings = stack.settings.model_copy(update={"var_dir": tmp_path})
    app = create_app(settings, temporal=stack.temporal, sessionmaker=stack.sessions, evidence=stack.evidence)
    assert (await _health(app)).json()["processes"] is None  # no launcher: no such file
    run = tmp_path / "run"
    run.mkdir()
    processes = {"api-1": {"state": "up", "restarts": 0}, "worker-1": {"state": "restarting", "restarts": 2}}
    record = {"launcher_pid": os.getpid(), "children": {"api-1": 11, "worker-1": 12}, "processes": processes}
    (run / "stack.json").write_text(json.dumps(record))
    body = (await _health(app)).json()
    assert body["processes"] == processes and "children" not in body  # states and counts, never PIDs
    exited = subprocess.Popen(["true"])
    exited.wait()  # its PID is nobody's now
    (run / "stack.json").write_text(json.dumps({**record, "launcher_pid": exited.pid}))
    assert (await _health(app)).json()["processes"] is None
