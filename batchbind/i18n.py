"""Messages that batchbind prints or writes into results, in English and Chinese.

Validation problems have their own catalogue (`problems.py`) and Feishu codes theirs
(`codes.py`); this one holds the rest: run outcomes, summaries and stops.
"""

from __future__ import annotations

import locale
import os

LANGS = ("en", "zh")

_MESSAGES: dict[str, tuple[str, str]] = {
    # results: msg and hint texts the runner writes for rows
    "bound_earlier": ("bound in an earlier run", "已在之前的运行中绑定"),
    "confirmed_after_lost_answer": (
        "bound (confirmed with Feishu after an earlier answer was lost)",
        "已绑定（之前的应答丢失，已向飞书确认）",
    ),
    "unprovable_after_lost_answer": (
        "{msg} (code {code}). An earlier request for this row got no answer, so Feishu may have "
        "bound it then, but it could not be confirmed.",
        "{msg}（错误码 {code}）。本行之前的一次请求未收到应答，飞书可能已完成绑定，但无法确认。",
    ),
    "unprovable_hint": (
        "Check in the Feishu admin console (Calendar > Exchange) whether {exchange} is bound to "
        "{user}. If it is, nothing is left to do; if not, re-run with --retry-failed.",
        "请在飞书管理后台（日历 > Exchange）确认 {exchange} 是否已绑定到 {user}；若已绑定则无需处理，"
        "否则请使用 --retry-failed 重新运行。",
    ),
    "admin_account_unusable": (
        "not sent: Feishu refused admin account {admin} on row {row} ({code})",
        "未发送：飞书在第 {row} 行拒绝了管理员账号 {admin}（{code}）",
    ),
    "duplicate_of": ("same as row {row}: sent once", "与第 {row} 行完全相同：只发送一次"),
    "duplicate_hint": (
        "Nothing to do: the first copy carries the result.",
        "无需处理：以第一行的结果为准。",
    ),
    "journal_conflict": (
        "{exchange} is already bound to {user} (journal): unbind it first",
        "{exchange} 已绑定到 {user}（见日志）：请先解绑",
    ),
    "journal_conflict_hint": (
        "Run 'batchbind unbind' for the old binding, then re-run.",
        "请先用 batchbind unbind 解除旧绑定，然后重新运行。",
    ),
    "failed_earlier": ("failed in an earlier run (not resent)", "之前的运行中失败（未重发）"),
    "failed_earlier_hint": (
        "Fix the row (a changed row is sent again) or re-run with --retry-failed.",
        "修改该行（内容变化的行会重新发送）或使用 --retry-failed 重新运行。",
    ),
    "unbound_earlier": ("unbound earlier (not re-bound)", "之前已解绑（未重新绑定）"),
    "unbound_earlier_hint": (
        "Re-run with --rebind to bind it again.",
        "如需重新绑定，请使用 --rebind 重新运行。",
    ),
    "pending_msg": ("not sent yet", "尚未发送"),
    "pending_hint": (
        "Re-run the same command: it continues where it stopped.",
        "重新运行同一命令即可从中断处继续。",
    ),
    "transient_exhausted_hint": (
        "Gave up after {attempts} attempts; a re-run sends it again.",
        "已尝试 {attempts} 次仍失败；重新运行会再次发送。",
    ),
    # run-wide stops
    "stop_token": (
        "Feishu refused the access token ({code}: {msg}). Nothing more was sent.",
        "飞书拒绝了访问令牌（{code}：{msg}），已停止发送。",
    ),
    "stop_run_wide": (
        "Feishu answered {code}: {msg}. Nothing more was sent.",
        "飞书返回 {code}：{msg}，已停止发送。",
    ),
    "stop_tls": (
        "The TLS connection to {host} failed ({error}). Nothing more was sent.",
        "与 {host} 的 TLS 连接失败（{error}），已停止发送。",
    ),
    "stop_tls_hint": (
        "Check HTTPS_PROXY / NO_PROXY and that your proxy's certificate is in the system store.",
        "请检查 HTTPS_PROXY / NO_PROXY，以及代理证书是否已加入系统证书库。",
    ),
    "stop_unreachable": (
        "Cannot reach {host} ({error}). Nothing was sent.",
        "无法连接 {host}（{error}），未发送任何请求。",
    ),
    "stop_unreachable_hint": (
        "Check the network, --base-url / --domain and HTTPS_PROXY.",
        "请检查网络、--base-url / --domain 以及 HTTPS_PROXY。",
    ),
    "preflight_unknown": (
        "Could not confirm the token before sending (answer {code}: {msg}); continuing.",
        "发送前无法确认令牌（应答 {code}：{msg}），继续运行。",
    ),
    "rerun_hint": (
        "Fix it, then run the same command again: rows are pending.",
        "修复后重新运行同一命令即可：未发送的行保持待发送。",
    ),
    # summaries
    "summary_title": (
        "{command}: {total} rows from {source}",
        "{command}：{source} 中的 {total} 行",
    ),
    "summary_sent": (
        "sent {sent} requests in {duration} ({rate}/min), {throttled} answered 429",
        "共发送 {sent} 个请求，用时 {duration}（{rate}/分钟），其中 {throttled} 个被限流（429）",
    ),
    "summary_skipped": (
        "skipped {count} rows already done in earlier runs ({detail})",
        "跳过 {count} 行之前已处理的行（{detail}）",
    ),
    "summary_resent": (
        "resent {count} rows left unfinished earlier ({detail})",
        "重发 {count} 行之前未完成的行（{detail}）",
    ),
    "results_written": ("results: {path}", "结果文件：{path}"),
    "results_moved": (
        "{wanted} is locked (open in Excel?): results written to {path}",
        "{wanted} 被占用（是否已在 Excel 中打开？）：结果已写入 {path}",
    ),
    "journal_used": ("journal: {path}", "日志：{path}"),
    "interrupted": (
        "Interrupted: in-flight requests finished, the rest is pending. Run the same command again "
        "to continue.",
        "已中断：进行中的请求已完成，其余行待发送。重新运行同一命令即可继续。",
    ),
    "interrupt_again": (
        "Stopping… (press Ctrl-C again to abandon in-flight requests)",
        "正在停止……（再按一次 Ctrl-C 放弃进行中的请求）",
    ),
    "token_on_command_line": (
        "Warning: --token is visible to other users in the process list; prefer "
        "FEISHU_USER_ACCESS_TOKEN.",
        "警告：--token 会出现在进程列表中，建议改用环境变量 FEISHU_USER_ACCESS_TOKEN。",
    ),
    "no_token": (
        "No access token: pass --token, set FEISHU_USER_ACCESS_TOKEN, or use --sandbox to rehearse.",
        "缺少访问令牌：请使用 --token、设置 FEISHU_USER_ACCESS_TOKEN，或使用 --sandbox 演练。",
    ),
    "validate_ok": ("all {valid} rows are valid", "全部 {valid} 行有效"),
    "validate_problems": (
        "{invalid} of {total} rows have problems",
        "{total} 行中有 {invalid} 行有问题",
    ),
}


def default_lang() -> str:
    """Chinese when the user's locale is Chinese, else English."""
    for var in ("BATCHBIND_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return "zh" if loc.lower().startswith("zh") else "en"


def text(key: str, lang: str, **params: object) -> str:
    en, zh = _MESSAGES[key]
    template = zh if lang == "zh" else en
    return template.format(**params) if params else template
