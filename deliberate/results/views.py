"""The report page: what a debate has shown, from the cached analysis."""

from flask import render_template

from .. import rules
from ..agreements import services as agreements
from ..circles import services as circles
from ..debates.views import load_debate
from ..forms import EmptyForm
from ..translating import services as translating
from . import cache, charts, release, texts
from .blueprint import bp


@bp.route("/d/<slug>/report")
def report(slug: str):
    debate, who = load_debate(slug)
    rules.require(rules.read_results(who, debate))
    result = cache.results_for(debate)
    if result is None:  # a large debate's first analysis, computed in the background
        return render_template("results/preparing.html", debate=debate), 200, {"Retry-After": "30"}
    return render_template(
        "results/report.html",
        debate=debate,
        who=who,
        result=result,
        # Stale figures either wait for a batch of people (release.py) or are being
        # recomputed in the background (jobs.py): the page says which.
        computing=result.version != debate.results_version and release.ready(debate),
        figures=texts.with_texts(result.figures),
        ratified=agreements.ratified_points(debate),
        languages=translating.by_language(debate) if len(debate.languages) > 1 else [],
        in_person=circles.hands(debate),
        together=circles.together,
        charts=charts,
        form=EmptyForm(),
    )
