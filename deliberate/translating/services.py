"""Translations of contributions: what people do with them, and what pages show.

Every translation is of one argument into one of its debate's languages (not the argument's
own). A translator or a mediator publishes at once; anyone else proposes, and a mediator
approves, corrects (publishing their corrected text, checked by them) or rejects it with a
reason. Publishing replaces the earlier published translation into that language. The public
moderation log records each publication and decision, as it does every other moderator act.

A translation belongs to the text it was made from: once the original is edited
(Argument.edited_at moves), it is outdated, and pages show the original until someone
translates it again. Only text the public can read is translated or shown translated: a
hidden, flagged, collapsed or deleted argument shows no translation at all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import g
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from .. import rules
from ..agreements.models import AgreementPoint
from ..errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from ..markup import render_markdown
from ..models import Argument, Debate, Visibility, utcnow
from ..moderation import log
from ..moderation.models import GroundRule, MediatorNote
from ..moderation.services import actor_role
from ..rules import Standing
from .models import (
    TRANSLATION_MAX,
    ArgumentTranslation,
    DebateTextTranslation,
    TextKind,
    TranslationStatus,
)

#: The translation queue shows this many contributions a page.
QUEUE_PAGE = 30


def source_language(debate: Debate, argument: Argument) -> str:
    return argument.language or debate.language


def target_languages(debate: Debate, argument: Argument) -> list[str]:
    """The languages an argument can be translated into: the debate's others."""
    own = source_language(debate, argument)
    return [tag for tag in debate.languages if tag != own]


def translate(
    who: Standing,
    debate: Debate,
    argument: Argument,
    language: str,
    body: str,
    *,
    machine_draft: bool = False,
) -> ArgumentTranslation:
    """A translation of `argument` into `language`: published at once by a translator or a
    mediator, proposed by anyone else the rules let translate."""
    rules.require(rules.translate(who, debate, argument))
    if argument.debate_id != debate.id:
        raise Conflict()
    if language not in target_languages(debate, argument):
        raise InvalidInput(_l("Choose another of the debate's languages than the original's."))
    body = body.strip()
    if not 1 <= len(body) <= TRANSLATION_MAX:
        raise InvalidInput(
            _l("Write between %(min)d and %(max)d characters.", min=1, max=TRANSLATION_MAX)
        )
    translation = ArgumentTranslation(
        debate_id=debate.id,
        argument_id=argument.id,
        language=language,
        body=body,
        body_html=str(render_markdown(body)),
        translator_id=who.user.id,
        machine_draft=machine_draft,
        source_edited_at=argument.edited_at,
    )
    db.session.add(translation)
    if rules.allowed(rules.publish_translation(who, debate)):
        _publish(translation)
        log.record(
            debate, who.user, actor_role(who), "translation_published", language, argument=argument
        )
    db.session.flush()
    return translation


def approve(who: Standing, debate: Debate, translation: ArgumentTranslation) -> None:
    """A mediator checked a proposed translation: it is published, checked by them."""
    rules.require(rules.check_translations(who, debate))
    _proposed(debate, translation)
    translation.checked_by_id = who.user.id
    _publish(translation)
    log.record(
        debate,
        who.user,
        actor_role(who),
        "translation_approved",
        translation.language,
        argument=translation.argument,
    )


def correct(who: Standing, debate: Debate, translation: ArgumentTranslation, body: str) -> None:
    """A mediator corrected a proposed translation: their text is published, checked by
    them, still credited to its translator (the proposal's text stays in the database)."""
    rules.require(rules.check_translations(who, debate))
    _proposed(debate, translation)
    body = body.strip()
    if not 1 <= len(body) <= TRANSLATION_MAX:
        raise InvalidInput(
            _l("Write between %(min)d and %(max)d characters.", min=1, max=TRANSLATION_MAX)
        )
    translation.body, translation.body_html = body, str(render_markdown(body))
    translation.checked_by_id = who.user.id
    _publish(translation)
    log.record(
        debate,
        who.user,
        actor_role(who),
        "translation_corrected",
        translation.language,
        argument=translation.argument,
    )


def reject(who: Standing, debate: Debate, translation: ArgumentTranslation, reason: str) -> None:
    rules.require(rules.check_translations(who, debate))
    _proposed(debate, translation)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_l("Give a reason: the translator reads it."))
    translation.status = TranslationStatus.REJECTED
    translation.reason = reason
    translation.checked_by_id = who.user.id
    translation.decided_at = utcnow()
    log.record(
        debate,
        who.user,
        actor_role(who),
        "translation_rejected",
        translation.language,
        argument=translation.argument,
    )


def _proposed(debate: Debate, translation: ArgumentTranslation) -> None:
    if translation.debate_id != debate.id:
        raise NotFound()
    if translation.status is not TranslationStatus.PROPOSED:
        raise Conflict(_l("This translation was already decided."))


def _publish(translation: ArgumentTranslation) -> None:
    """Make it the one readers of its language see, replacing the earlier one."""
    earlier = db.session.scalars(
        select(ArgumentTranslation).where(
            ArgumentTranslation.argument_id == translation.argument_id,
            ArgumentTranslation.language == translation.language,
            ArgumentTranslation.status == TranslationStatus.PUBLISHED,
            ArgumentTranslation.id != translation.id if translation.id else True,
        )
    ).all()
    for old in earlier:
        old.status = TranslationStatus.REPLACED
    db.session.flush()  # the partial unique index: one published per argument and language
    translation.status = TranslationStatus.PUBLISHED
    translation.decided_at = utcnow()
    translation.source_edited_at = translation.argument.edited_at


def load_translation(debate: Debate, translation_id: int) -> ArgumentTranslation:
    translation = db.session.get(ArgumentTranslation, translation_id)
    if translation is None or translation.debate_id != debate.id:
        raise NotFound()
    return translation


# --- what pages show -------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A translation a page shows in place of the original, with its provenance."""

    translation: ArgumentTranslation
    #: "person" (a published translation) or "machine" (an unreviewed machine draft the
    #: organiser lets readers see).
    kind: str


def for_readers(
    debate: Debate, arguments: list[Argument], language: str
) -> tuple[dict[int, Shown], set[int]]:
    """Which of `arguments` a reader of `language` sees translated (argument id -> Shown),
    and which have a translation into it that the original's edit outdated: one query, for
    any number of arguments. Nothing for a one-language debate, for arguments already in
    that language, or for text the public cannot read."""
    if len(debate.languages) < 2 or language not in debate.languages:
        return {}, set()
    wanted = {
        a.id: a
        for a in arguments
        if a.visibility is Visibility.SHOWN
        and not a.is_deleted
        and source_language(debate, a) != language
    }
    if not wanted:
        return {}, set()
    statuses = [TranslationStatus.PUBLISHED]
    if debate.machine_drafts_shown:
        statuses.append(TranslationStatus.PROPOSED)
    rows = db.session.scalars(
        select(ArgumentTranslation)
        .options(
            joinedload(ArgumentTranslation.translator), joinedload(ArgumentTranslation.checked_by)
        )
        .where(
            ArgumentTranslation.argument_id.in_(wanted),
            ArgumentTranslation.language == language,
            ArgumentTranslation.status.in_(statuses),
            or_(
                ArgumentTranslation.status == TranslationStatus.PUBLISHED,
                ArgumentTranslation.machine_draft,
            ),
        )
        .order_by(ArgumentTranslation.id)
    ).all()
    shown: dict[int, Shown] = {}
    outdated: set[int] = set()
    for row in rows:
        argument = wanted[row.argument_id]
        if row.outdated(argument):
            outdated.add(argument.id)
            continue
        person = row.status is TranslationStatus.PUBLISHED
        if person or argument.id not in shown:
            shown[argument.id] = Shown(row, "person" if person else "machine")
    outdated -= set(shown)
    return shown, outdated


def translations_of(argument: Argument) -> list[ArgumentTranslation]:
    """Every translation of an argument, newest first: for its translators and mediators."""
    return db.session.scalars(
        select(ArgumentTranslation)
        .where(ArgumentTranslation.argument_id == argument.id)
        .order_by(ArgumentTranslation.id.desc())
    ).all()


def by_language(debate: Debate) -> list[dict]:
    """For the report: per language of the debate, the readable contributions written in
    it, the votes they received, and how many contributions readers of it can read in a
    published translation (two grouped queries)."""
    written_in = func.coalesce(Argument.language, debate.language)
    readable = (
        Argument.debate_id == debate.id,
        Argument.visibility == Visibility.SHOWN,
        Argument.deleted_at.is_(None),
    )
    written = {
        tag: (count, votes or 0)
        for tag, count, votes in db.session.execute(
            select(
                written_in,
                func.count(),
                func.sum(Argument.agree_count + Argument.disagree_count + Argument.pass_count),
            )
            .where(*readable)
            .group_by(written_in)
        )
    }
    translated = dict(
        db.session.execute(
            select(ArgumentTranslation.language, func.count())
            .join(Argument, Argument.id == ArgumentTranslation.argument_id)
            .where(*readable, ArgumentTranslation.status == TranslationStatus.PUBLISHED)
            .group_by(ArgumentTranslation.language)
        ).all()
    )
    tags = list(dict.fromkeys([*debate.languages, *written]))
    return [
        {
            "language": tag,
            "contributions": written.get(tag, (0, 0))[0],
            "votes": written.get(tag, (0, 0))[1],
            "translated_into": translated.get(tag, 0),
        }
        for tag in tags
    ]


# --- the queue -------------------------------------------------------------------------------


def proposals(debate: Debate) -> list[ArgumentTranslation]:
    """Translations waiting for a mediator, oldest first."""
    return db.session.scalars(
        select(ArgumentTranslation)
        .where(
            ArgumentTranslation.debate_id == debate.id,
            ArgumentTranslation.status == TranslationStatus.PROPOSED,
        )
        .order_by(ArgumentTranslation.id)
    ).all()


def untranslated(
    debate: Debate, language: str, after: tuple[int, int] | None = None, limit: int | None = None
) -> list[Argument]:
    """Readable contributions with no current translation into `language` (none published,
    or the published one outdated), not written in it, most-voted first; keyset-paginated on
    (votes, id) like the review queue: `after` is the last row's (votes, id)."""
    votes = Argument.agree_count + Argument.disagree_count
    current = (
        select(ArgumentTranslation.id)
        .where(
            ArgumentTranslation.argument_id == Argument.id,
            ArgumentTranslation.language == language,
            ArgumentTranslation.status == TranslationStatus.PUBLISHED,
            or_(
                ArgumentTranslation.source_edited_at == Argument.edited_at,
                and_(ArgumentTranslation.source_edited_at.is_(None), Argument.edited_at.is_(None)),
            ),
        )
        .exists()
    )
    query = select(Argument).where(
        Argument.debate_id == debate.id,
        Argument.visibility == Visibility.SHOWN,
        Argument.deleted_at.is_(None),
        func.coalesce(Argument.language, debate.language) != language,
        ~current,
    )
    if after is not None:
        last_votes, last_id = after
        query = query.where(
            or_(votes < last_votes, and_(votes == last_votes, Argument.id > last_id))
        )
    query = query.order_by(votes.desc(), Argument.id).limit(limit or QUEUE_PAGE)
    return db.session.scalars(query).all()


# --- the debate's own texts ------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """One of the debate's own texts, as the translation page lists it."""

    kind: TextKind
    ref: int
    #: Markdown (the background, notes, points) or plain text (the motion, rules).
    original: str

    @property
    def key(self) -> str:
        return f"{self.kind.value}-{self.ref}"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def debate_texts(debate: Debate) -> list[Text]:
    """The motion, the background, the ground rules, the mediators' notes and the agreement
    points, in the order a reader meets them (four queries)."""
    texts = [Text(TextKind.MOTION, 0, debate.motion)]
    if debate.background:
        texts.append(Text(TextKind.BACKGROUND, 0, debate.background))
    for kind, table, ref, column, order in (
        (TextKind.RULE, GroundRule, GroundRule.number, GroundRule.text, GroundRule.number),
        (TextKind.NOTE, MediatorNote, MediatorNote.id, MediatorNote.body, MediatorNote.id),
        (
            TextKind.POINT,
            AgreementPoint,
            AgreementPoint.id,
            AgreementPoint.text,
            AgreementPoint.number,
        ),
    ):
        rows = db.session.execute(
            select(ref, column).where(table.debate_id == debate.id).order_by(order)
        )
        texts += [Text(kind, number, original) for number, original in rows]
    return texts


def translate_texts(who: Standing, debate: Debate, language: str, written: dict[str, str]) -> int:
    """Save the translations into `language` of the debate's texts (`written`: Text.key ->
    text; an empty text removes that translation). Returns how many changed; logs once."""
    rules.require(rules.translate_debate_texts(who, debate))
    if language not in debate.languages[1:]:
        raise InvalidInput(_l("Choose another of the debate's languages than its own."))
    existing = {
        f"{row.kind.value}-{row.ref}": row
        for row in db.session.scalars(
            select(DebateTextTranslation).where(
                DebateTextTranslation.debate_id == debate.id,
                DebateTextTranslation.language == language,
            )
        )
    }
    changed = 0
    for text in debate_texts(debate):
        body = written.get(text.key, "").strip()
        row = existing.get(text.key)
        if len(body) > TRANSLATION_MAX:
            raise InvalidInput(_l("Write at most %(max)d characters.", max=TRANSLATION_MAX))
        if not body:
            if row is not None:
                db.session.delete(row)
                changed += 1
            continue
        if row is not None and row.text == body and row.source_digest == digest(text.original):
            continue
        if row is None:
            row = DebateTextTranslation(
                debate_id=debate.id, kind=text.kind, ref=text.ref, language=language
            )
            db.session.add(row)
        row.text, row.text_html = body, str(render_markdown(body))
        row.source_digest = digest(text.original)
        row.translator_id = who.user.id
        row.updated_at = utcnow()
        changed += 1
    if changed:
        log.record(debate, who.user, actor_role(who), "texts_translated", language)
    db.session.flush()
    return changed


def texts_in(debate: Debate, language: str) -> dict[str, DebateTextTranslation]:
    """Text.key -> its translation into `language` (current or not: see current_text)."""
    return {
        f"{row.kind.value}-{row.ref}": row
        for row in db.session.scalars(
            select(DebateTextTranslation)
            .options(joinedload(DebateTextTranslation.translator))
            .where(
                DebateTextTranslation.debate_id == debate.id,
                DebateTextTranslation.language == language,
            )
        )
    }


def current_text(
    found: dict[str, DebateTextTranslation], kind: str, ref: int, original: str
) -> DebateTextTranslation | None:
    """The translation of one text, unless its original changed since it was made."""
    row = found.get(f"{kind}-{ref}")
    return row if row is not None and row.source_digest == digest(original) else None


def reader_text(debate: Debate, kind: str, ref: int, original: str) -> DebateTextTranslation | None:
    """For templates: the current translation of one of the debate's texts into the page's
    language, if there is one. The translations of a debate are read once per request (one
    query), and only when the page is in another of its languages."""
    language = str(get_locale())
    cached = g.setdefault("debate_texts", {})
    if (debate.id, language) not in cached:
        wanted = language != debate.language and language in debate.languages
        cached[debate.id, language] = texts_in(debate, language) if wanted else {}
    return current_text(cached[debate.id, language], kind, ref, original)
