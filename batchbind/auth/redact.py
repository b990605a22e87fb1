"""Secrets never leave the process: every log record and error message is scrubbed.

Whoever learns a secret (a token from the command line, the environment or a profile) registers
it here; the logging filter and the CLI's error printer replace it wherever it appears: in a log
record's message, and in the exception text and traceback it carries (a secret inside an
exception's message, or in a line of source a traceback quotes, must not reach `-v` output or
`--log-file`).
"""

from __future__ import annotations

import logging

_SECRETS: set[str] = set()
MASK = "***"


def register(secret: str | None) -> None:
    if secret and len(secret) >= 4:
        _SECRETS.add(secret)


def scrub(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


_TRACEBACKS = logging.Formatter()


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            record.msg = scrub(record.getMessage())
            record.args = None
            if record.exc_info:
                # Formatted (and scrubbed) here, once: a formatter would render `exc_info` itself,
                # after every filter has run, with the secrets still in it.
                record.exc_text = _TRACEBACKS.formatException(record.exc_info)
                record.exc_info = None
            if record.exc_text:
                record.exc_text = scrub(record.exc_text)
            if record.stack_info:
                record.stack_info = scrub(record.stack_info)
        return True
