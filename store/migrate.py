"""`python -m store.migrate`: upgrade the configured database (RECOVERY_DATABASE_URL) to head."""

from __future__ import annotations

import logging

from settings import get_settings
from store.db import migrate


def main() -> None:
    logging.basicConfig(level=get_settings().log_level, format="%(levelname)s %(name)s: %(message)s")
    migrate(get_settings().db_url)


if __name__ == "__main__":
    main()
