"""`workers.codec.EncryptionCodec` and the data converter: no plain borrower data leaves the process.

Unit tests, no servers: the codec is exercised directly and through the same
`workers.client.data_converter` every client and worker uses.
"""

from __future__ import annotations

import base64
import json
import os

import pytest
from cryptography.exceptions import InvalidTag
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError

from domain.policy import EscalationPolicy, LadderStep
from settings import Settings
from tests.factories import make_intake
from workers.client import data_converter
from workers.codec import ENCODING, EncryptionCodec
from workflows.contracts import MatterInput

KEY_1 = bytes(range(32))
KEY_2 = bytes(range(100, 132))
NAME = "张伟"
ID_NUMBER = "110105198001011234"
PLAIN = json.dumps({"borrower": NAME, "id_number": ID_NUMBER}, ensure_ascii=False).encode()


def plain_payload(data: bytes = PLAIN) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=data)


def pii_forms(text: str) -> list[bytes]:
    """The ways a string can appear in serialised payload bytes: UTF-8 and JSON `\\u` escapes."""
    escaped = json.dumps(text)[1:-1]  # ensure_ascii=True: "\\u5f20\\u4f1f" for 张伟
    forms = [text.encode(), escaped.encode()]
    return list(dict.fromkeys(forms))


async def test_round_trip() -> None:
    codec = EncryptionCodec("k1", KEY_1)
    original = [plain_payload(), plain_payload(b'"second"'), plain_payload(b"")]
    encoded = await codec.encode(original)
    assert len(encoded) == 3
    for p in encoded:
        assert p.metadata["encoding"] == ENCODING
        assert p.metadata["encryption-key-id"] == b"k1"
    assert await codec.decode(encoded) == original


async def test_ciphertext_does_not_contain_the_plaintext() -> None:
    codec = EncryptionCodec("k1", KEY_1)
    (encoded,) = await codec.encode([plain_payload()])
    wire = encoded.SerializeToString()
    for needle in (*pii_forms(NAME), ID_NUMBER.encode(), PLAIN, b"json/plain"):
        assert needle not in wire
    # Encoding metadata of the inner payload is encrypted too; only the envelope's shows.
    assert set(encoded.metadata) == {"encoding", "encryption-key-id"}


async def test_two_encryptions_differ() -> None:
    codec = EncryptionCodec("k1", KEY_1)
    a, b = await codec.encode([plain_payload(), plain_payload()])
    assert a.data != b.data
    assert a.data[:12] != b.data[:12]  # fresh random nonce each time
    assert await codec.decode([a, b]) == [plain_payload(), plain_payload()]


async def test_wrong_key_fails() -> None:
    (encoded,) = await EncryptionCodec("k1", KEY_1).encode([plain_payload()])
    with pytest.raises(InvalidTag):
        await EncryptionCodec("k1", KEY_2).decode([encoded])


async def test_tampered_ciphertext_or_key_id_fails() -> None:
    codec = EncryptionCodec("k1", KEY_1, old_keys={"k0": KEY_1})
    (encoded,) = await codec.encode([plain_payload()])
    flipped = bytearray(encoded.data)
    flipped[-1] ^= 1
    with pytest.raises(InvalidTag):
        codec.decrypt(Payload(metadata=dict(encoded.metadata), data=bytes(flipped)))
    # The key id is authenticated data: relabelling a payload breaks it even with the same key.
    relabelled = Payload(metadata={**encoded.metadata, "encryption-key-id": b"k0"}, data=encoded.data)
    with pytest.raises(InvalidTag):
        codec.decrypt(relabelled)


async def test_unknown_key_id_is_a_clear_error() -> None:
    (encoded,) = await EncryptionCodec("k9", KEY_1).encode([plain_payload()])
    with pytest.raises(ValueError, match="unknown key id 'k9'"):
        await EncryptionCodec("k1", KEY_1).decode([encoded])


async def test_key_rotation() -> None:
    old = EncryptionCodec("k1", KEY_1)
    (old_payload,) = await old.encode([plain_payload()])

    rotated = EncryptionCodec("k2", KEY_2, old_keys={"k1": KEY_1})
    assert await rotated.decode([old_payload]) == [plain_payload()]
    (new_payload,) = await rotated.encode([plain_payload()])
    assert new_payload.metadata["encryption-key-id"] == b"k2"
    assert await rotated.decode([new_payload]) == [plain_payload()]
    # A process that only knows the old key cannot read what the new key wrote.
    with pytest.raises(ValueError, match="unknown key id 'k2'"):
        await old.decode([new_payload])
    # Once the old key is dropped, old payloads are unreadable (retire keys only after histories age out).
    with pytest.raises(ValueError, match="unknown key id 'k1'"):
        await EncryptionCodec("k2", KEY_2).decode([old_payload])


async def test_non_encrypted_payload_passes_through_decode() -> None:
    codec = EncryptionCodec("k1", KEY_1)
    plain = plain_payload()
    no_metadata = Payload(data=b"raw")
    assert await codec.decode([plain, no_metadata]) == [plain, no_metadata]


@pytest.mark.parametrize("size", [0, 16, 31, 33])
def test_key_must_be_32_bytes(size: int) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        EncryptionCodec("k1", os.urandom(size))


def test_settings_refuse_a_short_key() -> None:
    short = Settings(encryption_key=base64.b64encode(os.urandom(31)).decode())
    with pytest.raises(ValueError, match="exactly 32 bytes"):
        data_converter(short)
    with pytest.raises(ValueError, match="not set"):
        data_converter(Settings(encryption_key=None))


def matter_input() -> MatterInput:
    policy = EscalationPolicy(
        name="unit",
        version=1,
        ladder=(LadderStep(day=1, channel="letter", template="reminder_letter", name="reminder"),),
        negotiation_days=2,
        promise_grace_days=0,
    )
    intake = make_intake()
    assert intake.borrower.name == NAME and intake.borrower.id_number == ID_NUMBER
    return MatterInput(matter_id="m-unit", intake=intake, policy=policy, opened_by="tester")


async def test_data_converter_round_trip_hides_pii() -> None:
    settings = Settings(encryption_key=base64.b64encode(KEY_1).decode(), encryption_key_id="k1")
    converter = data_converter(settings)
    value = matter_input()

    payloads = await converter.encode([value])
    assert [p.metadata["encoding"] for p in payloads] == [ENCODING]
    wire = b"".join(p.SerializeToString() for p in payloads)
    for needle in (*pii_forms(NAME), ID_NUMBER.encode(), b"13800138000", "北京市朝阳区".encode()):
        assert needle not in wire, needle
    assert await converter.decode(payloads, [MatterInput]) == [value]

    # Control: without the codec the same value does carry the PII, so the check above can fail.
    clear = b"".join(p.SerializeToString() for p in pydantic_data_converter.payload_converter.to_payloads([value]))
    assert any(form in clear for form in pii_forms(NAME))
    assert ID_NUMBER.encode() in clear


async def test_data_converter_encrypts_failure_messages() -> None:
    converter = data_converter(Settings(encryption_key=base64.b64encode(KEY_1).decode()))
    failure = Failure()
    await converter.encode_failure(ApplicationError(f"borrower {NAME} {ID_NUMBER} refused", type="X"), failure)
    wire = failure.SerializeToString()
    for needle in (*pii_forms(NAME), ID_NUMBER.encode()):
        assert needle not in wire
    decoded = await converter.decode_failure(failure)
    assert NAME in str(decoded) and ID_NUMBER in str(decoded)


def test_old_keys_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="old payload encryption key must be 32 bytes"):
        EncryptionCodec("k2", KEY_2, old_keys={"k1": KEY_1[:16]})


async def test_data_converter_reads_what_old_keys_wrote() -> None:
    """A rotation: the new key encrypts, the old key (RECOVERY_ENCRYPTION_OLD_KEYS) still decrypts."""
    value = matter_input()
    before = data_converter(Settings(encryption_key=base64.b64encode(KEY_1).decode(), encryption_key_id="k1"))
    old_payloads = await before.encode([value])
    rotated = Settings(
        encryption_key=base64.b64encode(KEY_2).decode(),
        encryption_key_id="k2",
        encryption_old_keys=f"k1={base64.b64encode(KEY_1).decode()}",
    )
    after = data_converter(rotated)
    assert await after.decode(old_payloads, [MatterInput]) == [value]
    new_payloads = await after.encode([value])
    assert [p.metadata["encryption-key-id"] for p in new_payloads] == [b"k2"]
    assert await after.decode(new_payloads, [MatterInput]) == [value]
    # The control: the same new key without the old one cannot read the old payloads.
    without = data_converter(Settings(encryption_key=base64.b64encode(KEY_2).decode(), encryption_key_id="k2"))
    with pytest.raises(ValueError, match="unknown key id 'k1'"):
        await without.decode(old_payloads, [MatterInput])
