"""A matter's history in Chinese: the system's own English sentences, matched one template at a time.

The history's lines are written in English where the facts are (the reader's templates in `api.history_words`,
`api.history_reader`, `api.history_children`; the workflows' timer summaries and child reports). A Chinese
reader gets the same sentence turned by its template: every value (an id, an amount, a date, a court, a firm's
name) is carried over as written; the system's own words among them (a stage, a letter's kind, an asset's
standing, a timer's name) are translated from the vocabulary below. A sentence no template knows is kept in
English rather than guessed at (e.g. a ladder step's name written in a policy file). `tests/api/test_history_zh.py`
holds one sentence of every template and fails when a template of the reader changes without its rule here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from documents.registry import TITLES

STAGES = {
    "intake": "受理", "notice": "催收通知", "reminders": "催告提醒", "negotiation": "协商", "amendment": "协议变更",
    "legal_review": "法务审查", "referral": "委托律所", "litigation": "诉讼仲裁", "enforcement": "强制执行",
    "closed": "已结案",
}
_CLOSURES = {"paid": "已清偿", "cured": "逾期已补足", "settled": "已和解", "written_off": "已核销",
             "withdrawn": "已撤回", "uncollectible": "无法收回"}
_FORUMS = {"court": "法院诉讼", "arbitration": "仲裁"}
_ASSET_KINDS = {"real estate": "不动产", "vehicle": "车辆", "deposit": "存款", "equity": "股权", "receivable": "应收账款",
                "movable": "动产", "other": "其他财产", "asset": "财产"}
_ASSET_STANDING = {"known": "已知", "preserved": "已保全", "renewed": "已续封续冻", "valued": "已评估",
                   "auctioned": "已拍卖", "sold": "已成交", "unsold": "流拍", "transferred": "已以物抵债",
                   "released": "已解除", "proceeds": "已分配价款", "lift_applied": "已申请解除"}
_BUCKETS = {"costs": "费用", "fees": "手续费", "penalty": "罚息", "interest": "利息", "principal": "本金",
            "unapplied": "未分配"}
_UPDATES = {
    "record_payment": "登记付款", "record_promise": "登记还款承诺", "legal_review_decision": "法务审查决定",
    "retry_attention": "重试失败步骤", "reverse_payment": "冲正付款", "propose_arrangement": "提出和解、变更或核销方案",
    "decide_arrangement": "审批方案", "arrangement_signed": "登记协议已签署", "log_contact": "登记联系记录",
    "accelerate": "宣布提前到期", "acceleration_served": "登记提前到期通知已送达", "letter_delivered": "登记函件已送达",
    "place_hold": "设置暂停", "release_hold": "解除暂停", "answer_referral": "答复委托", "recall_referral": "撤回委托",
    "lawyers_letter": "律师函", "start_proceeding": "启动诉讼或仲裁", "draft_enforcement": "起草强制执行申请",
    "draft_preservation": "起草财产保全申请", "draft_filing": "起草起诉状或仲裁申请书", "proceeding_event": "登记程序事件",
    "open_guarantor_claims": "向保证人主张权利", "add_asset": "登记财产", "asset_event": "登记财产事件",
    "demand_guarantor": "向保证人发出履行通知", "guarantor_event": "登记保证人事件",
}
_TIMERS = {
    "retry": "重试", "limitation period warning": "诉讼时效提醒", "guarantee period warning": "保证期间提醒",
    "measure expiry warning": "保全措施到期提醒", "lift not yet released": "解除申请尚未获准",
    "investigate the debtor's property again": "再次调查债务人财产", "negotiation window ends": "协商期届满",
    "promise to pay falls due (grace included)": "还款承诺到期（含宽限期）",
    "time to pay under the law firm's lawyer's letter ends": "律师函载明的付款期限届满", "idle": "空闲",
    # The shipped policies' ladder steps (a policy's own names stay as written when not listed).
    "first SMS reminder": "第一次短信提醒", "first reminder letter": "第一封还款提醒函", "e-mail reminder": "电子邮件提醒",
    "collector call": "催收员电话", "SMS reminder": "短信提醒", "sms reminder": "短信提醒",
    "reminder letter": "还款提醒函", "final demand": "最后催告", "phone call": "电话联系",
}
_CHILD_HOW = {"started": "已启动", "ended": "已结束", "failed": "失败", "canceled": "已取消", "timed out": "超时",
              "terminated": "已终止"}
_DUP = "（此前已记录，未重复执行）"
_CHILD_STATUS = {"closed": "已结束", "accepted": "已接受", "declined": "已拒绝", "lapsed": "逾期未答复",
                 "recalled": "已撤回", "instructed": "已发出委托", "released": "已免除", "paid": "已清偿",
                 "held": "保证责任已确定", "open": "进行中", "refused": "已拒绝履行", "ended": "已结束",
                 "proposed": "待审批", "approved": "已批准", "rejected": "已驳回", "effective": "已生效",
                 "kept": "已履行完毕", "breached": "已违约"}
_KINDS = {"bankruptcy_stay": "破产程序中止", "dispute": "债务争议", "hardship": "困难救济", "death": "借款人死亡",
          "settlement": "和解", "amendment": "协议变更", "write_off": "核销", "write off": "核销"}

_WORDS = {"as agreed": "按约定",
          "6 months from the main debt's due date (Civil Code art. 692)": "主债务履行期限届满之日起六个月（《民法典》第六百九十二条）",
          "6 months from the main debt's due date (Civil Code art. 692: the agreed end is not after that date, which "
          "counts as none)": "主债务履行期限届满之日起六个月（《民法典》第六百九十二条：约定的期间早于或者等于主债务履行期限，视为没有约定）",
          "judgment": "判决", "ruling": "裁定", "award": "仲裁裁决", "mediation": "调解书",
          "given": "已提供担保", "excused": "免予提供担保", "Pre-suit preservation": "诉前财产保全",
          "Preservation in the case": "诉讼中财产保全", "Judgment": "判决", "Ruling": "裁定", "Award": "仲裁裁决",
          "Mediation agreement": "调解书", "plaintiff": "原告", "defendant": "被告", "creditor": "债权人",
          "debtor": "债务人", " (second instance)": "（二审）",
          " despite the arbitration clause (reason recorded)": "（尽管有仲裁条款，已记录理由）"}

_VOCAB: dict[str, Callable[[str], str]] = {
    "stage": lambda v: STAGES.get(v, v),
    "closure": lambda v: _CLOSURES.get(v, v),
    "forum": lambda v: _FORUMS.get(v, v),
    "akind": lambda v: _ASSET_KINDS.get(v, v),
    "standing": lambda v: _ASSET_STANDING.get(v, v),
    "letter": lambda v: TITLES["zh-CN"].get(v, v),
    "update": lambda v: _UPDATES.get(v, v),
    "how": lambda v: _CHILD_HOW.get(v, v),
    "dup": lambda v: _DUP if v else "",
    "inner": lambda v: _sentence(v),
    "timer": lambda v: _timer(v),
    "gap": lambda v: _gap(v),
    "s": lambda v: _CHILD_STATUS.get(v, v),
    "k": lambda v: _KINDS.get(v, v),
    "parts": lambda v: _parts(v),
    # The system's fixed words inside a sentence (a decision's kind, who appealed, a preservation's security).
    **{name: (lambda v: _WORDS.get(v, v)) for name in ("sec", "w", "what", "by", "x", "y", "period")},
}


def _gap(text: str) -> str:
    m = re.fullmatch(r"the (\S+) rest-day calendar \((.+)\) covers (\d+)-(\d+), not (\d+): its public holidays are "
                     r"unknown here; update the holiday data before relying on a deadline in that year", text)
    if m is None:
        return text
    return (f"{m[1]} 休息日日历（{m[2]}）仅涵盖 {m[3]}-{m[4]} 年，不含 {m[5]} 年：该年法定节假日未知；"
            "依赖该年的期限前请更新节假日数据")


def _value(name: str, value: str | None) -> str:
    convert = _VOCAB.get(name.rstrip("0123456789"))
    return convert(value) if convert is not None and value else value or ""


def _timer(text: str) -> str:
    """A timer's name, a matter's next step or a closure's reason (a word alone)."""
    if text in _TIMERS or text in _CLOSURES:
        return _TIMERS.get(text) or _CLOSURES[text]
    m = re.fullmatch(r"instalment (\S+) falls due \(grace included\)", text)
    if m:
        return f"第 {m[1]} 期分期款到期（含宽限期）"
    m = re.fullmatch(r"law firm's answer due \((.+)\)", text)
    if m:
        return f"律所答复期限（{m[1]}）"
    m = re.fullmatch(r"(.+) \(moved into the contact hours (\S+) (\S+)\)", text)
    if m:
        return f"{_timer(m[1])}（已顺延至联系时段 {m[2]} {m[3]}）"
    m = re.fullmatch(r"(.+) closes", text)
    if m:
        return f"{m[1]} 结束"
    return _sentence(text)


_DUPS = r"(?P<dup> \(already (?:recorded|applied|ordered|started|added)\))?"
_E = r"(?P<sha>[0-9a-f]+|unknown)"

# (English template as a regular expression over the whole sentence, the Chinese sentence from its groups).
_RULES_TEXT: list[tuple[str, str]] = [
    # ---- commands (api.history_words._command_words)
    (r"Payment (?P<id>\S+) of (?P<amt>.+?) received on (?P<on>\S+) recorded by (?P<who>.+)",
     "{who} 登记付款 {id}：{amt}，收款日 {on}"),
    (r"Promise (?P<id>\S+) to pay (?P<amt>.+?) by (?P<on>\S+) recorded by (?P<who>.+)",
     "{who} 登记还款承诺 {id}：于 {on} 前支付 {amt}"),
    (r"Legal review decision (?P<id>\S+): escalate, referral to (?P<firm>.+), by (?P<who>.+)",
     "{who} 作出法务审查决定 {id}：升级处理，委托 {firm}"),
    (r"Legal review decision (?P<id>\S+): escalate, referral, by (?P<who>.+)", "{who} 作出法务审查决定 {id}：升级处理，委托律所"),
    (r"Legal review decision (?P<id>\S+): extend negotiation until (?P<on>\S+), by (?P<who>.+)",
     "{who} 作出法务审查决定 {id}：协商期延长至 {on}"),
    (r"Retry (?P<id>\S+) of the failed step ordered by (?P<who>.+)", "{who} 指示重试失败步骤（{id}）"),
    (r"Recall (?P<id>\S+) of the referral ordered by (?P<who>.+) \(reason recorded\)", "{who} 指示撤回委托（{id}，已记录理由）"),
    (r"Proceeding (?P<id>\S+) started by (?P<who>.+?) before the forum of the contract's clause(?P<x> \(second instance\))?"
     r"(?P<y> despite the arbitration clause \(reason recorded\))?",
     "{who} 启动程序 {id}，由合同争议解决条款约定的机构受理{x}{y}"),
    (r"Proceeding (?P<id>\S+) started by (?P<who>.+?) before (?P<forum>court|arbitration)(?P<x> \(second instance\))?"
     r"(?P<y> despite the arbitration clause \(reason recorded\))?", "{who} 启动程序 {id}（{forum}）{x}{y}"),
    (r"Lawyer's letter (?P<id>\S+) ordered by (?P<who>.+) \(lawyer (?P<name>.+), time to pay (?P<n>\d+) days\)",
     "{who} 指示发出律师函 {id}（律师 {name}，付款期限 {n} 日）"),
    (r"Filing (?P<id>\S+) of proceeding (?P<n>\S+) ordered drafted by (?P<who>.+)", "{who} 指示起草程序 {n} 的起诉材料（{id}）"),
    (r"Preservation application (?P<id>\S+) of proceeding (?P<n>\S+) ordered drafted by (?P<who>.+)",
     "{who} 指示起草程序 {n} 的财产保全申请（{id}）"),
    (r"Claims (?P<id>\S+) against the guarantors ordered by (?P<who>.+)", "{who} 指示向保证人主张权利（{id}）"),
    (r"Asset (?P<id>\S+) \((?P<akind>.+)\) added to the register by (?P<who>.+)", "{who} 将财产 {id}（{akind}）登记入册"),
    (r"Asset (?P<n>\S+): '(?P<standing>.+)' recorded by (?P<who>.+)", "{who} 登记财产 {n}：{standing}"),
    (r"Demand (?P<id>\S+) to guarantor (?P<n>\S+) ordered by (?P<who>.+)", "{who} 指示向保证人 {n} 发出履行通知（{id}）"),
    (r"Command '(?P<update>.+)' accepted", "指令已受理：{update}"),
    # ---- outcomes (api.history_words._outcome_words)
    (r"Payment (?P<id>\S+) was already recorded: nothing changed", "付款 {id} 此前已登记，未作变更"),
    (r"Payment (?P<id>\S+) allocated \((?P<parts>.*)\)", "付款 {id} 已分配（{parts}）"),
    (r"outstanding (?P<amt>.+)", "未偿余额 {amt}"),
    (r"matter paid in full", "案件已全部清偿"),
    (r"Promise (?P<id>\S+) registered" + _DUPS, "还款承诺 {id} 已登记{dup}"),
    (r"deadline (?P<at>.+)", "期限 {at}"),
    (r"Decision (?P<id>\S+) applied" + _DUPS, "决定 {id} 已执行{dup}"),
    (r"stage now (?P<stage>\S+)", "当前阶段：{stage}"),
    (r"stage (?P<stage>\S+)", "阶段：{stage}"),
    (r"Retry (?P<id>\S+)" + _DUPS + r"(?: of '(?P<what>.+)')? started", "重试 {id} 已开始{dup}（{what}）"),
    (r"Proceeding (?P<n>\S+) \((?P<forum>\S+), instance (?P<i>\d+)\) started" + _DUPS,
     "程序 {n}（{forum}，第 {i} 审）已启动{dup}"),
    (r"Lawyer's letter of referral (?P<n>\S+) queued" + _DUPS + r": document (?P<doc>\S+), pay by (?P<on>\S+)",
     "委托 {n} 的律师函已排入制作{dup}：文件 {doc}，付款期限 {on}"),
    (r"The application for pre-suit preservation of proceeding (?P<n>\S+) queued" + _DUPS + r": document (?P<doc>\S+)",
     "程序 {n} 的诉前财产保全申请已排入制作{dup}：文件 {doc}"),
    (r"The application for in-suit preservation of proceeding (?P<n>\S+) queued" + _DUPS + r": document (?P<doc>\S+)",
     "程序 {n} 的诉讼中财产保全申请已排入制作{dup}：文件 {doc}"),
    (r"The complaint of proceeding (?P<n>\S+) queued" + _DUPS + r", with the evidence (?P<ev>\S+): documents (?P<docs>.*)",
     "程序 {n} 的民事起诉状已排入制作{dup}，附证据 {ev}：文件 {docs}"),
    (r"The arbitration application of proceeding (?P<n>\S+) queued" + _DUPS
     + r", with the evidence (?P<ev>\S+): documents (?P<docs>.*)", "程序 {n} 的仲裁申请书已排入制作{dup}，附证据 {ev}：文件 {docs}"),
    (r"Referral (?P<n>\S+) recalled from (?P<firm>.+?)" + _DUPS, "委托 {n} 已从 {firm} 撤回{dup}"),
    (r"Asset (?P<n>\S+) in the register" + _DUPS, "财产 {n} 已登记入册{dup}"),
    (r"Asset (?P<n>\S+) now (?P<standing>\S+), its measure to (?P<on>\S+)" + _DUPS,
     "财产 {n} 现为{standing}，措施期限至 {on}{dup}"),
    (r"Asset (?P<n>\S+) now (?P<standing>\S+)" + _DUPS, "财产 {n} 现为{standing}{dup}"),
    (r"The demand for performance to guarantor (?P<n>\S+) queued" + _DUPS + r": document (?P<doc>\S+)",
     "致保证人 {n} 的担保责任履行通知书已排入制作{dup}：文件 {doc}"),
    (r"Claims opened" + _DUPS + r" against guarantor\(s\): none \(each has its claim\)", "向保证人主张权利{dup}：均已有在办主张"),
    (r"Claims opened" + _DUPS + r" against guarantor\(s\): (?P<list>.+)", "已向保证人 {list} 主张权利{dup}"),
    (r"Command '(?P<update>.+)' completed", "指令已完成：{update}"),
    (r"Command '(?P<update>.+)' failed", "指令失败：{update}"),
    (r"Command '(?P<update>.+)' refused \((?P<why>.+)\)", "指令被拒绝：{update}（{why}）"),
    (r"Command '(?P<update>.+)' refused", "指令被拒绝：{update}"),
    # ---- the workflow's life (api.history_reader)
    (r"New run continued from run (?P<id>\S+) \(migrated to workflow v2\)", "自运行 {id} 延续的新运行（已迁移至工作流 v2）"),
    (r"New run continued from run (?P<id>\S+)", "自运行 {id} 延续的新运行"),
    (r"Matter opened by key '(?P<who>.+)' on policy (?P<p>.+) v(?P<v>\S+)", "案件由密钥“{who}”立案，适用策略 {p} 第 {v} 版"),
    (r"Workflow completed: matter (?P<stage>\S+) \((?P<closure>.+)\)", "工作流结束：案件{stage}（{closure}）"),
    (r"Workflow completed: matter (?P<stage>\S+)", "工作流结束：案件{stage}"),
    (r"Workflow completed", "工作流结束"),
    (r"Continued as new \(next run (?P<id>\S+)\), migrating to workflow v2", "延续为新运行（下一运行 {id}），迁移至工作流 v2"),
    (r"Continued as new \(next run (?P<id>\S+)\)", "延续为新运行（下一运行 {id}）"),
    (r"Workflow failed \((?P<why>.+)\)", "工作流失败（{why}）"),
    (r"Workflow failed", "工作流失败"),
    (r"Workflow terminated by an operator", "工作流被运维人员终止"),
    (r"Workflow canceled", "工作流已取消"),
    (r"Cancellation of the workflow requested", "已请求取消工作流"),
    (r"Workflow timed out", "工作流超时"),
    (r"Signal '(?P<name>.+)' received", "收到信号“{name}”"),
    (r"Stage now (?P<stage>\S+)", "阶段变更为：{stage}"),
    (r"Needs attention: a step keeps failing", "需要关注：有步骤持续失败"),
    (r"No longer needs attention", "不再需要关注"),
    (r"Local activity '(?P<name>.+)' failed \((?P<why>.+)\)", "本地活动“{name}”失败（{why}）"),
    (r"Local activity '(?P<name>.+)' failed", "本地活动“{name}”失败"),
    (r"Projection write failed(?: \((?P<why>.+)\))?; kept for the next attempt", "投影写入失败（{why}），保留待下次重试"),
    (r"Reminder sent by e-mail \(message (?P<id>\S+), kept as evidence, sha256 " + _E + r"\)",
     "已通过电子邮件发送提醒（消息 {id}，已存证，sha256 {sha}）"),
    (r"Reminder sent by SMS \(message (?P<id>\S+), kept as evidence, sha256 " + _E + r"\)",
     "已通过短信发送提醒（消息 {id}，已存证，sha256 {sha}）"),
    (r"Hearing reminder e-mailed to the law firm \(message (?P<id>\S+), kept as evidence, sha256 " + _E + r"\)",
     "已向律所发送开庭提醒邮件（消息 {id}，已存证，sha256 {sha}）"),
    (r"Reminder e-mailed to the law firm \(message (?P<id>\S+), kept as evidence, sha256 " + _E + r"\)",
     "已向律所发送答复提醒邮件（消息 {id}，已存证，sha256 {sha}）"),
    (r"The matter's closing, with the applications that undo it, e-mailed to the law firm \(message (?P<id>\S+), "
     r"kept as evidence, sha256 " + _E + r"\)", "已向律所发送结案通知及撤销各项措施的申请（消息 {id}，已存证，sha256 {sha}）"),
    (r"Instruction e-mailed to the law firm \(message (?P<id>\S+), kept as evidence, sha256 " + _E + r"\)",
     "已向律所发送委托指示邮件（消息 {id}，已存证，sha256 {sha}）"),
    (r"Evidence pack (?P<id>\S+) made for the proceeding's filing \((?P<n>\S+) files, sha256 " + _E + r"\)",
     "已为程序立案制作证据包 {id}（{n} 个文件，sha256 {sha}）"),
    (r"Evidence pack (?P<id>\S+) made for the law firm \((?P<n>\S+) files, sha256 " + _E + r"\)",
     "已为律所制作证据包 {id}（{n} 个文件，sha256 {sha}）"),
    (r"Contact counted in the borrower's budget over its limit: (?P<inner>.+)", "联系次数已计入借款人额度，超出上限：{inner}"),
    (r"Contact deferred by the borrower's contact rules to (?P<at>\S+): (?P<inner>.+)", "按借款人联系规则顺延至 {at}：{inner}"),
    (r"Contact counted in the borrower's budget \((?P<n>\S+) in 7 days across the borrower's matters\)",
     "联系次数已计入借款人额度（该借款人所有案件 7 日内共 {n} 次）"),
    (r"Letter '(?P<letter>\S+)' stored \(sha256 " + _E + r", document (?P<doc>\S+)\)", "《{letter}》已存档（sha256 {sha}，文件 {doc}）"),
    (r"Activity '(?P<name>.+)' failed \((?P<why>.+)\)", "活动“{name}”失败（{why}）"),
    (r"Activity '(?P<name>.+)' failed", "活动“{name}”失败"),
    (r"Activity '(?P<name>.+)' timed out", "活动“{name}”超时"),
    (r"Timer fired \(after (?P<d>[\d.e+]+) s\)", "定时器到期（{d} 秒后）"),
    (r"Timer fired \(after (?P<d>[\d.]+) min\)", "定时器到期（{d} 分钟后）"),
    (r"Timer fired \(after (?P<d>[\d.]+) h\)", "定时器到期（{d} 小时后）"),
    (r"Timer fired \(after (?P<d>[\d.]+) days\)", "定时器到期（{d} 天后）"),
    (r"Timer fired \((?P<timer>.+)\)", "定时器到期：{timer}"),
    (r"Timer fired", "定时器到期"),
    # ---- child reports (api.history_reader._signaled) and the children's own words
    (r"Child reported: proceeding (?P<n>\S+): (?P<inner>.+)", "子流程报告：程序 {n}：{inner}"),
    (r"Child reported: the claim against guarantor (?P<n>\S+): (?P<inner>.+)", "子流程报告：对保证人 {n} 的主张：{inner}"),
    (r"Child reported: referral (?P<n>\S+) instructed to (?P<firm>.+), answer by (?P<at>.+) UTC",
     "子流程报告：委托 {n} 已发送给 {firm}，请于 {at}（UTC）前答复"),
    (r"Child reported: referral (?P<n>\S+) instructed to (?P<firm>.+)", "子流程报告：委托 {n} 已发送给 {firm}"),
    (r"Child reported: (?P<firm>.+) reminded to answer referral (?P<n>\S+)", "子流程报告：已提醒 {firm} 答复委托 {n}"),
    (r"Child reported: (?P<firm>.+) accepted referral (?P<n>\S+)", "子流程报告：{firm} 已接受委托 {n}"),
    (r"Child reported: (?P<firm>.+) declined referral (?P<n>\S+) \(reason recorded\)",
     "子流程报告：{firm} 已拒绝委托 {n}（已记录理由）"),
    (r"Child reported: (?P<firm>.+) did not answer referral (?P<n>\S+) in time", "子流程报告：{firm} 未在期限内答复委托 {n}"),
    (r"Child reported: referral (?P<n>\S+) to (?P<firm>.+) closed", "子流程报告：委托 {n}（{firm}）已结束"),
    (r"Child reported: '(?P<k>.+)' on referral (?P<n>\S+)", "子流程报告：委托 {n}：{k}"),
    (r"(?P<inner>.+) could not start \(already started\)", "{inner}未能启动（已在运行）"),
    (r"(?P<inner>.+) could not start \(refused\)", "{inner}未能启动（被拒绝）"),
    (r"Cancellation of (?P<inner>.+) requested", "已请求取消{inner}"),
    (r"The claim against guarantor (?P<g>\S+) told: the main debt due on a day not on record, the debtor sued on "
     r"(?P<sued>\S+)", "已告知对保证人 {g} 的主张：主债务履行期届满日未记录，已于 {sued} 起诉债务人"),
    (r"The claim against guarantor (?P<g>\S+) told: the main debt due on a day not on record",
     "已告知对保证人 {g} 的主张：主债务履行期届满日未记录"),
    (r"The claim against guarantor (?P<g>\S+) told: the main debt due (?P<due>\S+), the debtor sued on (?P<sued>\S+)",
     "已告知对保证人 {g} 的主张：主债务于 {due} 到期，已于 {sued} 起诉债务人"),
    (r"The claim against guarantor (?P<g>\S+) told: the main debt due (?P<due>\S+)", "已告知对保证人 {g} 的主张：主债务于 {due} 到期"),
    (r"Proceeding (?P<n>\S+): no firm acts in it until another firm takes the matter", "程序 {n}：在另一家律所接手前无律所代理"),
    (r"Proceeding (?P<n>\S+): (?P<firm>.+) takes the case over", "程序 {n}：由 {firm} 接手代理"),
    (r"Referral (?P<n>\S+) to (?P<firm>.+?) (?P<how>started|ended|failed|canceled|timed out|terminated)(?: \((?P<s>.+)\))?",
     "委托 {n}（{firm}）{how}（{s}）"),
    (r"Proceeding (?P<n>\S+) \((?P<forum>\S+)\) (?P<how>started|ended|failed|canceled|timed out|terminated)"
     r"(?: \((?P<s>.+)\))?", "程序 {n}（{forum}）{how}（{s}）"),
    (r"Claim against guarantor (?P<n>\S+) (?P<how>started|ended|failed|canceled|timed out|terminated)(?: \((?P<s>.+)\))?",
     "对保证人 {n} 的主张{how}（{s}）"),
    (r"Child workflow (?P<id>\S+) (?P<how>started|ended|failed|canceled|timed out|terminated)(?: \((?P<s>.+)\))?",
     "子工作流 {id} {how}（{s}）"),
    (r"Referral (?P<n>\S+) to (?P<firm>.+)", "委托 {n}（{firm}）"),
    (r"Proceeding (?P<n>\S+) \((?P<forum>\S+)\)", "程序 {n}（{forum}）"),
    (r"Claim against guarantor (?P<n>\S+)", "对保证人 {n} 的主张"),
    (r"Child workflow (?P<id>\S+)", "子工作流 {id}"),
    # ---- a proceeding's reports (workflows.proceeding)
    (r"Filed with (?P<body>.+) on (?P<on>\S+): case (?P<case>.+), fees (?P<amt>.+)", "{on} 向{body}立案：案号 {case}，已缴费用 {amt}"),
    (r"Filed with (?P<body>.+) on (?P<on>\S+): case (?P<case>.+)", "{on} 向{body}立案：案号 {case}"),
    (r"(?P<w>Pre-suit preservation|Preservation in the case) carried out on (?P<on>\S+) by (?P<court>.+) \(ruling "
     r"(?P<r>.+?)\): (?P<amt>.+) preserved, security (?P<sec>given|excused)", "{on} {court}执行{w}（裁定 {r}）：保全 {amt}，{sec}"),
    (r"Hearing set for (?P<on>\S+) at (?P<place>.+)", "开庭定于 {on}，地点 {place}"),
    (r"Hearing set for (?P<on>\S+)", "开庭定于 {on}"),
    (r"Hearing on (?P<on>\S+) at (?P<place>.+): (?P<n>\d+) day\(s\) away", "{on} 在 {place} 开庭：还有 {n} 天"),
    (r"Hearing on (?P<on>\S+): (?P<n>\d+) day\(s\) away", "{on} 开庭：还有 {n} 天"),
    (r"(?P<what>Judgment|Ruling|Award|Mediation agreement) of (?P<on>\S+)", "{on} 作出{what}"),
    (r"(?P<amt>[A-Z]{3} [\d,.\-]+) to pay", "应付 {amt}"),
    (r"costs (?P<amt>.+)", "诉讼（仲裁）费用 {amt}"),
    (r"within (?P<n>\d+) days of taking effect", "于生效后 {n} 日内履行"),
    (r"by (?P<on>\d{4}-\d\d-\d\d)", "于 {on} 前履行"),
    (r"recording settlement (?P<id>\S+)", "确认和解 {id}"),
    (r"Decision served on (?P<on>\S+)", "裁判文书于 {on} 送达"),
    (r"Enforcement applied for with (?P<court>.+) on (?P<on>\S+): case (?P<case>.+)", "{on} 向{court}申请强制执行：案号 {case}"),
    (r"This round of enforcement terminated on (?P<on>\S+) \(ruling (?P<r>.+)\): no property found; apply again when "
     r"property turns up", "本次执行程序于 {on} 终结（裁定 {r}）：未发现可供执行的财产；发现财产后可再次申请"),
    (r"Proceeds distributed on (?P<on>\S+): (?P<gross>.+?) fetched from asset (?P<a>\S+), enforcement costs "
     r"(?P<costs>.+?), (?P<cred>.+?) to the creditor, (?P<ret>.+?) to the debtor or other creditors",
     "{on} 分配执行款：变价所得 {gross}（财产 {a}），执行费用 {costs}，债权人受偿 {cred}，退还债务人或其他债权人 {ret}"),
    (r"Proceeds distributed on (?P<on>\S+): (?P<gross>.+?) fetched, enforcement costs "
     r"(?P<costs>.+?), (?P<cred>.+?) to the creditor, (?P<ret>.+?) to the debtor or other creditors",
     "{on} 分配执行款：执行所得 {gross}，执行费用 {costs}，债权人受偿 {cred}，退还债务人或其他债权人 {ret}"),
    (r"Appeal lodged by the (?P<by>\S+) on (?P<on>\S+)", "{by}于 {on} 提起上诉"),
    (r"Decision effective on (?P<on>\S+); performance due by (?P<on2>\S+) \(a rest day may move it later: "
     r"(?P<gap>.+)\)", "裁判于 {on} 生效；履行期限至 {on2}（遇休息日可能顺延：{gap}）"),
    (r"Decision effective on (?P<on>\S+)", "裁判于 {on} 生效"),
    (r"performance due by (?P<on>\d{4}-\d\d-\d\d)", "履行期限至 {on}"),
    (r"late: the two years to apply \(CPL art\. 250\) had ended: the court may still accept it, and the debtor may object",
     "已逾期：申请执行的二年期间（《民事诉讼法》第二百五十条）已届满；法院仍可能受理，债务人可提出异议"),
    (r"No suit or arbitration was filed by (?P<on>\S+), the end of the 30 days after the pre-suit preservation "
     r"\(CPL art\. 104\): the court is to lift the measure; file now and apply again if it is needed",
     "诉前保全后三十日内（《民事诉讼法》第一百零四条）即 {on} 前未起诉或申请仲裁：法院应解除保全；请立即起诉，必要时重新申请保全"),
    (r"File the suit or the arbitration by (?P<on>\S+), in (?P<n>-?\d+) day\(s\) \((?P<rule>.+)\)",
     "请于 {on} 前起诉或申请仲裁，还有 {n} 天（{rule}）"),
    (r"The appeal window's end cannot be counted: (?P<gap>.+?); its last day by counting is (?P<on>\S+)",
     "上诉期届满日无法确定：{gap}；按日计算的最后一日为 {on}"),
    # ---- a guarantor claim's standing (domain.guarantor_claims)
    (r"released by the creditor on (?P<on>\S+): (?P<why>.+)", "债权人于 {on} 免除保证责任：{why}"),
    (r"refused on (?P<on>\S+): sue the guarantor", "保证人于 {on} 拒绝履行：请起诉保证人"),
    (r"a demand reached the guarantor on (?P<on>\S+), within the guarantee period", "已于 {on}（保证期间内）向保证人主张权利"),
    (r"the debtor was sued on (?P<on>\S+), within the guarantee period", "已于 {on}（保证期间内）起诉债务人"),
    (r"the guarantee period ended on (?P<on>\S+) and no demand reached the guarantor within it: the guarantor is no "
     r"longer liable \(Civil Code art\. 693 para (?P<p>\d)\)",
     "保证期间已于 {on} 届满，期间内未向保证人主张权利：保证人不再承担保证责任（《民法典》第六百九十三条第{p}款）"),
    (r"the guarantee period ended on (?P<on>\S+) and no suit or arbitration against the debtor was filed within it: the "
     r"guarantor is no longer liable \(Civil Code art\. 693 para (?P<p>\d)\)",
     "保证期间已于 {on} 届满，期间内未对债务人起诉或申请仲裁：保证人不再承担保证责任（《民法典》第六百九十三条第{p}款）"),
    (r"the guarantee period cannot be said: the main debt's due date is not on record", "保证期间无法确定：主债务履行期届满日未记录"),
    (r"the guarantee period runs to (?P<on>\S+): (?P<rule>.+)", "保证期间至 {on}：{rule}"),
    # ---- legal deadlines: their names, rules and sources (domain.deadlines, domain.guarantee, domain.assets)
    (r"limitation", "诉讼时效"), (r"appeal", "上诉期"), (r"enforcement application", "申请执行期间"),
    (r"suit after pre-suit preservation", "诉前保全后起诉期限"), (r"performance", "履行期限"),
    (r"Civil Code arts\. 188, 195: 3 years, started again by each interruption",
     "《民法典》第一百八十八条、第一百九十五条：三年，每次中断后重新计算"),
    (r"CPL art\. 171: 15 days from service of a first-instance judgment", "《民事诉讼法》第一百七十一条：一审判决送达之日起十五日"),
    (r"CPL art\. 171: 10 days from service of a first-instance ruling", "《民事诉讼法》第一百七十一条：一审裁定送达之日起十日"),
    (r"CPL art\. 250: 2 years from the last day of performance", "《民事诉讼法》第二百五十条：自履行期间最后一日起二年"),
    (r"CPL art\. 104: suit or arbitration within 30 days of the preservation, or it is lifted",
     "《民事诉讼法》第一百零四条：采取保全措施后三十日内起诉或申请仲裁，否则解除保全"),
    (r"as the decision orders", "按裁判文书确定"),
    (r"as the decision orders: (?P<n>\d+) days from the day it takes effect", "按裁判文书确定：生效之日起 {n} 日"),
    (r"the default became known on (?P<on>\S+)", "{on} 知道或者应当知道权利受到损害"),
    (r"interrupted on (?P<on>\S+): a demand for payment reached the debtor(?P<note> \(.+\))?", "{on} 中断：催收通知到达债务人{note}"),
    (r"interrupted on (?P<on>\S+): the debtor acknowledged the debt(?P<note> \(.+\))?", "{on} 中断：债务人承认债务{note}"),
    (r"interrupted on (?P<on>\S+): the debtor paid part of the debt(?P<note> \(.+\))?", "{on} 中断：债务人部分履行{note}"),
    (r"interrupted on (?P<on>\S+): suit or arbitration was filed(?P<note> \(.+\))?", "{on} 中断：已起诉或申请仲裁{note}"),
    (r"interrupted on (?P<on>\S+)", "{on} 中断"),
    (r"(?P<what>judgment|ruling) served on (?P<on>\S+)", "{what}于 {on} 送达"),
    (r"preservation ordered on (?P<on>\S+)", "保全裁定于 {on} 作出"),
    (r"(?P<what>judgment|ruling|award|mediation) of (?P<on>\S+), effective (?P<eff>\S+)", "{on} 作出的{what}，{eff} 生效"),
    (r"guarantee period: guarantor (?P<n>\d+) \(joint and several\)", "保证期间：保证人 {n}（连带责任保证）"),
    (r"guarantee period: guarantor (?P<n>\d+) \(general\)", "保证期间：保证人 {n}（一般保证）"),
    (r"the main debt due on (?P<on>\S+)", "主债务于 {on} 到期"),
    (r"(?P<period>as agreed|6 months from the main debt's due date \(Civil Code art\. 692(?:: the agreed end is not after "
     r"that date, which counts as none)?\)); never suspended, interrupted or extended: demand performance from the "
     r"guarantor \(or sue it\) within the period, or the guarantor is released \(Civil Code art\. 693 para 2\)",
     "{period}；不发生中止、中断和延长：须在保证期间内请求保证人承担保证责任（或起诉保证人），否则保证人不再承担保证责任（《民法典》第六百九十三条第二款）"),
    (r"(?P<period>as agreed|6 months from the main debt's due date \(Civil Code art\. 692(?:: the agreed end is not after "
     r"that date, which counts as none)?\)); never suspended, interrupted or extended: sue or apply for arbitration "
     r"against the debtor within the period, or the guarantor is released \(Civil Code art\. 693 para 1\); the "
     r"guarantor pays only what enforcement against the debtor leaves unpaid \(art\. 687 para 2\)",
     "{period}；不发生中止、中断和延长：须在保证期间内对债务人提起诉讼或申请仲裁，否则保证人不再承担保证责任（《民法典》第六百九十三条第一款）；"
     "保证人仅就债务人财产依法强制执行后仍不能履行的部分承担责任（第六百八十七条第二款）"),
    (r"measure on asset (?P<n>\d+) \((?P<akind>.+)\)", "财产 {n}（{akind}）的保全措施"),
    (r"as the ruling orders, at most (?P<y>\d+) years? \(SPC Interpretation of the Civil Procedure Law art\. 485\); renew "
     r"it before it ends or the asset is free again",
     "按裁定确定，最长 {y} 年（《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》第四百八十五条）；期满前须申请续行，否则财产解除查控"),
    (r"ruling (?P<r>.+) of (?P<on>\S+)", "{on} 作出的裁定 {r}"),
    # ---- the borrower's contact rules (domain.contact)
    (r"the borrower asked us to cease contact; this legally required notice is sent nonetheless",
     "借款人已要求停止联系；本通知为法定通知，仍予发送"),
    (r"the borrower asked us to cease contact: no contact except legally required notices", "借款人已要求停止联系：除法定通知外不再联系"),
    (r"outside contact hours (?P<h>\S+) (?P<tz>\S+); deferred to (?P<at>.+)", "不在联系时段 {h}（{tz}）内；顺延至 {at}"),
    (r"the limit of (?P<n>\d+) contact attempts per rolling 7 days is reached; a legally required notice is not "
     r"limited by it", "已达滚动 7 日内 {n} 次联系的上限；法定通知不受此限"),
    (r"the limit of (?P<n>\d+) contact attempts per rolling 7 days is reached \((?P<k>\d+) attempts from (?P<a>.+?)\); "
     r"deferred to (?P<b>.+?), when the attempt of (?P<c>.+?) leaves the 7-day window",
     "已达滚动 7 日内 {n} 次联系的上限（自 {a} 起已 {k} 次）；顺延至 {b}，届时 {c} 的联系移出 7 日窗口"),
]


def _compile(pattern: str) -> re.Pattern[str]:
    """A value never holds "; " (sentences are joined by it), but an `inner` sentence may."""
    return re.compile(re.sub(r"\(\?P<(?!inner|gap)(\w+)>\.\+(\??)\)", r"(?P<\1>[^;]+\2)", pattern))


Rules = list[tuple[re.Pattern[str], str]]


def compile_rules(rules: list[tuple[str, str]]) -> Rules:
    """Sentence rules, each (English template as a regular expression over the whole sentence, the Chinese with the
    template's groups in braces): for `say`."""
    return [(_compile(p), t) for p, t in rules]


_RULES = compile_rules(_RULES_TEXT)
_FIELD = re.compile(r"\{(\w+)\}")

def _fill(template: str, m: re.Match[str]) -> str:
    out = _FIELD.sub(lambda field: _value(field[1], m.groupdict().get(field[1])), template)
    return out.replace("（）", "")  # an optional group left empty leaves its brackets behind: drop them


def _parts(text: str) -> str:
    """A payment's allocation: `fees CNY 150.00, penalty CNY 526.33`."""
    out = []
    for part in text.split(", "):
        bucket, _, amount = part.partition(" ")
        out.append(f"{_BUCKETS[bucket]} {amount}" if bucket in _BUCKETS else part)
    return "，".join(out) if text != "nothing" else "无"


def say(rules: Rules, text: str) -> str:
    """`text` in Chinese by the first of `rules` that matches it whole; sentences joined by "; " (or a decision's
    parts joined by ", ", when every part is known) each on its own; as written when nothing knows it."""
    for pattern, template in rules:
        m = pattern.fullmatch(text)
        if m is not None:
            return _fill(template, m)
    if "; " in text:
        return "；".join(say(rules, part) for part in text.split("; "))
    if ", " in text:
        parts = text.split(", ")
        turned = [say(rules, p) for p in parts]
        if all(t != p for t, p in zip(turned, parts, strict=True)):
            return "，".join(turned)
    return text


def _sentence(text: str) -> str:
    return say(_RULES, text)


def in_language(text: str, lang: str) -> str:
    """`text` (one of the system's own English sentences) in `lang`: "en" as written, "zh" in Chinese (a sentence
    no template knows stays as written)."""
    if lang != "zh" or not text:
        return text
    out = _sentence(text)
    return out if out != text else _timer(text)  # a matter's next step is a timer's name


def translated(text: str) -> bool:
    """Whether `in_language(text, "zh")` knows the whole sentence (for tests and a log)."""
    return in_language(text, "zh") != text


__all__ = ["STAGES", "Rules", "compile_rules", "in_language", "say", "translated"]
