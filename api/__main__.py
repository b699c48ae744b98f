"""`python -m api`: serve the API with uvicorn (one process).

It listens on RECOVERY_API_HOST:RECOVERY_API_PORT, or, when `RECOVERY_API_SOCKET_FD` names an
inherited listening socket, on that socket: `recovery up` binds the port once and hands the socket to
each of its `RECOVERY_API_PROCESSES` API processes, so the kernel gives each connection to whichever
process accepts it first, and a process that dies or restarts loses nothing still queued.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import sys

import uvicorn

from api.app import create_app
from settings import API_SOCKET_FD_ENV as SOCKET_FD_ENV
from settings import get_settings
from store.policies import PolicyError


def inherited_socket(env: dict[str, str] | None = None) -> socket.socket | None:
    """The listening socket named by `RECOVERY_API_SOCKET_FD`, if any (family and type read from the fd)."""
    raw = (env if env is not None else os.environ).get(SOCKET_FD_ENV, "").strip()
    if not raw:
        return None
    try:
        fd = int(raw)
        sock = socket.socket(fileno=fd)
    except (ValueError, OSError) as exc:
        raise SystemExit(f"API not started: {SOCKET_FD_ENV}={raw!r} is not an open socket ({exc})") from None
    if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) != 1:
        raise SystemExit(f"API not started: {SOCKET_FD_ENV}={raw!r} is a socket that is not listening")
    return sock


def freeze_startup_heap() -> None:
    """Exempt what start-up built (modules, schemas, mappers: ~all live objects) from the collector.

    A full collection otherwise walks all of it, a pause every request waiting in that process
    shares (the tail of the latency under load); what requests allocate is collected as before.
    """
    gc.collect()
    gc.freeze()


def main() -> None:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    sock = inherited_socket()
    try:
        app = create_app(settings)
    except PolicyError as exc:  # an expected refusal: the message, no traceback
        sys.exit(f"API not started: bad policy\n{exc}")
    freeze_startup_heap()
    if sock is None:
        uvicorn.run(app, host=settings.api_host, port=settings.api_port, workers=1,
                    log_level=settings.log_level.lower())
        return
    uvicorn.Server(uvicorn.Config(app, log_level=settings.log_level.lower())).run(sockets=[sock])


if __name__ == "__main__":
    main()
