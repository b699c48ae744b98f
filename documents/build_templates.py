"""Build the letter templates (documents/templates/<locale>/<kind>.docx) with python-docx.

The .docx files are committed; this script is their source. Edit the wording here, rerun,
review the diff of the rendered sample letters, and bump `TEMPLATE_VERSIONS` in
`documents.renderer` when the meaning of a letter changes. The output is byte-identical on
every run (fixed core properties, normalised ZIP), so an unchanged script leaves the files
untouched.

    python -m documents.build_templates            # (re)write the templates
    python -m documents.build_templates --check    # exit 1 if a committed template is stale
    python -m documents.build_templates --out DIR  # write elsewhere (tests)

Placeholders are docxtpl/Jinja: `{{ borrower.name }}`, `{{ total }}`. The renderer hands the
template plain strings only: amounts are already formatted (`人民币 19,518.00元`,
`CNY 19,518.00`), dates too (`2024年3月15日`, `15 March 2024`). Every placeholder stays inside
one run so Word's run splitting never breaks a tag. Core properties must not contain quotes,
`&`, `<`, `>` or Jinja syntax: docxtpl renders them through the (escaping) environment too.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from documents import kinds
from documents.contexts import KINDS, LOCALES
from documents.kinds._demands_wording import EN_ACCELERATED, ZH_ACCELERATED
from documents.letter_docx import Letter as _Letter
from documents.renderer import TEMPLATE_DIR

# ---- shared wording ----------------------------------------------------------------------------

_ZH_TOTAL = ("以上合计应还金额为{{ total }}{% if total_in_words %}（大写：{{ total_in_words }}）{% endif %}。"
             "上述金额计算至{{ letter_date }}，此后的利息、罚息依照借款合同约定继续计收，"
             "以实际还款之日的结算金额为准。")
# (三) only where the record has security (a pledged asset) or a guarantor; the numbers follow.
_ZH_MEASURES = ("（一）依照借款合同约定继续计收利息、罚息及复利；"
                "（二）宣布借款合同项下全部借款提前到期，要求您立即清偿全部债务；"
                "{% if secured or guaranteed %}（三）"
                "{% if secured %}依法就担保财产优先受偿{% endif %}{% if secured and guaranteed %}，并{% endif %}"
                "{% if guaranteed %}要求保证人承担保证责任{% endif %}；{% endif %}"
                "（{% if secured or guaranteed %}四{% else %}三{% endif %}）"
                "向有管辖权的人民法院提起诉讼或者向约定的仲裁机构申请仲裁，并申请财产保全和强制执行；"
                "（{% if secured or guaranteed %}五{% else %}四{% endif %}）"
                "依照《征信业管理条例》等规定将您的逾期信息报送金融信用信息基础数据库，"
                "由此可能对您的个人信用记录产生不良影响。"
                "因此产生的诉讼费、保全费、公告费、律师费等实现债权的费用，依照借款合同约定由您承担。")
_ZH_LIMITATION = ("本{doc}系我方依照《中华人民共和国民法典》第一百九十五条向您提出的履行请求，"
                  "诉讼时效自本{doc}送达之日起中断并重新计算。")
_ZH_DISPUTE = ("如您对上述欠款金额有异议，请自收到本{doc}之日起七日内以书面形式向我方提出，并附相关证明材料。"
               "如您在收到本{doc}前已足额还款，请忽略本{doc}。"
               "{{% if creditor.phone %}}联系电话：{{{{ creditor.phone }}}}。{{% endif %}}")

_EN_ACCRUAL = ("The amounts above are calculated up to {{ letter_date }}. Interest and penalty interest "
               "continue to accrue as provided in the Contract until the date of actual payment; the "
               "amount due is the amount settled on the day you pay.")
_EN_MEASURES = ("If you have not paid in full by that date, we may then, as provided in the Contract and "
                "permitted by law, take any of the following steps: (1) continue to charge interest, "
                "penalty interest and compound interest under the Contract; (2) declare the entire loan "
                "immediately due and payable; "
                "{% if secured or guaranteed %}(3) "
                "{% if secured %}enforce the security given for the loan{% endif %}"
                "{% if secured and guaranteed %} and {% endif %}"
                "{% if guaranteed %}require the guarantor{% if guaranteed > 1 %}s{% endif %} to perform "
                "the guarantee{% if guaranteed > 1 %}s{% endif %}{% endif %}; {% endif %}"
                "({% if secured or guaranteed %}4{% else %}3{% endif %}) "
                "bring proceedings before a competent people’s court or the arbitration institution "
                "named in the Contract, and apply for preservation of your property and for compulsory "
                "enforcement; and ({% if secured or guaranteed %}5{% else %}4{% endif %}) report the "
                "overdue loan to the Financial Credit Information Database "
                "under the Regulations on the Administration of the Credit Reporting Industry, which may "
                "adversely affect your credit record. The costs of recovery, including court fees, "
                "preservation fees, publication fees and legal fees, shall be borne by you as provided in "
                "the Contract.")
_EN_LIMITATION = ("This {doc} is a demand for performance under Article 195 of the Civil Code of the People’s "
                  "Republic of China: the limitation period is interrupted and runs afresh from the date on "
                  "which this {doc} is served on you.")
_EN_DISPUTE = ("If you dispute any amount stated in this {doc}, please tell us in writing within seven days "
               "of receiving it, enclosing any supporting documents. If you have already paid the full "
               "amount, please disregard this {doc}."
               "{{% if creditor.phone %}} You can reach us on {{{{ creditor.phone }}}}.{{% endif %}}")
_EN_DAYS = "{{ days_past_due }} day{% if days_past_due != 1 %}s{% endif %}"

# The collection notice's timetable (the workflow's `next_steps`, split at the pay-by day): each step
# "on or after <date>", so the notice says what will happen and when, and nothing it will not do.
_ZH_STEP_PHRASES = {"reminder_letter": "向您寄送还款提醒函", "phone_call": "电话联系您", "sms": "向您发送短信提醒",
                    "email": "向您发送电子邮件提醒", "final_demand": "向您发出最后催告函",
                    "legal_review": "将本案提交法律审查"}
_EN_STEP_PHRASES = {"reminder_letter": "send you a reminder letter", "phone_call": "call you",
                    "sms": "send you an SMS reminder", "email": "send you an email reminder",
                    "final_demand": "send you a final demand before legal action",
                    "legal_review": "review the matter for legal action"}
_LEGAL_REVIEW = "steps_after_pay_by|selectattr('what', 'equalto', 'legal_review')|list"


def _steps(steps: str, phrases: dict[str, str], zh: bool) -> str:
    """Jinja listing the steps of `steps`: "于<date>或之后<what>；..." / "on or after <date>, <what>; and ..."."""
    what = "".join(f'{{% {"elif" if i else "if"} s.what == "{code}" %}}{text}'
                   for i, (code, text) in enumerate(phrases.items())) + "{% endif %}"
    if zh:
        return (f"{{% for s in {steps} %}}{{% if not loop.first %}}；{{% endif %}}"
                f"于{{{{ s.on }}}}或之后{what}{{% endfor %}}")
    return (f"{{% for s in {steps} %}}{{% if not loop.first %}}; {{% endif %}}"
            f"{{% if loop.last and not loop.first %}}and {{% endif %}}on or after {{{{ s.on }}}}, {what}{{% endfor %}}")


_ZH_NEXT_STEPS = ("{% if steps_before_pay_by %}在上述还款期限届满前，如您尚未全额还款，我方将："
                  + _steps("steps_before_pay_by", _ZH_STEP_PHRASES, True) + "。{% endif %}"
                  "{% if steps_after_pay_by %}如您未在{{ pay_by }}（含当日）前全额还款，我方将："
                  + _steps("steps_after_pay_by", _ZH_STEP_PHRASES, True) + "。"
                  "{% if " + _LEGAL_REVIEW + " %}经审查，我方可能将本案移交律师事务所并采取法律行动，"
                  "包括向有管辖权的人民法院提起诉讼或者向借款合同约定的仲裁机构申请仲裁。{% endif %}{% endif %}")
_EN_NEXT_STEPS = ("{% if steps_before_pay_by %}Before the payment deadline, if you have not yet paid in full, we will: "
                  + _steps("steps_before_pay_by", _EN_STEP_PHRASES, False) + ".{% endif %}"
                  "{% if steps_after_pay_by %}{% if steps_before_pay_by %} {% endif %}If you have not paid in full "
                  "by {{ pay_by }}, we will: " + _steps("steps_after_pay_by", _EN_STEP_PHRASES, False) + "."
                  "{% if " + _LEGAL_REVIEW + " %} The matter may then be referred for legal action, including "
                  "instructing a law firm and bringing proceedings before a competent people’s court or the "
                  "arbitration institution named in the Contract.{% endif %}{% endif %}")


def _next_steps(letter: _Letter, heading: str, text: str) -> None:
    """The timetable paragraph, left out entirely (`{%p if %}`) when the notice has no steps."""
    letter.para("{%p if steps_before_pay_by or steps_after_pay_by %}")
    letter.body([(heading, True), (text, False)])
    letter.para("{%p endif %}")


# ---- the letters -------------------------------------------------------------------------------

def _zh_collection_notice(letter: _Letter) -> None:
    letter.body("您（以下称“借款人”）于{{ contract_signed_on }}与{{ creditor.name }}（以下称“我方”）"
                "签订了编号为{{ contract_number }}的借款合同（以下称“借款合同”）。依照借款合同约定，"
                "您应当按期足额归还借款本金并支付利息。经核查，您自{{ overdue_since }}起未按约定履行还款义务，"
                "截至本通知书出具之日已逾期{{ days_past_due }}天。")
    letter.body("截至{{ letter_date }}，您在借款合同项下尚欠我方款项明细如下：")
    letter.amount_table()
    letter.body(_ZH_TOTAL)
    letter.instalment_table("其中，您未按期归还的分期款项如下：")
    letter.body("根据《中华人民共和国民法典》第五百零九条、第五百七十七条及第六百七十六条的规定，"
                "当事人应当按照约定全面履行自己的义务；借款人未按照约定的期限返还借款的，"
                "应当按照约定或者国家有关规定支付逾期利息。现我方正式通知并要求您于{{ pay_by }}（含当日）前"
                "将上述欠款全额归还至借款合同约定的还款账户；如确有困难，请在上述期限内主动与我方联系，"
                "协商还款安排。")
    letter.body([("逾期不还的法律后果：", True),
                 ("如您逾期仍未履行还款义务，我方将依照借款合同约定和法律规定采取包括但不限于以下措施：", False),
                 (_ZH_MEASURES, False)])
    _next_steps(letter, "后续安排：", _ZH_NEXT_STEPS)
    letter.body(_ZH_LIMITATION.format(doc="通知书"))
    letter.body(_ZH_DISPUTE.format(doc="通知书"))
    letter.body("特此通知。")


def _zh_reminder_letter(letter: _Letter) -> None:
    letter.body("您（以下称“借款人”）于{{ contract_signed_on }}与{{ creditor.name }}（以下称“我方”）"
                "签订了编号为{{ contract_number }}的借款合同（以下称“借款合同”）。您自{{ overdue_since }}起"
                "未按约定履行还款义务，截至本函出具之日已逾期{{ days_past_due }}天。我方此前已向您发出书面催收通知，"
                "但上述欠款至今仍未结清。" + ZH_ACCELERATED)
    letter.body("逾期以来，您已累计还款{{ paid_to_date }}。"
                "截至{{ letter_date }}，您在借款合同项下仍欠我方款项明细如下：")
    letter.amount_table()
    letter.body(_ZH_TOTAL)
    letter.body("现我方再次郑重提醒您：请于{{ pay_by }}（含当日）前将上述欠款全额归还至借款合同约定的还款账户。"
                "按期足额还款可以避免利息、罚息继续增加，并避免对您的个人信用记录造成进一步的不良影响。"
                "如确有困难，请在上述期限内主动与我方联系，说明原因并协商还款安排。")
    letter.body([("逾期不还的法律后果：", True),
                 ("如您在上述期限届满后仍未履行还款义务，我方将依照借款合同约定和《中华人民共和国民法典》"
                  "的相关规定，采取包括但不限于以下措施：", False),
                 (_ZH_MEASURES, False)])
    letter.body(_ZH_LIMITATION.format(doc="函"))
    letter.body(_ZH_DISPUTE.format(doc="函"))
    letter.body("特此函告。")


def _zh_closure_letter(letter: _Letter) -> None:
    letter.body("兹证明：借款人{{ borrower.name }}（身份证件号码：{{ borrower.id_number }}）"
                "于{{ contract_signed_on }}与{{ creditor.name }}（以下称“我方”）签订的编号为{{ contract_number }}"
                "的借款合同（以下称“借款合同”）项下的债务，已于{{ closed_on }}结清。")
    letter.body("借款合同项下欠款总额为{{ original_total }}"
                "{% if original_total_in_words %}（大写：{{ original_total_in_words }}）{% endif %}，"
                "借款人已累计偿还{{ total_paid }}"
                "{% if total_paid_in_words %}（大写：{{ total_paid_in_words }}）{% endif %}。"
                "{% if waived %}根据双方达成的和解协议，剩余款项{{ waived }}"
                "{% if waived_in_words %}（大写：{{ waived_in_words }}）{% endif %}已由我方依约予以减免。{% endif %}")
    letter.body("截至本证明出具之日，借款人在借款合同项下的全部债务均已清偿完毕，我方与借款人之间"
                "就借款合同不再存在未了结的债权债务。我方已停止就该笔债务的一切催收活动，"
                "并将依照相关规定向金融信用信息基础数据库报送该笔借款的结清信息。")
    letter.body("依照《中华人民共和国民法典》第三百九十三条的规定，为借款合同设立的担保物权随主债权的消灭而消灭；"
                "借款合同项下如设有抵押、质押等担保，我方将配合办理担保登记的注销手续。")
    letter.body("请妥善保管本证明。特此证明。")


def _zh_arrears_cleared(letter: _Letter) -> None:
    letter.body("您（以下称“借款人”）于{{ contract_signed_on }}与{{ creditor.name }}（以下称“我方”）"
                "签订了编号为{{ contract_number }}的借款合同（以下称“借款合同”）。")
    letter.body("您在借款合同项下逾期未还的款项{{ arrears_total }}"
                "{% if arrears_total_in_words %}（大写：{{ arrears_total_in_words }}）{% endif %}，"
                "已于{{ cleared_on }}全部结清，累计还款{{ total_paid }}"
                "{% if total_paid_in_words %}（大写：{{ total_paid_in_words }}）{% endif %}。"
                "借款合同项下的逾期状态已经消除，我方已停止就本次逾期的一切催收活动。")
    letter.body("借款合同继续履行。借款合同项下尚未到期的借款本金"
                "{% if principal_not_due %}{{ principal_not_due }}"
                "{% if principal_not_due_in_words %}（大写：{{ principal_not_due_in_words }}）{% endif %}"
                "{% endif %}及其利息，请按借款合同约定的还款计划按期足额归还"
                "{% if contract_due_on %}，借款合同于{{ contract_due_on }}到期{% endif %}。"
                "借款合同设有抵押、质押、保证等担保的，担保继续有效。")
    letter.body("本通知书仅确认上述逾期款项已经结清，不是借款合同项下全部债务的结清证明；"
                "借款合同项下的全部债务清偿完毕后，我方将另行出具结清证明。")
    letter.body("请妥善保管本通知书。特此通知。")


def _en_arrears_cleared(letter: _Letter) -> None:
    letter.subject_line()
    letter.para("Dear {{ borrower.name }},")
    letter.body("We refer to Loan Contract No. {{ contract_number }} dated {{ contract_signed_on }} (the "
                "“Contract”) between you (the “Borrower”) and {{ creditor.name }} (“we” or “us”).")
    letter.body("We confirm that the overdue amounts under the Contract, {{ arrears_total }}"
                "{% if arrears_total_in_words %} (in words: {{ arrears_total_in_words }}){% endif %}, were paid "
                "in full on {{ cleared_on }}; you have paid {{ total_paid }}"
                "{% if total_paid_in_words %} (in words: {{ total_paid_in_words }}){% endif %} in total. Your "
                "loan is no longer in arrears, and we have ceased all collection activity on these arrears.")
    letter.body("The Contract continues. Please repay the principal not yet due"
                "{% if principal_not_due %}, {{ principal_not_due }}"
                "{% if principal_not_due_in_words %} (in words: {{ principal_not_due_in_words }}){% endif %},"
                "{% endif %} and its interest on the dates in the Contract’s repayment schedule"
                "{% if contract_due_on %}; the Contract matures on {{ contract_due_on }}{% endif %}. Any "
                "mortgage, pledge, guarantee or other security for the Contract remains in force.")
    letter.body("This letter confirms only that the overdue amounts have been paid. It is not a payoff "
                "certificate: we will issue one when everything owed under the Contract has been paid.")
    letter.body("Please keep this letter for your records.")


def _zh_evidence_catalog(letter: _Letter) -> None:
    letter.para([("案件名称：", True), ("{{ case_title }}", False)])
    letter.para([("案件编号：", True), ("{{ matter_reference }}", False)])
    letter.para([("提交人：", True), ("{{ creditor.name }}", False)])
    letter.para([("对方当事人：", True), ("{{ borrower.name }}（身份证件号码：{{ borrower.id_number }}）", False)])
    letter.para("{% if borrower.address %}住址：{{ borrower.address }}{% endif %}")
    letter.para([("借款合同：", True), ("编号{{ contract_number }}，签订于{{ contract_signed_on }}", False)],
                space_after=12)
    letter.evidence_table()
    letter.body("说明：上列证据的电子文件随本目录一并提交，文件名以其序号开头。各文件的SHA-256哈希值列于上表，"
                "重新计算该值即可核验文件自提交之日起未被改动。本目录共列证据{{ items|length }}项。")


def _en_collection_notice(letter: _Letter) -> None:
    letter.subject_line()
    letter.para("Dear {{ borrower.name }},")
    letter.body("On {{ contract_signed_on }} you (the “Borrower”) entered into Loan Contract No. "
                "{{ contract_number }} (the “Contract”) with {{ creditor.name }} (“we” or “us”), under which "
                "you undertook to repay the principal and pay interest in full on the agreed dates. You have "
                "failed to make the repayments due since {{ overdue_since }}; as at the date of this notice "
                "your loan is " + _EN_DAYS + " past due.")
    letter.body("As at {{ letter_date }}, the following amounts are outstanding under the Contract:")
    letter.amount_table()
    letter.body(_EN_ACCRUAL)
    letter.instalment_table("The instalments you have failed to pay are:")
    letter.body("Under Articles 509, 577 and 676 of the Civil Code of the People’s Republic of China, each "
                "party must perform its obligations in full as agreed, and a borrower who fails to repay a "
                "loan when due must pay overdue interest as agreed or as provided by the relevant State "
                "regulations. We therefore formally demand that you pay the total amount due of {{ total }}"
                "{% if total_in_words %} (in words: {{ total_in_words }}){% endif %} "
                "into the repayment account specified in the Contract no later than {{ pay_by }}. If you "
                "cannot do so, please contact us before that date to discuss a repayment arrangement.")
    letter.body([("Consequences of non-payment. ", True), (_EN_MEASURES, False)])
    _next_steps(letter, "What happens next. ", _EN_NEXT_STEPS)
    letter.body(_EN_LIMITATION.format(doc="notice"))
    letter.body(_EN_DISPUTE.format(doc="notice"))


def _en_reminder_letter(letter: _Letter) -> None:
    letter.subject_line()
    letter.para("Dear {{ borrower.name }},")
    letter.body("We refer to Loan Contract No. {{ contract_number }} dated {{ contract_signed_on }} (the "
                "“Contract”) between you (the “Borrower”) and {{ creditor.name }} (“we” or “us”), and to our "
                "earlier written notice demanding payment of the overdue amounts. You have been in default "
                "since {{ overdue_since }}; as at the date of this letter your loan is " + _EN_DAYS + " past "
                "due and the overdue amounts remain unpaid." + EN_ACCELERATED)
    letter.body("Since the loan fell overdue you have paid a total of {{ paid_to_date }}. As at "
                "{{ letter_date }}, the following amounts remain outstanding under the Contract:")
    letter.amount_table()
    letter.body(_EN_ACCRUAL)
    letter.body("We again request that you pay the total amount due of {{ total }}"
                "{% if total_in_words %} (in words: {{ total_in_words }}){% endif %} into the repayment account "
                "specified in the Contract no later than {{ pay_by }}. Paying in full and on time stops "
                "further interest and penalty interest from accruing and avoids further harm to your credit "
                "record. If you are in financial difficulty, please contact us before that date to explain "
                "your circumstances and agree a repayment arrangement.")
    letter.body([("Consequences of non-payment. ", True), (_EN_MEASURES, False)])
    letter.body(_EN_LIMITATION.format(doc="letter"))
    letter.body(_EN_DISPUTE.format(doc="letter"))


def _en_closure_letter(letter: _Letter) -> None:
    letter.subject_line()
    letter.para("Dear {{ borrower.name }},")
    letter.body("We, {{ creditor.name }}, confirm that the debt owed by {{ borrower.name }} (ID/Passport No. "
                "{{ borrower.id_number }}) (the “Borrower”) under Loan Contract No. {{ contract_number }} "
                "dated {{ contract_signed_on }} (the “Contract”) was discharged on {{ closed_on }}.")
    letter.body("The total amount owed under the Contract was {{ original_total }}"
                "{% if original_total_in_words %} (in words: {{ original_total_in_words }}){% endif %}"
                ", and the Borrower has paid {{ total_paid }}"
                "{% if total_paid_in_words %} (in words: {{ total_paid_in_words }}){% endif %}"
                " in total.{% if waived %} Under the settlement agreed between the parties, "
                "we have waived the remaining balance of {{ waived }}"
                "{% if waived_in_words %} (in words: {{ waived_in_words }}){% endif %}.{% endif %}")
    letter.body("Accordingly, as at the date of this letter no amount remains outstanding under the Contract "
                "and no claim remains between us and the Borrower in respect of the Contract. We have ceased "
                "all collection activity on this debt and will report the loan as settled to the Financial "
                "Credit Information Database in accordance with the applicable regulations.")
    letter.body("Under Article 393 of the Civil Code of the People’s Republic of China, any security interest "
                "securing the Contract is extinguished together with the secured debt; we will assist in "
                "cancelling the registration of any mortgage or pledge securing the Contract.")
    letter.body("Please keep this letter for your records.")


def _en_evidence_catalog(letter: _Letter) -> None:
    letter.para([("Case: ", True), ("{{ case_title }}", False)], space_after=0)
    letter.para([("Matter ref.: ", True), ("{{ matter_reference }}", False)], space_after=0)
    letter.para([("Submitted by: ", True), ("{{ creditor.name }}", False)], space_after=0)
    letter.para([("Other party: ", True), ("{{ borrower.name }} (ID/Passport No. {{ borrower.id_number }})", False)],
                space_after=0)
    letter.para("{% if borrower.address %}Address: {{ borrower.address }}{% endif %}", space_after=0)
    letter.para([("Loan Contract No. {{ contract_number }} dated {{ contract_signed_on }}", True)], space_after=12)
    letter.evidence_table()
    letter.body("The electronic files listed above are submitted with this catalogue, each file name beginning "
                "with its number. The SHA-256 value of each file is shown in the table: recomputing it proves "
                "that the file has not changed since it was submitted. This catalogue lists {{ items|length }} "
                "item{% if items|length != 1 %}s{% endif %}.")


_BODIES: dict[tuple[str, str], Callable[[_Letter], None]] = {
    ("zh-CN", "collection_notice"): _zh_collection_notice,
    ("zh-CN", "reminder_letter"): _zh_reminder_letter,
    ("zh-CN", "closure_letter"): _zh_closure_letter,
    ("en", "collection_notice"): _en_collection_notice,
    ("en", "reminder_letter"): _en_reminder_letter,
    ("en", "closure_letter"): _en_closure_letter,
    ("zh-CN", "arrears_cleared"): _zh_arrears_cleared,
    ("en", "arrears_cleared"): _en_arrears_cleared,
    ("zh-CN", "evidence_catalog"): _zh_evidence_catalog,
    ("en", "evidence_catalog"): _en_evidence_catalog,
}
# Kinds that are not addressed to the borrower (filed with a court or sent to a law firm).
_UNADDRESSED = frozenset({"evidence_catalog"})
_UNHEADED: frozenset[str] = frozenset()  # pleadings filed with a court or commission: no creditor letterhead
_SUBTITLES: dict[tuple[str, str], str] = {
    ("zh-CN", "reminder_letter"): "（第{{ sequence_text }}次提醒）",
    ("en", "reminder_letter"): "{{ sequence_text }} Reminder",
}

# Families of documents defined in documents/kinds/<group>.py.
for _group in kinds.groups():
    _BODIES.update(_group.BODIES)
    _UNADDRESSED = _UNADDRESSED | frozenset(getattr(_group, "UNADDRESSED", ()))
    _UNHEADED = _UNHEADED | frozenset(getattr(_group, "UNHEADED", ()))
    _SUBTITLES.update(getattr(_group, "SUBTITLES", {}))


def build(kind: str, locale: str) -> bytes:
    """The template of `kind` in `locale`, as normalised .docx bytes."""
    letter = _Letter(locale, kind)
    if kind not in _UNHEADED:
        letter.letterhead()
    letter.title(kind, _SUBTITLES.get((locale, kind)))
    letter.reference_and_date()
    if kind not in _UNADDRESSED:
        letter.addressee()
    _BODIES[(locale, kind)](letter)
    if kind in _UNADDRESSED:
        letter.signature(closing="Submitted by:")
    else:
        letter.signature()
    letter.footer()
    return letter.to_bytes()


def build_all(out_dir: Path) -> list[Path]:
    """Write every template under `out_dir`; return the files whose bytes changed."""
    changed: list[Path] = []
    for locale in LOCALES:
        for kind in KINDS:
            path = out_dir / locale / f"{kind}.docx"
            data = build(kind, locale)
            if path.exists() and path.read_bytes() == data:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            changed.append(path)
    return changed


def stale(out_dir: Path) -> list[Path]:
    """Templates under `out_dir` that differ from what this script builds."""
    result = []
    for locale in LOCALES:
        for kind in KINDS:
            path = out_dir / locale / f"{kind}.docx"
            if not path.exists() or path.read_bytes() != build(kind, locale):
                result.append(path)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=TEMPLATE_DIR, help="templates folder")
    parser.add_argument("--check", action="store_true", help="fail if a template is out of date")
    args = parser.parse_args(argv)
    if args.check:
        outdated = stale(args.out)
        for path in outdated:
            sys.stderr.write(f"stale: {path}\n")
        return 1 if outdated else 0
    for path in build_all(args.out):
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
