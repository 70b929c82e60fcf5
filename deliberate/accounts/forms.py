from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import Email, InputRequired, Length, Regexp, ValidationError

from ..forms import refuse_nul
from ..models import PSEUDONYM_MAX
from .passwords import PASSWORD_MAX, PASSWORD_MIN, TOO_COMMON, is_common

PSEUDONYM_PATTERN = r"^[\w][\w .'·-]*[\w.]$"


def not_common(_form, field) -> None:
    if field.data and is_common(field.data):
        raise ValidationError(TOO_COMMON)


def pseudonym_field() -> StringField:
    return StringField(
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
        render_kw={"autocomplete": "nickname"},
    )


def strip(value):
    """Phones' keyboards often add a space after an address. A NUL is refused (refuse_nul)."""
    value = refuse_nul(value)
    return value.strip() if isinstance(value, str) else value


def email_field(label=None, description=None, **kwargs) -> EmailField:
    return EmailField(
        label or _l("Email"),
        description=description,
        filters=[strip],
        **kwargs,
        validators=[
            InputRequired(_l("Enter your email address.")),
            Length(max=254),
            Email(
                _l("Enter a valid email address, like name@example.org."),
                check_deliverability=False,
                # The mail we send cannot be addressed to a non-ASCII local part (SMTPUTF8).
                allow_smtputf8=False,
            ),
        ],
        render_kw={"autocomplete": "email"},
    )


def new_password_field(label=None, **kwargs) -> PasswordField:
    return PasswordField(
        label or _l("Password"),
        **kwargs,
        description=_l("8 to 128 characters. A few unrelated words make a strong password."),
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(PASSWORD_MIN, PASSWORD_MAX, _l("Use 8 to 128 characters.")),
            not_common,
        ],
        render_kw={"autocomplete": "new-password"},
    )


def current_password_field(label=None, **kwargs) -> PasswordField:
    return PasswordField(
        label or _l("Current password"),
        **kwargs,
        validators=[InputRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )


def code_field(required: bool = True, **kwargs) -> StringField:
    """A code from an authenticator app. Where it is asked only of accounts with a second
    factor, the view checks it is there."""
    return StringField(
        _l("Code from your authenticator app"),
        description=_l("6 digits; a new one every 30 seconds."),
        validators=[InputRequired(_l("Enter the 6-digit code from your app."))] if required else [],
        **kwargs,
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "maxlength": 9,
            "spellcheck": "false",
        },
    )


class RegisterForm(FlaskForm):
    pseudonym = pseudonym_field()
    email = email_field(
        description=_l(
            "Your email is never shown to anyone. We send a link to it: "
            "you choose your password from there."
        )
    )


class ConfirmRegistrationForm(FlaskForm):
    pseudonym = pseudonym_field()
    password = new_password_field()


class LoginForm(FlaskForm):
    # Named "email" still (links, password managers, tests); a pseudonym works too, for
    # the accounts made with a group's access code, which have no email.
    email = StringField(
        _l("Email or pseudonym"),
        filters=[strip],
        validators=[InputRequired(_l("Enter your email or your pseudonym."))],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device for up to 14 days"))


def recovery_code_field(**kwargs) -> StringField:
    """One of the recovery codes shown when two-step login was turned on (letters and
    digits: a phone must offer its full keyboard)."""
    return StringField(
        _l("Recovery code"),
        description=_l("One of the ten codes you saved, for example abcd-efgh-jkmn-pqrs."),
        validators=[InputRequired(_l("Enter one of your recovery codes."))],
        **kwargs,
        render_kw={"autocomplete": "off", "maxlength": 24, "spellcheck": "false"},
    )


class CodeForm(FlaskForm):
    code = code_field()


class RecoveryLoginForm(FlaskForm):
    """Beside CodeForm on one page: made with prefix="recovery"."""

    code = recovery_code_field()


class NewRecoveryCodesForm(FlaskForm):
    """Beside DisableTwoFactorForm on one page: made with prefix="codes"."""

    password = current_password_field()
    code = code_field()


class ResetRequestForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password = new_password_field(_l("New password"))


# The settings page shows both forms: their fields get ids of their own.
class ChangeEmailForm(FlaskForm):
    email = email_field(_l("New email"), id="new-email")
    password = current_password_field(id="email-password")
    code = code_field(required=False, id="email-code")


class ChangePasswordForm(FlaskForm):
    current_password = current_password_field(id="current-password")
    new_password = new_password_field(_l("New password"), id="new-password")
    code = code_field(required=False, id="password-code")


class EnableTwoFactorForm(FlaskForm):
    password = current_password_field()
    code = code_field()


class DisableTwoFactorForm(FlaskForm):
    """Also the way to a new phone after a lost one: a recovery code stands in for the app's."""

    password = current_password_field()
    code = StringField(
        _l("Code from your app, or a recovery code"),
        validators=[InputRequired(_l("Enter the code from your app or a recovery code."))],
        render_kw={"autocomplete": "one-time-code", "maxlength": 24, "spellcheck": "false"},
    )
