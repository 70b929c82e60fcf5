"""Read-only JSON API, version 1."""

from flask import Blueprint, abort, jsonify
from sqlalchemy import select

from ..extensions import db
from ..models import Argument, Debate

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def debate_summary(debate: Debate) -> dict:
    return {
        "slug": debate.slug,
        "motion": debate.motion,
        "status": debate.status.value,
        "organiser": debate.organiser.pseudonym,
        "created_at": debate.created_at.isoformat(),
        "argument_count": debate.argument_count,
        "participant_count": debate.participant_count,
        "vote_count": debate.vote_count,
    }


@bp.route("/debates")
def debates():
    rows = db.session.scalars(select(Debate).order_by(Debate.created_at.desc())).all()
    return jsonify(debates=[debate_summary(d) for d in rows])


@bp.route("/debates/<slug>")
def debate(slug: str):
    debate = db.session.scalar(select(Debate).where(Debate.slug == slug))
    if debate is None:
        abort(404)
    arguments = db.session.scalars(
        select(Argument).where(Argument.debate_id == debate.id).order_by(Argument.id)
    ).all()
    return jsonify(
        **debate_summary(debate),
        background=debate.background,
        motion_votes={"before": debate.tally("before"), "after": debate.tally("after")},
        arguments=[argument_json(a) for a in arguments],
    )


def argument_json(argument: Argument) -> dict:
    return {
        "id": argument.id,
        "parent_id": argument.parent_id,
        "stance": argument.stance.value,
        "body": argument.body,
        "author": None if argument.is_deleted else argument.author.pseudonym,
        "created_at": argument.created_at.isoformat(),
        "edited_at": argument.edited_at.isoformat() if argument.edited_at else None,
        "deleted": argument.is_deleted,
        "agree": argument.agree_count,
        "disagree": argument.disagree_count,
        "reply_count": argument.reply_count,
    }
