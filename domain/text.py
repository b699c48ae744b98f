"""Plain text from users: no control characters.

Names, addresses, notes and references end up in letters, PDFs and databases. A NUL is
refused by PostgreSQL and vanishes from DOCX; other control characters corrupt documents or
hide text. They are refused at the door with a clear error rather than stored.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

# C0 controls except tab, newline and carriage return; DEL; C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def no_control_characters(value: str) -> str:
    match = _CONTROL.search(value)
    if match:
        raise ValueError(f"contains a control character (U+{ord(match.group()):04X}) at position {match.start()}")
    return value


PlainText = Annotated[str, AfterValidator(no_control_characters)]
