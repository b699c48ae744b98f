"""The words of the manager's dashboard, the deadlines page and a matter's full history
(both languages, the same keys in each)."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        # ---- the dashboard, the deadlines page, a matter's full history (api/web/dashboard.py)
        "dash_as_of": "Figures as of", "dash_totals": "Totals per currency", "dash_currency": "Currency",
        "dash_intake": "Amount at intake", "dash_recovered": "Recovered", "dash_rate": "Recovery rate",
        "dash_group": "Group", "dash_matters": "Matters", "dash_by_stage": "Matters and amounts by stage",
        "dash_aging": "Aging (days past due)", "dash_risk": "Risk grades (open matters)",
        "dash_ungraded": "Not graded yet", "dash_chart_desc": "A bar for each group of {what}; the table beside "
        "it gives the same numbers.", "dash_recovery_by_month": "Recovery rate by month", "dash_month": "Month",
        "dash_intake_to_date": "Intake to the month's end", "dash_definition": "Definition:",
        "dash_no_payments": "No payments recorded yet.",
        "dash_no_base": "No matter had been taken in by these months' ends.",
        "dash_firms": "Law firm performance", "dash_firm": "Law firm",
        "dash_instructed": "Instructed", "dash_accepted": "Accepted", "dash_declined": "Declined",
        "dash_lapsed": "Not answered in time", "dash_mean_hours": "Mean time to accept",
        "dash_median_hours": "Median time to accept", "dash_missed": "Legal deadlines missed",
        "dash_preservation_lapsed": "preservation filing windows lapsed",
        "dash_limitation_expired": "limitation periods run out", "dash_no_firms": "No referral recorded yet.",
        "dash_definitions": "How these figures are counted", "dash_time_to_accept": "Time to accept a referral",
        "dash_unavailable": "The figures cannot be read now; retry in a moment.",
        "dash_dpd_0": "Not past due", "dash_dpd_1-30": "1-30 days", "dash_dpd_31-60": "31-60 days",
        "dash_dpd_61-90": "61-90 days", "dash_dpd_90+": "Over 90 days",
        "def_amount_at_intake": "Amount at intake: what was overdue when the matter was taken in (principal, "
        "interest, penalty interest, fees and costs), per currency.",
        "def_recovered": "Recovered: payments recorded, less payments reversed since.",
        "def_recovery_rate_by_month": "Recovery rate of a month = amount recovered with a received date in that "
        "month ÷ amount at intake of every matter taken in up to the month's last day (UTC), per currency; the "
        "last 12 months with payments are shown.",
        "def_firm_recovered": "Payments recorded while the firm held the matter's accepted referral (from its "
        "acceptance to the referral's close or recall, or today), less reversals.",
        "def_firm_recovery_rate": "The firm's recovered amount ÷ the amount at intake of the matters it accepted, "
        "per currency.",
        "def_time_to_accept": "Time (wall clock) from the referral's instruction to the firm's acceptance; "
        "referrals not accepted are not counted.",
        "def_deadlines_missed": "Pre-suit preservations whose 30-day filing window lapsed (CPL art. 104) in "
        "proceedings the firm acts in, plus limitation periods that ran out on matters the firm holds. Missed "
        "appeal and enforcement windows are not recorded in the data this page reads, so they are not counted.",
        "def_aging": "Open matters (not closed) by their days past due today, each on its own calendar.",
        "stage_intake": "Intake", "stage_notice": "Notice", "stage_reminders": "Reminders",
        "stage_negotiation": "Negotiation", "stage_amendment": "Amendment", "stage_legal_review": "Legal review",
        "stage_referral": "Referral", "stage_litigation": "Litigation", "stage_enforcement": "Enforcement",
        "stage_closed": "Closed",
        "dl_within": "Ending within", "dl_days": "{n} days", "dl_due": "Last day", "dl_days_left": "Days left",
        "dl_deadline": "Deadline", "dl_rule": "Rule and what started it", "dl_overdue": "Overdue by {n} days",
        "dl_intro": "Limitation periods, guarantee periods and court measures ending within {n} days, and those "
                    "already run out, soonest first.",
        "dl_not_covered": "Each proceeding's appeal, performance and enforcement windows are on its matter's page.",
        "dl_nothing": "No legal deadline ends in this window.", "dl_kind_limitation": "Limitation period",
        "dl_kind_guarantee": "Guarantee period", "dl_kind_measure": "Court preservation measure",
        "hist_title": "Full history", "hist_link": "Full history (every step, with who and when)",
        "hist_back": "Back to the matter", "hist_intro": "Everything the matter's workflow recorded, oldest first.",
        "hist_runs": "workflow runs so far: {n}", "hist_page": "Page {page}", "hist_empty": "Nothing recorded yet.",
        "hist_pages": "History pages", "hist_first": "First page", "hist_end": "End of the history.",
        "hist_bad_cursor": "That page link is not valid: start again from the first page.",
        "hk_opened": "Opened", "hk_stage": "Stage change", "hk_letter_stored": "Letter stored",
        "hk_command": "Command", "hk_command_completed": "Command done", "hk_timer": "Timer",
        "hk_child": "Child workflow", "hk_child_report": "Child's report", "hk_continued_as_new": "Continued",
        "hk_run_started": "Run started", "hk_completed": "Completed", "hk_attention": "Attention",
        "hk_timeline": "Events", "hk_signal": "Signal", "hk_activity_failed": "Step failed", "hk_failed": "Failed",
        "hk_canceled": "Cancelled", "hk_cancel_requested": "Cancellation requested",
        "hk_terminated": "Terminated", "hk_timed_out": "Timed out",
        "dur_d": "d", "dur_h": "h", "dur_min": "min", "dur_s": "s",
        "hk_message_sent": "Message sent", "hk_bundle_made": "Evidence pack made",
        "hk_instruction_sent": "Instruction sent", "hk_claim_facts": "Told the guarantor claim",
        "hk_command_failed": "Command refused", "hk_proceeding_counsel": "Counsel changed",
        "open_in_temporal": "Open this matter's workflow in Temporal's Web UI",
        "temporal_codec_hint": "Its inputs are shown decrypted to managers logged in here, once Temporal's Codec "
                               "Server setting (in that UI, for this browser) uses the endpoint below and includes "
                               "cross-origin credentials:",
    },
    "zh-CN": {
        # ---- 统计看板、期限预警、案件完整进程 (api/web/dashboard.py)
        "dash_as_of": "数据截至", "dash_totals": "按币种合计", "dash_currency": "币种",
        "dash_intake": "入库逾期金额", "dash_recovered": "已回收金额", "dash_rate": "回收率",
        "dash_group": "分组", "dash_matters": "案件数", "dash_by_stage": "各阶段案件数与金额",
        "dash_aging": "账龄（逾期天数）", "dash_risk": "风险等级分布（未结案件）",
        "dash_ungraded": "尚未评级", "dash_chart_desc": "{what}：每组一根条形，旁边的表格列出相同数据。",
        "dash_recovery_by_month": "按月回收率", "dash_month": "月份",
        "dash_intake_to_date": "截至月末入库逾期金额", "dash_definition": "口径：",
        "dash_no_payments": "尚无还款记录。",
        "dash_no_base": "截至这些月份月末尚无受理的案件。", "dash_firms": "律师事务所绩效", "dash_firm": "律师事务所",
        "dash_instructed": "已委托", "dash_accepted": "已接受", "dash_declined": "已拒绝",
        "dash_lapsed": "逾期未答复", "dash_mean_hours": "平均接受用时",
        "dash_median_hours": "接受用时中位数", "dash_missed": "错过的法定期限",
        "dash_preservation_lapsed": "诉前保全后逾期未起诉",
        "dash_limitation_expired": "诉讼时效届满", "dash_no_firms": "尚无委托记录。",
        "dash_definitions": "统计口径", "dash_time_to_accept": "接受委托用时",
        "dash_unavailable": "暂时无法读取统计数据，请稍后重试。",
        "dash_dpd_0": "未逾期", "dash_dpd_1-30": "1-30天", "dash_dpd_31-60": "31-60天",
        "dash_dpd_61-90": "61-90天", "dash_dpd_90+": "90天以上",
        "def_amount_at_intake": "入库逾期金额：案件受理时的逾期欠款（本金、利息、罚息、手续费及费用），"
        "按币种分别统计。",
        "def_recovered": "已回收金额：已登记的还款，扣除此后被冲正的还款。",
        "def_recovery_rate_by_month": "某月回收率 = 收款日期在该月的回收金额 ÷ 截至该月最后一日（UTC）受理的全部案件的"
        "入库逾期金额，按币种分别计算；显示有还款的最近12个月。",
        "def_firm_recovered": "律所持有已接受的委托期间（自接受委托起至委托结束或撤回，或至今日）"
        "登记的还款，扣除冲正。",
        "def_firm_recovery_rate": "律所回收金额 ÷ 其接受的案件的入库逾期金额，按币种分别计算。",
        "def_time_to_accept": "自发出委托至律所接受委托的时长（实际时间）；未接受的委托不计入。",
        "def_deadlines_missed": "律所代理的程序中，诉前保全后30日内未起诉或申请仲裁（民事诉讼法第104条）的次数，"
        "加上律所持有的案件诉讼时效届满的件数。本页所读数据未记录错过的上诉期和申请执行期，故不计入。",
        "def_aging": "未结案件按今日逾期天数分组，各按其自身日历计算。",
        "stage_intake": "受理", "stage_notice": "催收通知", "stage_reminders": "催告提醒",
        "stage_negotiation": "协商", "stage_amendment": "协议变更", "stage_legal_review": "法务审查",
        "stage_referral": "委托律所", "stage_litigation": "诉讼仲裁", "stage_enforcement": "强制执行",
        "stage_closed": "已结案",
        "dl_within": "期限届满于", "dl_days": "{n}天内", "dl_due": "最后一日", "dl_days_left": "剩余天数",
        "dl_deadline": "期限", "dl_rule": "依据及起算事由", "dl_overdue": "已超期{n}天",
        "dl_intro": "{n}天内届满的诉讼时效、保证期间及法院保全措施期限，以及已经届满的期限，按届满先后排列。",
        "dl_not_covered": "各程序的上诉期、履行期和申请执行期见该案件页面。",
        "dl_nothing": "此期间内没有届满的法定期限。", "dl_kind_limitation": "诉讼时效",
        "dl_kind_guarantee": "保证期间", "dl_kind_measure": "法院保全措施期限",
        "hist_title": "完整进程", "hist_link": "完整进程（每一步骤及操作人、时间）",
        "hist_back": "返回案件", "hist_intro": "案件工作流记录的全部事项，按时间先后排列。",
        "hist_runs": "工作流运行次数：{n}", "hist_page": "第{page}页", "hist_empty": "尚无记录。",
        "hist_pages": "进程分页", "hist_first": "第一页", "hist_end": "进程已到末尾。",
        "hist_bad_cursor": "该分页链接无效，请从第一页重新开始。",
        "hk_opened": "受理", "hk_stage": "阶段变更", "hk_letter_stored": "函件存档",
        "hk_command": "指令", "hk_command_completed": "指令完成", "hk_timer": "计时",
        "hk_child": "子流程", "hk_child_report": "子流程报告", "hk_continued_as_new": "续接运行",
        "hk_run_started": "开始运行", "hk_completed": "完成", "hk_attention": "需要处理",
        "hk_timeline": "事项", "hk_signal": "信号", "hk_activity_failed": "步骤失败", "hk_failed": "失败",
        "hk_canceled": "已取消", "hk_cancel_requested": "请求取消",
        "hk_terminated": "已终止", "hk_timed_out": "已超时",
        "dur_d": "天", "dur_h": "小时", "dur_min": "分", "dur_s": "秒",
        "hk_message_sent": "已发送通知", "hk_bundle_made": "已生成证据包",
        "hk_instruction_sent": "已发送委托函", "hk_claim_facts": "已告知保证人追偿流程",
        "hk_command_failed": "指令被拒绝", "hk_proceeding_counsel": "代理律所变更",
        "open_in_temporal": "在 Temporal 网页控制台中查看本案件的工作流",
        "temporal_codec_hint": "在该控制台中为本浏览器设置编解码服务器（使用下列端点并开启“包含跨域凭据”）后，"
                               "已在此登录的管理人员即可查看解密后的输入数据：",
    },
}
