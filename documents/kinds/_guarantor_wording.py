"""The wording of the demand on a guarantor (担保责任履行通知书); the other demands are `_demands_wording.py`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from documents.kinds._demands_wording import _EN_COSTS, _ZH_COSTS, _replace_signature

if TYPE_CHECKING:
    from documents.letter_docx import Letter as _Letter


# ---- 担保责任履行通知书 / demand on guarantor ----------------------------------------------------

_GENERAL = '{% if guarantor.guarantee_type == "general" %}'


def _guarantor_addressee(letter: _Letter) -> None:
    if letter.zh:
        letter.para([("致：", True), ("{{ guarantor.name }}（保证人）", True)])
        letter.para("身份证件号码：{{ guarantor.id_number }}")
        letter.para("{% if guarantor.address %}地址：{{ guarantor.address }}{% endif %}")
        letter.para("{% if guarantor.phone %}联系电话：{{ guarantor.phone }}{% endif %}", space_after=12)
    else:
        letter.para([("To: ", True), ("{{ guarantor.name }} (Guarantor)", True)], space_after=0)
        letter.para("ID/Passport No.: {{ guarantor.id_number }}", space_after=0)
        letter.para("{% if guarantor.address %}Address: {{ guarantor.address }}{% endif %}", space_after=0)
        letter.para("{% if guarantor.phone %}Tel.: {{ guarantor.phone }}{% endif %}", space_after=12)


def _zh_guarantor_demand(letter: _Letter) -> None:
    _guarantor_addressee(letter)
    letter.body("{{ borrower.name }}（身份证件号码：{{ borrower_id_masked }}；以下称“债务人”）"
                "于{{ contract_signed_on }}与{{ creditor.name }}（以下称“我方”）签订了编号为{{ contract_number }}"
                "的借款合同（以下称“主合同”）。您于{{ guarantee_signed_on }}与我方签订了编号为"
                "{{ guarantee_contract_number }}的保证合同（以下称“保证合同”），为债务人在主合同项下的债务提供"
                + _GENERAL + "一般保证{% else %}连带责任保证{% endif %}。")
    letter.body("债务人自{{ overdue_since }}起未按约定履行还款义务，主合同项下债务已于{{ main_debt_due_on }}"
                "履行期限届满，债务人至今未予清偿。截至{{ letter_date }}，债务人在主合同项下尚欠我方款项明细如下：")
    letter.amount_table()
    letter.body("以上合计{{ total }}{% if total_in_words %}（大写：{{ total_in_words }}）{% endif %}，"
                "此后的利息、罚息依照主合同约定继续计收。")
    letter.body([("保证范围：", True),
                 ("依照《中华人民共和国民法典》第六百九十一条的规定和保证合同的约定，您在主债权及其利息、违约金、"
                  "损害赔偿金和实现债权的费用范围内承担保证责任"
                  "{% if guarantor.cap %}，最高不超过{{ guarantor.cap }}"
                  "{% else %}，保证合同未约定最高限额{% endif %}。", False)])
    letter.body([("保证期间：", True),
                 ("{% if guarantor.period_ends_on and guarantor.period_ends_on == guarantee_period_ends_on %}"
                  "保证合同约定的保证期间至{{ guarantee_period_ends_on }}届满。"
                  "{% elif guarantor.period_ends_on %}保证合同约定的保证期间（至{{ guarantor.period_ends_on }}）"
                  "早于主债务履行期限届满或者与其同时届满，依照《中华人民共和国民法典》第六百九十二条第二款的规定"
                  "视为没有约定，保证期间为主债务履行期限届满之日起六个月，即至{{ guarantee_period_ends_on }}届满。"
                  "{% else %}保证合同对保证期间没有约定，依照《中华人民共和国民法典》第六百九十二条第二款的规定，"
                  "保证期间为主债务履行期限届满之日起六个月，即至{{ guarantee_period_ends_on }}届满。{% endif %}",
                  False)])
    letter.body(_GENERAL
                + "依照《中华人民共和国民法典》第六百八十七条的规定，一般保证的保证人在主合同纠纷未经审判或者仲裁，"
                "并就债务人财产依法强制执行仍不能履行债务前，有权拒绝向债权人承担保证责任，但有下列情形之一的除外："
                "债务人下落不明，且无财产可供执行；人民法院已经受理债务人破产案件；债权人有证据证明债务人的财产"
                "不足以履行全部债务或者丧失履行债务能力；保证人书面表示放弃该权利。"
                "{% if debtor_proceedings %}"
                "我方已就主合同纠纷对债务人提起诉讼或者申请仲裁（{{ debtor_proceedings }}）。"
                "{% else %}我方将在保证期间内就主合同纠纷对债务人提起诉讼或者申请仲裁。{% endif %}"
                "{% else %}依照《中华人民共和国民法典》第六百八十八条的规定，连带责任保证的债务人不履行到期债务时，"
                "债权人可以请求债务人履行债务，也可以请求保证人在其保证范围内承担保证责任。{% endif %}")
    letter.body([("履行要求：", True),
                 (_GENERAL + "{% if enforcement_ended_on %}债务人的财产在{{ enforcement_case }}执行案件中经依法强制执行"
                  "仍不能履行债务，人民法院已于{{ enforcement_ended_on }}裁定终结本次执行程序。"
                  "现我方要求您于{{ pay_by }}"
                  "（含当日）前在保证范围内向我方支付债务人未能履行的部分{{ amount_claimed }}"
                  "{% if amount_claimed_in_words %}（大写：{{ amount_claimed_in_words }}）{% endif %}，履行保证责任。"
                  "{% else %}现我方通知您：债务人财产经依法强制执行仍不能履行债务的，您应当在保证范围内承担保证责任，"
                  "我方将要求您支付{{ amount_claimed }}"
                  "{% if amount_claimed_in_words %}（大写：{{ amount_claimed_in_words }}）{% endif %}。"
                  "如存在上述除外情形之一，请您于{{ pay_by }}（含当日）前将该款项支付至我方指定账户。{% endif %}"
                  "您在应当承担保证责任时拒不履行的，我方将依法向人民法院提起诉讼或者向保证合同约定的仲裁机构申请仲裁，"
                  "并申请财产保全和强制执行。"
                  "{% else %}现我方在保证期间内正式通知并要求您于{{ pay_by }}（含当日）前向我方支付{{ amount_claimed }}"
                  "{% if amount_claimed_in_words %}（大写：{{ amount_claimed_in_words }}）{% endif %}，"
                  "履行连带保证责任。依照《中华人民共和国民法典》第六百九十四条第二款的规定，"
                  "保证债务的诉讼时效自我方请求您承担保证责任之日起计算。"
                  "如您逾期未履行，我方将依法向人民法院提起诉讼或者向保证合同约定的仲裁机构申请仲裁，"
                  "并申请财产保全和强制执行。{% endif %}" + _ZH_COSTS.format(contract="保证合同"), False)])
    letter.body("依照《中华人民共和国民法典》第七百条的规定，您承担保证责任后，有权在承担保证责任的范围内向债务人追偿。")
    letter.body("如您对本通知书的内容有异议，请于{{ pay_by }}（含当日）前以书面形式向我方提出，并附相关证明材料。"
                "{% if creditor.phone %}联系电话：{{ creditor.phone }}。{% endif %}")
    letter.body("特此通知。")
    _replace_signature(letter, letter.signature)  # the ordinary closing, not the unaddressed one


def _en_guarantor_demand(letter: _Letter) -> None:
    _guarantor_addressee(letter)
    letter.para([("Re: Guarantee Contract No. {{ guarantee_contract_number }} dated {{ guarantee_signed_on }}", True)],
                space_after=12)
    letter.para("Dear {{ guarantor.name }},")
    letter.body("Under Loan Contract No. {{ contract_number }} dated {{ contract_signed_on }} (the “Loan Contract”), "
                "{{ creditor.name }} (“we” or “us”) lent money to {{ borrower.name }} (ID/Passport No. "
                "{{ borrower_id_masked }}) (the “Debtor”). Under Guarantee Contract No. "
                "{{ guarantee_contract_number }} dated "
                "{{ guarantee_signed_on }} (the “Guarantee”), you guaranteed the Debtor’s obligations under the "
                "Loan Contract as " + _GENERAL + "a general guarantor{% else %}a joint and several "
                "guarantor{% endif %}.")
    letter.body("The Debtor has failed to make the repayments due since {{ overdue_since }}; the debt under the Loan "
                "Contract fell due on {{ main_debt_due_on }} and remains unpaid. As at {{ letter_date }}, the Debtor "
                "owes us the following amounts, on which interest and penalty interest continue to accrue as "
                "provided in the Loan Contract:")
    letter.amount_table()
    letter.body([("Scope of the guarantee. ", True),
                 ("Under Article 691 of the Civil Code of the People’s Republic of China and the Guarantee, you "
                  "guarantee the principal debt together with its interest, penalties, damages and the costs of "
                  "recovery{% if guarantor.cap %}, up to a maximum of {{ guarantor.cap }}"
                  "{% else %}; the Guarantee sets no maximum amount{% endif %}.", False)])
    letter.body([("Guarantee period. ", True),
                 ("{% if guarantor.period_ends_on and guarantor.period_ends_on == guarantee_period_ends_on %}"
                  "The guarantee period agreed in the Guarantee ends on {{ guarantee_period_ends_on }}."
                  "{% elif guarantor.period_ends_on %}The guarantee period stated in the Guarantee (ending on "
                  "{{ guarantor.period_ends_on }}) does not end after the main debt falls due, so under Article 692 "
                  "of the Civil Code it is treated as not agreed: the guarantee period is six months from the date "
                  "the main debt fell due and ends on {{ guarantee_period_ends_on }}."
                  "{% else %}The Guarantee does not state a guarantee period, so under Article 692 of the Civil Code "
                  "it is six months from the date the main debt fell due and ends on {{ guarantee_period_ends_on }}."
                  "{% endif %}", False)])
    letter.body(_GENERAL
                + "Under Article 687 of the Civil Code, a general guarantor may refuse to perform until the dispute "
                "under the main contract has been tried or arbitrated and the debtor’s property, after compulsory "
                "enforcement according to law, still cannot satisfy the debt, except where the debtor cannot be "
                "found and has no property available for enforcement, a people’s court has accepted a bankruptcy "
                "case against the debtor, the creditor has evidence that the debtor’s property is insufficient to "
                "pay the whole debt or that the debtor has lost the ability to perform, or the guarantor has waived "
                "this right in writing. {% if debtor_proceedings %}We have brought proceedings against the Debtor "
                "on the Loan Contract ({{ debtor_proceedings }}).{% else %}We will bring proceedings against the "
                "Debtor on the Loan Contract within the guarantee period.{% endif %}"
                "{% else %}Under Article 688 of the Civil Code, where the debtor under a joint and several guarantee "
                "fails to pay a debt when due, the creditor may require either the debtor or the guarantor to "
                "perform within the scope of the guarantee.{% endif %}")
    letter.body([("Our demand. ", True),
                 (_GENERAL + "{% if enforcement_ended_on %}Compulsory enforcement against the Debtor’s property "
                  "({{ enforcement_case }}) has not satisfied the debt, and on {{ enforcement_ended_on }} the court "
                  "terminated this round of enforcement. We therefore demand that you pay us the part the Debtor has "
                  "not paid, {{ amount_claimed }}"
                  "{% if amount_claimed_in_words %} (in words: {{ amount_claimed_in_words }}){% endif %}, within the "
                  "scope of your guarantee no later than {{ pay_by }}."
                  "{% else %}We hereby notify you that, to the extent the Debtor’s property after enforcement cannot "
                  "satisfy the debt, you must perform your guarantee, and we will require you to pay us "
                  "{{ amount_claimed }}"
                  "{% if amount_claimed_in_words %} (in words: {{ amount_claimed_in_words }}){% endif %}"
                  ". Where any of the exceptions above applies, we demand that you pay that "
                  "amount into the account we designate no later than {{ pay_by }}.{% endif %} If you fail to "
                  "perform when you "
                  "are bound to, we will bring proceedings against you before a competent people’s court or the "
                  "arbitration institution named in the Guarantee and apply for preservation of your property and "
                  "for compulsory enforcement."
                  "{% else %}We hereby demand, within the guarantee period, that you pay us {{ amount_claimed }}"
                  "{% if amount_claimed_in_words %} (in words: {{ amount_claimed_in_words }}){% endif %} no "
                  "later than {{ pay_by }} in performance of your joint and several guarantee. Under Article 694 of "
                  "the Civil Code, the limitation period for your guarantee obligation runs from the date of this "
                  "demand. If you fail to pay by that date, we will bring proceedings against you before a "
                  "competent people’s court or the arbitration institution named in the Guarantee and apply for "
                  "preservation of your property and for compulsory enforcement.{% endif %} "
                  + _EN_COSTS.format(contract="Guarantee"), False)])
    letter.body("Under Article 700 of the Civil Code, once you have performed your guarantee you may claim "
                "reimbursement from the Debtor to the extent of what you paid.")
    letter.body("If you dispute anything stated in this notice, please tell us in writing no later than {{ pay_by }}, "
                "enclosing any supporting documents.{% if creditor.phone %} You can reach us on "
                "{{ creditor.phone }}.{% endif %}")
    _replace_signature(letter, letter.signature)  # "Yours faithfully", not the unaddressed "Submitted by:"


GUARANTOR_BODIES: dict[tuple[str, str], Callable[[_Letter], None]] = {
    ("zh-CN", "guarantor_demand"): _zh_guarantor_demand,
    ("en", "guarantor_demand"): _en_guarantor_demand,
}


# ---- a variant with golden texts of its own (documents/kinds/demands.py VARIANTS)
def general_after_enforcement(sample: Any) -> Any:
    """A general guarantor asked for what enforcement against the debtor left unpaid (Civil Code art. 687)."""
    zh = sample.locale == "zh-CN"
    data = sample.model_dump()
    return type(sample).model_validate({
        **data, "guarantor": {**data["guarantor"], "guarantee_type": "general"},
        "debtor_proceedings": "（2024）沪0105民初18733号" if zh else "(2024) Hu 0105 Min Chu No. 18733",
        "enforcement_case": "（2024）沪0105执5120号" if zh else "(2024) Hu 0105 Zhi No. 5120",
        "enforcement_ended_on": data["letter_date"]})
