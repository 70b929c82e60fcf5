"""Who is logged in, for how long, and how every session of an account ends at once.

Flask's session is a signed cookie, so there is no session row to delete. Instead the id
flask-login keeps (in the session, and in the remember-me cookie) is
``"<user id>:<session token>:<login time>:<mode>"``:

- the session token is User.session_token; replacing it (password change or reset, "log out
  everywhere", enabling a second factor, account deletion) makes every cookie issued
  before, remember-me cookies included, load nobody;
- the login time bounds a session absolutely (DELIBERATE_SESSION_MAX_HOURS, 12 by
  default; a remember-me session 14 days), checked here on the server, not only by the
  cookie's expiry in the browser;
- the mode is "s" for a session that ends with the browser or after
  DELIBERATE_SESSION_IDLE_MINUTES without a request (120 by default), "r" for remember-me.

Logging in starts from an empty session (Flask's equivalent of a new session id, with a
new CSRF token); logging out empties it.
"""

from __future__ import annotations

import hmac

from flask import current_app, flash, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user

from ..extensions import db, login_manager
from ..models import User, new_session_token
from . import clock

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
    """Log `user` in, in a fresh session."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's token for this request: a new one is made
    now = int(clock.now())
    login_user(user, remember=remember)
    session["_user_id"] = session_id(user, now, REMEMBER if remember else SESSION)
    session[SEEN] = now
    if not remember and _remember_cookie_name() in request.cookies:
        session["_remember"] = "clear"  # an older remember-me cookie must not outlive this


def session_id(user: User, login_at: int, mode: str) -> str:
    return f"{user.id}:{user.session_token}:{login_at}:{mode}"


def remembered() -> bool:
    """Whether the current session is a remember-me one."""
    return str(session.get("_user_id", "")).endswith(f":{REMEMBER}")


def logout() -> None:
    """End this session: everything in it goes, and the remember-me cookie with it."""
    logout_user()  # marks the remember-me cookie for deletion, if there is one
    drop_remember_cookie = session.get("_remember")
    session.clear()
    if drop_remember_cookie:
        session["_remember"] = drop_remember_cookie


def end_all_sessions(user: User) -> None:
    """Every session of `user`, on every device, ends at its next request (commit to apply).
    The caller logs the current one in again if it should go on."""
    user.session_token = new_session_token()


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
        user_id, token, login_at, mode = str(value).split(":")
        user_id, login_at = int(user_id), int(login_at)
    except ValueError:
        return _ended()
    user = db.session.get(User, user_id)
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
