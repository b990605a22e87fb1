"""`doctor`: is this machine and tenant ready for `run`? A checklist; nothing is bound."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from batchbind.auth.choose import TokenChoice
from batchbind.cli.common import friendly_errors, global_options, say, setup
from batchbind.cli.exits import epilog
from batchbind.jobs.doctor import DoctorReport, DoctorSettings, Status, doctor_job
from batchbind.jobs.settings import ReadSettings
from batchbind.model import UserIdType
from batchbind.output import i18n

DOCTOR_EXAMPLE = """

\b
Examples:
  batchbind doctor
  batchbind doctor bindings.xlsx --profile acme
  batchbind doctor bindings.csv --sandbox --json
"""


@click.command(epilog=epilog("doctor", DOCTOR_EXAMPLE))
@click.argument("input_path", metavar="[INPUT]", required=False, type=click.Path(path_type=Path))
@click.option("--profile", default="default", show_default=True, help="Which stored credentials.")
@click.option("--base-url", help="Any Feishu-compatible origin (https:// except on loopback).")
@click.option(
    "--domain",
    type=click.Choice(["feishu", "lark"]),
    default=None,
    help="Feishu (China) or Lark (international). Default: the profile's host, else feishu.",
)
@click.option(
    "--token",
    help="A user_access_token to check (visible in the process list: prefer "
    "FEISHU_USER_ACCESS_TOKEN).",
)
@click.option("--sandbox", is_flag=True, help="Check the local emulator (started if needed).")
@click.option(
    "--sandbox-scenario",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Scenario for the background sandbox (implies --sandbox).",
)
@click.option("--sheet", help="The .xlsx sheet to read (default: the first whose headers match).")
@click.option("--encoding", help="CSV encoding (default: detected).")
@click.option("--delimiter", help="CSV delimiter (default: detected).")
@click.option(
    "--user-id-type",
    type=click.Choice([t.value for t in UserIdType]),
    default="open_id",
    show_default=True,
    help="What the user_id column holds.",
)
@click.option(
    "--allow-multiple-per-user", is_flag=True, help="One user may have several Exchange accounts."
)
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
@global_options
@friendly_errors
def doctor(input_path: Path | None, **kw: Any) -> None:
    """Say whether this machine and tenant are ready for 'run', binding nothing.

    A checklist: the network (the host reachable, TLS verified through the system's certificate
    store, the proxy in use), the token (present, accepted, renewable; renewed only when due),
    the super administrator, the token's scopes against what each command needs, and with INPUT
    the file (it reads and validates) and how long sending it takes at the rate ceiling.
    """
    lang = setup(kw["verbose"], kw["quiet"], kw["log_file"], kw["lang"])
    if kw["token"] and not (kw["sandbox"] or kw["sandbox_scenario"]):
        say(i18n.text("token_on_command_line", lang))
    read = None
    if input_path is not None:
        read = ReadSettings(
            input=input_path,
            sheet=kw["sheet"],
            encoding=kw["encoding"],
            delimiter=kw["delimiter"],
            user_id_type=UserIdType(kw["user_id_type"]),
            allow_multiple_per_user=kw["allow_multiple_per_user"],
        )
    settings = DoctorSettings(
        choice=TokenChoice(
            token=kw["token"],
            profile=kw["profile"],
            base_url=kw["base_url"],
            domain=kw["domain"],
            sandbox=kw["sandbox"],
            sandbox_scenario=kw["sandbox_scenario"],
        ),
        read=read,
        rate_per_second=kw["rate_per_second"],
        rate_per_minute=kw["rate_per_minute"],
        lang=lang,
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
