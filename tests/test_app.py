"""Configuration, health check, SQLite settings, CLI and packaging."""

import os
import stat
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest
from sqlalchemy import text

from deliberate import create_app
from deliberate.config import instance_secret_key
from deliberate.extensions import db


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_the_database_is_unreachable(tmp_path):
    url = (
        "postgresql+psycopg://nobody@127.0.0.1:1/none"
        if os.environ.get("DELIBERATE_DATABASE_URL", "").startswith("postgresql")
        else f"sqlite:///{tmp_path}/missing/folder/db.sqlite3"
    )
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "TESTING": True})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_secret_key_is_generated_once_and_private(tmp_path):
    key = instance_secret_key(tmp_path)
    assert len(key) >= 40
    assert instance_secret_key(tmp_path) == key
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_secret_key_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("DELIBERATE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DELIBERATE_SECRET_KEY", "from-the-environment")
    assert create_app().config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("DELIBERATE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DELIBERATE_DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'deliberate.sqlite3'}"


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000


def test_cli_seed_and_create_admin(runner):
    result = runner.invoke(args=["seed"])
    assert "Seeded: un-talks-mali-jnim" in result.output
    assert "already present" in runner.invoke(args=["seed"]).output
    result = runner.invoke(
        args=["create-admin", "--pseudonym", "Site Admin", "--email", "admin@example.org"],
        input="a long admin password\na long admin password\n",
    )
    assert result.exit_code == 0, result.output
    from sqlalchemy import select

    from deliberate.models import User

    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    assert admin.is_admin and admin.password_hash.startswith("$argon2id$")
    result = runner.invoke(
        args=["create-admin", "--pseudonym", "Site Admin", "--email", "other@example.org"],
        input="a long admin password\na long admin password\n",
    )
    assert result.exit_code != 0 and "pseudonym" in result.output


def test_installed_package_carries_templates_static_and_migrations():
    """A wheel install (CI's) must ship the top-level folders inside the package."""
    try:
        files = distribution("deliberate").files or []
    except PackageNotFoundError:
        pytest.skip("deliberate is not installed")
    names = {str(f) for f in files}
    if not any(name.startswith("deliberate/models.py") for name in names):
        pytest.skip("editable install: the source tree is used directly")
    for needed in (
        "deliberate/templates/base.html",
        "deliberate/static/style.css",
        "deliberate/migrations/env.py",
        "deliberate/translations/fr/LC_MESSAGES/messages.mo",
    ):
        assert needed in names, needed
    assert any(n.startswith("deliberate/migrations/versions/") for n in names)


def test_error_pages_are_friendly(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<title>Page not found · Deliberate</title>" in html and "Back to the debates" in html
    assert client.post("/").status_code == 405


def test_unexpected_errors_give_a_friendly_500(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)


def test_resources_are_found_from_a_source_checkout():
    from deliberate.resources import resource_path

    for name in ("templates", "static", "migrations"):
        assert (resource_path(name)).is_dir()
        assert Path(resource_path(name)).name == name
