"""The report page: what a debate has shown, from the cached analysis."""

from flask import render_template

from .. import rules
from ..agreements import services as agreements
from ..debates.views import load_debate
from ..forms import EmptyForm
from . import cache, charts
from .blueprint import bp


@bp.route("/d/<slug>/report")
def report(slug: str):
    debate, who = load_debate(slug)
    rules.require(rules.read_results(who, debate))
    result = cache.results_for(debate)
    return render_template(
        "results/report.html",
        debate=debate,
        who=who,
        result=result,
        figures=result.figures,
        ratified=agreements.ratified_points(debate),
        charts=charts,
        form=EmptyForm(),
    )
