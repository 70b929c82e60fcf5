"""Extension objects, created here and bound to the app in create_app()."""

from flask import request
from flask_babel import Babel
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
    """Per user when logged in, so people behind one NAT do not share a budget."""
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"ip:{get_remote_address()}"


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def is_read() -> bool:
    return request.method in ("GET", "HEAD", "OPTIONS")


#: A backstop over every write of one user (or, signed out, one address), whatever the
#: route: the busiest routes (register, log in, post, vote, flag) have tighter limits of
#: their own; this one also covers mediators' and organisers' tools and anything added later.
ALL_WRITES = "60 per minute;1000 per hour"

limiter = Limiter(
    key_func=rate_limit_key,
    default_limits=[],
    application_limits=[ALL_WRITES],
    application_limits_exempt_when=is_read,
)
