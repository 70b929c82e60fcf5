from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .. import languages
from ..debates.forms import AUDIENCE_CHOICES, strip
from ..http import MAX_ID
from ..models import PSEUDONYM_MAX
from .models import NOTE_MAX


def phase_labels():
    return {
        "draft": _l("Draft"),
        "open": _l("Open"),
        "final_vote": _l("Final vote"),
        "closed": _l("Closed"),
    }


def note_kinds():
    return {
        "summary": _l("Summary"),
        "reframing": _l("Reframing"),
        "sources": _l("Request for sources"),
        "cooling_off": _l("Cooling-off notice"),
    }


class ScheduleForm(FlaskForm):
    phase = SelectField(
        _l("Move to"),
        choices=[SelectChoice(k, v) for k, v in phase_labels().items() if k != "draft"],
    )
    due_at = DateTimeLocalField(
        _l("At (UTC)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Choose a date and time."))],
    )


class LinesForm(FlaskForm):
    """One item per line: ground rules, or communities."""

    lines = TextAreaField(_l("One per line"), filters=[strip], validators=[Length(max=5000)])

    def items(self) -> list[str]:
        return [line.strip() for line in (self.lines.data or "").splitlines() if line.strip()]


class AppointForm(FlaskForm):
    pseudonym = StringField(
        _l("Pseudonym"),
        filters=[strip],
        validators=[InputRequired(_l("Enter the person's pseudonym.")), Length(max=PSEUDONYM_MAX)],
    )
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("mediator", _l("Mediator")),
            SelectChoice("organiser", _l("Organiser")),
            SelectChoice("translator", _l("Translator (publishes translations)")),
        ],
    )
    community = SelectField(
        _l("Represents"),
        description=_l("Mediators represent a community or are independent."),
        default="",
    )

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.community.choices = [SelectChoice("", _l("Independent"))] + [
            SelectChoice(str(c.id), c.name) for c in communities
        ]


class NoteForm(FlaskForm):
    kind = SelectField(
        _l("Kind of note"), choices=[SelectChoice(k, v) for k, v in note_kinds().items()]
    )
    body = TextAreaField(
        _l("Note"),
        description=_l(
            "Shown to everyone, marked as a mediator note. Markdown: *emphasis*, lists, links."
        ),
        filters=[strip],
        validators=[
            InputRequired(_l("Write the note.")),
            Length(10, NOTE_MAX, _l("Write between 10 and %(max)d characters.", max=NOTE_MAX)),
        ],
    )


class CommunityForm(FlaskForm):
    community = SelectField(_l("Your community (optional)"), default="")

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.community.choices = [SelectChoice("", _l("Prefer not to say"))] + [
            SelectChoice(str(c.id), c.name) for c in communities
        ]


def rule_choices(ground_rules):
    return [SelectChoice(str(r.number), f"{r.number}. {r.text}") for r in ground_rules]


class FlagForm(FlaskForm):
    rule = SelectField(_l("Which ground rule does it break?"))
    note = TextAreaField(
        _l("Note for the mediators (optional)"), filters=[strip], validators=[Length(max=500)]
    )

    def __init__(self, *args, ground_rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rule.choices = rule_choices(ground_rules)


class DecisionForm(FlaskForm):
    # No decision is chosen in advance: a hurried mediator must not keep or hide by default.
    decision = SelectField(
        _l("Decision"),
        validators=[InputRequired(_l("Choose a decision."))],
        choices=[
            SelectChoice("", _l("Choose a decision")),
            SelectChoice("keep", _l("Keep it (the flags were not justified)")),
            SelectChoice("hide", _l("Hide it, citing a rule")),
            SelectChoice(
                "urgent_hide",
                _l("Hide it at once (threat or revealed identity); a second mediator reviews"),
            ),
            SelectChoice("request_edit", _l("Collapse it and ask the author to edit it")),
            SelectChoice("approve", _l("Approve it, or approve its edit (pre-moderation)")),
            SelectChoice("refuse_edit", _l("Refuse its edit: the earlier text stays")),
            SelectChoice(
                "duplicate",
                _l("Merge it into an argument on the same side, under the same parent"),
            ),
        ],
    )
    duplicate_of = IntegerField(
        _l("It duplicates argument number (for a merge)"),
        description=_l("The number at the end of the other argument's link (…/a/12)."),
        validators=[Optional(), NumberRange(1, MAX_ID)],
    )
    rule = SelectField(_l("Ground rule"), default="")
    reason = TextAreaField(
        _l("Reason, for the author and the public log"),
        filters=[strip],
        validators=[Length(max=1000)],
    )

    def __init__(self, *args, ground_rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rule.choices = [SelectChoice("", _l("No rule (keep or approve)"))] + rule_choices(
            ground_rules
        )


class AppealForm(FlaskForm):
    text = TextAreaField(
        _l("Why should this decision change?"),
        description=_l("A different mediator will decide. You can appeal once."),
        filters=[strip],
        validators=[
            InputRequired(_l("Explain your appeal.")),
            Length(10, 2000, _l("Explain your appeal in 10 to 2000 characters.")),
        ],
    )


class AppealDecisionForm(FlaskForm):
    outcome = SelectField(
        _l("Outcome"),
        validators=[InputRequired(_l("Choose an outcome."))],
        choices=[
            SelectChoice("", _l("Choose an outcome")),
            SelectChoice(
                "overturned",
                _l("Overturn: restore the argument (unmerge it) or lift the sanction"),
            ),
            SelectChoice("upheld", _l("Uphold the decision")),
        ],
    )
    reason = TextAreaField(
        _l("Reason"),
        filters=[strip],
        validators=[InputRequired(_l("Give a reason.")), Length(max=1000)],
    )


class SanctionForm(FlaskForm):
    kind = SelectField(
        _l("Sanction"),
        choices=[
            SelectChoice("warning", _l("Warning")),
            SelectChoice("slow_mode", _l("Slow mode")),
            SelectChoice("mute", _l("Mute")),
            SelectChoice("removal", _l("Removal from the debate")),
        ],
    )
    rule = SelectField(_l("Ground rule"))
    reason = TextAreaField(
        _l("Reason, for the person and the public log"),
        filters=[strip],
        validators=[InputRequired(_l("Give a reason.")), Length(max=1000)],
    )
    hours = IntegerField(
        _l("For how many hours (slow mode, mute)"),
        description=_l(
            "A slow mode or a mute that, with the others this person had in the past week, "
            "lasts over 24 hours needs a second mediator from another community."
        ),
        validators=[Optional(), NumberRange(1, 24 * 90)],
    )
    interval = IntegerField(
        _l("Minutes between two posts (slow mode)"), validators=[Optional(), NumberRange(1, 1440)]
    )

    def __init__(self, *args, ground_rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rule.choices = rule_choices(ground_rules)


class FreezeForm(FlaskForm):
    minutes = IntegerField(
        _l("Pause for how many minutes"),
        default=60,
        validators=[InputRequired(_l("Say how long.")), NumberRange(1, 7 * 24 * 60)],
    )
    note = TextAreaField(
        _l("Public note"),
        default="",
        filters=[strip],
        validators=[
            InputRequired(_l("Explain the pause to everyone.")),
            Length(10, NOTE_MAX, _l("Write between 10 and %(max)d characters.", max=NOTE_MAX)),
        ],
    )


class SlowModeForm(FlaskForm):
    minutes = IntegerField(
        _l("Minutes between two posts, for everyone (0: off)"),
        validators=[InputRequired(_l("Say how many minutes.")), NumberRange(0, 1440)],
    )


class AudienceForm(FlaskForm):
    audience = RadioField(
        _l("Who can see this debate"), choices=AUDIENCE_CHOICES, validators=[InputRequired()]
    )


def language_tags(form, field):
    """Each word must be a language tag; the message names the first that is not."""
    try:
        field.tags = languages.parse_list(field.data or "")
    except languages.BadTag as error:
        # gettext, not lazy_gettext: a lazy string passes for safe markup in a template,
        # and this one carries what was typed.
        raise ValidationError(
            gettext(
                "“%(tag)s” is not a language tag. Use tags such as fr, en, bm (Bambara), "
                "ff (Fula), ses (Songhay), taq (Tamasheq).",
                tag=str(error),
            )
        ) from None


class LanguagesForm(FlaskForm):
    languages = StringField(
        _l("Other languages of the debate"),
        description=_l(
            "Language tags separated by commas, for example: en, bm, ff. Participants choose "
            "one of them, or the debate's own, when they post."
        ),
        filters=[strip],
        validators=[Length(max=400), language_tags],
    )


class SettingsForm(FlaskForm):
    premoderation = SelectField(
        _l("Safety mode (pre-moderation)"),
        choices=[
            SelectChoice("off", _l("Off: posts appear at once")),
            SelectChoice("first", _l("A newcomer's first post waits for a mediator")),
            SelectChoice("all", _l("Every post waits for a mediator")),
        ],
    )
    flag_threshold = IntegerField(
        _l("Flags that hide an argument until it is reviewed"),
        validators=[InputRequired(), NumberRange(1, 100)],
    )


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Why you decline (the proposer reads it)"),
        filters=[strip],
        validators=[InputRequired(_l("Give a reason.")), Length(max=1000)],
    )


class LiftForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason, for the person and the public log"),
        filters=[strip],
        validators=[InputRequired(_l("Give a reason.")), Length(max=1000)],
    )


class ShortenForm(LiftForm):
    hours = IntegerField(
        _l("End it in how many hours from now"),
        validators=[InputRequired(_l("Say how many hours.")), NumberRange(1, 24 * 90)],
    )


def threshold_labels():
    return {
        50: _l("More than half of its declared members"),
        60: _l("At least 60% of its declared members"),
        67: _l("At least two thirds of its declared members"),
        75: _l("At least three quarters of its declared members"),
        100: _l("All of its declared members"),
    }


class CaucusForm(FlaskForm):
    """Which communities must ratify the agreement (caucuses), and the threshold."""

    caucuses = SelectMultipleField(
        _l("Communities that must ratify the agreement"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    percent = SelectField(
        _l("A caucus ratifies a point when it is endorsed by"),
        coerce=int,
        choices=[SelectChoice(k, v) for k, v in threshold_labels().items()],
        default=50,
    )

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.caucuses.choices = [SelectChoice(c.id, c.name) for c in communities]
