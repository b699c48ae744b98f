"""Rendering letters in worker processes, so a backlog of letters never starves workflow tasks.

docxtpl and lxml hold the GIL while they work: rendered on threads of the worker process, a
burst of letters delays every workflow task that process runs (under load, tasks took over 5 s).
A `RenderPool` renders in separate processes (spawned, not forked: the Temporal client's native
threads must not be forked), each with its prepared templates warm. A pool whose process died is
replaced at the next call; the letter that was rendering then is retried by Temporal.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from documents.base import LetterBase
from documents.renderer import RenderedDocument, render

log = logging.getLogger(__name__)


def _warm(niceness: int = 0) -> None:
    """In each new process: lower its priority by `niceness`, then prepare every template once, so
    the first letters are not slow.

    Rendering is batch work: when the cores are busy, an intake, a read or a workflow task (people
    and deadlines wait on those) should run first, and a letter a moment later (`bench.intake`).
    """
    if niceness:
        os.nice(niceness)
    from documents.contexts import KINDS, LOCALES
    from documents.renderer import prepared_template

    for kind in KINDS:
        for locale in LOCALES:
            try:
                prepared_template(kind, locale)
            except Exception:  # a missing template fails its own letters, loudly, later
                pass


class RenderPool:
    """`await pool.render(kind, context)`: the same result as `documents.renderer.render`, off-process."""

    def __init__(self, processes: int | None = None, niceness: int = 0) -> None:
        self.processes = max(1, processes or (os.cpu_count() or 1))
        self.niceness = niceness
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.processes, mp_context=multiprocessing.get_context("spawn"), initializer=_warm,
                    initargs=(self.niceness,),
                )
            return self._executor

    async def render(self, kind: str, context: LetterBase) -> RenderedDocument:
        pool = self._pool()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, render, kind, context)
        except BrokenProcessPool:
            log.warning("a render process died; starting a new pool")
            with self._lock:
                if self._executor is pool:
                    self._executor = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
