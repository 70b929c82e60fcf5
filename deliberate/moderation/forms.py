from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..debates.forms import strip
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
