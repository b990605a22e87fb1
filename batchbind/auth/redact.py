"""Secrets never leave the process: every log record and error message is scrubbed.

Whoever learns a secret (a token from the command line, the environment or a profile) registers
it here; the logging filter and the CLI's error printer replace it wherever it appears: in a log
record's message, and in the exception text and traceback it carries (a secret inside an
exception's message, or in a line of source a traceback quotes, must not reach `-v` output or
`--log-file`).

Text from a server is scrubbed harder (`scrub_server_text`): a server or a proxy may echo the
request's `Authorization` header back in a message or a log id, with a token nobody registered
(a refreshed one, another tool's), so anything shaped like a Feishu token goes too.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_SECRETS: set[str] = set()
MASK = "***"


def register(secret: str | None) -> None:
    if secret and len(secret) >= 4:
        _SECRETS.add(secret)


def scrub(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


#: Anything shaped like a Feishu token: user (`u-`), refresh (`ur-`), tenant (`t-`) and app
#: (`a-`) tokens of 16 characters and more, and whatever follows `Bearer`.
_TOKEN_SHAPE = re.compile(r"(?<![\w-])(?:ur|[uta])-[A-Za-z0-9_.~+/=-]{16,}")
_BEARER = re.compile(r"(?i)(\bbearer\s+)[^\s\"',;)]+")


def scrub_server_text(text: str) -> str:
    """Server text without any known secret, token-shaped word or `Bearer` credential."""
    text = scrub(text)
    if "-" in text or "earer" in text:  # the common case: short messages with neither
        text = _TOKEN_SHAPE.sub(MASK, _BEARER.sub(lambda m: m[1] + MASK, text))
    return text


def scrub_values(value: Any) -> Any:
    """`value` (JSON: dicts, lists, text) with every known secret removed from its text.

    Only exact secrets: the values are identifiers (binding ids, user ids) compared with rows,
    which a pattern could mistake for tokens.
    """
    if isinstance(value, str):
        return scrub(value) if _SECRETS else value
    if isinstance(value, dict):
        return {k: scrub_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_values(v) for v in value]
    return value


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
