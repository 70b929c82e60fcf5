from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from .categories import ABOUT, Cadence

CADENCE_CHOICES = [
    SelectChoice(Cadence.OFF.value, _l("No mail")),
    SelectChoice(Cadence.AT_ONCE.value, _l("A mail at once")),
    SelectChoice(Cadence.DAILY.value, _l("In a daily digest")),
]


class MailPreferencesForm(FlaskForm):
    """The mail language, then one group of radio buttons per category (added below)."""

    # Not InputRequired: it would mark the select `required`, which HTML allows only with
    # an empty first option; the choice is checked against the languages offered anyway.
    language = SelectField(_l("Language of the mails"))


for _category, _about in ABOUT.items():
    setattr(
        MailPreferencesForm,
        _category.value,
        RadioField(
            _about.label,
            description=_about.hint,
            choices=CADENCE_CHOICES,
            validators=[InputRequired(_l("Choose one."))],
        ),
    )
