"""The forms of access codes: issuing a sheet, and using a code."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange

from ..accounts.forms import new_password_field, pseudonym_field
from ..debates.forms import strip
from .codes import DAYS_DEFAULT, DAYS_MAX, LABEL_MAX, SHEET_DEFAULT, SHEET_MAX


class SheetForm(FlaskForm):
    label = StringField(
        _l("Who it is for"),
        description=_l(
            "Only the group's admins and facilitators see it, e.g. “Mopti workshop, 12 May”."
        ),
        filters=[strip],
        validators=[DataRequired(_l("Say who it is for.")), Length(max=LABEL_MAX)],
    )
    size = IntegerField(
        _l("Number of codes"),
        description=_l("One per person: each code makes one account. 10 fit on a page."),
        default=SHEET_DEFAULT,
        validators=[
            InputRequired(_l("Give a number of codes.")),
            NumberRange(1, SHEET_MAX, _l("From 1 to %(max)d codes.", max=SHEET_MAX)),
        ],
    )
    days = IntegerField(
        _l("Valid for (days)"),
        default=DAYS_DEFAULT,
        validators=[
            InputRequired(_l("Give a number of days.")),
            NumberRange(1, DAYS_MAX, _l("From 1 to %(max)d days.", max=DAYS_MAX)),
        ],
    )
    #: Choices set by the view: "" (the group's page) or one of the group's open debates.
    debate = SelectField(
        _l("Where the codes lead"),
        description=_l("After signing up, people land on this debate's page, ready to join."),
        choices=[],
        validate_choice=True,
    )


class RedeemForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l("The 12 letters and digits on your card, with or without the dashes."),
        filters=[strip],
        validators=[InputRequired(_l("Enter the code from your card.")), Length(max=40)],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "maxlength": 40,
        },
    )
    pseudonym = pseudonym_field()
    password = new_password_field()
    confirm = PasswordField(
        _l("Password again"),
        validators=[
            InputRequired(_l("Type the password a second time.")),
            EqualTo("password", _l("The two passwords differ: type them again.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
