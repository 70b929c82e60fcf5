from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..debates.forms import strip
from ..models import PSEUDONYM_MAX
from .models import GROUP_DESCRIPTION_MAX, GROUP_NAME_MAX


def role_choices():
    return [
        SelectChoice("member", _l("Member: takes part in the group's private debates")),
        SelectChoice(
            "facilitator",
            _l("Facilitator: also starts the group's debates and hands out access codes"),
        ),
        SelectChoice("admin", _l("Admin: also manages members, roles and trusted mediators")),
    ]


class GroupForm(FlaskForm):
    name = StringField(
        _l("Name"),
        description=_l("As your members know it, e.g. “Mopti peace association”."),
        filters=[strip],
        validators=[
            DataRequired(_l("Give the group a name.")),
            Length(3, GROUP_NAME_MAX, _l("Use 3 to %(max)d characters.", max=GROUP_NAME_MAX)),
        ],
    )
    description = TextAreaField(
        _l("Short description"),
        description=_l("Who you are and what you debate, in a sentence or two. Public."),
        filters=[strip],
        validators=[Length(max=GROUP_DESCRIPTION_MAX)],
    )


class AddMemberForm(FlaskForm):
    pseudonym = StringField(
        _l("Pseudonym"),
        description=_l("The person's pseudonym on this site; they must have an account."),
        filters=[strip],
        validators=[DataRequired(_l("Give a pseudonym.")), Length(max=PSEUDONYM_MAX)],
    )
    role = RadioField(_l("Role"), choices=role_choices(), default="member")


class RoleForm(FlaskForm):
    role = RadioField(_l("Role"), choices=role_choices(), validators=[InputRequired()])


class AddMediatorForm(FlaskForm):
    pseudonym = StringField(
        _l("Pseudonym of a mediator you trust"),
        description=_l("Your organisers appoint mediators for the group's debates from this pool."),
        filters=[strip],
        validators=[DataRequired(_l("Give a pseudonym.")), Length(max=PSEUDONYM_MAX)],
    )


class SuspendForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        description=_l("The group's members read it in the group's log."),
        filters=[strip],
        validators=[DataRequired(_l("Give the reason.")), Length(max=1000)],
    )
