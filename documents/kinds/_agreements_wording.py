"""The wording of the settlement and amendment agreements (their template bodies) and the helpers the family's
bodies share; the instruction letter and power of attorney are `_instructions_wording.py`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from documents.letter_docx import Letter as _Letter


# ---- template helpers --------------------------------------------------------------------------

def _loop_table(letter: _Letter, head: Sequence[str], cells: Sequence[str], widths: Sequence[float],
                loop: str, total_row: Sequence[str] | None = None) -> None:
    """A row-loop table: the first two columns centred, the amounts right-aligned."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    aligns = [WD_ALIGN_PARAGRAPH.CENTER] * 2 + [WD_ALIGN_PARAGRAPH.RIGHT] * (len(head) - 2)
    letter.loop_table(head, cells, widths, loop, aligns=aligns, total_row=total_row)


def _instalment_table(letter: _Letter) -> None:
    head = ("期数", "还款日", "金额") if letter.zh else ("No.", "Due date", "Amount")
    total = ("合计", "", "{{ settlement_amount }}") if letter.zh else ("Total", "", "{{ settlement_amount }}")
    _loop_table(letter, head, ("{{ i.number }}", "{{ i.due_date }}", "{{ i.amount }}"), (2.0, 5.0, 6.0),
                "i in instalments", total)


def _schedule_table(letter: _Letter) -> None:
    if letter.zh:
        head: tuple[str, ...] = ("期数", "还款日", "应还本金", "应还利息", "本期合计")
        total: tuple[str, ...] = ("合计", "", "{{ restructured_principal }}", "{{ total_interest }}",
                                  "{{ total_repayable }}")
    else:
        head = ("No.", "Due date", "Principal", "Interest", "Instalment")
        total = ("Total", "", "{{ restructured_principal }}", "{{ total_interest }}", "{{ total_repayable }}")
    cells = ("{{ r.number }}", "{{ r.due_date }}", "{{ r.principal }}", "{{ r.interest }}", "{{ r.total }}")
    _loop_table(letter, head, cells, (1.4, 3.4, 3.6, 3.4, 3.8), "r in schedule", total)


def _signatures(letter: _Letter, zh_lines: Sequence[str], en_lines: Sequence[str]) -> None:
    """Replace this document's closing signature (creditor only) by the given signature lines.

    `build_templates.build` closes every document with `letter.signature()`; an agreement is
    signed by each party, a power of attorney by the principal's legal representative too.
    """
    def signature(closing: str | None = None) -> None:
        letter.doc.paragraphs[-1].paragraph_format.keep_with_next = True
        letter.para(space_before=12, keep_with_next=True)
        lines = zh_lines if letter.zh else en_lines
        for index, line in enumerate(lines):
            last = index == len(lines) - 1
            letter.para(line, keep_with_next=not last, space_before=0 if letter.zh else None,
                        space_after=0 if not last else None)

    letter.signature = signature  # type: ignore[method-assign]


def _parties(letter: _Letter, guarantors: bool = False) -> None:
    if letter.zh:
        letter.para([("甲方（债权人）：", True), ("{{ creditor.name }}", False)])
        letter.para("住所：{{ creditor.address }}　统一社会信用代码：{{ creditor.registration_number }}")
        letter.para([("乙方（债务人）：", True), ("{{ borrower.name }}", False)])
        letter.para("身份证件号码：{{ borrower.id_number }}{% if borrower.address %}　住址：{{ borrower.address }}"
                    "{% endif %}", space_after=0 if guarantors else 12)
        if guarantors:  # only those who sign are parties (丙方, or 丙方1, 丙方2, ... when several)
            letter.para("{% set signing = guarantors|selectattr('consents')|list %}"
                        "{% for g in signing %}丙方{% if signing|length > 1 %}{{ loop.index }}{% endif %}（保证人）："
                        "{{ g.name }}（身份证件号码：{{ g.id_number }}）{% if not loop.last %}；{% endif %}"
                        "{% endfor %}", space_after=12)
    else:
        letter.para([("Party A (Creditor): ", True), ("{{ creditor.name }}", False)], space_after=0)
        letter.para("Address: {{ creditor.address }}; Unified Social Credit Code: "
                    "{{ creditor.registration_number }}", space_after=0)
        letter.para([("Party B (Borrower): ", True), ("{{ borrower.name }}", False)], space_after=0)
        letter.para("ID/Passport No.: {{ borrower.id_number }}{% if borrower.address %}; Address: "
                    "{{ borrower.address }}{% endif %}", space_after=0 if guarantors else 12)
        if guarantors:
            letter.para("{% set signing = guarantors|selectattr('consents')|list %}"
                        "{% for g in signing %}Party C{% if signing|length > 1 %}-{{ loop.index }}{% endif %} "
                        "(Guarantor): {{ g.name }} (ID/Passport No. {{ g.id_number }}){% if not loop.last %}; "
                        "{% endif %}{% endfor %}", space_after=12)


_ZH_SIGN_BOTH = ("甲方（盖章）：{{ creditor.name }}", "{{ representative_title }}或授权代表（签字）：", "",
                 "乙方（签字并按指印）：{{ borrower.name }}", "", "签订日期：{{ letter_date }}")
_EN_SIGN_BOTH = ("For and on behalf of Party A: {{ creditor.name }} (company seal)",
                 "{{ representative_title }} or authorised signatory: ____________________", "",
                 "Party B: {{ borrower.name }}    Signature: ____________________", "",
                 "Date of signing: {{ letter_date }}")


# ---- settlement agreement ----------------------------------------------------------------------

# What a settlement waives, bucket by bucket, with the amount table's names for the buckets.
_ZH_WAIVED = ("{% for w in waivers %}{% if w.bucket == 'interest' %}利息{% elif w.bucket == 'penalty' %}罚息"
              "{% elif w.bucket == 'fees' %}其他应付费用{% elif w.bucket == 'costs' %}实现债权的费用"
              "{% else %}借款本金{% endif %}{{ w.amount }}{% if not loop.last %}、{% endif %}{% endfor %}")
_EN_WAIVED = ("{% for w in waivers %}{% if w.bucket == 'interest' %}interest{% elif w.bucket == 'penalty' %}"
              "penalty interest{% elif w.bucket == 'fees' %}fees{% elif w.bucket == 'costs' %}costs of recovery"
              "{% else %}principal{% endif %} {{ w.amount }}"
              "{% if not loop.last %}{% if loop.revindex == 2 %} and {% else %}, {% endif %}{% endif %}{% endfor %}")


def _zh_settlement_agreement(letter: _Letter) -> None:
    _parties(letter)
    letter.body("甲乙双方于{{ contract_signed_on }}签订编号为{{ contract_number }}的借款合同（以下称“借款合同”）。"
                "因乙方未按约履行还款义务，双方本着平等、自愿、公平、诚信的原则，依照《中华人民共和国民法典》"
                "第四条至第七条、第五百四十三条关于协商一致变更合同及第五百七十五条关于债务免除的规定，"
                "经协商一致，就借款合同项下债务的清偿达成如下和解协议：")
    letter.body([("第一条　债务确认。", True),
                 ("乙方确认，截至{{ balance_as_of }}，乙方在借款合同项下尚欠甲方款项明细如下：", False)])
    letter.amount_table()
    letter.body("以上合计{{ total }}{% if total_in_words %}（大写：{{ total_in_words }}）{% endif %}"
                "（以下称“全部欠款”）。乙方对上述债务的真实性、合法性及金额均无异议。")
    letter.body([("第二条　和解金额及减免。", True),
                 ("甲方同意乙方以{{ settlement_amount }}"
                  "{% if settlement_amount_in_words %}（大写：{{ settlement_amount_in_words }}）{% endif %}"
                  "（以下称“和解金额”）清偿全部欠款"
                  "{% if waivers %}，并{% if waiver_lapses_on_default %}在乙方依本协议足额按期付清和解金额的前提下，"
                  "{% endif %}减免全部欠款与和解金额之间的差额{{ waived_amount }}"
                  "{% if waived_amount_in_words %}（大写：{{ waived_amount_in_words }}）{% endif %}。"
                  "{% if not waiver_lapses_on_default %}该减免自本协议生效之日起生效，不因乙方此后未按期付款而失效。"
                  "{% endif %}"
                  "减免的款项为：" + _ZH_WAIVED + "。"
                  "{% if not waivers|selectattr('bucket', 'equalto', 'principal')|list %}借款本金不予减免。{% endif %}"
                  "{% else %}，甲方不减免任何款项。{% endif %}", False)])
    letter.body([("第三条　审批。", True),
                 ("{% if waivers %}本协议项下的减免{% else %}本协议{% endif %}"
                  "已经甲方{{ approver_role }}{{ approver_name }}于{{ approved_on }}依甲方授权审批同意。", False)])
    letter.body([("第四条　付款安排。", True),
                 ("{% if instalments|length == 1 %}乙方应按下表约定的日期一次性付清和解金额："
                  "{% else %}乙方应按下表约定分{{ instalments|length }}期付清和解金额：{% endif %}", False)])
    _instalment_table(letter)
    letter.body("乙方应将上述款项存入借款合同约定的还款账户，以款项到达该账户之日为付款日。"
                "乙方可以提前支付任何一期款项。")
    letter.body([("第五条　违约责任。", True),
                 ("{% if waivers and not waiver_lapses_on_default %}"
                  "乙方任何一期款项未按期足额支付的，和解金额中乙方尚未支付的部分立即全部到期，"
                  "甲方有权要求乙方立即清偿，并依法提起诉讼或者申请仲裁、申请财产保全和强制执行。"
                  "第二条约定的减免不因此失效，甲方不再就已减免的款项向乙方主张权利。"
                  "{% else %}"
                  "乙方任何一期款项未按期足额支付的，甲方有权解除本协议，{% if waivers %}第二条约定的减免自动失效，"
                  "{% endif %}全部欠款扣除乙方已付款项后的余额立即到期，甲方有权依照借款合同约定自原逾期之日起"
                  "继续计收利息、罚息，并依法提起诉讼或者申请仲裁、申请财产保全和强制执行。"
                  "{% endif %}", False)])
    letter.body([("第六条　其他。", True),
                 ("本协议不改变借款合同项下担保的效力；本协议未约定的事项，仍依借款合同执行。"
                  "乙方付清和解金额后，甲方出具结清证明，并依照《征信业管理条例》报送结清信息。"
                  "本协议自甲方盖章、乙方签字之日起生效，一式两份，双方各执一份，具有同等法律效力。", False)])
    _signatures(letter, _ZH_SIGN_BOTH, _EN_SIGN_BOTH)


def _en_settlement_agreement(letter: _Letter) -> None:
    _parties(letter)
    letter.body("The Parties entered into Loan Contract No. {{ contract_number }} dated {{ contract_signed_on }} "
                "(the “Contract”). Party B having failed to make the repayments due under the Contract, the "
                "Parties, on the principles of equality, voluntariness, fairness and good faith (Articles 4 to 7 "
                "of the Civil Code of the People’s Republic of China) and in accordance with its Article 543 "
                "(amendment of a contract by agreement) and Article 575 (release of a debt), agree as follows "
                "on the discharge of the debt under the Contract:")
    letter.body([("1. Acknowledgement of debt. ", True),
                 ("Party B acknowledges that, as at {{ balance_as_of }}, the following amounts are owed "
                  "to Party A under the Contract:", False)])
    letter.amount_table()
    letter.body("The total of {{ total }}"
                "{% if total_in_words %} (in words: {{ total_in_words }}){% endif %}"
                " (the “Debt”) is acknowledged by Party B as genuine, lawful and "
                "correctly stated.")
    letter.body([("2. Settlement amount and waiver. ", True),
                 ("Party A agrees to accept {{ settlement_amount }}"
                  "{% if settlement_amount_in_words %} (in words: {{ settlement_amount_in_words }}){% endif %}"
                  " (the “Settlement Amount”) in full settlement of the Debt"
                  "{% if waivers %}{% if waiver_lapses_on_default %} and, provided that Party B pays the "
                  "Settlement Amount in full and on time under this Agreement,{% else %} and{% endif %} waives "
                  "the difference of {{ waived_amount }}"
                  "{% if waived_amount_in_words %} (in words: {{ waived_amount_in_words }}){% endif %}"
                  " between the Debt and the Settlement Amount."
                  "{% if not waiver_lapses_on_default %} The waiver takes effect when this Agreement takes effect "
                  "and does not lapse if Party B later fails to pay on time.{% endif %}"
                  " The amounts waived are: " + _EN_WAIVED + "."
                  "{% if not waivers|selectattr('bucket', 'equalto', 'principal')|list %} No principal is waived."
                  "{% endif %}{% else %}; nothing is waived.{% endif %}", False)])
    letter.body([("3. Approval. ", True),
                 ("{% if waivers %}The waiver under this Agreement{% else %}This Agreement{% endif %} was approved "
                  "on {{ approved_on }} by {{ approver_name }}, {{ approver_role }} of Party A, acting under "
                  "Party A’s internal authority.", False)])
    letter.body([("4. Payment. ", True),
                 ("{% if instalments|length == 1 %}Party B shall pay the Settlement Amount in a single "
                  "payment on the date below:{% else %}Party B shall pay the Settlement Amount in "
                  "{{ instalments|length }} instalments as follows:{% endif %}", False)])
    _instalment_table(letter)
    letter.body("Payments shall be made into the repayment account specified in the Contract; a payment is "
                "made on the day it reaches that account. Party B may pay any instalment early.")
    letter.body([("5. Default. ", True),
                 ("{% if waivers and not waiver_lapses_on_default %}"
                  "If Party B fails to pay any instalment in full when due, the whole unpaid part of the "
                  "Settlement Amount becomes immediately due, and Party A may demand its immediate payment, bring "
                  "proceedings before a people’s court or the agreed arbitration institution, and apply for "
                  "preservation and enforcement. The waiver under clause 2 does not lapse: Party A will not claim "
                  "the amounts waived."
                  "{% else %}"
                  "If Party B fails to pay any instalment in full when due, Party A may terminate this "
                  "Agreement; {% if waivers %}the waiver under clause 2 then lapses automatically, {% endif %}"
                  "the balance of the Debt less the amounts paid becomes immediately due, and Party A may charge "
                  "interest and penalty interest under the Contract from the original date of default, bring "
                  "proceedings before a people’s court or the agreed arbitration institution, and apply for "
                  "preservation and enforcement."
                  "{% endif %}", False)])
    letter.body([("6. General. ", True),
                 ("This Agreement does not affect any security for the Contract; matters not provided for here "
                  "remain governed by the Contract. When the Settlement Amount has been paid, Party A will issue "
                  "a payoff letter and report the loan as settled under the Regulations on the Administration "
                  "of the Credit Reporting Industry. This Agreement takes effect when sealed by Party A and "
                  "signed by Party B and is made in two counterparts of equal effect, one for each Party.",
                  False)])
    _signatures(letter, _ZH_SIGN_BOTH, _EN_SIGN_BOTH)


# ---- amendment (restructuring) agreement -------------------------------------------------------

def _zh_amendment_agreement(letter: _Letter) -> None:
    _parties(letter, guarantors=True)
    letter.body("甲乙双方于{{ contract_signed_on }}签订编号为{{ contract_number }}的借款合同（以下称“原合同”）。"
                "因乙方未能按原合同约定还款，经乙方申请，各方依照《中华人民共和国民法典》第五百四十三条"
                "关于协商一致变更合同的规定，就原合同项下债务的重组达成如下补充协议：")
    letter.body([("第一条　债务确认。", True),
                 ("截至{{ balance_as_of }}，乙方在原合同项下尚欠甲方款项明细如下：", False)])
    letter.amount_table()
    letter.body("以上合计{{ total }}{% if total_in_words %}（大写：{{ total_in_words }}）{% endif %}，"
                "乙方对此无异议。")
    letter.body([("第二条　重组本金。", True),
                 # All of the debt carried (nothing payable on signing): no sum to pay, no condition.
                 ("{% if restructured_principal == total %}上述欠款{% else %}上述欠款中的{% endif %}"
                  "{{ restructured_principal }}"
                  "{% if restructured_principal_in_words %}（大写：{{ restructured_principal_in_words }}）{% endif %}"
                  "自{{ effective_on }}起{% if restructured_principal == total %}全部{% endif %}"
                  "作为重组后的借款本金（以下称“重组本金”）"
                  "{% if restructured_principal == total %}。{% else %}；其余{{ payable_on_signing }}"
                  "{% if payable_on_signing_in_words %}（大写：{{ payable_on_signing_in_words }}）{% endif %}"
                  "由乙方于本协议签订当日一次性付清，付清前本协议不生效。{% endif %}", False)])
    letter.body([("第三条　利率。", True),
                 ("重组本金自{{ effective_on }}起按年利率{{ new_annual_rate }}%计息，按月结息，"
                  "按实际占用天数计算。", False)])
    letter.body([("第四条　还款计划。", True),
                 ("乙方应按下表分{{ schedule|length }}期归还重组本金并支付利息，合计应还{{ total_repayable }}"
                  "{% if total_repayable_in_words %}（大写：{{ total_repayable_in_words }}）{% endif %}，"
                  "其中利息{{ total_interest }}"
                  "{% if total_interest_in_words %}（大写：{{ total_interest_in_words }}）{% endif %}：", False)])
    _schedule_table(letter)
    letter.body([("第五条　原合同的效力。", True),
                 ("除本协议明确变更的借款本金、利率和还款计划外，原合同的其他条款（包括违约责任、"
                  "争议解决、费用承担及担保条款）继续有效；本协议是原合同不可分割的组成部分，"
                  "二者不一致的，以本协议为准。本协议不构成对原合同项下债务的免除或更新。", False)])
    letter.body([("第六条　提前到期。", True),
                 ("乙方任何一期款项逾期超过{{ acceleration_grace_days }}日，或者违反原合同、本协议其他约定的，"
                  "甲方有权宣布重组本金及利息全部提前到期，要求乙方立即清偿，并依照原合同约定计收罚息；"
                  "甲方有权恢复催收，并依法提起诉讼或者申请仲裁、申请财产保全和强制执行。", False)])
    letter.body([("第七条　保证人同意。", True),
                 ("{% set signing = guarantors|selectattr('consents')|list %}"
                  "{% set refusing = guarantors|rejectattr('consents')|list %}"
                  "{% if signing %}丙方确认已知悉并同意本协议对原合同所作的变更，依照《中华人民共和国民法典》"
                  "第六百九十五条的规定，丙方对变更后的债务继续承担原保证合同约定的保证责任，"
                  "保证期间依照变更后的还款计划重新确定。{% endif %}"
                  "{% if refusing %}原合同的保证人{% for g in refusing %}{{ g.name }}"
                  "（身份证件号码：{{ g.id_number }}）{% if not loop.last %}、{% endif %}{% endfor %}"
                  "未在本协议上签字同意本协议所作的变更。依照《中华人民共和国民法典》"
                  "第六百九十五条的规定，本协议加重债务的，{% if refusing|length > 1 %}上述保证人{% else %}该保证人"
                  "{% endif %}对加重的部分不承担保证责任；本协议变更履行期限的，其保证期间不受影响，"
                  "仍依原合同约定的履行期限计算。{% endif %}"
                  "{% if not guarantors %}原合同未设保证担保。{% endif %}", False)])
    letter.body([("第八条　审批。", True),
                 ("本协议所作的变更已经甲方{{ approver_role }}{{ approver_name }}于{{ approved_on }}"
                  "依甲方授权审批同意。", False)])
    letter.body([("第九条　生效。", True),
                 ("本协议自各方签字、盖章{% if restructured_principal != total %}且乙方依第二条付清款项{% endif %}"
                  "之日起生效，"
                  "一式{{ (2 + guarantors|selectattr('consents')|list|length)|chinese_quantity }}份，"
                  "各方各执一份，具有同等法律效力。", False)])
    _signatures(letter, (*_ZH_SIGN_BOTH[:-1],
                         "{% set signing = guarantors|selectattr('consents')|list %}"
                         "{% for g in signing %}丙方{% if signing|length > 1 %}{{ loop.index }}{% endif %}"
                         "（签字并按指印）：{{ g.name }}{% if not loop.last %}　{% endif %}{% endfor %}",
                         "", _ZH_SIGN_BOTH[-1]), ())


def _en_amendment_agreement(letter: _Letter) -> None:
    _parties(letter, guarantors=True)
    letter.body("Party A and Party B entered into Loan Contract No. {{ contract_number }} dated "
                "{{ contract_signed_on }} (the “Original Contract”). Party B having been unable to repay as "
                "agreed, at Party B’s request and in accordance with Article 543 of the Civil Code of the "
                "People’s Republic of China (amendment of a contract by agreement), the parties agree as "
                "follows on restructuring the debt under the Original Contract:")
    letter.body([("1. Acknowledgement of debt. ", True),
                 ("As at {{ balance_as_of }}, Party B owes Party A the following under the Original "
                  "Contract:", False)])
    letter.amount_table()
    letter.body("Party B acknowledges the total of {{ total }}"
                "{% if total_in_words %} (in words: {{ total_in_words }}){% endif %}.")
    letter.body([("2. Restructured principal. ", True),
                 ("From {{ effective_on }}, {% if restructured_principal == total %}the whole of that debt, "
                  "{% endif %}{{ restructured_principal }}"
                  "{% if restructured_principal_in_words %} (in words: "
                  "{{ restructured_principal_in_words }}){% endif %}"
                  "{% if restructured_principal == total %},{% else %} of that debt{% endif %} is the principal of the "
                  "restructured loan (the “Restructured Principal”)."
                  "{% if restructured_principal != total %} The remaining {{ payable_on_signing }}"
                  "{% if payable_on_signing_in_words %} (in words: {{ payable_on_signing_in_words }}){% endif %} "
                  "shall be paid by Party B in one sum on the date of signing; this Agreement does not take "
                  "effect until it is paid.{% endif %}", False)])
    letter.body([("3. Interest rate. ", True),
                 ("From {{ effective_on }} the Restructured Principal bears interest at {{ new_annual_rate }}% "
                  "a year, calculated on the actual number of days outstanding and payable monthly.", False)])
    letter.body([("4. Repayment schedule. ", True),
                 ("Party B shall repay the Restructured Principal with interest in {{ schedule|length }} "
                  "instalments as follows, {{ total_repayable }}"
                  "{% if total_repayable_in_words %} (in words: {{ total_repayable_in_words }}){% endif %}"
                  " in total, of which {{ total_interest }}"
                  "{% if total_interest_in_words %} (in words: {{ total_interest_in_words }}){% endif %} is "
                  "interest:", False)])
    _schedule_table(letter)
    letter.body([("5. The Original Contract. ", True),
                 ("Except for the principal, interest rate and repayment schedule expressly amended by this "
                  "Agreement, all terms of the Original Contract (including default, dispute resolution, costs "
                  "and security) remain in full force. This Agreement forms an integral part of the Original "
                  "Contract and prevails in case of conflict. It neither releases nor novates any debt under "
                  "the Original Contract.", False)])
    letter.body([("6. Acceleration. ", True),
                 ("If any instalment is more than {{ acceleration_grace_days }} days overdue, or Party B "
                  "breaches any other term of the Original Contract or this Agreement, Party A may declare the "
                  "Restructured Principal and interest immediately due and payable, charge penalty interest "
                  "under the Original Contract, resume collection, and bring proceedings before a people’s "
                  "court or the agreed arbitration institution and apply for preservation and "
                  "enforcement.", False)])
    letter.body([("7. Guarantors’ consent. ", True),
                 ("{% set signing = guarantors|selectattr('consents')|list %}"
                  "{% set refusing = guarantors|rejectattr('consents')|list %}"
                  "{% if signing %}Party C confirms that it has read and consents to the amendments made "
                  "by this Agreement and, in accordance with Article 695 of the Civil Code, continues to "
                  "guarantee the amended debt on the terms of its original guarantee, the guarantee period "
                  "running from the due dates of the amended schedule.{% endif %}"
                  "{% if refusing %}{% if signing %} {% endif %}{% for g in refusing %}{{ g.name }} (ID/Passport No. "
                  "{{ g.id_number }})"
                  "{% if not loop.last %}{% if loop.revindex == 2 %} and {% else %}, {% endif %}{% endif %}"
                  "{% endfor %}, guarantor{% if refusing|length > 1 %}s{% endif %} of the Original Contract, "
                  "{% if refusing|length > 1 %}have{% else %}has{% endif %} not signed this Agreement to consent "
                  "to its amendments. Under Article 695 of the Civil Code, "
                  "{% if refusing|length > 1 %}those guarantors are{% else %}that guarantor is{% endif %} not "
                  "liable for any part by which this Agreement increases the debt, and any change it makes to "
                  "the time for performance does not affect the guarantee period, which still runs from the due "
                  "dates of the Original Contract.{% endif %}"
                  "{% if not guarantors %}The Original Contract is not guaranteed.{% endif %}", False)])
    letter.body([("8. Approval. ", True),
                 ("The amendments made by this Agreement were approved on {{ approved_on }} by "
                  "{{ approver_name }}, {{ approver_role }} of Party A, acting under Party A’s internal "
                  "authority.", False)])
    letter.body([("9. Effect. ", True),
                 ("This Agreement takes effect when signed and sealed by all parties"
                  "{% if restructured_principal != total %} and the sum under clause 2 has been paid{% endif %}. "
                  "It is made in "
                  "{{ (2 + guarantors|selectattr('consents')|list|length)|english_count }} counterparts of "
                  "equal effect, one for each party.", False)])
    _signatures(letter, (), (*_EN_SIGN_BOTH[:-1],
                             "{% set signing = guarantors|selectattr('consents')|list %}"
                             "{% for g in signing %}Party C{% if signing|length > 1 %}-{{ loop.index }}{% endif %}: "
                             "{{ g.name }}    Signature: ____________________{% if not loop.last %}    {% endif %}"
                             "{% endfor %}", "", _EN_SIGN_BOTH[-1]))


BODIES: dict[tuple[str, str], Callable[[_Letter], None]] = {
    ("zh-CN", "settlement_agreement"): _zh_settlement_agreement,
    ("en", "settlement_agreement"): _en_settlement_agreement,
    ("zh-CN", "amendment_agreement"): _zh_amendment_agreement,
    ("en", "amendment_agreement"): _en_amendment_agreement,
}
