from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..models import BODY_MAX, BODY_MIN, MOTION_MAX


def strip(value):
    """Surrounding whitespace is not content: "          " is not a 10-character argument."""
    return value.strip() if isinstance(value, str) else value


BODY_LENGTH = _l("Write between %(min)d and %(max)d characters.", min=BODY_MIN, max=BODY_MAX)


def stance_choices():
    return [
        SelectChoice("pro", _l("For the motion")),
        SelectChoice("con", _l("Against the motion")),
    ]


def position_choices():
    return [
        SelectChoice("for", _l("For")),
        SelectChoice("against", _l("Against")),
        SelectChoice("undecided", _l("Undecided")),
    ]


class DebateForm(FlaskForm):
    motion = StringField(
        _l("Motion"),
        description=_l("A yes/no question, e.g. “Should the city close the old market?”"),
        filters=[strip],
        validators=[
            InputRequired(_l("Write the motion.")),
            Length(10, MOTION_MAX, _l("Use 10 to %(max)d characters.", max=MOTION_MAX)),
        ],
    )
    background = TextAreaField(
        _l("Background"),
        description=_l("The facts participants need. Markdown: *emphasis*, lists, links."),
        filters=[strip],
        validators=[Optional(), Length(max=10000)],
    )


class ArgumentForm(FlaskForm):
    stance = RadioField(
        _l("Which side does your argument take?"),
        choices=stance_choices(),
        validators=[InputRequired(_l("Say whether your argument is for or against."))],
    )
    body = TextAreaField(
        _l("Argument"),
        description=_l("One clear point. Markdown: *emphasis*, lists, links."),
        filters=[strip],
        validators=[
            InputRequired(_l("Write your argument.")),
            Length(BODY_MIN, BODY_MAX, BODY_LENGTH),
        ],
    )


class EditArgumentForm(FlaskForm):
    body = TextAreaField(
        _l("Argument"),
        filters=[strip],
        validators=[
            InputRequired(_l("Write your argument.")),
            Length(BODY_MIN, BODY_MAX, BODY_LENGTH),
        ],
    )


class PositionForm(FlaskForm):
    position = RadioField(
        _l("Your position"),
        choices=position_choices(),
        validators=[InputRequired(_l("Choose for, against or undecided."))],
    )


class VoteForm(FlaskForm):
    """Agree, disagree, or retract (an empty value)."""

    value = HiddenField()


class JoinForm(PositionForm):
    """Joining a debate: the opening position, the ground rules, and optionally (privately)
    a community."""

    community = SelectField(
        _l("Your community (optional)"),
        description=_l("Never shown beside your name: only counted, in groups of 5 or more."),
        default="",
    )
    accept_rules = BooleanField(
        _l("I accept the ground rules"),
        validators=[DataRequired(_l("Accept the ground rules to take part."))],
    )

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.community.choices = [SelectChoice("", _l("Prefer not to say"))] + [
            SelectChoice(str(c.id), c.name) for c in communities
        ]

    def community_id(self) -> int | None:
        return int(self.community.data) if self.community.data else None
