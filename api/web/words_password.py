"""The words of the password page, and of who acted in a history (both languages, the same keys in each)."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "change_password": "Password",
        "pw_title": "Your password",
        "pw_first": "You logged in with a one-time password. Choose your own password before you go on.",
        "pw_current": "Current password",
        "pw_new": "New password (at least 12 characters)",
        "pw_confirm": "New password again",
        "pw_save": "Change the password",
        "pw_done": "Your password is changed. Your other sessions have ended.",
        "pw_mismatch": "the two new passwords differ",
        "pw_wrong": "not your current password",
        "pw_short": "at least 12 characters",
        "pw_long": "at most 1024 characters",
        "pw_same": "the same as the current password: choose another",
        "actor_system": "system",
    },
    "zh-CN": {
        "change_password": "修改密码",
        "pw_title": "您的密码",
        "pw_first": "您使用一次性密码登录。请先设置您自己的密码，然后继续使用。",
        "pw_current": "当前密码",
        "pw_new": "新密码（至少 12 个字符）",
        "pw_confirm": "再次输入新密码",
        "pw_save": "修改密码",
        "pw_done": "密码已修改，您的其他登录会话已结束。",
        "pw_mismatch": "两次输入的新密码不一致",
        "pw_wrong": "当前密码不正确",
        "pw_short": "至少 12 个字符",
        "pw_long": "不得超过 1024 个字符",
        "pw_same": "与当前密码相同，请另选一个",
        "actor_system": "系统",
    },
}
