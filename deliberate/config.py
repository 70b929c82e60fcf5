"""Settings, read from DELIBERATE_* environment variables."""

import os
import secrets
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


def load_config(instance_path: str) -> dict:
    instance = Path(instance_path)
    database_url = os.environ.get("DELIBERATE_DATABASE_URL") or (
        f"sqlite:///{instance / 'deliberate.sqlite3'}"
    )
    return {
        "SECRET_KEY": os.environ.get("DELIBERATE_SECRET_KEY") or instance_secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": os.environ.get("DELIBERATE_REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # If Redis goes away, limits fall back to per-process memory rather than failing.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host.
        # 0 (the default) trusts none: the client address is the socket's peer, so nobody
        # can dodge a rate limit by sending the header themselves.
        "TRUSTED_PROXIES": int(os.environ.get("DELIBERATE_TRUSTED_PROXIES") or 0),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": {"en": "English", "fr": "Français"},
        "MAX_CONTENT_LENGTH": 256 * 1024,
        "STATIC_VERSION": package_version(),
        # How the argument tree is cut so pages stay small (see debates/queries.py).
        "TREE_DEPTH_CAP": 4,
        "CHILDREN_PER_NODE": 20,
        "TOP_LEVEL_PER_SIDE": 30,
    }


def instance_secret_key(instance: Path) -> str:
    """A random key kept in the instance folder, created on first start, readable by us only."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / SECRET_KEY_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(48)
    # O_EXCL: if two workers start at once, one writes and the other reads its key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def engine_options(database_url: str) -> dict:
    if database_url.startswith("sqlite"):
        # A busy writer makes others wait (up to 15 s) instead of failing at once.
        return {"connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True}


def package_version() -> str:
    """Appended to static URLs so browsers fetch new CSS after an upgrade."""
    try:
        return version("deliberate")
    except PackageNotFoundError:
        return "dev"
