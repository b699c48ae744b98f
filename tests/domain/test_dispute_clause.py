"""The contract's dispute clause (`domain.contract.DisputeClause`): court or arbitration, and what each names."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.contract import DisputeClause
from domain.matter import MatterIntake
from tests.factories import intake_data

SHAC = "Shanghai Arbitration Commission"


def test_an_intake_carries_the_clause_and_without_one_the_court_by_law_decides() -> None:
    data = intake_data()
    assert MatterIntake.model_validate(data).contract.dispute is None
    data["contract"] = {**data["contract"], "dispute": {
        "forum": "arbitration", "institution": SHAC, "article": "Article 18",
        "text": f"Any dispute shall be submitted to the {SHAC} for arbitration."}}
    dispute = MatterIntake.model_validate(data).contract.dispute
    assert dispute is not None and (dispute.forum, dispute.institution, dispute.article) == (
        "arbitration", SHAC, "Article 18")
    court = DisputeClause(forum="court", court="Shanghai Huangpu District People's Court")
    assert court.institution is None


@pytest.mark.parametrize(("clause", "words"), [
    ({"forum": "arbitration"}, "institution: an arbitration clause names the arbitration commission"),
    ({"forum": "arbitration", "institution": SHAC, "court": "X Court"}, "court: an arbitration clause names no court"),
    ({"forum": "court", "institution": SHAC}, "institution: only an arbitration clause"),
    ({"forum": "arbitration", "institution": SHAC, "text": "Disputes go to the Beijing Arbitration Commission."},
     "text: the clause's wording does not name the institution given"),
    ({"forum": "mediation"}, "forum"),
])
def test_a_clause_that_contradicts_itself_is_refused_by_name(clause: dict[str, str], words: str) -> None:
    with pytest.raises(ValidationError) as err:
        DisputeClause.model_validate(clause)
    assert words in str(err.value)
