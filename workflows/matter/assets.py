"""The asset register in the matter workflow (a mixin of `MatterWorkflow`): the debtor's assets known at
intake and those discovered later (`add_asset`), and what the courts did with each (`asset_event`:
preserved, renewed, valued, auctioned, transferred, released; the rules are `domain/assets.py`).

Each measure (a freeze, a seizure, a sealing-up) holds to its last day: the team is warned at the policy's
`measure_warn_days` before it (once per asset and last day: a renewal brings new warnings), and the
running measures are deadlines (`GET /matters/{id}/deadlines`, from `AssetRecord.measure_deadline`).
Matters opened since the patch `asset-register` list their assets in the status; older ones once something was recorded.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.assets import AssetError, AssetRecord
    from domain.matter import MatterIntake
    from domain.money import Money
    from domain.status import AssetView
    from workflows.contracts import (
        ERR_INVALID,
        UPDATE_ADD_ASSET,
        UPDATE_ASSET_EVENT,
        AddAssetCommand,
        AddAssetResult,
        AssetEventCommand,
        AssetEventResult,
    )
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import MatterState, digest

PATCH_ASSET_REGISTER = "asset-register"


def records_of(s: MatterState, intake: MatterIntake) -> list[AssetRecord]:
    """The register: what was recorded, or the intake's assets as they came."""
    if s.assets.records:
        return list(s.assets.records)
    return [AssetRecord(number=i, asset=a) for i, a in enumerate(intake.assets, start=1)]


def asset_views(s: MatterState, intake: MatterIntake, today: date) -> tuple[AssetView, ...] | None:
    """The register as the status shows it (None: a matter that does not keep it, nothing recorded)."""
    if not s.assets.tracked and not s.assets.records:
        return None
    lifted = s.unwinding.lifted if s.unwinding is not None else {}
    return tuple(_view(r, today, lifted.get(r.number), _fetched(s, r.number)) for r in records_of(s, intake))


def _fetched(s: MatterState, number: int) -> Money | None:
    """What the court's distributions recorded as from asset `number` brought the creditor (None: none)."""
    ids = s.assets.proceeds.get(number)
    if not ids:
        return None
    paid = [s.ledger.payments[i].applied for i in ids if i in s.ledger.payments]
    return sum(paid[1:], paid[0]) if paid else None


def _view(r: AssetRecord, today: date, lifted: date | None = None, proceeds: Money | None = None) -> AssetView:
    a = r.asset
    return AssetView(number=r.number, kind=a.kind, description=a.description, estimated_value=a.estimated_value,
                     pledged=a.pledged, discovered_on=r.discovered_on, standing=r.standing(today),
                     measure_ends_on=r.measure_ends_on(), events=r.events, lift_applied_on=lifted,
                     proceeds=proceeds)


class AssetHandlers(MatterMixin):

    def _records(self) -> list[AssetRecord]:
        return records_of(self._s, self._intake)

    # ------------------------------------------------------------------ discovered
    @workflow.update(name=UPDATE_ADD_ASSET)
    def add_asset(self, cmd: AddAssetCommand) -> AddAssetResult:
        reg = self._s.assets
        if cmd.asset_id in reg.adds:
            return AddAssetResult(asset_id=cmd.asset_id, duplicate=True, number=reg.adds[cmd.asset_id])
        records = self._records()
        number = len(records) + 1
        records.append(AssetRecord(number=number, asset=cmd.asset, discovered_on=cmd.discovered_on))
        reg.records, reg.adds[cmd.asset_id] = records, number
        self._s.bodies[f"asset_id:{cmd.asset_id}"] = _add_body(cmd)
        self._event(f"asset-{cmd.asset_id}", "asset_discovered",
                    f"Asset {number} ({cmd.asset.kind.replace('_', ' ')}) discovered on "
                    f"{cmd.discovered_on.isoformat()}", actor=cmd.actor, data={"number": number})
        self._dirty = True
        return AddAssetResult(asset_id=cmd.asset_id, duplicate=False, number=number)

    @add_asset.validator
    def _validate_add_asset(self, cmd: AddAssetCommand) -> None:
        if cmd.asset_id in self._s.assets.adds:
            self._same_body("asset_id", cmd.asset_id, _add_body(cmd))
            return
        self._refuse_if_closed()
        today = self._s.clock.today(workflow.now())
        if cmd.discovered_on > today:
            raise ApplicationError(f"discovered_on: {cmd.discovered_on.isoformat()} is after today "
                                   f"({today.isoformat()})", type=ERR_INVALID)
        value, currency = cmd.asset.estimated_value, self._s.ledger.currency
        if value is not None and value.currency != currency:
            raise ApplicationError(f"asset.estimated_value: in {currency}, the debt's currency", type=ERR_INVALID)
        if len(self._records()) >= 999:
            raise ApplicationError("the register holds 999 assets: no more", type=ERR_INVALID)

    # ------------------------------------------------------------------ events
    @workflow.update(name=UPDATE_ASSET_EVENT)
    def asset_event(self, cmd: AssetEventCommand) -> AssetEventResult:
        reg, today = self._s.assets, self._s.clock.today(workflow.now())
        records = self._records()
        if cmd.event_id in reg.events:
            r = records[reg.events[cmd.event_id] - 1]
            return AssetEventResult(event_id=cmd.event_id, duplicate=True, asset=self._asset_view(r, today))
        r = records[cmd.number - 1].add(cmd.event, today)
        records[cmd.number - 1] = r
        reg.records, reg.events[cmd.event_id] = records, cmd.number
        self._s.bodies[f"asset_event:{cmd.event_id}"] = _event_body(cmd)
        self._event(f"asset-event-{cmd.event_id}", "asset_event", f"Asset {cmd.number}: {_words(cmd)}",
                    actor=cmd.actor, data={"number": cmd.number, "kind": cmd.event.kind})
        self._dirty = True
        return AssetEventResult(event_id=cmd.event_id, duplicate=False, asset=self._asset_view(r, today))

    def _asset_view(self, r: AssetRecord, today: date) -> AssetView:
        u = self._s.unwinding
        return _view(r, today, u.lifted.get(r.number) if u is not None else None, _fetched(self._s, r.number))

    @asset_event.validator
    def _validate_asset_event(self, cmd: AssetEventCommand) -> None:
        if cmd.event_id in self._s.assets.events:
            self._same_body("asset_event", cmd.event_id, _event_body(cmd))
            return
        u = self._s.unwinding
        if not (cmd.event.kind == "released" and u is not None and cmd.number in u.lifted):
            self._refuse_if_closed()  # (closed: only the court's release of a measure the unwinding applied to lift)
        records = self._records()
        if cmd.number > len(records):
            raise ApplicationError(f"number: the register holds {len(records)} asset(s)", type=ERR_INVALID)
        currency = self._s.ledger.currency
        for name in ("value", "reserve", "price"):
            money = getattr(cmd.event, name, None)
            if money is not None and money.currency != currency:
                raise ApplicationError(f"event.{name}: in {currency}, the debt's currency", type=ERR_INVALID)
        try:
            records[cmd.number - 1].add(cmd.event, self._s.clock.today(workflow.now()))
        except AssetError as exc:
            raise ApplicationError(f"event.{exc.field}: {exc.reason}", type=ERR_INVALID) from None

    # ------------------------------------------------------------------ the measures' clock
    def _measure_warnings(self, today: date) -> list[tuple[int, date, AssetRecord, date]]:
        """(days before, the warning's policy date, the asset, its measure's end) not given yet, soonest first."""
        found: list[tuple[int, date, AssetRecord, date]] = []
        if self._s.unwinding is not None:
            return found  # closed: the lifts applied for are chased instead (workflows/matter/unwinding.py)
        for r in self._s.assets.records:
            ends = r.measure_ends_on()
            if ends is None or r.standing(today) in ("sold", "transferred", "released", "lapsed"):
                continue
            for n in sorted(set(self._policy.measure_warn_days), reverse=True):
                if f"{r.number}:{ends.isoformat()}:{n}" not in self._s.assets.warned:
                    found.append((n, ends - timedelta(days=n), r, ends))
        return sorted(found, key=lambda x: x[1])

    def _measure_wake(self, now: datetime) -> datetime | None:
        pending = self._measure_warnings(self._s.clock.today(now))
        return self._s.clock.day_starts(pending[0][1]) if pending else None

    def _warn_measures(self, now: datetime) -> None:
        """Give the warnings whose day has come: per measure, only the most urgent if several came at once."""
        today = self._s.clock.today(now)
        come = [(n, r, ends) for n, on, r, ends in self._measure_warnings(today) if on <= today]
        for number in dict.fromkeys(r.number for _, r, _ in come):
            mine = [(n, ends) for n, r, ends in come if r.number == number]
            ends = mine[0][1]
            self._s.assets.warned += [f"{number}:{ends.isoformat()}:{n}" for n, _ in mine]
            self._event(f"measure-{number}-{ends.isoformat()}-{min(n for n, _ in mine)}", "measure_warning",
                        f"The measure on asset {number} ends on {ends.isoformat()}, in {(ends - today).days} day(s): "
                        "have the court renew it before then, or the asset is free again",
                        data={"number": number, "ends_on": ends.isoformat()})
            self._dirty = True


def _words(cmd: AssetEventCommand) -> str:
    e: Any = cmd.event
    on = e.on.isoformat()
    if e.kind == "preserved":
        return f"{e.measure} ordered by {e.court} (ruling {e.ruling_number}) on {on}"
    if e.kind == "renewed":
        return f"measure renewed on {on} (ruling {e.ruling_number}) to {e.ends_on.isoformat()}"
    if e.kind == "valued":
        return f"valued at {e.value} on {on}"
    if e.kind == "auctioned":
        sold = f"sold for {e.price}" if e.outcome == "sold" else "unsold"
        return f"auction round {e.round} on {on}, reserve {e.reserve}: {sold}"
    if e.kind == "transferred":
        return f"taken in lieu of payment at {e.value} on {on}"
    return f"measure released on {on} (reason recorded)"


def _add_body(cmd: AddAssetCommand) -> str:
    return digest(cmd.asset.model_dump_json(), cmd.discovered_on.isoformat())


def _event_body(cmd: AssetEventCommand) -> str:
    return digest(str(cmd.number), cmd.event.model_dump_json())


__all__ = ["PATCH_ASSET_REGISTER", "AssetHandlers", "asset_views", "records_of"]
