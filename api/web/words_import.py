"""The words of the bulk import page
(both languages, the same keys in each)."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
    },
    "zh-CN": {
    },
}
