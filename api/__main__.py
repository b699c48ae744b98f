"""`python -m api`: serve the API with uvicorn on RECOVERY_API_HOST:RECOVERY_API_PORT (one process)."""

from __future__ import annotations

import logging
import sys

import uvicorn

from api.app import create_app
from settings import get_settings
from store.policies import PolicyError


def main() -> None:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        app = create_app(settings)
    except PolicyError as exc:  # an expected refusal: the message, no traceback
        sys.exit(f"API not started: bad policy\n{exc}")
    uvicorn.run(app, host=settings.api_host, port=settings.api_port, workers=1, log_level=settings.log_level.lower())


if __name__ == "__main__":
    main()
