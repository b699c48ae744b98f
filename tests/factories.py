"""Builders of realistic test data (fictional people)."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.matter import MatterIntake


def intake_data(
    external_ref: str = "LN-2026-0001",
    policy: str = "standard",
    locale: str = "zh-CN",
    currency: str = "CNY",
    **overrides: Any,
) -> dict[str, Any]:
    zh = locale == "zh-CN"
    data: dict[str, Any] = {
        "external_ref": external_ref,
        "policy": policy,
        "creditor": {
            "name": "华夏示范银行股份有限公司北京分行" if zh else "Example Bank plc",
            "address": "北京市西城区金融大街1号" if zh else "1 Bank Street, London",
            "phone": "010-88880000" if zh else "+44 20 7946 0000",
        },
        "borrower": {
            "name": "张伟" if zh else "John Smith",
            "id_number": "110105198001011234" if zh else "AB123456C",
            "phone": "13800138000" if zh else "+44 7700 900123",
            "email": "zhangwei@example.cn" if zh else "john.smith@example.co.uk",
            "address": "北京市朝阳区建国路88号" if zh else "221B Baker Street, London",
            "locale": locale,
            "timezone": "Asia/Shanghai" if zh else "Europe/London",
        },
        "contract": {
            "number": "JK-2024-000123",
            "signed_on": "2024-03-15",
            "principal": {"amount": "200000.00", "currency": currency},
            "annual_rate": "0.0435",
            # Nothing beyond the overdue is outstanding: paying the overdue pays the loan off (`paid`).
            "principal_not_due": {"amount": "0.00", "currency": currency},
        },
        "overdue": {
            "since": "2026-09-01",
            "principal": {"amount": "18000.00", "currency": currency},
            "interest": {"amount": "1200.00", "currency": currency},
            "penalty": {"amount": "218.00", "currency": currency},
            "fees": {"amount": "100.00", "currency": currency},
        },
        "guarantors": [
            {
                "name": "李娜" if zh else "Jane Doe",
                "id_number": "110105198202022345" if zh else "CD654321A",
                "guarantee_type": "joint_and_several",
            }
        ],
        "assets": [
            {"kind": "vehicle", "description": "小型轿车 京A12345" if zh else "Car AB12 CDE",
             "estimated_value": {"amount": "50000.00", "currency": currency}, "pledged": True}
        ],
    }
    data.update(overrides)
    return data


def make_intake(**kw: Any) -> MatterIntake:
    return MatterIntake.model_validate(intake_data(**kw))


TOTAL_OVERDUE = "19518.00"
OVERDUE_SINCE = date(2026, 9, 1)
