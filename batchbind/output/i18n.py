"""The message catalogue: every sentence batchbind shows a user, in English and Chinese.

One entry per key, `(English, Chinese)`, with the same `{placeholders}` in both; `text(key, lang,
**params)` is the one way to read it. It holds what the CLI prints (summaries, stops, errors: a
`BatchbindError` may carry a key, see `batchbind.errors`), what the results file says (row
messages and hints, validation problems, Feishu's codes, the Summary sheet) and the template's
instructions. In Chinese, the journal is 绑定记录 (a record of bindings), never 日志 (a log).

Keys are grouped by who reads them; a group's keys share a prefix (`problem_<code>`,
`code_<code>_hint`, `sheet_<label>`, `outcome_<outcome>`, `template_...`). A key ending in
`_hint` is the hint of the key without it.
"""

from __future__ import annotations

import locale
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

LANGS = ("en", "zh")

# Words a sentence quotes in Chinese whatever its language (header names the reader accepts):
# every sentence may name them, and an English entry stays free of Chinese characters.
_CONSTANTS: dict[str, str] = {
    "zh_headers": "管理员账号, Exchange 账号, 用户ID",
    "zh_email": "邮箱",
}

_MESSAGES: dict[str, tuple[str, str]] = {
    # how the CLI shows a run-wide error (a BatchbindError)
    "error": ("Error: {message}", "错误：{message}"),
    "internal_error": (
        "batchbind hit an internal error ({error}). The journal keeps everything done so far. "
        "Please report this with the -v output.",
        "batchbind 遇到内部错误（{error}）。到目前为止完成的一切都已保存在绑定记录中。"
        "请附上 -v 的输出报告此问题。",
    ),
    # click's own messages (cli/usage.py): the English is click's message id, word for word, and
    # the Chinese keeps its placeholders (`{name!r}` and all). Usage errors and prompts only.
    "click_error": ("Error: {message}", "错误：{message}"),
    "click_usage": ("Usage:", "用法："),
    "click_try_help": (
        "Try '{command} {option}' for help.",
        "运行 '{command} {option}' 查看帮助。",
    ),
    "click_invalid_value_for": (
        "Invalid value for {param_hint}: {message}",
        "{param_hint} 的值无效：{message}",
    ),
    "click_invalid_value": ("Invalid value: {message}", "值无效：{message}"),
    "click_missing_argument": ("Missing argument", "缺少参数"),
    "click_missing_option": ("Missing option", "缺少选项"),
    "click_missing_parameter": ("Missing parameter", "缺少参数"),
    "click_missing_param_type": ("Missing {param_type}", "缺少{param_type}"),
    "click_missing_parameter_named": ("Missing parameter: {param_name}", "缺少参数：{param_name}"),
    "click_missing_command": ("Missing command.", "缺少命令。"),
    "click_no_such_option": ("No such option {name!r}.", "没有选项 {name!r}。"),
    "click_no_such_command": ("No such command {name!r}.", "没有命令 {name!r}。"),
    "click_did_you_mean": ("Did you mean {possibility}?", "是不是想用 {possibility}？"),
    "click_did_you_mean_one_of": (
        "(Did you mean one of: {possibilities}?)",
        "（是不是想用其中之一：{possibilities}？）",
    ),
    "click_extra_argument": ("Got unexpected extra argument ({args})", "多余的参数（{args}）"),
    "click_extra_arguments": ("Got unexpected extra arguments ({args})", "多余的参数（{args}）"),
    "click_requires_argument": (
        "Option {name!r} requires an argument.",
        "选项 {name!r} 后面需要一个值。",
    ),
    "click_requires_arguments": (
        "Option {name!r} requires {nargs} arguments.",
        "选项 {name!r} 后面需要 {nargs} 个值。",
    ),
    "click_takes_no_value": ("Option {name!r} does not take a value.", "选项 {name!r} 不接受值。"),
    "click_not_choice": ("{value!r} is not {choice}.", "{value!r} 不是 {choice}。"),
    "click_not_one_of": ("{value!r} is not one of {choices}.", "{value!r} 不是 {choices} 之一。"),
    "click_choose_from": ("Choose from:\n\t{choices}", "可选值：\n\t{choices}"),
    "click_not_in_range": ("{value} is not in the range {range}.", "{value} 不在 {range} 范围内。"),
    # {number_type} is click's own English name of the type ("integer range"), which no id
    # translates: the Chinese leaves it out.
    "click_not_a_number": (
        "{value!r} is not a valid {number_type}.",
        "{value!r} 不是有效的数值。{number_type:.0}",
    ),
    # A path's {name} is click's English "File", fixed when batchbind's options are defined (before
    # any language is known): the Chinese leaves it out (`:.0` prints none of it).
    "click_does_not_exist": (
        "{name} {filename!r} does not exist.",
        "{name:.0}{filename!r} 不存在。",
    ),
    "click_is_a_file": (
        "{name} {filename!r} is a file.",
        "{name:.0}{filename!r} 是一个文件，这里需要的是文件夹。",
    ),
    "click_is_a_directory": (
        "{name} {filename!r} is a directory.",
        "{name:.0}{filename!r} 是一个文件夹，这里需要的是文件。",
    ),
    "click_not_readable": (
        "{name} {filename!r} is not readable.",
        "{name:.0}{filename!r} 不可读（没有读取权限）。",
    ),
    "click_not_writable": (
        "{name} {filename!r} is not writable.",
        "{name:.0}{filename!r} 不可写（没有写入权限）。",
    ),
    "click_could_not_open": (
        "Could not open file {filename!r}: {message}",
        "无法打开文件 {filename!r}：{message}",
    ),
    "click_unknown_error": ("unknown error", "未知错误"),
    "click_aborted": ("Aborted!", "已中止。"),
    "click_invalid_input": ("Error: invalid input", "错误：输入无效"),
    "click_version": ("%(prog)s, version %(version)s", "%(prog)s，版本 %(version)s"),
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
        "{exchange} 已绑定到 {user}（见绑定记录）：请先解绑",
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
        "Gave up after {attempts} {attempts:attempt|attempts}; a re-run sends it again.",
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
    # a call refused for a missing scope (auth/scopes.py, issue 17)
    "stop_scope": (
        "Feishu refused the call for a missing scope ({code}: {msg}). The token needs: {scopes}. "
        "Nothing more was sent.",
        "飞书因缺少权限拒绝了调用（{code}：{msg}）。令牌需要：{scopes}。已停止发送。",
    ),
    "stop_scope_guessed": (
        "(Feishu did not name it: this is the scope of the call it refused.)",
        "（飞书未指明具体权限：这是被拒绝的调用所需的权限。）",
    ),
    "scope_not_named": ("a scope Feishu did not name", "飞书未指明的权限"),
    "scope_fix_login": (
        "Log in again and approve it: '{command}'.",
        "请重新登录并同意授权：{command}。",
    ),
    "scope_fix_console": (
        "The app lacks it: in the developer console, enable {scopes} under Permissions & Scopes "
        "(user identity) and publish a new version (an administrator approves it), then log in "
        "again: '{command}'.",
        "应用缺少该权限：请在开发者后台「权限管理」中开通 {scopes}（用户身份权限），发布新版本"
        "（由管理员审核），然后重新登录：{command}。",
    ),
    "scope_fix_app": (
        "The app's own token lacks it: in the developer console, enable {scopes} under "
        "Permissions & Scopes (app identity) and publish a new version.",
        "应用自身的令牌缺少该权限：请在开发者后台「权限管理」中开通 {scopes}（应用身份权限）并发布"
        "新版本。",
    ),
    # summaries
    "summary_title": (
        "{command}: {total} {total:row|rows} from {source}",
        "{command}：{source} 中的 {total} 行",
    ),
    "summary_sent": (
        "sent {sent} {sent:request|requests} in {duration}, {throttled} answered 429",
        "共发送 {sent} 个请求，用时 {duration}，其中 {throttled} 个被限流（429）",
    ),
    "duration_seconds": ("{seconds:.1f}s", "{seconds:.1f} 秒"),
    # a rate only over a span worth measuring (output/progress.py's measured_rate)
    "summary_sent_rate": (
        "sent {sent} {sent:request|requests} in {duration} ({rate}/min), {throttled} answered 429",
        "共发送 {sent} 个请求，用时 {duration}（{rate}/分钟），其中 {throttled} 个被限流（429）",
    ),
    "summary_skipped": (
        "skipped {count} {count:row|rows} settled in earlier runs ({detail})",
        "跳过 {count} 行之前已处理的行（{detail}）",
    ),
    "summary_resent": (
        "sent again {count} {count:row|rows} known from earlier runs ({detail})",
        "重新发送 {count} 行之前运行过的行（{detail}）",
    ),
    "results_written": ("results: {path}", "结果文件：{path}"),
    "results_moved": (
        "{wanted} is locked (open in Excel?): results written to {path}",
        "{wanted} 被占用（是否已在 Excel 中打开？）：结果已写入 {path}",
    ),
    "journal_used": ("journal: {path}", "绑定记录：{path}"),
    "interrupted": (
        "Interrupted: in-flight requests finished, the rest is pending. Run the same command again "
        "to continue.",
        "已中断：进行中的请求已完成，其余行待发送。重新运行同一命令即可继续。",
    ),
    "interrupt_again": (
        "Stopping… (press Ctrl-C again to abandon in-flight requests)",
        "正在停止……（再按一次 Ctrl-C 放弃进行中的请求）",
    ),
    # messages to a group after a run: the card, and the lines about it (issue 15, --notify)
    "notify_title": ("{ending} · {command} {source}", "{ending} · {command} {source}"),
    "notify_end_run_0": ("All bound", "全部已绑定"),
    "notify_end_run_1": ("Some rows need a person", "部分行需要人工处理"),
    "notify_end_run_4": (
        "Run again later: some rows can still bind",
        "请稍后再运行：部分行仍可能绑定成功",
    ),
    "notify_end_status_0": ("Every calendar has synced", "所有日历均已同步"),
    "notify_end_status_1": ("Some calendars failed to sync", "部分日历同步失败"),
    "notify_end_status_4": ("Still syncing: ask again later", "仍在同步：请稍后再查询"),
    "notify_end_unbind_0": ("All undone", "全部已解除绑定"),
    "notify_end_unbind_1": ("Some bindings could not be undone", "部分绑定未能解除"),
    "notify_end_2": ("Refused: nothing was sent", "已拒绝：未发送任何请求"),
    "notify_end_3": (
        "Stopped: needs a person before it can go on",
        "已停止：需要人工处理后才能继续",
    ),
    "notify_end_70": ("Internal error", "内部错误"),
    "notify_end_75": (
        "Not run: another batchbind process holds the journal",
        "未运行：另一个 batchbind 进程正在使用绑定记录",
    ),
    "notify_end_130": ("Interrupted (Ctrl-C)", "已中断（Ctrl-C）"),
    "notify_end_143": ("Interrupted (stopped by the system)", "已中断（被系统终止）"),
    "notify_end_other": ("Ended with exit code {code}", "以退出码 {code} 结束"),
    "notify_where": ("Tenant {tenant} · exit code {code}", "租户 {tenant} · 退出码 {code}"),
    "notify_this_run": (
        "This run: {sent} sent, {bound} bound now, {throttled} answered 429, {duration}",
        "本次运行：发送 {sent} 个请求，新绑定 {bound} 行，{throttled} 个被限流（429），用时 {duration}",
    ),
    "notify_this_run_requests": (
        "This run: {sent} requests, {throttled} answered 429, {duration}",
        "本次运行：{sent} 个请求，{throttled} 个被限流（429），用时 {duration}",
    ),
    "notify_why": ("Why: {reason}", "原因：{reason}"),
    "notify_todo": ("What to do: {hint}", "处理方法：{hint}"),
    "notify_pending": (
        "{count} rows are pending: running the same command again continues.",
        "{count} 行待发送：重新运行同一命令即可继续。",
    ),
    "notify_causes": ("Rows that need a person:", "需要人工处理的行："),
    "notify_cause": (
        "{count} × {cause} ({code}): {hint} ({rows})",
        "{count} 行 · {cause}（{code}）：{hint}（{rows}）",
    ),
    "notify_more_causes": (
        "and {causes} more {causes:cause|causes} ({rows} {rows:row|rows}): see the results file",
        "另有 {causes} 种原因（{rows} 行）：请查看结果文件",
    ),
    "notify_results": ("Results: {path}", "结果文件：{path}"),
    "notify_sent": ("Notified: {target}", "已通知：{target}"),
    "notify_failed": (
        "Notification to {target} failed: {why} (the exit code is unchanged).",
        "向 {target} 发送通知失败：{why}（退出码不受影响）。",
    ),
    "notify_not_recorded": (
        "The notification could not be recorded in the journal: {error}",
        "通知结果无法写入绑定记录：{error}",
    ),
    "notify_unusable_target": ("a --notify value", "一个 --notify 值"),
    "notify_why_no_answer": ("no answer ({error})", "没有应答（{error}）"),
    "notify_why_code": ("Feishu answered {code} ({msg})", "飞书返回 {code}（{msg}）"),
    "notify_why_9499": (
        "the webhook refused the message as a bad request (9499)",
        "webhook 认为请求格式有误（9499）",
    ),
    "notify_why_19001": (
        "the webhook does not exist (19001): check the URL, or add the bot to the group again",
        "webhook 不存在（19001）：请检查 URL，或重新把机器人添加到群中",
    ),
    "notify_why_19021": (
        "the signature was refused (19021): check BATCHBIND_NOTIFY_SECRET (or the stored "
        "secret) and this computer's clock",
        "签名校验失败（19021）：请检查 BATCHBIND_NOTIFY_SECRET（或已保存的密钥）以及本机时间",
    ),
    "notify_why_19022": (
        "this computer's IP address is not allowed by the bot (19022)",
        "机器人的 IP 白名单不包含本机地址（19022）",
    ),
    "notify_why_19024": (
        "the message lacks the bot's keyword (19024): remove the keyword check or use a secret",
        "消息不含机器人设置的关键词（19024）：请取消关键词校验或改用签名校验",
    ),
    "notify_why_11232": (
        "the bot is frequency limited (11232), still after waiting",
        "机器人发送频率受限（11232），等待后仍未成功",
    ),
    "notify_why_no_app": (
        "chat: needs the app's ID and secret (FEISHU_APP_ID and FEISHU_APP_SECRET, or stored "
        "with the profile)",
        "chat: 需要应用的 ID 和密钥（FEISHU_APP_ID 和 FEISHU_APP_SECRET，或保存在配置档案中）",
    ),
    "notify_why_tenant_token": (
        "the app's tenant token was refused: {why}",
        "无法获取应用的 tenant token：{why}",
    ),
    "notify_why_interrupted": ("interrupted while posting", "发送通知时被中断"),
    "notify_bad_url": (
        "{url} is not a custom bot's webhook URL (https://open.feishu.cn/open-apis/bot/v2/hook/<id>)",
        "{url} 不是自定义机器人的 webhook URL（https://open.feishu.cn/open-apis/bot/v2/hook/<id>）",
    ),
    "notify_plain_http": (
        "{url}: a webhook URL must start with https:// (http:// only on this computer)",
        "{url}：webhook URL 必须以 https:// 开头（仅本机地址可用 http://）",
    ),
    "notify_other_host": (
        "{url}: webhooks are on {hosts}",
        "{url}：webhook 只能位于 {hosts}",
    ),
    "notify_bad_chat": (
        "{value} does not name a chat (chat:<chat_id>, e.g. chat:oc_xxxx)",
        "{value} 不是有效的群聊（chat:<chat_id>，例如 chat:oc_xxxx）",
    ),
    "notify_added": (
        "Every run of profile {profile} now posts to {target} ({signed}).",
        "配置档案 {profile} 的每次运行都会通知 {target}（{signed}）。",
    ),
    "notify_signed": ("signed", "带签名"),
    "notify_unsigned": ("no signing secret", "无签名密钥"),
    "notify_none_stored": (
        "No notification targets are stored for profile {profile}.",
        "配置档案 {profile} 没有保存通知目标。",
    ),
    "notify_removed": ("{count} {count:target|targets} removed.", "已移除 {count} 个通知目标。"),
    "notify_remove_what": (
        "Name the target to remove, or use --all.",
        "请指定要移除的通知目标，或使用 --all。",
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
        "Stopped: {count} {count:row|rows} in a row failed with the same answer ({code}). Nothing "
        "more was sent.",
        "已停止：连续 {count} 行因同一应答（{code}）失败，未再发送。",
    ),
    "circuit_breaker_hint": (
        "Look at those rows in the results (a shifted column or a tenant setting usually explains "
        "it), fix it, then run the same command again: rows not sent are pending. "
        "--circuit-breaker sets the threshold (0: never stop).",
        "请查看结果中的这些行（通常是列错位或租户设置问题），修复后重新运行同一命令：未发送的行保持待发送。"
        "--circuit-breaker 可设置阈值（0 表示从不停止）。",
    ),
    "base_url_credentials": (
        "--base-url holds a user name or password before '@': give only the address, such as "
        "{url}; batchbind authenticates with the token, never with credentials in the URL.",
        "--base-url 在「@」之前含有用户名或密码：请只给出地址，例如 {url}；batchbind 用令牌认证，"
        "从不使用写在地址里的凭据。",
    ),
    "input_stream_too_large": (
        "{name} gives more than {limit} MB: batchbind reads a pipe whole, and no list of "
        "bindings is that large.",
        "{name} 的内容超过 {limit} MB：batchbind 会一次读完管道中的内容，而绑定清单不会这么大。",
    ),
    "input_stream_too_large_hint": (
        "Check that the command feeding it ends, or save the list to a file first.",
        "请确认输出内容的命令会结束，或先把清单保存为文件。",
    ),
    "xlsx_unpacks_too_far": (
        "{name} unpacks to {size} MB, more than the {limit} MB batchbind reads from a workbook.",
        "{name} 解压后有 {size} MB，超过了 batchbind 读取工作簿的上限 {limit} MB。",
    ),
    "xlsx_unpacks_too_far_hint": (
        "Copy the rows you need into a new workbook, or save them as CSV UTF-8.",
        "请把需要的行复制到新的工作簿，或另存为 CSV UTF-8。",
    ),
    # a workbook's shared strings, bounded as its cells are (batchbind/input/bounds.py; issue 16's
    # red-team pass: a zip bomb made of them)
    "xlsx_too_many_strings": (
        "{name} holds more than {max} texts in its shared strings, more than any sheet batchbind "
        "reads can use.",
        "{name} 的共享字符串中有超过 {max} 段文本，多于 batchbind 能读取的任何工作表所能用到的数量。",
    ),
    "xlsx_too_many_rows_to_read": (
        "{name} has or declares a sheet of more than {max} rows, Excel's own limit.",
        "{name} 中有工作表包含（或声明了）超过 {max} 行，这是 Excel 本身的上限。",
    ),
    "xlsx_too_many_rows_to_read_hint": (
        "Split the list into several files, or save it as CSV UTF-8.",
        "请把清单拆分为多个文件，或另存为 CSV UTF-8。",
    ),
    "xlsx_too_many_cells": (
        "{name} has a sheet whose cells span {rows} rows by {columns} columns, more than the "
        "{max} cells batchbind reads.",
        "{name} 中有工作表的单元格跨越 {rows} 行、{columns} 列，超过了 batchbind 能读取的 {max} 个单元格。",
    ),
    "xlsx_too_many_cells_hint": (
        "Delete the stray cells far below or to the right of the data, or copy the data into a "
        "new workbook.",
        "请删除数据下方或右侧远处的零散单元格，或把数据复制到新的工作簿。",
    ),
    "xlsx_part_too_large": (
        "{name} is not an ordinary Excel file: its part {part} alone is larger than a whole list "
        "of bindings.",
        "{name} 不是普通的 Excel 文件：其中的 {part} 部分本身就比整份绑定清单还大。",
    ),
    "xlsx_damaged_sheet": (
        "{name} is a damaged Excel file: a sheet holds a tag over a megabyte long.",
        "{name} 是损坏的 Excel 文件：某个工作表中有一个超过 1 MB 的标记。",
    ),
    "sandbox_with_token": (
        "--token cannot be used with --sandbox: the sandbox is only ever sent its own token.",
        "--token 不能与 --sandbox 同时使用：沙盒只会收到它自己的令牌。",
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
    "validate_ok": (
        "{valid:the|all} {valid} {valid:row is|rows are} valid",
        "全部 {valid} 行有效",
    ),
    "validate_problems": (
        "{invalid:,} of {total:,} {total:row|rows} {invalid:has|have} problems",
        "{total:,} 行中有 {invalid:,} 行有问题",
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
        "status: {count} bound {count:row|rows} of {source}",
        "status：{source} 中的 {count} 个已绑定行",
    ),
    "status_none": (
        "no row of this file is bound in the journal: nothing to ask",
        "绑定记录中该文件没有已绑定的行：无需查询",
    ),
    "rows_not_in_journal": (
        "{count} valid {count:row is|rows are} not in the journal {journal} (another --state or "
        "--user-id-type?)",
        "{count} 个有效行不在绑定记录 {journal} 中（是否应使用其他 --state 或 --user-id-type？）",
    ),
    "status_err_rows": (
        "{count:,} {count:row|rows}: the calendar sync failed (err) - {rows}",
        "{count:,} 行：日历同步失败（err）- {rows}",
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
        "已中断：已收到的应答已写入绑定记录和结果文件。重新运行同一命令即可继续。",
    ),
    "unbound_msg": ("unbound by batchbind unbind", "已通过 batchbind unbind 解绑"),
    "unbind_gone": (
        "unbound (Feishu no longer had this binding: 195103)",
        "已解绑（飞书中已不存在该绑定：195103）",
    ),
    "unbind_reason": (" (reason: {reason})", "（原因：{reason}）"),
    "unbind_failed_rows": (
        "{count:,} {count:row|rows}: {msg} - {rows}",
        "{count:,} 行：{msg} - {rows}",
    ),
    "unbind_failed": (
        "unbind failed: {msg} (code {code}); the binding still exists",
        "解绑失败：{msg}（错误码 {code}）；绑定仍然存在",
    ),
    "unbind_plan": (
        "unbind will undo {count} {count:binding|bindings} in {tenant}:",
        "unbind 将在 {tenant} 解除 {count} 个绑定：",
    ),
    "unbind_example": ("row {row}: {exchange} -> {user}", "第 {row} 行：{exchange} -> {user}"),
    "unbind_more": ("... and {count} more", "……以及另外 {count} 个"),
    "unbind_not_bound": (
        "{count} chosen {count:row is|rows are} not bound and {count:stays|stay} as {count:it is|they "
        "are} ({rows})",
        "{count} 个所选行未绑定，保持不变（{rows}）",
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
    "unbind_confirm": (
        "Undo {count:this|these} {count} {count:binding|bindings}?",
        "确定解除这 {count} 个绑定吗？",
    ),
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
    # what batchbind writes into an answer itself (feishu/client.py): a row's msg, a stop's detail
    "not_feishu_answer": (
        "HTTP {status}, not a Feishu answer: {snippet}",
        "HTTP {status}，不是飞书的应答：{snippet}",
    ),
    "no_tenant_token_in_answer": (
        "no tenant_access_token in answer",
        "应答中没有 tenant_access_token",
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
        "resolve: {count} {count:row|rows} of {source} looked up by {column}",
        "resolve：按 {column} 查询了 {source} 中的 {count} 行",
    ),
    "resolve_kept": (
        "{count} {count:row|rows} already had a user_id and {count:was|were} left as {count:it was|they "
        "were}",
        "{count} 行已有 user_id，保持不变",
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
    # resolve: the rows still without a user id, by reason (cli/lifecycle.py, issue 13)
    "resolve_unfilled": ("rows still without a user_id:", "仍缺少 user_id 的行："),
    "resolve_unfilled_line": ("{reason}: {rows}", "{reason}：{rows}"),
    "resolve_why_not_found": (
        "not found: no account in this tenant has that e-mail address",
        "未找到：该租户中没有使用该邮箱地址的账号",
    ),
    "resolve_why_resigned": (
        "has left the tenant (--include-resigned fills these in anyway)",
        "已离职（使用 --include-resigned 仍可填入）",
    ),
    "resolve_why_pending": (
        "not looked up (interrupted, or no usable answer): run the same command again",
        "尚未查询（已中断或没有可用的应答）：请重新运行同一命令",
    ),
    "resolve_why_no_email": (
        "no user id, and no e-mail address to look one up",
        "没有用户 ID，也没有可用于查询的邮箱地址",
    ),
    "resolve_why_invalid": (
        "not a valid {id_type}, and no e-mail address to look one up",
        "不是有效的 {id_type}，也没有可用于查询的邮箱地址",
    ),
    "resolve_why_scientific_notation": (
        "a number in scientific notation (Excel has lost the id's digits), and no e-mail address "
        "to look one up",
        "是科学计数法表示的数字（Excel 已丢失 ID 的位数），也没有可用于查询的邮箱地址",
    ),
    "resolve_why_number_rounded": (
        "a number Excel has rounded (16 or more digits), and no e-mail address to look one up",
        "是 Excel 已四舍五入的数字（16 位以上），也没有可用于查询的邮箱地址",
    ),
    "resolve_replaced": (
        "not a valid {id_type}, so looked up by e-mail instead: {rows}",
        "不是有效的 {id_type}，已改为按邮箱查询：{rows}",
    ),
    # validation problems (output/problems.py): a message and a hint per problem code
    "problem_missing_value": ("{column} is empty.", "{column} 为空。"),
    "problem_missing_value_hint": (
        "Fill in {column}: every row needs an admin account, an Exchange account and a user id.",
        "请填写 {column}：每一行都需要管理员账号、Exchange 账号和用户 ID。",
    ),
    "problem_too_long": (
        "{column} is {length} characters long; at most {max} are allowed.",
        "{column} 有 {length} 个字符，最多允许 {max} 个。",
    ),
    "problem_too_long_hint": (
        "Check that the cell holds only this row's value (a pasted paragraph, or several values).",
        "请确认该单元格只包含本行的一个值（而不是粘贴进来的一段文字或多个值）。",
    ),
    "problem_invalid_email": (
        "{column} is not an e-mail address: {value}",
        "{column} 不是有效的邮箱地址：{value}",
    ),
    "problem_invalid_email_hint": (
        "Use the full address, like name@example.com, with one @ and no spaces.",
        "请填写完整的邮箱地址，例如 name@example.com（只有一个 @，不含空格）。",
    ),
    "problem_invalid_open_id": (
        "{column} is not an open_id: {value}",
        "{column} 不是 open_id：{value}",
    ),
    "problem_invalid_open_id_hint": (
        "open_ids start with ou_. If the column holds other ids, pass --user-id-type union_id or "
        "user_id; to look ids up from e-mail addresses, run batchbind resolve.",
        "open_id 以 ou_ 开头。如果这一列是其他类型的 ID，请加上 --user-id-type union_id "
        "或 user_id；如需根据邮箱查出 ID，请运行 batchbind resolve。",
    ),
    "problem_invalid_union_id": (
        "{column} is not a union_id: {value}",
        "{column} 不是 union_id：{value}",
    ),
    "problem_invalid_union_id_hint": (
        "union_ids start with on_. If the column holds other ids, pass --user-id-type open_id or "
        "user_id; to look ids up from e-mail addresses, run batchbind resolve.",
        "union_id 以 on_ 开头。如果这一列是其他类型的 ID，请加上 --user-id-type open_id "
        "或 user_id；如需根据邮箱查出 ID，请运行 batchbind resolve。",
    ),
    "problem_invalid_user_id": (
        "{column} is not a user_id: {value}",
        "{column} 不是有效的 user_id：{value}",
    ),
    "problem_invalid_user_id_hint": (
        "A user_id has no spaces and no @. Check the value in the Feishu admin console.",
        "user_id 不含空格和 @。请在飞书管理后台核对该值。",
    ),
    "problem_wrong_id_type": (
        "{column} holds a {found} ({value}), but --user-id-type is {expected}.",
        "{column} 是 {found}（{value}），但 --user-id-type 为 {expected}。",
    ),
    "problem_wrong_id_type_hint": (
        "Pass --user-id-type {found} if the whole column holds {found}s; otherwise fix this row.",
        "如果整列都是 {found}，请加上 --user-id-type {found}；否则请修改这一行。",
    ),
    "problem_email_in_user_id": (
        "{column} holds an e-mail address, not a Feishu id: {value}",
        "{column} 填的是邮箱地址，不是飞书 ID：{value}",
    ),
    "problem_email_in_user_id_hint": (
        "Fill in the ids from these e-mail addresses: {command} (with FEISHU_APP_ID and "
        "FEISHU_APP_SECRET set, or add --sandbox to rehearse). Then validate and run {copy}.",
        "可根据这些邮箱地址自动填入 ID：{command}（需先设置 FEISHU_APP_ID 和 FEISHU_APP_SECRET，"
        "演练时可加上 --sandbox），然后对 {copy} 运行 validate 和 run。",
    ),
    "problem_control_characters": (
        "{column} contains control or invisible characters: {value}",
        "{column} 含有控制字符或不可见字符：{value}",
    ),
    "problem_control_characters_hint": (
        "Retype the value: copying from web pages or chats can bring in line breaks, tabs or "
        "zero-width spaces.",
        "请重新输入该值：从网页或聊天中复制时可能带入换行、制表符或零宽空格。",
    ),
    # validation problems: a Bitable Person cell holding several people (issue 14)
    "problem_several_people": (
        "{column} holds several people ({value}); a row binds one mailbox to one person",
        "{column} 中有多个人员（{value}）；每一行只能把一个邮箱绑定到一个人",
    ),
    "problem_several_people_hint": (
        "Keep one person in the cell (add a row for each other person, with their own mailbox).",
        "请在该单元格中只保留一个人员（其他人员各自另起一行，填写各自的邮箱）。",
    ),
    "cause_several_people": (
        "{column} holds several people",
        "{column} 中有多个人员",
    ),
    "problem_number_rounded": (
        "{column} is a number of 16 or more digits, which Excel has already rounded: {value}",
        "{column} 是 16 位以上的数字，Excel 已将其四舍五入：{value}",
    ),
    "problem_number_rounded_hint": (
        "Excel keeps only 15 digits of a number. Format the column as Text and type the full "
        "value again (or save from the source system as CSV).",
        "Excel 的数字只保留 15 位有效数字。请把该列设置为“文本”格式后重新输入完整的值（或从源系"
        "统直接导出 CSV）。",
    ),
    # validation problems: an id Excel showed in scientific notation (issue 13)
    "problem_scientific_notation": (
        "{column} holds a number in scientific notation, whose digits are lost: {value}",
        "{column} 是科学计数法表示的数字，原有的位数已经丢失：{value}",
    ),
    "problem_scientific_notation_hint": (
        "Excel shows a long number as 1.23457E+17 and keeps only those digits when the cell is "
        "copied or saved as CSV. Take the ids from the source system again: format the column as "
        "Text (Format Cells > Text) before pasting, or import the CSV with Data > From Text/CSV "
        "and set this column to Text.",
        "Excel 会把长数字显示为 1.23457E+17，复制单元格或另存为 CSV 时只保留显示出来的这几位。请从"
        "源系统重新获取 ID：粘贴前先把该列设置为“文本”格式（设置单元格格式 > 文本），或通过“数据 > "
        "从文本/CSV”导入，并把该列设为“文本”。",
    ),
    "problem_formula_without_value": (
        "{column} holds a formula whose value was not saved in the file.",
        "{column} 是公式，文件中没有保存它的计算结果。",
    ),
    "problem_formula_without_value_hint": (
        "Open the file in Excel and save it again so the values are stored, or paste the column "
        "as values.",
        "请用 Excel 打开并重新保存该文件以保存计算结果，或将该列“粘贴为数值”。",
    ),
    "problem_duplicate_exchange_account": (
        "Exchange account {value} is also on {rows}, with another user or admin account.",
        "Exchange 账号 {value} 也出现在{rows}，但用户或管理员账号不同。",
    ),
    "problem_duplicate_exchange_account_hint": (
        "An Exchange mailbox binds to one Feishu user only: keep the right row, fix or delete the "
        "others.",
        "一个 Exchange 邮箱只能绑定一个飞书用户：请保留正确的那一行，修改或删除其他行。",
    ),
    "problem_user_has_several_accounts": (
        "User {value} also has another Exchange account on {rows}.",
        "用户 {value} 在{rows}还有另一个 Exchange 账号。",
    ),
    "problem_user_has_several_accounts_hint": (
        "This is usually a shifted column: check these rows. If the person really has several "
        "mailboxes, pass --allow-multiple-per-user.",
        "这通常是列错位造成的，请检查这些行。如果此人确实有多个邮箱，"
        "请加上 --allow-multiple-per-user。",
    ),
    "problem_duplicate_row": ("Same as row {row}: sent once.", "与第 {row} 行相同：只发送一次。"),
    "problem_duplicate_row_hint": (
        "Nothing to do; you may delete the copy.",
        "无需处理；可以删除重复的行。",
    ),
    "problem_unknown": ("Problem {code} in {column}.", "{column} 有问题：{code}。"),
    "problem_row": ("row {rows}", "第 {rows} 行"),
    "problem_rows": ("rows {rows}", "第 {rows} 行"),
    "problem_rows_more": ("rows {rows} and {extra:,} more", "第 {rows} 行等（另有 {extra} 行）"),
    # Feishu's answers (feishu/codes.py): the hint for each code of the table
    "code_190002_hint": (
        "Feishu refused the parameters: check the three values of this row.",
        "参数错误：请检查本行的三个值。",
    ),
    "code_190003_hint": (
        "Feishu had an internal error; batchbind retries. If it persists, re-run later.",
        "飞书内部错误，batchbind 会自动重试；若持续出现，请稍后重新运行。",
    ),
    "code_190004_hint": (
        "Method rate limit reached; batchbind slows down and retries.",
        "接口调用频率超限，batchbind 会降速并重试。",
    ),
    "code_190005_hint": (
        "App rate limit reached (another tool may share this app); batchbind slows down.",
        "应用调用频率超限（可能有其他工具在使用同一应用），batchbind 会降速并重试。",
    ),
    "code_190006_hint": (
        "Wrong unit for the app's tenant: check the App ID and App Secret belong to this tenant.",
        "应用所属租户单元不正确：请检查 App ID 与 App Secret 是否属于该租户。",
    ),
    "code_190007_hint": (
        "The app's bot ability is off: enable 'Bot' for the app in the developer console.",
        "应用未开启机器人能力：请在开发者后台为应用启用机器人。",
    ),
    "code_190010_hint": (
        "Feishu was busy with the same resource; batchbind retries this row shortly.",
        "资源竞争失败，batchbind 会稍后重试本行。",
    ),
    "code_195100_hint": (
        "This user has left or is not in the tenant: check the user_id (and --user-id-type).",
        "该用户已离职或不在本租户：请检查 user_id（以及 --user-id-type）。",
    ),
    "code_195101_hint": (
        "The token does not belong to the tenant's super administrator: log in as the super "
        "administrator (batchbind auth login).",
        "当前令牌不属于租户超级管理员：请以超级管理员身份登录（batchbind auth login）。",
    ),
    "code_195102_hint": (
        "The exchange_binding_id is not valid: check it was copied whole.",
        "exchange_binding_id 无效：请检查是否完整复制。",
    ),
    "code_195103_hint": (
        "No such Exchange binding: it may have been removed in the admin console.",
        "找不到该 Exchange 绑定：可能已在管理后台被删除。",
    ),
    "code_195104_hint": (
        "This admin account belongs to another tenant: use an admin account of this tenant.",
        "该管理员账号不属于当前租户：请使用本租户的管理员账号。",
    ),
    "code_195105_hint": (
        "The admin account's binding failed in the admin console: bind it again there, then "
        "re-run.",
        "管理员账号在管理后台绑定失败：请在管理后台重新绑定后再运行。",
    ),
    "code_195106_hint": (
        "Admin account not found: bind the Exchange admin account in the admin console first, or "
        "fix the admin_account column.",
        "找不到管理员账号：请先在管理后台绑定 Exchange 管理员账号，或更正 admin_account 列。",
    ),
    "code_99991400_hint": (
        "Request frequency limit; batchbind waits as Feishu asks and retries.",
        "请求频率超限，batchbind 会按飞书要求等待后重试。",
    ),
    "code_99991403_hint": (
        "The app's monthly API quota is used up: upgrade the plan or wait for next month.",
        "应用本月 API 调用额度已用完：请升级套餐或等待下月。",
    ),
    "code_99991661_hint": (
        "No access token was sent: run 'batchbind auth login' or set FEISHU_USER_ACCESS_TOKEN.",
        "未携带访问令牌：请运行 batchbind auth login 或设置 FEISHU_USER_ACCESS_TOKEN。",
    ),
    "code_99991663_hint": (
        "The access token is invalid: run 'batchbind auth login' again.",
        "访问令牌无效：请重新运行 batchbind auth login。",
    ),
    "code_99991668_hint": (
        "The access token is invalid or expired: run 'batchbind auth login' again.",
        "访问令牌无效或已过期：请重新运行 batchbind auth login。",
    ),
    "code_99991671_hint": (
        "The access token is malformed: it should start with 'u-'. Copy it again.",
        "访问令牌格式错误：应以 u- 开头，请重新复制。",
    ),
    "code_99991672_hint": (
        "The app lacks a scope this call needs: enable it in the developer console, publish a "
        "version, then log in again with 'batchbind auth login --scope ...' (the stop names it).",
        "应用缺少此调用所需的权限：请在开发者后台开通并发布版本，然后用 batchbind auth login "
        "--scope ... 重新登录（停止信息中写明了具体权限）。",
    ),
    "code_99991677_hint": (
        "The user access token expired: run 'batchbind auth login' again.",
        "用户访问令牌已过期：请重新运行 batchbind auth login。",
    ),
    "code_99991679_hint": (
        "The token lacks a scope this call needs: log in again with 'batchbind auth login "
        "--scope ...' and approve it (the stop names it).",
        "令牌缺少此调用所需的权限：请用 batchbind auth login --scope ... 重新登录并同意授权"
        "（停止信息中写明了具体权限）。",
    ),
    "code_no_answer_hint": (
        "No usable answer from Feishu (network or gateway); batchbind retries. If it persists, "
        "check the network or proxy and re-run.",
        "未收到飞书的有效应答（网络或网关问题），batchbind 会重试；若持续出现，"
        "请检查网络或代理后重新运行。",
    ),
    "code_unknown_row_hint": (
        "Feishu refused this row with a code batchbind does not know: quote the log_id to Feishu "
        "support.",
        "飞书以未知错误码拒绝了本行：请向飞书技术支持提供 log_id。",
    ),
    "code_unknown_server_hint": (
        "Feishu answered with a server error; batchbind retries.",
        "飞书返回服务端错误，batchbind 会重试。",
    ),
    "code_throttled_http_hint": (
        "Rate limited (HTTP 429); batchbind waits and retries.",
        "请求被限流（HTTP 429），batchbind 会等待后重试。",
    ),
    "code_unauthorized_http_hint": (
        "Feishu refused the token (HTTP 401): run 'batchbind auth login' again.",
        "飞书拒绝了令牌（HTTP 401）：请重新运行 batchbind auth login。",
    ),
    # the rows that need a person, grouped by cause (output/causes.py): how the terminal shows
    # a group, and each cause in a few words ({column}: the input column of the problem)
    "causes_heading": ("Rows that need a person, by cause:", "需要人工处理的行（按原因）："),
    "causes_line": (
        "{count:,} {count:row|rows}: {cause}{code} - {rows}",
        "{count:,} 行：{cause}{code} - {rows}",
    ),
    "causes_code": (" ({code})", "（{code}）"),
    "causes_row": ("row {rows}", "第 {rows} 行"),
    "causes_rows": ("rows {rows}", "第 {rows} 行"),
    "causes_rows_more": (
        "rows {rows} and {more:,} more: see the results file",
        "第 {rows} 行，另有 {more:,} 行：详见结果文件",
    ),
    "causes_row_separator": (", ", "、"),
    "causes_example": ("e.g. row {row}: {msg}", "例如第 {row} 行：{msg}"),
    "causes_more": (
        "and {count} more {count:cause|causes} ({rows} {rows:row|rows}): see the results file",
        "另有 {count} 类原因（共 {rows} 行）：详见结果文件",
    ),
    "cause_missing_value": ("{column} is empty", "{column} 为空"),
    "cause_too_long": ("{column} is too long", "{column} 过长"),
    "cause_invalid_email": ("{column} is not an e-mail address", "{column} 不是有效的邮箱地址"),
    "cause_invalid_open_id": ("{column} is not an open_id", "{column} 不是 open_id"),
    "cause_invalid_union_id": ("{column} is not a union_id", "{column} 不是 union_id"),
    "cause_invalid_user_id": ("{column} is not a user_id", "{column} 不是有效的 user_id"),
    "cause_wrong_id_type": (
        "{column} holds another kind of id than --user-id-type",
        "{column} 的 ID 类型与 --user-id-type 不符",
    ),
    "cause_email_in_user_id": (
        "{column} holds an e-mail address, not a Feishu id",
        "{column} 填的是邮箱地址，不是飞书 ID",
    ),
    "cause_control_characters": (
        "{column} contains control or invisible characters",
        "{column} 含有控制字符或不可见字符",
    ),
    "cause_number_rounded": (
        "{column} is a number Excel has already rounded",
        "{column} 是已被 Excel 四舍五入的数字",
    ),
    "cause_scientific_notation": (
        "{column} holds a number in scientific notation",
        "{column} 是科学计数法表示的数字",
    ),
    "cause_formula_without_value": (
        "{column} holds a formula whose value was not saved in the file",
        "{column} 是公式，文件中没有保存它的计算结果",
    ),
    "cause_duplicate_exchange_account": (
        "one Exchange account on rows with another user or admin account",
        "同一 Exchange 账号出现在用户或管理员账号不同的多行",
    ),
    "cause_user_has_several_accounts": (
        "one user with several Exchange accounts",
        "同一用户有多个 Exchange 账号",
    ),
    "cause_duplicate_row": ("a copy of an earlier row", "与前面某行重复"),
    "cause_bound_to_another_user": (
        "the Exchange account is bound to another user (journal)",
        "Exchange 账号已绑定到其他用户（见绑定记录）",
    ),
    "cause_other_problem": ("another problem", "其他问题"),
    "cause_sync_err": ("the calendar sync failed", "日历同步失败"),
    "cause_190002": ("Feishu refused the parameters", "飞书拒绝了参数"),
    "cause_195100": ("user has left or is not in the tenant", "用户已离职或不在本租户"),
    "cause_195102": ("the binding id is not valid", "绑定 ID 无效"),
    "cause_195103": ("no such Exchange binding", "找不到该 Exchange 绑定"),
    "cause_195104": ("admin account of another tenant", "管理员账号属于其他租户"),
    "cause_195105": (
        "the admin account's binding failed in the admin console",
        "管理员账号在管理后台绑定失败",
    ),
    "cause_195106": ("admin account not found", "找不到管理员账号"),
    "cause_gave_up": ("gave up retrying", "重试后仍失败"),
    "cause_no_answer": ("no usable answer from Feishu", "未收到飞书的有效应答"),
    "cause_feishu_other": ("refused by Feishu", "被飞书拒绝"),
    # the outcome counts of the summaries ("bound 32, failed 4"): English says the results
    # file's own outcome words, which scripts read; Chinese translates them
    "counted_bound": ("bound", "已绑定"),
    "counted_failed": ("failed", "失败"),
    "counted_invalid": ("invalid", "无效"),
    "counted_duplicate": ("duplicate", "重复"),
    "counted_pending": ("pending", "待发送"),
    "counted_unbound": ("unbound", "已解绑"),
    "counts_separator": (", ", "，"),
    "counts_in_brackets": (" ({counts})", "（{counts}）"),
    # the results file (output/writers.py): notes in msg, Summary sheet labels, outcomes
    "note_control": (
        " (control characters removed from the cells of this row)",
        "（已删除本行单元格中的控制字符）",
    ),
    "note_truncated": (
        " (a cell longer than 32,767 characters was cut short: use a .csv results file)",
        "（有单元格超过 32,767 个字符，已被截断：请改用 .csv 结果文件）",
    ),
    "sheet_title": ("batchbind summary", "batchbind 运行摘要"),
    "sheet_command": ("Command", "命令"),
    "sheet_outcomes": ("Outcome", "结果"),
    "sheet_rows": ("Rows", "行数"),
    "sheet_meaning": ("Meaning", "含义"),
    "sheet_total": ("Total", "合计"),
    "sheet_codes": ("Code", "代码"),
    "sheet_hint": ("Hint", "处理建议"),
    "sheet_no_code": ("(no code)", "（无代码）"),
    "sheet_run": ("Run", "运行"),
    "sheet_started": ("Started (UTC)", "开始时间（UTC）"),
    "sheet_ended": ("Ended (UTC)", "结束时间（UTC）"),
    "sheet_duration": ("Duration", "耗时"),
    "sheet_requests": ("Requests sent", "已发送请求数"),
    "sheet_throttled": ("Requests answered 429", "被限流（429）的请求数"),
    "sheet_rate": ("Achieved rate (per minute)", "实际速率（每分钟）"),
    "sheet_journal": ("Journal", "绑定记录"),
    "sheet_settings": ("Setting", "设置"),
    "sheet_value": ("Value", "值"),
    "sheet_chart": ("Rows per outcome", "各结果行数"),
    "sheet_none": ("(none)", "（无）"),
    "outcome_bound": ("bound in Feishu", "已在飞书绑定"),
    "outcome_failed": ("refused by Feishu, or gave up retrying", "飞书拒绝，或重试后仍失败"),
    "outcome_invalid": ("not sent: the row has a problem", "未发送：本行有问题"),
    "outcome_duplicate": ("a copy of an earlier row, sent once", "与前面某行重复，只发送一次"),
    "outcome_pending": ("not sent yet", "尚未发送"),
    "outcome_unbound": ("binding undone", "已解除绑定"),
    # the Summary sheet, for people (issue 13): where the job stands, what this run did, local
    # times, what every code and result column means
    "sheet_started_local": ("Started (local time)", "开始时间（本地时间）"),
    "sheet_ended_local": ("Ended (local time)", "结束时间（本地时间）"),
    "sheet_status": ("Status", "状态"),
    "sheet_status_done": (
        "Done: every valid row is bound; nothing is left to send.",
        "已完成：所有有效行均已绑定，没有待发送的行。",
    ),
    "sheet_status_person": (
        "Nothing is left to send. Rows that need a person: {rows} (failed or invalid, see hint).",
        "没有待发送的行。需要人工处理的行：{rows}（失败或无效，见 hint 列）。",
    ),
    "sheet_status_again": (
        "Rows still to send: {rows}. Run the same command again.",
        "仍待发送的行：{rows}。请再次运行同一命令。",
    ),
    "sheet_standing": ("Where the job stands (every row)", "任务整体进度（全部行）"),
    "sheet_bound_split": (
        "{meaning}: {earlier} in earlier runs, {now} in this run",
        "{meaning}：之前的运行 {earlier} 行，本次运行 {now} 行",
    ),
    "sheet_failed_split": (
        "{meaning}: {person} need a person, {later} are sent again by a re-run",
        "{meaning}：{person} 行需要人工处理，{later} 行会在重新运行时再次发送",
    ),
    "sheet_this_run": ("What this run did", "本次运行做了什么"),
    "sheet_to_send": ("Rows it set out to send", "本次要发送的行"),
    "sheet_to_send_meaning": (
        "new rows, and rows left pending or failed transiently before",
        "新行，以及之前未发送或暂时失败的行",
    ),
    "sheet_now_bound": ("    now bound", "    其中已绑定"),
    "sheet_now_failed": ("    now failed", "    其中失败"),
    "sheet_now_pending": ("    not sent yet", "    其中尚未发送"),
    "sheet_now_pending_meaning": (
        "the run stopped before them: run the same command again",
        "运行在发送它们之前停止：请再次运行同一命令",
    ),
    "sheet_skip_bound": ("Not sent: bound in an earlier run", "未发送：之前已绑定"),
    "sheet_skip_bound_meaning": ("a bound row is never sent twice", "已绑定的行不会重复发送"),
    "sheet_skip_failed": ("Not sent: refused in an earlier run", "未发送：之前被拒绝"),
    "sheet_skip_failed_meaning": (
        "fix the row (a changed row is sent), or pass --retry-failed",
        "请修改该行（修改后的行会被发送），或加上 --retry-failed",
    ),
    "sheet_skip_unbound": ("Not sent: unbound earlier", "未发送：之前已解除绑定"),
    "sheet_skip_unbound_meaning": (
        "pass --rebind to bind them again",
        "如需重新绑定，请加上 --rebind",
    ),
    "sheet_code_meaning": ("Meaning, what to do", "含义与处理建议"),
    "sheet_code_0": (
        "Success: Feishu accepted the request (a bound row: the binding was made).",
        "成功：飞书已接受请求（已绑定的行：绑定已建立）。",
    ),
    "sheet_columns": ("Column (Results sheet)", "列（Results 表）"),
    "sheet_column_input": ("(your columns)", "（您的列）"),
    "sheet_column_input_meaning": (
        "copied from the input file, in order, as they were",
        "从输入文件原样复制，顺序不变",
    ),
    "sheet_column_row": ("the row's number in the input file", "该行在输入文件中的行号"),
    "sheet_column_outcome": (
        "bound, failed, invalid, duplicate, pending (not sent yet) or unbound: see above",
        "bound（已绑定）、failed（失败）、invalid（无效）、duplicate（重复）、pending（尚未发送）"
        "或 unbound（已解除绑定）：见上表",
    ),
    "sheet_column_code": (
        "Feishu's answer code (0 is success), or the problem found in the row",
        "飞书返回的代码（0 表示成功），或本行发现的问题",
    ),
    "sheet_column_msg": ("Feishu's message, or the problem in words", "飞书返回的消息，或问题说明"),
    "sheet_column_hint": ("what to do about it", "处理建议"),
    "sheet_column_exchange_binding_id": (
        "the binding's id in Feishu (needed to undo it)",
        "飞书中该绑定的 ID（解除绑定时需要）",
    ),
    "sheet_column_binding_status": (
        "the calendar's sync status, as batchbind status last saw it",
        "日历同步状态（batchbind status 最近一次查询的结果）",
    ),
    "sheet_column_attempts": ("how many times the row was sent", "该行发送的次数"),
    "sheet_column_http_status": (
        "the HTTP status of Feishu's last answer",
        "飞书最后一次应答的 HTTP 状态码",
    ),
    "sheet_column_log_id": (
        "Feishu's request id (x-tt-logid): quote it to Feishu support",
        "飞书的请求 ID（x-tt-logid）：联系飞书技术支持时请提供",
    ),
    "sheet_column_updated_at": (
        "when the row last changed (ISO 8601, UTC)",
        "该行最后一次变化的时间（ISO 8601，UTC 时间）",
    ),
    # the results and template files cannot be written (OutputError, InputError)
    "results_suffix": (
        "The results file must end in .xlsx or .csv, not {name!r}.",
        "结果文件的扩展名必须是 .xlsx 或 .csv，而不是 {name!r}。",
    ),
    "results_suffix_hint": ("For example: --out results.xlsx", "例如：--out results.xlsx"),
    "template_suffix": (
        "The template must end in .xlsx or .csv, not {name!r}.",
        "模板文件的扩展名必须是 .xlsx 或 .csv，而不是 {name!r}。",
    ),
    "template_suffix_hint": (
        "For example: batchbind template bindings.xlsx",
        "例如：batchbind template bindings.xlsx",
    ),
    "cannot_write": ("Cannot write {path}: {error}", "无法写入 {path}：{error}"),
    "cannot_write_in": ("Cannot write in {folder}: {error}", "无法在 {folder} 中写入文件：{error}"),
    "no_temp_file": (
        "Cannot create a temporary file in {folder}.",
        "无法在 {folder} 中创建临时文件。",
    ),
    "results_locked": (
        "Cannot write {path}: it is locked (open in another program?).",
        "无法写入 {path}：文件被占用（是否已在其他程序中打开？）。",
    ),
    # a results path refused before anything is sent (batchbind.jobs.target)
    "out_is_input": (
        "{path} is the file being read: batchbind never writes its results over it, even with "
        "--force.",
        "{path} 是正在读取的文件：batchbind 从不把结果写到它上面，即使加了 --force。",
    ),
    "out_is_input_hint": (
        "Choose another file with --out, for example --out results.xlsx",
        "请用 --out 另选一个文件，例如 --out results.xlsx",
    ),
    "out_is_folder": (
        "{path} is a folder: the results need a file name.",
        "{path} 是一个文件夹：结果需要一个文件名。",
    ),
    "out_is_folder_hint": (
        "For example: --out results.xlsx",
        "例如：--out results.xlsx",
    ),
    "out_no_folder": (
        "Cannot write the results in {folder}: there is no such folder.",
        "无法把结果写到 {folder} 中：没有这个文件夹。",
    ),
    "out_not_results": (
        "{path} already exists and is not a batchbind results file: nothing was replaced.",
        "{path} 已存在，且不是 batchbind 的结果文件：未做任何替换。",
    ),
    "out_not_resolved": (
        "{path} already exists and is not a copy written by batchbind resolve: nothing was "
        "replaced.",
        "{path} 已存在，且不是 batchbind resolve 写出的副本：未做任何替换。",
    ),
    "out_not_resolved_hint": (
        "Choose another file with --out, or pass --force to replace it.",
        "请用 --out 另选一个文件，或加上 --force 以替换它。",
    ),
    "out_not_results_hint": (
        "Choose another file with --out, or pass --force to replace it.",
        "请用 --out 另选一个文件，或加上 --force 以替换它。",
    ),
    "results_not_written": (
        "The results file could not be written ({error}). Every row is kept in the journal; "
        "write the results again with: {command}",
        "结果文件无法写入（{error}）。每一行都保存在绑定记录中；可用以下命令重新生成结果：{command}",
    ),
    "xlsx_too_many_rows": (
        "An .xlsx sheet holds at most {max:,} rows: write the results as .csv instead (--out "
        "results.csv).",
        "一个 .xlsx 工作表最多只能容纳 {max:,} 行：请改为输出 .csv 结果文件（--out results.csv）。",
    ),
    "log_file_unwritable": (
        "Cannot write the log file {path} ({error}): does its folder exist?",
        "无法写入调试记录文件 {path}（{error}）：它所在的文件夹是否存在？",
    ),
    # the journal and its lock (JournalError, JournalLocked)
    "journal_missing": (
        "There is no journal at {path}: pass the one a run used (--state).",
        "{path} 处没有绑定记录：请用 --state 指定某次运行所用的绑定记录。",
    ),
    "journal_foreign": (
        "{path} is an SQLite database but not a batchbind journal; nothing was changed. Choose "
        "another file with --state.",
        "{path} 是 SQLite 数据库，但不是 batchbind 的绑定记录；未做任何修改。请用 --state 另选文件。",
    ),
    "journal_newer": (
        "The journal {path} was written by a newer batchbind (schema {version}); upgrade "
        "batchbind to use it.",
        "绑定记录 {path} 由更新版本的 batchbind 写入（结构版本 {version}）；请升级 batchbind 后再使用。",
    ),
    "journal_unreadable": (
        "The journal {path} cannot be read ({error}). It is not a batchbind journal or it is "
        "damaged; nothing was changed. Move it aside or choose another with --state.",
        "无法读取绑定记录 {path}（{error}）。它不是 batchbind 的绑定记录，或已损坏；未做任何修改。"
        "请将其移走，或用 --state 另选一个。",
    ),
    "journal_folder_unwritable": (
        "The journal's folder {folder} cannot be created or written ({error}); nothing was sent. "
        "Choose another place with --state.",
        "无法创建或写入绑定记录所在的文件夹 {folder}（{error}）；未发送任何内容。请用 --state 另选位置。",
    ),
    "journal_read_only": (
        "The journal {path} is read-only ({error}); nothing was sent. batchbind records every "
        "answer in it: make it writable, or choose another with --state.",
        "绑定记录 {path} 是只读的（{error}）；未发送任何内容。batchbind 需要在其中记录每个应答："
        "请将其设为可写，或用 --state 另选一个。",
    ),
    "journal_is_folder": (
        "{path} is a folder, not a journal: give --state a file name.",
        "{path} 是文件夹，不是绑定记录：请为 --state 指定一个文件名。",
    ),
    "journal_no_run": (
        "The journal {path} has no run {run}.",
        "绑定记录 {path} 中没有编号为 {run} 的运行。",
    ),
    "journal_locked": (
        "Another batchbind run holds the journal {path} ({holder}).",
        "另一个 batchbind 运行正在使用绑定记录 {path}（{holder}）。",
    ),
    "journal_locked_hint": (
        "Wait for it to finish (a scheduled run overlapping a manual one?), or use another "
        "--state.",
        "请等待它结束（是否定时任务与手动运行重叠？），或用 --state 指定另一个绑定记录。",
    ),
    "lock_holder": (
        "process {pid} on {host} since {since}",
        "{host} 上的进程 {pid}，始于 {since}",
    ),
    "lock_holder_unknown": ("another process", "另一个进程"),
    "journal_no_runs": ("{path}: no runs yet", "{path}：尚无运行记录"),
    "purge_confirm": (
        "Forget the runs in {path} started before {before}?",
        "确定要删除 {path} 中 {before} 之前开始的运行记录吗？",
    ),
    "purged": (
        "purged {runs} {runs:run|runs} and {attempts} {attempts:attempt|attempts} older than {before} "
        "from {path}",
        "已从 {path} 删除 {before} 之前的 {runs} 次运行和 {attempts} 次请求记录",
    ),
    "purge_no_terminal": (
        "Refusing to purge without a terminal to confirm: pass --yes.",
        "没有可用于确认的终端，不执行清理：请加上 --yes。",
    ),
    # stored credentials (ProfileError) and auth login (LoginFailed)
    "profile_not_credentials": (
        "{path} is not a batchbind credentials file.",
        "{path} 不是 batchbind 的凭证文件。",
    ),
    "profile_not_credentials_hint": (
        "Run 'batchbind auth login' (or 'auth import') to replace it.",
        "请运行 batchbind auth login（或 auth import）替换它。",
    ),
    "profile_damaged": ("{path} is damaged ({error}).", "{path} 已损坏（{error}）。"),
    "profile_bad_name": (
        "Profile name {name!r} is not usable: use letters, digits, '.', '_' or '-'.",
        "配置名 {name!r} 不可用：只能使用字母、数字、“.”、“_”或“-”。",
    ),
    "token_not_one_word": (
        "The access token from {origin} holds a space or a control character; nothing was sent. "
        "Copy it again: a token is one word.",
        "来自 {origin} 的访问令牌中含有空格或控制字符；未发送任何内容。请重新复制：令牌是一个完整的词，"
        "中间没有空格。",
    ),
    "import_bad_lifetime": (
        "The token's {field} ({value}) is not a lifetime in seconds; nothing was saved.",
        "令牌的 {field}（{value}）不是以秒计的有效期；未保存任何内容。",
    ),
    "profile_not_yours": (
        "{path} belongs to another user: batchbind uses only credentials files you own.",
        "{path} 属于其他用户：batchbind 只使用你自己的凭证文件。",
    ),
    "profile_not_yours_hint": (
        "Log in again as yourself: batchbind auth login",
        "请以你自己的身份重新登录：batchbind auth login",
    ),
    "profile_readable": (
        "{path} can be read by other users, so batchbind will not use it.",
        "{path} 可被其他用户读取，因此 batchbind 不会使用它。",
    ),
    "profile_readable_hint": (
        "Make it private, then retry: chmod 600 {path}",
        "请将其设为仅本人可读后重试：chmod 600 {path}",
    ),
    "profile_unreadable": ("Cannot read {path} ({error}).", "无法读取 {path}（{error}）。"),
    "profile_not_json": ("{path} is not valid JSON.", "{path} 不是有效的 JSON。"),
    "profile_locked": (
        "Profile {name!r} stayed locked by {holder} for {seconds:.0f}s.",
        "配置 {name!r} 已被锁定 {seconds:.0f} 秒（{holder}）。",
    ),
    "profile_locked_hint": (
        "Another batchbind process is refreshing it; try again.",
        "另一个 batchbind 进程正在为它续期令牌；请重试。",
    ),
    "login_refused": (
        "Feishu did not authorize batchbind: {detail}",
        "飞书未授权 batchbind：{detail}",
    ),
    "login_no_code": (
        "That URL holds no 'code': paste the whole address the browser shows.",
        "该地址中没有 code 参数：请粘贴浏览器地址栏中的完整地址。",
    ),
    "login_port_busy": (
        "Cannot listen on 127.0.0.1:{port} ({error}): another program uses it. Close it, or pass "
        "--port with another port registered as a redirect URL.",
        "无法监听 127.0.0.1:{port}（{error}）：该端口被其他程序占用。请关闭该程序，或用 --port "
        "指定另一个已登记为重定向地址的端口。",
    ),
    "login_timeout": (
        "No answer from the browser within {seconds:.0f}s: run 'batchbind auth login' again.",
        "{seconds:.0f} 秒内未收到浏览器的回应：请重新运行 batchbind auth login。",
    ),
    "login_state_mismatch": (
        "The redirect does not belong to this login (state mismatch): log in again.",
        "该重定向不属于本次登录（state 不匹配）：请重新登录。",
    ),
    # the sandbox's scenario file (ScenarioError)
    "scenario_in_file": ("{path}: {error}", "{path}：{error}"),
    "scenario_suffix": (
        "a scenario file must end in .toml or .json",
        "场景文件的扩展名必须是 .toml 或 .json",
    ),
    "scenario_unreadable": (
        "{path}: cannot read the scenario file ({error})",
        "{path}：无法读取场景文件（{error}）",
    ),
    "scenario_invalid": (
        "{path}: not valid {format} ({error})",
        "{path}：不是有效的 {format}（{error}）",
    ),
    "scenario_not_table": (
        "{path}: the scenario must be a table of settings",
        "{path}：场景文件的内容必须是一组设置（表）",
    ),
    # the settings of a scenario (sandbox/scenario.py): {field} is the setting as the file names it
    "scenario_top_level": ("the top level", "文件顶层"),
    "scenario_table": ("{label} must be a table", "{label} 必须是一个表"),
    "scenario_tokens_table": (
        "[tokens] must be a table of token = role",
        "[tokens] 必须是“令牌 = 角色”形式的表",
    ),
    "scenario_unknown_settings": (
        "unknown setting(s) in {label}: {unknown} (known: {known})",
        "{label}中有未知的设置：{unknown}（可用的设置：{known}）",
    ),
    "scenario_unknown_roles": (
        "tokens: unknown role for {tokens} (roles: {roles})",
        "tokens：{tokens} 的角色未知（可用的角色：{roles}）",
    ),
    "scenario_unknown_endpoints": (
        "{field}: unknown endpoint(s) {unknown} (known: {known})",
        "{field}：未知的接口 {unknown}（可用的接口：{known}）",
    ),
    "scenario_one_of": ("{field} must be one of {choices}", "{field} 必须是以下之一：{choices}"),
    "scenario_list": ("{field} must be a list", "{field} 必须是列表"),
    "scenario_bool": ("{field} must be true or false", "{field} 必须是 true 或 false"),
    "scenario_whole": ("{field} must be a whole number", "{field} 必须是整数"),
    "scenario_number": ("{field} must be a number", "{field} 必须是数字"),
    "scenario_string": ("{field} must be a string", "{field} 必须是字符串"),
    "scenario_probability": (
        "{field} must be between 0 and 1, not {value}",
        "{field} 必须在 0 到 1 之间，而不是 {value}",
    ),
    "scenario_negative": (
        "{field} must not be negative, not {value}",
        "{field} 不能为负数，而不是 {value}",
    ),
    "scenario_http_status": (
        "{field} must be an HTTP error status (400-599), not {value}",
        "{field} 必须是 HTTP 错误状态码（400-599），而不是 {value}",
    ),
    "scenario_at_least_1": ("{field} must be at least 1", "{field} 至少为 1"),
    "scenario_positive": ("{field} must be positive", "{field} 必须大于 0"),
    "scenario_below": ("{field} must not be below {other}", "{field} 不能小于 {other}"),
    "scenario_fault_total": (
        "the fault probabilities add up to {total}, more than 1",
        "各故障概率之和为 {total}，超过了 1",
    ),
    "scenario_not_email": (
        "{field} {value!r} is not an e-mail address",
        "{field} {value!r} 不是邮箱地址",
    ),
    "scenario_ids_unique": (
        "{field} must be given, once each",
        "{field} 必须填写，且不能重复",
    ),
    "sandbox_port": (
        "The sandbox cannot listen on port {port}: {error}. Choose another with --port.",
        "沙箱无法监听端口 {port}：{error}。请用 --port 另选一个端口。",
    ),
    # the team's tracker: its link and the document calls (tracker/links.py, tracker/calls.py;
    # issue 14). {document}: the link or the document's title; {code}: Feishu's code
    "tracker_link_unknown": (
        "{link} is not a link batchbind reads: give a Feishu Sheet (…/sheets/…), a Bitable "
        "table (…/base/…?table=…) or a Wiki page holding one (…/wiki/…).",
        "{link} 不是 batchbind 能读取的链接：请提供飞书电子表格（…/sheets/…）、多维表格的数据表"
        "（…/base/…?table=…）或包含它们的知识库页面（…/wiki/…）的链接。",
    ),
    "tracker_link_unknown_hint": (
        "Copy the link from the browser's address bar while the Sheet or table is open.",
        "请在浏览器中打开该表格，从地址栏复制链接。",
    ),
    "tracker_link_part": (
        "The '{part}' part of {link} is not one Feishu writes; copy the link again from the "
        "browser's address bar.",
        "{link} 中的“{part}”部分不是飞书生成的格式；请重新从浏览器地址栏复制链接。",
    ),
    "tracker_denied": (
        # Said before a run (it stops there, exit 2) and by a write-back after one: no claim
        # about what was sent.
        "{document} refuses access (code {code}): the administrator whose token batchbind "
        "uses cannot open or edit it.",
        "{document} 拒绝访问（错误码 {code}）：batchbind 所用令牌对应的管理员无法打开或编辑该文档。",
    ),
    "tracker_denied_hint": (
        "Share the document with that administrator with edit permission (or add the app to "
        "it as a document app), then run again.",
        "请把该文档以“可编辑”权限分享给这位管理员（或将应用添加为文档应用），然后重新运行。",
    ),
    "tracker_not_found": (
        "{document} was not found (code {code}): it was deleted, or the link names a tab or "
        "table that no longer exists.",
        "找不到 {document}（错误码 {code}）：它已被删除，或链接指向的工作表或数据表已不存在。",
    ),
    "tracker_call_failed": (
        "Feishu refused a call on {document}: code {code}, {msg} (log_id {log_id}).",
        "飞书拒绝了对 {document} 的调用：错误码 {code}，{msg}（log_id {log_id}）。",
    ),
    "tracker_no_answer": ("no answer", "无应答"),
    # the team's tracker as a Bitable table or on a Wiki page (tracker/bitable.py,
    # tracker/wiki.py; issue 14). {title}: the base's name
    "bitable_where": ("the Bitable '{title}' ({link})", "多维表格“{title}”（{link}）"),
    "bitable_no_table": (
        "{document} has no table to read.",
        "{document} 中没有可读取的数据表。",
    ),
    "bitable_no_table_hint": (
        "Copy the link again while the table is open (it ends in ?table=…).",
        "请在打开该数据表时重新复制链接（链接以 ?table=… 结尾）。",
    ),
    "bitable_first_table": (
        "The link names no table: reading the first table of '{title}', '{table}'.",
        "链接未指定数据表：读取“{title}”的第一个数据表“{table}”。",
    ),
    "row_named": ("{row} (record {name})", "{row}（记录 {name}）"),
    "wiki_not_tracker": (
        "{link} is a Wiki page holding {what}, not a Sheet or a Bitable: batchbind reads a "
        "Sheet or a Bitable table.",
        "{link} 是一个知识库页面，其中是{what}，而不是电子表格或多维表格：batchbind 只读取电子表格"
        "或多维表格的数据表。",
    ),
    "wiki_not_tracker_hint": (
        "Open the Sheet or Bitable the team tracks the move in, and copy its link.",
        "请打开团队记录迁移进度的电子表格或多维表格，复制它的链接。",
    ),
    "wiki_holds_doc": ("a document", "文档"),
    "wiki_holds_mindnote": ("a mind map", "思维笔记"),
    "wiki_holds_file": ("a file", "文件"),
    "wiki_holds_slides": ("a slide deck", "幻灯片"),
    "wiki_holds_other": ("a '{type}' object", "“{type}”类型的对象"),
    # the team's tracker: Sheets, the write-back and its figures (tracker/sheets.py, open.py,
    # jobs/writeback.py, sandbox/sheets.py; issue 14). {document}: the link or the title
    "scenario_sheets_empty": ("{field} must not be empty", "{field} 不能为空"),
    "scenario_sheets_cell": (
        "{field}: a cell holds text, a number or a boolean",
        "{field}：单元格只能是文本、数字或布尔值",
    ),
    "scenario_sheets_unique": (
        "{field} must be unique in its Sheet",
        "{field} 在同一表格中必须唯一",
    ),
    "tracker_no_such_tab": (
        "{document} has no tab with the id {sheet_id} (the link's ?sheet=): it was deleted; "
        "copy the link again, or name the tab with --sheet.",
        "{document} 中没有 ID 为 {sheet_id} 的工作表（链接中的 ?sheet=）：它已被删除；请重新复制"
        "链接，或用 --sheet 指定工作表。",
    ),
    "tracker_header_gone": (
        "{document}: the header row (with the Exchange account column) is no longer among the "
        "top rows, so no result was written back.",
        "{document}：表头行（含 Exchange 账号列）已不在表格顶部，因此没有写回任何结果。",
    ),
    "tracker_kind_not_yet": (
        "This batchbind cannot read this kind of tracker yet ({kind}): export it to a file "
        "and give the file.",
        "此版本的 batchbind 暂不能读取这种表格（{kind}）：请导出为文件后使用该文件。",
    ),
    "tracker_needs_connection": (
        "Reading a tracker is a call to Feishu: give the job a token and an origin.",
        "读取在线表格需要调用飞书接口：请为任务提供令牌和服务地址。",
    ),
    "report_not_a_tracker": (
        "Run {run} read {input}, not a tracker's link: --write-back writes into a Feishu Sheet "
        "or Bitable table a run read; for a file, the results file is the report.",
        "第 {run} 次运行读取的是 {input}，不是在线表格链接：--write-back 只能写回运行时读取的飞书电子"
        "表格或多维表格；对于文件，结果文件就是报告。",
    ),
    "tracker_written": (
        "Results written back to {document}: {rows} rows.",
        "结果已写回 {document}：{rows} 行。",
    ),
    "tracker_rows_missing": (
        "{count} rows were moved or deleted in the tracker since it was read, and kept "
        "nobody's result: rows {rows} (the results file has them).",
        "自读取以来，表格中有 {count} 行被移动或删除，未写入任何人的结果：第 {rows} 行"
        "（结果文件中仍有这些行）。",
    ),
    "tracker_not_written": (
        "The results could not be written back to {document}: {error} No binding or row is "
        "lost, and the results file has them all. {again}",
        "无法将结果写回 {document}：{error} 没有丢失任何绑定或行，结果文件中有全部结果。{again}",
    ),
    "tracker_write_back_later": (
        "Write them back later with: {command}",
        "稍后可用以下命令写回：{command}",
    ),
    # reading the input (input/load.py, csvfile.py, excel.py, headers.py; output/sheetcopy.py)
    "convert_hint": (
        "Open it in Excel and save it as .xlsx or as CSV UTF-8, then run again.",
        "请用 Excel 打开，另存为 .xlsx 或“CSV UTF-8”格式，然后重新运行。",
    ),
    "headers_hint": (
        "Name the columns admin_account, exchange_account and user_id (or {zh_headers}); "
        "`batchbind template` writes a ready-to-fill file.",
        "请将各列命名为 admin_account、exchange_account 和 user_id（或 {zh_headers}）；"
        "`batchbind template` 可生成一个可直接填写的文件。",
    ),
    "none_found": ("none", "无"),
    "file_not_found": ("{path} does not exist.", "{path} 不存在。"),
    "file_not_found_hint": ("Check the path and the file name.", "请检查路径和文件名。"),
    "sheet_not_for_csv": (
        "--sheet only applies to Excel workbooks, and {name} is a CSV file.",
        "--sheet 只适用于 Excel 工作簿，而 {name} 是 CSV 文件。",
    ),
    "sheet_not_for_csv_hint": (
        "Leave out --sheet, or point at the .xlsx file.",
        "请去掉 --sheet，或改为指定 .xlsx 文件。",
    ),
    "input_is_folder": (
        "{path} is a folder, not a spreadsheet.",
        "{path} 是一个文件夹，不是电子表格。",
    ),
    "input_is_folder_hint": (
        "Give the path of a .xlsx or .csv file.",
        "请给出 .xlsx 或 .csv 文件的路径。",
    ),
    "numbers_folder_hint": (
        "It looks like an Apple Numbers document: Open it in Excel and save it as .xlsx or as "
        "CSV UTF-8, then run again.",
        "它看起来是 Apple Numbers 文稿：请用 Excel 打开，另存为 .xlsx 或“CSV UTF-8”格式，"
        "然后重新运行。",
    ),
    "file_unopenable": ("{path} cannot be opened: {error}.", "无法打开 {path}：{error}。"),
    "file_unopenable_hint": (
        "Check that the file is readable, and close it in other programs.",
        "请确认文件可读，并在其他程序中关闭它。",
    ),
    "file_unreadable": ("{path} cannot be read: {error}.", "无法读取 {path}：{error}。"),
    "file_empty": ("{name} is empty.", "{name} 是空文件。"),
    "file_empty_hint": (
        "Fill in the rows, or use `batchbind template`.",
        "请填写数据行，或使用 `batchbind template` 生成模板。",
    ),
    "not_spreadsheet": ("{name} is {what}, not a spreadsheet.", "{name} 是{what}，不是电子表格。"),
    "kind_pdf": ("a PDF document", "PDF 文档"),
    "kind_png": ("a PNG image", "PNG 图片"),
    "kind_jpeg": ("a JPEG image", "JPEG 图片"),
    "kind_gif": ("a GIF image", "GIF 图片"),
    "kind_gzip": ("a gzip archive", "gzip 压缩包"),
    "kind_rar": ("a RAR archive", "RAR 压缩包"),
    "kind_7z": ("a 7-Zip archive", "7-Zip 压缩包"),
    "kind_sqlite": ("an SQLite database", "SQLite 数据库"),
    "kind_word": ("a Word document", "Word 文档"),
    "fake_xlsx": (
        "{name} is named like an Excel workbook but is not one.",
        "{name} 的文件名像 Excel 工作簿，但它并不是。",
    ),
    "fake_xlsx_hint": (
        "If it is really a CSV file, rename it to .csv; otherwise open it in Excel and save it "
        "as .xlsx or as CSV UTF-8, then run again.",
        "如果它其实是 CSV 文件，请将扩展名改为 .csv；否则请用 Excel 打开，另存为 .xlsx 或"
        "“CSV UTF-8”格式，然后重新运行。",
    ),
    "unreadable_format": (
        "{name} is not in a format batchbind reads.",
        "{name} 的格式 batchbind 无法读取。",
    ),
    "damaged_zip": (
        "{name} is a damaged zip or Excel file ({error}).",
        "{name} 是损坏的 zip 或 Excel 文件（{error}）。",
    ),
    "numbers_file": (
        "{name} is an Apple Numbers document, which batchbind does not read.",
        "{name} 是 Apple Numbers 文稿，batchbind 不读取这种格式。",
    ),
    "numbers_file_hint": (
        "In Numbers, choose File > Export To > Excel (or CSV), then run again.",
        "请在 Numbers 中选择“文件 > 导出为 > Excel”（或 CSV），然后重新运行。",
    ),
    "zip_not_xlsx": (
        "{name} is a zip archive, not an Excel workbook.",
        "{name} 是 zip 压缩包，不是 Excel 工作簿。",
    ),
    "zip_not_xlsx_hint": (
        "Extract the spreadsheet from it, or open it in Excel and save it as .xlsx or as CSV "
        "UTF-8, then run again.",
        "请从中解压出电子表格，或用 Excel 打开后另存为 .xlsx 或“CSV UTF-8”格式，然后重新运行。",
    ),
    "delimiter_not_one": (
        "--delimiter must be one character, not {value}.",
        "--delimiter 必须是单个字符，而不是 {value}。",
    ),
    "delimiter_not_one_hint": (
        "For tab-separated files, pass a literal tab or leave --delimiter out.",
        "对于制表符分隔的文件，请传入一个真正的制表符，或不使用 --delimiter。",
    ),
    "csv_nul": (
        "{name} contains NUL bytes: it is not a text CSV file.",
        "{name} 含有 NUL 字节：它不是文本 CSV 文件。",
    ),
    "csv_nul_hint": (
        "If it is UTF-16 text without a byte-order mark, pass --encoding utf-16-le; otherwise "
        "open it in Excel and save it as .xlsx or as CSV UTF-8, then run again.",
        "如果它是不带字节顺序标记的 UTF-16 文本，请传入 --encoding utf-16-le；否则请用 Excel "
        "打开，另存为 .xlsx 或“CSV UTF-8”格式，然后重新运行。",
    ),
    "csv_unreadable_at": (
        "{name} cannot be read as CSV at line {line}: {error}.",
        "{name} 无法按 CSV 读取，第 {line} 行：{error}。",
    ),
    "csv_unreadable_at_hint": (
        'Look for an unclosed quote (") near that line.',
        '请检查该行附近是否有未闭合的引号（"）。',
    ),
    "csv_unclosed_quote": (
        "{name}: the quoted value that starts on line {line} is never closed.",
        "{name}：从第 {line} 行开始的带引号的值没有闭合。",
    ),
    "csv_unclosed_quote_hint": (
        'Add the missing closing quote (") on that line, or remove the opening one.',
        '请在该行补上缺少的右引号（"），或删除左引号。',
    ),
    "encoding_unknown": (
        "--encoding {encoding} is not an encoding Python knows.",
        "--encoding {encoding} 不是 Python 认识的编码。",
    ),
    "encoding_unknown_hint": (
        "Try utf-8, gb18030, utf-16 or cp1252.",
        "可以试试 utf-8、gb18030、utf-16 或 cp1252。",
    ),
    "encoding_neither": (
        "{name} is neither UTF-8 nor GB18030 (GBK) text: line {line} has bytes that neither can "
        "read.",
        "{name} 既不是 UTF-8 也不是 GB18030（GBK）文本：第 {line} 行有两者都无法读取的字节。",
    ),
    "encoding_neither_hint": (
        "Pass --encoding with the file's encoding (for example --encoding cp1252 or --encoding "
        "big5), or save it from Excel as CSV UTF-8.",
        "请用 --encoding 指定文件的编码（例如 --encoding cp1252 或 --encoding big5），"
        "或在 Excel 中另存为“CSV UTF-8”格式。",
    ),
    "decode_failed_at": (
        "{name} cannot be decoded as {how}: line {line} has bytes that are not {encoding}.",
        "{name} 无法按{how}解码：第 {line} 行有不属于 {encoding} 的字节。",
    ),
    "decode_failed_at_hint": (
        "Pass --encoding with the file's real encoding (utf-8, gb18030, utf-16, cp1252), or save "
        "it from Excel as CSV UTF-8.",
        "请用 --encoding 指定文件的真实编码（utf-8、gb18030、utf-16、cp1252），"
        "或在 Excel 中另存为“CSV UTF-8”格式。",
    ),
    "decode_failed": (
        "{name} cannot be decoded as {how}: {error}.",
        "{name} 无法按{how}解码：{error}。",
    ),
    "decode_as_option": ("--encoding {encoding}", " --encoding {encoding} 指定的编码"),
    "decode_as_bom": ("its byte-order mark ({codec})", "其字节顺序标记（{codec}）"),
    "xlsx_damaged": (
        "{name} is a damaged Excel file ({error}).",
        "{name} 是损坏的 Excel 文件（{error}）。",
    ),
    "xlsx_unreadable": (
        "{name} is not a readable Excel file ({error}).",
        "{name} 不是可读取的 Excel 文件（{error}）。",
    ),
    "no_such_sheet": (
        "{name} has no sheet named {sheet}; its sheets are {listed}.",
        "{name} 中没有名为 {sheet} 的工作表；它的工作表有：{listed}。",
    ),
    "no_such_sheet_hint": (
        "Pass one of those names to --sheet (quote names with spaces).",
        "请将其中一个名称传给 --sheet（含空格的名称请加引号）。",
    ),
    "no_worksheet_rows": (
        "{name} has no worksheet with rows.",
        "{name} 中没有含数据行的工作表。",
    ),
    "where_sheet": ("{name}, sheet {sheet}", "{name} 的工作表 {sheet}"),
    "where_sheets": (
        "{name}, sheet {sheet} (sheets: {listed})",
        "{name} 的工作表 {sheet}（所有工作表：{listed}）",
    ),
    "no_rows": ("{where} has no rows.", "{where} 中没有任何行。"),
    "no_data_rows": (
        "{name} has a header but no rows of data: there is nothing to check or send.",
        "{name} 只有表头，没有数据行：没有可检查或发送的内容。",
    ),
    "no_data_rows_hint": (
        "Fill in one row per mailbox under the header, then run the command again.",
        "请在表头下为每个邮箱填写一行，然后重新运行该命令。",
    ),
    "column_pair": ("{first} and {second}", "{first} 和 {second}"),
    "column_twice": (
        "{where}: columns {columns} on row {row} both name {field}.",
        "{where}：第 {row} 行的 {columns} 列都表示 {field}。",
    ),
    "column_twice_hint": (
        "Rename or delete one of them, so that each of admin_account, exchange_account and "
        "user_id appears once.",
        "请重命名或删除其中一列，使 admin_account、exchange_account 和 user_id 各只出现一次。",
    ),
    "missing_column": (
        "{where} has no column for {missing} (looked at row {row}, columns found: {found}).",
        "{where} 中缺少 {missing} 列（查看的是第 {row} 行，找到的列：{found}）。",
    ),
    "copy_out_suffix": (
        "--out {name}: write a .xlsx or a .csv file.",
        "--out {name}：请写入 .xlsx 或 .csv 文件。",
    ),
    # workbooks of every kind: legacy .xls, .ods, password-protected files, totals lines under
    # the data (input/ole2.py, opendocument.py, footers.py, excel.py; issue 13)
    "workbook_password": (
        "{name} is password-protected, so batchbind cannot read it.",
        "{name} 受密码保护，batchbind 无法读取。",
    ),
    "workbook_password_hint": (
        "Open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with "
        "Password: clear the password, OK) and save it, then run again. In WPS or LibreOffice, "
        "save a copy without a password.",
        "请用 Excel 打开，移除密码（文件 > 信息 > 保护工作簿 > 用密码进行加密：清空密码后点"
        "“确定”）并保存，然后重新运行。使用 WPS 或 LibreOffice 时，请另存一份不带密码的副本。",
    ),
    "xls_too_large": (
        "{name} is {size} MB, more than the {limit} MB batchbind reads from a legacy .xls "
        "workbook.",
        "{name} 有 {size} MB，超过了 batchbind 读取旧版 .xls 工作簿的上限 {limit} MB。",
    ),
    "xls_too_large_hint": (
        "Copy the rows you need into a new workbook, or save them as CSV UTF-8.",
        "请把需要的行复制到新的工作簿，或另存为 CSV UTF-8。",
    ),
    "kind_office": ("an Office document that is not a workbook", "不是工作簿的 Office 文档"),
    "skipped_line": (
        "Row {row} is a totals or notes line, not a binding: skipped ('{text}').",
        "第 {row} 行是合计或备注行，不是绑定：已跳过（“{text}”）。",
    ),
    "skipped_lines": (
        "{count} rows are totals or notes lines, not bindings: skipped ({listed}).",
        "有 {count} 行是合计或备注行，不是绑定：已跳过（{listed}）。",
    ),
    "skipped_line_item": ("row {row}: '{text}'", "第 {row} 行：“{text}”"),
    "skipped_lines_more": ("and {count} more", "另有 {count} 行"),
    # choosing rows (jobs/selection.py)
    "rows_not_number": (
        "--rows {spec}: {part} is not a row number or a range such as 15-20.",
        "--rows {spec}：{part} 不是行号，也不是 15-20 这样的范围。",
    ),
    "rows_bad_range": (
        "--rows {spec}: {part} is not a range of row numbers (1 to {max}, smaller first).",
        "--rows {spec}：{part} 不是有效的行号范围（1 到 {max}，小的在前）。",
    ),
    "rows_none": ("--rows {spec} names no rows.", "--rows {spec} 没有指定任何行。"),
    "rows_none_hint": ("For example: --rows 12,15-20", "例如：--rows 12,15-20"),
    "rows_or_only": ("Use --rows or --only, not both.", "--rows 和 --only 只能使用其中一个。"),
    "rows_missing": (
        "--rows: {source} has no data row {rows}.",
        "--rows：{source} 中没有第 {rows} 行数据。",
    ),
    "rows_missing_hint": (
        "Use the numbers of the `row` column of the results file.",
        "请使用结果文件中 `row` 列的行号。",
    ),
    # resolve (jobs/resolve.py) and report (jobs/run.py)
    "resolve_no_sheet": (
        "{name} has no sheet named {sheet} ({listed}).",
        "{name} 中没有名为 {sheet} 的工作表（{listed}）。",
    ),
    "resolve_no_column": (
        "{name} has no column {what} in its first {count} rows.",
        "{name} 的前 {count} 行中没有{what}列。",
    ),
    "resolve_no_column_hint": (
        "Name the column email (or {zh_email}), or pass --email-column NAME (--email-column "
        "exchange_account when the addresses are the same).",
        "请将该列命名为 email（或 {zh_email}），或传入 --email-column 列名（若地址相同，可用 "
        "--email-column exchange_account）。",
    ),
    "resolve_email_column": ("of people's e-mail", "人员邮箱"),
    "report_no_run": (
        "The journal {state} holds no run to report on.",
        "绑定记录 {state} 中没有可以报告的运行。",
    ),
    "report_no_rows": (
        "Run {run} in {state} has no rows to report on (see batchbind journal).",
        "{state} 中的第 {run} 次运行没有可以报告的行（见 batchbind journal）。",
    ),
    # where to send (feishu/client.py)
    "unknown_domain": (
        "Unknown --domain {domain}: use feishu or lark.",
        "未知的 --domain {domain}：请使用 feishu 或 lark。",
    ),
    "base_url_not_http": (
        "--base-url {url} is not an http(s) URL such as https://open.feishu.cn.",
        "--base-url {url} 不是 http(s) 地址（例如 https://open.feishu.cn）。",
    ),
    "base_url_plain_http": (
        "--base-url {url} uses plain http: batchbind sends tokens only over https (plain http "
        "is allowed for loopback addresses only).",
        "--base-url {url} 使用的是明文 http：batchbind 只通过 https 发送令牌（明文 http "
        "仅允许用于本机回环地址）。",
    ),
    # the background sandbox (sandbox/background.py, sandbox/state.py)
    "sandbox_port_taken": (
        "Port {port} on 127.0.0.1 is used by another program, not the batchbind sandbox; nothing "
        "was sent to it. Set the environment variable BATCHBIND_SANDBOX_PORT to another port "
        "(1024 to 65535) and run again.",
        "127.0.0.1 的端口 {port} 已被其他程序（而不是 batchbind 沙箱）占用，未向其发送任何数据。"
        "请将环境变量 BATCHBIND_SANDBOX_PORT 设为其他端口（1024 到 65535）后重新运行。",
    ),
    "sandbox_not_started": (
        "The background sandbox did not start on port {port}; see {log} for why.",
        "后台沙箱未能在端口 {port} 上启动；原因见 {log}。",
    ),
    "sandbox_state_unreadable": (
        "{path}: the sandbox state file cannot be read ({error}); move it aside to start empty",
        "{path}：无法读取沙箱状态文件（{error}）；请将其移走，以空状态启动",
    ),
    "sandbox_state_version": (
        "not a batchbind sandbox state file of a version this one reads",
        "不是本版本能读取的 batchbind 沙箱状态文件",
    ),
    "sandbox_listening": ("Feishu sandbox listening on {url}", "飞书沙箱正在监听 {url}"),
    "sandbox_token": ("token: {token}", "令牌：{token}"),
    "sandbox_try": (
        "try:   batchbind run FILE --base-url {url} --token {token}",
        "试试：batchbind run FILE --base-url {url} --token {token}",
    ),
    # whose sandbox, its idle stop and `sandbox stop` (sandbox/owner.py, background.py,
    # cli/sandbox.py)
    "sandbox_not_yours": (
        "Port {port} on 127.0.0.1 is used by a batchbind sandbox that is not yours (another "
        "user's on this machine, or one of another data folder or an older batchbind); nothing "
        "was sent to it. Set the environment variable BATCHBIND_SANDBOX_PORT to another port "
        "(1024 to 65535) and run again.",
        "127.0.0.1 的端口 {port} 上运行的 batchbind 沙箱不是你的（是本机其他用户的，或属于另一个"
        "数据文件夹、或较旧版本的 batchbind），未向其发送任何数据。请将环境变量 "
        "BATCHBIND_SANDBOX_PORT 设为其他端口（1024 到 65535）后重新运行。",
    ),
    "sandbox_busy_mine": (
        "Port {port} is already used by your own batchbind sandbox (process {pid}; --sandbox "
        "starts one in the background): stop it with `batchbind sandbox stop`, or choose another "
        "port with --port.",
        "端口 {port} 已被你自己的 batchbind 沙箱占用（进程 {pid}；--sandbox 会在后台启动一个）："
        "请用 `batchbind sandbox stop` 停止它，或用 --port 另选一个端口。",
    ),
    "sandbox_not_yours_here": (
        "Port {port} is used by a batchbind sandbox that is not yours (another user's on this "
        "machine, or one of another data folder): choose another port with --port.",
        "端口 {port} 上运行的 batchbind 沙箱不是你的（是本机其他用户的，或属于另一个数据文件夹）："
        "请用 --port 另选一个端口。",
    ),
    "sandbox_busy_other": (
        "Port {port} is used by another program, not a batchbind sandbox: choose another port "
        "with --port.",
        "端口 {port} 已被其他程序（而不是 batchbind 沙箱）占用：请用 --port 另选一个端口。",
    ),
    "sandbox_port_env": (
        "BATCHBIND_SANDBOX_PORT={value} is not a port number (1 to 65535).",
        "BATCHBIND_SANDBOX_PORT={value} 不是端口号（应为 1 到 65535）。",
    ),
    "sandbox_idle_env": (
        "BATCHBIND_SANDBOX_IDLE_TIMEOUT={value} is not a number of seconds (0 means never stop).",
        "BATCHBIND_SANDBOX_IDLE_TIMEOUT={value} 不是秒数（0 表示永不停止）。",
    ),
    "sandbox_key_unusable": (
        "{path}: the key that proves your sandbox is yours cannot be created or read ({error}); "
        "make sure your data folder is yours and writable, or set BATCHBIND_DATA_DIR to one that "
        "is.",
        "{path}：无法创建或读取用于证明沙箱属于你的密钥（{error}）；请确认数据文件夹属于你且可写，"
        "或将 BATCHBIND_DATA_DIR 设为这样的文件夹。",
    ),
    "sandbox_key_not_yours": (
        "{path} belongs to another user: your sandbox needs a data folder of your own (set "
        "BATCHBIND_DATA_DIR to one).",
        "{path} 属于其他用户：你的沙箱需要一个你自己的数据文件夹（请将 BATCHBIND_DATA_DIR 设为该"
        "文件夹）。",
    ),
    "sandbox_not_stopped": (
        "The sandbox on port {port} was asked to stop but still answers.",
        "已要求端口 {port} 上的沙箱停止，但它仍在应答。",
    ),
    "sandbox_idle_note": (
        "stops by itself after {seconds:g} s without a request",
        "连续 {seconds:g} 秒没有请求时自动停止",
    ),
    "sandbox_idle_stopped": (
        "No request for {seconds:g} s: the sandbox stopped (its bindings are saved).",
        "已连续 {seconds:g} 秒没有请求：沙箱已停止（绑定已保存）。",
    ),
    "sandbox_stopped": (
        "Stopped your batchbind sandbox on port {port} (process {pid}); its bindings are saved.",
        "已停止端口 {port} 上你的 batchbind 沙箱（进程 {pid}）；绑定已保存。",
    ),
    "sandbox_none_running": (
        "No sandbox of yours is running on port {port}: nothing to stop.",
        "端口 {port} 上没有运行你的沙箱：无需停止。",
    ),
    "sandbox_stop_not_yours": (
        "No sandbox of yours is running on port {port}: the batchbind sandbox there is another "
        "user's (or another data folder's), so it was left alone.",
        "端口 {port} 上没有运行你的沙箱：那里的 batchbind 沙箱属于其他用户（或另一个数据文件夹），"
        "因此未停止它。",
    ),
    "sandbox_stop_other": (
        "No sandbox of yours is running on port {port}: another program uses that port, so it "
        "was left alone.",
        "端口 {port} 上没有运行你的沙箱：该端口被其他程序占用，因此未停止它。",
    ),
    # logging in (auth/login.py, auth/oauth.py)
    "login_page_ok": ("batchbind is logged in", "batchbind 已登录"),
    "login_page_close": ("You can close this tab.", "可以关闭此标签页。"),
    "login_page_failed": ("batchbind could not log in", "batchbind 未能登录"),
    "stdin_empty": (
        "nothing on stdin: pipe a token or the token endpoint's JSON into it",
        "标准输入为空：请通过管道传入令牌或令牌接口返回的 JSON",
    ),
    "stdin_bad_json": (
        "stdin starts like JSON but is not valid JSON",
        "标准输入看起来像 JSON，但不是有效的 JSON",
    ),
    "stdin_not_object": (
        "stdin holds JSON but not the token endpoint's answer (an object)",
        "标准输入是 JSON，但不是令牌接口的应答（应为一个对象）",
    ),
    "stdin_several_words": (
        "stdin holds more than one word: give the token alone, or the JSON",
        "标准输入包含不止一个词：请只给出令牌本身，或完整的 JSON",
    ),
    "import_prompt": ("Access token or token JSON", "访问令牌或令牌 JSON"),
    "oauth_no_access_token": (
        "the answer holds no access_token",
        "应答中没有 access_token",
    ),
    "oauth_no_answer": ("no answer from {host} ({kind})", "{host} 没有应答（{kind}）"),
    "oauth_not_json": (
        "HTTP {status} from the token endpoint, not a JSON answer",
        "令牌接口返回 HTTP {status}，不是 JSON 应答",
    ),
    "oauth_refused": ("{code}: {reason}", "{code}：{reason}"),
    "dead_refresh_20026": ("the refresh token is invalid", "刷新令牌无效"),
    "dead_refresh_20037": (
        "the refresh token expired (they last 365 days)",
        "刷新令牌已过期（有效期 365 天）",
    ),
    "dead_refresh_20064": ("the refresh token was revoked", "刷新令牌已被撤销"),
    "dead_refresh_20073": (
        "the refresh token was already used (another process or tool refreshed it)",
        "刷新令牌已被使用（另一个进程或工具已刷新过它）",
    ),
    "dead_refresh_20074": (
        "refresh is not enabled for this app (add offline_access to the app)",
        "此应用未启用刷新（请为应用添加 offline_access 权限）",
    ),
    # what the CLI prints around the summaries (cli/*)
    "no_rows_counted": ("no rows", "没有行"),
    "report_line": ("run {run} ({started}): {counts}", "第 {run} 次运行（{started}）：{counts}"),
    "report_rewritten": (
        "results rewritten: {path} (the file run {run} wrote; --out writes another)",
        "已重写结果文件：{path}（第 {run} 次运行写入的文件；--out 可写到别处）",
    ),
    "file_exists_force": (
        "{path} already exists: pass --force to overwrite it.",
        "{path} 已存在：如需覆盖，请加 --force。",
    ),
    "template_written": ("template written: {path}", "模板已写入：{path}"),
    # why a row known from an earlier run is skipped or sent again (jobs/plan.py's Disposition)
    "disposition_resend_pending": ("pending", "待发送"),
    "disposition_resend_inflight": ("in flight when a run stopped", "运行中断时正在发送"),
    "disposition_resend_transient": ("failed transiently", "暂时性失败"),
    "disposition_retry_failed": ("failed, --retry-failed", "失败，--retry-failed"),
    "disposition_rebind": ("unbound, --rebind", "已解绑，--rebind"),
    "disposition_skip_bound": ("bound", "已绑定"),
    "disposition_skip_failed": ("failed permanently", "永久失败"),
    "disposition_skip_unbound": ("unbound", "已解绑"),
    "disposition_conflict": ("bound to another user", "已绑定到其他用户"),
    # doctor: is this machine and tenant ready (jobs/doctor.py, cli/doctor.py; issue 17)
    "doctor_title": (
        "batchbind doctor: {host} (profile {profile})",
        "batchbind doctor：{host}（配置 {profile}）",
    ),
    "doctor_line": ("{label}: {message}", "{label}：{message}"),
    "doctor_status_pass": ("ok", "通过"),
    "doctor_status_warn": ("warn", "注意"),
    "doctor_status_fail": ("FAIL", "失败"),
    "doctor_status_skip": ("skip", "跳过"),
    "doctor_label_network_proxy": ("proxy", "代理"),
    "doctor_label_network_reachable": ("network", "网络"),
    "doctor_label_network_tls": ("TLS", "TLS 加密"),
    "doctor_label_token_present": ("token", "令牌"),
    "doctor_label_token_valid": ("token accepted", "令牌有效性"),
    "doctor_label_token_renewal": ("renewal", "续期"),
    "doctor_label_administrator": ("super administrator", "超级管理员"),
    "doctor_label_scopes": ("scopes", "权限"),
    "doctor_label_input_read": ("input", "输入文件"),
    "doctor_label_input_duration": ("duration", "预计用时"),
    "doctor_ready": (
        "Ready: everything 'run' needs passed.",
        "已就绪：run 所需的各项检查全部通过。",
    ),
    "doctor_not_ready": (
        "Not ready: {count} check(s) failed; each says what to do.",
        "未就绪：{count} 项检查失败；每项都写明了处理方法。",
    ),
    "doctor_proxy_loopback": (
        "none: loopback never goes through a proxy",
        "无：本机回环地址从不经过代理",
    ),
    "doctor_proxy_none": (
        "none: a direct connection (no HTTPS_PROXY / ALL_PROXY for this host)",
        "无：直接连接（此主机没有适用的 HTTPS_PROXY / ALL_PROXY）",
    ),
    "doctor_proxy_used": (
        "{proxy} (from HTTPS_PROXY / ALL_PROXY or the system settings; NO_PROXY excludes hosts)",
        "{proxy}（来自 HTTPS_PROXY / ALL_PROXY 或系统设置；NO_PROXY 可排除主机）",
    ),
    "doctor_reachable": (
        "{host} answered (HTTP {status}) in {ms} ms",
        "{host} 已应答（HTTP {status}），用时 {ms} 毫秒",
    ),
    "doctor_unreachable": ("cannot reach {host} ({error})", "无法连接 {host}（{error}）"),
    "doctor_reachable_tls_failed": (
        "{host} accepted the connection, but TLS failed (see below)",
        "{host} 接受了连接，但 TLS 失败（见下方）",
    ),
    "doctor_tls_plain": (
        "plain HTTP to a loopback address: no TLS to check",
        "通过纯 HTTP 访问本机回环地址：无需检查 TLS",
    ),
    "doctor_tls_ok": (
        "the certificate was verified against the operating system's certificate store",
        "证书已通过操作系统证书库验证",
    ),
    "doctor_tls_failed": (
        "the TLS connection to {host} failed ({error})",
        "与 {host} 的 TLS 连接失败（{error}）",
    ),
    "doctor_not_checked": ("not checked: an earlier check failed", "未检查：之前的检查未通过"),
    "doctor_no_token": ("not checked: no token", "未检查：没有令牌"),
    "doctor_no_answer": (
        "not checked: Feishu did not answer ({error})",
        "未检查：飞书没有应答（{error}）",
    ),
    "doctor_login_advice": (
        "Log in as the super administrator: 'batchbind auth login{option} --app-id cli_...' "
        "(the README's 'Pointing it at a real tenant' lists the steps in the developer console).",
        "请以超级管理员身份登录：batchbind auth login{option} --app-id cli_...（README 的"
        "“Pointing it at a real tenant”一节列出了开发者后台中的步骤）。",
    ),
    "doctor_token_profile": ("profile {profile} (user {user})", "配置 {profile}（用户 {user}）"),
    "doctor_token_from": ("from {origin}", "来自 {origin}"),
    "doctor_token_valid": (
        "accepted by Feishu (expiry not known: the token came without one)",
        "飞书已接受（有效期未知：令牌未附带有效期）",
    ),
    "doctor_token_valid_until": (
        "accepted by Feishu, valid until {when}",
        "飞书已接受，有效期至 {when}",
    ),
    "doctor_token_refused": (
        "Feishu refused the access token ({code}: {msg}).",
        "飞书拒绝了访问令牌（{code}：{msg}）。",
    ),
    "doctor_renewal_yes": (
        "the token renews itself (refresh token valid until {when})",
        "令牌会自动续期（刷新令牌有效期至 {when}）",
    ),
    "doctor_renewal_no": ("the token cannot renew itself: {reason}", "令牌无法自动续期：{reason}"),
    "doctor_needs_run": ("run", "run 命令"),
    "doctor_needs_status": ("status", "status 命令"),
    "doctor_needs_unbind": ("unbind", "unbind 命令"),
    "doctor_needs_fields": (
        "the answers' e-mail and user id fields",
        "应答中的邮箱和用户 ID 字段",
    ),
    "doctor_token_renewed": (
        "(it was due, so it was renewed and saved first, as a run would)",
        "（令牌即将到期，因此已先续期并保存，与运行时相同）",
    ),
    "doctor_sandbox_token": (
        "the sandbox's own token: nothing to renew",
        "沙盒自己的令牌：无需续期",
    ),
    "doctor_not_renewable": (
        "cannot be renewed: it came from {origin}, so a run stops when it expires (about 2 hours)",
        "无法续期：它来自 {origin}，令牌过期（约 2 小时）时运行会停止",
    ),
    "doctor_admin_ok": (
        "the token is the tenant's super administrator's (the status query for a made-up id was "
        "answered {code})",
        "该令牌属于租户的超级管理员（对虚构 ID 的状态查询返回 {code}）",
    ),
    "doctor_admin_unknown_scope": (
        "not known: the status query was refused for a missing scope (see scopes)",
        "未知：状态查询因缺少权限被拒绝（见“权限”）",
    ),
    "doctor_scope_refused": (
        "Feishu refused the status query for a missing scope ({code}: {msg}); the token needs: "
        "{scopes}",
        "飞书因缺少权限拒绝了状态查询（{code}：{msg}）；令牌需要：{scopes}",
    ),
    "doctor_scopes_unknown": (
        "not known (Feishu names a token's scopes only when 'batchbind auth login' gets it); the "
        "status query passed, and a create refused for a scope stops the run naming it",
        "未知（只有通过 batchbind auth login 获取令牌时飞书才会告知其权限）；状态查询已通过，"
        "若创建绑定因缺少权限被拒，运行会停止并指明所缺权限",
    ),
    "doctor_scopes_ok": (
        "the token holds every scope run, status and unbind need, and the answers' contact fields",
        "令牌具备 run、status 和 unbind 所需的全部权限，以及应答中联系人字段的权限",
    ),
    "doctor_scopes_run_lacks": (
        "the token lacks what run needs: {scopes}",
        "令牌缺少 run 所需的权限：{scopes}",
    ),
    "doctor_scopes_some_lack": (
        "run has what it needs, but {who} lack: {scopes}",
        "run 所需权限齐全，但 {who} 缺少：{scopes}",
    ),
    "doctor_scopes_advice": (
        "Log in again asking for them: '{command}' (if Feishu refuses one, enable it for the app "
        "in the developer console under Permissions & Scopes and publish a version first).",
        "请重新登录并申请这些权限：{command}（若飞书拒绝，请先在开发者后台「权限管理」中为应用开通"
        "并发布版本）。",
    ),
    # doctor on a tracker link (issue 17 with issue 14): read, never written
    "doctor_label_input_tracker": ("tracker", "在线表格"),
    "doctor_tracker_read": (
        "{document}: read through its link with the token run would use. Whether the "
        "administrator may edit it is proven when run writes its result columns, before anything "
        "is sent (doctor writes nothing into it).",
        "{document}：已用 run 将使用的令牌通过链接读取。管理员能否编辑该文档，要等 run 在发送任何请求前"
        "写入结果列时才能确认（doctor 不会写入任何内容）。",
    ),
    "doctor_tracker_no_token": (
        "A tracker link is read with a token, and none could be chosen (see the token line).",
        "读取在线表格链接需要令牌，但未能确定可用的令牌（见令牌一行）。",
    ),
    "doctor_input_counts": (
        "{path}: {rows} rows, {to_send} to send, {invalid} invalid, {duplicates} duplicates",
        "{path}：共 {rows} 行，待发送 {to_send} 行，无效 {invalid} 行，重复 {duplicates} 行",
    ),
    "doctor_input_advice": (
        "'batchbind validate {path}' lists every problem by row.",
        "batchbind validate {path} 会按行列出所有问题。",
    ),
    "doctor_duration": (
        "about {duration} to send {rows} rows at the ceiling ({per_minute} calls a minute, "
        "{per_second} a second); rows bound in earlier runs are skipped",
        "以上限速率（每分钟 {per_minute} 次、每秒 {per_second} 次）发送 {rows} 行约需 {duration}；"
        "之前已绑定的行会被跳过",
    ),
    "doctor_hours": ("{hours} h {minutes} min", "{hours} 小时 {minutes} 分钟"),
    "doctor_minutes": ("{minutes} min", "{minutes} 分钟"),
    "doctor_seconds": ("{seconds} s", "{seconds} 秒"),
    # doctor --notify: does each message target answer, posting nothing unless --send-test
    # (notify/check.py; issue 17). {target} is always `Target.shown`: never a whole webhook URL
    "doctor_label_notify": ("message target", "通知目标"),
    "doctor_notify_hook_refused": (
        "{target}: {why} (asked with a request that carries no message: nothing was posted)",
        "{target}：{why}（所用请求不含任何消息：未发送消息）",
    ),
    "doctor_notify_hook_accepted": (
        "{target} answered 0 to a request that carries no message: the hook and its signature "
        "were accepted",
        "{target} 对不含消息的请求返回 0：hook 与签名均被接受",
    ),
    "doctor_notify_hook_unproven": (
        "{target} answers ({code} to a request that carries no message: nothing was posted); the "
        "hook id and the signature are not proven without --send-test (Feishu documents no check "
        "that posts nothing)",
        "{target} 有应答（对不含消息的请求返回 {code}：未发送消息）；飞书没有提供不发消息的校验"
        "方式，hook ID 和签名需用 --send-test 才能证实",
    ),
    "doctor_notify_19021_signed": (
        "the signature was refused (19021): the secret is not the bot's, or this computer's clock "
        "is more than an hour off",
        "签名校验失败（19021）：密钥不是该机器人的，或本机时间偏差超过一小时",
    ),
    "doctor_notify_19021_unsigned": (
        "the bot wants a signature (19021) and no signing secret is set",
        "机器人要求签名（19021），但未设置签名密钥",
    ),
    "doctor_notify_advice_19001": (
        "Copy the webhook URL again from the group (Settings > Bots > the custom "
        "bot) and give it to --notify or 'batchbind notify add'.",
        "请在群的「设置 > 群机器人」中重新复制自定义机器人的 webhook URL，再用于 --notify 或 "
        "batchbind notify add。",
    ),
    "doctor_notify_advice_19021_option": (
        "Set BATCHBIND_NOTIFY_SECRET to the bot's signing secret (in the bot's security settings "
        ") and check this computer's clock.",
        "请将 BATCHBIND_NOTIFY_SECRET 设为机器人的签名密钥（见机器人的「安全设置」），并检查本机时间。",
    ),
    "doctor_notify_advice_19021_stored": (
        "Store the bot's signing secret with it again: 'BATCHBIND_NOTIFY_SECRET=... batchbind "
        "notify add URL' (or set BATCHBIND_NOTIFY_SECRET), and check this computer's clock.",
        "请重新保存机器人的签名密钥：BATCHBIND_NOTIFY_SECRET=... batchbind notify add URL（或设置 "
        "BATCHBIND_NOTIFY_SECRET），并检查本机时间。",
    ),
    "doctor_notify_advice_19022": (
        "Add this computer's outgoing IP address to the bot's IP allowlist, or remove "
        "the allowlist.",
        "请把本机的出口 IP 地址加入机器人的「IP 白名单」，或取消白名单。",
    ),
    "doctor_notify_advice_19024": (
        "Remove the bot's keyword check, or use a signing secret instead.",
        "请取消机器人的「自定义关键词」校验，或改用签名校验。",
    ),
    "doctor_notify_advice_11232": (
        "The bot is frequency limited (100 a minute, 5 a second): try again in a minute.",
        "机器人发送频率受限（每分钟 100 次、每秒 5 次）：请一分钟后再试。",
    ),
    "doctor_notify_send_test_advice": (
        "'batchbind doctor --notify ... --send-test' posts one short test message and settles it.",
        "batchbind doctor --notify ... --send-test 会发送一条简短的测试消息以确认。",
    ),
    "doctor_notify_bad_target_advice": (
        "Give --notify a custom bot's webhook URL (https://open.feishu.cn/open-apis/bot/v2/hook/"
        "<id>) or chat:<chat_id>; 'batchbind notify list' shows the stored ones.",
        "--notify 应为自定义机器人的 webhook URL（https://open.feishu.cn/open-apis/bot/v2/hook/"
        "<id>）或 chat:<chat_id>；batchbind notify list 可列出已保存的目标。",
    ),
    "doctor_notify_not_feishu": (
        "{target} did not answer as a Feishu webhook does ({detail})",
        "{target} 的应答不像飞书 webhook（{detail}）",
    ),
    "doctor_notify_no_answer": ("{target}: no answer ({error})", "{target}：没有应答（{error}）"),
    "doctor_notify_network_advice": (
        "Check that this computer reaches {host} (HTTPS_PROXY / NO_PROXY, a firewall).",
        "请检查本机能否访问 {host}（HTTPS_PROXY / NO_PROXY、防火墙）。",
    ),
    "doctor_notify_chat_refused": ("{target}: {why}", "{target}：{why}"),
    "doctor_notify_chat_unknown": ("{target}: not known: {why}", "{target}：未知：{why}"),
    "doctor_notify_advice_no_app": (
        "Set FEISHU_APP_ID and FEISHU_APP_SECRET to the app's ID and secret (or log in with "
        "'batchbind auth login --app-id cli_...', which keeps them with the profile).",
        "请将 FEISHU_APP_ID 和 FEISHU_APP_SECRET 设为应用的 ID 和密钥（或用 batchbind auth login "
        "--app-id cli_... 登录，配置档案会保存它们）。",
    ),
    "doctor_notify_chat_in": (
        "{target}: the app's bot is in this group (is_in_chat; nothing was posted); posting also "
        "needs the scope im:message:send_as_bot, which only --send-test proves",
        "{target}：应用机器人在此群中（is_in_chat；未发送消息）；发送消息还需要 "
        "im:message:send_as_bot 权限，只有 --send-test 能证实",
    ),
    "doctor_notify_chat_out": (
        "{target}: the app's bot is not in this group",
        "{target}：应用机器人不在此群中",
    ),
    "doctor_notify_advice_230002": (
        "Add the app's bot to the group: Settings > Bots > Add Bot.",
        "请把应用机器人加入该群：「设置 > 群机器人 > 添加机器人」。",
    ),
    "doctor_notify_chat_no_scope": (
        "{target}: not checked: the app lacks a scope to read the group ({code}; one of "
        "im:chat:readonly, im:chat, im:chat.members:read, im:chat.group_info:readonly); nothing "
        "was posted",
        "{target}：未检查：应用缺少读取群信息的权限（{code}；需 im:chat:readonly、im:chat、"
        "im:chat.members:read、im:chat.group_info:readonly 之一）；未发送消息",
    ),
    "doctor_notify_advice_chat_scope": (
        "Enable im:chat:readonly as an app-identity scope and publish a version, or "
        "use --send-test (it posts one message).",
        "请在「应用身份权限」中开通 im:chat:readonly 并发布版本，或使用 --send-test（会发送一条消息）。",
    ),
    "doctor_notify_advice_232004": (
        "Feishu does not know this app: check FEISHU_APP_ID (or the profile's app).",
        "飞书找不到该应用：请检查 FEISHU_APP_ID（或配置档案中的应用）。",
    ),
    "doctor_notify_advice_232006": (
        "Check the chat id after chat: (it looks like oc_...): Feishu says it is invalid.",
        "请检查 chat: 后面的群 ID（形如 oc_...）：飞书认为它无效。",
    ),
    "doctor_notify_advice_232010": (
        "The group belongs to another tenant: name a group of the app's own tenant.",
        "该群属于其他租户：请使用应用所在租户的群。",
    ),
    "doctor_notify_advice_232025": (
        "Enable the app's bot (Features > Bot in the developer console), then publish a version.",
        "请在开发者后台「应用能力 > 机器人」中启用机器人能力，然后发布版本。",
    ),
    "doctor_notify_advice_230006": (
        "Enable the app's bot (Features > Bot in the developer console), then publish a version.",
        "请在开发者后台「应用能力 > 机器人」中启用机器人能力，然后发布版本。",
    ),
    "doctor_notify_advice_232033": (
        "It is an external group: the app needs Feishu's permission for external groups, or name "
        "an internal group.",
        "这是外部群：应用需要外部群相关权限，或改用内部群。",
    ),
    "doctor_notify_advice_232034": (
        "The app is unavailable or deactivated in this tenant: an administrator enables it in the "
        "admin console.",
        "该应用在此租户中不可用或已停用：请管理员在「管理后台」中启用。",
    ),
    "doctor_notify_test_message": (
        "batchbind doctor: a test message (tenant {host}, profile {profile}). The messages of "
        "runs will arrive here.",
        "batchbind doctor：测试消息（租户 {host}，配置 {profile}）。运行结束后的消息会发到这里。",
    ),
    "doctor_notify_test_posted": (
        "{target}: the test message was posted (code 0): it should be in the group now",
        "{target}：测试消息已发送（代码 0）：现在应已出现在群中",
    ),
    "doctor_notify_test_failed": (
        "{target}: the test message was not posted: {why}",
        "{target}：测试消息未能发送：{why}",
    ),
    "doctor_send_test_no_target": (
        "--send-test needs a target: --notify URL|chat:ID, or one stored with 'batchbind notify "
        "add' (none is used under --sandbox).",
        "--send-test 需要通知目标：--notify URL|chat:ID，或用 batchbind notify add 保存的目标"
        "（--sandbox 下不使用已保存的目标）。",
    ),
    # auth status and the journal's list of runs (cli/auth.py, cli/journal.py)
    "auth_in_hours": (
        "{when} (in {hours}h {minutes}m)",
        "{when}（还剩 {hours} 小时 {minutes} 分钟）",
    ),
    "auth_in_minutes": ("{when} (in {minutes}m)", "{when}（还剩 {minutes} 分钟）"),
    "auth_as_user": (" as {user}", "，用户 {user}"),
    "auth_line_profile": ("profile: {profile} ({path})", "配置：{profile}（{path}）"),
    "auth_line_host": ("host: {host}", "主机：{host}"),
    "auth_line_user": ("user: {user}", "用户：{user}"),
    "auth_line_app": ("app: {app}", "应用：{app}"),
    "journal_unfinished": ("did not finish", "未结束"),
    # the columns of `batchbind journal`, and a run whose process still holds the journal
    "journal_running": ("running", "运行中"),
    "journal_heading_run": ("run", "运行"),
    "journal_heading_started": ("started (UTC)", "开始（UTC）"),
    "journal_heading_ended": ("ended (UTC)", "结束（UTC）"),
    "journal_heading_command": ("command", "命令"),
    "journal_heading_exit": ("exit", "退出码"),
    "journal_heading_tenant": ("tenant", "租户"),
    "journal_heading_input": ("input", "输入文件"),
    "journal_heading_outcomes": ("outcomes", "结果"),
    # the web page of `batchbind ui` (batchbind/ui/, cli/ui.py; issue 16): the server's sentences,
    # then the page's own labels (served to the page as they are: every key starts with `ui_`)
    "ui_started": (
        "The batchbind page is ready: open {url} (it carries the page's secret: do not share it).",
        "batchbind 页面已就绪：请打开 {url}（链接中含有页面的密钥，请勿分享）。",
    ),
    "ui_stop_hint": ("Stop it with Ctrl-C.", "按 Ctrl-C 停止。"),
    "ui_port_taken": (
        "Port {port} cannot be used ({error}). Choose another with --port.",
        "无法使用端口 {port}（{error}）。请用 --port 换一个端口。",
    ),
    "ui_need_link_title": ("Open the printed link", "请打开终端中显示的链接"),
    "ui_need_link": (
        "This page needs the link that `batchbind ui` printed in the terminal (it carries a "
        "secret). Open that link, or start `batchbind ui` again.",
        "此页面需要使用 `batchbind ui` 在终端中显示的链接（其中含有密钥）。请打开该链接，或重新运行 "
        "`batchbind ui`。",
    ),
    "ui_forbidden_host": (
        "This page answers only at 127.0.0.1 or localhost on its own port.",
        "此页面只在本机 127.0.0.1 或 localhost 的本端口上应答。",
    ),
    # the page's guard against other pages on this machine (batchbind/ui/security.py; issue 16's
    # red-team pass)
    "ui_cross_site": (
        "Another web page asked this page for something: refused. Use batchbind only in its own "
        "tab, opened from the printed link.",
        "另一个网页向此页面发出了请求，已拒绝。请只在由终端中显示的链接打开的标签页中使用 batchbind。",
    ),
    "ui_csrf": (
        "The page is out of date: reload it and try again.",
        "页面已过期：请刷新后重试。",
    ),
    "ui_busy": (
        "Another job of this page is still running: wait for it to end, or stop it.",
        "此页面的另一项任务仍在运行：请等待它结束，或将其停止。",
    ),
    "ui_too_large": (
        "The file is larger than {limit} MB (BATCHBIND_UI_MAX_UPLOAD_MB).",
        "文件超过 {limit} MB（BATCHBIND_UI_MAX_UPLOAD_MB）。",
    ),
    "ui_no_file": ("Choose a CSV or Excel file first.", "请先选择一个 CSV 或 Excel 文件。"),
    "ui_no_link": (
        "Paste the link of a Feishu Sheet, Bitable or Wiki page first.",
        "请先粘贴飞书表格、多维表格或知识库页面的链接。",
    ),
    "ui_scope_login": (
        "On this page: Log in to Feishu… again (step 3), then run again.",
        "在此页面：重新“登录飞书…”（第 3 步），然后再次运行。",
    ),
    "ui_scope_login_tracker": (
        "On this page: Log in to Feishu… again (step 3) with the box for the team's Sheet or "
        "Bitable ticked, then read the link again.",
        "在此页面：重新“登录飞书…”（第 3 步）并勾选读写团队表格或多维表格的选项，然后重新读取链接。",
    ),
    "ui_status_again": (
        "Ask for the sync status again on this page: it writes them back too.",
        "在此页面再次查询同步状态：也会重新写回。",
    ),
    "ui_write_back_again": (
        "Run again on this page: nothing already bound is sent again, and the results are written "
        "back after the run.",
        "在此页面再次运行：已绑定的行不会再次发送，运行后会重新写回结果。",
    ),
    "ui_no_input": ("Choose the input first (step 1).", "请先选择输入文件（第 1 步）。"),
    "ui_no_results": (
        "There are no results yet: run the job first (step 4).",
        "尚无结果：请先运行任务（第 4 步）。",
    ),
    "ui_unknown_target": ("There is no target named {target}.", "没有名为 {target} 的目标。"),
    "ui_bad_request": (
        "The page sent a request the server does not understand.",
        "页面发送了服务器无法理解的请求。",
    ),
    "ui_unbind_none": ("Select the rows to unbind first.", "请先选择要解绑的行。"),
    "ui_unbind_count": (
        "The confirmation named {count} {count:row|rows}, but {selected} are selected: nothing was "
        "undone. "
        "Confirm again.",
        "确认时显示 {count} 行，但选中的是 {selected} 行：未解绑任何内容。请重新确认。",
    ),
    "ui_logged_in": ("Logged in as profile {profile}.", "已作为配置 {profile} 登录。"),
    "ui_login_open": (
        "Log in on the Feishu page that opened (or open this address): {url}",
        "请在打开的飞书页面上登录（或打开此地址）：{url}",
    ),
    "ui_state_idle": ("Ready.", "就绪。"),
    "ui_state_running": ("Running…", "运行中…"),
    "ui_state_stopping": (
        "Stopping: the requests already sent finish first…",
        "正在停止：已发出的请求会先完成…",
    ),
    "ui_state_done": ("Done.", "已完成。"),
    "ui_state_stopped": (
        "Stopped. Every answer is recorded; run again to continue.",
        "已停止。所有应答均已记录；再次运行即可继续。",
    ),
    "ui_state_error": ("Stopped on an error.", "因错误而停止。"),
    # the page's labels
    "ui_title": (
        "batchbind: bind Exchange mailboxes to Feishu",
        "batchbind：将 Exchange 邮箱绑定到飞书",
    ),
    "ui_language": ("Language", "语言"),
    "ui_step_input": ("1. Choose the input", "1. 选择输入文件"),
    "ui_choose_file": (
        "Drop a CSV or Excel file here, or choose one:",
        "将 CSV 或 Excel 文件拖到这里，或选择文件：",
    ),
    "ui_template": ("Or start from the template:", "或从模板开始："),
    "ui_link_label": (
        "Or the link of the team's Feishu Sheet, Bitable or Wiki page (read with the target "
        "chosen in step 3; the results are written into it only when you run):",
        "或团队的飞书表格、多维表格、知识库页面链接（使用第 3 步所选目标读取；只有运行时才会将结果写入"
        "其中）：",
    ),
    "ui_link_go": ("Read", "读取"),
    "ui_login_tracker": (
        "Also read and write the team's Feishu Sheet or Bitable (the app must have the Sheets, "
        "Bitable and Wiki scopes enabled)",
        "同时读写团队的飞书表格或多维表格（应用须已开通表格、多维表格和知识库权限）",
    ),
    "ui_step_check": ("2. Check it", "2. 检查"),
    "ui_check_note": (
        "Every row is checked here; nothing is sent.",
        "在此检查每一行；不会发送任何内容。",
    ),
    "ui_rows": ("rows", "行"),
    "ui_all_valid": ("Every row is valid.", "所有行均有效。"),
    "ui_col_cause": ("Cause", "原因"),
    "ui_col_count": ("Rows", "行数"),
    "ui_col_rows": ("Row numbers", "行号"),
    "ui_col_hint": ("What to do", "处理方法"),
    "ui_step_target": ("3. Choose where", "3. 选择目标"),
    "ui_target_sandbox": (
        "Sandbox (a rehearsal: nothing reaches Feishu)",
        "沙盒（演练：不会发送到飞书）",
    ),
    "ui_target_profile": ("Profile {name}: {host}", "配置 {name}：{host}"),
    "ui_login": ("Log in to Feishu…", "登录飞书…"),
    "ui_login_profile": ("Profile name", "配置名称"),
    "ui_login_app_id": ("App ID", "应用 ID"),
    "ui_login_app_secret": (
        "App secret (kept by this machine, never shown again)",
        "应用密钥（只保存在本机，不会再次显示）",
    ),
    "ui_login_domain": ("Domain", "域"),
    "ui_login_start": ("Log in", "登录"),
    "ui_step_run": ("4. Run it", "4. 运行"),
    "ui_run": ("Run", "运行"),
    "ui_stop": ("Stop", "停止"),
    "ui_rate": ("Rate", "速率"),
    "ui_per_minute": ("{rate} a minute (ceiling {ceiling})", "每分钟 {rate} 次（上限 {ceiling}）"),
    "ui_throttled": ("Throttled (429)", "被限流（429）"),
    "ui_eta": ("Time left", "剩余时间"),
    "ui_exit_code": ("Exit code", "退出码"),
    "ui_step_results": ("5. See the results", "5. 查看结果"),
    "ui_filter": ("Show", "显示"),
    "ui_filter_all": ("all rows", "全部行"),
    "ui_download": ("Download the results (.xlsx)", "下载结果（.xlsx）"),
    "ui_status": ("Ask Feishu for the sync status", "向飞书查询同步状态"),
    "ui_unbind": ("Unbind the selected rows…", "解绑所选行…"),
    "ui_unbind_question": (
        "Undo the bindings of {count} selected {count:row|rows}? Their calendars stop syncing.",
        "确定解除所选 {count} 行的绑定吗？这些日历将停止同步。",
    ),
    "ui_unbind_yes": ("Unbind", "解绑"),
    "ui_cancel": ("Cancel", "取消"),
    "ui_shown_rows": ("Showing {shown} of {total} rows.", "显示 {total} 行中的 {shown} 行。"),
    "ui_summary": ("Summary", "汇总"),
    # the page's results table and progress, and what it says instead of a terminal command
    # (issue 16, the page's polish). A results column's header: the Summary sheet's
    # `sheet_column_<name>` says what it holds (the page's tooltip).
    "ui_head_row": ("Row", "行号"),
    "ui_head_outcome": ("Outcome", "结果"),
    "ui_head_code": ("Code", "代码"),
    "ui_head_msg": ("Message", "消息"),
    "ui_head_hint": ("What to do", "处理建议"),
    "ui_head_binding_status": ("Sync status", "同步状态"),
    "ui_head_title": ("{name} in the results file: {meaning}", "结果文件中的 {name} 列：{meaning}"),
    "ui_choose_button": ("Choose a file…", "选择文件…"),
    "ui_no_file_chosen": ("No file chosen", "未选择文件"),
    "ui_count_checked": ("status asked", "已查询状态"),
    # `<key>_on_page`: the page's words for catalogue entry `<key>` where that names a terminal
    # command and the page has a button or link for it (Session.shown swaps them).
    "headers_hint_on_page": (
        "Name the columns admin_account, exchange_account and user_id (or {zh_headers}); the "
        "template links under step 1 (.xlsx, .csv) give a ready-to-fill file.",
        "请将各列命名为 admin_account、exchange_account 和 user_id（或 {zh_headers}）；"
        "第 1 步下方的模板链接（.xlsx、.csv）可下载一个可直接填写的文件。",
    ),
    "file_empty_hint_on_page": (
        "Fill in the rows, or start from the template links under step 1 (.xlsx, .csv).",
        "请填写数据行，或使用第 1 步下方的模板链接（.xlsx、.csv）。",
    ),
    "syncing_hint_on_page": (
        "Still syncing: press “Ask Feishu for the sync status” again in a while.",
        "仍在同步：请稍后再次点击“向飞书查询同步状态”。",
    ),
    "refresh_login_hint_on_page": (
        "Log in again with “Log in to Feishu…” (step 3), then run again: rows are pending.",
        "请通过“登录飞书…”（第 3 步）重新登录，然后再次运行：这些行仍待发送。",
    ),
    "code_195101_hint_on_page": (
        "The token does not belong to the tenant's super administrator: log in as the super "
        "administrator with “Log in to Feishu…” (step 3).",
        "该令牌不属于租户的超级管理员：请通过“登录飞书…”（第 3 步）以超级管理员身份登录。",
    ),
    "code_99991661_hint_on_page": (
        "No access token was sent: log in with “Log in to Feishu…” (step 3).",
        "未发送访问令牌：请通过“登录飞书…”（第 3 步）登录。",
    ),
    "code_99991663_hint_on_page": (
        "The access token is invalid: log in again with “Log in to Feishu…” (step 3).",
        "访问令牌无效：请通过“登录飞书…”（第 3 步）重新登录。",
    ),
    "code_99991668_hint_on_page": (
        "The access token is invalid or expired: log in again with “Log in to Feishu…” (step 3).",
        "访问令牌无效或已过期：请通过“登录飞书…”（第 3 步）重新登录。",
    ),
    "code_99991677_hint_on_page": (
        "The user access token expired: log in again with “Log in to Feishu…” (step 3).",
        "用户访问令牌已过期：请通过“登录飞书…”（第 3 步）重新登录。",
    ),
    "code_unauthorized_http_hint_on_page": (
        "Feishu refused the token (HTTP 401): log in again with “Log in to Feishu…” (step 3).",
        "飞书拒绝了该令牌（HTTP 401）：请通过“登录飞书…”（第 3 步）重新登录。",
    ),
    # the progress bars on a terminal (output/progress.py, jobs/status.py)
    "progress_binding": ("binding", "绑定中"),
    "progress_unbinding": ("unbinding", "解绑中"),
    "progress_looking_up": ("looking up", "查找中"),
    "progress_final": ("final", "已完成"),
    "progress_unit": ("row", "行"),
    # the template (output/template.py): its Instructions sheet
    "template_title": ("How to fill in this template", "如何填写本模板"),
    "template_columns": ("Columns", "各列说明"),
    "template_rules": ("Rules", "填写规则"),
    "template_examples": (
        "Examples (type your rows on the Bindings sheet)",
        "示例（请在 Bindings 表中填写）",
    ),
    "template_steps": ("How to run", "如何运行"),
    "template_column_admin_account": (
        "The Exchange administrator account (an e-mail address) that Feishu uses to reach the "
        "mailbox, as registered in the Feishu admin console.",
        "Feishu 用来访问该邮箱的 Exchange 管理员账号（邮箱地址），即在飞书管理后台登记的管理员账"
        "号。",
    ),
    "template_column_exchange_account": (
        "The user's Exchange mailbox (an e-mail address), e.g. alice@contoso.com.",
        "用户的 Exchange 邮箱地址，例如 alice@contoso.com。",
    ),
    "template_column_user_id": (
        "The user's Feishu id. By default an open_id, which starts with ou_ . For a union_id "
        "(on_...) or a tenant user_id, run with --user-id-type union_id or --user-id-type "
        "user_id. If you only know people's e-mail addresses, `batchbind resolve FILE` fills this "
        "in.",
        "用户的飞书 ID。默认为 open_id，以 ou_ 开头；如填写 union_id（on_ 开头）"
        "或企业自定义的 user_id，运行时请加 --user-id-type union_id 或 --user-id-type "
        "user_id。如果只知道邮箱地址，可用 `batchbind resolve FILE` 自动补全。",
    ),
    "template_rule_1": (
        "Fill in the first sheet (Bindings): one row per mailbox, starting on row 2.",
        "在第一个工作表（Bindings）中填写：每个邮箱一行，从第 2 行开始。",
    ),
    "template_rule_2": (
        "Do not change, translate or reorder the three headers. You may add other columns (e.g. "
        "name, department): they are copied into the results.",
        "请勿修改、翻译或调换三个表头。可以增加其他列（如姓名、部门），它们会被原样复制到结果中。",
    ),
    "template_rule_3": (
        "E-mail addresses are written in full, like name@example.com (no display names, no "
        "spaces). Upper and lower case do not matter.",
        "邮箱地址须完整填写，如 name@example.com（不要带显示名或空格），不区分大小写。",
    ),
    "template_rule_4": (
        "Each Exchange account appears once. Exact duplicate rows are sent only once.",
        "每个 Exchange 账号只能出现一次；完全相同的重复行只发送一次。",
    ),
    "template_rule_5": (
        "The columns are formatted as text so that Excel keeps ids exactly as typed. Blank rows "
        "are ignored.",
        "各列已设为文本格式，Excel 会原样保留 ID。空行会被忽略。",
    ),
    "template_rule_6": (
        "Do not put example rows on the Bindings sheet: every row there is sent to Feishu.",
        "不要在 Bindings 工作表中保留示例行：其中每一行都会被发送到飞书。",
    ),
    "template_step_1": (
        "1. Check the file (sends nothing): batchbind validate FILE",
        "1. 检查文件（不会发送任何内容）：batchbind validate FILE",
    ),
    "template_step_2": (
        "2. Bind every valid row: batchbind run FILE  (the results go next to it, in "
        "<name>.results.xlsx)",
        "2. 绑定所有有效行：batchbind run FILE（结果写入同目录下的 <文件名>.results.xlsx）",
    ),
    "template_step_3": (
        "3. Run the same command again at any time: rows already bound are never sent twice.",
        "3. 可随时重新运行同一命令：已绑定的行不会重复发送。",
    ),
}


@dataclass(frozen=True, slots=True)
class Phrase:
    """A catalogue entry not yet put into words: it takes the language of the sentence holding it.

    A parameter of `text` (or of a keyed error) may be a `Phrase`; `str()` gives the English.
    """

    key: str
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return text(self.key, lang, **self.params)

    def __str__(self) -> str:
        return self.text("en")


def default_lang() -> str:
    """Chinese when the user's language is Chinese, else English (`--lang` overrides both).

    `BATCHBIND_LANG` first; then the POSIX variables in the order gettext reads them: LANGUAGE
    (a priority list, `zh_CN:en`) unless the locale is explicitly C/POSIX, then LC_ALL,
    LC_MESSAGES, LANG. Windows and a bare macOS shell set none of these: there the Windows display
    language decides, then `locale.getlocale()`, which on Windows names the locale in words
    (`('Chinese (Simplified)_China', '936')`).
    """
    explicit = os.environ.get("BATCHBIND_LANG", "")
    if explicit:
        return lang_of_locale(explicit) or "en"
    posix = next(
        (os.environ[v] for v in ("LC_ALL", "LC_MESSAGES", "LANG") if os.environ.get(v)), ""
    )
    if _is_c_locale(posix):
        return "en"  # C / POSIX / C.UTF-8 say "no language", not "ask someone else"
    for name in (*os.environ.get("LANGUAGE", "").split(":")[:1], posix):
        if name:
            return lang_of_locale(name) or "en"
    if sys.platform == "win32":
        found = lang_of_langid(_windows_ui_language())
        if found:
            return found
    try:
        name = locale.getlocale()[0] or ""
    except ValueError:  # an environment value Python cannot parse
        name = ""
    return lang_of_locale(name) or "en"


def lang_of_locale(name: str) -> str | None:
    """The catalogue language of a locale name as each system spells it, or None if unknown.

    Linux and macOS: `zh_CN.UTF-8`, `zh_TW`, `zh-Hans`, `zh_Hant_HK`; Windows' getlocale:
    `Chinese (Simplified)_China`, `Chinese_Taiwan`, `Chinese (Traditional)_Hong Kong SAR`;
    BATCHBIND_LANG also takes `zh` and `en`. Any other named language is English.
    """
    lowered = name.strip().lower()
    if not lowered:
        return None
    if _is_c_locale(lowered):
        return "en"
    if lowered.startswith("chinese") or lowered == "zh" or lowered[:3] in ("zh_", "zh-", "zh."):
        return "zh"
    return "en"


def lang_of_langid(langid: int | None) -> str | None:
    """The catalogue language of a Windows LANGID (GetUserDefaultUILanguage): Chinese or not.

    The low 10 bits are the primary language; LANG_CHINESE (0x04) covers Simplified (0x0804
    zh-CN, 0x1004 zh-SG) and Traditional (0x0404 zh-TW, 0x0C04 zh-HK, 0x1404 zh-MO).
    """
    if not langid:
        return None
    return "zh" if langid & 0x3FF == 0x04 else "en"


def _is_c_locale(name: str) -> bool:
    return name.strip().lower().split(".")[0] in ("c", "posix")


def _windows_ui_language() -> int | None:
    """The user's display language (Win32 `GetUserDefaultUILanguage`, kernel32), or None.

    Windows' regional format (what getlocale reports) can be Chinese under an English display
    and the other way round; the display language is the one the user reads.
    """
    if sys.platform == "win32":
        import ctypes

        try:
            langid: int = ctypes.windll.kernel32.GetUserDefaultUILanguage()
        except (AttributeError, OSError):
            return None
        return langid
    return None


def has(key: str) -> bool:
    return key in _MESSAGES


def keys() -> list[str]:
    """Every key of the catalogue."""
    return list(_MESSAGES)


def template(key: str, lang: str) -> str:
    """The text of `key` in `lang` (English unless `zh`), its `{placeholders}` not filled in."""
    en, zh = _MESSAGES[key]
    return zh if lang == "zh" else en


#: `{count:row|rows}` in an entry: the word for one `count`, or for any other number of it (the
#: number itself is its own `{count}`). English needs it ("1 row", "2 rows"); Chinese does not.
_PLURAL = re.compile(r"\{(\w+):([^{}|:]*)\|([^{}|]*)\}")


def _plurals(found: str, params: Mapping[str, object]) -> str:
    def word(match: re.Match[str]) -> str:
        one = str(params.get(match.group(1))) == "1"
        return match.group(2) if one else match.group(3)

    return _PLURAL.sub(word, found)


def text(key: str, lang: str, **params: object) -> str:
    """The text of `key` in `lang`, its `{placeholders}` filled in from `params`.

    `{count:row|rows}` is replaced by the word that fits the number `count` (see `_PLURAL`).
    """
    found = template(key, lang)
    if not params and "{" not in found:
        return found
    if "|" in found:
        found = _plurals(found, params)
    shown = {k: v.text(lang) if isinstance(v, Phrase) else v for k, v in params.items()}
    return found.format(**{**_CONSTANTS, **shown})
