"""Secrets never leave the process: every log record and error message is scrubbed.

Whoever learns a secret (a token from the command line, the environment or a profile) registers
it here; the logging filter and the CLI's error printer replace it wherever it appears.
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


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            record.msg = scrub(record.getMessage())
            record.args = None
        return True
