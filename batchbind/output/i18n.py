"""Messages that batchbind prints or writes into results, in English and Chinese.

Validation problems have their own catalogue (`problems.py`) and Feishu codes theirs
(`codes.py`); this one holds the rest: run outcomes, summaries and stops.
"""

from __future__ import annotations

import locale
import os

LANGS = ("en", "zh")

_MESSAGES: dict[str, tuple[str, str]] = {
    # how the CLI shows a run-wide error (a BatchbindError)
    "error": ("Error: {message}", "错误：{message}"),
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
        "skipped {count} rows settled in earlier runs ({detail})",
        "跳过 {count} 行之前已处理的行（{detail}）",
    ),
    "summary_resent": (
        "sent again {count} rows known from earlier runs ({detail})",
        "重新发送 {count} 行之前运行过的行（{detail}）",
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
    # tokens: renewal during a run, profiles, the circuit breaker (issue 5)
    "refresh_login_hint": (
        "Run 'batchbind auth login{option}', then run the same command again: rows are pending.",
        "请运行 batchbind auth login{option}，然后重新运行同一命令：未发送的行保持待发送。",
    ),
    "refresh_impossible": ("The token cannot be renewed: {reason}.", "无法续期令牌：{reason}。"),
    "refresh_not_stored": (
        "it came from {origin}; only tokens stored by 'batchbind auth' can be renewed",
        "它来自 {origin}；只有 batchbind auth 保存的令牌才能续期",
    ),
    "refresh_profile_gone": (
        "profile {profile} was removed, or now belongs to another host",
        "配置 {profile} 已被删除，或已属于另一个主机",
    ),
    "refresh_unsaved": (
        "the renewed token could not be saved to {path} ({error})",
        "续期后的令牌无法保存到 {path}（{error}）",
    ),
    "refresh_no_token": (
        "no refresh token is stored (log in with 'batchbind auth login', which asks for "
        "offline_access, or import the token endpoint's JSON)",
        "没有保存刷新令牌（请用 batchbind auth login 登录，它会申请 offline_access；或导入令牌接口返回的 JSON）",
    ),
    "refresh_no_app": (
        "renewing needs the app's credentials: set FEISHU_APP_ID and FEISHU_APP_SECRET, or "
        "store them with 'batchbind auth login'",
        "续期需要应用凭证：请设置 FEISHU_APP_ID 和 FEISHU_APP_SECRET，或通过 batchbind auth login 保存",
    ),
    "refresh_unavailable": (
        "Feishu's token endpoint kept failing ({error})",
        "飞书令牌接口持续失败（{error}）",
    ),
    "refresh_fruitless": (
        "Feishu refused several freshly renewed tokens in a row. Nothing more was sent.",
        "飞书连续拒绝了多个刚续期的令牌，已停止发送。",
    ),
    "circuit_breaker": (
        "Stopped: {count} rows in a row failed with the same answer ({code}). Nothing more was "
        "sent.",
        "已停止：连续 {count} 行因同一应答（{code}）失败，未再发送。",
    ),
    "circuit_breaker_hint": (
        "Look at those rows in the results (a shifted column or a tenant setting usually explains "
        "it), fix it, then run the same command again: rows not sent are pending. "
        "--circuit-breaker sets the threshold (0: never stop).",
        "请查看结果中的这些行（通常是列错位或租户设置问题），修复后重新运行同一命令：未发送的行保持待发送。"
        "--circuit-breaker 可设置阈值（0 表示从不停止）。",
    ),
    "no_credentials": (
        "No access token for profile '{profile}': run 'batchbind auth login' (or 'auth import'), "
        "set FEISHU_USER_ACCESS_TOKEN, or use --sandbox to rehearse.",
        "配置 {profile} 没有访问令牌：请运行 batchbind auth login（或 auth import）、设置 "
        "FEISHU_USER_ACCESS_TOKEN，或使用 --sandbox 演练。",
    ),
    "profile_other_host": (
        "Profile '{profile}' belongs to {host}; batchbind never sends its token to {wanted}.",
        "配置 {profile} 属于 {host}；batchbind 不会把它的令牌发送到 {wanted}。",
    ),
    "profile_other_host_hint": (
        "Leave out --base-url/--domain to use {host}, or log in for {wanted} under another "
        "profile: batchbind auth login --profile NAME --base-url {wanted}",
        "去掉 --base-url/--domain 即使用 {host}；或为 {wanted} 另建配置登录：batchbind auth login "
        "--profile NAME --base-url {wanted}",
    ),
    "secret_on_command_line": (
        "Warning: --app-secret is visible to other users in the process list; prefer "
        "FEISHU_APP_SECRET.",
        "警告：--app-secret 会出现在进程列表中，建议改用环境变量 FEISHU_APP_SECRET。",
    ),
    "auth_open_url": (
        "Open this address in a browser and approve batchbind:\n  {url}",
        "请在浏览器中打开以下地址并授权 batchbind：\n  {url}",
    ),
    "auth_paste": (
        "Waiting for the browser to come back to {redirect} ... If the browser runs on another "
        "machine, paste here the address it lands on, then press Enter.",
        "正在等待浏览器跳转回 {redirect} …… 如果浏览器在另一台机器上，请把跳转后的地址粘贴到这里并回车。",
    ),
    "auth_no_app": (
        "auth login needs the app's credentials: pass --app-id (or set FEISHU_APP_ID) and set "
        "FEISHU_APP_SECRET.",
        "auth login 需要应用凭证：请使用 --app-id（或设置 FEISHU_APP_ID）并设置 FEISHU_APP_SECRET。",
    ),
    "auth_saved": (
        "{action}{user} on {host}: profile '{profile}' saved to {path}",
        "{action}{user}（{host}）：配置 {profile} 已保存到 {path}",
    ),
    "auth_logged_in": ("Logged in", "已登录"),
    "auth_imported": ("Token imported", "已导入令牌"),
    "auth_not_logged_in": (
        "Not logged in (profile '{profile}'): run 'batchbind auth login' or 'batchbind auth "
        "import'.",
        "未登录（配置 {profile}）：请运行 batchbind auth login 或 batchbind auth import。",
    ),
    "auth_logged_out": (
        "Logged out: profile '{profile}' removed ({path}). Feishu keeps the access token valid "
        "until it expires (about 2 hours).",
        "已退出：配置 {profile} 已删除（{path}）。飞书上该访问令牌在过期前（约 2 小时）仍然有效。",
    ),
    "auth_nothing_stored": (
        "Nothing to remove: profile '{profile}' is not stored.",
        "无需删除：配置 {profile} 不存在。",
    ),
    "auth_expires": ("access token: valid until {when}", "访问令牌：有效期至 {when}"),
    "auth_expired": ("access token: expired at {when}", "访问令牌：已于 {when} 过期"),
    "auth_expiry_unknown": ("access token: expiry unknown", "访问令牌：有效期未知"),
    "auth_refresh_yes": (
        "refresh: yes, batchbind renews the token by itself (refresh token valid until {when})",
        "续期：可以，batchbind 会自动续期（刷新令牌有效期至 {when}）",
    ),
    "auth_refresh_no": ("refresh: no ({reason})", "续期：不可以（{reason}）"),
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
    # status, unbind (the binding lifecycle)
    "sync_err_hint": (
        "Feishu could not import this calendar. Usual causes: the Exchange authorisation in the "
        "admin console (Calendar > Exchange), the admin account's impersonation rights on this "
        "mailbox, or the sender allow-list. Fix it, then unbind and run again with --rebind.",
        "飞书无法导入该日历。常见原因：管理后台（日历 > Exchange）的 Exchange 授权、管理员账号对该邮箱的"
        "模拟（impersonation）权限、或发件人白名单。修复后先解绑，再使用 --rebind 重新运行。",
    ),
    "syncing_hint": (
        "Still syncing: run 'batchbind status --wait' to follow it to the end.",
        "仍在同步：运行 batchbind status --wait 跟踪到完成。",
    ),
    "status_gone": (
        "the binding no longer exists in Feishu (removed in the admin console?): {msg}",
        "飞书中已不存在该绑定（是否已在管理后台删除？）：{msg}",
    ),
    "status_title": (
        "status: {count} bound rows of {source}",
        "status：{source} 中的 {count} 个已绑定行",
    ),
    "status_none": (
        "no row of this file is bound in the journal: nothing to ask",
        "日志中该文件没有已绑定的行：无需查询",
    ),
    "rows_not_in_journal": (
        "{count} valid rows are not in the journal {journal} (another --state or --user-id-type?)",
        "{count} 个有效行不在日志 {journal} 中（是否应使用其他 --state 或 --user-id-type？）",
    ),
    "status_err_row": (
        "row {row}: the calendar sync failed (err)",
        "第 {row} 行：日历同步失败（err）",
    ),
    "status_unchecked_row": (
        "row {row}: status unknown ({why}); run status again",
        "第 {row} 行：状态未知（{why}）；请再次运行 status",
    ),
    "status_timeout": (
        "still syncing after {timeout}s: run 'batchbind status' again later",
        "{timeout} 秒后仍在同步：请稍后再次运行 batchbind status",
    ),
    "status_still_syncing": (
        "some calendars are still syncing: run 'batchbind status --wait' to follow them",
        "部分日历仍在同步：运行 batchbind status --wait 跟踪",
    ),
    "lifecycle_interrupted": (
        "Interrupted: answers received so far are in the journal and the results. Run the same "
        "command again to continue.",
        "已中断：已收到的应答已写入日志和结果文件。重新运行同一命令即可继续。",
    ),
    "unbound_msg": ("unbound by batchbind unbind", "已通过 batchbind unbind 解绑"),
    "unbind_gone": (
        "unbound (Feishu no longer had this binding: 195103)",
        "已解绑（飞书中已不存在该绑定：195103）",
    ),
    "unbind_reason": (" (reason: {reason})", "（原因：{reason}）"),
    "unbind_failed": (
        "unbind failed: {msg} (code {code}); the binding still exists",
        "解绑失败：{msg}（错误码 {code}）；绑定仍然存在",
    ),
    "unbind_plan": (
        "unbind will undo {count} bindings in {tenant}:",
        "unbind 将在 {tenant} 解除 {count} 个绑定：",
    ),
    "unbind_example": ("row {row}: {exchange} -> {user}", "第 {row} 行：{exchange} -> {user}"),
    "unbind_more": ("... and {count} more", "……以及另外 {count} 个"),
    "unbind_not_bound": (
        "{count} chosen rows are not bound and stay as they are (rows {rows})",
        "{count} 个所选行未绑定，保持不变（第 {rows} 行）",
    ),
    "unbind_nothing": ("nothing to unbind", "没有需要解绑的行"),
    "unbind_dry_run": ("dry run: nothing was done", "演练模式：未做任何操作"),
    "unbind_no_terminal": (
        "unbind needs a confirmation and there is no terminal to ask on: nothing was done.",
        "unbind 需要确认，但没有可交互的终端：未做任何操作。",
    ),
    "unbind_yes_hint": (
        "Check the list above, then pass --yes to confirm without a question.",
        "请核对上面的列表，然后使用 --yes 跳过确认。",
    ),
    "unbind_confirm": ("Undo these {count} bindings?", "确定解除这 {count} 个绑定吗？"),
    "unbind_declined": ("Not confirmed: nothing was done.", "未确认：未做任何操作。"),
    "unbind_done": (
        "unbind: {unbound} unbound, {failed} failed",
        "unbind：已解绑 {unbound} 个，失败 {failed} 个",
    ),
    # resolve
    "no_app_credentials": (
        "resolve needs the app's ID and secret: set FEISHU_APP_ID and FEISHU_APP_SECRET (or pass "
        "--app-id / --app-secret), or use --sandbox to rehearse.",
        "resolve 需要应用的 ID 和密钥：请设置 FEISHU_APP_ID 和 FEISHU_APP_SECRET（或使用 --app-id / "
        "--app-secret），或使用 --sandbox 演练。",
    ),
    "tenant_token_refused": (
        "Feishu refused the app's ID and secret ({code}: {msg}). Nothing was looked up.",
        "飞书拒绝了应用的 ID 和密钥（{code}：{msg}），未查询任何用户。",
    ),
    "tenant_token_hint": (
        "Check FEISHU_APP_ID and FEISHU_APP_SECRET: the app must belong to this tenant and this "
        "host (a Feishu app does not work on Lark, nor the reverse).",
        "请检查 FEISHU_APP_ID 和 FEISHU_APP_SECRET：应用必须属于该租户和该域名（飞书应用不能用于 Lark，反之亦然）。",
    ),
    "resolve_title": (
        "resolve: {count} rows of {source} looked up by {column}",
        "resolve：按 {column} 查询了 {source} 中的 {count} 行",
    ),
    "resolve_kept": (
        "{count} rows already had a user_id and were left as they are",
        "{count} 行已有 user_id，保持不变",
    ),
    "resolve_unfilled": (
        "rows still without a user_id: {rows}",
        "仍缺少 user_id 的行：{rows}",
    ),
    "resolve_resigned_hint": (
        "People who have left are not filled in; pass --include-resigned to fill them anyway.",
        "已离职人员未填写；如仍需填写，请使用 --include-resigned。",
    ),
    "resolve_renamed": (
        "the column {column!r} is named feishu_email in the copy, so that run does not take it "
        "for a second Exchange account column",
        "副本中将列 {column!r} 改名为 feishu_email，以免 run 将其误认为第二个 Exchange 账号列",
    ),
    "resolve_written": ("filled-in copy: {path}", "已填写的副本：{path}"),
    "resolve_interrupted": (
        "Interrupted: rows not looked up yet are marked pending. Run the same command again.",
        "已中断：尚未查询的行标记为 pending。重新运行同一命令即可。",
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


def has(key: str) -> bool:
    return key in _MESSAGES


def text(key: str, lang: str, **params: object) -> str:
    en, zh = _MESSAGES[key]
    template = zh if lang == "zh" else en
    return template.format(**params) if params else template
