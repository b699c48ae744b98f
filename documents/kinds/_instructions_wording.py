"""The wording of the instruction to a law firm and the power of attorney (the agreements family's
documents signed by the creditor alone); `_agreements_wording.py` has the agreements and the shared helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from documents.kinds._agreements_wording import _signatures

if TYPE_CHECKING:
    from documents.letter_docx import Letter as _Letter


# ---- instruction to a law firm -----------------------------------------------------------------

def _zh_referral_instruction(letter: _Letter) -> None:
    letter.para([("致：", True), ("{{ law_firm_name }}", True)])
    letter.para("地址：{{ law_firm_address }}")
    letter.para("{% if partner_name %}{{ partner_name }}律师{% else %}贵所{% endif %}：", space_after=12)
    letter.body("我行现委托贵所代理下述借款合同纠纷（我行案件编号：{{ matter_reference }}），具体事项如下：")
    letter.body([("一、案件情况。", True),
                 ("借款人{{ borrower.name }}（身份证件号码：{{ borrower.id_number }}"
                  "{% if borrower.address %}，住址：{{ borrower.address }}{% endif %}）于{{ contract_signed_on }}"
                  "与我行签订编号为{{ contract_number }}的借款合同，自{{ overdue_since }}起未按约还款。"
                  "截至{{ balance_as_of }}，借款人尚欠款项明细如下：", False)])
    letter.amount_table()
    letter.body("以上合计{{ total }}{% if total_in_words %}（大写：{{ total_in_words }}）{% endif %}，"
                "此后的利息、罚息依照借款合同约定继续计收。")
    letter.body([("二、委托事项。", True), ("我行委托贵所办理以下事项：", False)])
    letter.body("{% if lawyer_letter %}□ 以贵所名义向借款人发送律师函；{% endif %}"
                "{% if litigation %}□ {% if arbitration %}向借款合同约定的仲裁机构申请仲裁，代理仲裁程序{% else %}"
                "向有管辖权的人民法院提起诉讼，代理一审及可能的二审程序{% endif %}；{% endif %}"
                "{% if preservation %}□ 依照《中华人民共和国民事诉讼法》第一百零三条、第一百零四条申请诉前或者诉讼"
                "财产保全；{% endif %}"
                "{% if enforcement %}□ 在生效法律文书确定的履行期限届满后申请强制执行，"
                "并注意《中华人民共和国民事诉讼法》第二百五十条规定的二年申请执行期间。{% endif %}")
    letter.body("贵所代理人代为承认、放弃、变更诉讼请求，进行和解或者调解的，须事先取得我行书面同意，"
                "我行将另行出具授权委托书。")
    letter.body([("三、律师费用。", True), ("{{ fee_arrangement }}。", False)])
    letter.body([("四、证据材料。", True),
                 ("本案证据材料（证据包编号：{{ evidence_pack_reference }}）随本函移交，"
                  "各电子文件附有SHA-256哈希值，请核对无误后书面确认接收，并妥善保管，不得用于本案以外的用途。"
                  "借款人个人信息应依照《中华人民共和国个人信息保护法》予以保护。", False)])
    letter.body([("五、报告义务。", True),
                 ("贵所应于每一重要程序节点（发函、立案、保全、开庭、"
                  "{% if arbitration %}裁决{% else %}裁判{% endif %}、执行）发生后"
                  "{{ report_within_days }}个工作日内向我行书面报告进展，"
                  "{% if arbitration %}收到裁决书、调解书之日起三日内报送副本；"
                  "{% else %}收到裁判文书之日起三日内报送副本，以便我行在上诉期限（判决十五日、裁定十日）内作出决定；"
                  "{% endif %}"
                  "如发现诉讼时效、保证期间即将届满或者借款人转移财产的情形，应立即报告。", False)])
    letter.body("特此委托。")
    _signatures(letter, ("{{ creditor.name }}（盖章）", "{{ letter_date }}"), ())


def _en_referral_instruction(letter: _Letter) -> None:
    letter.para([("To: ", True), ("{{ law_firm_name }}", True)], space_after=0)
    letter.para("{{ law_firm_address }}", space_after=0)
    letter.para("Attention: {% if partner_name %}{{ partner_name }}, Partner{% else %}the Partner in charge of "
                "new instructions{% endif %}", space_after=12)
    letter.para([("Re: Loan Contract No. {{ contract_number }} dated {{ contract_signed_on }} — our matter "
                  "{{ matter_reference }}", True)], space_after=12)
    letter.para("Dear {% if partner_name %}{{ partner_name }}{% else %}Sir or Madam{% endif %},")
    letter.body([("1. The matter. ", True),
                 ("{{ borrower.name }} (ID/Passport No. {{ borrower.id_number }}{% if borrower.address %}, "
                  "address: {{ borrower.address }}{% endif %}) entered into the above Loan Contract with us on "
                  "{{ contract_signed_on }} and has failed to repay since {{ overdue_since }}. As at "
                  "{{ balance_as_of }} the following amounts are outstanding:", False)])
    letter.amount_table()
    letter.body("Interest and penalty interest continue to accrue on the total of {{ total }}"
                "{% if total_in_words %} (in words: {{ total_in_words }}){% endif %} as provided in "
                "the Loan Contract.")
    letter.body([("2. Scope of instruction. ", True), ("We instruct you to:", False)])
    letter.body("{% if lawyer_letter %}□ send a lawyer’s letter to the borrower in your firm’s name; {% endif %}"
                "{% if litigation %}□ {% if arbitration %}commence arbitration before the institution named "
                "in the Loan Contract and act for us in it{% else %}bring proceedings before the competent "
                "people’s court and act for us at first instance and on any appeal{% endif %}; {% endif %}"
                "{% if preservation %}□ apply for pre-action or interim preservation of property under "
                "Articles 103 and 104 of the Civil Procedure Law; {% endif %}"
                "{% if enforcement %}□ apply for enforcement once the time for performance under the "
                "{% if arbitration %}award{% else %}effective judgment{% endif %} has expired, within the "
                "two-year period of Article 250 of the Civil Procedure Law.{% endif %}")
    letter.body("Your lawyers may not admit, waive or alter any claim, or settle or accept mediation, without "
                "our prior written consent; we will issue a separate power of attorney.")
    letter.body([("3. Fees. ", True), ("{{ fee_arrangement }}.", False)])
    letter.body([("4. Evidence. ", True),
                 ("The evidence pack {{ evidence_pack_reference }} is delivered with this letter, each file with "
                  "its SHA-256 value. Please check it, confirm receipt in writing, keep it safe and use it for "
                  "this matter only; the borrower’s personal information is protected under the Personal "
                  "Information Protection Law.", False)])
    letter.body([("5. Reporting. ", True),
                 ("Please report to us in writing within {{ report_within_days }} working days of each "
                  "milestone (letter sent, case filed, preservation, hearing, {% if arbitration %}award"
                  "{% else %}judgment{% endif %}, enforcement), send us "
                  "{% if arbitration %}any award or mediation statement within three days of service"
                  "{% else %}any judgment or ruling within three days of service so that we can decide within the "
                  "appeal period (15 days for a judgment, 10 for a ruling){% endif %}, and tell us at once if a "
                  "limitation or guarantee period is about to expire or the borrower is moving assets.", False)])
    _signatures(letter, (), ("Yours faithfully,", "", "For and on behalf of", "{{ creditor.name }}",
                             "(Company seal)"))


# ---- power of attorney -------------------------------------------------------------------------

_ZH_SPECIAL = ("特别授权：代为起诉、应诉，代为承认、放弃、变更诉讼请求，进行和解、调解，提起反诉或者上诉，"
               "代为申请财产保全、申请执行，代为签收法律文书，代为收取执行款项。")
_ZH_GENERAL = "一般授权：代为起诉、应诉，提交证据，参加庭审，发表代理意见，代为签收法律文书。"
_EN_SPECIAL = ("Special authority: to commence and defend proceedings; to admit, waive or alter claims; to settle "
               "and accept mediation; to counterclaim and to appeal; to apply for preservation and enforcement; "
               "to accept service of legal documents; and to receive enforcement proceeds.")
_EN_GENERAL = ("General authority: to commence and defend proceedings, submit evidence, attend hearings, make "
               "submissions and accept service of legal documents.")
_ZH_SPECIAL_ARB = ("特别授权：代为申请仲裁、答辩，代为承认、放弃、变更仲裁请求，进行和解、调解，提出反请求，"
                   "代为申请财产保全、申请执行，代为签收法律文书，代为收取执行款项。")
_ZH_GENERAL_ARB = "一般授权：代为申请仲裁、答辩，提交证据，参加开庭，发表代理意见，代为签收法律文书。"
_EN_SPECIAL_ARB = ("Special authority: to apply for arbitration and answer claims; to admit, waive or alter claims; "
                   "to settle and accept mediation; to make counterclaims; to apply for preservation and enforcement; "
                   "to accept service of legal documents; and to receive enforcement proceeds.")
_EN_GENERAL_ARB = ("General authority: to apply for arbitration and answer claims, submit evidence, attend hearings, "
                   "make submissions and accept service of legal documents.")


def _zh_power_of_attorney(letter: _Letter) -> None:
    letter.para([("致：", True), ("{{ court }}", True)], space_after=12)
    letter.para([("委托人：", True), ("{{ creditor.name }}", False)])
    letter.para("住所：{{ creditor.address }}　统一社会信用代码：{{ creditor.registration_number }}")
    letter.para("{{ representative_title }}：{{ legal_representative }}", space_after=12)
    letter.para("{% for a in agents %}受托人：{{ a.name }}，{{ a.law_firm }}律师，执业证号：{{ a.licence_number }}"
                "{% if not loop.last %}；{% endif %}{% endfor %}", space_after=12)
    letter.body("现委托上列受托人在委托人与{{ borrower.name }}（身份证件号码：{{ borrower.id_number }}"
                "{% if borrower.address %}，住址：{{ borrower.address }}{% endif %}）{{ case_title }}一案"
                "（借款合同编号：{{ contract_number }}，签订于{{ contract_signed_on }}）中，"
                "作为委托人的{% if forum == 'arbitration' %}仲裁{% else %}诉讼{% endif %}代理人。")
    letter.body([("代理权限：", True), ("{% if forum == 'arbitration' %}{% if special_authorisation %}"
                                    + _ZH_SPECIAL_ARB + "{% else %}" + _ZH_GENERAL_ARB + "{% endif %}"
                                    "{% elif special_authorisation %}" + _ZH_SPECIAL + "{% else %}"
                                    + _ZH_GENERAL + "{% endif %}", False)])
    letter.body("{% if forum == 'arbitration' %}仲裁代理人代为承认、放弃、变更仲裁请求，进行和解，提出反请求，"
                "须有委托人的特别授权。{% else %}依照《中华人民共和国民事诉讼法》第六十二条的规定，"
                "诉讼代理人代为承认、放弃、变更诉讼请求，进行和解，提起反诉或者上诉，必须有委托人的特别授权。"
                "{% endif %}{% if special_authorisation %}本委托书为特别授权。{% else %}本委托书为一般授权，"
                "受托人无权代为实施上述事项。{% endif %}")
    letter.body("委托期限：自本委托书签署之日起至{% if valid_until %}{{ valid_until }}止。"
                "{% elif forum == 'arbitration' %}本案仲裁程序终结之日止。"
                "{% else %}本案审理程序终结之日止。{% endif %}")
    _signatures(letter, ("委托人（盖章）：{{ creditor.name }}",
                         "{{ representative_title }}（签字）：{{ legal_representative }}",
                         "", "受托人（签字）：{% for a in agents %}{{ a.name }}　{% endfor %}", "",
                         "{{ letter_date }}"), ())


def _en_power_of_attorney(letter: _Letter) -> None:
    letter.para([("To: ", True), ("{{ court }}", True)], space_after=12)
    letter.para([("Principal: ", True), ("{{ creditor.name }}", False)], space_after=0)
    letter.para("Address: {{ creditor.address }}; Unified Social Credit Code: {{ creditor.registration_number }}",
                space_after=0)
    letter.para("{{ representative_title }}: {{ legal_representative }}", space_after=12)
    letter.para("{% for a in agents %}Agent: {{ a.name }}, lawyer, {{ a.law_firm }}, licence No. "
                "{{ a.licence_number }}{% if not loop.last %}; {% endif %}{% endfor %}", space_after=12)
    letter.body("The Principal appoints the above agent(s) to act for it in the case {{ case_title }} against "
                "{{ borrower.name }} (ID/Passport No. {{ borrower.id_number }}{% if borrower.address %}, address: "
                "{{ borrower.address }}{% endif %}) concerning Loan Contract No. {{ contract_number }} dated "
                "{{ contract_signed_on }}.")
    letter.body([("Scope of authority: ", True), ("{% if forum == 'arbitration' %}{% if special_authorisation %}"
                                                 + _EN_SPECIAL_ARB + "{% else %}" + _EN_GENERAL_ARB + "{% endif %}"
                                                 "{% elif special_authorisation %}" + _EN_SPECIAL + "{% else %}"
                                                 + _EN_GENERAL + "{% endif %}", False)])
    letter.body("{% if forum == 'arbitration' %}An agent in the arbitration may admit, waive or alter claims, settle "
                "or make counterclaims only with the principal’s special authority. {% else %}Under Article 62 of "
                "the Civil Procedure Law of the People’s Republic of China, an agent may admit, waive or alter "
                "claims, settle, counterclaim or appeal only with the principal’s special authority. {% endif %}"
                "{% if special_authorisation %}This power of attorney confers special authority."
                "{% else %}This power of attorney confers general authority only and does not extend to those "
                "acts.{% endif %}")
    letter.body("Term: from the date of signing until {% if valid_until %}{{ valid_until }}.{% else %}the "
                "{% if forum == 'arbitration' %}arbitral {% endif %}proceedings in this case are concluded."
                "{% endif %}")
    _signatures(letter, (), ("Principal: {{ creditor.name }} (company seal)",
                             "{{ representative_title }}: {{ legal_representative }}    Signature: "
                             "____________________",
                             "", "Agent(s): {% for a in agents %}{{ a.name }}    Signature: ____________________    "
                             "{% endfor %}", "", "Date: {{ letter_date }}"))


INSTRUCTION_BODIES: dict[tuple[str, str], Callable[[_Letter], None]] = {
    ("zh-CN", "referral_instruction"): _zh_referral_instruction,
    ("en", "referral_instruction"): _en_referral_instruction,
    ("zh-CN", "power_of_attorney"): _zh_power_of_attorney,
    ("en", "power_of_attorney"): _en_power_of_attorney,
}
