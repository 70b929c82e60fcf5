"""Settings, read from DELIBERATE_* environment variables."""

import os
import re
import secrets
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret  # nosec B105
ENVIRONMENTS = ("development", "production")
MIN_SECRET_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 10
#: Words found in sample, placeholder and test keys (compared lower-case, letters and digits
#: only). All are 8+ characters long, so a random key practically never contains one.
PLACEHOLDER_MARKERS = (
    "changeme",
    "replaceme",
    "notforproduction",
    "secretkey",
    "placeholder",
    "insecure",
    "password",
    "donotuse",
)
GENERATE_HINT = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


class ConfigError(click.ClickException):
    """A setting that must not be used; the CLI prints it as "Error: ..." without a traceback."""


def load_config(instance_path: str) -> dict:
    instance = Path(instance_path)
    database_url = os.environ.get("DELIBERATE_DATABASE_URL") or (
        f"sqlite:///{instance / 'deliberate.sqlite3'}"
    )
    production = deployment_environment() == "production"
    return {
        # Production takes its key from the environment only (every server needs the same
        # one); elsewhere a strong key is generated into the instance folder.
        "PRODUCTION": production,
        "SECRET_KEY": os.environ.get("DELIBERATE_SECRET_KEY")
        or (None if production else instance_secret_key(instance)),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Test-only switch (the attack run turns limits off so scanners do not see only 429s).
        "RATELIMIT_ENABLED": os.environ.get("DELIBERATE_RATELIMIT_ENABLED", "1") != "0",
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
        # Secure cookies (sent over HTTPS only): set DELIBERATE_SECURE_COOKIES=1 wherever the
        # site is served over HTTPS. Off by default so http://127.0.0.1 works in development.
        "SESSION_COOKIE_SECURE": os.environ.get("DELIBERATE_SECURE_COOKIES") == "1",
        "REMEMBER_COOKIE_SECURE": os.environ.get("DELIBERATE_SECURE_COOKIES") == "1",
        # "Keep me logged in": 14 days at most, also checked on the server (accounts/sessions.py).
        "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,
        # Other sessions end after this long without a request, and this long after log-in.
        "SESSION_IDLE_MINUTES": int(os.environ.get("DELIBERATE_SESSION_IDLE_MINUTES") or 120),
        "SESSION_MAX_HOURS": int(os.environ.get("DELIBERATE_SESSION_MAX_HOURS") or 12),
        # Site admins, organisers and mediators must use two-step login (TOTP).
        "REQUIRE_STAFF_TOTP": os.environ.get("DELIBERATE_REQUIRE_STAFF_TOTP", "1") != "0",
        # Mail (accounts/mail.py): smtp://user:password@host:587 (STARTTLS) or smtps://...:465.
        "SMTP_URL": os.environ.get("DELIBERATE_SMTP_URL") or None,
        "MAIL_FROM": os.environ.get("DELIBERATE_MAIL_FROM") or "Deliberate <no-reply@localhost>",
        # The site's address for links in mails (https://debate.example.org); without it
        # they use the address of the request that sent them.
        "PUBLIC_URL": os.environ.get("DELIBERATE_PUBLIC_URL") or None,
        "RESET_TOKEN_MINUTES": int(os.environ.get("DELIBERATE_RESET_TOKEN_MINUTES") or 60),
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": {"en": "English", "fr": "Français"},
        "MAX_CONTENT_LENGTH": 256 * 1024,
        "STATIC_VERSION": package_version(),
        # How the argument tree is cut so pages stay small (see debates/queries.py).
        "TREE_DEPTH_CAP": 4,
        "CHILDREN_PER_NODE": 20,
        "TOP_LEVEL_PER_SIDE": 30,
        # Privacy (docs/privacy.md): days after which transient personal data is purged
        # (used or expired password resets, read notifications, notes of resolved flags),
        # and how often, at most, each server process runs the purge from a request.
        "PURGE_DAYS": purge_days(),
        "PURGE_INTERVAL_SECONDS": 3600,
    }


def purge_days() -> int:
    """DELIBERATE_PURGE_DAYS: a whole number of days, 0 or more (default 7)."""
    value = (os.environ.get("DELIBERATE_PURGE_DAYS") or "7").strip()
    if not value.isdigit():
        raise ConfigError(f"DELIBERATE_PURGE_DAYS must be a whole number of days, not {value!r}.")
    return int(value)


def deployment_environment() -> str:
    """DELIBERATE_ENV: "development" (the default) or "production". An unknown value is an
    error, so a typo ("prod") cannot switch the production checks off."""
    name = (os.environ.get("DELIBERATE_ENV") or "development").strip().lower()
    if name not in ENVIRONMENTS:
        raise ConfigError(f"DELIBERATE_ENV must be one of {', '.join(ENVIRONMENTS)}, not {name!r}.")
    return name


def check_production(config) -> None:
    """In production, refuse to start with a missing or guessable key: whoever knows it can
    forge sessions (log in as anyone) and CSRF tokens."""
    if not config.get("PRODUCTION"):
        return
    if os.environ.get("DELIBERATE_RATELIMIT_ENABLED", "1") == "0":
        raise ConfigError("DELIBERATE_RATELIMIT_ENABLED=0 is for tests, not production.")
    problem = secret_key_problem(config.get("SECRET_KEY"))
    if problem:
        raise ConfigError(
            f"DELIBERATE_SECRET_KEY {problem}. DELIBERATE_ENV=production needs a random key "
            f"of at least {MIN_SECRET_LENGTH} characters, the same on every server; "
            f"generate one with: {GENERATE_HINT}"
        )


def secret_key_problem(key: str | bytes | None) -> str | None:
    """Why the key is weak, or None. Never quotes the key: error messages end up in logs."""
    if not key:
        return "is not set"
    if isinstance(key, bytes):
        key = key.decode("latin-1")
    if len(key) < MIN_SECRET_LENGTH:
        return f"is too short ({len(key)} characters)"
    letters = re.sub(r"[^a-z0-9]", "", key.lower())
    if any(marker in letters for marker in PLACEHOLDER_MARKERS):
        return "is a placeholder or sample key"
    if len(set(key)) < MIN_DISTINCT_CHARACTERS:
        return f"has too little variety ({len(set(key))} distinct characters)"
    return None


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
