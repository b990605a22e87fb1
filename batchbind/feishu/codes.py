"""The one table that decides what a Feishu answer means.

Every answer (an HTTP status, a body `code`, or no answer at all) maps to one `Kind` and one hint
in English and Chinese. The sender, the reporter and the README all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    OK = "ok"  # code 0: success
    ROW = "row"  # this row is refused; sending it again will not help
    ADMIN = "admin"  # this admin account is unusable: every row of it will be refused the same way
    TRANSIENT = "transient"  # retry with backoff (counts as an attempt)
    THROTTLED = "throttled"  # the app's budget: every worker waits (not an attempt)
    CONTENTION = (
        "contention"  # one resource was busy (190010): retry this row soon (not an attempt)
    )
    TOKEN = "token"  # the access token is missing, invalid or expired: refresh, or stop the run
    RUN_WIDE = "run_wide"  # the whole run cannot go on (permission, tenant, quota): stop


@dataclass(frozen=True, slots=True)
class Meaning:
    kind: Kind
    hint_en: str
    hint_zh: str

    def hint(self, lang: str) -> str:
        return self.hint_zh if lang == "zh" else self.hint_en


def _m(kind: Kind, en: str, zh: str) -> Meaning:
    return Meaning(kind, en, zh)


OK = _m(Kind.OK, "", "")

#: Feishu body codes, from the official error tables (see shared/docs/feishu-api.md).
CODES: dict[int, Meaning] = {
    0: OK,
    190002: _m(
        Kind.ROW,
        "Feishu refused the parameters: check the three values of this row.",
        "参数错误：请检查本行的三个值。",
    ),
    190003: _m(
        Kind.TRANSIENT,
        "Feishu had an internal error; batchbind retries. If it persists, re-run later.",
        "飞书内部错误，batchbind 会自动重试；若持续出现，请稍后重新运行。",
    ),
    190004: _m(
        Kind.THROTTLED,
        "Method rate limit reached; batchbind slows down and retries.",
        "接口调用频率超限，batchbind 会降速并重试。",
    ),
    190005: _m(
        Kind.THROTTLED,
        "App rate limit reached (another tool may share this app); batchbind slows down.",
        "应用调用频率超限（可能有其他工具在使用同一应用），batchbind 会降速并重试。",
    ),
    190006: _m(
        Kind.RUN_WIDE,
        "Wrong unit for the app's tenant: check the App ID and App Secret belong to this tenant.",
        "应用所属租户单元不正确：请检查 App ID 与 App Secret 是否属于该租户。",
    ),
    190007: _m(
        Kind.RUN_WIDE,
        "The app's bot ability is off: enable 'Bot' for the app in the developer console.",
        "应用未开启机器人能力：请在开发者后台为应用启用机器人。",
    ),
    190010: _m(
        Kind.CONTENTION,
        "Feishu was busy with the same resource; batchbind retries this row shortly.",
        "资源竞争失败，batchbind 会稍后重试本行。",
    ),
    195100: _m(
        Kind.ROW,
        "This user has left or is not in the tenant: check the user_id (and --user-id-type).",
        "该用户已离职或不在本租户：请检查 user_id（以及 --user-id-type）。",
    ),
    195101: _m(
        Kind.RUN_WIDE,
        "The token does not belong to the tenant's super administrator: log in as the super "
        "administrator (batchbind auth login).",
        "当前令牌不属于租户超级管理员：请以超级管理员身份登录（batchbind auth login）。",
    ),
    195102: _m(
        Kind.ROW,
        "The exchange_binding_id is not valid: check it was copied whole.",
        "exchange_binding_id 无效：请检查是否完整复制。",
    ),
    195103: _m(
        Kind.ROW,
        "No such Exchange binding: it may have been removed in the admin console.",
        "找不到该 Exchange 绑定：可能已在管理后台被删除。",
    ),
    195104: _m(
        Kind.ADMIN,
        "This admin account belongs to another tenant: use an admin account of this tenant.",
        "该管理员账号不属于当前租户：请使用本租户的管理员账号。",
    ),
    195105: _m(
        Kind.ADMIN,
        "The admin account's binding failed in the admin console: bind it again there, then "
        "re-run.",
        "管理员账号在管理后台绑定失败：请在管理后台重新绑定后再运行。",
    ),
    195106: _m(
        Kind.ADMIN,
        "Admin account not found: bind the Exchange admin account in the admin console first, "
        "or fix the admin_account column.",
        "找不到管理员账号：请先在管理后台绑定 Exchange 管理员账号，或更正 admin_account 列。",
    ),
    99991400: _m(
        Kind.THROTTLED,
        "Request frequency limit; batchbind waits as Feishu asks and retries.",
        "请求频率超限，batchbind 会按飞书要求等待后重试。",
    ),
    99991403: _m(
        Kind.RUN_WIDE,
        "The app's monthly API quota is used up: upgrade the plan or wait for next month.",
        "应用本月 API 调用额度已用完：请升级套餐或等待下月。",
    ),
    99991661: _m(
        Kind.TOKEN,
        "No access token was sent: run 'batchbind auth login' or set FEISHU_USER_ACCESS_TOKEN.",
        "未携带访问令牌：请运行 batchbind auth login 或设置 FEISHU_USER_ACCESS_TOKEN。",
    ),
    99991663: _m(
        Kind.TOKEN,
        "The access token is invalid: run 'batchbind auth login' again.",
        "访问令牌无效：请重新运行 batchbind auth login。",
    ),
    99991668: _m(
        Kind.TOKEN,
        "The access token is invalid or expired: run 'batchbind auth login' again.",
        "访问令牌无效或已过期：请重新运行 batchbind auth login。",
    ),
    99991671: _m(
        Kind.TOKEN,
        "The access token is malformed: it should start with 'u-'. Copy it again.",
        "访问令牌格式错误：应以 u- 开头，请重新复制。",
    ),
    99991672: _m(
        Kind.RUN_WIDE,
        "The app lacks a required scope: add the calendar scope to the app and publish a version.",
        "应用缺少所需权限：请为应用添加日历权限并发布版本。",
    ),
    99991677: _m(
        Kind.TOKEN,
        "The user access token expired: run 'batchbind auth login' again.",
        "用户访问令牌已过期：请重新运行 batchbind auth login。",
    ),
    99991679: _m(
        Kind.RUN_WIDE,
        "The user has not granted a required scope: log in again and approve the calendar scope.",
        "用户未授予所需权限：请重新登录并同意日历权限。",
    ),
}

#: No usable answer: a dropped connection, a timeout, a body that is not Feishu's JSON.
NO_ANSWER = _m(
    Kind.TRANSIENT,
    "No usable answer from Feishu (network or gateway); batchbind retries. If it persists, "
    "check the network or proxy and re-run.",
    "未收到飞书的有效应答（网络或网关问题），batchbind 会重试；若持续出现，请检查网络或代理后重新运行。",
)

UNKNOWN_ROW = _m(
    Kind.ROW,
    "Feishu refused this row with a code batchbind does not know: quote the log_id to Feishu "
    "support.",
    "飞书以未知错误码拒绝了本行：请向飞书技术支持提供 log_id。",
)

UNKNOWN_SERVER = _m(
    Kind.TRANSIENT,
    "Feishu answered with a server error; batchbind retries.",
    "飞书返回服务端错误，batchbind 会重试。",
)

THROTTLED_HTTP = _m(
    Kind.THROTTLED,
    "Rate limited (HTTP 429); batchbind waits and retries.",
    "请求被限流（HTTP 429），batchbind 会等待后重试。",
)

UNAUTHORIZED_HTTP = _m(
    Kind.TOKEN,
    "Feishu refused the token (HTTP 401): run 'batchbind auth login' again.",
    "飞书拒绝了令牌（HTTP 401）：请重新运行 batchbind auth login。",
)


def classify(http_status: int | None, code: int | None) -> Meaning:
    """What an answer means. `code` is None when the body was not Feishu's JSON envelope."""
    if code is not None:
        known = CODES.get(code)
        if known is not None:
            return known
        if http_status == 429:
            return THROTTLED_HTTP
        if http_status is not None and http_status >= 500:
            return UNKNOWN_SERVER
        return UNKNOWN_ROW
    if http_status == 429:
        return THROTTLED_HTTP
    if http_status == 401:
        return UNAUTHORIZED_HTTP
    return NO_ANSWER
