"""The base of the matter state's parts, and the digest of a command's body (`workflows/matter/state.py`)."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict


def digest(*parts: object) -> str:
    """A stable digest of a command's body (its meaning, not who sent it)."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore")


__all__ = ["_Part", "digest"]
