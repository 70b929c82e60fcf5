from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from .. import languages
from ..debates.forms import strip
from .models import TRANSLATION_MAX

TRANSLATION_LENGTH = _l("Write at most %(max)d characters.", max=TRANSLATION_MAX)


class TranslationForm(FlaskForm):
    language = SelectField(_l("Into"), choices=[], validate_choice=True)
    body = TextAreaField(
        _l("Translation"),
        description=_l(
            "Say what the author says, in the words a speaker of that language would use. "
            "Markdown as in the original."
        ),
        filters=[strip],
        validators=[
            InputRequired(_l("Write the translation.")),
            Length(max=TRANSLATION_MAX, message=TRANSLATION_LENGTH),
        ],
    )
    #: Set when the draft came from the machine translation server.
    machine_draft = HiddenField(default="")

    def offer(self, tags: list[str], wanted: str | None) -> None:
        self.language.choices = [SelectChoice(tag, languages.label(tag)) for tag in tags]
        if self.language.data is None:  # a new form; a bad value sent stays, and is refused
            self.language.data = wanted if wanted in tags else tags[0]


class CorrectionForm(FlaskForm):
    body = TextAreaField(
        _l("Corrected translation"),
        filters=[strip],
        validators=[
            InputRequired(_l("Write the translation.")),
            Length(max=TRANSLATION_MAX, message=TRANSLATION_LENGTH),
        ],
    )


class RejectionForm(FlaskForm):
    reason = TextAreaField(
        _l("Why you reject it (the translator reads it)"),
        filters=[strip],
        validators=[InputRequired(_l("Give a reason.")), Length(max=1000)],
    )


class MachineDraftsForm(FlaskForm):
    shown = BooleanField(
        _l(
            "Show readers an unreviewed machine translation, marked as such, where no "
            "person has translated an argument yet"
        )
    )
