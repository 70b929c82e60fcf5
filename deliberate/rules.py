"""Who may do what: every permission of the app, in one place.

Each rule takes the acting user (possibly anonymous) and the objects involved, and returns
None when the action is allowed, or the DomainError that refuses it (so a closed debate
answers 409 and a stranger 403, with a message that says why). Views, templates, the API
and services all ask here; tests/test_rules.py checks the whole table.
"""

from flask_babel import lazy_gettext as _l

from .errors import DebateClosed, DomainError, NotAllowed
from .models import MAX_DEPTH, Argument, Debate, Participant, User

Refusal = DomainError | None

LOGIN_REQUIRED = _l("Log in to take part.")
JOIN_FIRST = _l("Record your position on the motion first: it is how the debate measures change.")


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def start_debate(user: User) -> Refusal:
    return None if _signed_in(user) else NotAllowed(LOGIN_REQUIRED)


def manage_debate(user: User, debate: Debate) -> Refusal:
    """Close or reopen a debate: its organiser and site admins."""
    if _signed_in(user) and (user.id == debate.organiser_id or user.is_admin):
        return None
    return NotAllowed(_l("Only the debate's organiser can do this."))


def join_debate(user: User, debate: Debate, participant: Participant | None) -> Refusal:
    if not _signed_in(user):
        return NotAllowed(LOGIN_REQUIRED)
    if not debate.is_open:
        return DebateClosed()
    if participant is not None:
        return NotAllowed(_l("You have already recorded your opening position."))
    return None


def record_final_position(user: User, debate: Debate, participant: Participant | None) -> Refusal:
    return _take_part(user, debate, participant)


def post_argument(
    user: User, debate: Debate, participant: Participant | None, parent: Argument | None = None
) -> Refusal:
    refusal = _take_part(user, debate, participant)
    if refusal:
        return refusal
    if parent is not None and parent.is_deleted:
        return NotAllowed(_l("You cannot reply to a deleted argument."))
    if parent is not None and parent.depth + 1 > MAX_DEPTH:
        return NotAllowed(_l("This thread has too many levels of replies to take another one."))
    return None


def vote_on_argument(
    user: User, debate: Debate, participant: Participant | None, argument: Argument
) -> Refusal:
    refusal = _take_part(user, debate, participant)
    if refusal:
        return refusal
    if argument.author_id == user.id:
        return NotAllowed(_l("You cannot vote on your own argument."))
    if argument.is_deleted:
        return NotAllowed(_l("This argument was deleted."))
    return None


def edit_argument(user: User, debate: Debate, argument: Argument) -> Refusal:
    if not _signed_in(user) or argument.author_id != user.id:
        return NotAllowed(_l("Only its author can edit an argument."))
    if not debate.is_open:
        return DebateClosed()
    if argument.is_deleted:
        return NotAllowed(_l("This argument was deleted."))
    return None


def delete_argument(user: User, debate: Debate, argument: Argument) -> Refusal:
    """Authors may withdraw their words even from a closed debate: their safety comes first."""
    if not _signed_in(user) or argument.author_id != user.id:
        return NotAllowed(_l("Only its author can delete an argument."))
    if argument.is_deleted:
        return NotAllowed(_l("This argument was already deleted."))
    return None


def _take_part(user: User, debate: Debate, participant: Participant | None) -> Refusal:
    # "Closed" comes before "join first": joining would not help, and the reason is the phase.
    if not _signed_in(user):
        return NotAllowed(LOGIN_REQUIRED)
    if not debate.is_open:
        return DebateClosed()
    if participant is None:
        return NotAllowed(JOIN_FIRST)
    return None


def require(refusal: Refusal) -> None:
    if refusal is not None:
        raise refusal


def allowed(refusal: Refusal) -> bool:
    return refusal is None
