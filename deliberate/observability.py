"""What operators see: one structured log line per request, readiness, and the start-up note
on where shared state lives.

Request logs carry a request id (echoed in the X-Request-ID response header, so a user's
report can be matched to a line), the method, the path without its query string (for a
route with a token in its path, the route's rule instead: "/reset/<token>"), the endpoint,
the status and the duration. Never an email, a pseudonym, a user id or an IP address: a
participant at risk must not be identifiable from the server's logs.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
import uuid

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask, current_app, g, request
from sqlalchemy import text
from sqlalchemy.engine import make_url

from .extensions import db

request_log = logging.getLogger("deliberate.requests")
log = logging.getLogger("deliberate")
#: A request id from a proxy is kept only if it looks like one (no log injection).
INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def register(app: Flask) -> None:
    # First of all before-request hooks, so a request refused early (CSRF) is timed too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    directory = app.extensions["migrate"].directory
    app.extensions["deliberate.migration_heads"] = migration_heads(directory)
    _configure_logging()
    log.info("%s", shared_state_note(app.config))


def _start() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request_id(request.headers.get("X-Request-ID", ""))


def request_id(incoming: str) -> str:
    return incoming if INCOMING_ID.match(incoming) else uuid.uuid4().hex


def _finish(response):
    response.headers["X-Request-ID"] = g.request_id
    log_request(
        g.request_id,
        request.method,
        _logged_path(),
        request.endpoint,
        response.status_code,
        g.request_started,
    )
    return response


def log_request(request_id, method, path, endpoint, status: int, started) -> None:
    """One JSON line per request, with no personal data."""
    duration = (time.perf_counter() - started) * 1000
    request_log.info(
        "%s",
        json.dumps(
            {
                "event": "request",
                "request_id": request_id,
                "method": method,
                "path": path,
                "endpoint": endpoint,
                "status": status,
                "duration_ms": round(duration, 1),
            }
        ),
    )


def _logged_path() -> str:
    """The path, unless it carries a secret: a route with a token in it (a password reset
    link) is logged by its rule, "/reset/<token>", so a live token never reaches the logs."""
    rule = request.url_rule
    if rule is not None and any("token" in name.lower() for name in rule.arguments):
        return rule.rule
    return request.path


def _configure_logging() -> None:
    """Log to stderr at INFO unless the host (gunicorn, pytest) configured logging."""
    if not logging.getLogger().handlers and not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        log.addHandler(handler)
        # Ours alone: Alembic's logging set-up, run later by `serve`, adds a root handler
        # that would print every line twice.
        log.propagate = False
    log.setLevel(logging.INFO)


def shared_state_note(config) -> str:
    """Say where rate limits and other cross-request state live, so nobody runs four
    workers with per-process limits by accident."""
    storage = config.get("RATELIMIT_STORAGE_URI", "memory://")
    if storage.startswith("memory"):
        return (
            "rate limits: in this process's memory (each worker counts on its own); "
            "set DELIBERATE_REDIS_URL to share them across workers and servers"
        )
    return f"rate limits: shared in Redis at {redacted(storage)}"


def redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@functools.cache  # the migrations ship with the code: read them once per process
def migration_heads(directory: str) -> frozenset[str]:
    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def readiness() -> tuple[bool, dict]:
    """Can this process serve? The database answers, its schema is the code's, and Redis
    (when configured) answers."""
    checks = {"database": _database(), "migrations": "unknown", "redis": _redis()}
    if checks["database"] == "ok":
        checks["migrations"] = _migrations()
    ready = (
        checks["database"] == "ok"
        and checks["migrations"] == "current"
        and checks["redis"] in ("ok", "not configured")
    )
    return ready, {"status": "ready" if ready else "not ready", **checks}


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:  # any failure to reach it means "not ready"
        current_app.logger.exception("readiness: database unreachable")
        db.session.rollback()
        return "unreachable"


def _migrations() -> str:
    try:
        current = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception:  # no alembic_version table: never migrated
        db.session.rollback()
        return "not applied"
    heads = current_app.extensions["deliberate.migration_heads"]
    return "current" if current == heads else "behind"


def _redis() -> str:
    url = current_app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return "not configured"
    import redis

    try:
        with redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2) as client:
            client.ping()
        return "ok"
    except redis.RedisError:
        current_app.logger.exception("readiness: Redis unreachable")
        return "unreachable"
