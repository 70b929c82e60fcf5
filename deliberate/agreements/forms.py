import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, ValidationError

from ..debates.forms import strip
from .models import POINT_MAX, POINT_MIN
from .services import MAX_LINKS, POINT_LENGTH

#: "12, 40", "#12 #40" or "12;40": ids separated by commas, semicolons or spaces.
_ID_SEPARATORS = re.compile(r"[\s,;]+")


def kind_labels():
    return {
        "common_ground": _l("Common ground"),
        "disagreement": _l("Remaining disagreement"),
        "next_step": _l("Next step"),
    }


def argument_ids(value: str | None) -> list[int]:
    """The ids typed in a "linked arguments" field; ValueError if one is not a number."""
    ids = []
    for token in _ID_SEPARATORS.split(value or ""):
        token = token.removeprefix("#")
        if not token:
            continue
        if not token.isascii() or not token.isdigit() or len(token) > 10:
            raise ValueError(token)
        ids.append(int(token))
    return ids


def _valid_ids(form, field):
    try:
        ids = argument_ids(field.data)
    except ValueError:
        raise ValidationError(_l("Type argument ids separated by commas, e.g. 12, 40.")) from None
    if len(set(ids)) > MAX_LINKS:
        raise ValidationError(_l("Cite at most %(max)d arguments in one point.", max=MAX_LINKS))


class PointForm(FlaskForm):
    kind = SelectField(
        _l("Kind of point"), choices=[SelectChoice(k, v) for k, v in kind_labels().items()]
    )
    text = TextAreaField(
        _l("Point"),
        description=_l("One statement the communities can endorse. Markdown: *emphasis*, lists."),
        filters=[strip],
        validators=[
            InputRequired(_l("Write the point.")),
            Length(POINT_MIN, POINT_MAX, POINT_LENGTH),
        ],
    )
    arguments = StringField(
        _l("Linked arguments (ids, optional)"),
        description=_l(
            "The id is the number at the end of an argument's link (…/a/12). "
            "Separate several with commas."
        ),
        filters=[strip],
        validators=[Length(max=500), _valid_ids],
    )

    def argument_ids(self) -> list[int]:
        return argument_ids(self.arguments.data)


class EndorseForm(FlaskForm):
    """Endorse ("1"), object ("-1") or withdraw one's answer ("")."""

    value = StringField(validators=[AnyOf(["1", "-1", ""])])

    def answer(self) -> int | None:
        return int(self.value.data) if self.value.data else None
