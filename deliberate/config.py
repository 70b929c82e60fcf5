"""Settings, read from DELIBERATE_* environment variables."""

import logging
import os
import re
import secrets
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click
from babel import Locale, UnknownLocaleError

log = logging.getLogger(__name__)

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret  # nosec B105
ENVIRONMENTS = ("development", "production")
MIN_SECRET_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 10
MIN_RELEASE_BATCH = 5
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
#: The interface's catalogues (docs/translating.md); English is the source language.
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SOURCE_LANGUAGE = "en"
MAX_LANGUAGE_TAG = 8  # the longest code mail_setting.language holds


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
        # Shared state for every worker and server (rate limits, rendered pages, the
        # results queue); without it, each process keeps its own.
        "REDIS_URL": os.environ.get("DELIBERATE_REDIS_URL") or None,
        # Machine translation (deliberate/machine_translation.py): a LibreTranslate server
        # that pre-fills translators' drafts; none unless set.
        "TRANSLATE_URL": os.environ.get("DELIBERATE_TRANSLATE_URL") or None,
        "TRANSLATE_KEY": os.environ.get("DELIBERATE_TRANSLATE_KEY") or None,
        "TRANSLATE_TIMEOUT": float(os.environ.get("DELIBERATE_TRANSLATE_TIMEOUT") or 10),
        # Pages for signed-out readers are kept this long at most (deliberate/pagecache.py;
        # a change to the debate replaces them at once); 0 turns the cache off.
        "PAGE_CACHE_SECONDS": int(os.environ.get("DELIBERATE_PAGE_CACHE_SECONDS") or 300),
        "PAGE_CACHE_MAX_BYTES": 64 * 1024 * 1024,  # per process, without Redis
        # Results (results/jobs.py): an analysis known to take less than this, or a debate
        # never analysed with fewer votes than this, is computed in the request; any other
        # in the background (a queue on Redis, or a thread of each process).
        "RESULTS_INLINE_SECONDS": 0.25,
        "RESULTS_INLINE_VOTES": 20_000,
        # Responses over 500 bytes are compressed (Flask-Compress): Brotli, else gzip.
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],  # files (static, downloads)
        "COMPRESS_BR_LEVEL": 5,
        "COMPRESS_MIMETYPES": [
            "text/html",
            "text/css",
            "text/javascript",
            "text/csv",
            "application/javascript",
            "application/json",
            "image/svg+xml",
        ],
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
        # Site admins, organisers and mediators must use two-step login (TOTP): "staff"; or
        # site admins only: "admins". DELIBERATE_REQUIRE_STAFF_TOTP=0 asks it of nobody (tests).
        "REQUIRE_STAFF_TOTP": os.environ.get("DELIBERATE_REQUIRE_STAFF_TOTP", "1") != "0",
        "TWO_STEP_FOR": two_step_for(),
        # Mail (accounts/mail.py): smtp://user:password@host:587 (STARTTLS) or smtps://...:465.
        "SMTP_URL": os.environ.get("DELIBERATE_SMTP_URL") or None,
        "MAIL_FROM": os.environ.get("DELIBERATE_MAIL_FROM") or "Deliberate <no-reply@localhost>",
        # Without Redis, each server process sends due notification mail every this many
        # seconds (deliberate/mailings/delivery.py); with it, `deliberate worker` does. 0: off.
        "MAIL_INTERVAL": mail_interval(),
        # The site's address for links in mails (https://debate.example.org); without it
        # they use the address of the request that sent them.
        "PUBLIC_URL": os.environ.get("DELIBERATE_PUBLIC_URL") or None,
        "RESET_TOKEN_MINUTES": int(os.environ.get("DELIBERATE_RESET_TOKEN_MINUTES") or 60),
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "BABEL_DEFAULT_LOCALE": SOURCE_LANGUAGE,
        # Test-only: another folder of catalogues (tests/test_i18n.py); the package's otherwise.
        "BABEL_TRANSLATION_DIRECTORIES": str(translations_folder()),
        # {code: name}: English, then every compiled catalogue (interface_languages).
        "LANGUAGES": interface_languages(translations_folder()),
        "MAX_CONTENT_LENGTH": 256 * 1024,
        "STATIC_VERSION": package_version(),
        # How much of the argument tree a page shows, so pages stay small on a phone and cost
        # the same at any debate size (see debates/queries.py): the debate page shows the
        # first arguments of each side, an argument's page its first replies; each with its
        # first reply. "Show more" links ask for more, a step at a time.
        "ARGUMENTS_PER_SIDE": 5,
        "REPLIES_PER_PAGE": 20,
        "REPLIES_SHOWN": 1,
        # Privacy (docs/privacy.md): days after which transient personal data is purged
        # (used or expired password resets, read notifications, notes of resolved flags),
        # and how often, at most, each server process runs the purge from a request.
        "PURGE_DAYS": purge_days(),
        # Figures counted from private choices (motion tallies, communities, the report)
        # move only once this many people changed something private (results/release.py).
        "RELEASE_BATCH": release_batch(),
        # Sign-ups and log-ins from one address (docs/deploy.md, "Rate limits"): raise them
        # where many people share one address (a workshop's Wi-Fi, a carrier's NAT).
        "REGISTER_LIMIT": rate_limit("DELIBERATE_REGISTER_LIMIT", "5 per minute;30 per hour"),
        "LOGIN_LIMIT": rate_limit("DELIBERATE_LOGIN_LIMIT", "10 per minute;60 per hour"),
        "PURGE_INTERVAL_SECONDS": 3600,
    }


def translations_folder() -> Path:
    """The catalogues: the package's own; DELIBERATE_TRANSLATIONS_DIR is for tests."""
    return Path(os.environ.get("DELIBERATE_TRANSLATIONS_DIR") or TRANSLATIONS)


def interface_languages(folder: Path) -> dict[str, str]:
    """{code: name} of the languages the switcher offers: English (the source language),
    then, by code, every catalogue compiled in `folder` (<code>/LC_MESSAGES/messages.mo),
    each named in its own language. A partial catalogue is offered (its missing strings
    are shown in English); a catalogue is not offered if it has no .mo, or a code Babel has
    no locale data for (every page would fail: dates, plural rules) or that is not in
    Babel's own spelling (bm, ff, pt_BR), or longer than the mail language column holds."""
    codes = []
    for compiled in sorted(folder.glob("*/LC_MESSAGES/messages.mo")):
        code = compiled.parent.parent.name
        try:
            known = str(Locale.parse(code)) == code
        except (ValueError, UnknownLocaleError):
            known = False
        if not known:
            log.warning("%s not offered: Babel has no locale %r (bm, pt_BR...)", compiled, code)
        elif len(code) > MAX_LANGUAGE_TAG:
            log.warning("%s not offered: a code has %d letters at most", compiled, MAX_LANGUAGE_TAG)
        elif code != SOURCE_LANGUAGE:
            codes.append(code)
    return {code: language_name(code) for code in [SOURCE_LANGUAGE, *codes]}


def language_name(code: str) -> str:
    """The language's name in itself, as a menu shows it: "English", "Français"."""
    try:
        name = Locale.parse(code).get_display_name(code)
    except (ValueError, UnknownLocaleError):
        name = None
    return name[:1].upper() + name[1:] if name else code


def two_step_for() -> str:
    """DELIBERATE_TWO_STEP_FOR: who must use two-step login, "private" (default), "staff" or
    "admins" (rules.act_without_second_factor says who each means)."""
    value = (os.environ.get("DELIBERATE_TWO_STEP_FOR") or "private").strip().lower()
    if value not in ("private", "staff", "admins"):
        raise ConfigError(
            "DELIBERATE_TWO_STEP_FOR must be 'private' (site admins, group admins and "
            "facilitators, and the organisers and mediators of private debates), 'staff' "
            f"(also those of every debate) or 'admins' (site admins only), not {value!r}."
        )
    return value


def rate_limit(name: str, default: str) -> str:
    """A rate limit in Flask-Limiter's words ("20 per minute;200 per hour"), checked now
    rather than at the first request it would have to refuse."""
    from limits import parse_many

    value = (os.environ.get(name) or default).strip()
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(
            f"{name} must read like '20 per minute;200 per hour', not {value!r}."
        ) from None
    return value


def mail_interval() -> float:
    """DELIBERATE_MAIL_INTERVAL: seconds between rounds of notification mail (default 60;
    0 sends none from this process; tests use a fraction of a second)."""
    value = (os.environ.get("DELIBERATE_MAIL_INTERVAL") or "60").strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1
    if not 0 <= seconds <= 86400:
        raise ConfigError(
            f"DELIBERATE_MAIL_INTERVAL must be a number of seconds from 0 to 86400, not {value!r}."
        )
    return seconds


def purge_days() -> int:
    """DELIBERATE_PURGE_DAYS: a whole number of days, 0 or more (default 7)."""
    value = (os.environ.get("DELIBERATE_PURGE_DAYS") or "7").strip()
    if not value.isdigit():
        raise ConfigError(f"DELIBERATE_PURGE_DAYS must be a whole number of days, not {value!r}.")
    return int(value)


def release_batch() -> int:
    """DELIBERATE_RELEASE_BATCH: at least 1 (default 5; 1 turns batching off, for tests)."""
    value = (os.environ.get("DELIBERATE_RELEASE_BATCH") or "5").strip()
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"DELIBERATE_RELEASE_BATCH must be a whole number from 1, not {value!r}.")
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
    if release_batch() < MIN_RELEASE_BATCH:
        raise ConfigError(
            f"DELIBERATE_RELEASE_BATCH below {MIN_RELEASE_BATCH} is for tests, not production: "
            "smaller batches let one person's vote or community be singled out."
        )
    if not config.get("PUBLIC_URL"):
        raise ConfigError(
            "DELIBERATE_PUBLIC_URL is not set. Production needs the site's address "
            "(https://debate.example.org) for the links in mails: they are never built "
            "from the Host header a request claims."
        )
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
