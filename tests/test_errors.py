"""The exception tree: every error batchbind raises on purpose is in it and knows its exit code;
a folder that cannot be written is a bad invocation (2), never an internal error (70)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ADMIN, write_input

from batchbind import errors
from batchbind.cli import cli


def test_every_error_is_in_the_tree_with_its_exit_code() -> None:
    classes = [
        c for _, c in inspect.getmembers(errors, inspect.isclass) if c.__module__ == errors.__name__
    ]
    assert {c.__name__ for c in classes} == set(errors.__all__)
    for cls in classes:
        assert issubclass(cls, errors.BatchbindError)
        assert cls.exit_code in (1, 2, 3, 70, 75)
        assert cls.__name__ in (errors.__doc__ or ""), f"{cls.__name__} is not drawn in the tree"
    assert errors.OutputError.exit_code == 2
    assert errors.ScenarioError.exit_code == 2
    assert errors.OAuthError.exit_code == errors.LoginFailed.exit_code == 1


def test_errors_stay_importable_where_they_are_used() -> None:
    from batchbind.auth.loopback import LoginFailed
    from batchbind.auth.oauth import OAuthError
    from batchbind.auth.profiles import ProfileError
    from batchbind.output.writers import OutputError
    from batchbind.sandbox import ScenarioError

    assert {OAuthError, LoginFailed, ProfileError, OutputError, ScenarioError} <= {
        getattr(errors, name) for name in errors.__all__
    }


@pytest.mark.parametrize("command", ["validate", "template"])
def test_a_results_folder_that_cannot_be_written_is_exit_2_and_one_sentence(
    tmp_path: Path, command: str
) -> None:
    # Tests run as root, which may write anywhere: a path "under" a regular file cannot be
    # written by anyone.
    blocker = tmp_path / "somefile"
    blocker.write_text("not a folder")
    out = blocker / "out.xlsx"
    if command == "validate":
        source = write_input(tmp_path / "in.csv", [(ADMIN, "alice@corp.example", "ou_alice")])
        args = ["validate", str(source), "--out", str(out)]
    else:
        args = ["template", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and str(blocker) in lines[0]
