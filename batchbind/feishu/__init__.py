"""Talking to Feishu: the one HTTP client, what every answer means, and how fast to ask.

Modules: `client` (the HTTP client and the binding calls), `codes` (the one table of Feishu codes
and HTTP statuses: class and hint), `pacing` (the per-endpoint budgets every request waits on),
`retry` (the one retry helper: which answers are retryable, attempts and total time, backoff),
`preflight` (the side-effect-free check before the first row), `network` (the one httpx setup:
TLS through the OS trust store, proxies, the keep-alive lanes, loopback; what a failed exchange
means).
"""
