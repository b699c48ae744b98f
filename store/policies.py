"""Loads escalation policies from the policy directory (the only I/O around policies).

The directory is the setting `policy_dir` (RECOVERY_POLICY_DIR, by default the repository's
`policies/`). Every process that opens matters (worker, API, CLI) calls `load_policies` when
it starts, so that a bad file stops it there, with the file, the field and the reason, rather
than failing a matter later. Besides the model's own rules (domain/policy.py) a file must be
valid YAML without repeated keys, hold one mapping, and name itself: `name` equals the file
stem, and no two files define the same name.

Whether the document kinds a policy names have templates is the documents' business: this
module may not import documents/ (see DESIGN.md), so that check is passed in as `check` by the
start-up code (documents.policy_check.policy_document_problems).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from domain.policy import EscalationPolicy, PolicyError, PolicyProblem

__all__ = [
    "PolicyCheck", "PolicyError", "UnknownPolicy", "default_policy_dir", "get_policy", "load_policies",
]  # fmt: skip

POLICY_SUFFIXES = (".yaml", ".yml")

# An extra check of a valid policy: (field path or None, reason) for each problem found.
PolicyCheck = Callable[[EscalationPolicy], Iterable[tuple[str | None, str]]]


class UnknownPolicy(LookupError):
    pass


def default_policy_dir() -> Path:
    """RECOVERY_POLICY_DIR as the settings read it (without creating development secrets)."""
    from settings import Settings

    return Settings().policy_dir


def load_policies(directory: Path | None = None, *, check: PolicyCheck | None = None) -> dict[str, EscalationPolicy]:
    """Every policy file of `directory`, by name; PolicyError lists every problem of every file.

    Read once per (directory, check) and process: a file edited afterwards is seen by the next
    process, which is also when a matter could first use it.
    """
    return _load(Path(directory) if directory is not None else default_policy_dir(), check)


@lru_cache
def _load(directory: Path, check: PolicyCheck | None) -> dict[str, EscalationPolicy]:
    if not directory.is_dir():
        raise PolicyError([PolicyProblem(str(directory), None, "policy directory not found (RECOVERY_POLICY_DIR)")])
    paths = sorted(p for p in directory.iterdir() if p.suffix in POLICY_SUFFIXES and p.is_file())
    if not paths:
        raise PolicyError([PolicyProblem(str(directory), None, "no policy files (*.yaml) in the policy directory")])
    policies: dict[str, EscalationPolicy] = {}
    defined_in: dict[str, Path] = {}
    problems: list[PolicyProblem] = []
    for path in paths:
        source = str(path)
        try:
            policy = EscalationPolicy.from_mapping(_read(path), source)
        except PolicyError as exc:
            problems.extend(exc.problems)
            continue
        spacing = policy.letter_spacing_problems()
        if spacing:
            problems.extend(PolicyProblem(source, field, reason) for field, reason in spacing)
            continue
        if policy.name != path.stem:
            problems.append(
                PolicyProblem(source, "name", f"{policy.name!r} does not match the file name (expected {path.stem!r})")
            )
            continue
        if policy.name in defined_in:
            reason = f"{policy.name!r} is already defined in {defined_in[policy.name]}"
            problems.append(PolicyProblem(source, "name", reason))
            continue
        if check is not None:
            found = [PolicyProblem(source, field, reason) for field, reason in check(policy)]
            if found:
                problems.extend(found)
                continue
        policies[policy.name] = policy
        defined_in[policy.name] = path
    if problems:
        raise PolicyError(problems)
    return policies


def _read(path: Path) -> dict[str, Any]:
    """The file's one mapping; PolicyError naming the file (and the line, for YAML errors)."""
    source = str(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_PolicyLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise PolicyError([PolicyProblem(source, where, f"invalid YAML: {exc.problem or exc.context}")]) from None
    except yaml.YAMLError as exc:
        raise PolicyError([PolicyProblem(source, None, f"invalid YAML: {exc}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([PolicyProblem(source, None, f"cannot read the file: {exc}")]) from None
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise PolicyError([PolicyProblem(source, None, f"expected a mapping of policy fields, got {got}")])
    return data


class _PolicyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a key repeated in one mapping (safe_load keeps the last one
    silently, so a second `ladder:` would quietly replace the first)."""


def _construct_mapping(loader: _PolicyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            seen = first_line.get(key)
        except TypeError:  # an unhashable key: construct_mapping below reports it
            continue
        if seen is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} repeated (first on line {seen})", key_node.start_mark
            )
        first_line[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=True)


_PolicyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def get_policy(name: str, directory: Path | None = None) -> EscalationPolicy:
    """The current version of policy `name` (from RECOVERY_POLICY_DIR unless `directory` is given)."""
    policies = load_policies(directory)
    if name not in policies:
        raise UnknownPolicy(f"unknown policy {name!r}; known: {', '.join(sorted(policies))}")
    return policies[name]
