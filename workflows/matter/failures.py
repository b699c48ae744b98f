"""A side effect that failed, and whether trying again later may help (letters, messages, children)."""

from __future__ import annotations

from collections.abc import Sequence

from temporalio.exceptions import ActivityError, ApplicationError


class Failed(Exception):
    """A side effect failed; `retryable` says whether trying again later may help."""

    def __init__(self, error: str, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason
        self.retryable = retryable


def failure_of(exc: ActivityError, what: str, non_retryable: Sequence[str] = ()) -> Failed:
    """What an activity's failure means for the matter: its error type, plain words, retryable or not."""
    cause = exc.cause
    if isinstance(cause, ApplicationError):
        error = cause.type or "ApplicationError"
        if cause.non_retryable or error in non_retryable:
            return Failed(error, f"{what}: {cause.message}", retryable=False)
        return Failed(error, f"{what} keeps failing ({error}); retried automatically", retryable=True)
    name = type(cause).__name__ if cause is not None else "ActivityError"
    return Failed(name, f"{what} keeps failing ({name}); retried automatically", retryable=True)


__all__ = ["Failed", "failure_of"]
