"""batchbind: bind Exchange mailboxes to Feishu (Lark) accounts from one spreadsheet."""

from __future__ import annotations

__version__ = "0.1.0"
