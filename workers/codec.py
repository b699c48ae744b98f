"""AES-GCM payload encryption: borrower PII never reaches Temporal in plain text.

Every payload (workflow inputs, activity inputs and results, update arguments, query
results, failure details) is serialised, then encrypted with AES-256-GCM under the current
key. The key id travels in the payload metadata so keys can be rotated: old payloads
decrypt with their own key as long as it is still configured.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
_NONCE = 12


class EncryptionCodec(PayloadCodec):
    """Encrypts with `key_id`; decrypts with any key in `keys`."""

    def __init__(self, key_id: str, key: bytes, old_keys: Mapping[str, bytes] | None = None) -> None:
        if len(key) != 32:
            raise ValueError("the payload encryption key must be 32 bytes")
        if any(len(k) != 32 for k in (old_keys or {}).values()):
            raise ValueError("every old payload encryption key must be 32 bytes")
        self._key_id = key_id
        self._keys = {**(old_keys or {}), key_id: key}
        self._ciphers = {kid: AESGCM(k) for kid, k in self._keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(_NONCE)
        key_id = self._key_id.encode()
        data = self._ciphers[self._key_id].encrypt(nonce, payload.SerializeToString(), key_id)
        return Payload(
            metadata={"encoding": ENCODING, "encryption-key-id": key_id},
            data=nonce + data,
        )

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get("encryption-key-id", b"").decode()
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise ValueError(f"payload encrypted with unknown key id {key_id!r}")
        plain = cipher.decrypt(payload.data[:_NONCE], payload.data[_NONCE:], key_id.encode())
        out = Payload()
        out.ParseFromString(plain)
        return out
