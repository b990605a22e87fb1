"""CI runs exactly the README's test command, and that command installs what the suite needs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_test_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    step = readme[readme.index("**2. Test**") :]
    match = re.search(r"```sh\n(.+?)\n```", step, re.DOTALL)
    assert match is not None, "no ```sh block after **2. Test** in the README"
    return match.group(1)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").rstrip("\n").splitlines()
    assert ci[-1] == readme_test_command()


def test_the_test_command_installs_chromium_for_the_browser_tests_first() -> None:
    command = readme_test_command()
    assert command.startswith(
        "(command -v chromium || (apt-get update && apt-get install -y chromium)) && "
    )
    assert command.endswith("&& pytest")  # the browser tests included: no marker left out
