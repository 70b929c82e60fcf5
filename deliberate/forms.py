"""Forms shared by several features."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm


def refuse_nul(value):
    """A filter: text with a NUL character is refused, and the form shown again with it.
    Nobody types one; PostgreSQL cannot store it, and SQLite's length() stops at it, so the
    tables' length checks would fail with a 500."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(_l("Remove the invisible NUL character from this text."))
    return value


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons (log out, delete, close)."""
