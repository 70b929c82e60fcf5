from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import Email, InputRequired, Length, Regexp

from ..models import PSEUDONYM_MAX
from .services import PASSWORD_MAX, PASSWORD_MIN

PSEUDONYM_PATTERN = r"^[\w][\w .'·-]*[\w.]$"


class RegisterForm(FlaskForm):
    pseudonym = StringField(
        _l("Pseudonym"),
        description=_l(
            "The only name others will see. "
            "Avoid your real name if taking part could put you at risk."
        ),
        validators=[
            InputRequired(_l("Choose a pseudonym.")),
            Length(3, PSEUDONYM_MAX, _l("Use 3 to %(max)d characters.", max=PSEUDONYM_MAX)),
            Regexp(
                PSEUDONYM_PATTERN,
                message=_l("Use letters, digits, spaces, dots, hyphens or apostrophes."),
            ),
        ],
    )
    email = EmailField(
        _l("Email"),
        description=_l("Your email is never shown to anyone; it is used only to log in."),
        validators=[
            InputRequired(_l("Enter your email address.")),
            Length(max=254),
            Email(
                _l("Enter a valid email address, like name@example.org."),
                check_deliverability=False,
            ),
        ],
    )
    password = PasswordField(
        _l("Password"),
        description=_l("8 to 128 characters. A few unrelated words make a strong password."),
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(PASSWORD_MIN, PASSWORD_MAX, _l("Use 8 to 128 characters.")),
        ],
    )


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email address."))])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me logged in on this device"))
