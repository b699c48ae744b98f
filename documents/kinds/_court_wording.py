"""The wording of the court family's templates (its bodies); `documents.kinds.court` holds the contexts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from docx.enum.text import WD_ALIGN_PARAGRAPH

if TYPE_CHECKING:  # build_templates imports this module (through documents.kinds): no runtime import
    from documents.letter_docx import Letter as _Letter

# Guarantors are numbered 被告二..被告七 and their claims 四..九: a complaint joins at most six.


# The demands sent, with their dates, as the record holds them ("经原告先后于A、B书面催收" / "despite written
# demands dated A and B"); no demand in the record: none is claimed.
_ZH_DEMANDS = ("{{% if demands_on %}}，经{who}{{% if demands_on|length > 1 %}}先后{{% endif %}}于"
               "{{{{ demands_on|join('、') }}}}书面催收，仍未清偿{{% else %}}，至今未清偿{{% endif %}}")
_EN_DEMANDS = ("{% if demands_on|length == 1 %} despite a written demand dated {{ demands_on[0] }}"
               "{% elif demands_on %} despite written demands dated {{ demands_on[:-1]|join(', ') }} and "
               "{{ demands_on[-1] }}{% endif %}")


# ---- template builders ---------------------------------------------------------------------------

_ZH_ORDINALS = "'二三四五六七'"  # 被告二.. for guarantors (at most MAX_CO_DEFENDANTS)
_ZH_CLAIMS = "'四五六七八九十'"  # claim numbers after the three claims against the borrower


def _asset_table(letter: _Letter) -> None:
    """The assets, one docxtpl row loop (`{%tr for %}`) under a header row."""
    if letter.zh:
        head = ("序号", "财产名称及描述", "所在地、开户行及账号或登记信息", "估值")
    else:
        head = ("No.", "Asset", "Location, account or registration", "Estimated value")
    cells = ("{{ loop.index }}", "{{ a.description }}", "{{ a.location }}", "{{ a.estimated_value }}")
    letter.loop_table(head, cells, (1.2, 5.6, 5.6, 3.2), "a in assets",  # 15.6 cm: the text width
                      aligns=(WD_ALIGN_PARAGRAPH.CENTER, None, None, WD_ALIGN_PARAGRAPH.RIGHT))


def _heading(letter: _Letter, text: str) -> None:
    letter.para([(text, True)], space_before=6, keep_with_next=True)


def _zh_filer(letter: _Letter, role: str) -> None:
    letter.para([(f"{role}：", True), ("{{ creditor.name }}", False)])
    letter.para("{% if creditor.address %}住所地：{{ creditor.address }}{% endif %}"
                "{% if creditor.registration_number %}"
                "　统一社会信用代码：{{ creditor.registration_number }}{% endif %}")
    letter.para("{{ representative_title }}：{{ representative }}")
    letter.para("联系人：{{ contact_person }}　联系电话：{{ contact_phone }}", space_after=6)


def _en_filer(letter: _Letter, role: str) -> None:
    letter.para([(f"{role}: ", True), ("{{ creditor.name }}", True)], space_after=0)
    letter.para("{% if creditor.address %}Registered address: {{ creditor.address }}{% endif %}", space_after=0)
    letter.para("{% if creditor.registration_number %}Unified Social Credit Code: "
                "{{ creditor.registration_number }}{% endif %}", space_after=0)
    letter.para("{{ representative_title }}: {{ representative }}", space_after=0)
    letter.para("Contact: {{ contact_person }}, tel. {{ contact_phone }}", space_after=6)


# A natural person's particulars in a pleading (CPL art. 124 and the courts' forms): gender, date of birth,
# ethnicity or nationality.
def _zh_person(v: str) -> str:
    return (f"{{% if {v}.gender == 'male' %}}男{{% else %}}女{{% endif %}}，{{{{ {v}.born_on }}}}出生，"
            f"{{% if {v}.ethnicity %}}{{{{ {v}.ethnicity }}}}{{% else %}}国籍：{{{{ {v}.nationality }}}}{{% endif %}}")


def _en_person(v: str) -> str:
    return (f"{{% if {v}.gender == 'male' %}}male{{% else %}}female{{% endif %}}, born on {{{{ {v}.born_on }}}}, "
            f"{{% if {v}.ethnicity %}}ethnicity: {{{{ {v}.ethnicity }}}}{{% else %}}nationality: "
            f"{{{{ {v}.nationality }}}}{{% endif %}}")


ZH_BORROWER, EN_BORROWER = _zh_person("borrower_particulars"), _en_person("borrower_particulars")
ZH_GUARANTOR, EN_GUARANTOR = _zh_person("g.particulars"), _en_person("g.particulars")


def _zh_debtor(letter: _Letter, role: str) -> None:
    letter.para([(f"{role}：", True), ("{{ borrower.name }}", False)])
    letter.para(ZH_BORROWER)
    letter.para("身份证件号码：{{ borrower.id_number }}")
    letter.para("{% if borrower.address %}住址：{{ borrower.address }}{% endif %}", space_after=6)


def _en_debtor(letter: _Letter, role: str) -> None:
    letter.para([(f"{role}: ", True), ("{{ borrower.name }}", True)], space_after=0)
    letter.para(EN_BORROWER, space_after=0)
    letter.para("ID/Passport No.: {{ borrower.id_number }}", space_after=0)
    letter.para("{% if borrower.address %}Address: {{ borrower.address }}{% endif %}", space_after=6)


def _to_court(letter: _Letter, addressee: str) -> None:
    if letter.zh:
        letter.para("此致", space_before=6, keep_with_next=True)
        letter.para(addressee, keep_with_next=True, space_after=6)
    else:
        letter.para("To: " + addressee, space_before=6, space_after=6)


# -- 民事起诉状

_ZH_DEFENDANT_ONE = "被告{% if guarantors %}一{% endif %}"


def _zh_civil_complaint(letter: _Letter) -> None:
    _zh_filer(letter, "原告")
    letter.para([(_ZH_DEFENDANT_ONE + "：", True), ("{{ borrower.name }}", False)])
    letter.para(ZH_BORROWER)
    letter.para("身份证件号码：{{ borrower.id_number }}")
    letter.para("{% if borrower.address %}住址：{{ borrower.address }}{% endif %}", space_after=6)
    letter.para("{%p for g in guarantors %}")
    letter.para([("被告{{ " + _ZH_ORDINALS + "[loop.index0] }}：", True), ("{{ g.name }}", False)])
    letter.para(ZH_GUARANTOR)
    letter.para("身份证件号码：{{ g.id_number }}")
    letter.para("{% if g.address %}住址：{{ g.address }}{% endif %}"
                "{% if g.phone %}　联系电话：{{ g.phone }}{% endif %}")
    letter.para("保证方式：{% if g.joint_and_several %}连带责任保证{% else %}一般保证{% endif %}"
                "{% if g.cap %}；保证最高限额：{{ g.cap }}{% endif %}"
                "{% if g.guarantee_period_ends_on %}；保证期间届满日：{{ g.guarantee_period_ends_on }}{% endif %}",
                space_after=6)
    letter.para("{%p endfor %}")
    letter.para([("案由：", True), ("金融借款合同纠纷", False)], space_after=6)
    _heading(letter, "诉讼请求：")
    letter.body("一、判令" + _ZH_DEFENDANT_ONE + "{{ borrower.name }}立即向原告偿还借款本金{{ balance.principal }}；")
    letter.body("二、判令" + _ZH_DEFENDANT_ONE + "向原告支付截至{{ calculated_to }}的利息{{ balance.interest }}、"
                "罚息{{ balance.penalty }}，并以未偿还的借款本金为基数，按借款合同约定的逾期罚息利率"
                "（年利率{{ penalty_rate }}%）支付自{{ calculated_to }}次日起至借款本息实际清偿之日止的罚息；")
    letter.body("三、判令" + _ZH_DEFENDANT_ONE + "向原告支付借款合同约定的费用{{ balance.fees }}"
                "，以及原告为实现债权已支出的费用{{ balance.costs }}（计至{{ calculated_to }}）；")
    letter.para("{%p for g in guarantors %}")
    letter.body("{{ " + _ZH_CLAIMS + "[loop.index0] }}、判令被告{{ " + _ZH_ORDINALS + "[loop.index0] }}{{ g.name }}"
                "{% if g.joint_and_several %}对被告一的上述第一至三项债务承担连带清偿责任"
                "{% else %}对被告一的上述第一至三项债务，在被告一的财产依法强制执行后仍不能履行的部分承担清偿责任"
                "{% endif %}{% if g.cap %}（以保证最高限额{{ g.cap }}为限）{% endif %}；")
    letter.para("{%p endfor %}")
    letter.body("{{ " + _ZH_CLAIMS + "[guarantors|length] }}、判令本案诉讼费、保全费等诉讼费用由"
                "{% if guarantors %}各被告共同{% else %}被告{% endif %}承担。")
    letter.body("上述第一至三项暂计至{{ calculated_to }}，合计{{ total }}"
                "{% if total_in_words %}（大写：{{ total_in_words }}）{% endif %}，明细如下：")
    letter.amount_table()
    _heading(letter, "事实与理由：")
    letter.body("{{ contract_signed_on }}，原告与" + _ZH_DEFENDANT_ONE + "{{ borrower.name }}签订编号为"
                "{{ contract_number }}的借款合同（以下简称“借款合同”），约定由原告向" + _ZH_DEFENDANT_ONE + "发放贷款，"
                + _ZH_DEFENDANT_ONE + "按照约定的期限和方式归还借款本金并支付利息；借款人逾期还款的，原告有权按照"
                "年利率{{ penalty_rate }}%计收罚息，并有权宣布借款提前到期。"
                "{% if guarantors %}被告{% for g in guarantors %}{{ g.name }}{% if not loop.last %}、{% endif %}"
                "{% endfor %}作为保证人，为被告一在借款合同项下的债务向原告提供保证担保，保证方式、保证限额及"
                "保证期间如前所列。{% endif %}")
    letter.body("借款合同签订后，原告依约向" + _ZH_DEFENDANT_ONE + "发放了贷款，履行了贷款人的义务。"
                "但" + _ZH_DEFENDANT_ONE + "自{{ overdue_since }}起未按约定履行还款义务"
                + _ZH_DEMANDS.format(who="原告") +
                "{% if accelerated_on %}。原告遂依照借款合同的约定，于{{ accelerated_on }}宣布借款全部提前到期，"
                "要求" + _ZH_DEFENDANT_ONE + "立即清偿全部借款本息{% endif %}。截至{{ calculated_to }}，"
                + _ZH_DEFENDANT_ONE + "尚欠原告借款本金{{ balance.principal }}、利息{{ balance.interest }}、"
                "罚息{{ balance.penalty }}、费用{{ balance.fees }}，合计{{ total }}。"
                "{% if guarantors %}保证人亦未履行保证责任。{% endif %}")
    letter.body("原告认为，借款合同{% if guarantors %}及保证合同{% endif %}系各方当事人的真实意思表示，内容不违反"
                "法律、行政法规的强制性规定，合法有效。依照《中华人民共和国民法典》第六百六十七条、第六百七十四条、"
                "第六百七十五条的规定，借款人应当按照约定的期限支付利息、返还借款；依照该法第六百七十六条的规定，"
                "借款人未按照约定的期限返还借款的，应当按照约定或者国家有关规定支付逾期利息。"
                + _ZH_DEFENDANT_ONE + "逾期不还，已构成违约，应当承担还本付息的责任。"
                "{% if guarantors %}依照该法第六百八十一条、第六百八十七条、第六百八十八条及第六百九十一条的规定，"
                "保证人应当在保证范围内按照约定的保证方式承担保证责任。{% endif %}")
    letter.body("{% if agreed_jurisdiction %}借款合同约定因该合同发生的争议由贵院管辖，依照《中华人民共和国民事诉讼法》"
                "第三十五条的规定，贵院对本案享有管辖权。{% else %}"
                + _ZH_DEFENDANT_ONE + "住所地或者合同履行地在贵院辖区，依照"
                "《中华人民共和国民事诉讼法》第二十二条、第二十四条的规定，贵院对本案享有管辖权。{% endif %}"
                "为维护原告的合法权益，现依照《中华人民共和国民事诉讼法》第一百二十二条、第一百二十四条的规定"
                "向贵院提起诉讼，请求贵院依法判如所请。")
    _to_court(letter, "{{ court }}")
    letter.para("附：1. 本起诉状副本{{ copies }}份；")
    letter.para("　　2. 证据目录（编号：{{ evidence_catalog_reference }}）一份及证据材料{{ evidence_count }}份；")
    letter.para("　　3. 原告营业执照复印件及{{ representative_title }}身份证明书各一份。")


def _en_civil_complaint(letter: _Letter) -> None:
    defendant_one = "Defendant{% if guarantors %} 1{% endif %}"
    _en_filer(letter, "Plaintiff")
    letter.para([(defendant_one + ": ", True), ("{{ borrower.name }}", True)], space_after=0)
    letter.para(EN_BORROWER, space_after=0)
    letter.para("ID/Passport No.: {{ borrower.id_number }}", space_after=0)
    letter.para("{% if borrower.address %}Address: {{ borrower.address }}{% endif %}", space_after=6)
    letter.para("{%p for g in guarantors %}")
    letter.para([("Defendant {{ loop.index + 1 }}: ", True), ("{{ g.name }}", True)], space_after=0)
    letter.para(EN_GUARANTOR, space_after=0)
    letter.para("ID/Passport No.: {{ g.id_number }}", space_after=0)
    letter.para("{% if g.address %}Address: {{ g.address }}{% endif %}{% if g.phone %} | Tel. {{ g.phone }}{% endif %}",
                space_after=0)
    letter.para("Guarantee: {% if g.joint_and_several %}joint and several{% else %}general (supplementary){% endif %}"
                "{% if g.cap %}; maximum amount guaranteed {{ g.cap }}{% endif %}"
                "{% if g.guarantee_period_ends_on %}; guarantee period ending on {{ g.guarantee_period_ends_on }}"
                "{% endif %}", space_after=6)
    letter.para("{%p endfor %}")
    letter.para([("Cause of action: ", True), ("dispute over a financial loan contract", False)])
    _heading(letter, "Claims")
    letter.body("1. That " + defendant_one + ", {{ borrower.name }}, be ordered to repay to the Plaintiff forthwith "
                "the outstanding loan principal of {{ balance.principal }};")
    letter.body("2. That " + defendant_one + " be ordered to pay to the Plaintiff interest of {{ balance.interest }} "
                "and penalty interest of {{ balance.penalty }} accrued up to {{ calculated_to }}, and penalty "
                "interest on the unpaid principal at the contractual default rate of {{ penalty_rate }}% per annum "
                "from the day after {{ calculated_to }} until the date on which principal and interest are paid "
                "in full;")
    letter.body("3. That " + defendant_one + " be ordered to pay to the Plaintiff the fees of {{ balance.fees }} "
                "provided for in the Loan Contract, and to bear the costs incurred by the Plaintiff in enforcing "
                "its claim, {{ balance.costs }} up to {{ calculated_to }};")
    letter.para("{%p for g in guarantors %}")
    letter.body("{{ loop.index + 3 }}. That Defendant {{ loop.index + 1 }}, {{ g.name }}, be ordered "
                "{% if g.joint_and_several %}to be jointly and severally liable with Defendant 1 for the debts "
                "under claims 1 to 3{% else %}to pay the debts of Defendant 1 under claims 1 to 3 to the extent "
                "that they remain unpaid after enforcement against the property of Defendant 1{% endif %}"
                "{% if g.cap %}, up to the maximum amount guaranteed of {{ g.cap }}{% endif %};")
    letter.para("{%p endfor %}")
    letter.body("{{ guarantors|length + 4 }}. That the court fees, preservation fees and other costs of these "
                "proceedings be borne by {% if guarantors %}the Defendants{% else %}the Defendant{% endif %}.")
    letter.body("The amounts under claims 1 to 3, calculated up to {{ calculated_to }}, total {{ total }}"
                "{% if total_in_words %} (in words: {{ total_in_words }}){% endif %}, "
                "itemised as follows:")
    letter.amount_table()
    _heading(letter, "Facts and Reasons")
    letter.body("On {{ contract_signed_on }} the Plaintiff and " + defendant_one + ", {{ borrower.name }}, entered "
                "into Loan Contract No. {{ contract_number }} (the “Loan Contract”), under which the Plaintiff was "
                "to advance a loan to " + defendant_one + ", who was to repay the principal and pay interest on "
                "the agreed dates and in the agreed manner. In the event of late repayment the Plaintiff is "
                "entitled to charge penalty interest at {{ penalty_rate }}% per annum and to declare the loan "
                "immediately due.{% if guarantors %} {% for g in guarantors %}{{ g.name }}{% if not loop.last %}, "
                "{% endif %}{% endfor %} guaranteed the obligations of Defendant 1 under the Loan Contract to the "
                "Plaintiff, in the form, up to the amount and for the period stated above.{% endif %}")
    letter.body("The Plaintiff advanced the loan as agreed and performed its obligations as lender. "
                + defendant_one + " has, however, failed to make the repayments due since {{ overdue_since }} and "
                "has not paid" + _EN_DEMANDS +
                "{% if accelerated_on %}; the Plaintiff therefore declared the whole loan immediately due on "
                "{{ accelerated_on }} under the Loan Contract and demanded immediate repayment in full{% endif %}. "
                "As at {{ calculated_to }}, " + defendant_one + " owes the Plaintiff principal of "
                "{{ balance.principal }}, interest of {{ balance.interest }}, penalty interest of "
                "{{ balance.penalty }} and fees of {{ balance.fees }}, a total of {{ total }}."
                "{% if guarantors %} The guarantor{% if guarantors|length > 1 %}s have{% else %} has{% endif %} not "
                "performed the guarantee either.{% endif %}")
    letter.body("The Loan Contract{% if guarantors %} and the guarantee{% endif %} express the true intention of "
                "the parties, do not violate any mandatory provision of laws or administrative regulations and "
                "are valid. Under Articles 667, 674 and 675 of the Civil Code of the People’s Republic of China "
                "a borrower must pay interest and repay the loan on the agreed dates, and under Article 676 a "
                "borrower who fails to repay the loan when due must pay overdue interest as agreed or as provided "
                "by the relevant State regulations. " + defendant_one + " is in breach and must repay the "
                "principal with interest.{% if guarantors %} Under Articles 681, 687, 688 and 691 of the Civil "
                "Code, a guarantor must perform the guarantee within its scope and in the agreed form."
                "{% endif %}")
    letter.body("{% if agreed_jurisdiction %}The Loan Contract submits disputes arising from it to this Court, "
                "which therefore has jurisdiction under Article 35 of the Civil Procedure Law of the People’s "
                "Republic of China.{% else %}The domicile of " + defendant_one + " or the place of performance "
                "of the contract "
                "lies within this Court’s district, so that this Court has jurisdiction under Articles 22 and 24 "
                "of the Civil Procedure Law of the People’s Republic of China.{% endif %} To protect its lawful "
                "rights and interests, the Plaintiff brings this action under Articles 122 and 124 of the Civil "
                "Procedure Law and respectfully asks the Court to grant the claims above.")
    _to_court(letter, "{{ court }}")
    letter.para("Enclosures: (1) copies of this Complaint: {{ copies }}; (2) Evidence Catalogue "
                "{{ evidence_catalog_reference }} and {{ evidence_count }} items of evidence; (3) copy of the "
                "Plaintiff’s business licence and certificate of identity of its {{ representative_title }}.")


# -- 仲裁申请书

def _zh_arbitration_application(letter: _Letter) -> None:
    _zh_filer(letter, "申请人")
    _zh_debtor(letter, "被申请人")
    letter.para([("案由：", True), ("金融借款合同纠纷", False)], space_after=6)
    _heading(letter, "仲裁依据：")
    letter.body("申请人与被申请人于{{ contract_signed_on }}签订的编号为{{ contract_number }}的借款合同"
                "（以下简称“借款合同”）{{ arbitration_clause }}约定：“{{ clause_text }}”该条款是双方当事人自愿达成的"
                "书面仲裁协议，具有请求仲裁的意思表示、仲裁事项和选定的仲裁委员会，符合《中华人民共和国仲裁法》"
                "第十六条的规定，合法有效。依照该法第四条、第二十一条的规定，{{ commission }}对本案享有管辖权。")
    _heading(letter, "仲裁请求：")
    letter.body("一、裁决被申请人立即向申请人偿还借款本金{{ balance.principal }}；")
    letter.body("二、裁决被申请人向申请人支付截至{{ calculated_to }}的利息{{ balance.interest }}、"
                "罚息{{ balance.penalty }}，并以未偿还的借款本金为基数，按借款合同约定的逾期罚息利率"
                "（年利率{{ penalty_rate }}%）支付自{{ calculated_to }}次日起至借款本息实际清偿之日止的罚息；")
    letter.body("三、裁决被申请人向申请人支付借款合同约定的费用{{ balance.fees }}"
                "，以及申请人为实现债权已支出的费用{{ balance.costs }}（计至{{ calculated_to }}）；")
    letter.body("四、裁决本案仲裁费、保全费等全部费用由被申请人承担。")
    letter.body("上述第一至三项暂计至{{ calculated_to }}，合计{{ total }}"
                "{% if total_in_words %}（大写：{{ total_in_words }}）{% endif %}，明细如下：")
    letter.amount_table()
    _heading(letter, "事实与理由：")
    letter.body("依照借款合同的约定，申请人向被申请人发放贷款，被申请人按照约定的期限和方式归还借款本金并支付利息；"
                "被申请人逾期还款的，申请人有权按照年利率{{ penalty_rate }}%计收罚息，并有权宣布借款提前到期。"
                "借款合同签订后，申请人依约发放了贷款，但被申请人自{{ overdue_since }}起未按约定履行还款义务"
                + _ZH_DEMANDS.format(who="申请人") + "{% if accelerated_on %}。申请人遂依照借款合同的约定，于"
                "{{ accelerated_on }}宣布借款全部提前到期，要求被申请人立即清偿全部借款本息{% endif %}。"
                "截至{{ calculated_to }}，被申请人尚欠申请人借款本金{{ balance.principal }}、"
                "利息{{ balance.interest }}、罚息{{ balance.penalty }}、费用{{ balance.fees }}，合计{{ total }}。")
    letter.body("申请人认为，借款合同系双方当事人的真实意思表示，合法有效。依照《中华人民共和国民法典》"
                "第六百六十七条、第六百七十四条、第六百七十五条的规定，借款人应当按照约定的期限支付利息、返还借款；"
                "依照该法第六百七十六条的规定，借款人未按照约定的期限返还借款的，应当按照约定或者国家有关规定支付"
                "逾期利息。被申请人逾期不还，已构成违约，应当承担还本付息的责任。为维护申请人的合法权益，现依照"
                "《中华人民共和国仲裁法》第二十一条、第二十二条、第二十三条的规定向贵会申请仲裁，请求依法裁决。")
    _to_court(letter, "{{ commission }}")
    letter.para("附：1. 本申请书副本{{ copies }}份；")
    letter.para("　　2. 证据目录（编号：{{ evidence_catalog_reference }}）一份及证据材料{{ evidence_count }}份；")
    letter.para("　　3. 申请人营业执照复印件及{{ representative_title }}身份证明书各一份。")


def _en_arbitration_application(letter: _Letter) -> None:
    _en_filer(letter, "Applicant")
    _en_debtor(letter, "Respondent")
    letter.para([("Cause of action: ", True), ("dispute over a financial loan contract", False)])
    _heading(letter, "Basis for Arbitration")
    letter.body("{{ arbitration_clause }} of Loan Contract No. {{ contract_number }} (the “Loan Contract”) entered "
                "into by the Applicant and the Respondent on {{ contract_signed_on }} provides: “{{ clause_text }}” "
                "This clause is a written arbitration agreement freely concluded by the parties; it expresses the "
                "intention to arbitrate, defines the matters for arbitration and designates the arbitration "
                "commission, as Article 16 of the Arbitration Law of the People’s Republic of China requires, and "
                "is valid. Under Articles 4 and 21 of that Law, the {{ commission }} has jurisdiction over this "
                "dispute.")
    _heading(letter, "Requests")
    letter.body("1. That the Respondent be ordered to repay to the Applicant forthwith the outstanding loan "
                "principal of {{ balance.principal }};")
    letter.body("2. That the Respondent be ordered to pay to the Applicant interest of {{ balance.interest }} and "
                "penalty interest of {{ balance.penalty }} accrued up to {{ calculated_to }}, and penalty interest "
                "on the unpaid principal at the contractual default rate of {{ penalty_rate }}% per annum from the "
                "day after {{ calculated_to }} until the date on which principal and interest are paid in full;")
    letter.body("3. That the Respondent be ordered to pay to the Applicant the fees of {{ balance.fees }} provided "
                "for in the Loan Contract, and to bear the costs incurred by the Applicant in enforcing its claim, "
                "{{ balance.costs }} up to {{ calculated_to }};")
    letter.body("4. That the arbitration fees, preservation fees and all other costs of these proceedings be borne "
                "by the Respondent.")
    letter.body("The amounts under requests 1 to 3, calculated up to {{ calculated_to }}, total {{ total }}"
                "{% if total_in_words %} (in words: {{ total_in_words }}){% endif %}, "
                "itemised as follows:")
    letter.amount_table()
    _heading(letter, "Facts and Reasons")
    letter.body("Under the Loan Contract the Applicant was to advance a loan to the Respondent, who was to repay "
                "the principal and pay interest on the agreed dates and in the agreed manner; in the event of late "
                "repayment the Applicant is entitled to charge penalty interest at {{ penalty_rate }}% per annum "
                "and to declare the loan immediately due. The Applicant advanced the loan as agreed, but the "
                "Respondent has failed to make the repayments due since {{ overdue_since }} and has not paid"
                + _EN_DEMANDS + "{% if accelerated_on %}; the Applicant therefore declared the "
                "whole loan immediately due on {{ accelerated_on }} under the Loan Contract and demanded immediate "
                "repayment in full{% endif %}. As at {{ calculated_to }}, the Respondent owes the Applicant "
                "principal of {{ balance.principal }}, interest of {{ balance.interest }}, penalty interest of "
                "{{ balance.penalty }} and fees of {{ balance.fees }}, a total of {{ total }}.")
    letter.body("The Loan Contract expresses the true intention of the parties and is valid. Under Articles 667, "
                "674 and 675 of the Civil Code of the People’s Republic of China a borrower must pay interest and "
                "repay the loan on the agreed dates, and under Article 676 a borrower who fails to repay the loan "
                "when due must pay overdue interest as agreed or as provided by the relevant State regulations. "
                "The Respondent is in breach and must repay the principal with interest. To protect its lawful "
                "rights and interests, the Applicant applies for arbitration under Articles 21, 22 and 23 of the "
                "Arbitration Law and respectfully asks the Commission to make an award granting the requests "
                "above.")
    _to_court(letter, "{{ commission }}")
    letter.para("Enclosures: (1) copies of this Application: {{ copies }}; (2) Evidence Catalogue "
                "{{ evidence_catalog_reference }} and {{ evidence_count }} items of evidence; (3) copy of the "
                "Applicant’s business licence and certificate of identity of its {{ representative_title }}.")


# -- 财产保全申请书

def _zh_preservation_application(letter: _Letter) -> None:
    _zh_filer(letter, "申请人")
    _zh_debtor(letter, "被申请人")
    letter.para([("案由：", True), ("金融借款合同纠纷", False),
                 ("{% if case_number %}　　案号：{{ case_number }}{% endif %}", False)])
    letter.para([("保全类型：", True), ("{% if pre_suit %}诉前财产保全{% else %}诉讼中财产保全{% endif %}", False)],
                space_after=6)
    _heading(letter, "请求事项：")
    letter.body("请求贵院{% if pre_suit %}在申请人起诉前{% endif %}依法裁定查封、扣押、冻结被申请人{{ borrower.name }}"
                "名下价值{{ preserve_amount }}{% if preserve_amount_in_words %}（大写：{{ preserve_amount_in_words }}）"
                "{% endif %}的财产。申请人提供的被申请人财产线索如下：")
    _asset_table(letter)
    _heading(letter, "事实与理由：")
    letter.body("申请人与被申请人于{{ contract_signed_on }}签订编号为{{ contract_number }}的借款合同。借款合同签订后，"
                "申请人依约发放了贷款，但被申请人逾期未履行还款义务"
                + _ZH_DEMANDS.format(who="申请人") + "。"
                "{% if pre_suit %}申请人拟就此向有管辖权的人民法院提起诉讼{% else %}申请人已就此向贵院提起诉讼，"
                "贵院已立案受理，案号为{{ case_number }}{% endif %}，请求金额为{{ claim_amount }}"
                "{% if claim_amount_in_words %}（大写：{{ claim_amount_in_words }}）{% endif %}。")
    letter.body("被申请人长期拖欠借款，经催收拒不履行，存在转移、隐匿、处分财产的可能，"
                "{% if pre_suit %}情况紧急，不立即申请保全将会使申请人的合法权益受到难以弥补的损害"
                "{% else %}可能使将来的判决难以执行或者造成申请人其他损害{% endif %}。申请人请求保全的数额"
                "{{ preserve_amount }}未超过请求金额，限于请求的范围，符合《中华人民共和国民事诉讼法》"
                "第一百零五条的规定。")
    letter.body("{% if excuse_ground %}{% if excuse_ground == 'financial_institution' %}"
                "申请人系经金融监管部门批准设立的具有独立偿付债务能力的金融机构"
                "{% if representative_title == '负责人' %}的分支机构{% endif %}"
                "（金融许可证机构编码：{{ excuse_licence }}）{% else %}"
                "本案事实清楚、权利义务关系明确，发生保全错误的可能性较小：{{ excuse_reason }}{% endif %}。"
                "依照《最高人民法院关于人民法院办理财产保全案件若干问题的规定》第九条第"
                "{% if excuse_ground == 'financial_institution' %}（六）{% else %}（五）{% endif %}项，"
                "申请人请求贵院不要求申请人提供担保。{% else %}"
                "申请人自愿以{{ security_provider }}出具的{{ security_instrument }}"
                "（编号：{{ security_reference }}，担保金额{{ security_amount }}"
                "{% if security_amount_in_words %}（大写：{{ security_amount_in_words }}）{% endif %}）提供担保。"
                "{% endif %}"
                "如因申请错误给被申请人造成损失，申请人愿依法承担赔偿责任。")
    letter.body("综上，依照《中华人民共和国民事诉讼法》{% if pre_suit %}第一百零四条{% else %}第一百零三条{% endif %}"
                "及《最高人民法院关于人民法院办理财产保全案件若干问题的规定》的规定，特向贵院提出申请，请求依法裁定准许。")
    _to_court(letter, "{{ court }}")
    letter.para("附：1. 被申请人财产线索材料；2. {% if not excuse_ground %}担保函原件一份{% elif excuse_ground == "
                "'financial_institution' %}申请人金融许可证复印件一份{% else %}证明本案事实清楚的证据材料{% endif %}；"
                "3. 申请人营业执照复印件及{{ representative_title }}身份证明书各一份。")


def _en_preservation_application(letter: _Letter) -> None:
    _en_filer(letter, "Applicant")
    _en_debtor(letter, "Respondent")
    letter.para([("Cause of action: ", True), ("dispute over a financial loan contract", False),
                 ("{% if case_number %} | Case No. {{ case_number }}{% endif %}", False)], space_after=0)
    letter.para([("Type: ", True), ("{% if pre_suit %}preservation before proceedings are brought"
                                     "{% else %}preservation in pending proceedings{% endif %}", False)])
    _heading(letter, "Request")
    letter.body("The Applicant requests the Court to order"
                "{% if pre_suit %}, before proceedings are brought,{% endif %} "
                "the sealing up, seizure or freezing of property of the Respondent, {{ borrower.name }}, to the "
                "value of {{ preserve_amount }}"
                "{% if preserve_amount_in_words %} (in words: {{ preserve_amount_in_words }}){% endif %}"
                ". The property of the Respondent known to the Applicant is as "
                "follows:")
    _asset_table(letter)
    _heading(letter, "Facts and Reasons")
    letter.body("On {{ contract_signed_on }} the Applicant and the Respondent entered into Loan Contract No. "
                "{{ contract_number }}. The Applicant advanced the loan as agreed, but the Respondent has failed to "
                "repay it when due and has not paid" + _EN_DEMANDS + ". "
                "{% if pre_suit %}The Applicant intends to bring proceedings before the competent people’s court"
                "{% else %}The Applicant has brought proceedings before this Court, which has accepted the case "
                "under Case No. {{ case_number }}{% endif %}, claiming {{ claim_amount }}"
                "{% if claim_amount_in_words %} (in words: {{ claim_amount_in_words }}){% endif %}.")
    letter.body("The Respondent has been in default for a long time and refuses to pay despite demands; there is a "
                "real risk that the Respondent will transfer, conceal or dispose of property. "
                "{% if pre_suit %}The matter is urgent: unless preservation is ordered at once, the Applicant’s "
                "lawful rights and interests will suffer irreparable harm.{% else %}Without preservation, a future "
                "judgment may be difficult to enforce or the Applicant may suffer other harm.{% endif %} The "
                "amount to be preserved, {{ preserve_amount }}, does not exceed the amount claimed and is "
                "confined to the scope of the claim, as Article 105 of the Civil Procedure Law of the People’s "
                "Republic of China requires.")
    letter.body("{% if excuse_ground %}{% if excuse_ground == 'financial_institution' %}The Applicant is "
                "{% if representative_title == 'Head of Branch' %}a branch of {% endif %}a financial institution "
                "approved by the financial regulator and able to pay its debts independently (financial licence "
                "institution code "
                "{{ excuse_licence }}){% else %}The facts of this case are clear and the rights and obligations "
                "certain, so that a wrongful preservation is unlikely: {{ excuse_reason }}{% endif %}. Under Article "
                "9({% if excuse_ground == 'financial_institution' %}6{% else %}5{% endif %}) of the Provisions of the "
                "Supreme People’s Court on Several Issues Concerning the Handling of Property Preservation Cases by "
                "the People’s Courts, the Applicant asks the Court not to require security. {% else %}The Applicant "
                "provides security in the form of a {{ security_instrument }} issued by {{ security_provider }} "
                "(No. {{ security_reference }}, amount secured {{ security_amount }}{% if security_amount_in_words %} "
                "(in words: {{ security_amount_in_words }}){% endif %}). {% endif %}"
                "Should the application prove wrongful, the Applicant will compensate the Respondent for any "
                "resulting loss as provided by law.")
    letter.body("The Applicant therefore applies to the Court under Article {% if pre_suit %}104{% else %}103"
                "{% endif %} of the Civil Procedure Law and the Provisions of the Supreme People’s Court on Several "
                "Issues Concerning the Handling of Property Preservation Cases by the People’s Courts, and asks "
                "the Court to grant this application by ruling.")
    _to_court(letter, "{{ court }}")
    letter.para("Enclosures: (1) evidence of the Respondent’s property; (2) {% if not excuse_ground %}original of the "
                "letter of guarantee{% elif excuse_ground == 'financial_institution' %}copy of the Applicant’s "
                "financial licence{% else %}evidence showing the facts of the case are clear{% endif %}; "
                "(3) copy of the Applicant’s business licence and certificate of identity of its "
                "{{ representative_title }}.")


# -- 强制执行申请书

BODIES: dict[tuple[str, str], Callable[[_Letter], None]] = {
    ("zh-CN", "civil_complaint"): _zh_civil_complaint,
    ("en", "civil_complaint"): _en_civil_complaint,
    ("zh-CN", "arbitration_application"): _zh_arbitration_application,
    ("en", "arbitration_application"): _en_arbitration_application,
    ("zh-CN", "preservation_application"): _zh_preservation_application,
    ("en", "preservation_application"): _en_preservation_application,
}
