"""`doctor`: is this machine and tenant ready for `run`? A checklist; nothing is bound."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from batchbind.auth import redact
from batchbind.cli.common import (
    friendly_errors,
    global_options,
    read_options,
    read_settings,
    say,
    setup,
    token_choice,
    token_options,
)
from batchbind.cli.exits import epilog
from batchbind.jobs.doctor import DoctorReport, DoctorSettings, Status, doctor_job
from batchbind.notify.config import SECRET_ENV
from batchbind.notify.targets import register_hook_id
from batchbind.output import i18n

DOCTOR_EXAMPLE = """

\b
Examples:
  batchbind doctor
  batchbind doctor bindings.xlsx --profile acme
  batchbind doctor bindings.csv --sandbox --json
  batchbind doctor "https://acme.feishu.cn/sheets/shtcnXXXX?sheet=0bxF2a"
  batchbind doctor --notify https://open.feishu.cn/open-apis/bot/v2/hook/xxxx --send-test
"""


@click.command(epilog=epilog("doctor", DOCTOR_EXAMPLE))
@click.argument("input_path", metavar="[INPUT]", required=False, type=click.Path(path_type=str))
@token_options
@read_options
@click.option(
    "--rate-per-second",
    type=click.FloatRange(min=0.1),
    default=50.0,
    show_default=True,
    help="The rate run would use, for the estimate of how long INPUT takes.",
)
@click.option(
    "--rate-per-minute",
    type=click.FloatRange(min=1),
    default=1000.0,
    show_default=True,
    help="The rate run would use, for the estimate of how long INPUT takes.",
)
@click.option(
    "--notify",
    "notify_targets",
    multiple=True,
    metavar="URL|chat:ID",
    help="Check that this message target answers, posting nothing: a custom bot's webhook URL, "
    f"or chat:<chat_id> for the app's bot (repeatable; a webhook's secret from {SECRET_ENV} or "
    "'batchbind notify add'). Default: the targets stored with the profile, as run uses them "
    "(none under --sandbox).",
)
@click.option(
    "--send-test",
    is_flag=True,
    help="Post one short test message to each target: the only proof that a webhook's id and "
    "signature, or the app bot's right to post, are right.",
)
@global_options
@friendly_errors
def doctor(input_path: str | None, **kw: Any) -> None:
    """Say whether this machine and tenant are ready for 'run', binding nothing.

    A checklist: the network (the host reachable, TLS verified through the system's certificate
    store, the proxy in use), the token (present, accepted, renewable; renewed only when due),
    the super administrator, the token's scopes against what each command needs, with INPUT
    the file or the tracker link (it reads and validates; nothing is written into a tracker)
    and how long sending it takes at the rate ceiling, and
    each message target (--notify, or those stored with the profile): it answers, and nothing
    is posted unless --send-test.
    """
    # Known from the start, so no log line can show them (a webhook's id is a credential).
    redact.register(os.environ.get(SECRET_ENV, "").strip())
    for value in kw["notify_targets"]:
        register_hook_id(value)
    lang = setup(kw["verbose"], kw["quiet"], kw["log_file"], kw["lang"])
    read = read_settings(input_path, kw, lang) if input_path is not None else None
    settings = DoctorSettings(
        choice=token_choice(kw, lang),
        read=read,
        rate_per_second=kw["rate_per_second"],
        rate_per_minute=kw["rate_per_minute"],
        lang=lang,
        notify=tuple(kw["notify_targets"]),
        send_test=kw["send_test"],
    )
    report = doctor_job(settings)
    if kw["as_json"]:
        say(json.dumps(report.to_json(), ensure_ascii=False), err=False)
    else:
        _print(report, lang)
    sys.exit(report.exit_code)


def _print(report: DoctorReport, lang: str) -> None:
    lines = [i18n.text("doctor_title", lang, host=report.host, profile=report.profile)]
    width = max(len(i18n.text(f"doctor_status_{s.value}", lang)) for s in Status)
    for check in report.checks:
        status = i18n.text(f"doctor_status_{check.status.value}", lang)
        label_key = "doctor_label_" + check.name.replace(".", "_")
        label = i18n.text(label_key, lang) if i18n.has(label_key) else check.name
        line = i18n.text("doctor_line", lang, label=label, message=check.message)
        lines.append(f"  [{status:<{width}}] {line}")
        if check.advice and check.status in (Status.FAIL, Status.WARN):
            lines.append(f"  {'':<{width + 2}} -> {check.advice}")
    failed = sum(1 for check in report.checks if check.status is Status.FAIL)
    lines.append(
        i18n.text("doctor_ready", lang)
        if report.ready
        else i18n.text("doctor_not_ready", lang, count=failed)
    )
    for line in lines:
        say(line, err=False)
