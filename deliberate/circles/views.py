"""The debate's in-person circles: the list (confirmed ones for everyone, waiting ones for
their facilitators too), the entry form and the second key."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import rules
from ..accounts.mail import link
from ..debates.views import load_debate
from ..errors import DomainError
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..moderation import services as moderation
from ..qr import qr_svg
from . import services
from .forms import CircleForm
from .sheets import COLUMNS, SheetError, read_sheet

bp = Blueprint("circles", __name__)

WRITE_LIMIT = "30 per minute;300 per hour"


@bp.route("/d/<slug>/circles")
def circles(slug: str):
    debate, who = load_debate(slug)
    rules.require(rules.view_debate(who, debate))
    records = rules.allowed(rules.record_circle(who, debate))
    return render_template(
        "circles/circles.html",
        debate=debate,
        who=who,
        circles=services.circles(debate, unconfirmed=records),
        records=records,
        public=services.public,
        everything=services.everything,
        min_group=services.MIN_GROUP,
        others=services.OTHERS,
        form=EmptyForm(),
    )


@bp.route("/d/<slug>/circles/kit")
@login_required
def kit(slug: str):
    """The facilitator's printed kit (A4, black and white, in the page's language): the
    motion, the strongest arguments per side, the ground rules, a tally sheet laid out like
    the entry form, and a QR code of the entry page."""
    debate, who = load_debate(slug)
    rules.require(rules.record_circle(who, debate))
    entry = link("circles.new_circle", slug=slug)
    return render_template(
        "circles/kit.html",
        debate=debate,
        who=who,
        arguments=services.strongest(debate),
        ground_rules=moderation.ground_rules(debate),
        communities=moderation.communities(debate),
        entry=entry,
        qr=qr_svg(entry, _("QR code of the page where the circle is entered"), scalable=True),
    )


@bp.route("/d/<slug>/circles/new", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def new_circle(slug: str):
    return _circle_form(slug)


@bp.route("/d/<slug>/circles/<int:circle_id>/correct", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def correct(slug: str, circle_id: int):
    """New figures for a confirmed circle: entered, then confirmed, like a new circle."""
    return _circle_form(slug, circle_id)


def _circle_form(slug: str, corrects_id: int | None = None):
    debate, who = load_debate(slug)
    rules.require(rules.record_circle(who, debate))
    corrects = services.load(debate, corrects_id) if corrects_id else None
    communities = moderation.communities(debate)
    form = CircleForm()
    rows = form.rows_for(communities, corrects)
    error, problems = None, []
    if form.validate_on_submit():
        try:
            counts = _uploaded(form, communities) or _counts(form)
            services.record(
                who, debate, form.held_on.data, form.place.data, counts, corrects=corrects
            )
        except SheetError as refused:
            problems = refused.problems
            error = _("The tally sheet was not saved: correct these lines and upload it again.")
        except DomainError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            flash(
                _("The circle is recorded. Another facilitator who was there confirms it next."),
                "success",
            )
            return redirect(url_for("circles.circles", slug=slug))
    return render_template(
        "circles/new.html",
        debate=debate,
        who=who,
        corrects=corrects,
        form=form,
        rows=rows,
        error=error,
        problems=problems,
        columns=",".join(COLUMNS),
    ), (400 if form.errors or error else 200)


def _uploaded(form: CircleForm, communities) -> list[services.Count] | None:
    """The counts of an uploaded sheet, if one was sent (SheetError if it is wrong)."""
    upload = form.sheet.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return read_sheet(upload.read(), communities)


def _counts(form: CircleForm) -> list[services.Count]:
    def n(field) -> int:
        return field.data or 0

    counts = []
    for entry in form.counts:
        row = entry.form
        community = row.community.data
        if community not in ("", None) and not str(community).isdigit():
            abort(400)
        counts.append(
            services.Count(
                community_id=int(community) if community else None,
                attendance=n(row.attendance),
                opening=(n(row.opening_for), n(row.opening_against), n(row.opening_undecided)),
                closing=(n(row.closing_for), n(row.closing_against), n(row.closing_undecided)),
            )
        )
    return counts


@bp.route("/d/<slug>/circles/<int:circle_id>/confirm", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def confirm(slug: str, circle_id: int):
    debate, who = load_debate(slug)
    circle = services.load(debate, circle_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.confirm(who, debate, circle)
    db.session.commit()
    flash(_("The circle is confirmed: everyone sees its figures now."), "success")
    return redirect(url_for("circles.circles", slug=slug))
