"""`python -m api`: serve the API with uvicorn on RECOVERY_API_HOST:RECOVERY_API_PORT (one process)."""

from __future__ import annotations

import logging

import uvicorn

from api.app import create_app
from settings import get_settings


def main() -> None:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, workers=1,
                log_level=settings.log_level.lower())


if __name__ == "__main__":
    main()
