"""Production mode (DELIBERATE_ENV=production) refuses a missing or weak secret key."""

import secrets

import pytest
from click.testing import CliRunner
from flask.cli import FlaskGroup

from deliberate import create_app
from deliberate.config import ConfigError, secret_key_problem

from .conftest import base_config

STRONG = secrets.token_urlsafe(48)
WEAK = [
    "dev",
    "secret",
    "change-me",
    "CHANGE-ME",
    "test secret key, not for production",
    "served test secret key, not for production",
    "please-change-me-before-going-live-2024",
    "my-super-secret-key-for-the-deliberate-site",
    "a" * 64,
    "abababababababababababababababab",
]


@pytest.fixture
def production(monkeypatch, tmp_path):
    monkeypatch.setenv("DELIBERATE_ENV", "production")
    monkeypatch.setenv("DELIBERATE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("DELIBERATE_SECRET_KEY", raising=False)
    monkeypatch.delenv("DELIBERATE_RATELIMIT_ENABLED", raising=False)


def env_config(database_url) -> dict:
    """The suite's config without its (weak) test key, so the environment's key is used."""
    config = base_config(database_url)
    del config["SECRET_KEY"]
    return config


@pytest.mark.parametrize("key", WEAK)
def test_weak_keys_are_named_weak(key):
    assert secret_key_problem(key)


@pytest.mark.parametrize(
    "make_key",
    [lambda: STRONG, lambda: secrets.token_hex(16), lambda: secrets.token_urlsafe(24)],
    ids=["generated once", "token_hex", "token_urlsafe"],  # the same names in every xdist worker
)
def test_strong_keys_pass(make_key):
    key = make_key()
    assert secret_key_problem(key) is None


def test_production_refuses_a_missing_key(production, make_app, database_url, tmp_path):
    with pytest.raises(ConfigError, match="DELIBERATE_SECRET_KEY is not set") as refused:
        make_app(env_config(database_url))
    assert "secrets.token_urlsafe(48)" in refused.value.message
    assert not (tmp_path / "instance" / "secret_key").exists()  # no per-server key made


@pytest.mark.parametrize("key", ["change-me", "test secret key, not for production", "x" * 40])
def test_production_refuses_a_weak_key(production, monkeypatch, make_app, database_url, key):
    monkeypatch.setenv("DELIBERATE_SECRET_KEY", key)
    with pytest.raises(ConfigError, match="DELIBERATE_SECRET_KEY") as refused:
        make_app(env_config(database_url))
    assert key not in refused.value.message  # a secret, even a bad one, stays out of logs


def test_production_refuses_the_test_key_given_in_config(production, make_app, database_url):
    with pytest.raises(ConfigError, match="placeholder"):
        make_app(base_config(database_url))


def test_production_starts_with_a_strong_key(production, monkeypatch, make_app, database_url):
    monkeypatch.setenv("DELIBERATE_SECRET_KEY", STRONG)
    app = make_app(env_config(database_url))
    assert app.config["PRODUCTION"] and app.config["SECRET_KEY"] == STRONG


def test_production_refuses_rate_limits_switched_off(
    production, monkeypatch, make_app, database_url
):
    monkeypatch.setenv("DELIBERATE_SECRET_KEY", STRONG)
    monkeypatch.setenv("DELIBERATE_RATELIMIT_ENABLED", "0")
    with pytest.raises(ConfigError, match="DELIBERATE_RATELIMIT_ENABLED"):
        make_app(env_config(database_url))


def test_an_unknown_environment_is_an_error(monkeypatch, make_app, database_url):
    monkeypatch.setenv("DELIBERATE_ENV", "prod")
    with pytest.raises(ConfigError, match="DELIBERATE_ENV"):
        make_app(base_config(database_url))


def test_development_keeps_the_generated_instance_key(
    monkeypatch, make_app, database_url, tmp_path
):
    monkeypatch.delenv("DELIBERATE_ENV", raising=False)
    monkeypatch.delenv("DELIBERATE_SECRET_KEY", raising=False)
    monkeypatch.setenv("DELIBERATE_INSTANCE_PATH", str(tmp_path))
    app = make_app(env_config(database_url))
    assert not app.config["PRODUCTION"]
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text()
    assert secret_key_problem(app.config["SECRET_KEY"]) is None  # strong: quick start works


def test_development_accepts_a_weak_key(monkeypatch, make_app, database_url):
    monkeypatch.setenv("DELIBERATE_ENV", "development")
    assert make_app(base_config(database_url)).config["SECRET_KEY"]


def test_the_cli_prints_the_refusal_without_a_traceback(production, database_url):
    group = FlaskGroup(create_app=lambda: create_app(env_config(database_url)))
    result = CliRunner().invoke(group, ["seed"])
    assert result.exit_code == 1
    assert "Error: DELIBERATE_SECRET_KEY is not set" in result.output
    assert "Traceback" not in result.output
