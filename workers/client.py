"""The Temporal client every process uses: same data converter, same codec, same TLS rules.

Clients and workers must agree on the data converter, or they cannot read each other's
payloads; so this is the one place that builds it.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from temporalio.client import Client, TLSConfig
from temporalio.common import WorkflowIDReusePolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.matter import MatterIntake
from domain.policy import EscalationPolicy
from settings import Settings
from workers.codec import EncryptionCodec
from workflows.contracts import WORKFLOW_NAME, MatterInput, matter_id_for, workflow_id


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic payloads (Decimal, dates), encrypted; failure messages encrypted too.

    New payloads are encrypted with the current key; payloads written before a rotation are
    decrypted with the old key of their id (`RECOVERY_ENCRYPTION_OLD_KEYS`).
    """
    codec = EncryptionCodec(
        settings.encryption_key_id, settings.encryption_key_bytes(), old_keys=settings.encryption_old_keys_bytes()
    )
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def _tls(settings: Settings) -> TLSConfig | bool:
    if not settings.temporal_tls:
        return False

    def read(path):  # type: ignore[no-untyped-def]
        return path.read_bytes() if path else None

    return TLSConfig(
        server_root_ca_cert=read(settings.temporal_tls_server_ca),
        client_cert=read(settings.temporal_tls_client_cert),
        client_private_key=read(settings.temporal_tls_client_key),
    )


async def connect(settings: Settings, *, identity: str | None = None) -> Client:
    """Connect to Temporal as configured (local dev server, or a cluster with TLS / API key)."""
    tls = _tls(settings)
    if settings.temporal_api_key and tls is False:
        tls = True  # an API key is only ever sent over TLS
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        api_key=settings.temporal_api_key,
        tls=tls,
        data_converter=data_converter(settings),
        identity=identity,
        connect_timeout=timedelta(seconds=10),
    )


START_TIMEOUT = timedelta(seconds=10)


async def open_matter(
    client: Client,
    task_queue: str,
    intake: MatterIntake,
    policy: EscalationPolicy,
    actor: str,
) -> tuple[str, bool]:
    """Start the matter's workflow; `(matter_id, created)`. The same external_ref never starts twice.

    The workflow ID is derived from the external reference and Temporal refuses a second
    workflow with that ID, even after the first one closed, so there is exactly one matter
    per reference even when two requests race.
    """
    matter_id = matter_id_for(intake.external_ref)
    try:
        await client.start_workflow(
            WORKFLOW_NAME,
            MatterInput(matter_id=matter_id, intake=intake, policy=policy, opened_by=actor),
            id=workflow_id(matter_id),
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            rpc_timeout=START_TIMEOUT,  # a hung Temporal: DEADLINE_EXCEEDED (the API's 503), not a hang
        )
    except WorkflowAlreadyStartedError:
        return matter_id, False
    return matter_id, True
