"""The local stack's addresses and the banner `recovery up` prints (pure: from the plan and the settings)."""

from __future__ import annotations

import os
from pathlib import Path

from infra.plan import StackPlan, masked_url
from settings import Settings


def stack_urls(plan: StackPlan, settings: Settings) -> dict[str, str]:
    """Where each part of the stack answers (also kept in the PID file)."""
    urls = {"api": plan.api_url, "api_docs": plan.api_url + "/docs"}
    if plan.temporal_ui_port is not None:
        urls["temporal_ui"] = f"http://127.0.0.1:{plan.temporal_ui_port}"
    if plan.codec_endpoint is not None:
        urls["temporal_codec"] = plan.codec_endpoint
    if settings.s3_endpoint_url:
        urls["s3"] = settings.s3_endpoint_url
    host = f"[{settings.smtp_host}]" if ":" in settings.smtp_host else settings.smtp_host
    urls["smtp"] = f"smtp://{host}:{settings.smtp_port}"
    return urls


def banner_lines(plan: StackPlan, settings: Settings, pid_file: Path) -> list[str]:
    """What `recovery up` prints once everything answers: where to look, and what to do first."""
    urls = stack_urls(plan, settings)
    temporal = urls.get("temporal_ui") or f"(external Temporal at {settings.temporal_address})"
    s3 = settings.s3_endpoint_url or "AWS S3"
    s3_note = f", bucket {settings.s3_bucket}"
    if plan.seaweed is not None:
        s3_note += f"; credentials in {plan.var_dir / 'secrets.json'}"
    if plan.smtp_port is not None:
        mail = f"{urls['smtp']}; every message kept in {plan.mail_dir}{os.sep} (nothing is delivered)"
    else:
        mail = f"{urls['smtp']} ({settings.smtp_security}), from {settings.smtp_from}"
    lines = [
        "",
        "The recovery stack is up. Ctrl-C stops everything it started.",
        f"  Web application  {urls['api_docs'].removesuffix('/docs')}/app/",
        f"  API docs         {urls['api_docs']}",
        f"  Temporal Web UI  {temporal}",
        *codec_lines(plan),
        f"  S3 endpoint      {s3}{s3_note}",
        f"  E-mail (SMTP)    {mail}",
        f"  SMS              {settings.sms_gateway} gateway: recorded in {settings.sms_outbox_path} (nothing is sent)",
        f"  Database         {masked_url(settings.db_url)}",
        f"  Logs             {plan.log_dir}{os.sep}",
        f"  PIDs             {pid_file}",
        "  Add a person:       recovery users create --username NAME --name 'Your Name' --role manager",
        "  Create an API key:  recovery keys create --role manager --name 'Your Name'",
        "                      (roles: legal_team, manager, partner --firm FIRM_ID: `recovery firms list`)",
        "  Demo matters:       recovery demo     Bulk intake:  recovery import FILE.csv",
        "",
    ]
    return lines


def codec_lines(plan: StackPlan) -> list[str]:
    """How a manager reads decrypted payloads in the local Temporal Web UI (api/routes/codec.py).

    The dev server sends the UI its codec endpoint but cannot tell it to include credentials, so the browser
    does not send the web application's login cookie until the UI's own Codec Server setting says so.
    """
    if plan.codec_endpoint is None:
        return []
    pad = " " * 19
    return [
        f"{pad}payloads decrypted for managers logged in to the web application, by {plan.codec_endpoint}:",
        f"{pad}once per browser, in the UI's Codec Server settings (top bar) choose to use the browser's",
        f"{pad}setting, endpoint {plan.codec_endpoint}, and turn on 'Include cross-origin credentials'",
    ]
