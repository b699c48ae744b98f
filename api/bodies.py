"""A request body read with a cap: never whole into memory past the limit, refused by its declared length first."""

from __future__ import annotations

from fastapi import Request


async def read_capped(request: Request, limit: int) -> bytes | None:
    """The request's body, or None when its declared `Content-Length` or what arrives passes `limit` bytes
    (reading stops there). The caller says why, in its own words and status."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
