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
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from settings import ROOT, Settings

if TYPE_CHECKING:
    from temporalio.client import Client

    from domain.intake_csv import FieldError
    from domain.matter import MatterIntake

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
    from infra.stack import run

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
    if isinstance(portfolio, dict) and portfolio.get("firms"):
        _ensure_firms(settings, portfolio["firms"])

    async def main() -> None:
        from store.policies import get_policy
        from workers.client import open_matter

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
        await _play_events(client, ids, events, actor)

    asyncio.run(main())


def _ensure_firms(settings: Settings, firms: list[dict[str, str]]) -> None:
    """Add the portfolio's law firms that are not there yet (by id), so a manager can refer to them."""
    from store.db import make_engine, make_sessionmaker, migrate, write_session
    from store.firms import create_firm, get_firm

    migrate(settings.db_url)

    async def main() -> None:
        engine = make_engine(settings.db_url)
        try:
            async with write_session(make_sessionmaker(engine)) as session:
                for firm in firms:
                    if await get_firm(session, firm["id"]) is None:
                        await create_firm(session, firm_id=firm["id"], name=firm["name"],
                                          address=firm.get("address", ""), email=firm.get("email", ""),
                                          phone=firm.get("phone", ""),
                                          fee_arrangement=firm.get("fee_arrangement", ""))
        finally:
            await engine.dispose()

    asyncio.run(main())
    for firm in firms:
        typer.echo(f"law firm       {firm['id']:<22} {firm['name']}")


async def _play_events(client: Client, ids: dict[str, str], events: list[dict], actor: str) -> None:
    """Apply the portfolio's scripted promises and payments, each at its `after_seconds`.

    Each carries its own id, so replaying the demo changes nothing; a command the matter no
    longer accepts (it closed meanwhile) is reported and skipped.
    """
    from datetime import UTC, datetime, timedelta

    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.service import RPCError

    from domain.money import Money
    from workflows.contracts import (
        QUERY_SNAPSHOT,
        UPDATE_HOLD,
        UPDATE_PAYMENT,
        UPDATE_PROMISE,
        HoldCommand,
        MatterSnapshot,
        PaymentCommand,
        PromiseCommand,
        workflow_id,
    )

    loop = asyncio.get_running_loop()
    start = loop.time()
    for event in sorted(events, key=lambda e: e.get("after_seconds", 0)):
        ref = event["external_ref"]
        if ref not in ids:
            continue
        await asyncio.sleep(max(0.0, start + float(event.get("after_seconds", 0)) - loop.time()))
        handle = client.get_workflow_handle(workflow_id(ids[ref]))
        try:
            if event["action"] == "payment":
                p = event["payment"]
                await handle.execute_update(
                    UPDATE_PAYMENT,
                    PaymentCommand(
                        payment_id=p["payment_id"], amount=Money.model_validate(p["amount"]),
                        received_on=datetime.now(UTC).date(), actor=actor,
                    ),
                    id=f"payment-{p['payment_id']}",
                )  # fmt: skip
                typer.echo(f"{ref:<14} payment {p['payment_id']} of {Money.model_validate(p['amount'])}")
            elif event["action"] == "settlement":
                await _demo_settlement(handle, event["settlement"], actor)
                typer.echo(f"{ref:<14} settlement {event['settlement']['proposal_id']} proposed and approved")
            elif event["action"] == "hold":
                h = event["hold"]
                snap = await handle.query(QUERY_SNAPSHOT, result_type=MatterSnapshot)
                today = snap.status.policy_today(datetime.now(UTC)) if snap.status else snap.policy_today
                ends_on = today + timedelta(days=int(h["days"])) if h.get("days") else None
                await handle.execute_update(
                    UPDATE_HOLD,
                    HoldCommand(hold_id=h["hold_id"], kind=h["kind"], reason=h["reason"], ends_on=ends_on,
                                role="manager", actor=actor),
                    id=f"hold-{h['hold_id']}",
                )  # fmt: skip
                until = f" until {ends_on.isoformat()}" if ends_on else ""
                typer.echo(f"{ref:<14} {h['kind']} hold {h['hold_id']} placed{until}")
            elif event["action"] == "promise":
                p = event["promise"]
                snap = await handle.query(QUERY_SNAPSHOT, result_type=MatterSnapshot)
                due_on = snap.policy_today + timedelta(days=int(p["due_in_days"]))
                await handle.execute_update(
                    UPDATE_PROMISE,
                    PromiseCommand(
                        promise_id=p["promise_id"], amount=Money.model_validate(p["amount"]), due_on=due_on,
                        note=p.get("note"), actor=actor,
                    ),
                    id=f"promise-{p['promise_id']}",
                )  # fmt: skip
                typer.echo(f"{ref:<14} promise {p['promise_id']} due {due_on.isoformat()}")
        except (WorkflowUpdateFailedError, RPCError) as exc:
            cause = getattr(exc, "cause", None) or exc
            typer.echo(f"{ref:<14} {event['action']} skipped: {cause}")


async def _demo_settlement(handle: Any, spec: dict[str, Any], actor: str) -> None:
    """Propose a settlement on the matter's balance of the day (the penalty waived, the rest in equal
    instalments `every_days` apart) and approve it as a manager: its agreement is rendered for signing.
    On the demo's compressed calendar a day passes each second, so a proposal that missed its day is
    made again on the next one."""
    from datetime import UTC, datetime, timedelta

    from temporalio.client import WorkflowUpdateFailedError

    from domain.money import Money
    from workflows.contracts import (
        QUERY_SNAPSHOT,
        UPDATE_APPROVAL,
        UPDATE_PROPOSE,
        ApprovalCommand,
        MatterSnapshot,
        ProposeCommand,
    )

    for attempt in range(3):
        snap = await handle.query(QUERY_SNAPSHOT, result_type=MatterSnapshot)
        status = snap.status
        if status is None:
            return
        today = status.policy_today(datetime.now(UTC))
        stmt = status.statement(today)
        balance = stmt.balance if stmt is not None else status.balance
        payable = balance.total - balance.penalty
        count, every = int(spec.get("instalments", 2)), int(spec.get("every_days", 30))
        share = Money.from_minor(payable.minor // count, payable.currency)
        amounts = [share] * (count - 1) + [payable - Money.of(share.amount * (count - 1), payable.currency)]
        terms = {"waivers": {"penalty": balance.penalty.model_dump(mode="json")} if balance.penalty.is_positive()
                 else {},
                 "instalments": [{"number": i + 1, "due_on": (today + timedelta(days=every * (i + 1))).isoformat(),
                                  "amount": a.model_dump(mode="json")} for i, a in enumerate(amounts)]}
        try:
            await handle.execute_update(UPDATE_PROPOSE, ProposeCommand(
                proposal_id=spec["proposal_id"], kind="settlement", terms=terms, actor=actor))
            break
        except WorkflowUpdateFailedError:
            if attempt == 2:
                raise
    await handle.execute_update(UPDATE_APPROVAL, ApprovalCommand(
        approval_id=f"{spec['proposal_id']}-approval", proposal_id=spec["proposal_id"], decision="approve",
        role="manager", actor="cli:demo-manager"))


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
    from domain.intake_csv import CsvHeaderError, FieldError, parse_intake_csv

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
    good: list[tuple[int, MatterIntake]] = []
    first_line: dict[str, int] = {}
    for row in rows:
        if row.intake is None:
            continue
        ref = row.intake.external_ref
        if ref in first_line:
            bad[row.line] = [FieldError("external_ref", f"same reference as line {first_line[ref]}")]
            continue
        first_line[ref] = row.line
        good.append((row.line, row.intake))

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
    from store.db import make_engine, make_sessionmaker, migrate, write_session
    from store.firms import FirmError, create_firm

    settings = _settings()
    migrate(settings.db_url)

    async def main() -> str:
        engine = make_engine(settings.db_url)
        try:
            async with write_session(make_sessionmaker(engine)) as session:
                row = await create_firm(session, name=name, address=address, email=email, phone=phone,
                                        fee_arrangement=fee_arrangement)
                return row.id
        finally:
            await engine.dispose()

    try:
        firm_id = asyncio.run(main())
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
