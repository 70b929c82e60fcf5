from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from .. import languages
from ..forms import refuse_nul
from ..models import BODY_MAX, BODY_MIN, MOTION_MAX


def strip(value):
    """Surrounding whitespace is not content: "          " is not a 10-character argument.
    Text with a NUL character is refused (deliberate.forms.refuse_nul)."""
    value = refuse_nul(value)
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


def format_choices():
    return [
        SelectChoice(
            "motion",
            _l("A motion: a yes/no question, argued for and against, with votes before and after"),
        ),
        SelectChoice(
            "question",
            _l(
                "An open question, as in Pol.is: participants post statements and vote"
                " agree, disagree or pass on each"
            ),
        ),
    ]


AUDIENCE_CHOICES = [
    SelectChoice("public", _l("Everyone: it is listed on the home page and in the API")),
    SelectChoice(
        "unlisted",
        _l(
            "Only people given its link: listed nowhere, and search engines are asked "
            "not to index it. Anyone who has the link can still read it and join."
        ),
    ),
    SelectChoice(
        "private",
        _l(
            "Private: only the members of its group and the people you invite. To anyone "
            "else it does not exist: not its page, its report, its downloads or its log."
        ),
    ),
]


class DebateForm(FlaskForm):
    format = RadioField(
        _l("Format"),
        choices=format_choices(),
        default="motion",
        validators=[DataRequired(_l("Choose a format."))],
    )
    motion = StringField(
        _l("Motion or question"),
        description=_l(
            "A motion is a yes/no question, e.g. “Should the city close the old market?”;"
            " an open question asks for ideas, e.g. “What should change in our market?”"
        ),
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


class NewDebateForm(DebateForm):
    """A new debate: also whose it is (the starter's own, or a group's they run) and who
    can see it."""

    group = SelectField(_l("Run by"), choices=[], validate_choice=True)
    #: Optional: a form that leaves it out (an older page, a script) starts a public debate.
    audience = RadioField(
        _l("Who can see this debate"),
        choices=AUDIENCE_CHOICES,
        default="public",
        validators=[Optional()],
    )

    def offer_groups(self, groups) -> None:
        self.group.choices = [("", _l("Me: a debate of my own"))] + [
            (g.slug, g.name) for g in groups
        ]


class EditDebateForm(FlaskForm):
    """The motion (while a draft) and the background; the fields and limits of DebateForm."""

    motion = DebateForm.motion
    background = DebateForm.background


def language_field():
    return SelectField(_l("Language of your text"), choices=[], validate_choice=True)


def written_in(form, debate, locale: str):
    """Offer the debate's languages on a posting form, the reader's own first chosen where
    the debate has it (else the debate's). Pages show the choice only when there are several."""
    tags = debate.languages
    form.language.choices = [SelectChoice(tag, languages.label(tag)) for tag in tags]
    if form.language.data is None:  # not sent: a single-language debate, or a new form
        form.language.data = locale if locale in tags else debate.language
    return form


def label(tag: str) -> str:
    """ "bambara (bamanakan)": the language's name for the reader, and for its speakers."""
    name, own = languages.name(tag), languages.own_name(tag)
    return name if own.casefold() == name.casefold() else f"{name} ({own})"


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
    language = language_field()


class StatementForm(FlaskForm):
    """A statement on an open question: no side to take, others agree, disagree or pass."""

    body = TextAreaField(
        _l("Statement"),
        description=_l("One clear statement others can agree or disagree with."),
        filters=[strip],
        validators=[
            InputRequired(_l("Write your statement.")),
            Length(BODY_MIN, BODY_MAX, BODY_LENGTH),
        ],
    )
    language = language_field()


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


class JoinForm(PositionForm):
    """Joining a debate: the opening position (motions only), the ground rules, and
    optionally (privately) a community."""

    community = SelectField(
        _l("Your community (optional)"),
        description=_l("Never shown beside your name: only counted, in groups of 5 or more."),
        default="",
    )
    accept_rules = BooleanField(
        _l("I accept the ground rules"),
        validators=[DataRequired(_l("Accept the ground rules to take part."))],
    )

    def __init__(self, *args, communities=(), question=False, **kwargs):
        super().__init__(*args, **kwargs)
        if question:
            del self.position
        self.community.choices = [SelectChoice("", _l("Prefer not to say"))] + [
            SelectChoice(str(c.id), c.name) for c in communities
        ]

    def community_id(self) -> int | None:
        return int(self.community.data) if self.community.data else None
