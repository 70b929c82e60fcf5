from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..debates.forms import strip
from .services import MAX_CAPACITY, MAX_DAYS


class InvitationForm(FlaskForm):
    label = StringField(
        _l("Who it is for"),
        description=_l("Only you and the other organisers see it, e.g. “Mopti workshop, 12 May”."),
        filters=[strip],
        validators=[DataRequired(_l("Say who it is for.")), Length(max=80)],
    )
    capacity = IntegerField(
        _l("For how many people"),
        default=30,
        validators=[
            InputRequired(_l("Give a number of people.")),
            NumberRange(1, MAX_CAPACITY, _l("From 1 to %(max)d people.", max=MAX_CAPACITY)),
        ],
    )
    days = IntegerField(
        _l("Valid for (days)"),
        default=14,
        validators=[
            InputRequired(_l("Give a number of days.")),
            NumberRange(1, MAX_DAYS, _l("From 1 to %(max)d days.", max=MAX_DAYS)),
        ],
    )
