"""The Feishu emulator: a real HTTP server on loopback that speaks the binding API.

A first-class part of batchbind, not a test hack: teams rehearse against it (`batchbind sandbox`),
the tests and benchmarks run against it. Without a scenario it is a friendly tenant; a scenario
file makes it hostile on purpose (missing users, limits, latency, faults).

Modules: `scenario` (settings and their file format), `limits` (rate budgets), `chaos` (seeded
faults and latency), `state` (bindings and the state file), `requestlog`, `protocol` (routes and
envelopes), `bindings` (the three binding endpoints), `app` (the dispatcher), `server` (running it),
`owner` (proving whose it is), `background` (starting and stopping it for `--sandbox`).
"""

from __future__ import annotations

from batchbind.sandbox.scenario import SANDBOX_TOKEN, Scenario, ScenarioError, load_scenario
from batchbind.sandbox.server import SandboxServer, serve
from batchbind.sandbox.state import binding_id_for

__all__ = [
    "SANDBOX_TOKEN",
    "SandboxServer",
    "Scenario",
    "ScenarioError",
    "binding_id_for",
    "load_scenario",
    "serve",
]
