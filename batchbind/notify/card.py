"""The message a run posts: its summary as short lines, then as a card (or as plain text).

The shared docs name the message types (`text`, `post`, `interactive` with a `card`) but not a
card's inner shape; the card here uses the message card's long-standing elements only (a
`header` with a `title` and a colour `template`, `div` text, `hr`, `note`). A tenant whose
client shows it wrong can ask for the documented `text` message instead (`format = "text"`).

Phone first: a title that says how the run ended, then one fact per line. Text from elsewhere
(a stop's reason, a hint) is masked of e-mail addresses and cut short; the whole message stays
well under the webhook's 20 KB.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from batchbind.auth import redact
from batchbind.notify.summary import RunSummary
from batchbind.output import i18n
from batchbind.output.causes import rows_text

FORMATS = ("card", "text")
#: The webhook refuses bodies over 20 KB; a message stays under this, with room for the envelope.
MAX_BYTES = 16 * 1024
#: Causes named on the card (the results file has them all).
MAX_CAUSES = 5
MAX_TEXT = 300

_EMAIL = re.compile(r"[^\s@<>()\[\]{},;:'\"]+@[^\s@<>()\[\]{},;:'\"]+\.[A-Za-z]{2,}")

#: The header's colour for each way a run ends (the card's `template` names).
_COLOURS = {0: "green", 1: "orange", 4: "yellow", 130: "grey", 143: "grey"}


def _mask(found: re.Match[str]) -> str:
    # example.com is reserved for examples (RFC 2606): a hint's "like name@example.com" stays.
    address = found.group(0)
    return address if address.casefold().endswith("@example.com") else "[e-mail]"


def safe(text: str, limit: int = MAX_TEXT) -> str:
    """Server or error text made fit for a group: no secret, no e-mail address, not too long."""
    cleaned = _EMAIL.sub(_mask, redact.scrub(text)).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def ending(summary: RunSummary) -> str:
    """The exit code in words, as the command's contract reads it."""
    code, lang = summary.exit_code, summary.lang
    for key in (f"notify_end_{summary.command}_{code}", f"notify_end_{code}"):
        if i18n.has(key):
            return i18n.text(key, lang)
    return i18n.text("notify_end_other", lang, code=code)


@dataclass(frozen=True, slots=True)
class Message:
    """The summary as sections of short lines; `card()` and `text()` are its two shapes."""

    title: str
    colour: str
    sections: tuple[tuple[str, ...], ...]
    footer: tuple[str, ...]

    def card(self) -> dict[str, Any]:
        elements: list[dict[str, Any]] = []
        for number, lines in enumerate(self.sections):
            if number:
                elements.append({"tag": "hr"})
            elements.append(
                {"tag": "div", "text": {"tag": "plain_text", "content": "\n".join(lines)}}
            )
        if self.footer:
            elements.append(
                {
                    "tag": "note",
                    "elements": [{"tag": "plain_text", "content": line} for line in self.footer],
                }
            )
        return {
            "config": {"wide_screen_mode": True},
            "header": {
                "template": self.colour,
                "title": {"tag": "plain_text", "content": self.title},
            },
            "elements": elements,
        }

    def text(self) -> str:
        blocks = ["\n".join(lines) for lines in self.sections]
        return "\n\n".join([self.title, *blocks, "\n".join(self.footer)]).strip()

    def size(self, fmt: str) -> int:
        shape: object = self.card() if fmt == "card" else self.text()
        return len(json.dumps(shape, ensure_ascii=False).encode("utf-8"))


def compose(summary: RunSummary, *, max_causes: int = MAX_CAUSES) -> Message:
    lang = summary.lang
    title = i18n.text(
        "notify_title",
        lang,
        ending=ending(summary),
        command=summary.command,
        source=safe(summary.source, 80) or "-",
    )
    head = [i18n.text("notify_where", lang, tenant=summary.tenant or "-", code=summary.exit_code)]
    if summary.counts:
        head.append(", ".join(f"{name} {n}" for name, n in summary.counts))
    if summary.run_id is not None or summary.sent:
        duration = f"{summary.duration_s:.1f}s"
        if summary.bound_now is not None:
            head.append(
                i18n.text(
                    "notify_this_run",
                    lang,
                    sent=summary.sent,
                    bound=summary.bound_now,
                    throttled=summary.throttled,
                    duration=duration,
                )
            )
        else:
            head.append(
                i18n.text(
                    "notify_this_run_requests",
                    lang,
                    sent=summary.sent,
                    throttled=summary.throttled,
                    duration=duration,
                )
            )
    sections: list[tuple[str, ...]] = [tuple(head)]
    if summary.stop_reason:
        stop = [i18n.text("notify_why", lang, reason=safe(summary.stop_reason))]
        if summary.stop_hint:
            stop.append(i18n.text("notify_todo", lang, hint=safe(summary.stop_hint)))
        if summary.pending:
            stop.append(i18n.text("notify_pending", lang, count=summary.pending))
        sections.append(tuple(stop))
    elif summary.pending and summary.exit_code in (130, 143):
        sections.append((i18n.text("notify_pending", lang, count=summary.pending),))
    if summary.causes:
        shown = summary.causes[:max_causes]
        lines = [i18n.text("notify_causes", lang)]
        for cause in shown:
            lines.append(
                i18n.text(
                    "notify_cause",
                    lang,
                    count=cause.count,
                    cause=safe(cause.cause(lang), 120),
                    code=safe(cause.code, 60) or "-",
                    hint=safe(cause.hint, 200),
                    rows=rows_text(cause.rows, cause.count, lang),
                )
            )
        if len(summary.causes) > len(shown):
            rest = sum(c.count for c in summary.causes[len(shown) :])
            lines.append(
                i18n.text(
                    "notify_more_causes", lang, causes=len(summary.causes) - len(shown), rows=rest
                )
            )
        sections.append(tuple(lines))
    footer = (
        (i18n.text("notify_results", lang, path=safe(summary.results, 400)),)
        if summary.results
        else ()
    )
    return Message(
        title=title,
        colour=_COLOURS.get(summary.exit_code, "red"),
        sections=tuple(sections),
        footer=footer,
    )


def fitted(summary: RunSummary, fmt: str) -> Message:
    """`compose`, naming fewer causes until the message fits the webhook's limit."""
    for causes in range(MAX_CAUSES, -1, -1):
        message = compose(summary, max_causes=causes)
        if message.size(fmt) <= MAX_BYTES:
            return message
    return message


def payload(summary: RunSummary, fmt: str = "card") -> tuple[str, dict[str, Any] | str]:
    """(msg_type, the card or the text): what both bots send, each in its own envelope."""
    message = fitted(summary, fmt)
    if fmt == "text":
        return "text", message.text()
    return "interactive", message.card()
