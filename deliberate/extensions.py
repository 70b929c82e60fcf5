"""Extension objects, created here and bound to the app in create_app()."""

import hmac
from datetime import UTC, date, datetime
from hashlib import sha256

from flask import current_app, request
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic can alter and drop them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def rate_limit_key() -> str:
    """Per user when logged in, so people behind one NAT do not share a budget; otherwise
    per client address, hashed (see hashed_address): no raw IP address reaches the limit
    storage (Redis or memory) or flask-limiter's "limit exceeded" log line."""
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return address_key()


def address_key() -> str:
    """Per client address (hashed), signed in or not: for the forms that let someone in
    (log in, register, reset, codes), whose budget must not grow with the number of
    accounts a client holds sessions of."""
    return f"addr:{hashed_address(get_remote_address())}"


def hashed_address(address: str, day: date | None = None) -> str:
    """HMAC-SHA256 of the client address under a salt of the day, truncated to 128 bits.

    The salt is derived from the app's secret key and the UTC date, so it rotates at
    midnight UTC without being stored anywhere, and a copy of the rate-limit storage alone
    cannot be turned back into addresses. The cost: a limit window that spans midnight
    starts again from zero, which is acceptable for a backstop against floods."""
    day = day or datetime.now(UTC).date()
    secret = current_app.secret_key
    if isinstance(secret, str):
        secret = secret.encode()
    salt = hmac.new(secret, b"deliberate rate-limit salt " + day.isoformat().encode(), sha256)
    return hmac.new(salt.digest(), address.encode(), sha256).hexdigest()[:32]


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
compress = Compress()


def is_read() -> bool:
    return request.method in ("GET", "HEAD", "OPTIONS")


def read_or_arriving() -> bool:
    """Reads, a workshop's steps in through an invitation (limited per invitation), and
    access codes used (limited by their failures, groups/code_views.py)."""
    if is_read() or request.endpoint == "codes.redeem":
        return True
    from .invitations.services import arriving  # it needs the models, which need `db`

    return arriving() is not None


#: A backstop over every write of one user (or, signed out, one address), whatever the
#: route: the busiest routes (register, log in, post, vote, flag) have tighter limits of
#: their own; this one also covers mediators' and organisers' tools and anything added later.
ALL_WRITES = "60 per minute;1000 per hour"

limiter = Limiter(
    key_func=rate_limit_key,
    default_limits=[],
    application_limits=[ALL_WRITES],
    application_limits_exempt_when=read_or_arriving,
)
