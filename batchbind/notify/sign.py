"""The signature a custom bot with a secret wants (shared docs, "Messages to a group").

`string_to_sign = f"{timestamp}\\n{secret}"` is the HMAC-SHA256 *key*, the message is empty, and
`sign` is the digest in base64. `timestamp` is in seconds and must be within an hour of Feishu's
clock, so it is taken just before each try, never reused from an earlier one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(timestamp: int, secret: str) -> str:
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")
