"""Which values are certainly clean and valid as they are, found a whole column at a time.

Checking 100,000 rows one by one in Python costs more than reading them. Almost all values in a
binding list are plain ASCII e-mail addresses and ids, and one regular expression per field
recognises those; run over a column joined by line breaks, a single call goes through every
matching value and stops at the first that does not. Values it does not recognise are not
judged here: `batchbind.input.validation` checks those one by one and names their problems. The
patterns are stricter than those checks, never looser (tests hold them to that).
"""

from __future__ import annotations

import re
from itertools import compress
from operator import not_
from typing import Any, cast

from batchbind.input import columnar
from batchbind.model import UserIdType

#: The longest value a field may hold (the contract's 1–500 characters).
MAX_LENGTH = 500

# The rules of `batchbind.input.validation` (`_is_email`, `_user_id_problem`) for printable ASCII
# only: a fast path, never the judge. A value that matches is already clean (no spaces to trim,
# nothing to normalise, no `mailto:`) and passes every check of its field.
_MAILTO = "mailto:"
_NOT_MAILTO = r"(?![Mm][Aa][Ii][Ll][Tt][Oo]:)"
_SHORT = rf"(?=[^\n]{{1,{MAX_LENGTH}}}(?:\n|\Z))"  # at most MAX_LENGTH characters
# Plain patterns, read by Python's `re` and by polars (`batchbind.input.columnar`). Every `+` in
# them is a quantifier: `re` makes them possessive (`++`), since each part stops at a
# character the next one needs, so backtracking could never help.
_FAST_EMAIL = r"[!-?A-~]+@[!-\-/-?A-~]+(?:\.[!-\-/-?A-~]+)+"
_FAST_IDS: dict[UserIdType, tuple[str, tuple[str, ...]]] = {
    UserIdType.OPEN_ID: (r"ou_[0-9A-Za-z_-]+", ()),
    UserIdType.UNION_ID: (r"on_[0-9A-Za-z_-]+", ()),
    UserIdType.USER_ID: (r"[!-?A-~]+", ("ou_", "on_")),  # an id of another type is not a user_id
}
# How many values of a column tell whether it repeats a few values (checked once each).
_SAMPLE = 64


class Shape:
    """A field's fast-path pattern, applied to a whole column in a few calls."""

    def __init__(self, pattern: str, not_prefixes: tuple[str, ...] = ()) -> None:
        self.pattern, self.not_prefixes = pattern, not_prefixes
        unwanted = "".join(f"(?!{re.escape(prefix)})" for prefix in not_prefixes)
        python = f"{_NOT_MAILTO}{unwanted}{_SHORT}{pattern.replace('+', '++')}"
        self.one = re.compile(python)
        # The column joined by line breaks (which no matching value holds): one call runs
        # through all the matching values, and stops at the first that does not match.
        self.run = re.compile(f"(?:{python}\n)*+")

    def misfits(self, values: list[str], series: Any = None) -> list[int]:
        """The indexes of the values that do not match (`series`: the same values in polars)."""
        if len(set(values[:_SAMPLE])) * 4 < min(len(values), _SAMPLE):
            # The admin column: one or a few accounts, each checked once.
            distinct = set(values)
            wrong = set(compress(distinct, map(not_, map(self.one.fullmatch, distinct))))
            if not wrong:
                return []
            return list(compress(range(len(values)), map(wrong.__contains__, values)))
        if series is not None or columnar.wanted(values):
            return columnar.misfits(
                values,
                self.pattern,
                series=series,
                max_length=MAX_LENGTH,
                not_prefixes=self.not_prefixes,
                not_prefixes_any_case=(_MAILTO,),
            )
        text = "\n".join(values) + "\n"
        if text.count("\n") != len(values):  # a value holds a line break: one by one
            return list(compress(range(len(values)), map(not_, map(self.one.fullmatch, values))))
        found: list[int] = []
        run, end = self.run.match, len(text)
        position = index = 0
        while True:
            stop = cast("re.Match[str]", run(text, position)).end()
            index += text.count("\n", position, stop)
            if stop == end:
                return found
            found.append(index)
            position = text.index("\n", stop) + 1
            index += 1


#: E-mail addresses (the admin and Exchange accounts).
EMAIL = Shape(_FAST_EMAIL)
#: User ids of each type.
USER_IDS = {id_type: Shape(*shape) for id_type, shape in _FAST_IDS.items()}
