"""What the API refused, as lines in the page's language: the field by its label on the form, and the reason.

The API says each refusal as a field path and pydantic's reason (`type`, `ctx`). A Chinese page says the common
reasons (missing, too small, not a date, too long, not one of the choices...) in Chinese from the type and its
limits, and the system's own refusals (a workflow's) by `api.refusals_zh`'s rules; one no rule knows is kept as
written."""

from __future__ import annotations

from typing import Any

import httpx

from api.refusals_zh import refusal_in_chinese
from api.web.i18n import words

# The fields of the API's bodies the forms send, by the word key of their label (`f_` keys are the forms').
_LABELS = {"at": "f_at", "decision": "f_decision", "case_number": "f_case_number", "body": "f_body", "on": "f_on",
           "place": "f_place", "court": "f_court", "ruling_number": "f_ruling_number"}
_ZH_EXTRA = {"new_end_on": "新的协商期截止日", "instalments": "分期", "waivers": "减免", "name": "姓名",
             "comment": "审批意见", "upload_id": "证据", "proposal_id": "方案", "number": "编号",
             "external_ref": "外部编号", "currency": "币种"}


def _label(part: str | int, lang: str) -> str:
    if isinstance(part, int):
        return f"第 {part + 1} 项" if lang.startswith("zh") else str(part + 1)
    w = words(lang)
    key = _LABELS.get(part, part)
    found = w.get(key) or w.get(f"f_{part}")
    if found:
        return found
    return _ZH_EXTRA.get(part, part) if lang.startswith("zh") else part


def _reason_zh(d: dict[str, Any]) -> str | None:
    t, ctx = str(d.get("type", "")), d.get("ctx") or {}
    if t == "missing":
        return "必填"
    if t in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        limit = next(iter(ctx.values()), "")
        return {"greater_than": f"必须大于 {limit}", "greater_than_equal": f"不得小于 {limit}",
                "less_than": f"必须小于 {limit}", "less_than_equal": f"不得大于 {limit}"}[t]
    if t == "string_too_short":
        return "不能为空" if ctx.get("min_length", 1) == 1 else f"至少 {ctx.get('min_length')} 个字符"
    if t == "string_too_long":
        return f"不得超过 {ctx.get('max_length')} 个字符"
    if t in ("date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"):
        return "不是有效的日期（年-月-日）"
    if t in ("datetime_parsing", "datetime_from_date_parsing", "datetime_type", "timezone_aware"):
        return "不是有效的时间"
    if t in ("decimal_parsing", "decimal_type", "float_parsing", "int_parsing", "finite_number"):
        return "不是有效的数字"
    if t == "decimal_max_places":
        return f"小数不得超过 {ctx.get('decimal_places')} 位"
    if t in ("literal_error", "enum"):
        return f"必须是以下之一：{ctx.get('expected', '')}"
    if t == "string_pattern_mismatch":
        return "格式不正确"
    if t == "extra_forbidden":
        return "不接受此字段"
    return None


def refusals(r: httpx.Response, lang: str = "en") -> list[str]:
    """What the API refused, as lines: each field (its label, or its path in the body) and the reason."""
    detail = r.json().get("detail") if r.headers.get("content-type", "").startswith("application/json") else None
    if not isinstance(detail, list):
        text = str(detail or r.status_code)
        return [refusal_in_chinese(text) if lang.startswith("zh") else text]
    if not lang.startswith("zh"):
        return [f"{'.'.join(str(p) for p in d.get('loc', [])[1:])}: {d.get('msg', '')}" for d in detail]
    lines = []
    for d in detail:
        path = list(d.get("loc", [])[1:])
        field = " · ".join(_label(p, lang) for p in path)
        reason = _reason_zh(d)
        if reason is None:  # a sentence the system wrote: its Chinese, where a rule knows it
            raw = str(d.get("msg", "")).removeprefix("Value error, ")
            reason = refusal_in_chinese(raw)
            if path and reason != raw and raw.startswith(f"{'.'.join(str(p) for p in path)}: "):
                lines.append(reason)  # (it names its field itself)
                continue
        lines.append(f"{field}：{reason}" if field else reason)
    return lines


__all__ = ["refusals"]
