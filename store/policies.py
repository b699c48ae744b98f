"""Loads escalation policies from `policies/*.yaml` (the only I/O around policies)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from domain.policy import EscalationPolicy

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"


class UnknownPolicy(LookupError):
    pass


@lru_cache
def load_policies(directory: Path = POLICY_DIR) -> dict[str, EscalationPolicy]:
    """Every policy file, by name (the file's `name`, which must match the file stem)."""
    policies: dict[str, EscalationPolicy] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        policy = EscalationPolicy.from_mapping(data)
        if policy.name != path.stem:
            raise ValueError(f"{path.name}: policy name {policy.name!r} does not match the file name")
        policies[policy.name] = policy
    return policies


def get_policy(name: str, directory: Path = POLICY_DIR) -> EscalationPolicy:
    policies = load_policies(directory)
    if name not in policies:
        raise UnknownPolicy(f"unknown policy {name!r}; known: {', '.join(sorted(policies))}")
    return policies[name]
