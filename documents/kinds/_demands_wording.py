"""The wording of the demands family's templates (its bodies); `documents.kinds.demands` holds the contexts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from documents.letter_docx import Letter as _Letter

# Civil Code art. 692: where the guarantee contract is silent, six months from the main debt's due date.


# ---- letter parts ------------------------------------------------------------------------------

def _heading(letter: _Letter, text: str) -> None:
    letter.para(text, bold=True, keep_with_next=True, space_before=6)


def _replace_signature(letter: _Letter, write: Callable[[], None]) -> None:
    """Close this document with `write` instead of `build_templates`' creditor signature.

    `build_templates.build` calls `letter.signature(...)` after the body; the instance attribute
    set here takes its place for this one document.
    """

    def signature(closing: str | None = None) -> None:
        # Never leave the signature alone on a page: it keeps with the letter's last paragraph.
        letter.doc.paragraphs[-1].paragraph_format.keep_with_next = True
        write()

    letter.signature = signature  # type: ignore[method-assign]


def _lines(letter: _Letter, lines: Sequence[str], *, right: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        letter.para(line, align=WD_ALIGN_PARAGRAPH.RIGHT if right else None, keep_with_next=not last,
                    space_after=None if last else 0)


def _law_firm_letterhead(letter: _Letter) -> None:
    """Turn the creditor's letterhead (the document's first two paragraphs) into the law firm's."""
    name, contact = letter.doc.paragraphs[0], letter.doc.paragraphs[1]
    name.runs[0].text = "{{ law_firm.name }}"
    if letter.zh:
        contact.runs[0].text = ("地址：{{ law_firm.address }}"
                                "{% if law_firm.phone %}　电话：{{ law_firm.phone }}{% endif %}")
    else:
        contact.runs[0].text = "{{ law_firm.address }}{% if law_firm.phone %} | Tel. {{ law_firm.phone }}{% endif %}"


def _law_firm_signature(letter: _Letter) -> None:
    if letter.zh:
        letter.para(space_before=12, keep_with_next=True)
        _lines(letter, ("{{ law_firm.name }}（盖章）",
                        "经办律师：{{ lawyer.name }}（执业证号：{{ lawyer.licence_number }}）",
                        "{{ letter_date }}"), right=True)
    else:
        letter.para("Yours faithfully,", space_before=12, keep_with_next=True)
        letter.para(space_after=24, keep_with_next=True)
        letter.para([("{{ law_firm.name }}", True)], keep_with_next=True, space_after=0)
        _lines(letter, ("{{ lawyer.name }}, Lawyer (Licence No. {{ lawyer.licence_number }})",
                        "(Seal of the law firm)"))


def _both_parties_signature(letter: _Letter) -> None:
    letter.para(space_before=12, keep_with_next=True)
    if letter.zh:
        _lines(letter, ("债权人：{{ creditor.name }}（盖章）",
                        "经办人（签字）：____________________",
                        "日期：{{ letter_date }}"))
        letter.para(space_before=12, keep_with_next=True)
        _lines(letter, ("借款人：{{ borrower.name }}",
                        "签字（并捺印）：____________________",
                        "日期：________年____月____日"))
    else:
        _lines(letter, ("For and on behalf of the Creditor, {{ creditor.name }} (Company seal)",
                        "Signature: ____________________   Name: ____________________",
                        "Date: {{ letter_date }}"))
        letter.para(space_before=12, keep_with_next=True)
        _lines(letter, ("Acknowledged and agreed by the Borrower, {{ borrower.name }}",
                        "Signature: ____________________",
                        "Date: ____________________"))


# ---- shared wording ----------------------------------------------------------------------------

_ZH_OPENING = ("您（以下称“借款人”）于{{ contract_signed_on }}与{{ creditor.name }}（以下称“我方”）"
               "签订了编号为{{ contract_number }}的借款合同（以下称“借款合同”）。")
_ZH_TOTAL = ("以上合计应还金额为{{ total }}{% if total_in_words %}（大写：{{ total_in_words }}）{% endif %}。"
             "上述金额计算至{{ letter_date }}，此后的利息、罚息依照借款合同约定继续计收，"
             "以实际还款之日的结算金额为准。")
_ZH_LIMITATION = ("本{doc}系{who}依照《中华人民共和国民法典》第一百九十五条向您提出的履行请求，"
                  "诉讼时效自本{doc}送达之日起中断，并重新计算。")
_ZH_COSTS = "因此产生的诉讼费、仲裁费、保全费、公告费、律师费等实现债权的费用，依照{contract}约定由您承担。"

_EN_ACCRUAL = ("The amounts above are calculated up to {{ letter_date }}. Interest and penalty interest "
               "continue to accrue as provided in the Contract until the date of actual payment; the "
               "amount due is the amount settled on the day you pay.")
_EN_DAYS = "{{ days_past_due }} day{% if days_past_due != 1 %}s{% endif %}"
_EN_LIMITATION = ("Under Article 195 of the Civil Code of the People’s Republic of China, the limitation period "
                  "is interrupted and runs afresh from the date on which this {doc} is served on you.")
_EN_COSTS = ("The costs of recovery, including court or arbitration fees, preservation fees, publication fees "
             "and legal fees, shall be borne by you as provided in the {contract}.")


# ---- 最后催告函 / final demand ----------------------------------------------------------------

# A demand sent after the whole loan was declared due says so, and from when (its notice's delivery).
ZH_ACCELERATED = ("{% if accelerated_on %}我方已依照借款合同的约定宣布借款全部提前到期，借款提前到期通知书已于"
                  "{{ accelerated_on }}送达您；自该日起，借款合同项下全部借款本金均已到期，下列欠款包括全部到期本金。"
                  "{% endif %}")
EN_ACCELERATED = ("{% if accelerated_on %} We have declared the whole loan immediately due under the Contract; our "
                  "notice of acceleration was delivered to you on {{ accelerated_on }}, and from that day all "
                  "principal outstanding under the Contract is due. The amounts below include it.{% endif %}")


def _zh_final_demand(letter: _Letter) -> None:
    letter.body(_ZH_OPENING + "您自{{ overdue_since }}起未按约定履行还款义务，截至本函出具之日已逾期"
                "{{ days_past_due }}天。我方已于{{ first_demand_on }}向您发出书面催收通知书"
                "{% if reminders_on %}，此后又{% if reminders_on|length > 1 %}先后{% endif %}"
                "于{{ reminders_on|join('、') }}向您发出书面还款提醒函{% endif %}，但您至今仍未清偿欠款。"
                + ZH_ACCELERATED)
    letter.body("截至{{ letter_date }}，您在借款合同项下尚欠我方款项明细如下：")
    letter.amount_table()
    letter.body(_ZH_TOTAL)
    letter.body([("最后催告：", True),
                 ("本函是我方在采取法律行动前向您发出的最后催告。我方郑重要求您于{{ pay_by }}（含当日）前"
                  "将上述欠款全额归还至借款合同约定的还款账户。上述期限届满前，我方不再另行催告。", False)])
    letter.body([("逾期不还将采取的法律行动：", True),
                 ("如您在上述期限届满时仍未全额还款，我方将依照借款合同约定和法律规定，不再另行通知，"
                  "采取以下措施：（一）{% if not accelerated_on %}宣布借款合同项下全部借款提前到期，{% endif %}"
                  "向有管辖权的人民法院提起诉讼"
                  "或者向借款合同约定的仲裁机构申请仲裁，要求您清偿全部本金、利息、罚息、复利及实现债权的费用；"
                  "（二）在起诉前或者诉讼中依法申请财产保全，查封、扣押、冻结您名下的银行存款、房产、车辆等财产，"
                  "并在判决或者裁决生效后申请强制执行；"
                  "{% if secured or guaranteed %}（三）{% if secured %}依法就借款合同项下的抵押物、质物等担保财产"
                  "优先受偿{% endif %}{% if secured and guaranteed %}，并{% endif %}"
                  "{% if guaranteed %}要求保证人在保证范围内承担保证责任{% endif %}；{% endif %}"
                  "（{% if secured or guaranteed %}四{% else %}三{% endif %}）"
                  "依照《征信业管理条例》等规定将您的逾期信息"
                  "报送金融信用信息基础数据库，由此可能对您的信用记录以及办理贷款、信用卡等金融业务产生不良影响。"
                  + _ZH_COSTS.format(contract="借款合同"), False)])
    letter.body(_ZH_LIMITATION.format(doc="函", who="我方"))
    letter.body("如您对上述欠款金额有异议，请于{{ pay_by }}（含当日）前以书面形式向我方提出，并附相关证明材料。"
                "如您在收到本函前已足额还款，请忽略本函。"
                "{% if creditor.phone %}联系电话：{{ creditor.phone }}。{% endif %}")
    letter.body("特此函告。")


def _en_final_demand(letter: _Letter) -> None:
    letter.subject_line()
    letter.para("Dear {{ borrower.name }},")
    letter.body("On {{ contract_signed_on }} you (the “Borrower”) entered into Loan Contract No. "
                "{{ contract_number }} (the “Contract”) with {{ creditor.name }} (“we” or “us”). You have failed "
                "to make the repayments due since {{ overdue_since }}; as at the date of this letter your loan is "
                + _EN_DAYS + " past due. We sent you a written collection notice on {{ first_demand_on }}"
                "{% if reminders_on|length == 1 %} and a written reminder on {{ reminders_on[0] }}"
                "{% elif reminders_on %} and written reminders on {{ reminders_on[:-1]|join(', ') }} and "
                "{{ reminders_on[-1] }}{% endif %}, but the debt remains unpaid." + EN_ACCELERATED)
    letter.body("As at {{ letter_date }}, the following amounts are outstanding under the Contract:")
    letter.amount_table()
    letter.body(_EN_ACCRUAL)
    letter.body([("Final demand. ", True),
                 ("This is our final demand before we take legal action. We require you to pay the total amount "
                  "due of {{ total }}"
                  "{% if total_in_words %} (in words: {{ total_in_words }}){% endif %}"
                  " into the repayment account specified in the Contract no later than "
                  "{{ pay_by }}. We will send no further reminder before that date.", False)])
    letter.body([("Legal action that will follow. ", True),
                 ("If we have not received payment in full by that date, we will, as provided in the Contract and "
                  "permitted by law and without further notice: (1) {% if not accelerated_on %}declare the entire "
                  "loan immediately due and {% endif %}bring proceedings before a competent people’s court, or the "
                  "arbitration institution named in the Contract, for the principal, interest, penalty interest, "
                  "compound interest and costs of recovery; (2) apply, before or during those proceedings, for "
                  "preservation of your property, including the freezing, seizure or attachment of your bank "
                  "deposits, real estate and vehicles, and, once a judgment or award takes effect, for its "
                  "compulsory enforcement; {% if secured or guaranteed %}(3) {% if secured %}enforce the mortgage, "
                  "pledge or other security for the loan{% endif %}{% if secured and guaranteed %} and {% endif "
                  "%}{% if guaranteed %}require the guarantor{% if guaranteed > 1 %}s{% endif %} to pay within the "
                  "scope of the guarantee{% if guaranteed > 1 %}s{% endif %}{% endif %}; {% endif %}and ({% if "
                  "secured or guaranteed %}4{% else %}3{% endif %}) report the overdue loan to the Financial Credit"
                  " Information Database under the Regulations on the Administration of the Credit Reporting "
                  "Industry, which may harm your credit record and your access to loans, credit cards and other "
                  "financial "
                  "services. " + _EN_COSTS.format(contract="Contract"), False)])
    letter.body("This letter is a demand for performance. " + _EN_LIMITATION.format(doc="letter"))
    letter.body("If you dispute any amount stated in this letter, please tell us in writing no later than "
                "{{ pay_by }}, enclosing any supporting documents. If you have already paid the full amount, "
                "please disregard this letter."
                "{% if creditor.phone %} You can reach us on {{ creditor.phone }}.{% endif %}")


# ---- 还款承诺确认书 / promise-to-pay confirmation -----------------------------------------------

def _zh_ptp_confirmation(letter: _Letter) -> None:
    letter.body(_ZH_OPENING + "您自{{ overdue_since }}起未按约定履行还款义务。{{ promise_made_on }}，"
                "您向我方作出了还款承诺。现将双方确认的内容列明如下，请您核对无误后签字，并将本确认书交回我方一份。")
    _heading(letter, "一、债务确认")
    letter.body("截至{{ letter_date }}，借款人在借款合同项下尚欠我方款项明细如下：")
    letter.amount_table()
    letter.body("借款人确认，截至{{ letter_date }}尚欠我方合计{{ total }}"
                "{% if total_in_words %}（大写：{{ total_in_words }}）{% endif %}，对上述债务无异议。"
                "上述金额计算至{{ letter_date }}，此后的利息、罚息依照借款合同约定继续计收。")
    _heading(letter, "二、还款承诺")
    letter.body("借款人承诺于{{ promise_due_on }}（含当日）前向借款合同约定的还款账户归还{{ promised_amount }}"
                "{% if promised_amount_in_words %}（大写：{{ promised_amount_in_words }}）{% endif %}。"
                "{% if promised_amount != total %}承诺还款金额不足上述欠款合计的，剩余欠款仍应依照借款合同约定清偿；"
                "本确认书不构成我方对剩余债务的减免、展期或者对借款合同的变更。{% endif %}")
    _heading(letter, "三、宽限期")
    letter.body("{% if grace_days %}我方给予借款人{{ grace_days }}天宽限期，即至{{ grace_ends_on }}止："
                "借款人在宽限期届满前付清承诺金额的，视为按约履行本承诺。"
                "{% else %}本承诺不设宽限期，借款人应于{{ grace_ends_on }}（含当日）前付清承诺金额。{% endif %}"
                "借款人按约履行本承诺期间，我方暂缓采取进一步的催收措施。借款人支付的款项，依照借款合同约定的顺序"
                "依次冲抵实现债权的费用、其他应付费用、罚息、利息和本金。")
    _heading(letter, "四、违反承诺的后果")
    letter.body("借款人未在{{ grace_ends_on }}（含当日）前付清承诺金额的，本承诺即告失效。我方有权不再另行通知，"
                "依照借款合同约定要求借款人立即清偿全部欠款，并依法向有管辖权的人民法院提起诉讼或者向借款合同约定的"
                "仲裁机构申请仲裁、申请财产保全和强制执行、处分担保财产或者要求保证人承担保证责任，"
                "并依照《征信业管理条例》等规定将逾期信息报送金融信用信息基础数据库。"
                "本确认书不影响我方依照借款合同和法律享有的其他权利。")
    _heading(letter, "五、诉讼时效")
    letter.body("借款人签署本确认书，即同意履行上述债务。依照《中华人民共和国民法典》第一百九十五条的规定，"
                "诉讼时效自借款人签署本确认书之日起中断，并重新计算。")
    letter.body([("借款人声明：", True),
                 ("本人已阅读并理解本确认书的全部内容，确认上述债务，并承诺按期还款。", False)])
    _replace_signature(letter, lambda: _both_parties_signature(letter))


def _en_ptp_confirmation(letter: _Letter) -> None:
    letter.subject_line()
    letter.para("Dear {{ borrower.name }},")
    letter.body("We refer to Loan Contract No. {{ contract_number }} dated {{ contract_signed_on }} (the "
                "“Contract”) between you (the “Borrower”) and {{ creditor.name }} (“we” or “us”), under which your "
                "repayments have been overdue since {{ overdue_since }}. On {{ promise_made_on }} you promised us "
                "a payment. This confirmation sets out what was agreed: please check it, sign it and return one "
                "signed copy to us.")
    _heading(letter, "1. Acknowledgment of the debt")
    letter.body("As at {{ letter_date }}, the following amounts are outstanding under the Contract:")
    letter.amount_table()
    letter.body("The Borrower acknowledges owing us the total amount due of {{ total }}"
                "{% if total_in_words %} (in words: {{ total_in_words }}){% endif %} as at {{ letter_date }} "
                "and does not dispute it. Interest and penalty interest continue to accrue after that date as "
                "provided in the Contract.")
    _heading(letter, "2. Promise to pay")
    letter.body("The Borrower promises to pay {{ promised_amount }}"
                "{% if promised_amount_in_words %} (in words: {{ promised_amount_in_words }}){% endif %}"
                " into the repayment account specified in the "
                "Contract on or before {{ promise_due_on }}.{% if promised_amount != total %} The promised amount "
                "is less than the total amount due: the rest remains payable under the Contract, and this "
                "confirmation does not waive, defer or vary any part of the debt or of the Contract.{% endif %}")
    _heading(letter, "3. Grace period")
    letter.body("{% if grace_days %}We allow a grace period of {{ grace_days }} "
                "day{% if grace_days != 1 %}s{% endif %}, until {{ grace_ends_on }}: the promise is kept if the "
                "promised amount has been paid in full by the end of that day."
                "{% else %}No grace period applies: the promised amount must be paid in full by the end of "
                "{{ grace_ends_on }}.{% endif %} While the promise is being kept we will take no further collection "
                "steps. Payments are applied as the Contract provides: first to the costs of recovery, then to "
                "fees, penalty interest, interest and principal.")
    _heading(letter, "4. If the promise is broken")
    letter.body("If the promised amount has not been paid in full by the end of {{ grace_ends_on }}, this promise "
                "lapses. We may then, without further notice, require immediate payment of the entire debt under "
                "the Contract, bring proceedings before a competent people’s court or the arbitration institution "
                "named in the Contract, apply for preservation of the Borrower’s property and for compulsory "
                "enforcement, enforce any security or claim against any guarantor, and report the overdue loan to "
                "the Financial Credit Information Database. This confirmation does not limit any other right we "
                "have under the Contract or the law.")
    _heading(letter, "5. Limitation period")
    letter.body("By signing this confirmation the Borrower agrees to perform the obligation acknowledged above. "
                "Under Article 195 of the Civil Code of the People’s Republic of China, the limitation period is "
                "interrupted and runs afresh from the date on which the Borrower signs it.")
    letter.body([("Borrower’s declaration. ", True),
                 ("I have read and understood this confirmation, I acknowledge the debt stated above and I promise "
                  "to pay as set out in it.", False)])
    _replace_signature(letter, lambda: _both_parties_signature(letter))


# ---- 律师函 / lawyer's letter -------------------------------------------------------------------

def _zh_lawyers_letter(letter: _Letter) -> None:
    _law_firm_letterhead(letter)
    letter.body("{{ law_firm.name }}（以下称“本所”）于{{ instructed_on }}接受{{ creditor.name }}"
                "（{% if creditor.registration_number %}"
                "统一社会信用代码：{{ creditor.registration_number }}，{% endif %}"
                "以下称“委托人”）的委托，指派{{ lawyer.name }}律师，就您拖欠委托人借款一事，郑重致函如下：")
    letter.body("根据委托人提供的材料，您于{{ contract_signed_on }}与委托人签订了编号为{{ contract_number }}的借款合同"
                "（以下称“借款合同”）。委托人已依约发放借款，但您自{{ overdue_since }}起未按约定履行还款义务，"
                "截至本函出具之日已逾期{{ days_past_due }}天。{% if demands_on %}委托人已"
                "{% if demands_on|length > 1 %}先后{% endif %}于{{ demands_on|join('、') }}向您发出书面催收，"
                "{% endif %}您至今仍未清偿。")
    letter.body("截至{{ letter_date }}，您在借款合同项下尚欠委托人款项明细如下：")
    letter.amount_table()
    letter.body(_ZH_TOTAL)
    letter.body("本律师认为，依法成立的合同对当事人具有法律约束力。根据《中华人民共和国民法典》第四百六十五条、"
                "第五百零九条、第五百七十七条及第六百七十六条的规定，您应当按照约定全面履行还款义务；"
                "借款人未按照约定的期限返还借款的，应当按照约定或者国家有关规定支付逾期利息，并承担违约责任。"
                "您的上述行为已构成违约。")
    letter.body([("律师意见：", True),
                 ("本所受委托郑重要求您于{{ pay_by }}（含当日）前将上述欠款全额归还至借款合同约定的还款账户。"
                  "如您对欠款有异议或者确有还款困难，请于上述期限内与本所{{ lawyer.name }}律师联系"
                  "{% if law_firm.phone %}（电话：{{ law_firm.phone }}）{% endif %}。", False)])
    letter.body([("逾期不还的法律后果：", True),
                 ("如您逾期仍未履行，本所将依委托人的授权，不再另行通知，代理委托人采取以下法律措施："
                  "（一）向有管辖权的人民法院提起诉讼或者向借款合同约定的仲裁机构申请仲裁，要求您清偿全部欠款；"
                  "（二）在起诉前或者诉讼中依法申请财产保全，查封、扣押、冻结您名下的财产，"
                  "并在判决或者裁决生效后申请强制执行；（三）依法处分担保财产或者要求保证人承担保证责任；"
                  "（四）由委托人依照《征信业管理条例》等规定将您的逾期信息报送金融信用信息基础数据库。"
                  + _ZH_COSTS.format(contract="借款合同"), False)])
    letter.body(_ZH_LIMITATION.format(doc="函", who="本所代委托人"))
    letter.body("如您在收到本函前已向委托人足额还款，请持还款凭证与本所或者委托人"
                "{% if creditor.address %}（地址：{{ creditor.address }}"
                "{% if creditor.phone %}；电话：{{ creditor.phone }}{% endif %}）"
                "{% elif creditor.phone %}（电话：{{ creditor.phone }}）{% endif %}联系核对，并忽略本函。")
    letter.body("特此函告。")
    _replace_signature(letter, lambda: _law_firm_signature(letter))


def _en_lawyers_letter(letter: _Letter) -> None:
    _law_firm_letterhead(letter)
    letter.subject_line()
    letter.para("Dear {{ borrower.name }},")
    letter.body("We, {{ law_firm.name }} (the “Firm”), act for {{ creditor.name }}"
                " ({% if creditor.registration_number %}Unified Social Credit Code "
                "{{ creditor.registration_number }}; {% endif %}our “Client”), which instructed us on "
                "{{ instructed_on }} to recover the loan you owe it. The lawyer in charge is {{ lawyer.name }}.")
    letter.body("According to the documents our Client has provided, on {{ contract_signed_on }} you entered into "
                "Loan Contract No. {{ contract_number }} (the “Contract”) with our Client. Our Client advanced the "
                "loan as agreed, but you have failed to make the repayments due since {{ overdue_since }}; as at the "
                "date of this letter your loan is " + _EN_DAYS + " past due"
                "{% if demands_on|length == 1 %}, and our Client’s written demand of {{ demands_on[0] }} has not "
                "been met{% elif demands_on %}, and our Client’s written demands of {{ demands_on[:-1]|join(', ') }} "
                "and {{ demands_on[-1] }} have not been met{% endif %}.")
    letter.body("As at {{ letter_date }}, the following amounts are outstanding under the Contract:")
    letter.amount_table()
    letter.body(_EN_ACCRUAL)
    letter.body("A contract concluded in accordance with law binds its parties (Article 465 of the Civil Code of the "
                "People’s Republic of China). Under Articles 509, 577 and 676 of the Civil Code you must perform "
                "your obligations in full as agreed, and a borrower who fails to repay a loan when due must pay "
                "overdue interest as agreed or as provided by the relevant State regulations and is liable for the "
                "breach. Your failure to repay is a breach of the Contract.")
    letter.body([("Our demand. ", True),
                 ("On our Client’s instructions, we demand that you pay the total amount due of {{ total }}"
                  "{% if total_in_words %} (in words: {{ total_in_words }}){% endif %} into the "
                  "repayment account specified in the Contract no later than {{ pay_by }}. If you dispute the debt "
                  "or cannot pay, please contact {{ lawyer.name }} of this Firm"
                  "{% if law_firm.phone %} on {{ law_firm.phone }}{% endif %} before that date.", False)])
    letter.body([("Consequences of non-payment. ", True),
                 ("If you fail to pay by that date, we are instructed to take the following steps on our Client’s "
                  "behalf without further notice: (1) bring proceedings before a competent people’s court, or the "
                  "arbitration institution named in the Contract, for the whole debt; (2) apply, before or during "
                  "those proceedings, for preservation of your property (freezing, seizure or attachment) and, once "
                  "a judgment or award takes effect, for its compulsory enforcement; (3) enforce any security for "
                  "the loan or claim against any guarantor; and (4) have our Client report the overdue loan to the "
                  "Financial Credit Information Database under the Regulations on the Administration of the Credit "
                  "Reporting Industry. " + _EN_COSTS.format(contract="Contract"), False)])
    letter.body("This letter is a demand for performance made on our Client’s behalf. "
                + _EN_LIMITATION.format(doc="letter"))
    letter.body("If you have already paid our Client in full, please contact us or our Client"
                "{% if creditor.address %} ({{ creditor.address }}"
                "{% if creditor.phone %}; Tel. {{ creditor.phone }}{% endif %})"
                "{% elif creditor.phone %} (Tel. {{ creditor.phone }}){% endif %} with proof of payment and "
                "disregard this letter.")
    _replace_signature(letter, lambda: _law_firm_signature(letter))


BODIES: dict[tuple[str, str], Callable[[_Letter], None]] = {
    ("zh-CN", "final_demand"): _zh_final_demand,
    ("en", "final_demand"): _en_final_demand,
    ("zh-CN", "ptp_confirmation"): _zh_ptp_confirmation,
    ("en", "ptp_confirmation"): _en_ptp_confirmation,
    ("zh-CN", "lawyers_letter"): _zh_lawyers_letter,
    ("en", "lawyers_letter"): _en_lawyers_letter,
}
