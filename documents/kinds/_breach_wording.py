"""The wording of the breach notices' templates (their bodies); `documents.kinds.breach` holds the contexts.

The sentences every demand shares (the opening, the accrual, the limitation rule, the costs) are
the demands family's, so these notices read as the other demands do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from documents.kinds._demands_wording import (
    _EN_ACCRUAL,
    _EN_COSTS,
    _EN_DAYS,
    _EN_LIMITATION,
    _ZH_COSTS,
    _ZH_LIMITATION,
    _ZH_OPENING,
    _ZH_TOTAL,
)

if TYPE_CHECKING:
    from documents.letter_docx import Letter as _Letter


# ---- shared wording ----------------------------------------------------------------------------

# What may follow non-payment: (三)/(3) only where the record has security or a guarantor.
_ZH_MEASURES = ("（一）向有管辖权的人民法院提起诉讼或者向{contract}约定的仲裁机构申请仲裁，"
                "要求您清偿全部欠款及实现债权的费用；"
                "（二）在起诉前或者诉讼中依法申请财产保全，并在判决或者裁决生效后申请强制执行；"
                "{{% if secured or guaranteed %}}（三）"
                "{{% if secured %}}依法就担保财产优先受偿{{% endif %}}"
                "{{% if secured and guaranteed %}}，并{{% endif %}}"
                "{{% if guaranteed %}}要求保证人承担保证责任{{% endif %}}；{{% endif %}}"
                "（{{% if secured or guaranteed %}}四{{% else %}}三{{% endif %}}）"
                "依照《征信业管理条例》等规定将您的逾期信息报送金融信用信息基础数据库，"
                "由此可能对您的个人信用记录产生不良影响。")
_EN_MEASURES = ("(1) bring proceedings before a competent people’s court, or the arbitration institution named in "
                "the {contract}, for the whole debt and the costs of recovery; (2) apply, before or during those "
                "proceedings, for preservation of your property and, once a judgment or award takes effect, for its "
                "compulsory enforcement; "
                "{{% if secured or guaranteed %}}(3) "
                "{{% if secured %}}enforce the security given for the loan{{% endif %}}"
                "{{% if secured and guaranteed %}} and {{% endif %}}"
                "{{% if guaranteed %}}require the guarantor{{% if guaranteed > 1 %}}s{{% endif %}} to perform "
                "the guarantee{{% if guaranteed > 1 %}}s{{% endif %}}{{% endif %}}; {{% endif %}}"
                "and ({{% if secured or guaranteed %}}4{{% else %}}3{{% endif %}}) report the overdue loan to the "
                "Financial Credit Information Database under the Regulations on the Administration of the Credit "
                "Reporting Industry, which may adversely affect your credit record.")
_ZH_DISPUTE = ("如您对上述欠款金额有异议，请于{{ pay_by }}（含当日）前以书面形式向我方提出，并附相关证明材料。"
               "{% if creditor.phone %}联系电话：{{ creditor.phone }}。{% endif %}")
_EN_DISPUTE = ("If you dispute any amount stated in this notice, please tell us in writing no later than {{ pay_by }}, "
               "enclosing any supporting documents.{% if creditor.phone %} You can reach us on "
               "{{ creditor.phone }}.{% endif %}")


# ---- 提前到期通知书 / notice of acceleration ------------------------------------------------------

def _acceleration_table(letter: _Letter) -> None:
    """The arrears by bucket, their subtotal, the principal accelerated and the total now due."""
    if letter.zh:
        head = ("项目", "金额")
        labels = ("实现债权的费用", "其他应付费用", "罚息", "利息", "逾期本金", "逾期欠款小计",
                  "提前到期的未到期本金", "合计")
    else:
        head = ("Item", "Amount")
        labels = ("Costs of recovery", "Fees", "Penalty interest", "Interest", "Overdue principal",
                  "Subtotal: overdue amounts", "Principal not yet due, now accelerated", "Total amount now due")
    values = ("{{ balance.costs }}", "{{ balance.fees }}", "{{ balance.penalty }}", "{{ balance.interest }}",
              "{{ balance.principal }}", "{{ arrears_total }}", "{{ principal_not_due }}", "{{ total }}")
    letter.figures_table(head, [(label, value, label == labels[-1])
                                for label, value in zip(labels, values, strict=True)])


def _zh_acceleration_notice(letter: _Letter) -> None:
    letter.body(_ZH_OPENING + "依照借款合同约定，您应当按期足额归还借款本金并支付利息。您自{{ overdue_since }}起"
                "未按约定履行还款义务，截至本通知书出具之日已逾期{{ days_past_due }}天，已构成借款合同项下的违约。")
    letter.body([("宣布提前到期：", True),
                 ("我方现依照借款合同{% if clause %}{{ clause }}{% endif %}的约定，宣布借款合同项下的全部借款提前到期。"
                  "自本通知书送达之日起，借款合同项下尚未到期的借款本金{{ principal_not_due }}"
                  "{% if principal_not_due_in_words %}（大写：{{ principal_not_due_in_words }}）{% endif %}"
                  "即提前到期，连同已逾期的欠款，您应当全部清偿。", False)])
    letter.body("截至{{ letter_date }}，您在借款合同项下的全部欠款明细如下：")
    _acceleration_table(letter)
    letter.body("以上合计应还金额为{{ total }}{% if total_in_words %}（大写：{{ total_in_words }}）{% endif %}，"
                "其中已逾期欠款{{ arrears_total }}，提前到期的借款本金{{ principal_not_due }}。"
                "上述金额计算至{{ letter_date }}，此后的利息、罚息依照借款合同约定继续计收，"
                "以实际还款之日的结算金额为准。")
    letter.body("现我方要求您于{{ pay_by }}（含当日）前将上述全部欠款归还至借款合同约定的还款账户。"
                "如确有困难，请在上述期限内主动与我方联系。")
    letter.body([("逾期不还的法律后果：", True),
                 ("如您在上述期限届满时仍未全额清偿，我方有权依照借款合同约定和法律规定采取包括但不限于以下措施："
                  + _ZH_MEASURES.format(contract="借款合同") + _ZH_COSTS.format(contract="借款合同"), False)])
    letter.body(_ZH_LIMITATION.format(doc="通知书", who="我方"))
    letter.body(_ZH_DISPUTE)
    letter.body("特此通知。")


def _en_acceleration_notice(letter: _Letter) -> None:
    letter.subject_line()
    letter.para("Dear {{ borrower.name }},")
    letter.body("On {{ contract_signed_on }} you (the “Borrower”) entered into Loan Contract No. "
                "{{ contract_number }} (the “Contract”) with {{ creditor.name }} (“we” or “us”), under which "
                "you undertook to repay the principal and pay interest in full on the agreed dates. You have "
                "failed to make the repayments due since {{ overdue_since }}; as at the date of this notice "
                "your loan is " + _EN_DAYS + " past due. This is a default under the Contract.")
    letter.body([("Acceleration. ", True),
                 ("Because of this default, we hereby declare, under "
                  "{% if clause %}{{ clause }} of the Contract{% else %}the Contract{% endif %}, the entire loan "
                  "under the Contract due and payable. From the date this notice is delivered to you, the "
                  "principal not yet due under the Contract, {{ principal_not_due }}"
                  "{% if principal_not_due_in_words %} (in words: {{ principal_not_due_in_words }}){% endif %}, "
                  "falls due together with the overdue amounts, and you must repay the whole balance.", False)])
    letter.body("As at {{ letter_date }}, the whole balance under the Contract is as follows:")
    _acceleration_table(letter)
    letter.body("The total amount now due is {{ total }}"
                "{% if total_in_words %} (in words: {{ total_in_words }}){% endif %}, of which "
                "{{ arrears_total }} is overdue and {{ principal_not_due }} is principal accelerated by this "
                "notice. " + _EN_ACCRUAL)
    letter.body("We therefore demand that you pay the total amount now due into the repayment account specified "
                "in the Contract no later than {{ pay_by }}. If you cannot do so, please contact us before that "
                "date.")
    letter.body([("Consequences of non-payment. ", True),
                 ("If you have not paid in full by that date, we may, as provided in the Contract and permitted "
                  "by law, take any of the following steps: " + _EN_MEASURES.format(contract="Contract") + " "
                  + _EN_COSTS.format(contract="Contract"), False)])
    letter.body("This notice is a demand for performance. " + _EN_LIMITATION.format(doc="notice"))
    letter.body(_EN_DISPUTE)


# ---- 违约通知书（还款安排） / notice of breach of repayment arrangement --------------------------

_SETTLEMENT = '{% if arrangement == "settlement" %}'
_ZH_AGREEMENT = _SETTLEMENT + "和解协议{% else %}补充协议{% endif %}"
_EN_AGREEMENT = _SETTLEMENT + "Settlement Agreement{% else %}Amendment Agreement{% endif %}"


def _zh_arrangement_breach(letter: _Letter) -> None:
    letter.body(_ZH_OPENING + "{{ agreement_date }}，您与我方就借款合同项下欠款的清偿签订了"
                + _SETTLEMENT + "和解协议{% else %}借款合同补充协议（以下称“补充协议”）{% endif %}。")
    letter.body("依照" + _ZH_AGREEMENT + "的约定，您应当于{{ missed_due_on }}（含当日）前"
                "支付第{{ missed_instalment }}期款项{{ missed_amount }}"
                "{% if missed_amount_in_words %}（大写：{{ missed_amount_in_words }}）{% endif %}。"
                "截至本通知书出具之日，您未足额支付该期款项，已违反" + _ZH_AGREEMENT + "的约定。")
    letter.para("{%p if waiver_lapsed %}")
    letter.body([("减免失效：", True),
                 ("依照" + _ZH_AGREEMENT + "的约定，因您未按期足额付款，" + _ZH_AGREEMENT + "约定的减免"
                  "{{ waived_amount }}{% if waived_amount_in_words %}（大写：{{ waived_amount_in_words }}）{% endif %}"
                  "已经失效，您应当依照借款合同清偿全部欠款（已支付的款项予以扣除）。", False)])
    letter.para("{%p endif %}")
    letter.body("截至{{ letter_date }}，您在借款合同项下尚欠我方款项明细如下：")
    letter.amount_table()
    letter.body(_ZH_TOTAL)
    letter.body("现我方要求您于{{ pay_by }}（含当日）前将上述欠款全额归还至借款合同约定的还款账户。"
                "如确有困难，请在上述期限内主动与我方联系。")
    letter.body([("逾期不还的法律后果：", True),
                 ("如您在上述期限届满时仍未全额还款，我方有权依照借款合同、" + _ZH_AGREEMENT + "的约定和法律规定"
                  "采取法律行动，包括但不限于：" + _ZH_MEASURES.format(contract="借款合同")
                  + _ZH_COSTS.format(contract="借款合同"), False)])
    letter.body(_ZH_LIMITATION.format(doc="通知书", who="我方"))
    letter.body(_ZH_DISPUTE)
    letter.body("特此通知。")


def _en_arrangement_breach(letter: _Letter) -> None:
    letter.subject_line()
    letter.para("Dear {{ borrower.name }},")
    letter.body("We refer to Loan Contract No. {{ contract_number }} dated {{ contract_signed_on }} (the "
                "“Contract”) between you (the “Borrower”) and {{ creditor.name }} (“we” or “us”), and to the "
                + _SETTLEMENT + "settlement agreement{% else %}agreement amending the Contract{% endif %} made "
                "between you and us on {{ agreement_date }} for the repayment of the debt under the Contract (the "
                "“" + _EN_AGREEMENT + "”).")
    letter.body("Under the " + _EN_AGREEMENT + ", you were to pay instalment No. {{ missed_instalment }} of "
                "{{ missed_amount }}{% if missed_amount_in_words %} (in words: {{ missed_amount_in_words }}){% endif %}"
                " no later than {{ missed_due_on }}. As at the date of this notice it has not been paid in full: "
                "you are in breach of the " + _EN_AGREEMENT + ".")
    letter.para("{%p if waiver_lapsed %}")
    letter.body([("Waiver lapsed. ", True),
                 ("Under the " + _EN_AGREEMENT + ", because of this default the waiver of {{ waived_amount }}"
                  "{% if waived_amount_in_words %} (in words: {{ waived_amount_in_words }}){% endif %} granted in "
                  "it has lapsed: the full balance under the Contract, less the payments you have made, is owed "
                  "again.", False)])
    letter.para("{%p endif %}")
    letter.body("As at {{ letter_date }}, the following amounts are outstanding under the Contract:")
    letter.amount_table()
    letter.body(_EN_ACCRUAL)
    letter.body("We therefore demand that you pay the total amount due of {{ total }}"
                "{% if total_in_words %} (in words: {{ total_in_words }}){% endif %} into the repayment account "
                "specified in the Contract no later than {{ pay_by }}. If you cannot do so, please contact us "
                "before that date.")
    letter.body([("Consequences of non-payment. ", True),
                 ("If you have not paid in full by that date, we may take legal action, as provided in the Contract "
                  "and the " + _EN_AGREEMENT + " and permitted by law, including the following steps: "
                  + _EN_MEASURES.format(contract="Contract") + " " + _EN_COSTS.format(contract="Contract"), False)])
    letter.body("This notice is a demand for performance. " + _EN_LIMITATION.format(doc="notice"))
    letter.body(_EN_DISPUTE)


BODIES: dict[tuple[str, str], Callable[[_Letter], None]] = {
    ("zh-CN", "acceleration_notice"): _zh_acceleration_notice,
    ("en", "acceleration_notice"): _en_acceleration_notice,
    ("zh-CN", "arrangement_breach"): _zh_arrangement_breach,
    ("en", "arrangement_breach"): _en_arrangement_breach,
}
