"""Who may do what: every permission of the app, in one place.

Each rule takes the actor's Standing in a debate (who they are there: signed in or not,
participant, organiser, mediator, admin) and the objects involved, and returns None when
the action is allowed, or the DomainError that refuses it, so a closed debate answers 409
and a stranger 403, with a message that says why. Views, templates, the API and services
all ask here; tests/test_rules.py checks the whole table, role by action by phase.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from .errors import DebateClosed, DomainError, NotAllowed, NotFound, RateLimited, WrongPhase
from .models import (
    MAX_DEPTH,
    Argument,
    Audience,
    Debate,
    Participant,
    Phase,
    User,
    Visibility,
    utcnow,
)

Refusal = DomainError | None


class Moment:
    """A time a message names, written in the reader's language when the message is read."""

    def __init__(self, value):
        self.value = value

    def __str__(self) -> str:
        return format_datetime(self.value, "medium")


LOGIN_REQUIRED = _l("Log in to take part.")
JOIN_FIRST = _l("Record your position on the motion first: it is how the debate measures change.")
ORGANISERS_ONLY = _l("Only the debate's organisers can do this.")
STAFF_NEED_A_SECOND_FACTOR = _l(
    "Mediators, organisers and site admins protect their account with two-step login. "
    "Set it up on your account settings before you continue."
)
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
    #: Sanctions in force against them in this debate.
    sanctions: tuple = ()
    #: The community a mediator represents (None: independent).
    mediator_community_id: int | None = None
    #: Their role in the debate's group (or in the group itself): "admin", "facilitator",
    #: "member"; None when they are not in it.
    group_role: str | None = None
    #: They came in through one of the debate's invitation links.
    invited: bool = False

    def sanctioned(self, kind: str):
        return next((s for s in self.sanctions if s.kind == kind), None)

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
    def is_translator(self) -> bool:
        return "translator" in self.roles

    @property
    def is_staff(self) -> bool:
        """Holds powers over other people: a site admin, an organiser or a mediator."""
        return self.is_admin or self.is_organiser or self.is_mediator

    @property
    def manages(self) -> bool:
        return self.is_organiser or self.is_admin

    @property
    def runs_group(self) -> bool:
        """A group admin or facilitator: starts the group's debates, hands out codes."""
        return self.group_role in ("admin", "facilitator")

    @property
    def admitted(self) -> bool:
        """Let into a private debate: its group's members, the people it invited, the people
        running it, site admins. Having joined is not enough: someone a group admin removes
        from the group (an informer found out) loses the group's private debates at once."""
        return bool(self.is_admin or self.roles or self.group_role or self.invited)


# --- the site -------------------------------------------------------------------------------


def see_emails(who: Standing) -> Refusal:
    """An email is seen by its owner (on their own account page and data download) and by
    site admins (the user list), never by anyone else: not organisers, not mediators."""
    if not who.signed_in:
        return NotAllowed(LOGIN_REQUIRED)
    return None if who.is_admin else NotAllowed(_l("Only site administrators can do this."))


def reset_second_factor(who: Standing, person: User) -> Refusal:
    """A site admin turns off someone's two-step login (a lost phone, no recovery code left),
    logged and told to the person; never their own (their settings page does that)."""
    if not who.signed_in:
        return NotAllowed(LOGIN_REQUIRED)
    if not who.is_admin:
        return NotAllowed(_l("Only site administrators can do this."))
    if person.id == who.user.id:
        return NotAllowed(_l("Turn your own two-step login off on your account settings."))
    return None


def read_site_log(who: Standing) -> Refusal:
    """What site admins did to accounts: for site admins (each person is told of their own)."""
    if not who.signed_in:
        return NotAllowed(LOGIN_REQUIRED)
    return None if who.is_admin else NotAllowed(_l("Only site administrators can do this."))


#: Who must use two-step login (the site's setting DELIBERATE_TWO_STEP_FOR).
TWO_STEP_FOR = ("private", "staff", "admins")


def act_without_second_factor(
    who: Standing, required_of: str = "private", private: bool = False
) -> Refusal:
    """Staff hide, sanction and read what others cannot, so their accounts need two-step
    login before they act. Asked for each request with the standing it concerns
    (accounts.views.request_standing), `private` when it concerns a private debate:
    - "private" (the default): site admins everywhere; organisers and mediators in their
      private debates, where people at most risk take part; group admins and facilitators
      on their group's pages (they hand out codes that open members' accounts);
    - "staff": also organisers and mediators in every debate they run;
    - "admins": site admins only.
    Someone appointed in one debate still reads and takes part in the others as anyone does."""
    if not who.signed_in or who.user.totp_secret:
        return None
    if who.is_admin:
        return NotAllowed(STAFF_NEED_A_SECOND_FACTOR)
    runs_debate = who.is_organiser or who.is_mediator
    if required_of == "staff" and (runs_debate or who.runs_group):
        return NotAllowed(STAFF_NEED_A_SECOND_FACTOR)
    if required_of == "private" and ((private and runs_debate) or who.runs_group):
        return NotAllowed(STAFF_NEED_A_SECOND_FACTOR)
    return None


# --- groups --------------------------------------------------------------------------------

GROUP_ADMINS_ONLY = _l("Only the group's admins can do this.")
GROUP_RUNNERS_ONLY = _l("Only the group's admins and facilitators can do this.")


class GroupSuspended(NotAllowed):
    default_message = _l("Site administrators suspended this group: it starts nothing new.")


def start_group(who: Standing) -> Refusal:
    return None if who.signed_in else NotAllowed(LOGIN_REQUIRED)


def manage_members(who: Standing, group) -> Refusal:
    """Add and remove members, change roles, keep the pool of trusted mediators: the
    group's admins (and site admins, for a group that lost its last admin)."""
    if not who.signed_in:
        return NotAllowed(LOGIN_REQUIRED)
    if who.is_admin or who.group_role == "admin":
        return None
    return NotAllowed(GROUP_ADMINS_ONLY)


def read_group_log(who: Standing, group) -> Refusal:
    """Who joined, left and changed role, and who handed out codes: for the group's members
    (and site admins); to anyone else the log is not there."""
    return None if who.group_role or who.is_admin else NotFound()


def see_members(who: Standing, group) -> Refusal:
    """The member list names pseudonyms only, and only to the group's own members."""
    return read_group_log(who, group)


def issue_access_codes(who: Standing, group) -> Refusal:
    """Code sheets for a workshop: the group's admins and facilitators."""
    if not who.signed_in:
        return NotAllowed(LOGIN_REQUIRED)
    if not who.runs_group:
        return NotAllowed(GROUP_RUNNERS_ONLY)
    return GroupSuspended() if group.suspended else None


def keep_code_sheets(who: Standing, group) -> Refusal:
    """See the sheets issued and withdraw them: who issues them, in a suspended group too
    (withdrawing lets fewer people in, not more)."""
    refusal = issue_access_codes(who, group)
    return None if isinstance(refusal, GroupSuspended) else refusal


def remove_member(who: Standing, group, person_id: int) -> Refusal:
    """Anyone may leave a group; only its admins remove others."""
    if who.signed_in and person_id == who.user.id:
        return None
    return manage_members(who, group)


def issue_recovery_code(who: Standing, group, person: User, person_role: str | None) -> Refusal:
    """A member without an email address who lost their password gets a new code from a
    facilitator of their group. Never for an account with an email (it resets its own
    password by mail), nor for an admin's or facilitator's (a facilitator must not be able
    to take over a peer's powers), nor for oneself."""
    refusal = issue_access_codes(who, group)
    if refusal:
        return refusal
    if person.id == who.user.id:
        return NotAllowed(_l("You cannot issue a recovery code for yourself."))
    if person_role is None:
        return NotAllowed(_l("Recovery codes are only for the group's own members."))
    if person_role != "member":
        return NotAllowed(_l("Admins and facilitators recover their account otherwise."))
    if person.email:
        return NotAllowed(_l("This person has an email address: they reset their password."))
    return None


def suspend_group(who: Standing, group) -> Refusal:
    if not who.signed_in:
        return NotAllowed(LOGIN_REQUIRED)
    return None if who.is_admin else NotAllowed(_l("Only site administrators can do this."))


# --- seeing and running a debate ------------------------------------------------------------


def view_debate(who: Standing, debate: Debate) -> Refusal:
    """Drafts are seen only by those preparing them (its organisers and mediators, the
    admins and facilitators of its group); a private debate only by the people it admits.
    To anyone else they do not exist: the same 404 as a missing debate."""
    if debate.audience is Audience.PRIVATE and not who.admitted:
        return NotFound()
    if debate.is_public or who.manages or who.is_mediator or who.runs_group:
        return None
    return NotFound()


def start_debate(who: Standing, group=None) -> Refusal:
    """Anyone signed in starts a debate of their own; a group's debates are started by its
    admins and facilitators, while the group is not suspended."""
    if not who.signed_in:
        return NotAllowed(LOGIN_REQUIRED)
    if group is None:
        return None
    if not who.runs_group:
        return NotAllowed(GROUP_RUNNERS_ONLY)
    return GroupSuspended() if group.suspended else None


def manage_debate(who: Standing, debate: Debate) -> Refusal:
    """Change or schedule phases, list communities, appoint and remove mediators."""
    return None if who.manages else NotAllowed(ORGANISERS_ONLY)


def invite(who: Standing, debate: Debate) -> Refusal:
    """Invitation links and their printed sheets are the organisers' to make and revoke."""
    return manage_debate(who, debate)


def read_results(who: Standing, debate: Debate) -> Refusal:
    """The report, its charts and the downloads are as public as the debate itself."""
    return view_debate(who, debate)


def choose_export_pseudonyms(who: Standing, debate: Debate) -> Refusal:
    """Whether downloads name the authors of arguments is the organiser's call."""
    return manage_debate(who, debate)


def download_xids(who: Standing, debate: Debate) -> Refusal:
    """The xids of participants imported from Pol.is (the embedding site's ids for them,
    which may name them there) are in the organisers' downloads only, as Pol.is gives them
    to a conversation's owner only."""
    return manage_debate(who, debate)


def edit_ground_rules(who: Standing, debate: Debate) -> Refusal:
    if not who.manages:
        return NotAllowed(ORGANISERS_ONLY)
    if debate.phase is not Phase.DRAFT:
        return WrongPhase(_l("Ground rules can only change while the debate is a draft."))
    return None


def edit_motion(who: Standing, debate: Debate) -> Refusal:
    """The motion is what people take a position on: it changes only before anyone has."""
    if not who.manages:
        return NotAllowed(ORGANISERS_ONLY)
    if debate.phase is not Phase.DRAFT:
        return WrongPhase(_l("The motion can only change while the debate is a draft."))
    return None


def edit_background(who: Standing, debate: Debate) -> Refusal:
    """The background may be corrected while the debate runs; every earlier text stays
    readable in its public history. A closed debate is a record: it no longer changes."""
    if not who.manages:
        return NotAllowed(ORGANISERS_ONLY)
    if debate.phase is Phase.CLOSED:
        return DebateClosed()
    return None


def post_mediator_note(who: Standing, debate: Debate) -> Refusal:
    if not who.is_mediator:
        return NotAllowed(_l("Only the debate's mediators can post mediator notes."))
    if debate.phase is Phase.CLOSED:
        return DebateClosed()
    return None


def step_down(who: Standing, debate: Debate, role: str = "mediator") -> Refusal:
    """Leaving a role always works, in any phase; the last organiser may leave too (site
    admins then run the debate and can appoint others)."""
    if role in who.roles:
        return None
    if role == "organiser":
        return NotAllowed(_l("You are not an organiser of this debate."))
    return NotAllowed(_l("You are not a mediator of this debate."))


def remove_role(who: Standing, debate: Debate, appointment) -> Refusal:
    """Organisers remove any mediator or other organiser, and withdraw invitations. One's
    own role is left by stepping down; the organiser who started the debate is removed
    only by a site admin (else a co-organiser could take the debate from them)."""
    if not who.manages:
        return NotAllowed(ORGANISERS_ONLY)
    if who.signed_in and appointment.user_id == who.user.id:
        return NotAllowed(_l("To leave a role of your own, step down."))
    founder = appointment.role == "organiser" and appointment.user_id == debate.organiser_id
    if founder and appointment.accepted_at is not None and not who.is_admin:
        return NotAllowed(
            _l(
                "The organiser who started the debate can step down, or be removed by a site "
                "administrator."
            )
        )
    return None


NOT_A_MEDIATOR = _l("Only the debate's mediators can do this.")


def translate(who: Standing, debate: Debate, argument: Argument) -> Refusal:
    """Propose a translation of an argument everyone can read into another of the debate's
    languages: its participants, translators, mediators and organisers (translating takes no
    side), once the debate is out of its draft."""
    if not who.signed_in:
        return NotAllowed(LOGIN_REQUIRED)
    if len(debate.languages) < 2:
        return NotAllowed(_l("This debate has one language: there is nothing to translate into."))
    if debate.phase is Phase.DRAFT:
        return _not_now(debate)
    if argument.is_deleted or argument.visibility is not Visibility.SHOWN:
        return NotAllowed(_l("Only text that everyone can read is translated."))
    if who.is_translator or who.is_mediator or who.manages:
        return None
    if who.participant is None:
        return NotAllowed(JOIN_FIRST)
    return _sanctioned(who)


def publish_translation(who: Standing, debate: Debate) -> Refusal:
    """Translators and mediators publish a translation at once; others propose one."""
    if who.is_translator or who.is_mediator:
        return None
    return NotAllowed(_l("Only the debate's translators and mediators publish translations."))


def check_translations(who: Standing, debate: Debate) -> Refusal:
    """Approve, correct or reject the translations participants propose."""
    return review(who, debate)


def read_translation_queue(who: Standing, debate: Debate) -> Refusal:
    """What is left to translate, and the proposals waiting: for those who translate and
    check translations."""
    if who.is_translator or who.is_mediator or who.manages:
        return None
    return NotAllowed(
        _l("Only the debate's translators, mediators and organisers see the translation queue.")
    )


def translate_debate_texts(who: Standing, debate: Debate) -> Refusal:
    """Translate the motion, background, ground rules, notes and agreement points into the
    debate's other languages: those who run it (organisers, mediators) and its translators."""
    if len(debate.languages) < 2:
        return NotAllowed(_l("This debate has one language: there is nothing to translate into."))
    if who.is_translator or who.is_mediator or who.manages:
        return None
    return NotAllowed(
        _l("Only the debate's organisers, mediators and translators translate its texts.")
    )


def record_circle(who: Standing, debate: Debate) -> Refusal:
    """Enter an in-person circle: the debate's mediators, and the admins and facilitators
    of the group that runs it; once the debate is out of its draft."""
    if not who.signed_in:
        return NotAllowed(LOGIN_REQUIRED)
    if not (who.is_mediator or who.runs_group):
        return NotAllowed(
            _l("Only the debate's mediators and its group's facilitators record circles.")
        )
    if debate.phase is Phase.DRAFT:
        return _not_now(debate)
    return None


def confirm_circle(who: Standing, debate: Debate, circle) -> Refusal:
    """The second key: another of those who may record circles, not its author."""
    refusal = record_circle(who, debate)
    if refusal is not None:
        return refusal
    if circle.entered_by_id == who.user.id:
        return NotAllowed(
            _l("Someone else who was there confirms a circle: not the person who entered it.")
        )
    return None


def choose_machine_drafts(who: Standing, debate: Debate) -> Refusal:
    """Whether readers may see an unreviewed machine translation is the organiser's call."""
    return manage_debate(who, debate)


def review(who: Standing, debate: Debate) -> Refusal:
    """Decide on flagged arguments, appeals and co-signatures, freeze threads, set slow mode."""
    return None if who.is_mediator else NotAllowed(NOT_A_MEDIATOR)


def read_review_queue(who: Standing, debate: Debate) -> Refusal:
    """See what waits for the mediators. Organisers (and site admins) read it, without the
    forms, to see whether moderation keeps up; texts still follow read_argument."""
    if who.is_mediator or who.manages:
        return None
    return NotAllowed(_l("Only the debate's organisers and mediators can see the review queue."))


def confirm_hide(who: Standing, debate: Debate, argument: Argument) -> Refusal:
    """An urgent hide by one mediator is reviewed by another."""
    if not who.is_mediator:
        return NotAllowed(NOT_A_MEDIATOR)
    if argument.hidden_by_id == who.user.id:
        return NotAllowed(_l("A second mediator must review your own urgent hide."))
    return None


def sanction(who: Standing, debate: Debate, target: Standing) -> Refusal:
    if not who.is_mediator:
        return NotAllowed(NOT_A_MEDIATOR)
    if target.participant is None or target.is_mediator:
        return NotAllowed(_l("Sanctions apply to participants of this debate only."))
    return None


def see_person(who: Standing, debate: Debate) -> Refusal:
    """A mediator's page for one person in the debate: their arguments here (hidden ones
    too), the decisions and sanctions about them."""
    return None if who.is_mediator else NotAllowed(NOT_A_MEDIATOR)


def see_participants(who: Standing, debate: Debate) -> Refusal:
    """The list of participants (pseudonym, joined, role, sanctions in force), for those who
    run the debate. Declared communities never appear there, only as totals elsewhere."""
    if who.is_mediator or who.manages:
        return None
    return NotAllowed(_l("Only the debate's organisers and mediators can see this list."))


def lift_sanction(who: Standing, debate: Debate, sanction) -> Refusal:
    """Any mediator may end a sanction early: leniency needs no second key."""
    if not who.is_mediator:
        return NotAllowed(NOT_A_MEDIATOR)
    if sanction.kind == "warning" or not sanction.in_force(utcnow()):
        return NotAllowed(_l("Only a sanction in force can be lifted or shortened."))
    return None


def shorten_sanction(who: Standing, debate: Debate, sanction) -> Refusal:
    refusal = lift_sanction(who, debate, sanction)
    if refusal is None and sanction.ends_at is None:
        return NotAllowed(_l("A removal has no end to bring forward: lift it instead."))
    return refusal


def lift_pause(who: Standing, debate: Debate) -> Refusal:
    """End a cooling-off pause (of the debate or of one thread) before its time."""
    return None if who.is_mediator else NotAllowed(NOT_A_MEDIATOR)


def cosign(
    who: Standing, debate: Debate, issuer_community_id: int | None, issuer_id: int
) -> Refusal:
    """The second key, given or declined: a different mediator, from a different community
    (an independent mediator and one who represents a community count as different)."""
    if not who.is_mediator:
        return NotAllowed(NOT_A_MEDIATOR)
    if who.user.id == issuer_id:
        return NotAllowed(_l("The second signature must come from another mediator."))
    if who.mediator_community_id == issuer_community_id:
        return NotAllowed(
            _l("The second signature must come from a mediator of another community.")
        )
    return None


def appeal(who: Standing, debate: Debate, affected_user_id: int, already_appealed: bool) -> Refusal:
    if not who.signed_in or who.user.id != affected_user_id:
        return NotAllowed(_l("Only the person concerned can appeal."))
    if already_appealed:
        return NotAllowed(_l("This decision was already appealed; an appeal is heard once."))
    return None


def decide_appeal(who: Standing, debate: Debate, took_part: frozenset | set) -> Refusal:
    """`took_part`: every mediator who took the decision appealed (the one who hid it and the
    one who confirmed, the issuer of a sanction and its co-signer). None of them decides."""
    if not who.is_mediator:
        return NotAllowed(NOT_A_MEDIATOR)
    if who.user.id in took_part:
        return NotAllowed(_l("A different mediator must decide an appeal against your decision."))
    return None


# --- the agreement ------------------------------------------------------------------------


def draft_agreement(who: Standing, debate: Debate) -> Refusal:
    """Mediators write the outcome document: add, edit and remove its points."""
    if not who.is_mediator:
        return NotAllowed(_l("Only the debate's mediators can draft the agreement."))
    return None


def choose_caucuses(who: Standing, debate: Debate) -> Refusal:
    """Which communities must ratify the agreement, and the threshold, are chosen before
    opening: changing them later could turn a result around."""
    if not who.manages:
        return NotAllowed(ORGANISERS_ONLY)
    if debate.phase is not Phase.DRAFT:
        return WrongPhase(_l("Caucuses and the threshold are chosen before the debate opens."))
    return None


def endorse_agreement(who: Standing, debate: Debate) -> Refusal:
    """Participants endorse or object, point by point, once the debate is under way (closing
    the debate does not close the agreement: it is usually written at the end)."""
    if not who.signed_in:
        return NotAllowed(LOGIN_REQUIRED)
    if debate.phase is Phase.DRAFT:
        return _not_now(debate)
    if who.is_mediator:
        return NotAllowed(MEDIATORS_STAY_NEUTRAL)
    if who.participant is None:
        return NotAllowed(JOIN_FIRST)
    if who.sanctioned("removal"):
        return NotAllowed(_l("A mediator removed you from this debate. You can still read it."))
    return None


# --- reading moderated text -------------------------------------------------------------


def read_argument(who: Standing, argument: Argument) -> bool:
    """Whether `who` may read an argument's text: everyone while it is shown (or collapsed
    for an edit); otherwise only its author and the debate's mediators."""
    if argument.visibility.value in ("shown", "edit_requested"):
        return True
    return who.is_mediator or (who.signed_in and who.user.id == argument.author_id)


# --- taking part ----------------------------------------------------------------------------


def join_debate(who: Standing, debate: Debate) -> Refusal:
    if not who.signed_in:
        return NotAllowed(LOGIN_REQUIRED)
    if debate.phase is not Phase.OPEN:
        return _not_now(debate)
    if who.is_mediator:
        return NotAllowed(MEDIATORS_STAY_NEUTRAL)
    if who.participant is not None:
        return NotAllowed(_l("You have already joined this debate."))
    return None


def record_final_position(who: Standing, debate: Debate) -> Refusal:
    """A mute stops posting, not saying where one stands: a muted person's final position
    still counts (else a mute could remove a community from the report's shift)."""
    if debate.is_question:
        return NotAllowed(_l("An open question has no motion to take a position on."))
    return _take_part(who, debate, open_for=debate.takes_votes, muted_may=True)


def declare_community(who: Standing, debate: Debate) -> Refusal:
    return _take_part(who, debate, open_for=debate.takes_votes, muted_may=True)


def post_argument(who: Standing, debate: Debate, parent: Argument | None = None) -> Refusal:
    refusal = _take_part(who, debate, open_for=debate.takes_arguments)
    if refusal:
        return refusal
    if who.participant.rules_accepted_at is None:
        return NotAllowed(_l("Accept the debate's ground rules before you post."))
    refusal = _cooling_off(who, debate, parent)
    if refusal:
        return refusal
    if parent is not None and (parent.is_deleted or not parent.is_shown):
        return NotAllowed(_l("You cannot reply to an argument that is deleted or hidden."))
    if parent is not None and parent.depth + 1 > MAX_DEPTH:
        return NotAllowed(_l("This thread has too many levels of replies to take another one."))
    return None


def vote_on_argument(who: Standing, debate: Debate, argument: Argument) -> Refusal:
    refusal = _take_part(who, debate, open_for=debate.takes_votes)
    if refusal:
        return refusal
    if argument.author_id == who.user.id:
        return NotAllowed(_l("You cannot vote on your own argument."))
    if argument.is_deleted or not argument.is_shown:
        return NotAllowed(_l("This argument is deleted or hidden."))
    return None


def flag_argument(who: Standing, debate: Debate, argument: Argument) -> Refusal:
    refusal = _take_part(who, debate, open_for=debate.takes_votes)
    if refusal:
        return refusal
    if argument.author_id == who.user.id:
        return NotAllowed(_l("You cannot flag your own argument."))
    if argument.is_deleted or not argument.is_shown:
        return NotAllowed(_l("This argument is deleted or hidden."))
    return None


def edit_argument(who: Standing, debate: Debate, argument: Argument) -> Refusal:
    if not who.signed_in or argument.author_id != who.user.id:
        return NotAllowed(_l("Only its author can edit an argument."))
    if not debate.takes_arguments:
        return _not_now(debate)
    if argument.is_deleted:
        return NotAllowed(_l("This argument was deleted."))
    refusal = _sanctioned(who) or _frozen(debate, argument)
    if refusal:
        return refusal
    if argument.visibility.value in ("hidden", "merged"):
        return NotAllowed(_l("A mediator hid this argument; you can appeal instead."))
    return None


def delete_argument(who: Standing, debate: Debate, argument: Argument) -> Refusal:
    """Authors may withdraw their words in any phase: their safety comes first."""
    if not who.signed_in or argument.author_id != who.user.id:
        return NotAllowed(_l("Only its author can delete an argument."))
    if argument.is_deleted:
        return NotAllowed(_l("This argument was already deleted."))
    return None


def _take_part(
    who: Standing, debate: Debate, *, open_for: bool, muted_may: bool = False
) -> Refusal:
    # The phase comes before "join first": joining would not help, and the phase says why.
    if not who.signed_in:
        return NotAllowed(LOGIN_REQUIRED)
    if not open_for:
        return _not_now(debate)
    if who.is_mediator:
        return NotAllowed(MEDIATORS_STAY_NEUTRAL)
    if who.participant is None:
        return NotAllowed(JOIN_FIRST)
    return _sanctioned(who, muted_may=muted_may)


def _sanctioned(who: Standing, *, muted_may: bool = False) -> Refusal:
    if who.sanctioned("removal"):
        return NotAllowed(_l("A mediator removed you from this debate. You can still read it."))
    mute = who.sanctioned("mute")
    if mute and not muted_may:
        return NotAllowed(
            _l(
                "A mediator muted you in this debate until %(until)s. You can still read it "
                "and record where you stand on the motion.",
                until=Moment(mute.ends_at),
            )
        )
    return None


def _frozen(debate: Debate, argument: Argument | None) -> Refusal:
    now = utcnow()
    if debate.frozen_until and debate.frozen_until > now:
        return WrongPhase(
            _l("The mediators have paused this debate for a while to let it cool down.")
        )
    if argument is not None and argument.frozen_until and argument.frozen_until > now:
        return WrongPhase(
            _l("The mediators have paused this thread for a while to let it cool down.")
        )
    return None


def _cooling_off(who: Standing, debate: Debate, parent: Argument | None) -> Refusal:
    refusal = _frozen(debate, parent)
    if refusal:
        return refusal
    now = utcnow()
    slow = who.sanctioned("slow_mode")
    minutes = max(debate.slow_mode_minutes or 0, slow.interval_minutes if slow else 0)
    last = who.participant.last_posted_at
    if minutes and last and now < last + timedelta(minutes=minutes):
        if slow and slow.interval_minutes == minutes:
            return RateLimited(
                _l(
                    "A mediator put you in slow mode until %(until)s: one post every %(n)d "
                    "minutes. Please wait a little.",
                    n=minutes,
                    until=Moment(slow.ends_at),
                )
            )
        return RateLimited(
            _l("Slow mode: one post every %(n)d minutes. Please wait a little.", n=minutes)
        )
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
