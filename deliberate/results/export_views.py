"""Downloads: the argument graph, Pol.is-format CSVs, the moderation log; and the organiser's
choice of naming authors in them. The data is built in exports.py; these views only check who
asks and stream it."""

import json

from flask import Response, abort, flash, redirect, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from .. import rules
from ..debates.views import load_debate
from ..errors import WrongPhase
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..moderation.services import set_export_pseudonyms
from . import cache, exports
from .blueprint import bp

WRITE_LIMIT = "30 per minute;300 per hour"


def opinion_groups(debate):
    """Each participant's opinion group from the (cached) analysis; the analysis of a large
    debate may still be running (results/jobs.py)."""
    groups = cache.participant_groups(debate)
    if groups is None:
        abort(
            Response(
                _("The analysis is being prepared. Try again in a minute."),
                status=503,
                headers={"Retry-After": "60"},
                mimetype="text/plain",
            )
        )
    return groups


def comments(debate, who, fmt):
    groups = opinion_groups(debate) if fmt == "current" else None
    return exports.comments_csv(debate, groups, fmt)


def participants_votes(debate, who, fmt):
    xids = rules.allowed(rules.download_xids(who, debate))
    return exports.participants_votes_csv(debate, opinion_groups(debate), fmt, xids=xids)


CSVS = {
    "comments.csv": comments,
    "votes.csv": lambda debate, who, fmt: exports.votes_csv(debate),
    "participants-votes.csv": participants_votes,
    "moderation-log.csv": lambda debate, who, fmt: exports.moderation_log_csv(debate),
}
#: Votes row by row: published once the debate is closed (exports.rows_published).
ROW_FILES = ("votes.csv", "participants-votes.csv")


@bp.route("/d/<slug>/export/<kind>")
def export(slug: str, kind: str):
    debate, who = load_debate(slug)
    return download(debate, who, kind)


def download(debate, who, kind: str) -> Response:
    """One download of a debate the caller may read, in the Pol.is format the `format`
    parameter names (exports.FORMATS; classic by default); the JSON API serves it too."""
    rules.require(rules.read_results(who, debate))
    slug = debate.slug
    if kind == "arguments.json":
        url = url_for("debates.debate", slug=slug, _external=True)
        body = json.dumps(exports.argument_graph(debate, url), ensure_ascii=False)
        return attachment(Response(body, mimetype="application/json"), slug, kind)
    if kind not in CSVS:
        abort(404)
    fmt = request.args.get("format", "classic")
    if fmt not in exports.FORMATS:
        abort(
            Response(
                _("Unknown format: choose classic or current."), status=400, mimetype="text/plain"
            )
        )
    if kind in ROW_FILES and not exports.rows_published(debate):
        raise WrongPhase(
            _l(
                "The vote-by-vote files are published when the debate closes, so that "
                "nobody's votes can be followed as they are cast."
            )
        )
    # Streamed: a large debate's votes never sit in memory whole.
    chunks = stream_with_context(CSVS[kind](debate, who, fmt))
    return attachment(Response(chunks, mimetype="text/csv"), slug, kind)


def attachment(response: Response, slug: str, kind: str) -> Response:
    """Saved as a file named after the debate, not shown in the browser."""
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-{kind}"'
    return response


@bp.route("/d/<slug>/export/pseudonyms", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def export_pseudonyms(slug: str):
    debate, who = load_debate(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    set_export_pseudonyms(who, debate, request.form.get("pseudonyms") == "1")
    db.session.commit()
    if debate.export_pseudonyms:
        flash(_("The argument download now names authors by their pseudonym."), "success")
    else:
        flash(_("The argument download no longer names authors."), "success")
    return redirect(url_for("results.report", slug=slug, _anchor="downloads"))
