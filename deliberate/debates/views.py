"""Debate, argument and vote pages. Each view: load (404) -> authorise -> validate -> service."""

import difflib
import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import pagecache, rules
from ..accounts.mail import link
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..groups.services import runnable_by
from ..headers import unindexed_if_unlisted
from ..http import safe_next
from ..markup import render_markdown
from ..models import (
    Argument,
    ArgumentRevision,
    Audience,
    Debate,
    DebateFormat,
    Position,
    Stance,
    Visibility,
    utcnow,
)
from ..moderation import sanctions
from ..moderation import services as moderation
from ..moderation.services import apply_due_phase_changes
from ..results import cache, release
from ..rules import Standing
from ..translating import services as translating
from . import queries, services
from .forms import (
    ArgumentForm,
    EditArgumentForm,
    EditDebateForm,
    JoinForm,
    NewDebateForm,
    PositionForm,
    StatementForm,
    written_in,
)

bp = Blueprint("debates", __name__)

WRITE_LIMIT = "30 per minute;300 per hour"
VOTE_LIMIT = "120 per minute;2000 per hour"


def load_debate(slug: str) -> tuple[Debate, Standing]:
    """The debate (404 if missing or hidden from this user) and who the user is in it."""
    debate = db.session.scalar(select(Debate).where(Debate.slug == slug))
    if debate is None:
        abort(404)
    apply_due_phase_changes(debate)
    who = services.standing(current_user, debate)
    rules.require(rules.view_debate(who, debate))
    unindexed_if_unlisted(debate)
    return debate, who


def load_argument(debate: Debate, argument_id: int) -> Argument:
    argument = db.session.get(Argument, argument_id)
    if argument is None or argument.debate_id != debate.id:
        abort(404)
    return argument


def chosen_sort() -> str:
    sort = request.args.get("sort", "best")
    return sort if sort in queries.SORTS else "best"


def shown_limit(name: str, step: int) -> int:
    """How many items a "show more" link asked for: step, 2*step, ... capped at 50 steps."""
    try:
        wanted = int(request.args.get(name, step))
    except ValueError:
        wanted = step
    return max(step, min(wanted, step * 50))


def argument_link(debate: Debate, argument: Argument) -> str:
    return url_for(
        "debates.argument", slug=debate.slug, argument_id=argument.id, _anchor=f"a{argument.id}"
    )


@bp.route("/debates/new", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def new_debate():
    form = NewDebateForm(group=request.args.get("group", ""))
    groups = runnable_by(current_user)
    form.offer_groups(groups)
    if form.validate_on_submit():
        debate = services.start_debate(
            current_user,
            form.motion.data,
            form.background.data or "",
            format=DebateFormat(form.format.data),
            language=str(get_locale()),
            group=next((g for g in groups if g.slug == form.group.data), None),
            audience=Audience(form.audience.data or Audience.PUBLIC),
        )
        db.session.commit()
        flash(
            _(
                "Your debate is ready as a draft, at %(address)s (only you see it for now). "
                "Check its ground rules and communities, then open it.",
                address=link("debates.debate", slug=debate.slug),
            ),
            "success",
        )
        return redirect(url_for("moderation.manage", slug=debate.slug))
    return render_template("debates/new.html", form=form, groups=groups), (
        400 if form.errors else 200
    )


@bp.route("/d/<slug>")
@pagecache.cached
def debate(slug: str):
    debate, who = load_debate(slug)
    config = current_app.config
    sort = chosen_sort()
    per_side = shown_limit("n", config["ARGUMENTS_PER_SIDE"])
    tree = queries.debate_tree(debate, sort, per_side=per_side, replies=config["REPLIES_SHOWN"])
    shown_ids = [a.id for a in tree.arguments()]
    translated, outdated = translating.for_readers(
        debate, list(tree.arguments()), str(get_locale())
    )
    communities = moderation.communities(debate) if who.signed_in else []
    joining = rules.allowed(rules.join_debate(who, debate))
    return render_template(
        "debates/debate.html",
        debate=debate,
        tree=tree,
        sort=sort,
        per_side=per_side,
        who=who,
        participant=who.participant,
        my_votes=queries.my_votes(current_user, shown_ids),
        notes=moderation.notes_for(debate, shown_ids),
        translated=translated,
        outdated=outdated,
        communities=communities,
        people=moderation.active_roles(debate),
        counts=cache.published_counts(debate),
        waiting=who.participant is not None and release.waits_for(debate, current_user.id),
        # The join form lists the rules; participants have accepted them already.
        ground_rules=moderation.ground_rules(debate) if joining else [],
        # Forms only for those who may use them: a form carries the visitor's CSRF token,
        # and a page without one can be cached for every reader (deliberate/pagecache.py).
        **_forms(who, debate, communities, joining),
    )


def _forms(who: Standing, debate: Debate, communities, joining: bool) -> dict:
    """The forms the page shows this visitor (each one costs: it makes a CSRF token)."""
    forms = {}
    if joining:
        question = debate.is_question
        forms["join_form"] = JoinForm(formdata=None, communities=communities, question=question)
    if rules.allowed(rules.post_argument(who, debate)):
        form = StatementForm() if debate.is_question else ArgumentForm()
        forms["argument_form"] = written_in(form, debate, str(get_locale()))
    return forms


@bp.route("/d/<slug>/a/<int:argument_id>")
@pagecache.cached
def argument(slug: str, argument_id: int):
    debate, who = load_debate(slug)
    argument = load_argument(debate, argument_id)
    if argument.visibility is Visibility.MERGED and argument.merged_into_id:
        # A duplicate's address stays valid: it leads to the argument it was merged into.
        return redirect(
            url_for("debates.argument", slug=slug, argument_id=argument.merged_into_id), 301
        )
    if argument.visibility is Visibility.PENDING and not rules.read_argument(who, argument):
        abort(404)  # awaiting approval: not public yet
    config = current_app.config
    sort = chosen_sort()
    limit = shown_limit("n", config["REPLIES_PER_PAGE"])
    tree = queries.argument_tree(argument, sort, limit=limit, replies=config["REPLIES_SHOWN"])
    shown_ids = [argument.id, *(a.id for a in tree.arguments())]
    translated, outdated = translating.for_readers(
        debate, [argument, *tree.arguments()], str(get_locale())
    )
    mine = who.signed_in and argument.author_id == who.user.id
    return render_template(
        "debates/argument.html",
        appeal=sanctions.latest_appeal(argument)
        if mine and argument.visibility in sanctions.APPEALABLE
        else None,
        pending_html=render_markdown(argument.pending_body)
        if argument.pending_body and (mine or who.is_mediator)
        else None,
        now=utcnow(),
        debate=debate,
        focus=argument,
        ancestors=queries.ancestors(argument),
        tree=tree,
        sort=sort,
        limit=limit,
        who=who,
        participant=who.participant,
        my_votes=queries.my_votes(current_user, shown_ids),
        notes=moderation.notes_for(debate, shown_ids),
        translated=translated,
        outdated=outdated,
        ground_rules=moderation.ground_rules(debate) if who.is_mediator else [],
        argument_form=written_in(ArgumentForm(formdata=None), debate, str(get_locale()))
        if who.signed_in
        else None,
    )


@bp.route("/d/<slug>/join", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def join(slug: str):
    debate, who = load_debate(slug)
    form = JoinForm(communities=moderation.communities(debate), question=debate.is_question)
    if not form.validate_on_submit():
        if debate.is_question:
            flash(_("Accept the ground rules to take part."), "error")
        else:
            flash(_("Choose for, against or undecided, and accept the ground rules."), "error")
        return redirect(safe_next(url_for("debates.debate", slug=slug, _anchor="motion-vote")))
    position = None if debate.is_question else Position(form.position.data)
    services.join_debate(who, debate, position, form.community_id())
    db.session.commit()
    if debate.is_question:
        flash(_("Welcome. You can now post statements and vote."), "success")
    else:
        flash(_("Your opening position is recorded. You can now post and vote."), "success")
    return redirect(safe_next(url_for("debates.debate", slug=slug)))


@bp.route("/d/<slug>/position", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def final_position(slug: str):
    debate, who = load_debate(slug)
    form = PositionForm()
    if not form.validate_on_submit():
        flash(_("Choose for, against or undecided."), "error")
        return redirect(url_for("debates.debate", slug=slug))
    services.record_final_position(who, debate, Position(form.position.data))
    db.session.commit()
    flash(
        _("Your final position is recorded. You can change it until the debate closes."), "success"
    )
    return redirect(url_for("debates.debate", slug=slug, _anchor="motion-vote"))


@bp.route("/d/<slug>/arguments/new", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def new_argument(slug: str):
    """A new argument on the motion."""
    return _post_argument(*load_debate(slug), parent=None)


@bp.route("/d/<slug>/a/<int:argument_id>/reply", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def reply(slug: str, argument_id: int):
    """A reply to an argument: its own page, so replying works without JavaScript."""
    debate, who = load_debate(slug)
    return _post_argument(debate, who, parent=load_argument(debate, argument_id))


def _post_argument(debate: Debate, who: Standing, parent: Argument | None):
    rules.require(rules.post_argument(who, debate, parent))
    statement = services.is_statement(debate, parent)
    form = StatementForm() if statement else ArgumentForm(stance=request.args.get("stance"))
    written_in(form, debate, str(get_locale()))
    if form.validate_on_submit():
        stance = None if statement else Stance(form.stance.data)
        argument = services.post_argument(
            who, debate, stance, form.body.data, parent, language=form.language.data
        )
        db.session.commit()
        posted = _("Your statement is posted.") if statement else _("Your argument is posted.")
        flash(posted, "success")
        return redirect(argument_link(debate, argument))
    status = 400 if form.errors else 200
    return render_template(
        "debates/new_argument.html", debate=debate, parent=parent, form=form
    ), status


@bp.route("/d/<slug>/vote", methods=["POST"])
@login_required
@limiter.limit(VOTE_LIMIT)
def vote(slug: str):
    """Agree, disagree, pass or retract. The button's value is "<argument id>:<1|-1|0|empty>",
    so one small form serves every argument on the page."""
    debate, who = load_debate(slug)
    # The CSRF token was checked before the view (CSRFProtect): the one field is the value.
    argument_id, value = parse_vote(request.form.get("value"))
    argument = load_argument(debate, argument_id)
    services.cast_vote(who, argument, value)
    # Read before the commit, which expires every object (reading after costs a query each).
    counts = {
        "argument": argument.id,
        "agree": argument.agree_count,
        "disagree": argument.disagree_count,
        "passed": argument.pass_count,
        "mine": value,
    }
    target = safe_next(argument_link(debate, argument)).split("#")[0]
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":  # static/vote.js
        return jsonify(counts)
    return redirect(f"{target}#a{argument_id}")


def parse_vote(raw: str | None) -> tuple[int, int | None]:
    match = re.fullmatch(r"(\d{1,18}):(1|-1|0|)", raw or "")
    if match is None:
        abort(400)
    return int(match[1]), int(match[2]) if match[2] else None


@bp.route("/d/<slug>/a/<int:argument_id>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def edit_argument(slug: str, argument_id: int):
    debate, who = load_debate(slug)
    argument = load_argument(debate, argument_id)
    rules.require(rules.edit_argument(who, debate, argument))
    form = EditArgumentForm(body=argument.pending_body or argument.body)
    if form.validate_on_submit():
        public = services.edit_argument(who, argument, form.body.data)
        db.session.commit()
        if public:
            flash(_("Your argument is updated. Its earlier text stays in its history."), "success")
        else:
            flash(
                _(
                    "Your edit waits for a mediator's review. Until then, everyone reads "
                    "the earlier text."
                ),
                "success",
            )
        return redirect(argument_link(debate, argument))
    status = 400 if form.errors else 200
    return render_template(
        "debates/edit_argument.html", debate=debate, argument=argument, form=form
    ), status


@bp.route("/d/<slug>/a/<int:argument_id>/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def delete_argument(slug: str, argument_id: int):
    debate, who = load_debate(slug)
    argument = load_argument(debate, argument_id)
    rules.require(rules.delete_argument(who, debate, argument))
    form = EmptyForm()
    if form.validate_on_submit():
        services.delete_argument(who, argument)
        db.session.commit()
        flash(_("Your argument is deleted. Replies to it stay in place."), "success")
        return redirect(argument_link(debate, argument))
    return render_template(
        "debates/delete_argument.html", debate=debate, argument=argument, form=form
    )


@bp.route("/d/<slug>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def edit_debate(slug: str):
    """The organiser edits the motion (in a draft) and the background (until it closes)."""
    debate, who = load_debate(slug)
    rules.require(rules.edit_background(who, debate))
    form = EditDebateForm(data={"motion": debate.motion, "background": debate.background})
    motion_open = rules.allowed(rules.edit_motion(who, debate))
    if not motion_open:
        del form.motion  # shown as text: people took positions on it
    if form.validate_on_submit():
        motion = form.motion.data if motion_open else debate.motion
        if services.edit_debate(who, debate, motion, form.background.data or ""):
            db.session.commit()
            flash(_("Saved. The earlier text stays readable in the history."), "success")
        return redirect(url_for("debates.debate", slug=slug))
    return render_template(
        "debates/edit_debate.html", debate=debate, form=form, motion_open=motion_open
    ), 400 if form.errors else 200


@bp.route("/d/<slug>/revisions")
@pagecache.cached
def debate_history(slug: str):
    """The public history of the debate's motion and background: each edit, who made it
    and when, what it changed, and the earlier text."""
    debate, _who = load_debate(slug)
    revisions = services.revisions(debate)
    return render_template(
        "debates/debate_history.html",
        debate=debate,
        edits=changes(debate, revisions),
    )


def changes(debate, revisions) -> list[dict]:
    """Each edit, newest first, with the texts before and after it and a line diff."""
    after = {"motion": debate.motion, "background": debate.background}
    edits = []
    for revision in revisions:
        before = {"motion": revision.motion, "background": revision.background}
        edits.append(
            {
                "revision": revision,
                "before": before,
                "motion_changed": before["motion"] != after["motion"],
                "diff": line_diff(before["background"], after["background"]),
            }
        )
        after = before
    return edits


def line_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The background's lines as ("-", removed), ("+", added) or (" ", kept)."""
    lines = difflib.ndiff(old.splitlines(), new.splitlines())
    return [(line[0], line[2:]) for line in lines if line[:1] in "-+ "]


@bp.route("/d/<slug>/a/<int:argument_id>/history")
def history(slug: str, argument_id: int):
    debate, who = load_debate(slug)
    argument = load_argument(debate, argument_id)
    if not rules.read_argument(who, argument):
        abort(404)
    revisions = db.session.scalars(
        select(ArgumentRevision)
        .where(ArgumentRevision.argument_id == argument.id)
        .order_by(ArgumentRevision.replaced_at.desc(), ArgumentRevision.id.desc())
    ).all()
    return render_template(
        "debates/history.html", debate=debate, argument=argument, revisions=revisions
    )


@bp.route("/a/<int:argument_id>")
def argument_by_id(argument_id: int):
    """A short link (used in the inbox) to an argument's page."""
    argument = db.session.get(Argument, argument_id)
    if argument is None:
        abort(404)
    rules.require(
        rules.view_debate(services.standing(current_user, argument.debate), argument.debate)
    )
    return redirect(url_for("debates.argument", slug=argument.debate.slug, argument_id=argument_id))


@bp.route("/debates/<int:debate_id>")
def debate_by_id(debate_id: int):
    debate = db.session.get(Debate, debate_id)
    if debate is None:
        abort(404)
    rules.require(rules.view_debate(services.standing(current_user, debate), debate))
    return redirect(url_for("debates.debate", slug=debate.slug))
