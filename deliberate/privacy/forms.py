from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ..accounts.services import PASSWORD_MAX


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your current password"),
        description=_l("We ask for it again so nobody else can delete your account."),
        validators=[InputRequired(_l("Enter your password.")), Length(max=PASSWORD_MAX)],
    )
    #: Asked for only when the account has a second factor.
    code = StringField(
        _l("Code from your authenticator app"),
        description=_l("The six digits your authenticator app shows now."),
        validators=[Optional(), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    confirm = BooleanField(
        _l("I understand that deleting my account cannot be undone."),
        validators=[InputRequired(_l("Tick the box to confirm."))],
    )


class ResetTwoFactorForm(FlaskForm):
    """One per account on the admins' list: made with prefix="reset-<user id>"."""

    reason = StringField(
        _l("Why (the person reads it)"),
        description=_l("For example: lost phone, identity checked in person on 3 May."),
        validators=[
            InputRequired(_l("Say why: the person and the site log read it.")),
            Length(max=300),
        ],
    )
