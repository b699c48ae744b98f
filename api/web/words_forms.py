"""The words of a matter's further forms (contact, settlement, hold, evidence) and the partner's proceedings events
(both languages, the same keys in each)."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
    },
    "zh-CN": {
    },
}
