"""History cursors: where a page of a matter's history starts, signed and bound to its workflow.

A cursor is URL-safe base64 of zlib-compressed JSON with an HMAC-SHA256 tag (key derived from the
payload encryption key), bound to the workflow id: anything malformed, tampered with, or taken
from another matter's history raises `InvalidCursor`. It carries the little the reader must
remember across pages (`ReaderState`), already in plain words.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import zlib
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_RUNS = 10_000
CURSOR_MAX_CHARS = 8192  # a cursor is ~0.5-1 KB; anything longer is not one of ours
_MAC_BYTES = 16


class InvalidCursor(ValueError):
    """The cursor is malformed, was tampered with, or belongs to another matter's history."""


# ------------------------------------------------------------------------------- the cursor
class ReaderState(BaseModel):
    """What the reader remembers across pages (everything already in plain words)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: str | None = None  # the last MatterStage seen (search attributes carry over runs)
    attention: bool | None = None  # the last NeedsAttention seen
    wf_type: str = ""  # the current run's workflow type
    activities: dict[int, str] = Field(default_factory=dict)  # scheduled event id -> activity type
    timers: dict[str, tuple[str | None, float]] = Field(default_factory=dict)  # id -> (summary, seconds)
    updates: dict[str, tuple[str, str]] = Field(default_factory=dict)  # update id -> (name, actor)
    children: dict[int, tuple[str, str]] = Field(default_factory=dict)  # initiated event id -> (id, label)


class _CursorBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1]
    w: str  # workflow id: a cursor only ever resumes the history it came from
    r: str = Field(min_length=1, max_length=200)  # run id
    n: int = Field(ge=1, le=MAX_RUNS)  # the run's number in the chain (1 = first run)
    t: str = Field(max_length=CURSOR_MAX_CHARS)  # the page token (base64) whose page holds event `e`
    e: int = Field(ge=1)  # the next event id to read in run `r`
    s: ReaderState


@dataclass(frozen=True)
class Position:
    """Where a page starts: run (and its number in the chain), page token, next event id, state."""

    run_id: str
    run_number: int
    token: bytes
    next_event_id: int
    state: ReaderState = field(default_factory=ReaderState)


def cursor_key(secret: bytes) -> bytes:
    """The HMAC key of history cursors, derived from a server secret (the payload encryption key)."""
    return hmac.new(secret, b"recovery/history-cursor/v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(wid: str, pos: Position, key: bytes) -> str:
    """An opaque, URL-safe, signed cursor for `pos` in the history of workflow `wid`."""
    body = _CursorBody(
        v=1,
        w=wid,
        r=pos.run_id,
        n=pos.run_number,
        t=_b64(pos.token),
        e=pos.next_event_id,
        s=pos.state,
    )
    packed = zlib.compress(body.model_dump_json(exclude_defaults=False).encode(), 9)
    mac = hmac.new(key, packed, hashlib.sha256).digest()[:_MAC_BYTES]
    return _b64(mac + packed)


def decode_cursor(cursor: str, wid: str, key: bytes) -> Position:
    """The position a cursor of `encode_cursor` names; `InvalidCursor` when it is not a valid one for `wid`."""
    if not cursor or len(cursor) > CURSOR_MAX_CHARS:
        raise InvalidCursor("not a history cursor")
    try:
        raw = _unb64(cursor)
    except (binascii.Error, ValueError):
        raise InvalidCursor("not a history cursor (bad encoding)") from None
    mac, packed = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
    expected = hmac.new(key, packed, hashlib.sha256).digest()[:_MAC_BYTES]
    if len(mac) < _MAC_BYTES or not hmac.compare_digest(mac, expected):
        raise InvalidCursor("not a history cursor, altered, or issued under another key; start again without it")
    try:
        inflate = zlib.decompressobj()
        text = inflate.decompress(packed, 16 * CURSOR_MAX_CHARS)
        if inflate.unconsumed_tail:
            raise InvalidCursor("not a history cursor (too long)")
        body = _CursorBody.model_validate_json(text)
        token = _unb64(body.t)
    except (zlib.error, ValidationError, binascii.Error, ValueError):
        raise InvalidCursor("not a history cursor (bad content)") from None
    if not hmac.compare_digest(body.w.encode(), wid.encode()):
        raise InvalidCursor("this cursor belongs to another matter's history")
    return Position(run_id=body.r, run_number=body.n, token=token, next_event_id=body.e, state=body.s)
