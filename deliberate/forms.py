"""Forms shared by several features."""

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons (log out, delete, close)."""
