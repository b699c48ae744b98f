"""The workflows' refusals of a command in Chinese, for the web's Chinese pages (`api.history_zh`'s engine, values
carried over as written; a refusal no rule here knows is tried as one of the history's sentences, then kept in
English)."""

from __future__ import annotations

from api.history_zh import compile_rules, in_language, say

RULES: list[tuple[str, str]] = [
    # ---- any command (workflows/matter/commands.py)
    (r"the matter is closed", "案件已结案"),
    (r"amount: must be greater than zero", "金额：必须大于零"),
    (r"amount\.currency: the matter is in (?P<a>\S+), not (?P<b>\S+)", "币种：本案币种为 {a}，不是 {b}"),
    (r"(?P<f>\w+): '(?P<id>.+)' was already used for a different command; send the same body to repeat it, or use a "
     r"new id", "编号“{id}”已用于另一条不同的指令；重复提交请发送相同内容，否则请使用新编号"),
    (r"the matter is not waiting on a failed step: nothing to retry", "本案没有等待重试的失败步骤"),
    # ---- payments
    (r"received_on: (?P<on>\S+) is before the contract was signed \((?P<s>\S+)\)", "收款日期：{on} 早于合同签订日（{s}）"),
    (r"amount: (?P<amt>.+?) is more than the outstanding (?P<out>.+?) plus the overpayment the policy allows "
     r"\((?P<p>\S+)% of the claim of (?P<claim>.+)\); check the amount",
     "金额：{amt} 超过未偿余额 {out} 与策略允许的超额（债权 {claim} 的 {p}%）之和，请核对金额"),
    (r"guarantor: the record has (?P<n>\d+) guarantor\(s\)", "保证人：记录中只有 {n} 名保证人"),
    (r"amount: (?P<amt>.+?) is more than guarantor (?P<n>\d+)'s cap of (?P<cap>.+?) leaves \((?P<left>.+)\): a "
     r"guarantor is liable up to its cap", "金额：{amt} 超过保证人 {n} 的保证限额 {cap} 尚余的 {left}：保证人以限额为限承担责任"),
    (r"amount: (?P<amt>.+?) is more than the outstanding (?P<out>.+?): a guarantor pays what the debt still owes, once "
     r"\(no double recovery\)", "金额：{amt} 超过未偿余额 {out}：保证人只清偿尚欠的债务，不重复受偿"),
    # ---- promises
    (r"due_on: (?P<on>\S+) is before the matter's current date (?P<t>\S+)", "承诺还款日：{on} 早于本案当前日期 {t}"),
    (r"due_on: (?P<on>\S+) is after (?P<l>\S+), the latest the policy allows \((?P<n>\d+) days ahead\)",
     "承诺还款日：{on} 晚于策略允许的最晚日期 {l}（{n} 日内）"),
    # ---- legal review
    (r"decision: a legal review decision is not allowed in stage '(?P<stage>\w+)'", "决定：{stage}阶段不能作出法务审查决定"),
    (r"new_end_on: required to extend negotiation", "新的协商期截止日：延长协商期时必填"),
    (r"new_end_on: must be after the matter's current date (?P<t>\S+)", "新的协商期截止日：必须晚于本案当前日期 {t}"),
    (r"new_end_on: (?P<on>\S+) is after (?P<l>\S+), the latest the policy allows \((?P<n>\d+) days ahead\)",
     "新的协商期截止日：{on} 晚于策略允许的最晚日期 {l}（{n} 日内）"),
    (r"firm: only allowed with escalate", "律师事务所：仅在升级处理时填写"),
    (r"new_end_on: only allowed with extend_negotiation", "新的协商期截止日：仅在延长协商期时填写"),
    (r"firm: required to escalate \(the law firm the referral goes to\)", "律师事务所：升级处理时必填（接受委托的律所）"),
    # ---- holds and contacts
    (r"kind: a (?P<k>\w+) hold is placed by a manager", "类型：“{k}”暂停须由经理设置"),
    (r"hold_id: there is no hold '(?P<id>.+)' on this matter", "暂停编号：本案没有暂停事项“{id}”"),
    (r"hold_id: a (?P<k>\w+) hold is lifted by a manager", "暂停编号：“{k}”暂停须由经理解除"),
    (r"at: give a time zone \(e\.g\. (?P<e>\S+)\)", "联系时间：请注明时区（如 {e}）"),
    (r"at: (?P<at>\S+) is in the future", "联系时间：{at} 晚于当前时间"),
    (r"at: more than a year before the matter was opened", "联系时间：早于立案日一年以上"),
    # ---- settlements, amendments, write-offs (workflows/matter/arrangements.py)
    (r"proposal (?P<id>\S+) is (?P<s>\w+): one arrangement at a time", "方案 {id} 状态为“{s}”：同一时间只能有一个方案"),
    (r"kind: a (?P<k>[\w ]+) cannot be proposed in stage '(?P<stage>\w+)'", "类型：{stage}阶段不能提出{k}"),
    (r"proposal_id: the matter has no proposal '(?P<id>.+)'", "方案编号：本案没有方案“{id}”"),
    (r"proposal (?P<id>\S+) is (?P<s>\w+): it takes no more decisions", "方案 {id} 状态为“{s}”：不再接受审批"),
    (r"approver: (?P<who>.+) has already decided proposal (?P<id>\S+)", "审批人：{who} 已审批过方案 {id}"),
    (r"proposal (?P<id>\S+) is (?P<s>\w+): only an approved settlement or amendment is signed",
     "方案 {id} 状态为“{s}”：只有已批准的和解或变更协议才能登记签署"),
    (r"an arrangement cannot take effect in stage '(?P<stage>\w+)'", "{stage}阶段协议不能生效"),
    (r"signed_on: (?P<on>\S+) is before the approval \((?P<a>\S+)\)", "签署日期：{on} 早于批准日（{a}）"),
    (r"signed_on: (?P<on>\S+) is after the matter's date (?P<t>\S+)", "签署日期：{on} 晚于本案当前日期 {t}"),
    (r"signed_on: (?P<on>\S+) is after the first instalment's due date (?P<d>\S+): propose a new schedule",
     "签署日期：{on} 晚于第一期到期日 {d}：请重新提出还款计划"),
    (r"delivered_on: (?P<on>\S+) is after the matter's date (?P<t>\S+)", "送达日期：{on} 晚于本案当前日期 {t}"),
    (r"delivered_on: (?P<on>\S+) is before the notice was made \((?P<d>\S+)\)", "送达日期：{on} 早于通知作出日（{d}）"),
    (r"delivered_on: (?P<on>\S+) is not between the letter's date (?P<a>\S+) and the matter's date (?P<b>\S+)",
     "送达日期：{on} 不在函件日期 {a} 与本案当前日期 {b} 之间"),
    # ---- the referral and the proceedings
    (r"referral not found", "未找到委托"),
    (r"the referral was already (?P<s>\w+)", "该委托已处理（{s}）"),
    (r"the time to answer this referral has passed", "答复该委托的期限已过"),
    (r"proceeding not found", "未找到该程序"),
    (r"the proceeding's record is closed", "该程序的记录已关闭"),
    (r"event\.on: (?P<on>\S+) is after today \((?P<t>\S+)\): record what has happened \(only a hearing is set ahead\)",
     "日期：{on} 晚于今日（{t}）：请登记已发生的事项（只有开庭可提前登记）"),
    # ---- the API's own refusals (api/)
    (r"(?P<d>\S+) is in the future", "{d} 晚于今日"),
    (r"the matter is on hold", "本案处于暂停状态"),
]

_COMPILED = compile_rules(RULES)


def refusal_in_chinese(text: str) -> str:
    """A refusal the system wrote, in Chinese where a rule knows it (else as written)."""
    out = say(_COMPILED, text)
    return out if out != text else in_language(text, "zh")


__all__ = ["RULES", "refusal_in_chinese"]
