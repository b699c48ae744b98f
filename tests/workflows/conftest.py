"""The time-skipping test server (a real Temporal test server binary, no download)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from infra.services import SEARCH_ATTRIBUTES, find_binary
from tests.conftest import unavailable


async def register_search_attributes(client: Client) -> None:
    """The test server knows no custom search attributes until told."""
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={
                name: getattr(IndexedValueType, f"INDEXED_VALUE_TYPE_{kind.upper()}")
                for name, kind in SEARCH_ATTRIBUTES.items()
            },
        )
    )


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh time-skipping server per test (~0.3 s): the v1 test server can leave time skipping
    locked after some calls (describe, terminate), which would stall every later test."""
    try:
        path = find_binary("temporal-test-server")
    except Exception as exc:
        unavailable(f"temporal-test-server binary missing: {exc}")
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=path, data_converter=pydantic_data_converter
    )
    await register_search_attributes(env.client)
    yield env
    await env.shutdown()
