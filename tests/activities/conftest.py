"""Fixtures shared with the store's tests: S3 once it takes writes, and an Object-Locked bucket per test
(`evidence`); a module that needs its own bucket setup still defines its own `evidence`."""

from tests.store.conftest import evidence as evidence
from tests.store.conftest import s3_ready as s3_ready

__all__ = ["evidence", "s3_ready"]
