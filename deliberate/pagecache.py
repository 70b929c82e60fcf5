"""Pages for readers who are not signed in, rendered once per debate version and shared.

A debate shared on a messaging app brings hundreds of readers at once, nearly all signed
out, all asking for the same few pages. For them a page is the same until the debate
changes, and every change bumps `Debate.version` (deliberate/versions.py). So:

- the page's ETag is derived from what it depends on (address, language, debate version,
  release), without rendering it: a browser that has the page gets a 304 for one query;
- the rendered page, with its gzip and Brotli encodings, is kept in Redis when
  DELIBERATE_REDIS_URL is set (shared by every worker and server), in this process's
  memory otherwise, under a key holding the version, so a change simply stops it matching.

What is never cached: pages for signed-in people, pages carrying a flash message or a CSRF
token (both belong to one visitor), anything but a 200, drafts, and addresses with a query
string the page does not read (so nobody fills the cache with variants). An entry also
expires after PAGE_CACHE_SECONDS, and sooner when something the page shows is due to change
with time (a scheduled phase change, the end of a cooling-off pause).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import NamedTuple

import brotli
from flask import Request, Response, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from itsdangerous import BadSignature
from sqlalchemy import bindparam, select
from werkzeug.exceptions import HTTPException

from .extensions import db
from .headers import security_headers
from .http import choose_locale
from .models import Audience, Debate, Phase, utcnow
from .observability import log_request, request_id

#: Query parameters a cached page may read, with the values it accepts.
ALLOWED_QUERY = {"sort": {"best", "new", "discussed"}, "n": None}
ENCODINGS = ("br", "gzip")
#: The pages cached, by endpoint (each takes the debate's slug).
CACHED = {"debates.debate", "debates.argument"}
STATE = select(
    Debate.version, Debate.phase, Debate.next_phase_at, Debate.frozen_until, Debate.audience
).where(Debate.slug == bindparam("slug"))


def cached(view):
    """Serve `view` (whose first argument is the debate's slug) from the page cache to
    readers who are not signed in: on a miss it renders, and the page is kept."""

    @functools.wraps(view)
    def wrapper(slug: str, *args, **kwargs):
        config = current_app.config
        page = None
        if config["PAGE_CACHE_SECONDS"] > 0 and _reader() and plain_query(request.args):
            page = page_of(slug, request.path, request.args, str(get_locale()), config)
        if page is None:
            return view(slug, *args, **kwargs)
        key, etag, expires_in = page
        response = current_app.make_response(view(slug, *args, **kwargs))
        if not _shareable(response):
            return response
        entry = _entry(response.get_data())
        store(current_app).set(key, entry, min(config["PAGE_CACHE_SECONDS"], expires_in))
        return _page(entry, etag, request.accept_encodings)

    return wrapper


def _reader() -> bool:
    """Signed out, with nothing in the session for this visitor alone (a flash message)."""
    return not current_user.is_authenticated and "_flashes" not in session


def plain_query(args) -> bool:
    for name, values in args.lists():
        if name not in ALLOWED_QUERY or len(values) != 1:
            return False
        allowed = ALLOWED_QUERY[name]
        value = values[0]
        if (value not in allowed) if allowed else not (value.isdigit() and len(value) <= 4):
            return False
    return True


def page_of(slug: str, path: str, args, locale: str, config, state=None):
    """The cache key, ETag and lifetime of a debate's page as shown to signed-out readers,
    from the debate's version (one query, or `state`: that row, read already); None for a
    page that must be rendered afresh (a missing debate, a draft, a private debate, a phase
    change due now). A private debate is never cached: a page kept while it was public must
    not outlive the organiser's choice."""
    row = db.session.execute(STATE, {"slug": slug}).first() if state is None else state
    if row is None or row.phase == Phase.DRAFT or Audience(row.audience) is Audience.PRIVATE:
        return None
    now = utcnow()
    if row.next_phase_at is not None and row.next_phase_at <= now:
        return None  # the view applies it first
    due = [m for m in (row.next_phase_at, row.frozen_until) if m is not None and m > now]
    expires_in = min((max((m - now).total_seconds(), 1.0) for m in due), default=1e9)
    query = "&".join(f"{k}={v}" for k, v in sorted(args.items()))
    key = f"page:{config['STATIC_VERSION']}:{locale}:{row.version}:{path}?{query}"
    return key, hashlib.sha256(key.encode()).hexdigest()[:32], expires_in


def _shareable(response: Response) -> bool:
    return (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not response.direct_passthrough
        and "csrf_token" not in g  # a form for this visitor: theirs alone
        and not session.modified
        and "Set-Cookie" not in response.headers
    )


def _entry(body: bytes) -> dict[str, bytes]:
    return {
        "identity": body,
        "br": brotli.compress(body, quality=5),
        "gzip": gzip.compress(body, compresslevel=6),
    }


def _page(entry: dict[str, bytes], etag: str, accepted) -> Response:
    encoding = _encoding(accepted)
    return Response(entry[encoding], headers=_content_headers(encoding) + _cache_headers(etag))


def _encoding(accepted) -> str:
    """The best encoding the browser accepts."""
    return next((e for e in ENCODINGS if accepted[e]), "identity")


def _content_headers(encoding: str) -> list[tuple[str, str]]:
    headers = [("Content-Type", "text/html; charset=utf-8")]
    if encoding != "identity":
        headers.append(("Content-Encoding", encoding))
    return headers


def _cache_headers(etag: str) -> list[tuple[str, str]]:
    # Kept by browsers and shared caches, checked with the ETag before each use; a signed-in
    # visitor (the session cookie) or another language gets its own copy.
    return [
        ("ETag", f'W/"{etag}"'),
        ("Cache-Control", "public, no-cache"),
        ("Vary", "Cookie, Accept-Language, Accept-Encoding"),
    ]


def store(app):
    return app.extensions["deliberate.page_cache"]


class FastReads:
    """The same pages, answered before Flask: a repeat view of a cached page (or its 304)
    needs the debate's version and the cache, not sessions, hooks and templates. Anything
    else goes on to Flask, which renders and fills the cache. (As Discourse's anonymous
    cache does for Rails.) Each answer carries what Flask's own would: security headers,
    a request id, a line in the request log. It is the busiest path of a debate shared
    widely, so it is written for speed: the version read through the database driver,
    headers prepared once, the answer given to WSGI as it is."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.config = app.config
        with app.app_context():
            self.debate_state = StateReader(db.engine)
        self.serializer = app.session_interface.get_signing_serializer(app)
        self.security = {secure: security_headers(secure) for secure in (False, True)}

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        if (
            environ["REQUEST_METHOD"] in ("GET", "HEAD")
            and environ.get("PATH_INFO", "").startswith("/d/")
            and self.config["PAGE_CACHE_SECONDS"]
        ):
            request = Request(environ)
            answer = self.answer(request)
            if answer is not None:
                endpoint, status, headers, body = answer
                rid = request_id(request.headers.get("X-Request-ID", ""))
                headers += [("X-Request-ID", rid), *self.security[request.is_secure]]
                headers.append(("Content-Length", str(len(body))))
                start_response(status, headers)
                log_request(rid, request.method, request.path, endpoint, int(status[:3]), started)
                return [] if request.method == "HEAD" else [body]
        return self.wsgi_app(environ, start_response)

    def answer(self, request: Request) -> tuple[str, str, list, bytes] | None:
        try:
            endpoint, values = self.app.url_map.bind_to_environ(request.environ).match()
        except HTTPException:
            return None
        if endpoint not in CACHED or not self.signed_out(request):
            return None
        if not plain_query(request.args):
            return None
        locale = choose_locale(request, self.config)
        slug, path, args = values["slug"], request.path, request.args
        state = self.debate_state(slug)
        page = page_of(slug, path, args, locale, self.config, state) if state else None
        if page is None:
            return None
        key, etag, _expires_in = page
        headers = _cache_headers(etag)
        if state.audience is Audience.UNLISTED:
            headers.append(("X-Robots-Tag", "noindex"))  # as headers.ask_not_to_index
        if request.if_none_match.contains_weak(etag):
            return endpoint, "304 NOT MODIFIED", headers, b""
        encoding = _encoding(request.accept_encodings)
        body = store(self.app).get(key, encoding)
        if body is None:
            return None
        return endpoint, "200 OK", _content_headers(encoding) + headers, body

    def signed_out(self, request: Request) -> bool:
        """No remember-me cookie, and a session (if any) with no user and no message."""
        if self.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
            return False
        cookie = request.cookies.get(self.config["SESSION_COOKIE_NAME"])
        if not cookie:
            return True
        try:
            data = self.serializer.loads(cookie)
        except BadSignature:
            return True  # Flask ignores a bad session cookie too
        return "_user_id" not in data and "_flashes" not in data


class DebateState(NamedTuple):
    version: int
    phase: Phase
    next_phase_at: datetime | None
    frozen_until: datetime | None
    audience: Audience


class StateReader:
    """STATE through the database driver, for FastReads: for this one small query,
    SQLAlchemy's execution costs more than the query, and the answer is little else.
    (The pool still pings a server before lending a connection: a dropped one is replaced.)"""

    def __init__(self, engine):
        self.engine = engine
        compiled = STATE.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        self.positional = compiled.positional
        self.server = engine.dialect.name == "postgresql"

    def __call__(self, slug: str) -> DebateState | None:
        params = (slug,) if self.positional else {"slug": slug}
        connection = self.engine.raw_connection()  # from the pool, and back to it
        driver = connection.driver_connection
        try:
            if self.server:  # no transaction: none to roll back when the pool takes it back
                driver.autocommit = True
            cursor = connection.cursor()
            try:
                cursor.execute(self.sql, params)
                row = cursor.fetchone()
            finally:
                cursor.close()
        finally:
            if self.server and not driver.closed:
                driver.autocommit = False  # as the pool lends its connections
            connection.close()
        if row is None:
            return None
        version, phase, next_phase_at, frozen_until, audience = row
        return DebateState(
            version, Phase(phase), _utc(next_phase_at), _utc(frozen_until), Audience(audience)
        )


def _utc(value: datetime | str | None) -> datetime | None:
    """A moment as models.Tz reads it: SQLite gives text, without its zone."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


class MemoryStore:
    """Rendered pages in this process's memory, least recently used dropped first."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.used = 0
        self.entries: OrderedDict[str, tuple[float, dict[str, bytes]]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, encoding: str) -> bytes | None:
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                return None
            expires, entry = found
            if expires < utcnow().timestamp():
                self._drop(key)
                return None
            self.entries.move_to_end(key)
            return entry[encoding]

    def set(self, key: str, entry: dict[str, bytes], ttl: float) -> None:
        size = sum(len(value) for value in entry.values())
        with self.lock:
            if key in self.entries:
                self._drop(key)
            self.entries[key] = (utcnow().timestamp() + ttl, entry)
            self.used += size
            while self.used > self.max_bytes and self.entries:
                self._drop(next(iter(self.entries)))

    def _drop(self, key: str) -> None:
        _expires, entry = self.entries.pop(key)
        self.used -= sum(len(value) for value in entry.values())


class RedisStore:
    """Rendered pages in Redis, shared by every worker and server; Redis expires them."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5)
        self.prefix = "deliberate:"

    def get(self, key: str, encoding: str) -> bytes | None:
        """The page in one encoding (the one the browser takes: not all three over the wire)."""
        try:
            return self.client.hget(self.prefix + key, encoding)
        except Exception:  # noqa: BLE001 - Redis away: render, as without a cache
            return None

    def set(self, key: str, entry: dict[str, bytes], ttl: float) -> None:
        try:
            with self.client.pipeline() as pipe:
                pipe.hset(self.prefix + key, mapping=entry)
                pipe.expire(self.prefix + key, max(int(ttl), 1))
                pipe.execute()
        except Exception:  # noqa: BLE001,S110 - Redis away: the next view renders again
            pass  # nosec B110


def register(app) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions["deliberate.page_cache"] = (
        RedisStore(url) if url else MemoryStore(app.config["PAGE_CACHE_MAX_BYTES"])
    )
