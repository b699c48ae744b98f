"""Plain text from users: no control characters, no invisible formatting characters.

Names, addresses, notes and references end up in letters, PDFs and databases. A NUL is
refused by PostgreSQL and vanishes from DOCX; other control characters corrupt documents or
hide text. Bidirectional overrides and zero-width characters make a name or a number read
differently from what it is. All are refused at the door with a clear error rather than stored.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

# C0 controls except tab, newline and carriage return; DEL; C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


# Invisible format characters that change how text reads without showing: bidirectional
# embeddings, overrides, isolates and marks (a name printed right-to-left in a letter), zero-width
# space and no-break space, word joiner, soft hyphen. ZWJ and ZWNJ (U+200C, U+200D) stay: some
# scripts need them in names.
_INVISIBLE = re.compile(r"[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def no_control_characters(value: str) -> str:
    match = _CONTROL.search(value)
    if match:
        raise ValueError(f"contains a control character (U+{ord(match.group()):04X}) at position {match.start()}")
    match = _INVISIBLE.search(value)
    if match:
        raise ValueError(
            f"contains an invisible formatting character (U+{ord(match.group()):04X}) at position {match.start()}"
        )
    return value


PlainText = Annotated[str, AfterValidator(no_control_characters)]


class FieldError(ValueError):
    """A rule refused something: `field` names what is wrong (a dotted path), `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
