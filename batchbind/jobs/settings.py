"""What a job needs to know: how to read the sheet, and how to talk to Feishu.

`run`, `status` and `unbind` share the connection settings (origin, token, journal, budget,
pool, circuit breaker); each job adds its own on top.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from batchbind.auth.tokens import TokenSource
from batchbind.feishu.client import FeishuClient
from batchbind.feishu.pacing import Budget, Pacers
from batchbind.jobs.engine import PoolOptions
from batchbind.model import UserIdType
from batchbind.tracker.links import TrackerLink


@dataclass(kw_only=True)
class ReadSettings:
    """How to read the input sheet, and what its user_id column holds.

    With `link`, the input is the team's tracker (issue 14), read with a client from
    `tracker_client` (`ConnectionSettings` gives its own); `input` is then the document's title as
    a file name once it is read (the default results file is named after it).
    """

    input: Path
    link: TrackerLink | None = None
    tracker_client: Callable[[], FeishuClient] | None = field(
        default=None, repr=False, compare=False
    )
    lang: str = "en"
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    user_id_type: UserIdType = UserIdType.OPEN_ID
    allow_multiple_per_user: bool = False
    # How hints, the journal and the Summary sheet name the input, when not by its path: a web
    # page's upload is read from a private copy that the user never sees (`batchbind ui`).
    shown_as: str | None = None

    def shown_input(self) -> str:
        return self.shown_as or str(self.link or self.input)


@dataclass(kw_only=True)
class ConnectionSettings(ReadSettings):
    """Whom a job talks to (origin, token, journal) and how (budget, pool, circuit breaker)."""

    base_url: str
    token: str = field(repr=False)
    # Where the token comes from when it can be renewed (a profile); else `token` is used as is.
    tokens: TokenSource | None = field(default=None, repr=False, compare=False)
    state: Path
    out: Path | None = None
    # Replace an existing --out that is not a batchbind results file (never the input itself).
    force: bool = False
    rate_per_second: float = 50.0
    rate_per_minute: float = 1000.0
    concurrency: int = 32
    max_attempts: int = 5
    # Stop after this many items in a row failing with the same code (0: never).
    circuit_breaker: int = 50
    progress: bool = True

    def public(self) -> dict[str, str]:
        """The settings the Summary sheet and the journal may show (never the token)."""
        return {
            "input": self.shown_input(),
            "base_url": self.base_url,
            "user_id_type": self.user_id_type.value,
            "rate_per_second": f"{self.rate_per_second:g}",
            "rate_per_minute": f"{self.rate_per_minute:g}",
            "concurrency": str(self.concurrency),
            "max_attempts": str(self.max_attempts),
            "circuit_breaker": str(self.circuit_breaker),
        }

    def __post_init__(self) -> None:
        if self.tracker_client is None:
            self.tracker_client = self.client

    def pool_options(self) -> PoolOptions:
        return PoolOptions(
            concurrency=self.concurrency,
            max_attempts=self.max_attempts,
            circuit_breaker=self.circuit_breaker,
            lang=self.lang,
        )

    def pacers(self) -> Pacers:
        return Pacers(Budget(per_second=self.rate_per_second, per_minute=self.rate_per_minute))

    def token_source(self) -> TokenSource:
        return self.tokens or TokenSource(self.token, lang=self.lang)

    def client(self) -> FeishuClient:
        return FeishuClient(
            self.base_url,
            self.token_source(),
            user_id_type=self.user_id_type.value,
            max_connections=self.concurrency,
            lang=self.lang,
        )
