"""The FastAPI application: `create_app(settings)`.

The lifespan connects the Temporal client (same data converter and payload codec as the
workers), builds the database engine and the evidence store. Tests may inject any of the
three (`temporal=`, `sessionmaker=`, `evidence=`); what is injected is not closed here.
OpenAPI docs are at `/docs`.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api import errors, web
from api.keepalive import RecycleConnections
from api.routes import (
    arrangements,
    assets,
    bundles,
    codec,
    commands,
    conduct,
    documents,
    firms,
    guarantors,
    health,
    history,
    matters,
    parties,
    proceedings,
    referrals,
    reports,
)
from api.routes import evidence as uploads
from api.web.common import PasswordChangeDue, to_password_page
from documents.policy_check import policy_document_problems
from settings import Settings, get_settings
from store.db import make_engine, make_sessionmaker
from store.evidence import EvidenceStore
from store.policies import load_policies
from workers.client import connect

log = logging.getLogger(__name__)

# A request waits for S3 at most a few times (2 + 3) s: a hung store is a prompt 503, not a hang.
API_S3_TIMEOUTS = {"connect_timeout": 2, "read_timeout": 3, "max_attempts": 2}
# Each database round trip of a request (a query, a commit, waiting for a pooled connection): at most
# this many seconds, then 503 naming the database (`store.db.BoundedSession`).
API_DB_TIMEOUT = 5.0


def create_app(
    settings: Settings | None = None,
    *,
    temporal: Client | None = None,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    evidence: EvidenceStore | None = None,
) -> FastAPI:
    """Build the app. Whatever is not injected is created from `settings` when the app starts."""
    settings = (settings or get_settings()).resolved()
    # Refuse to build the app on a bad policy file (PolicyError: file, field, reason).
    load_policies(settings.policy_dir, check=policy_document_problems)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned_engine = None
        if app.state.temporal is None:
            app.state.temporal = await connect(settings, identity=f"recovery-api-{os.getpid()}@{socket.gethostname()}")
        if app.state.sessionmaker is None:
            owned_engine = make_engine(settings.db_url)
            app.state.sessionmaker = make_sessionmaker(owned_engine, timeout=API_DB_TIMEOUT)
        app.state.engine = app.state.sessionmaker.kw["bind"]
        if app.state.evidence is None:
            app.state.evidence = EvidenceStore.from_settings(settings, **API_S3_TIMEOUTS)
        try:
            yield
        finally:
            if owned_engine is not None:
                await owned_engine.dispose()

    app = FastAPI(
        title="Recovery API",
        summary="Legal recovery of overdue loans: one durable Temporal workflow per matter.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.temporal = temporal
    app.state.sessionmaker = sessionmaker
    app.state.evidence = evidence
    app.state.engine = sessionmaker.kw["bind"] if sessionmaker is not None else None

    @app.exception_handler(RPCError)
    async def _temporal_error(request: Request, exc: RPCError) -> JSONResponse:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return JSONResponse({"detail": "not found"}, status_code=status.HTTP_404_NOT_FOUND)
        log.warning("temporal call failed on %s %s: %s", request.method, request.url.path, exc.status)
        if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            return JSONResponse({"detail": "Temporal is unavailable; retry"}, status_code=503)
        return JSONResponse({"detail": "Temporal refused the request"}, status_code=status.HTTP_502_BAD_GATEWAY)

    errors.install(app)
    app.add_middleware(RecycleConnections)  # outermost: several API processes share the load
    app.include_router(health.router)
    app.include_router(matters.router)
    app.include_router(history.router)  # GET /matters/{matter_id}/history
    app.include_router(parties.router)
    app.include_router(commands.router)
    app.include_router(arrangements.router)
    app.include_router(arrangements.queue_router)
    app.include_router(conduct.router)
    app.include_router(referrals.router)
    app.include_router(referrals.referrals_router)
    app.include_router(firms.router)
    app.include_router(proceedings.router)
    app.include_router(guarantors.router)
    app.include_router(assets.router)
    app.include_router(documents.router)
    app.include_router(bundles.router)
    app.include_router(uploads.router)
    app.include_router(reports.router)
    app.include_router(codec.router)  # Temporal's Web UI decodes histories here, for managers
    app.include_router(web.router)
    app.add_exception_handler(PasswordChangeDue, to_password_page)
    return app
