from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, FieldList, Form, FormField, HiddenField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..debates.forms import strip
from .models import COUNT_MAX, PLACE_MAX, PLACE_MIN

IN_RANGE = NumberRange(0, COUNT_MAX, _l("A whole number from 0 to %(max)d.", max=COUNT_MAX))


def count(label):
    return IntegerField(label, default=0, validators=[Optional(), IN_RANGE])


FIGURES = (
    "attendance",
    "opening_for",
    "opening_against",
    "opening_undecided",
    "closing_for",
    "closing_against",
    "closing_undecided",
)


class CountForm(Form):
    """One community's row of the tally sheet; `community` is its id, "" for none named."""

    community = HiddenField()
    attendance = count(_l("People who came"))
    opening_for = count(_l("For, at the start"))
    opening_against = count(_l("Against, at the start"))
    opening_undecided = count(_l("Undecided, at the start"))
    closing_for = count(_l("For, at the end"))
    closing_against = count(_l("Against, at the end"))
    closing_undecided = count(_l("Undecided, at the end"))


class CircleForm(FlaskForm):
    held_on = DateField(_l("Date of the circle"), validators=[InputRequired(_l("Give the date."))])
    place = StringField(
        _l("Commune or region"),
        description=_l("Where it met, coarsely: everyone reads it. Never a village."),
        filters=[strip],
        validators=[InputRequired(_l("Give the commune or region.")), Length(PLACE_MIN, PLACE_MAX)],
    )
    counts = FieldList(FormField(CountForm), min_entries=1)
    sheet = FileField(
        _l("Or upload the tally sheet (CSV)"),
        description=_l(
            "From a spreadsheet, one line per community: community, came, start_for, "
            "start_against, start_undecided, end_for, end_against, end_undecided. It replaces "
            "the rows above."
        ),
    )

    def rows_for(self, communities, earlier=None) -> list:
        """The rows, each with its community's name, in the sheet's order: the debate's
        communities, then people who named none; for a correction (`earlier`: the circle
        corrected), its figures to start from."""
        wanted = [str(c.id) for c in communities] + [""]
        names = {str(c.id): c.name for c in communities}
        if not self.is_submitted():
            while len(self.counts) < len(wanted):
                self.counts.append_entry()
            before = {
                str(count.community_id or ""): count
                for count in (earlier.counts if earlier else [])
            }
            for entry, community in zip(self.counts, wanted, strict=False):
                entry.community.data = community
                count = before.get(community)
                for name in FIGURES if count else ():
                    getattr(entry.form, name).data = getattr(count, name)
            if earlier is not None:
                self.held_on.data, self.place.data = earlier.held_on, earlier.place
        return [(entry, names.get(entry.community.data)) for entry in self.counts]
