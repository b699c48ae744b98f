"""The web application's words, in both languages (every key in each: tests/api/test_web.py checks it)."""

from __future__ import annotations

LANGUAGES = ("zh-CN", "en")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "app": "Recovery", "login": "Log in", "logout": "Log out", "username": "Username", "password": "Password",
        "bad_login": "Wrong username or password.", "too_many": "Too many failed logins: try again in 15 minutes.",
        "worklist": "Worklist", "inbox": "Referred matters", "users": "Users", "language": "中文",
        "stage": "Stage", "any": "Any", "dpd": "Days past due", "attention": "Needs attention", "filter": "Filter",
        "reference": "Reference", "outstanding": "Outstanding", "risk": "Risk", "next_step": "Next step",
        "none": "None", "yes": "Yes", "no": "No", "previous": "Previous", "next": "Next", "count": "matters",
        "add_user": "Add a user", "display_name": "Name", "role": "Role", "firm": "Firm (partners)",
        "add": "Add", "disable": "Disable", "disabled": "Disabled", "active": "Active", "status": "Status",
        "one_time": "One-time password for {user}: {password} — shown once; give it to them privately.",
        "role_legal_team": "Legal team", "role_manager": "Manager", "role_partner": "Partner",
        "not_found": "Not found.", "forbidden": "You may not do this.", "session_ended": "Your session has ended.",
        "unavailable": "The matters cannot be read now; retry in a moment.", "skip": "Skip to the content",
        "matter": "Matter", "balance": "Balance", "bucket": "Item", "amount": "Amount", "documents": "Documents",
        "kind": "Kind", "created": "Made", "download": "Download", "overdue_since": "Overdue since",
        "referral": "Referral", "paid": "Paid", "costs": "Costs", "fees": "Fees", "penalty": "Penalty interest",
        "interest": "Interest", "principal": "Principal", "total": "Total", "as_of": "as of",
        "history": "Timeline", "when": "When", "what": "What", "who": "Who", "record_payment": "Record a payment",
        "record_promise": "Record a promise to pay", "received_on": "Received on", "due_on": "Due on",
        "note": "Note", "save": "Save", "accept_referral": "Accept the referral", "decline_referral":
        "Decline the referral", "reason": "Reason", "refused": "Not done:", "done_payment": "Payment recorded.",
        "done_promise": "Promise recorded.", "done_accept": "Referral accepted.", "done_decline": "Referral declined.",
        "approvals": "Approvals", "proposal": "Proposal", "proposed_by": "Proposed by", "waived": "Waived",
        "needs": "Needs", "instalments": "Instalments", "warnings": "Warnings", "approve": "Approve",
        "reject": "Reject", "decided": "Decision recorded.", "nothing_waiting": "Nothing awaits a decision.",
        "kind_settlement": "Settlement", "kind_amendment": "Amendment", "kind_write_off": "Write-off",
        "dashboard": "Dashboard", "deadlines": "Deadlines", "import": "Import",
        "legal_review_queue": "Legal review: escalate or negotiate on", "kind_escalation": "Escalation",
        "legal_review_help": "Matters awaiting a manager's legal-review decision: refer each to a law firm (its "
                             "instruction letter goes out), or extend the negotiation to a new last day.",
        "negotiation_ended": "Negotiation ended", "refer_to_firm": "Law firm", "attention_of": "For the attention of",
        "extend_until": "New last day of negotiation (to extend)", "escalate": "Refer to the firm",
        "extend_negotiation": "Extend the negotiation",
    },
    "zh-CN": {
        "app": "不良资产清收", "login": "登录", "logout": "退出", "username": "用户名", "password": "密码",
        "bad_login": "用户名或密码错误。", "too_many": "登录失败次数过多，请15分钟后再试。",
        "worklist": "工作清单", "inbox": "委托案件", "users": "用户管理", "language": "English",
        "stage": "阶段", "any": "全部", "dpd": "逾期天数", "attention": "需要处理", "filter": "筛选",
        "reference": "编号", "outstanding": "未偿金额", "risk": "风险等级", "next_step": "下一步",
        "none": "无", "yes": "是", "no": "否", "previous": "上一页", "next": "下一页", "count": "件",
        "add_user": "新增用户", "display_name": "姓名", "role": "角色", "firm": "律师事务所（合伙人）",
        "add": "新增", "disable": "停用", "disabled": "已停用", "active": "在用", "status": "状态",
        "one_time": "{user}的一次性密码：{password}（仅显示一次，请私下转交本人）",
        "role_legal_team": "法务团队", "role_manager": "管理人员", "role_partner": "律所合伙人",
        "not_found": "未找到。", "forbidden": "您无权进行此操作。", "session_ended": "您的会话已结束。",
        "unavailable": "暂时无法读取案件，请稍后重试。", "skip": "跳至正文",
        "matter": "案件", "balance": "欠款明细", "bucket": "项目", "amount": "金额", "documents": "文书",
        "kind": "类型", "created": "生成时间", "download": "下载", "overdue_since": "逾期起始日",
        "referral": "委托", "paid": "已还款", "costs": "费用", "fees": "手续费", "penalty": "罚息",
        "interest": "利息", "principal": "本金", "total": "合计", "as_of": "截至",
        "history": "案件进程", "when": "时间", "what": "事项", "who": "操作人", "record_payment": "登记还款",
        "record_promise": "登记还款承诺", "received_on": "收款日期", "due_on": "承诺还款日",
        "note": "备注", "save": "保存", "accept_referral": "接受委托", "decline_referral": "拒绝委托",
        "reason": "理由", "refused": "未完成：", "done_payment": "还款已登记。", "done_promise": "还款承诺已登记。",
        "done_accept": "已接受委托。", "done_decline": "已拒绝委托。",
        "approvals": "审批", "proposal": "方案", "proposed_by": "提出人", "waived": "减免金额",
        "needs": "审批权限", "instalments": "分期", "warnings": "提示", "approve": "批准",
        "reject": "驳回", "decided": "审批意见已登记。", "nothing_waiting": "暂无待审批事项。",
        "kind_settlement": "和解", "kind_amendment": "变更协议", "kind_write_off": "核销",
        "dashboard": "统计看板", "deadlines": "期限预警", "import": "批量导入",
        "legal_review_queue": "法务审查：委托律所或继续协商", "kind_escalation": "委托律所",
        "legal_review_help": "待管理人员作出法务审查决定的案件：委托律师事务所办理（发出委托函），"
                             "或将协商期延长至新的截止日。",
        "negotiation_ended": "协商期届满日", "refer_to_firm": "律师事务所", "attention_of": "经办律师",
        "extend_until": "协商期新截止日（延长时填写）", "escalate": "委托该律所",
        "extend_negotiation": "延长协商期",
    },
}


# Each area's words live beside it (api/web/words_*.py, the same two languages) and join these.
from api.web import words_dashboard, words_forms, words_import, words_password  # noqa: E402

for _area in (words_dashboard, words_forms, words_import, words_password):
    for _language in LANGUAGES:
        WORDS[_language].update(_area.WORDS[_language])


def words(language: str) -> dict[str, str]:
    return WORDS.get(language, WORDS["zh-CN"])
