"""Keep-alive connections that end after a number of requests, so several API processes share the load.

`recovery up` runs several API processes accepting on one socket. The kernel hands a new
connection to whichever process accepts first, and a process accepts every connection waiting
when it wakes: ten clients connecting together all landed on one process (measured: 9 of 10
connections), which then served 90% of the requests while the other idled, for as long as the
connections were kept alive. Here each connection answers at most `max_requests` requests; the
last one says `Connection: close`, and the client's next connection goes to the process that
accepts first, which under load is the one not busy. Clients reconnect by themselves (HTTP/1.1).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

KEEPALIVE_REQUESTS = 32
_TRACKED = 4096  # connections remembered at once (the oldest are forgotten: they have likely closed)


class RecycleConnections:
    """ASGI middleware: the `max_requests`-th response on a connection closes it."""

    def __init__(self, app: ASGIApp, max_requests: int = KEEPALIVE_REQUESTS) -> None:
        if max_requests < 1:
            raise ValueError("max_requests must be at least 1")
        self.app, self.max_requests = app, max_requests
        self.served: dict[tuple[str, int], int] = {}  # per client (host, port): one live connection

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client") if scope["type"] == "http" else None
        if not client:
            await self.app(scope, receive, send)
            return
        peer = (client[0], client[1])
        served = self.served.pop(peer, 0) + 1
        if served < self.max_requests:
            self.served[peer] = served  # re-inserted: the dict stays ordered by last use
            if len(self.served) > _TRACKED:
                del self.served[next(iter(self.served))]
            await self.app(scope, receive, send)
            return

        async def closing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, closing_send)
