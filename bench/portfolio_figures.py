"""`make bench-portfolio`'s checks and figures: every matter where its script says, lag and history sizes."""

from __future__ import annotations

import functools
import json
import statistics
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.processes import Servers, gather_limited

if TYPE_CHECKING:
    from bench.portfolio import Script


def verify_portfolio(database: Path, run: str, scripts: list[Script], servers: Servers, bucket: str,
                     env: dict[str, str]) -> dict[str, Any]:
    """Where every matter is, against where it should be; duplicates in S3 and the database."""
    import sqlite3

    import boto3
    from botocore.config import Config

    problems: list[str] = []
    with sqlite3.connect(database, timeout=30) as conn:
        matters = conn.execute(
            "SELECT id, external_ref, stage, attention_reason FROM matters WHERE external_ref LIKE ?",
            (f"BENCH-{run}-%",),
        ).fetchall()
        docs: dict[str, list[str]] = {}
        for matter_id, kind in conn.execute("SELECT matter_id, kind FROM documents"):
            docs.setdefault(matter_id, []).append(kind)
        dup_events = conn.execute(
            "SELECT count(*) FROM (SELECT matter_id, event_key FROM timeline_events GROUP BY 1, 2 HAVING count(*) > 1)"
        ).fetchone()[0]
        payments = conn.execute("SELECT count(*) FROM payments").fetchone()[0]
    by_ref = {ref: (mid, stage, attention) for mid, ref, stage, attention in matters}
    for i, script in enumerate(scripts):
        ref = f"BENCH-{run}-{i:06d}"
        if ref not in by_ref:
            problems.append(f"{ref}: not in the projection")
            continue
        mid, stage, attention = by_ref[ref]
        want = "closed" if script.kind == "full" else "legal_review"
        letters = sorted(docs.get(mid, []))
        if script.kind == "full":  # paid before its notice went out, a matter needs none: only the closure
            ok_letters = letters in (["closure_letter", "collection_notice"], ["closure_letter"])
        else:
            ok_letters = letters == ["collection_notice", "reminder_letter"]
        if stage != want or not ok_letters or attention:
            problems.append(f"{ref}: {stage} (want {want}), letters {letters}, attention {attention!r}")
    s3 = boto3.client("s3", endpoint_url=servers.s3_endpoint, aws_access_key_id=servers.access_key,
                      aws_secret_access_key=servers.secret_key, region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"}))
    versions: dict[str, int] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for v in page.get("Versions", []):
            versions[v["Key"]] = versions.get(v["Key"], 0) + 1
    twice = [k for k, c in versions.items() if c > 1]
    return {"not_where_they_should_be": len(problems), "examples": problems[:5], "s3_objects": len(versions),
            "s3_keys_stored_twice": len(twice), "duplicate_event_rows": dup_events, "payment_rows": payments}


def lag_figures(database: Path, run: str) -> dict[str, float]:
    """How late steps ran behind the policy clock (seconds; on the demo policy, also policy days)."""
    import sqlite3

    with sqlite3.connect(database, timeout=30) as conn:
        rows = conn.execute(
            "SELECT e.data FROM timeline_events e JOIN matters m ON m.id = e.matter_id "
            "WHERE m.external_ref LIKE ? AND e.kind IN ('letter', 'sms', 'email', 'phone_task')",
            (f"BENCH-{run}-%",),
        ).fetchall()
    lags = sorted(float(json.loads(d)["lag_seconds"]) for (d,) in rows if "lag_seconds" in (d or ""))
    if not lags:
        return {}
    return {"steps": len(lags), "p50": percentile(lags, 50), "p95": percentile(lags, 95), "max": lags[-1]}


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


async def history_figures(client: Any, wids: list[str]) -> dict[str, Any]:
    """Events per matter (all runs) and workflow task durations, from the matters' own histories."""
    from temporalio.api.enums.v1 import EventType

    events_per: list[int] = []
    task_ms: list[float] = []

    async def one(wid: str) -> None:
        started: dict[int, datetime] = {}
        count = 0
        async for e in client.get_workflow_handle(wid).fetch_history_events():
            count += 1
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
                started[e.event_id] = e.event_time.ToDatetime()
            elif e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                s = started.get(e.workflow_task_completed_event_attributes.started_event_id)
                if s is not None:
                    task_ms.append((e.event_time.ToDatetime() - s).total_seconds() * 1000)
        events_per.append(count)

    await gather_limited(16, [functools.partial(one, w) for w in wids])
    task_ms.sort()
    return {
        "matters": len(wids),
        "events_median": statistics.median(events_per) if events_per else None,
        "events_max": max(events_per) if events_per else None,
        "tasks": len(task_ms),
        "task_ms_p50": percentile(task_ms, 50),
        "task_ms_p99": percentile(task_ms, 99),
        "task_ms_max": task_ms[-1] if task_ms else None,
        "tasks_over_1s": sum(1 for t in task_ms if t > 1000),
    }
