"""The public API: every name in `batchbind.__all__` imports, is described in the package's
docstring and documents itself; `import batchbind` stays light (jobs load on first use)."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import batchbind


def _own_doc(obj: object, name: str) -> str:
    doc = inspect.getdoc(obj) or ""
    # A dataclass without a docstring gets its signature as one: that documents nothing.
    return "" if doc.startswith(f"{name}(") else doc


@pytest.mark.parametrize("name", batchbind.__all__)
def test_every_public_name_imports_and_is_described(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from batchbind import {name}", namespace)
    assert namespace[name] is getattr(batchbind, name)
    assert f"`{name}`" in (batchbind.__doc__ or ""), f"{name} is not in the package docstring"


@pytest.mark.parametrize("name", [n for n in batchbind.__all__ if n != "__version__"])
def test_every_public_name_has_its_own_docstring(name: str) -> None:
    assert _own_doc(getattr(batchbind, name), name)


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        batchbind.no_such_thing  # noqa: B018


def test_import_batchbind_does_not_load_the_jobs() -> None:
    code = "import sys, batchbind; print(any(m.startswith('batchbind.jobs') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
