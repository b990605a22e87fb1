"""Run-wide errors: the only exceptions batchbind raises on purpose.

Rows are never exceptions (a refused row is a result). These are for the run as a whole, and
the CLI turns each into one clear sentence and its exit code, never a traceback::

    BatchbindError            exit 70 unless a subclass says otherwise
    ├── InputError            exit 2: bad invocation or unreadable input; nothing was sent
    ├── RunStopped            exit 3: token, permission, tenant, quota, circuit breaker
    ├── JournalLocked         exit 75: another batchbind process holds the journal
    └── JournalError          exit 2: the journal cannot be used (corrupt, newer version)
"""

from __future__ import annotations


class BatchbindError(Exception):
    """batchbind stopped because of an unexpected problem."""

    exit_code = 70

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InputError(BatchbindError):
    """The input cannot be used: nothing was sent."""

    exit_code = 2


class RunStopped(BatchbindError):
    """The run stopped on a problem that concerns every row; unsent rows stay pending."""

    exit_code = 3


class JournalLocked(BatchbindError):
    """Another batchbind process holds the journal."""

    exit_code = 75


class JournalError(BatchbindError):
    """The journal cannot be opened safely."""

    exit_code = 2
