"""The built wheel ships the page of `batchbind ui` (its HTML, script and style), and the page
served from an installed copy is whole: a wheel without `ui/static/*` would start a server whose
page is a 500.

Built from a copy of the source, offline, with the venv's own setuptools (no build isolation,
which would download it), in a few seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ("app.js", "index.html", "style.css")
PIP = (sys.executable, "-m", "pip")
OFFLINE = ("--no-deps", "--no-index", "-q")

#: Run with the installed copy first on the path: serve the page, fetch its files.
_SERVE = """
import json, sys, httpx, batchbind
from batchbind.ui import UiServer
with UiServer(port=0) as server, httpx.Client(base_url=server.base_url) as http:
    assert http.get(server.link).status_code == 302  # the secret becomes the cookie
    found = {"package": batchbind.__file__, "page": http.get("/").text}
    for name in sys.argv[1:]:
        answer = http.get(f"/static/{name}")
        found[name] = [answer.status_code, answer.headers["content-type"], answer.text]
print(json.dumps(found))
"""


def test_the_wheel_ships_the_page_and_the_installed_page_serves_it(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "batchbind", source / "batchbind", ignore=ignore)
    built = subprocess.run(
        [
            *PIP,
            "wheel",
            *OFFLINE,
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("batchbind-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in STATIC:
        assert f"batchbind/ui/static/{name}" in names, sorted(names)

    site = tmp_path / "site"
    installed = subprocess.run(
        [*PIP, "install", *OFFLINE, "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert installed.returncode == 0, installed.stderr
    env = {**os.environ, "PYTHONPATH": str(site), "BATCHBIND_DATA_DIR": str(tmp_path / "data")}
    env["BATCHBIND_CONFIG_DIR"] = str(tmp_path / "config")
    served = subprocess.run(
        [sys.executable, "-c", _SERVE, "app.js", "style.css"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert served.returncode == 0, served.stderr
    found = json.loads(served.stdout)
    assert Path(found["package"]).is_relative_to(site)  # the wheel's copy, not the source's
    assert '<script src="/static/app.js">' in found["page"]
    types = {"app.js": "text/javascript", "style.css": "text/css"}
    for name in ("app.js", "style.css"):
        status, content_type, text = found[name]
        assert status == 200 and content_type.startswith(types[name])
        assert text == (ROOT / "batchbind" / "ui" / "static" / name).read_text(encoding="utf-8")
