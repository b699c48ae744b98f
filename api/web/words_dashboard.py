"""The words of the manager's dashboard, the deadlines page and a matter's full history
(both languages, the same keys in each)."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
    },
    "zh-CN": {
    },
}
