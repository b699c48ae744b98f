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
    from bench.portfolio import PhaseResult, Script


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


# ---- what the bench prints ---------------------------------------------------------------------
def mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def report_portfolio(real: dict[str, Any], b: PhaseResult, script_errors: list[str]) -> None:
    r: PhaseResult = real["result"]
    ratio = r.rate / b.rate if b.rate else float("nan")
    print(f"intake: {r.count} matters in {r.intake_seconds:.1f} s ({r.count / r.intake_seconds:.0f}/s)")
    print(f"matters/s (intake to legal_review or closed): {r.rate:.2f}  ({r.done}/{r.count} in {r.seconds:.1f} s)")
    print(f"bound (trivial workflow, same timers/activities/updates): {b.rate:.2f}  ({b.done}/{b.count} in "
          f"{b.seconds:.1f} s)")
    print(f"ratio: {ratio:.2f}")
    lag = real["lag"]
    if lag:
        print(f"lag behind the policy clock over {lag['steps']} steps: p50 {lag['p50']:.2f} s, p95 {lag['p95']:.2f} s, "
              f"max {lag['max']:.2f} s (demo: 1 s = 1 policy day)")
    h = real["history"]
    print(f"history events per simple matter (median of {h['matters']}): {h['events_median']} (max {h['events_max']})")
    print(f"workflow tasks: {h['tasks']}, p50 {h['task_ms_p50']:.0f} ms, p99 {h['task_ms_p99']:.0f} ms, "
          f"max {h['task_ms_max']:.0f} ms, over 1 s: {h['tasks_over_1s']}")
    for pid, rss in real["rss"].items():
        print(f"worker {pid} peak RSS (with its render processes): {mib(rss)}")
    print("CPU ms per matter, real | bound: " + cpu_line(real["cpu"], b.extra["cpu"], r.count))
    c = real["check"]
    if real["killed"]:
        print(f"killed worker {real['killed']} mid-run (SIGKILL)")
    print(f"not where they should be: {c['not_where_they_should_be']}" +
          (f" e.g. {c['examples']}" if c["examples"] else ""))
    print(f"S3: {c['s3_objects']} letters, stored twice: {c['s3_keys_stored_twice']}; duplicate event rows: "
          f"{c['duplicate_event_rows']}; payment rows: {c['payment_rows']}; script errors: {len(script_errors)}")
    for e in script_errors[:3]:
        print("  ", e)


def report_letters(actual: PhaseResult, trivial: PhaseResult) -> None:
    ratio = actual.rate / trivial.rate if trivial.rate else float("nan")
    print(f"intake: {actual.count / actual.intake_seconds:.0f} matters/s")
    print(f"letters/s end to end (rendered, stored in S3, in the projection): {actual.rate:.1f}  "
          f"({actual.done}/{actual.count} in {actual.seconds:.1f} s)")
    print(f"bound (trivial activity in the letter's place): {trivial.rate:.1f}  ({trivial.done}/{trivial.count} in "
          f"{trivial.seconds:.1f} s)")
    print(f"ratio: {ratio:.2f}")
    h = actual.extra["history"]
    print(f"workflow tasks (sample of {h['matters']} matters): {h['tasks']}, p50 {h['task_ms_p50']:.0f} ms, "
          f"p99 {h['task_ms_p99']:.0f} ms, max {h['task_ms_max']:.0f} ms, over 1 s: {h['tasks_over_1s']}")
    for pid, rss in actual.extra["rss"].items():
        print(f"worker {pid} peak RSS (with its render processes): {mib(rss)}")
    print("CPU ms per letter, real | trivial: " + cpu_line(actual.extra["cpu"], trivial.extra["cpu"], actual.count))


def cpu_line(real: dict[str, float], bound: dict[str, float], n: int) -> str:
    """Per process kind: CPU milliseconds per matter in the real run and in its bound."""
    def kind(name: str) -> str:
        return "workers" if name.startswith("worker") else name
    totals: dict[str, list[float]] = {}
    for i, usage in enumerate((real, bound)):
        for name, secs in usage.items():
            totals.setdefault(kind(name), [0.0, 0.0])[i] += secs
    parts = [f"{k} {v[0] * 1000 / n:.0f} | {v[1] * 1000 / n:.0f}" for k, v in totals.items()]
    all_real, all_bound = sum(v[0] for v in totals.values()), sum(v[1] for v in totals.values())
    return "; ".join(parts) + f"; all {all_real * 1000 / n:.0f} | {all_bound * 1000 / n:.0f}"
