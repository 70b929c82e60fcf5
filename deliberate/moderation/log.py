"""The public moderation log: every action by an organiser, a mediator or the platform."""

import re
from datetime import date, datetime
from typing import NamedTuple

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import languages
from ..extensions import db
from ..models import Argument, Debate, User
from .models import LogEntry, names_actor, names_subject

__all__ = [
    "ACTIONS",
    "Line",
    "detail",
    "LogEntry",
    "entries",
    "line_of",
    "names_actor",
    "names_subject",
    "record",
    "sentence",
]

#: Every kind of entry, with how the log page names it.
ACTIONS = {
    "phase_changed": _l("changed the phase"),
    "phase_scheduled": _l("scheduled a phase change"),
    "phase_unscheduled": _l("cancelled a scheduled phase change"),
    "ground_rules_edited": _l("edited the ground rules"),
    "debate_edited": _l("edited the motion or background"),
    "communities_edited": _l("edited the list of communities"),
    "organiser_appointed": _l("appointed an organiser"),
    "mediator_appointed": _l("appointed a mediator"),
    "mediator_removed": _l("removed a mediator"),
    "mediator_stepped_down": _l("stepped down as mediator"),
    "organiser_removed": _l("removed an organiser"),
    "organiser_stepped_down": _l("stepped down as organiser"),
    "translator_appointed": _l("appointed a translator"),
    "translator_removed": _l("removed a translator"),
    "translator_stepped_down": _l("stepped down as translator"),
    "note_posted": _l("posted a mediator note"),
    "safety_settings": _l("changed the safety settings"),
    "export_settings": _l("changed whether downloads name the authors of arguments"),
    "audience_changed": _l("changed who finds the debate"),
    "languages_changed": _l("changed the debate's languages"),
    "translation_published": _l("published a translation of an argument"),
    "translation_approved": _l("approved a translation of an argument"),
    "translation_corrected": _l("corrected and published a translation of an argument"),
    "translation_rejected": _l("rejected a translation of an argument"),
    "machine_drafts": _l("changed whether readers see machine translations"),
    "texts_translated": _l("translated the debate’s own texts"),
    "circle_recorded": _l("recorded an in-person circle"),
    "circle_confirmed": _l("confirmed an in-person circle"),
    "circle_corrected": _l("entered corrected figures for an in-person circle"),
    "argument_kept": _l("reviewed a flagged argument and kept it"),
    "argument_approved": _l("approved an argument"),
    "argument_hidden": _l("hid an argument"),
    "argument_hidden_urgently": _l("hid an argument at once, for a second review"),
    "urgent_hide_confirmed": _l("confirmed an urgent hide"),
    "edit_requested": _l("asked the author to edit an argument"),
    "argument_merged": _l("merged a duplicate argument"),
    "edit_approved": _l("approved an edit of an argument"),
    "edit_refused": _l("refused an edit of an argument"),
    "cooling_off": _l("paused the discussion to cool down"),
    "cooling_off_lifted": _l("lifted a pause early"),
    "slow_mode": _l("set the debate's slow mode"),
    "sanction_warning": _l("gave a warning"),
    "sanction_slow_mode": _l("put a participant in slow mode"),
    "sanction_mute": _l("muted a participant"),
    "sanction_removal": _l("removed a participant from the debate"),
    "sanction_proposed": _l("proposed a sanction that needs a second mediator's signature"),
    "sanction_declined": _l("declined to co-sign a proposed sanction"),
    "sanction_lifted": _l("lifted a sanction early"),
    "sanction_shortened": _l("shortened a sanction"),
    "appeal_filed": _l("appealed a decision"),
    "appeal_upheld": _l("upheld a decision on appeal"),
    "appeal_overturned": _l("overturned a decision on appeal"),
    "agreement_point_added": _l("added a point to the agreement"),
    "agreement_point_edited": _l("edited a point of the agreement"),
    "agreement_point_removed": _l("removed a point from the agreement"),
    "caucuses_set": _l("chose the communities that must ratify the agreement, and the threshold"),
}

PAGE_SIZE = 100


def record(
    debate: Debate,
    actor: User | None,
    actor_role: str,
    action: str,
    reason: str = "",
    *,
    rule_number: int | None = None,
    argument: Argument | None = None,
    subject: User | None = None,
) -> LogEntry:
    if action not in ACTIONS:
        raise ValueError(f"unknown moderation action {action!r}")
    entry = LogEntry(
        debate_id=debate.id,
        actor_id=actor.id if actor else None,
        actor_role=actor_role,
        action=action,
        reason=reason,
        rule_number=rule_number,
        argument_id=argument.id if argument else None,
        subject_id=subject.id if subject else None,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def entries(
    debate: Debate, *, before_id: int | None = None, limit: int = PAGE_SIZE
) -> list[LogEntry]:
    """Newest first, a page at a time: keyset pagination on the id, fast at any length."""
    query = select(LogEntry).where(LogEntry.debate_id == debate.id)
    if before_id is not None:
        query = query.where(LogEntry.id < before_id)
    return db.session.scalars(query.order_by(LogEntry.id.desc()).limit(limit)).all()


# --- entries as sentences ----------------------------------------------------------------------
# The log stores codes (an action, "draft → open", "summary") so that its rows never change;
# the page and the CSV turn each into a sentence in the reader's language with `sentence`.


class Line(NamedTuple):
    """What the public log may show of an entry: names only where public (names_actor,
    names_subject)."""

    actor: str | None
    actor_role: str
    action: str
    rule_number: int | None
    reason: str
    subject: str | None


def line_of(entry: LogEntry) -> Line:
    actor, subject = entry.public_actor, entry.public_subject
    return Line(
        actor.pseudonym if actor else None,
        entry.actor_role,
        entry.action,
        entry.rule_number,
        entry.reason,
        subject.pseudonym if subject else None,
    )


def sentence(line: Line) -> str:
    """The entry as sentences: who did what (to whom), the rule cited, and the detail."""
    what = ACTIONS.get(line.action, line.action)
    text = _("%(who)s %(what)s", who=_who(line), what=what)
    if line.subject:
        text = _("%(text)s, concerning %(name)s", text=text, name=line.subject)
    parts = [text + "."]
    if line.rule_number:
        parts.append(_("Rule %(n)d cited.", n=line.rule_number))
    words = detail(line.action, line.reason)
    if words:
        parts.append(words)
    return " ".join(parts)


def _who(line: Line) -> str:
    if line.actor:
        return _("%(name)s (%(role)s)", name=line.actor, role=_role(line.actor_role))
    if line.actor_role == "participant":
        return _("A participant")
    return _("Deliberate, on schedule,")


def _role(role: str) -> str:
    names = {
        "organiser": _("organiser"),
        "mediator": _("mediator"),
        "translator": _("translator"),
        "admin": _("site administrator"),
    }
    return names.get(role, role)


def _circle_detail(reason: str) -> str | None:
    """ "2026-03-12 Mopti" -> "Mopti, 12 Mar 2026." """
    day, _sep, place = reason.partition(" ")
    try:
        when = format_date(date.fromisoformat(day), "medium")
    except ValueError:
        return None
    return _("%(place)s, %(date)s.", place=place, date=when)


def _language_detail(tag: str) -> str | None:
    return _("Into %(language)s.", language=languages.name(tag)) if tag else None


def _phase(code: str) -> str:
    names = {
        "draft": _("Draft"),
        "open": _("Open"),
        "final_vote": _("Final vote"),
        "closed": _("Closed"),
    }
    return names.get(code.strip(), code)


def _kind(code: str) -> str:
    """A note's, a sanction's or an agreement point's kind, by its code."""
    names = {
        "summary": _("summary"),
        "reframing": _("reframing"),
        "sources": _("request for sources"),
        "cooling_off": _("cooling-off notice"),
        "warning": _("warning"),
        "slow_mode": _("slow mode"),
        "mute": _("mute"),
        "removal": _("removal"),
        "common_ground": _("common ground"),
        "disagreement": _("remaining disagreement"),
        "next_step": _("next step"),
    }
    return names.get(code.strip(), code)


_MINUTES = re.compile(r"^(\d+) min$")
_SCHEDULED = re.compile(r"^(\w+) @ (\S+)$")
_MERGED = re.compile(r"^#(\d+) → #(\d+) ?(.*)$", re.S)
_SAFETY = re.compile(r"^pre-moderation: (\w+); flags to hide: (\d+)$")
_CITED = re.compile(r"^#\d+( #\d+)*$")


def detail(action: str, reason: str) -> str:
    """The entry's reason in words: codes written by the platform become a translated
    sentence; a person's own words are shown as they wrote them."""
    if not reason:
        return ""
    readable = _DETAILS.get(action)
    result = readable(reason) if readable else None
    return reason if result is None else result


def _phase_changed(reason: str) -> str | None:
    before, arrow, after = reason.partition(" → ")
    if not arrow:
        return None
    return _("From “%(before)s” to “%(after)s”.", before=_phase(before), after=_phase(after))


def _phase_scheduled(reason: str) -> str | None:
    match = _SCHEDULED.match(reason)
    if not match:
        return None
    try:
        due = datetime.fromisoformat(match[2])
    except ValueError:
        return None
    return _(
        "To “%(phase)s” on %(when)s (UTC).",
        phase=_phase(match[1]),
        when=format_datetime(due, "medium"),
    )


def _minutes(reason: str, words) -> str | None:
    match = _MINUTES.match(reason)
    return words(int(match[1])) if match else None


def _safety(reason: str) -> str | None:
    match = _SAFETY.match(reason)
    if not match:
        return None
    modes = {
        "off": _("off"),
        "first": _("a newcomer's first post waits for a mediator"),
        "all": _("every post waits for a mediator"),
    }
    return _(
        "Pre-moderation: %(mode)s; flags that hide an argument: %(n)s.",
        mode=modes.get(match[1], match[1]),
        n=match[2],
    )


def _merged(reason: str) -> str | None:
    match = _MERGED.match(reason)
    if not match:
        return None
    text = _("Argument #%(old)s merged into #%(new)s.", old=match[1], new=match[2])
    return f"{text} {match[3]}".strip()


def _point(reason: str) -> str | None:
    """An agreement point as logged: "number · kind [· #cited] · text"."""
    parts = reason.split(" · ")
    if len(parts) < 3 or not parts[0].isdigit():
        return None
    number, kind, rest = parts[0], parts[1], parts[2:]
    cited = rest.pop(0) if len(rest) > 1 and _CITED.match(rest[0]) else ""
    text = " · ".join(rest)
    head = _("Point %(n)s (%(kind)s)", n=number, kind=_kind(kind))
    if cited:
        head = _("%(point)s, citing %(arguments)s", point=head, arguments=cited)
    return f"{head}: {text}"


def _edited(reason: str) -> str | None:
    names = {"motion": _("the motion"), "background": _("the background")}
    changed = [names.get(part.strip()) for part in reason.split(",")]
    if None in changed:
        return None
    return _("Changed: %(what)s.", what=", ".join(changed))


COSIGNED = " (co-signed)"  # what sanctions.cosign appends to the proposer's reason


def _cosigned(reason: str) -> str | None:
    if not reason.endswith(COSIGNED):
        return None
    return _("%(reason)s (co-signed by a second mediator)", reason=reason[: -len(COSIGNED)])


_DETAILS = {
    **{f"sanction_{kind}": _cosigned for kind in ("slow_mode", "mute", "removal")},
    "phase_changed": _phase_changed,
    "phase_scheduled": _phase_scheduled,
    "phase_unscheduled": lambda r: _("The move to “%(phase)s”.", phase=_phase(r)),
    "note_posted": lambda r: _("Kind: %(kind)s.", kind=_kind(r)),
    "sanction_proposed": lambda r: _("Kind: %(kind)s.", kind=_kind(r)),
    "sanction_declined": lambda r: _("Kind: %(kind)s.", kind=_kind(r)),
    "ground_rules_edited": lambda r: _("%(n)s rules.", n=r) if r.isdigit() else None,
    "cooling_off": lambda r: _minutes(r, lambda n: _("For %(n)d minutes.", n=n)),
    "slow_mode": lambda r: _minutes(
        r,
        lambda n: _("One post every %(n)d minutes per participant.", n=n) if n else _("Off."),
    ),
    "safety_settings": _safety,
    "export_settings": lambda r: {
        "authors named by pseudonym": _("Downloads name authors by their pseudonym."),
        "authors not named": _("Downloads do not name authors."),
    }.get(r),
    "audience_changed": lambda r: {
        "public": _("Listed: anyone finds it on the home page."),
        "unlisted": _("Unlisted: only people given its link find it."),
        "private": _("Private: only its group's members and the people it invited see it."),
    }.get(r),
    "languages_changed": lambda r: _(
        "Contributions in: %(names)s.", names=", ".join(languages.name(t) for t in r.split())
    ),
    "translation_published": lambda r: _language_detail(r),
    "translation_approved": lambda r: _language_detail(r),
    "translation_corrected": lambda r: _language_detail(r),
    "translation_rejected": lambda r: _language_detail(r),
    "texts_translated": lambda r: _language_detail(r),
    "circle_recorded": lambda r: _circle_detail(r),
    "circle_confirmed": lambda r: _circle_detail(r),
    "circle_corrected": lambda r: _circle_detail(r),
    "machine_drafts": lambda r: {
        "shown": _("Readers see a machine translation, marked as such, until a person's."),
        "hidden": _("Readers see only translations made by people."),
    }.get(r),
    "argument_merged": _merged,
    "agreement_point_added": _point,
    "agreement_point_edited": _point,
    "agreement_point_removed": _point,
    "debate_edited": _edited,
}
