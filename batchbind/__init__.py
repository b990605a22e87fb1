"""batchbind: bind Exchange mailboxes to Feishu (Lark) accounts from one spreadsheet.

The public API is what `__all__` lists; the sub-packages' modules are batchbind's own business.

Reading a file:
    `load_table`           a CSV or Excel file as it is (a `Table`), or an `InputError`
    `read_and_check`       read, clean and validate: the table and what validation found
    `ReadSettings`         which file, sheet, encoding, delimiter, user id type

The jobs (each takes settings and returns a result with its `exit_code`):
    `validate_job`         check a file, send nothing, write the results file
    `run_job`              bind every valid row (`RunSettings` in, `JobResult` out)
    `report_job`           render a run's results again from the journal (`ReportResult`)
    `status_job`           ask Feishu how bound calendars are syncing (`StatusResult`)
    `unbind_job`           undo bindings: a results file read back with `read_view` as a
                           `View`, the rows chosen as a `Selection` (`UnbindResult`)
    `resolve_job`          fill in user ids from e-mail addresses (`ResolveSettings`,
                           `ResolveResult`)
    `doctor_job`           is this machine and tenant ready for `run_job`? A checklist
                           (`DoctorSettings` in, `DoctorReport` of `Check`s out); binds nothing
    `ConnectionSettings`   what every sending job adds to `ReadSettings`: host, token, pace
    `LifecycleSettings`    the settings of `status_job` and `unbind_job`
    `RunSettings`, `JobResult`, `ReportResult`, `StatusResult`, `UnbindResult`,
    `ResolveSettings`, `ResolveResult`, `View`, `Selection`: as named above

What needs a person (for a report or a notification of your own):
    `group_causes`         results grouped by cause, the largest first (`CauseGroup`: the cause,
                           its code and hint, how many rows, the first row numbers); a job's
                           `counts.causes` holds them already

The journal and the emulator:
    `Journal`              the SQLite record of every row's state (the truth results come from)
    `SandboxServer`        the Feishu emulator on loopback, for rehearsals and tests

Errors (the tree, with exit codes, is drawn in `batchbind.errors`):
    `BatchbindError`, `InputError`, `OutputError`, `ProfileError`, `ScenarioError`,
    `JournalError`, `RunStopped`, `AuthError`, `OAuthError`, `LoginFailed`, `JournalLocked`

`__version__` is batchbind's version. Jobs are imported on first use (PEP 562): `import batchbind`
stays instant, and so does starting the sandbox, which would otherwise load the send engine and
its HTTP client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from batchbind.errors import (
    AuthError,
    BatchbindError,
    InputError,
    JournalError,
    JournalLocked,
    LoginFailed,
    OAuthError,
    OutputError,
    ProfileError,
    RunStopped,
    ScenarioError,
)

__version__ = "0.1.0"

if TYPE_CHECKING:
    from batchbind.input.load import load_table
    from batchbind.jobs.doctor import Check, DoctorReport, DoctorSettings, doctor_job
    from batchbind.jobs.resolve import ResolveResult, ResolveSettings, resolve_job
    from batchbind.jobs.run import (
        JobResult,
        ReportResult,
        RunSettings,
        read_and_check,
        report_job,
        run_job,
        validate_job,
    )
    from batchbind.jobs.settings import ConnectionSettings, ReadSettings
    from batchbind.jobs.status import StatusResult, status_job
    from batchbind.jobs.unbind import Selection, UnbindResult, unbind_job
    from batchbind.jobs.view import LifecycleSettings, View, read_view
    from batchbind.output.causes import CauseGroup, group_causes
    from batchbind.sandbox.server import SandboxServer
    from batchbind.store.journal import Journal

#: Public name -> the module that defines it (imported when the name is first used).
_LAZY: dict[str, str] = {
    "load_table": "batchbind.input.load",
    "read_and_check": "batchbind.jobs.run",
    "ReadSettings": "batchbind.jobs.settings",
    "ConnectionSettings": "batchbind.jobs.settings",
    "validate_job": "batchbind.jobs.run",
    "run_job": "batchbind.jobs.run",
    "RunSettings": "batchbind.jobs.run",
    "JobResult": "batchbind.jobs.run",
    "report_job": "batchbind.jobs.run",
    "ReportResult": "batchbind.jobs.run",
    "LifecycleSettings": "batchbind.jobs.view",
    "View": "batchbind.jobs.view",
    "read_view": "batchbind.jobs.view",
    "status_job": "batchbind.jobs.status",
    "StatusResult": "batchbind.jobs.status",
    "unbind_job": "batchbind.jobs.unbind",
    "Selection": "batchbind.jobs.unbind",
    "UnbindResult": "batchbind.jobs.unbind",
    "resolve_job": "batchbind.jobs.resolve",
    "doctor_job": "batchbind.jobs.doctor",
    "DoctorSettings": "batchbind.jobs.doctor",
    "DoctorReport": "batchbind.jobs.doctor",
    "Check": "batchbind.jobs.doctor",
    "ResolveSettings": "batchbind.jobs.resolve",
    "ResolveResult": "batchbind.jobs.resolve",
    "CauseGroup": "batchbind.output.causes",
    "group_causes": "batchbind.output.causes",
    "Journal": "batchbind.store.journal",
    "SandboxServer": "batchbind.sandbox.server",
}

__all__ = [  # grouped in the docstring above
    "AuthError",
    "BatchbindError",
    "CauseGroup",
    "Check",
    "ConnectionSettings",
    "DoctorReport",
    "DoctorSettings",
    "InputError",
    "JobResult",
    "Journal",
    "JournalError",
    "JournalLocked",
    "LifecycleSettings",
    "LoginFailed",
    "OAuthError",
    "OutputError",
    "ProfileError",
    "ReadSettings",
    "ReportResult",
    "ResolveResult",
    "ResolveSettings",
    "RunSettings",
    "RunStopped",
    "SandboxServer",
    "ScenarioError",
    "Selection",
    "StatusResult",
    "UnbindResult",
    "View",
    "__version__",
    "doctor_job",
    "group_causes",
    "load_table",
    "read_and_check",
    "read_view",
    "report_job",
    "resolve_job",
    "run_job",
    "status_job",
    "unbind_job",
    "validate_job",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'batchbind' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
