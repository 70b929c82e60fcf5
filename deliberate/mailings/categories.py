"""What mail is about: categories of inbox notices, each with its default cadence, and the
one table that puts every kind of notice (moderation/notify.KINDS) in a category or in none.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


class Cadence(enum.StrEnum):
    OFF = "off"
    AT_ONCE = "at_once"
    DAILY = "daily"


class Category(enum.StrEnum):
    REPLIES = "replies"
    DECISIONS = "decisions"
    APPOINTMENTS = "appointments"
    COSIGN = "cosign"
    REVIEW = "review"
    PHASES = "phases"
    AGREEMENTS = "agreements"


@dataclass(frozen=True)
class About:
    label: object  # a lazy string
    hint: object
    subject: object  # of a mail sent at once
    default: Cadence


ABOUT = {
    Category.REPLIES: About(
        _l("Replies to my arguments"),
        _l("Someone answered an argument you wrote."),
        _l("A reply to your argument on Deliberate"),
        Cadence.DAILY,
    ),
    Category.DECISIONS: About(
        _l("Moderation decisions and appeals about me"),
        _l(
            "Mediators decided about your arguments, your participation, your flags or your "
            "appeals."
        ),
        _l("A moderation decision on Deliberate"),
        Cadence.AT_ONCE,
    ),
    Category.APPOINTMENTS: About(
        _l("My roles in debates"),
        _l("Answers to the invitations you sent, and the end of your roles."),
        _l("About a role in a debate on Deliberate"),
        Cadence.AT_ONCE,
    ),
    Category.COSIGN: About(
        _l("Co-sign requests (mediators)"),
        _l("A sanction or an urgent hide awaits a second mediator."),
        _l("A second mediator is needed on Deliberate"),
        Cadence.AT_ONCE,
    ),
    Category.REVIEW: About(
        _l("Work to review (mediators)"),
        _l("New flags, appeals and edits in the debates you mediate."),
        _l("Something to review on Deliberate"),
        Cadence.DAILY,
    ),
    Category.PHASES: About(
        _l("Phases of debates I joined"),
        _l("A debate you take part in opened, reached its final vote or closed."),
        _l("A debate you joined moved on"),
        Cadence.DAILY,
    ),
    Category.AGREEMENTS: About(
        _l("Agreements to endorse"),
        _l("A point of an agreement awaits your answer."),
        _l("An agreement point awaits your answer on Deliberate"),
        Cadence.DAILY,
    ),
}

#: Every kind of inbox notice, and the category whose choice decides its mail; None: never
#: mailed from the inbox (a letter already went out at once, see accounts/letters.py).
#: tests/test_mailings.py checks that every kind of notify.KINDS is here.
KIND_CATEGORY: dict[str, Category | None] = {
    "reply": Category.REPLIES,
    # letters.two_factor_reset and letters.invitation are sent by the request itself.
    "second_factor_reset": None,
    "invited_mediator": None,
    "invited_organiser": None,
    "invited_translator": None,
    "invitation_accepted": Category.APPOINTMENTS,
    "invitation_declined": Category.APPOINTMENTS,
    "removed_mediator": Category.APPOINTMENTS,
    "removed_organiser": Category.APPOINTMENTS,
    "agreement_to_endorse": Category.AGREEMENTS,
    "agreement_reopened": Category.AGREEMENTS,
    "flag_outcome_kept": Category.DECISIONS,
    "flag_outcome_hidden": Category.DECISIONS,
    "flag_outcome_other": Category.DECISIONS,
    "phase_open": Category.PHASES,
    "phase_final_vote": Category.PHASES,
    "phase_closed": Category.PHASES,
    "hidden": Category.DECISIONS,
    "hidden_urgently": Category.DECISIONS,
    "edit_requested": Category.DECISIONS,
    "kept": Category.DECISIONS,
    "restored": Category.DECISIONS,
    "merged": Category.DECISIONS,
    "approved": Category.DECISIONS,
    "sanction": Category.DECISIONS,
    "sanction_in_force": Category.DECISIONS,
    "sanction_lifted": Category.DECISIONS,
    "sanction_shortened": Category.DECISIONS,
    "edit_approved": Category.DECISIONS,
    "edit_refused": Category.DECISIONS,
    "appeal_decided": Category.DECISIONS,
    "appeal_upheld": Category.DECISIONS,
    "appeal_overturned": Category.DECISIONS,
    "cosign_request": Category.COSIGN,
    "urgent_hide": Category.COSIGN,
    "cosign_declined": Category.COSIGN,
    "new_flag": Category.REVIEW,
    "new_appeal": Category.REVIEW,
    "edit_to_review": Category.REVIEW,
}


def category_of(kind: str) -> Category | None:
    return KIND_CATEGORY.get(kind)
