"""The wording of the application for enforcement (强制执行申请书); other court documents: `_court_wording.py`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from documents.kinds._court_wording import (
    _asset_table,
    _en_debtor,
    _en_filer,
    _heading,
    _to_court,
    _zh_debtor,
    _zh_filer,
)

if TYPE_CHECKING:
    from documents.letter_docx import Letter as _Letter


def _zh_enforcement_application(letter: _Letter) -> None:
    _zh_filer(letter, "申请执行人")
    _zh_debtor(letter, "被执行人")
    _heading(letter, "执行依据：")
    letter.body("{{ judgment_court }}于{{ judgment_date }}作出的{{ case_number }}{{ instrument }}。该{{ instrument }}"
                "已于{{ effective_date }}发生法律效力，其确定的履行期限于{{ performance_deadline }}届满。")
    _heading(letter, "请求事项：")
    letter.body("一、强制执行被执行人{{ borrower.name }}向申请执行人支付{{ instrument }}确定的款项{{ judgment_amount }}"
                "{% if judgment_amount_in_words %}（大写：{{ judgment_amount_in_words }}）{% endif %}，"
                "以及该{{ instrument }}确定的计至实际清偿之日的罚息等款项；")
    letter.body("二、强制执行被执行人负担的案件受理费、保全费等诉讼费用{{ litigation_costs }}"
                "{% if litigation_costs_in_words %}（大写：{{ litigation_costs_in_words }}）{% endif %}；")
    letter.body("三、强制执行被执行人加倍支付迟延履行期间的债务利息：自{{ performance_deadline }}次日起"
                "至{{ calculated_to }}为{{ delay_interest }}"
                "{% if delay_interest_in_words %}（大写：{{ delay_interest_in_words }}）{% endif %}，"
                "此后继续计算至实际履行之日止；")
    letter.body("四、本案执行费用由被执行人负担。")
    letter.body("上述款项扣除被执行人已履行的{{ paid }}"
                "{% if paid_in_words %}（大写：{{ paid_in_words }}）{% endif %}后，"
                "截至{{ calculated_to }}申请执行金额合计{{ total_to_enforce }}"
                "{% if total_to_enforce_in_words %}（大写：{{ total_to_enforce_in_words }}）{% endif %}。")
    _heading(letter, "事实与理由：")
    letter.body("申请执行人与被执行人因编号为{{ contract_number }}、签订于{{ contract_signed_on }}的借款合同发生纠纷，"
                "{{ judgment_court }}于{{ judgment_date }}作出{{ case_number }}{{ instrument }}。该法律文书已于"
                "{{ effective_date }}发生法律效力，但被执行人在{{ performance_deadline }}履行期限届满后"
                "仍未全部履行其确定的给付义务。")
    letter.body("依照《中华人民共和国民事诉讼法》第二百六十四条的规定，被执行人未按判决、裁定和其他法律文书指定的期间"
                "履行给付金钱义务的，应当加倍支付迟延履行期间的债务利息；依照《最高人民法院关于执行程序中计算迟延履行"
                "期间的债务利息适用法律若干问题的解释》，加倍部分债务利息按日万分之一点七五计算。")
    letter.body("{% if interrupted_on %}被执行人于{{ interrupted_on }}履行了部分义务，申请执行期间自该日起重新计算。"
                "{% endif %}"
                "{% if late %}依照《中华人民共和国民事诉讼法》{% else %}本申请在《中华人民共和国民事诉讼法》"
                "第二百五十条规定的二年申请执行期间{% if window_ends_on %}（至{{ window_ends_on }}届满）{% endif %}"
                "内提出。依照该法{% endif %}"
                "{% if arbitral_award %}第二百四十八条{% else %}第二百三十五条、第二百四十七条{% endif %}的规定，"
                "特向贵院申请强制执行，请求依法执行被执行人的财产。"
                "{% if assets %}申请执行人已知的被执行人财产线索如下：{% else %}"
                "申请执行人目前尚未掌握被执行人的财产线索，请求贵院依法调查被执行人的财产状况。{% endif %}")
    _asset_table(letter)
    _to_court(letter, "{{ court }}")
    letter.para("附：1. {{ case_number }}{{ instrument }}副本及生效证明各一份；2. 被执行人财产线索材料；"
                "3. 申请执行人营业执照复印件及{{ representative_title }}身份证明书各一份。")


def _en_enforcement_application(letter: _Letter) -> None:
    _en_filer(letter, "Applicant")
    _en_debtor(letter, "Respondent (judgment debtor)")
    _heading(letter, "Instrument to be Enforced")
    letter.body("{{ instrument }} {{ case_number }} given by the {{ judgment_court }} on {{ judgment_date }}. "
                "It became legally effective on {{ effective_date }}, and the time it set for performance "
                "expired on {{ performance_deadline }}.")
    _heading(letter, "Requests")
    letter.body("1. Enforcement against the Respondent, {{ borrower.name }}, of the sum of {{ judgment_amount }}"
                "{% if judgment_amount_in_words %} (in words: {{ judgment_amount_in_words }}){% endif %} "
                "awarded by the {{ instrument }}, together with the penalty interest it awards up to the date of "
                "payment;")
    letter.body("2. Enforcement of the court fees, preservation fees and other costs of the proceedings borne by "
                "the Respondent, amounting to {{ litigation_costs }}"
                "{% if litigation_costs_in_words %} (in words: {{ litigation_costs_in_words }}){% endif %};")
    letter.body("3. Enforcement of the doubled interest on the debt for the period of delayed performance: "
                "{{ delay_interest }}"
                "{% if delay_interest_in_words %} (in words: {{ delay_interest_in_words }}){% endif %}"
                " from the day after {{ performance_deadline }} to {{ calculated_to }}, "
                "continuing to accrue until the date of actual performance;")
    letter.body("4. That the costs of enforcement be borne by the Respondent.")
    letter.body("After deduction of {{ paid }}"
                "{% if paid_in_words %} (in words: {{ paid_in_words }}){% endif %}"
                " already paid by the Respondent, the amount to be enforced as at "
                "{{ calculated_to }} is {{ total_to_enforce }}"
                "{% if total_to_enforce_in_words %} (in words: {{ total_to_enforce_in_words }}){% endif %}.")
    _heading(letter, "Facts and Reasons")
    letter.body("In a dispute between the Applicant and the Respondent over Loan Contract No. {{ contract_number }} "
                "dated {{ contract_signed_on }}, the {{ judgment_court }} gave {{ instrument }} {{ case_number }} "
                "on {{ judgment_date }}. It became legally effective on {{ effective_date }}, yet the Respondent "
                "has not fully performed the payment obligations it imposes although the time for performance expired "
                "on {{ performance_deadline }}.")
    letter.body("Under Article 264 of the Civil Procedure Law of the People’s Republic of China, a party who fails "
                "to perform a monetary obligation within the time set by a judgment, ruling or other legal "
                "instrument must pay double interest on the debt for the period of delay; under the Interpretation "
                "of the Supreme People’s Court on the Calculation of Interest on Debts during the Period of Delayed "
                "Performance in Enforcement Proceedings, the additional interest is calculated at 0.0175% per day.")
    letter.body("{% if interrupted_on %}The Respondent performed part of its obligations on {{ interrupted_on }}, "
                "from which the period for applying for enforcement runs again. {% endif %}"
                "{% if late %}The Applicant applies to the Court for compulsory enforcement under Article"
                "{% if arbitral_award %} 248{% else %}s 235 and 247{% endif %} of the Civil Procedure Law"
                "{% else %}This application is made within the two-year period for applying for enforcement under "
                "Article 250 of the Civil Procedure Law{% if window_ends_on %}, which ends on {{ window_ends_on }}"
                "{% endif %}. The Applicant therefore applies to the Court for compulsory "
                "enforcement under Article{% if arbitral_award %} 248{% else %}s 235 and 247{% endif %} of that "
                "Law{% endif %} and asks the Court to enforce against the Respondent’s property. {% if assets %}The "
                "Respondent’s property known to the Applicant is as follows:{% else %}The Applicant does not yet "
                "know of any property of the Respondent and asks the Court to investigate it.{% endif %}")
    _asset_table(letter)
    _to_court(letter, "{{ court }}")
    letter.para("Enclosures: (1) copy of {{ instrument }} {{ case_number }} and certificate of its effectiveness; "
                "(2) evidence of the Respondent’s property; (3) copy of the Applicant’s business licence and "
                "certificate of identity of its {{ representative_title }}.")


ENFORCEMENT_BODIES: dict[tuple[str, str], Callable[[_Letter], None]] = {
    ("zh-CN", "enforcement_application"): _zh_enforcement_application,
    ("en", "enforcement_application"): _en_enforcement_application,
}
