"""The wheel carries templates, static files and migrations; the installed app finds them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

# Run from an unrelated directory against the unpacked wheel: no checkout beside the package.
CHECK_INSTALLED = r"""
import json, re, sys
from pathlib import Path
import organizer
from organizer import create_app, resource_dir
from organizer.extensions import db

app = create_app({"TESTING": True, "SECRET_KEY": "packaging-test",
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1], "SMTP_HOST": ""})
with app.app_context():
    db.create_all()
    client = app.test_client()
    missing = client.get("/e/no-such-party")
    setup = client.get("/host/setup")
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', missing.get_data(as_text=True))[1]
    linked_css = client.get(href)
    fixed_css = client.get("/static/css/app.css")
    versions = Path(organizer.__file__).parent / "migrations" / "versions"
    out = {
        "package": organizer.__file__,
        "templates": str(resource_dir("templates")),
        "static": str(resource_dir("static")),
        "template_folder": app.template_folder,
        "linked_css": [href, linked_css.status_code, linked_css.data.decode()[:60]],
        "fixed_css": fixed_css.status_code,
        "missing": [missing.status_code, "find that page" in missing.get_data(as_text=True)],
        "setup": [setup.status_code, 'name="csrf_token"' in setup.get_data(as_text=True)],
        "migrations": sorted(p.name for p in versions.glob("*.py")),
    }
    for response in (missing, setup, linked_css, fixed_css):
        response.close()
    db.engine.dispose()
print(json.dumps(out))
"""


def source_files(folder: Path) -> set[str]:
    """Files under a source folder, relative to it, without caches."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
            and p.name != ".keep"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The project's wheel, built once with pip (hatchling backend)."""
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
         "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    [built] = out.glob("pif_party_kit-*.whl")
    return built


def test_wheel_contains_templates_static_and_migrations(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = archive.read(next(n for n in names if n.endswith("entry_points.txt")))
    for required in ("organizer/_templates/base.html", "organizer/_templates/rsvp/form.html",
                     "organizer/_static/css/app.css", "organizer/_static/js/app.js",
                     "organizer/migrations/env.py", "organizer/migrations/alembic.ini",
                     "organizer/migrations/script.py.mako",
                     "organizer/matching/data/offer_need_layers.safetensors"):
        assert required in names, required
    for folder, prefix in ((ROOT / "templates", "organizer/_templates/"),
                           (ROOT / "static", "organizer/_static/"),
                           (ROOT / "organizer" / "migrations", "organizer/migrations/")):
        missing = {f for f in source_files(folder) if prefix + f not in names}
        assert not missing, f"not in the wheel: {sorted(missing)}"
    assert any(n.startswith("organizer/migrations/versions/") and n.endswith(".py")
               for n in names)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert b"pif = organizer.cli:main" in entry_points


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> tuple[Path, dict]:
    """The wheel unpacked into an empty folder and the app run from it, far from the checkout."""
    tmp_path = tmp_path_factory.mktemp("installed")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"}
    for name in ("DATABASE_URL", "SMTP_HOST", "PIF_ENV", "SECRET_KEY", "FLASK_APP"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-c", CHECK_INSTALLED, str(tmp_path / "db.sqlite3")],
                            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return site, json.loads(result.stdout.strip().splitlines()[-1])


def test_unpacked_wheel_finds_its_packaged_templates_and_static(installed):
    site, found = installed
    package_dir = site / "organizer"
    assert Path(found["package"]).parent == package_dir, "imported the checkout, not the wheel"
    assert found["templates"] == str(package_dir / "_templates")
    assert found["static"] == str(package_dir / "_static")
    assert found["template_folder"] == str(package_dir / "_templates")
    href, status, text = found["linked_css"]
    assert status == 200 and text.startswith("/* Pay-It-Forward"), href
    assert found["missing"] == [404, True]
    assert found["setup"] == [200, True]
    assert found["migrations"] == sorted(
        p.name for p in (ROOT / "organizer" / "migrations" / "versions").glob("*.py"))


def test_installed_app_serves_static_files_at_slash_static(installed):
    _, found = installed
    assert found["linked_css"][0] == "/static/css/app.css"
    assert found["fixed_css"] == 200
