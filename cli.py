"""`recovery`: the command line at the edge of the system.

    recovery up [--no-demo]              the whole local stack in the foreground (`make run`)
    recovery worker                      the Temporal worker alone
    recovery api                         the HTTP API alone
    recovery demo                        open the demo matters (idempotent)
    recovery import FILE.csv             bulk intake from a CSV file (see domain/intake_csv.py)
    recovery keys create --role ROLE     a new API key, printed once

`python -m cli ...` works the same. Settings come from RECOVERY_* environment variables.
Output names matters by their external reference and lines by number, never by a
borrower's personal data.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from settings import DEMO_OPEN_MARK, ROOT, Settings

if TYPE_CHECKING:
    from temporalio.client import Client

    from domain.intake_csv import FieldError
    from domain.matter import MatterIntake
    from domain.parties import LawFirm

T = TypeVar("T")
DEMO_PORTFOLIO = ROOT / "infra" / "demo_portfolio.json"
IMPORT_CONCURRENCY = 16

app = typer.Typer(
    name="recovery",
    help="Legal recovery of overdue loans: one durable Temporal workflow per matter.",
    no_args_is_help=True,
    add_completion=False,
)
keys_app = typer.Typer(help="API keys for the HTTP API.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
firms_app = typer.Typer(help="The law firms matters are referred to.", no_args_is_help=True)
app.add_typer(firms_app, name="firms")
users_app = typer.Typer(help="People who log in to the web application.", no_args_is_help=True)
app.add_typer(users_app, name="users")


class Role(StrEnum):
    legal_team = "legal_team"
    manager = "manager"
    partner = "partner"


def _settings() -> Settings:
    """Fresh settings per command (not the cached process-wide ones), local secrets resolved."""
    return Settings().resolved()


def _default_actor() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _policies_or_exit(directory: Path) -> None:
    """Refuse to open matters when a policy file is bad: file, field and reason on stderr, exit 1."""
    from documents.policy_check import policy_document_problems
    from store.policies import PolicyError, load_policies

    try:
        load_policies(directory, check=policy_document_problems)
    except PolicyError as exc:
        typer.echo(f"bad policy:\n{exc}", err=True)
        raise typer.Exit(1) from None


def _exec_module(module: str) -> None:
    """Replace this process with `python -m module` (signals then go straight to it)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", module], env)


# ---------------------------------------------------------------------------------------------
@app.command()
def up(
    demo: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Open the demo matters once the stack is up (idempotent).")
    ] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the API to report healthy.")] = 90.0,
) -> None:
    """Start SeaweedFS, Temporal, the worker and the API; Ctrl-C stops them all."""
    from infra.up import run

    raise typer.Exit(run(demo=demo, health_timeout=timeout))


@app.command()
def worker() -> None:
    """Run the Temporal worker (python -m workers.main) until SIGTERM/SIGINT."""
    _exec_module("workers.main")


@app.command()
def api() -> None:
    """Run the HTTP API (python -m api) on RECOVERY_API_HOST:RECOVERY_API_PORT."""
    _exec_module("api")


# ---------------------------------------------------------------------------------------------
def _load_portfolio(path: Path) -> list[MatterIntake]:
    from pydantic import ValidationError

    from domain.matter import MatterIntake

    data = json.loads(path.read_text(encoding="utf-8"))
    items = data["matters"] if isinstance(data, dict) else data
    intakes = []
    for i, item in enumerate(items):
        try:
            intakes.append(MatterIntake.model_validate(item))
        except ValidationError as exc:
            fields = ", ".join(".".join(str(p) for p in e["loc"]) or "matter" for e in exc.errors())
            raise typer.BadParameter(f"{path}: matter #{i + 1} is invalid ({fields})") from None
    return intakes


@app.command()
def demo(
    file: Annotated[Path, typer.Option(help="Portfolio JSON: {'matters': [MatterIntake, ...]}.")] = DEMO_PORTFOLIO,
    actor: Annotated[str, typer.Option(help="Recorded as the user who opened the matters.")] = "cli:demo",
) -> None:
    """Open the demo matters (and add its law firms); re-running reports them as already open."""
    _policies_or_exit(Settings().policy_dir)
    intakes = _load_portfolio(file)
    portfolio = json.loads(file.read_text(encoding="utf-8")) if file.suffix == ".json" else {}
    events = portfolio.get("events", []) if isinstance(portfolio, dict) else []
    settings = _settings()
    firms: dict[str, LawFirm] = {}
    if isinstance(portfolio, dict) and portfolio.get("firms"):
        from workers.demo import ensure_firms

        firms = ensure_firms(settings, portfolio["firms"], typer.echo)

    async def main() -> None:
        from store.policies import get_policy
        from workers.client import open_matter
        from workers.demo import play_events

        client = await _connect(settings)
        ids: dict[str, str] = {}
        for intake in intakes:
            matter_id, created = await open_matter(
                client, settings.temporal_task_queue, intake, get_policy(intake.policy, settings.policy_dir), actor
            )
            if created:  # scripted events belong to a fresh demo, not to a re-run
                ids[intake.external_ref] = matter_id
            state = "opened" if created else "already open"
            typer.echo(f"{intake.external_ref:<14} {state:<13} matter {matter_id}")
        typer.echo(f"{DEMO_OPEN_MARK} ({len(intakes)}); their scripted events play on")
        await play_events(client, ids, events, actor, typer.echo, firms=firms)

    asyncio.run(main())


async def _connect(settings: Settings) -> Client:
    """The Temporal client, or a plain message and exit 1 when Temporal is not reachable."""
    from workers.client import connect

    try:
        return await connect(settings, identity="recovery-cli")
    except Exception as exc:  # noqa: BLE001 - any connection failure gets the same advice
        typer.echo(
            f"cannot reach Temporal at {settings.temporal_address}: {type(exc).__name__}: {exc}\n"
            "is the stack running? (recovery up)",
            err=True,
        )
        raise typer.Exit(1) from None


# ---------------------------------------------------------------------------------------------
@app.command("import")
def import_csv(
    file: Annotated[
        Path, typer.Argument(help="CSV file, UTF-8 (with or without BOM); columns in domain/intake_csv.py.")
    ],
    policy: Annotated[
        str | None, typer.Option(help="Policy for lines whose `policy` cell is empty (or no such column).")
    ] = None,
    actor: Annotated[str | None, typer.Option(help="Recorded as the user who opened the matters.")] = None,
) -> None:
    """Open one matter per good CSV line; list bad lines by number and column; exit 1 if any was bad."""
    from domain.intake_csv import CsvHeaderError, FieldError, parse_intake_csv, repeated_references

    _policies_or_exit(Settings().policy_dir)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        typer.echo(f"{file}: not UTF-8 text; save it as 'CSV UTF-8'", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        typer.echo(f"{file}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    try:
        latest = (datetime.now(UTC) + timedelta(hours=14)).date()  # "today" anywhere on Earth
        rows = parse_intake_csv(text, default_policy=policy, latest=latest)
    except CsvHeaderError as exc:
        for problem in exc.problems:
            typer.echo(f"{file}: {problem}", err=True)
        raise typer.Exit(1) from None

    bad: dict[int, list[FieldError]] = {r.line: list(r.errors) for r in rows if not r.ok}
    repeated = repeated_references(rows)
    bad.update({line: [why] for line, why in repeated.items()})
    good = [(r.line, r.intake) for r in rows if r.intake is not None and r.line not in repeated]

    opened = already = 0
    if good:
        settings = _settings()
        results = asyncio.run(_open_all(settings, good, actor or _default_actor()))
        for line, outcome in results.items():
            if isinstance(outcome, FieldError):
                bad[line] = [outcome]
            elif outcome:
                opened += 1
            else:
                already += 1

    for line in sorted(bad):
        for error in bad[line]:
            typer.echo(f"line {line}: {error}", err=True)
    typer.echo(f"{file.name}: {opened} opened, {already} already open, {len(bad)} bad line(s) of {len(rows)}")
    if bad:
        raise typer.Exit(1)


async def _open_all(
    settings: Settings, good: list[tuple[int, MatterIntake]], actor: str
) -> dict[int, bool | FieldError]:
    """Open each matter (bounded concurrency, with a progress bar); per line: created, or the error."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from domain.intake_csv import FieldError
    from store.policies import UnknownPolicy, get_policy
    from workers.client import open_matter

    client = await _connect(settings)
    gate = asyncio.Semaphore(IMPORT_CONCURRENCY)
    results: dict[int, bool | FieldError] = {}

    with Progress(
        TextColumn("opening matters"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        transient=False,
    ) as progress:
        task = progress.add_task("open", total=len(good))

        async def one(line: int, intake: MatterIntake) -> None:
            try:
                policy = get_policy(intake.policy, settings.policy_dir)
            except UnknownPolicy as exc:
                results[line] = FieldError("policy", str(exc))
            else:
                async with gate:
                    try:
                        _, created = await open_matter(client, settings.temporal_task_queue, intake, policy, actor)
                        results[line] = created
                    except Exception as exc:  # noqa: BLE001 - reported per line, the rest go on
                        results[line] = FieldError("row", f"could not start the matter ({type(exc).__name__})")
            progress.advance(task)

        await asyncio.gather(*(one(line, intake) for line, intake in good))
    return results


# ---------------------------------------------------------------------------------------------
@keys_app.command("create")
def keys_create(
    role: Annotated[Role, typer.Option(help="What the key may do.", case_sensitive=False)],
    firm: Annotated[str | None, typer.Option(
        help="The id of the law firm a partner key acts for (partners only; `recovery firms list`).")] = None,
    name: Annotated[str, typer.Option(help="Who or what the key is for, e.g. a person's login.")] = "",
) -> None:
    """Create an API key and print it once: only its SHA-256 is stored."""
    from store.apikeys import create_key, validate_role
    from store.db import make_engine, make_sessionmaker, migrate, write_session

    try:
        validate_role(role.value, firm)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--role/--firm") from None
    settings = _settings()
    migrate(settings.db_url)

    async def main() -> tuple[str, str]:
        engine = make_engine(settings.db_url)
        try:
            async with write_session(make_sessionmaker(engine)) as session:
                key, row = await create_key(session, role=role.value, firm=firm, name=name)
                return key, str(row.id)
        finally:
            await engine.dispose()

    try:
        key, key_id = asyncio.run(main())
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--firm") from None
    scope = f" for firm {firm}" if firm else ""
    typer.echo(f"Created {role.value} key {key_id}{scope}. It is shown only now; store it safely:")
    typer.echo(key)


def _written(work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work(session)` in one write transaction on the configured (migrated) database."""
    from store.db import make_engine, make_sessionmaker, migrate, write_session

    settings = _settings()
    migrate(settings.db_url)

    async def main() -> T:
        engine = make_engine(settings.db_url)
        try:
            async with write_session(make_sessionmaker(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Option(help="What they log in with (lower-case letters, digits, . _ -).")],
    name: Annotated[str, typer.Option(help="The person's name, as pages show it.")],
    role: Annotated[Role, typer.Option(help="What they may do.", case_sensitive=False)],
    firm: Annotated[str | None, typer.Option(help="The law firm a partner works for (`recovery firms list`).")] = None,
    language: Annotated[str, typer.Option(help="zh-CN or en: the pages' default language.")] = "zh-CN",
) -> None:
    """Add a person and print their one-time password once (only its argon2id hash is stored)."""
    from store.users import UserError, create_user

    async def add(session: Any) -> str:
        password, _ = await create_user(session, username=username, display_name=name, role=role.value, firm=firm,
                                        language=language)
        return password

    try:
        password = _written(add)
    except UserError as exc:
        raise typer.BadParameter(exc.reason, param_hint=f"--{exc.field.replace('_', '-')}") from None
    typer.echo(f"Created {role.value} {username.strip().lower()}. One-time password (shown only now):")
    typer.echo(password)


@users_app.command("first-manager")
def users_first_manager() -> None:
    """On a database with nobody on record, add the manager `admin` and print its one-time password (what
    `recovery up` does on a fresh var/); otherwise say how many people there are."""
    from store.users import count_users, create_user

    async def first(session: Any) -> str | None:
        if await count_users(session):
            return None
        password, _ = await create_user(session, username="admin", display_name="Administrator", role="manager")
        return password

    password = _written(first)
    if password is None:
        typer.echo("Web application: people are on record (`recovery users create` adds more)")
    else:
        typer.echo(f"Web application: first manager 'admin', one-time password {password} (shown only now)")


@firms_app.command("create")
def firms_create(
    name: Annotated[str, typer.Option(help="The firm's name as its letters carry it.")],
    address: Annotated[str, typer.Option(help="Its address (its letterhead).")] = "",
    email: Annotated[str, typer.Option(help="Where instructions are e-mailed.")] = "",
    phone: Annotated[str, typer.Option(help="Its telephone.")] = "",
    fee_arrangement: Annotated[str, typer.Option(
        help="The fee terms agreed with it, as instruction letters state them (needed to refer matters).")] = "",
) -> None:
    """Add a law firm (managers can also use POST /firms) and print its id."""
    from store.firms import FirmError, create_firm

    async def add(session: Any) -> str:
        row = await create_firm(session, name=name, address=address, email=email, phone=phone,
                                fee_arrangement=fee_arrangement)
        return row.id

    try:
        firm_id = _written(add)
    except FirmError as exc:
        raise typer.BadParameter(exc.reason, param_hint=f"--{exc.field}") from None
    typer.echo(f"Created firm {firm_id}: {name.strip()}")


@firms_app.command("list")
def firms_list() -> None:
    """The firms, one per line: id, name, e-mail, and whether disabled."""
    from store.db import make_engine, make_sessionmaker, migrate
    from store.firms import list_firms

    settings = _settings()
    migrate(settings.db_url)

    async def main() -> list[tuple[str, str, str, bool]]:
        engine = make_engine(settings.db_url)
        try:
            async with make_sessionmaker(engine)() as session:
                return [(f.id, f.name, f.email, f.disabled_at is not None) for f in await list_firms(session)]
        finally:
            await engine.dispose()

    for firm_id, firm_name, email, disabled in asyncio.run(main()):
        typer.echo("\t".join([firm_id, firm_name, email or "-", *(["disabled"] if disabled else [])]))


def main() -> None:
    """The `recovery` command: run, flush, and leave without interpreter finalisation.

    The Temporal client's native threads can abort a normal interpreter shutdown
    ("Fatal Python error: PyGILState_Release", seen under load after `demo`); once a command
    has done and flushed its work there is nothing left to finalise, so exit directly.
    """
    code = 0
    try:
        app(prog_name="recovery")
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            code = 1
        else:
            code = exc.code or 0
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
