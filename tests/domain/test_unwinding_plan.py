"""The unwinding's plan (domain/unwinding.py): what is undone, in which order, and what is left alone."""

from __future__ import annotations

from datetime import date

from domain.assets import AssetRecord, Auctioned, Preserved
from domain.money import Money
from domain.parties import Asset
from domain.unwinding import CaseFacts, Ruling, plan

TODAY = date(2026, 12, 1)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def case(number: int, **kw: object) -> CaseFacts:
    fields: dict[str, object] = {"status": "filed", "body": "C", "case_number": f"K-{number}", **kw}
    return CaseFacts(number=number, forum="court", **fields)  # type: ignore[arg-type]


def test_the_creditor_s_appeal_is_withdrawn_the_debtor_s_is_not_and_a_closed_case_is_left_alone() -> None:
    first = case(1, status="appealed")
    mine = plan([first, case(2, instance=2, creditor_appealed=True), case(3, status="closed")], [], TODAY,
                firm="Firm A", children=2)
    assert [(s.kind, s.proceeding) for s in mine] == [("withdraw_case", 2), ("tell_firm", None),
                                                      ("close_children", None)]
    theirs = plan([first, case(2, instance=2, creditor_appealed=False)], [], TODAY, firm=None, children=0)
    assert theirs == ()  # nothing of the creditor's to undo


def test_a_ruling_is_lifted_once_for_the_assets_it_still_holds_and_not_at_all_when_nothing_is_held() -> None:
    ruling = Ruling(court="C", ruling_number="R-1", on=date(2026, 6, 1), amount=cny("100.00"), security_given=True)
    held = AssetRecord(number=1, asset=Asset(kind="deposit", description="account"), events=(
        Preserved(on=date(2026, 6, 1), measure="freeze", court="C", ruling_number="R-1"),))
    sold = AssetRecord(number=2, asset=Asset(kind="vehicle", description="car"), events=(
        Preserved(on=date(2026, 6, 2), measure="seize", court="C", ruling_number="R-2"),
        Auctioned(on=date(2026, 9, 1), round=1, reserve=cny("10.00"), outcome="sold", price=cny("10.00"))))
    steps = plan([case(1, enforcement_court="E", enforcement_case="EX-1", preservations=(ruling,))], [held, sold],
                 TODAY, firm=None, children=0)
    assert [s.kind for s in steps] == ["withdraw_enforcement", "withdraw_case", "lift_measure", "return_security"]
    lift = steps[2]
    assert (lift.ruling_number, lift.assets, lift.amount) == ("R-1", (1,), cny("100.00"))  # R-2 sold: none
