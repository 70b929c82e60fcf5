"""Who may do what: every permission of the app, in one place.

Each rule takes the actor's Standing in a debate (who they are there: signed in or not,
participant, organiser, mediator, admin) and the objects involved, and returns None when
the action is allowed, or the DomainError that refuses it, so a closed debate answers 409
and a stranger 403, with a message that says why. Views, templates, the API and services
all ask here; tests/test_rules.py checks the whole table, role by action by phase.
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from .errors import DebateClosed, DomainError, NotAllowed, NotFound, WrongPhase
from .models import MAX_DEPTH, Argument, Debate, Participant, Phase

Refusal = DomainError | None

LOGIN_REQUIRED = _l("Log in to take part.")
JOIN_FIRST = _l("Record your position on the motion first: it is how the debate measures change.")
ORGANISERS_ONLY = _l("Only the debate's organisers can do this.")
MEDIATORS_STAY_NEUTRAL = _l(
    "Mediators stay neutral: they do not post arguments or vote in debates they mediate. "
    "Step down as mediator first if you want to take part."
)


@dataclass(frozen=True)
class Standing:
    """Who someone is in one debate: everything the rules need to know about them."""

    user: object
    participant: Participant | None = None
    #: Active roles in this debate: "organiser", "mediator".
    roles: frozenset = field(default_factory=frozenset)

    @property
    def signed_in(self) -> bool:
        return self.user is not None and self.user.is_authenticated

    @property
    def is_admin(self) -> bool:
        return self.signed_in and self.user.is_admin

    @property
    def is_organiser(self) -> bool:
        return "organiser" in self.roles

    @property
    def is_mediator(self) -> bool:
        return "mediator" in self.roles

    @property
    def manages(self) -> bool:
        return self.is_organiser or self.is_admin


# --- seeing and running a debate ------------------------------------------------------------


def view_debate(who: Standing, debate: Debate) -> Refusal:
    """Drafts are seen only by those preparing them; to anyone else they do not exist."""
    if debate.is_public or who.manages or who.is_mediator:
        return None
    return NotFound()


def start_debate(who: Standing) -> Refusal:
    return None if who.signed_in else NotAllowed(LOGIN_REQUIRED)


def manage_debate(who: Standing, debate: Debate) -> Refusal:
    """Change or schedule phases, list communities, appoint and remove mediators."""
    return None if who.manages else NotAllowed(ORGANISERS_ONLY)


def edit_ground_rules(who: Standing, debate: Debate) -> Refusal:
    if not who.manages:
        return NotAllowed(ORGANISERS_ONLY)
    if debate.phase is not Phase.DRAFT:
        return WrongPhase(_l("Ground rules can only change while the debate is a draft."))
    return None


def post_mediator_note(who: Standing, debate: Debate) -> Refusal:
    if not who.is_mediator:
        return NotAllowed(_l("Only the debate's mediators can post mediator notes."))
    if debate.phase is Phase.CLOSED:
        return DebateClosed()
    return None


def step_down(who: Standing, debate: Debate) -> Refusal:
    return None if who.is_mediator else NotAllowed(_l("You are not a mediator of this debate."))


# --- taking part ----------------------------------------------------------------------------


def join_debate(who: Standing, debate: Debate) -> Refusal:
    if not who.signed_in:
        return NotAllowed(LOGIN_REQUIRED)
    if debate.phase is not Phase.OPEN:
        return _not_now(debate)
    if who.is_mediator:
        return NotAllowed(MEDIATORS_STAY_NEUTRAL)
    if who.participant is not None:
        return NotAllowed(_l("You have already recorded your opening position."))
    return None


def record_final_position(who: Standing, debate: Debate) -> Refusal:
    return _take_part(who, debate, open_for=debate.takes_votes)


def declare_community(who: Standing, debate: Debate) -> Refusal:
    return _take_part(who, debate, open_for=debate.takes_votes)


def post_argument(who: Standing, debate: Debate, parent: Argument | None = None) -> Refusal:
    refusal = _take_part(who, debate, open_for=debate.takes_arguments)
    if refusal:
        return refusal
    if who.participant.rules_accepted_at is None:
        return NotAllowed(_l("Accept the debate's ground rules before you post."))
    if parent is not None and parent.is_deleted:
        return NotAllowed(_l("You cannot reply to a deleted argument."))
    if parent is not None and parent.depth + 1 > MAX_DEPTH:
        return NotAllowed(_l("This thread has too many levels of replies to take another one."))
    return None


def vote_on_argument(who: Standing, debate: Debate, argument: Argument) -> Refusal:
    refusal = _take_part(who, debate, open_for=debate.takes_votes)
    if refusal:
        return refusal
    if argument.author_id == who.user.id:
        return NotAllowed(_l("You cannot vote on your own argument."))
    if argument.is_deleted:
        return NotAllowed(_l("This argument was deleted."))
    return None


def edit_argument(who: Standing, debate: Debate, argument: Argument) -> Refusal:
    if not who.signed_in or argument.author_id != who.user.id:
        return NotAllowed(_l("Only its author can edit an argument."))
    if not debate.takes_arguments:
        return _not_now(debate)
    if argument.is_deleted:
        return NotAllowed(_l("This argument was deleted."))
    return None


def delete_argument(who: Standing, debate: Debate, argument: Argument) -> Refusal:
    """Authors may withdraw their words in any phase: their safety comes first."""
    if not who.signed_in or argument.author_id != who.user.id:
        return NotAllowed(_l("Only its author can delete an argument."))
    if argument.is_deleted:
        return NotAllowed(_l("This argument was already deleted."))
    return None


def _take_part(who: Standing, debate: Debate, *, open_for: bool) -> Refusal:
    # The phase comes before "join first": joining would not help, and the phase says why.
    if not who.signed_in:
        return NotAllowed(LOGIN_REQUIRED)
    if not open_for:
        return _not_now(debate)
    if who.is_mediator:
        return NotAllowed(MEDIATORS_STAY_NEUTRAL)
    if who.participant is None:
        return NotAllowed(JOIN_FIRST)
    return None


def _not_now(debate: Debate) -> DomainError:
    if debate.phase is Phase.CLOSED:
        return DebateClosed()
    if debate.phase is Phase.FINAL_VOTE:
        return WrongPhase(_l("The debate is in its final vote: no new arguments, only votes."))
    return WrongPhase(_l("The debate has not opened yet."))


def require(refusal: Refusal) -> None:
    if refusal is not None:
        raise refusal


def allowed(refusal: Refusal) -> bool:
    return refusal is None
