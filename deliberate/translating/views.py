"""Translating contributions: the translate form (with an optional machine draft), the
translation queue, mediators' decisions and the organiser's choice about machine drafts.
The work is in services.py; these views check who asks, read forms and redirect."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import login_required

from .. import rules
from ..debates.views import load_argument, load_debate
from ..errors import DomainError
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..http import db_int
from ..machine_translation import MachineTranslationError, machine_translator
from ..moderation import log
from ..moderation.services import actor_role
from . import services
from .forms import CorrectionForm, MachineDraftsForm, RejectionForm, TranslationForm
from .models import TRANSLATION_MAX, TranslationStatus

bp = Blueprint("translating", __name__)

WRITE_LIMIT = "30 per minute;300 per hour"
#: Each machine draft sends text to the translation server: fewer of them.
MACHINE_LIMIT = "10 per minute;100 per hour"


@bp.route("/d/<slug>/a/<int:argument_id>/translate", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def translate(slug: str, argument_id: int):
    debate, who, argument, form = _translate_form(slug, argument_id)
    if form.validate_on_submit():
        translation = services.translate(
            who,
            debate,
            argument,
            form.language.data,
            form.body.data,
            machine_draft=form.machine_draft.data == "1",
        )
        db.session.commit()
        if translation.status is TranslationStatus.PUBLISHED:
            flash(_("Your translation is published."), "success")
        else:
            flash(
                _("Thank you: a mediator will check your translation before it is shown."),
                "success",
            )
        return redirect(url_for("debates.argument", slug=slug, argument_id=argument.id))
    return _translate_page(debate, who, argument, form, 400 if form.errors else 200)


@bp.route("/d/<slug>/a/<int:argument_id>/translate/machine", methods=["POST"])
@login_required
@limiter.limit(MACHINE_LIMIT)
def machine_draft(slug: str, argument_id: int):
    """Pre-fill the translate form with a machine translation of the original. Nothing is
    saved: the translator reads, corrects and submits it like any other."""
    debate, who, argument, form = _translate_form(slug, argument_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    provider = machine_translator()
    if provider is None:
        abort(404)
    source = services.source_language(debate, argument)
    try:
        form.body.data = provider.translate(argument.body, source, form.language.data)
    except MachineTranslationError as error:
        return _translate_page(debate, who, argument, form, 503, machine_error=str(error))
    form.machine_draft.data = "1"
    return _translate_page(debate, who, argument, form, 200)


def _translate_form(slug: str, argument_id: int):
    debate, who = load_debate(slug)
    argument = load_argument(debate, argument_id)
    rules.require(rules.translate(who, debate, argument))
    form = TranslationForm()
    # Into the language asked for, else the reader's own.
    wanted = request.args.get("to") or str(get_locale())
    form.offer(services.target_languages(debate, argument), wanted)
    return debate, who, argument, form


def _translate_page(debate, who, argument, form, status: int, machine_error: str | None = None):
    return render_template(
        "translating/translate.html",
        debate=debate,
        who=who,
        argument=argument,
        form=form,
        publishes=rules.allowed(rules.publish_translation(who, debate)),
        machine=machine_translator() is not None,
        machine_error=machine_error,
        existing=services.translations_of(argument),
    ), status


@bp.route("/d/<slug>/translations")
@login_required
def queue(slug: str):
    debate, who = load_debate(slug)
    rules.require(rules.read_translation_queue(who, debate))
    languages = debate.languages
    language = request.args.get("to")
    if language not in languages:
        language = str(get_locale()) if str(get_locale()) in languages else languages[-1]
    after = None
    if request.args.get("after_votes") is not None:
        votes = request.args.get("after_votes", type=db_int)
        last = request.args.get("after_id", type=db_int)
        if votes is None or last is None:
            abort(400)
        after = (votes, last)
    rows = services.untranslated(debate, language, after)
    return render_template(
        "translating/queue.html",
        debate=debate,
        who=who,
        language=language,
        languages=languages,
        untranslated=rows,
        more=len(rows) == services.QUEUE_PAGE,
        proposals=services.proposals(debate),
        checks=rules.allowed(rules.check_translations(who, debate)),
        reject_form=RejectionForm(formdata=None),
    )


@bp.route("/d/<slug>/translations/<int:translation_id>/approve", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def approve(slug: str, translation_id: int):
    debate, who = load_debate(slug)
    translation = services.load_translation(debate, translation_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.approve(who, debate, translation)
    db.session.commit()
    flash(_("The translation is published, checked by you."), "success")
    return redirect(url_for("translating.queue", slug=slug, to=translation.language))


@bp.route("/d/<slug>/translations/<int:translation_id>/correct", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def correct(slug: str, translation_id: int):
    debate, who = load_debate(slug)
    translation = services.load_translation(debate, translation_id)
    rules.require(rules.check_translations(who, debate))
    form = CorrectionForm(body=translation.body)
    if form.validate_on_submit():
        services.correct(who, debate, translation, form.body.data)
        db.session.commit()
        flash(_("Your corrected translation is published."), "success")
        return redirect(url_for("translating.queue", slug=slug, to=translation.language))
    return render_template(
        "translating/correct.html", debate=debate, who=who, translation=translation, form=form
    ), (400 if form.errors else 200)


@bp.route("/d/<slug>/translations/<int:translation_id>/reject", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def reject(slug: str, translation_id: int):
    debate, who = load_debate(slug)
    translation = services.load_translation(debate, translation_id)
    rules.require(rules.check_translations(who, debate))
    form = RejectionForm()
    if not form.validate_on_submit():
        flash(_("Give a reason: the translator reads it."), "error")
        return redirect(url_for("translating.queue", slug=slug, to=translation.language))
    services.reject(who, debate, translation, form.reason.data)
    db.session.commit()
    flash(_("The translation is rejected; its translator sees why."), "success")
    return redirect(url_for("translating.queue", slug=slug, to=translation.language))


@bp.route("/d/<slug>/texts", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def texts(slug: str):
    """The debate's own texts (motion, background, ground rules, notes, agreement points)
    beside a box for each in another of its languages."""
    debate, who = load_debate(slug)
    rules.require(rules.translate_debate_texts(who, debate))
    others = debate.languages[1:]
    language = request.values.get("to")
    if language not in others:
        language = str(get_locale()) if str(get_locale()) in others else others[0]
    originals = services.debate_texts(debate)
    found = services.texts_in(debate, language)
    written = {t.key: found[t.key].text for t in originals if t.key in found}
    status, error = 200, None
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        written = {t.key: request.form.get(t.key, "") for t in originals}
        try:
            changed = services.translate_texts(who, debate, language, written)
        except DomainError as refused:
            db.session.rollback()
            status, error = 400, refused.message
        else:
            db.session.commit()
            flash(
                ngettext("%(num)d translation saved.", "%(num)d translations saved.", changed),
                "success",
            )
            return redirect(url_for("translating.texts", slug=slug, to=language))
    return render_template(
        "translating/texts.html",
        debate=debate,
        who=who,
        language=language,
        languages=others,
        originals=originals,
        written=written,
        outdated={
            t.key
            for t in originals
            if t.key in found and found[t.key].source_digest != services.digest(t.original)
        },
        error=error,
        max_length=TRANSLATION_MAX,
    ), status


@bp.route("/d/<slug>/machine-drafts", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def machine_drafts(slug: str):
    debate, who = load_debate(slug)
    rules.require(rules.choose_machine_drafts(who, debate))
    form = MachineDraftsForm()
    if not form.validate_on_submit():
        abort(400)
    if debate.machine_drafts_shown != form.shown.data:
        debate.machine_drafts_shown = form.shown.data
        reason = "shown" if form.shown.data else "hidden"
        log.record(debate, who.user, actor_role(who), "machine_drafts", reason)
        db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("moderation.manage", slug=slug, _anchor="languages-title"))
