"""Read-only JSON API, version 1."""

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import select

from ..debates.queries import UNLISTED
from ..extensions import db
from ..headers import unindexed_if_unlisted
from ..http import db_int
from ..models import Argument, Audience, Debate, Phase
from ..moderation import log
from ..moderation.services import apply_due_phase_changes
from ..results import cache, texts
from ..results.export_views import download
from ..rules import Standing

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def debate_summary(debate: Debate) -> dict:
    return {
        "slug": debate.slug,
        "motion": debate.motion,
        "format": debate.format.value,
        "phase": debate.phase.value,
        "organiser": debate.organiser.pseudonym,
        "created_at": debate.created_at.isoformat(),
        # What the pages count: the arguments anyone may read (not those hidden or held).
        "argument_count": debate.readable_argument_count,
        "participant_count": debate.participant_count,
        "vote_count": debate.vote_count,
    }


@bp.route("/debates")
def debates():
    rows = db.session.scalars(
        select(Debate)
        .where(Debate.phase != Phase.DRAFT, Debate.audience == Audience.PUBLIC)
        .order_by(Debate.created_at.desc())
    ).all()
    return jsonify(debates=[debate_summary(d) for d in rows])


def public_debate(slug: str) -> Debate:
    debate = db.session.scalar(select(Debate).where(Debate.slug == slug))
    # A private debate is for its members and guests, never for the public API.
    if debate is None or not debate.is_public or debate.audience is Audience.PRIVATE:
        abort(404)
    apply_due_phase_changes(debate)
    unindexed_if_unlisted(debate)
    return debate


@bp.route("/debates/<slug>")
def debate(slug: str):
    debate = public_debate(slug)
    counts = cache.published_counts(debate)
    # Awaiting approval or merged away: not part of the public debate.
    arguments = db.session.scalars(
        select(Argument)
        .where(Argument.debate_id == debate.id, Argument.visibility.not_in(UNLISTED))
        .order_by(Argument.id)
    ).all()
    return jsonify(
        **debate_summary(debate),
        languages=debate.languages,
        background=debate.background,
        # Batched with the results (results/release.py), never counted live.
        motion_votes={key: counts[key] for key in ("before", "after")},
        arguments=[argument_json(a, debate.language) for a in arguments],
    )


def argument_json(argument: Argument, language: str) -> dict:
    """An argument as the public sees it: a hidden one keeps its place but not its words."""
    public = argument.visibility.value in ("shown", "edit_requested") and not argument.is_deleted
    return {
        "id": argument.id,
        "parent_id": argument.parent_id,
        # null: a statement on an open question, which takes no side.
        "stance": argument.stance.value if argument.stance else None,
        "body": argument.body if public else "",
        # A BCP 47 tag: the language the argument is written in.
        "language": argument.language or language,
        "author": argument.author.pseudonym if public else None,
        "visibility": argument.visibility.value,
        "created_at": argument.created_at.isoformat(),
        "edited_at": argument.edited_at.isoformat() if argument.edited_at else None,
        "deleted": argument.is_deleted,
        "agree": argument.agree_count,
        "disagree": argument.disagree_count,
        "pass": argument.pass_count,
        "reply_count": argument.reply_count,
    }


@bp.route("/debates/<slug>/moderation-log")
def moderation_log(slug: str):
    """The public moderation log, newest first; `?before=<id>` pages back."""
    debate = public_debate(slug)
    before = request.args.get("before", type=db_int)
    entries = log.entries(debate, before_id=before)
    return jsonify(
        debate=debate.slug,
        entries=[
            {
                "id": e.id,
                "at": e.created_at.isoformat(),
                "actor": e.public_actor.pseudonym if e.public_actor else None,
                "actor_role": e.actor_role,
                "action": e.action,
                "rule": e.rule_number,
                "reason": e.reason,
                "argument_id": e.argument_id,
                "subject": e.public_subject.pseudonym if e.public_subject else None,
            }
            for e in entries
        ],
        older=f"?before={entries[-1].id}" if len(entries) == log.PAGE_SIZE else None,
    )


@bp.route("/debates/<slug>/export/<kind>")
def export(slug: str, kind: str):
    """The report's downloads (arguments.json, comments.csv, votes.csv,
    participants-votes.csv, moderation-log.csv; `?format=current` for Pol.is's format since
    2024), as anyone reads them: the same files as the report page's links."""
    return download(public_debate(slug), Standing(user=None), kind)


@bp.route("/debates/<slug>/results")
def results(slug: str):
    """The report's figures (the same cached analysis the report page shows), with each
    argument's text as it reads now."""
    from ..agreements.services import ratified_points

    debate = public_debate(slug)
    result = cache.results_for(debate)
    if result is None:  # being computed for the first time (results/jobs.py)
        response = jsonify(slug=debate.slug, status="computing")
        response.headers["Retry-After"] = "30"
        return response, 202
    return jsonify(
        slug=debate.slug,
        motion=debate.motion,
        phase=debate.phase.value,
        computed_at=result.computed_at.isoformat(),
        version=result.version,
        **texts.with_texts(result.figures),
        ratified_agreement=[
            {"number": p.number, "kind": p.kind.value, "text": p.text}
            for p in ratified_points(debate)
        ],
    )
