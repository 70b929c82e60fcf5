"""Who is logged in, for how long, and how every session of an account ends at once.

Flask's session is a signed cookie, which a copy keeps working wherever it goes; so every
signed-in session also has a row on the server (accounts.models.LoginSession). The id
flask-login keeps (in the session, and in the remember-me cookie) is
``"<user id>:<session token>:<login time>:<mode>:<secret>"``:

- the secret is this session's own: the server keeps its hash, and logging out deletes
  that row, so a copy of the cookie taken before (from a shared computer, a backup, a
  proxy's log) loads nobody afterwards;
- the session token is User.session_token; replacing it (password change or reset, "log out
  everywhere", enabling a second factor, account deletion) makes every cookie issued
  before, remember-me cookies included, load nobody (their rows are deleted too);
- the login time bounds a session absolutely (DELIBERATE_SESSION_MAX_HOURS, 12 by
  default; a remember-me session 14 days), checked here on the server, not only by the
  cookie's expiry in the browser;
- the mode is "s" for a session that ends with the browser or after
  DELIBERATE_SESSION_IDLE_MINUTES without a request (120 by default), "r" for remember-me.

Logging in starts from an empty session (Flask's equivalent of a new session id, with a
new CSRF token); logging out empties it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app, flash, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from sqlalchemy import delete, select

from ..extensions import db, login_manager
from ..models import User, new_session_token
from . import clock
from .models import LoginSession

SESSION, REMEMBER = "s", "r"
#: Session key: when this session last made a request (seconds since the epoch).
SEEN = "seen"
#: The idle clock is written back at most once a minute, not on every request.
SEEN_RESOLUTION = 60
#: Session key of a login waiting for its second factor (never a logged-in session).
PENDING = "pending_login"
PENDING_SECONDS = 5 * 60
REMEMBER_DAYS = 14
ENDED = _l("Your session has ended. Please log in again.")


def login(user: User, remember: bool = False) -> None:
    """Log `user` in, in a fresh session, recorded on the server (committed here: the
    callers have committed their own changes already)."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's token for this request: a new one is made
    now = int(clock.now())
    secret = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, token_hash=_hash(secret)))
    db.session.commit()
    login_user(user, remember=remember)
    session["_user_id"] = session_id(user, now, REMEMBER if remember else SESSION, secret)
    session[SEEN] = now
    if not remember and _remember_cookie_name() in request.cookies:
        session["_remember"] = "clear"  # an older remember-me cookie must not outlive this


def session_id(user: User, login_at: int, mode: str, secret: str) -> str:
    return f"{user.id}:{user.session_token}:{login_at}:{mode}:{secret}"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def remembered() -> bool:
    """Whether the current session is a remember-me one."""
    fields = str(session.get("_user_id", "")).split(":")
    return len(fields) == 5 and fields[3] == REMEMBER


def logout() -> None:
    """End this session, on the server too: its row goes (so no copy of the cookie works
    any more), everything in the cookie goes, and the remember-me cookie with it."""
    secret = str(session.get("_user_id", "")).rpartition(":")[2]
    if secret:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == _hash(secret)))
        db.session.commit()
    logout_user()  # marks the remember-me cookie for deletion, if there is one
    drop_remember_cookie = session.get("_remember")
    session.clear()
    if drop_remember_cookie:
        session["_remember"] = drop_remember_cookie


def end_all_sessions(user: User) -> None:
    """Every session of `user`, on every device, ends at its next request (commit to apply).
    The caller logs the current one in again if it should go on."""
    user.session_token = new_session_token()
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def begin_second_step(user: User, remember: bool) -> None:
    """The password was right and a code is needed: remember that, and nothing more."""
    session.clear()
    g.pop("csrf_token", None)
    session[PENDING] = {
        "user": user.id,
        "token": user.session_token,
        "at": int(clock.now()),
        "remember": bool(remember),
    }


def pending_login() -> tuple[User, bool] | None:
    """The user (and remember-me choice) whose password was right a moment ago, or None."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if not 0 <= clock.now() - pending.get("at", 0) <= PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, pending.get("user"))
    if (
        user is None
        or not user.can_log_in
        or not hmac.compare_digest(user.session_token, str(pending.get("token")))
    ):
        session.pop(PENDING, None)
        return None
    return user, bool(pending.get("remember"))


@login_manager.user_loader
def load_user(value: str) -> User | None:
    try:
        user_id, token, login_at, mode, secret = str(value).split(":")
        user_id, login_at = int(user_id), int(login_at)
    except ValueError:
        return _ended()
    # One query: the account, only if this session is still on record (not logged out, not
    # ended with every other session).
    user = db.session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(User.id == user_id, LoginSession.token_hash == _hash(secret))
    )
    if user is None or not user.can_log_in or user.deleted_at is not None:
        return _ended()
    if not hmac.compare_digest(user.session_token, token):
        return _ended()
    now = clock.now()
    config = current_app.config
    if mode == REMEMBER:
        lasts = REMEMBER_DAYS * 86400
    elif mode == SESSION:
        lasts = config["SESSION_MAX_HOURS"] * 3600
        seen = session.get(SEEN)
        if not isinstance(seen, int) or now - seen > config["SESSION_IDLE_MINUTES"] * 60:
            return _ended()
    else:
        return _ended()
    if not login_at - 60 <= now <= login_at + lasts:
        return _ended()
    if now - session.get(SEEN, 0) >= SEEN_RESOLUTION:
        session[SEEN] = int(now)
    return user


def _ended() -> None:
    """A session that no longer holds: empty it, drop a remember-me cookie that cannot
    work any more, and say so once."""
    session.clear()
    if _remember_cookie_name() in request.cookies:
        session["_remember"] = "clear"
    if not g.get("session_ended"):
        g.session_ended = True
        flash(str(ENDED), "error")
    return None


def _remember_cookie_name() -> str:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
