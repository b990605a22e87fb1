"""Run-wide errors: the only exceptions batchbind raises on purpose.

Rows are never exceptions (a refused row is a result). These are for the run as a whole, and
the CLI turns each into one clear sentence and its exit code, never a traceback::

    BatchbindError            exit 70: an unexpected problem (please report it)
    ├── InputError            exit 2: bad invocation or unreadable input; nothing was sent
    │   ├── OutputError       exit 2: a results or template file cannot be written
    │   ├── ProfileError      exit 2: stored credentials cannot be used (name, permissions, file)
    │   └── ScenarioError     exit 2: a sandbox scenario (or its state file) is not usable
    ├── JournalError          exit 2: the journal cannot be used (missing, corrupt, newer version)
    ├── RunStopped            exit 3: token, permission, tenant, quota, circuit breaker
    ├── AuthError             exit 1: `batchbind auth` could not log in
    │   ├── OAuthError        the token endpoint refused (or never answered)
    │   └── LoginFailed       the browser came back without a usable code
    └── JournalLocked         exit 75: another batchbind process holds the journal

An error carries either a plain sentence, or a key of the message catalogue
(`batchbind.output.i18n`) and its parameters: `InputError.of("file_not_found", path=p)`. A keyed
error is English in `str(exc)` (logs, tests) and speaks the user's `--lang` where the CLI shows
it (`exc.render(lang)`); its hint is the catalogue's `<key>_hint` when there is one.

Two exceptions stay inside their module and never reach a user: the send engine's `Stopped`
(a worker leaves its row as it is) and the CSV reader's `_Unusual` (try the careful path).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from batchbind.output import i18n

__all__ = [
    "AuthError",
    "BatchbindError",
    "InputError",
    "JournalError",
    "JournalLocked",
    "LoginFailed",
    "OAuthError",
    "OutputError",
    "ProfileError",
    "RunStopped",
    "ScenarioError",
]


class BatchbindError(Exception):
    """batchbind stopped because of an unexpected problem."""

    exit_code = 70

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        key: str = "",
        hint_key: str = "",
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.key = key
        self.hint_key = hint_key
        self.params: dict[str, object] = dict(params or {})

    @classmethod
    def of(cls, key: str, /, *, hint_key: str | None = None, **params: Any) -> Self:
        """The error whose sentence is catalogue entry `key` (hint: `<key>_hint` if it exists)."""
        if hint_key is None:
            hint_key = f"{key}_hint" if i18n.has(f"{key}_hint") else ""
        return cls(
            _text(key, "en", params),
            hint=_text(hint_key, "en", params) if hint_key else "",
            key=key,
            hint_key=hint_key,
            params=params,
        )

    def render(self, lang: str) -> tuple[str, str]:
        """The sentence and the hint in `lang`; a plain-string error is shown as it was given."""
        message = _text(self.key, lang, self.params) if self.key else self.message
        hint = _text(self.hint_key, lang, self.params) if self.hint_key else self.hint
        return message, hint

    def __str__(self) -> str:
        return self.message


def _text(key: str, lang: str, params: Mapping[str, object]) -> str:
    # A parameter may itself be an error (an inner cause): it speaks the same language.
    shown = {
        k: v.render(lang)[0] if isinstance(v, BatchbindError) else v for k, v in params.items()
    }
    return i18n.text(key, lang, **shown)


class InputError(BatchbindError):
    """The input cannot be used: nothing was sent."""

    exit_code = 2


class OutputError(InputError):
    """The results file cannot be written (folder missing or read-only, disk full, ...)."""


class ProfileError(InputError):
    """A profile cannot be used as it is (bad name, unsafe permissions, unreadable file)."""


class ScenarioError(InputError):
    """The sandbox cannot start: the scenario (or its state file) is not usable."""


class JournalError(BatchbindError):
    """The journal cannot be opened safely."""

    exit_code = 2


class RunStopped(BatchbindError):
    """The run stopped on a problem that concerns every row; unsent rows stay pending."""

    exit_code = 3
    #: A call refused for a scope the user never granted: logging in again asking for it is the
    #: fix (`auth.scopes.missing_scope_stop`; the web page offers its own login for it).
    endpoint: str = ""


class AuthError(BatchbindError):
    """`batchbind auth` could not log in (the contract's `auth` exit codes are 0 and 1)."""

    exit_code = 1


class OAuthError(AuthError):
    """The token endpoint refused (or never answered)."""

    def __init__(
        self, message: str, *, code: int | None = None, retryable: bool = False, **keyed: Any
    ) -> None:
        super().__init__(message, **keyed)
        self.code = code
        self.retryable = retryable


class LoginFailed(AuthError):
    """The browser came back without a usable code."""


class JournalLocked(BatchbindError):
    """Another batchbind process holds the journal."""

    exit_code = 75
