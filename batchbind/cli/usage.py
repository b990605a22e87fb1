"""Click's own words (usage errors, `Usage:`, `Try ... for help.`) in the user's language.

Click says everything through gettext: each of its modules calls `_()` and `ngettext()` (imported
as `from gettext import gettext as _`) on its English message ids. Python's gettext reads only
compiled `.mo` files from a folder, while batchbind keeps every sentence in one catalogue; so,
while a command runs in Chinese, the names click's modules call are pointed at the catalogue's
`click_` keys, whose English text is click's message id (tests/test_usage_language.py checks
each against the click installed). An id that a later click adds or rewords stays English until
the catalogue learns it: the same test then fails.

Only the messages a batchbind user can meet are translated: the usage errors and click's prompts.
The `--help` pages stay English.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator, Sequence
from types import ModuleType

from batchbind.output import i18n

#: The click modules that call `_` / `ngettext` on a message a batchbind user can see.
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types")


def lang_asked(argv: Sequence[str]) -> str | None:
    """The `--lang` of the command line (the last one, as click takes it), before click parses it.

    A usage error stops click before it has read the options, `--lang` included.
    """
    asked = None
    for i, word in enumerate(argv):
        if word == "--":
            break
        if word == "--lang" and i + 1 < len(argv):
            value: str | None = argv[i + 1]
        elif word.startswith("--lang="):
            value = word.removeprefix("--lang=")
        else:
            continue
        if value in i18n.LANGS:
            asked = value
    return asked


def click_keys() -> list[str]:
    """The catalogue keys of click's messages."""
    return [key for key in i18n.keys() if key.startswith("click_")]  # noqa: SIM118 (a list)


def translations(lang: str) -> dict[str, str]:
    """Click's English message ids and their text in `lang`."""
    return {i18n.template(key, "en"): i18n.template(key, lang) for key in click_keys()}


@contextlib.contextmanager
def click_speaks(lang: str) -> Iterator[None]:
    """While inside, click's own messages are in `lang` (as they were, after)."""
    if lang == "en":
        yield
        return
    known = translations(lang)

    def gettext(message: str) -> str:
        return known.get(message, message)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return gettext(singular if n == 1 else plural)

    saved: list[tuple[ModuleType, str, object]] = []
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        for attr, ours in (("_", gettext), ("ngettext", ngettext)):
            if hasattr(module, attr):
                saved.append((module, attr, getattr(module, attr)))
                setattr(module, attr, ours)
    try:
        yield
    finally:
        for where, attr, theirs in reversed(saved):
            setattr(where, attr, theirs)
