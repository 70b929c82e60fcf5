"""Configuration, health check, SQLite settings, CLI and packaging."""

import json
import logging
import os
import re
import stat
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text

from deliberate import create_app
from deliberate.config import instance_secret_key
from deliberate.extensions import db

from .conftest import PASSWORD, post
from .test_accounts import outbox


def test_healthz_says_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_checks_database_migrations_and_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "database": "ok",
        "migrations": "current",
        "redis": "not configured",
    }


def unreachable_database_url(tmp_path) -> str:
    if os.environ.get("DELIBERATE_DATABASE_URL", "").startswith("postgresql"):
        return "postgresql+psycopg://nobody@127.0.0.1:1/none"
    return f"sqlite:///{tmp_path}/missing/folder/db.sqlite3"


def test_unreachable_database_is_alive_but_not_ready(tmp_path):
    url = unreachable_database_url(tmp_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "TESTING": True})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
    assert response.get_json()["status"] == "not ready"


def test_readyz_503_when_migrations_are_behind(app, client):
    app.extensions["deliberate.migration_heads"] = {"a_newer_revision"}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["migrations"] == "behind"


@pytest.mark.parametrize(("port", "status", "redis"), [(6379, 200, "ok"), (1, 503, "unreachable")])
def test_readyz_pings_redis_when_configured(app, port, status, redis):
    app.config["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{port}/15"
    response = app.test_client().get("/readyz")
    assert (response.status_code, response.get_json()["redis"]) == (status, redis)


def test_start_up_log_says_where_rate_limits_live(app):
    from deliberate.observability import shared_state_note

    assert "memory" in shared_state_note({"RATELIMIT_STORAGE_URI": "memory://"})
    note = shared_state_note({"RATELIMIT_STORAGE_URI": "redis://:s3cret@cache.internal:6379/0"})
    assert "cache.internal" in note and "s3cret" not in note


def request_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "deliberate.requests"]


def test_one_structured_log_line_per_request_without_personal_data(app, client, caplog):
    caplog.set_level(logging.INFO, logger="deliberate.requests")
    email, pseudonym = "private.person@example.org", "Quiet Reader"
    response = post(
        client,
        "/register?next=/",
        {"pseudonym": pseudonym, "email": email},
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
    )
    assert response.headers["Location"] == "/check-mail?about=register"
    # The mailed link: its token (in the query string) is not logged either.
    link = re.search(r"http://localhost(/\S+)", outbox(app)[-1].get_content())[1]
    token = parse_qs(urlsplit(link).query)["token"][0]
    post(client, link, {"pseudonym": pseudonym, "password": PASSWORD})
    response = client.get("/?q=secret", headers={"X-Request-ID": "abc12345-from-proxy"})
    assert response.headers["X-Request-ID"] == "abc12345-from-proxy"
    lines = request_lines(caplog)
    assert [line["method"] for line in lines[-2:]] == ["POST", "GET"]
    last = lines[-1]
    assert last == {
        "event": "request",
        "request_id": "abc12345-from-proxy",
        "method": "GET",
        "path": "/",
        "endpoint": "main.home",
        "status": 200,
        "duration_ms": last["duration_ms"],
    }
    assert lines[-2]["status"] == 302 and lines[-2]["path"] == "/register/confirm"
    assert any(line["path"] == "/register" and line["status"] == 302 for line in lines)
    logged = caplog.text
    for secret in (email, pseudonym, "203.0.113.77", "secret", PASSWORD, token):
        assert secret not in logged


def test_a_password_reset_token_never_reaches_the_logs(app, client, caplog, make_user):
    caplog.set_level(logging.DEBUG)
    make_user(email="user@example.org")
    post(client, "/reset", {"email": "user@example.org"})
    link = re.search(r"http://localhost(/reset/\S+)", outbox(app)[-1].get_content())[1]
    token = link.removeprefix("/reset/")
    assert client.get(link).status_code == 200
    assert client.get(link + "x").status_code == 404  # a wrong or used token, too
    assert post(client, link, {"password": "a brand new passphrase"}).status_code == 302
    assert client.get(link).status_code == 404
    lines = [
        line for line in request_lines(caplog) if line["endpoint"] == "accounts.reset_password"
    ]
    assert [(line["method"], line["status"]) for line in lines] == [
        ("GET", 200),
        ("GET", 404),
        ("POST", 302),
        ("GET", 404),
    ]
    assert {line["path"] for line in lines} == {"/reset/<token>"}
    assert token not in caplog.text and token[:12] not in caplog.text


def test_a_malformed_request_id_is_replaced(client):
    response = client.get("/", headers={"X-Request-ID": "bad id; forged=log line"})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


@pytest.mark.parametrize(("proxies", "seen"), [(0, "127.0.0.1"), (1, "198.51.100.9")])
def test_client_address_trusts_only_the_configured_proxies(database_url, make_app, proxies, seen):
    from flask import request

    app = make_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "TRUSTED_PROXIES": proxies}
    )

    @app.route("/_whoami")
    def whoami():
        return request.remote_addr

    response = app.test_client().get(
        "/_whoami",
        headers={"X-Forwarded-For": "198.51.100.9"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert response.get_data(as_text=True) == seen


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


@pytest.mark.parametrize(("flag", "debates"), [("--seed", 3), ("--no-seed", 0)])
def test_serve_seeds_an_empty_database_unless_told_not_to(runner, monkeypatch, flag, debates):
    from sqlalchemy import func, select

    from deliberate import cli
    from deliberate.models import Debate

    served = []
    monkeypatch.setattr(cli, "run_gunicorn", lambda *args: served.append(args))
    # `serve` sets the site's address in the environment for its workers: in this process
    # it must not outlive the test (a later served app would inherit it).
    monkeypatch.setenv("DELIBERATE_PUBLIC_URL", "http://127.0.0.1:5000")
    result = runner.invoke(args=["serve", flag, "--workers", "3"])
    assert result.exit_code == 0, result.output
    assert served == [("127.0.0.1", 5000, 3)]
    assert db.session.scalar(select(func.count()).select_from(Debate)) == debates


def test_a_request_refused_before_the_view_is_logged_too(client, caplog):
    caplog.set_level(logging.INFO, logger="deliberate.requests")
    response = client.post("/logout")  # no CSRF token: refused by a before-request hook
    assert response.status_code == 400
    assert response.headers["X-Request-ID"]
    assert request_lines(caplog)[-1]["status"] == 400
