"""How batchbind reaches Feishu: the operating system's certificates, proxies, loopback.

Corporate networks re-sign TLS with their own root certificate, which they install in the
operating system's store, not in certifi's bundle: `truststore` makes Python verify against the
OS store (Windows, macOS, Linux alike), so such proxies work without extra settings. Proxies come
from the environment (`HTTPS_PROXY`, `NO_PROXY`); loopback never goes through one.
"""

from __future__ import annotations

import functools
import ipaddress
import ssl
from typing import Any
from urllib.parse import urlsplit

import truststore


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying context backed by the OS certificate store (built once: it is not cheap)."""
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def client_options(base_url: str) -> dict[str, Any]:
    """The httpx client settings for talking to `base_url`: OS trust store, proxies unless loopback."""
    host = urlsplit(base_url).hostname or ""
    loopback = is_loopback(host)
    # Always the shared context: httpx would otherwise load certifi's bundle for every client.
    return {"trust_env": not loopback, "verify": tls_context()}
