"""Bulk import jobs (the web's import page): a row per uploaded file, its counts updated as rows open.

A job is `running` until its last row, then `finished`. The process running it is its `runner`, and every
row handled refreshes `updated_at`: a `running` job whose runner is this process but no longer has it, or
whose runner has given no sign of life for `STALE_AFTER`, was interrupted (a restart) and reads as
`interrupted`. Nothing of the file is kept (its cells may be personal data): an interrupted job is re-run by
uploading the same file again, which is safe because a matter opens once per external_ref.

These functions run inside the caller's transaction and only flush; committing is the caller's job.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import ImportJob

STALE_AFTER = timedelta(minutes=2)  # well above one row's longest call (the API's 10 s start timeout)
OUTCOMES = ("opened", "already", "failed")


async def create_job(session: AsyncSession, *, user_id: str, file_name: str, total: int, runner: str,
                     now: datetime) -> ImportJob:
    job = ImportJob(id=uuid.uuid4().hex, user_id=user_id, file_name=file_name[:200], status="running",
                    total=total, done=0, already=0, failed=0, problems="[]", runner=runner, created_at=now,
                    updated_at=now, finished_at=None)
    session.add(job)
    await session.flush()
    return job


async def record_row(session: AsyncSession, job_id: str, outcome: str, now: datetime,
                     problem: tuple[int, str, str] | None = None) -> None:
    """One row handled: `opened` (a new matter), `already` (its external_ref was open before) or `failed`
    (with `problem` = line, column, reason)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}")
    job = await session.get(ImportJob, job_id, with_for_update=True)
    if job is None:
        return
    if outcome == "failed":
        job.failed += 1
        if problem is not None:
            job.problems = json.dumps([*json.loads(job.problems), list(problem)], ensure_ascii=False)
    else:
        job.done += 1
        job.already += outcome == "already"
    job.updated_at = now
    if job.done + job.failed >= job.total:  # the last row: finished with it, in the same transaction
        job.status, job.finished_at = "finished", now
    await session.flush()


async def stop_job(session: AsyncSession, job_id: str, problem: tuple[int, str, str], now: datetime) -> None:
    """The job ends before its last row (what failed was not the row: the session ended, the system is down):
    `problem` says where and why; the rows after it were not tried."""
    job = await session.get(ImportJob, job_id, with_for_update=True)
    if job is None:
        return
    job.problems = json.dumps([*json.loads(job.problems), list(problem)], ensure_ascii=False)
    job.status, job.updated_at, job.finished_at = "finished", now, now
    await session.flush()


async def get_job(session: AsyncSession, job_id: str) -> ImportJob | None:
    return await session.get(ImportJob, job_id[:32])


async def recent_jobs(session: AsyncSession, user_id: str | None, limit: int = 20) -> list[ImportJob]:
    """The latest jobs, newest first: one person's, or everyone's (`user_id` None: a manager)."""
    query = select(ImportJob).order_by(ImportJob.created_at.desc()).limit(limit)
    if user_id is not None:
        query = query.where(ImportJob.user_id == user_id)
    return list((await session.scalars(query)).all())


def status_of(job: ImportJob, runner: str, alive: bool, now: datetime) -> str:
    """`running`, `finished` or `interrupted`. `runner` is this process's id, `alive` whether this process is
    running the job now (meaningful only when it is the job's runner)."""
    if job.status != "running":
        return job.status
    if job.runner == runner:
        return "running" if alive else "interrupted"
    return "running" if now - job.updated_at < STALE_AFTER else "interrupted"


def problems_of(job: ImportJob) -> list[tuple[int, str, str]]:
    return [(int(line), str(column), str(reason)) for line, column, reason in json.loads(job.problems)]
