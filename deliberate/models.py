"""The data model: users, debates, the argument tree, votes and positions.

Counts shown on pages (arguments, participants, votes, replies, agree/disagree, motion
tallies) are denormalised columns, changed by SQL increments in the same transaction as
the rows they count (see debates/services.py), so pages never count rows and two
concurrent writers never lose an update.
"""

from __future__ import annotations

import enum
import secrets
from datetime import UTC, datetime

from flask_login import UserMixin
from markupsafe import Markup
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy import false as sa_false
from sqlalchemy import text as sql_text
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from .extensions import db

BODY_MIN, BODY_MAX = 10, 2000
PATH_STEP = 10
#: Replies nest at most this deep (the path grows PATH_STEP characters a level).
MAX_DEPTH = 60
MOTION_MAX = 300
#: Pol.is stores xids as text; 255 holds any real one (an e-mail address, a user id, a hash).
XID_MAX = 255
PSEUDONYM_MAX = 40
#: A pseudonym's key is its confusables skeleton, which can be longer ("m" becomes "rn").
PSEUDONYM_KEY_MAX = 160


def utcnow() -> datetime:
    return datetime.now(UTC)


class Tz(db.TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def str_enum(cls: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its value, as a VARCHAR with a CHECK constraint on every database."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Stance(enum.StrEnum):
    PRO = "pro"
    CON = "con"


class GroupMethod(enum.StrEnum):
    """Which version of Pol.is's math draws a debate's opinion groups (results/polis_math.py).

    Every debate uses the current one, except a Pol.is conversation whose exported groups
    an earlier version computed: the import keeps that version, so the report shows the
    groups Pol.is showed."""

    CURRENT = "current"
    LEGACY = "legacy"
    #: The current math regrouped from scratch, as after the math worker reloads.
    RELOADED = "reloaded"
    #: The math of mid-2017 and of late 2017 (zeroed columns counted as votes).
    MID_2017 = "mid2017"
    LATE_2017 = "late2017"


class Audience(enum.StrEnum):
    """Who finds a debate: everyone (listed on the home page and in the API's list); only
    people given its link (listed nowhere, and search engines asked not to index it); or,
    private, only its group's members and the people it invited (to anyone else it does
    not exist: the same 404 as a missing debate, everywhere)."""

    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"


class DebateFormat(enum.StrEnum):
    """What a debate asks, and so what its top-level contributions are."""

    #: A yes/no motion: top-level arguments are pro or con, positions recorded before/after.
    MOTION = "motion"
    #: An open question, as in Pol.is: top-level statements have no stance and are voted
    #: agree / disagree / pass; there is no motion vote.
    QUESTION = "question"


#: Argument votes: agree, disagree, and (on open-question statements) pass.
AGREE, DISAGREE, PASS = 1, -1, 0


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class Position(enum.StrEnum):
    FOR = "for"
    AGAINST = "against"
    UNDECIDED = "undecided"


class Visibility(enum.StrEnum):
    """Where moderation has put an argument."""

    #: Shown to everyone.
    SHOWN = "shown"
    #: Waiting for a mediator's approval (pre-moderation): seen by its author and mediators.
    PENDING = "pending"
    #: Hidden until reviewed, because enough participants flagged it.
    FLAGGED = "flagged"
    #: Hidden by a mediator, citing a rule.
    HIDDEN = "hidden"
    #: Collapsed until its author edits it.
    EDIT_REQUESTED = "edit_requested"
    #: A duplicate, merged into another argument; its address redirects there.
    MERGED = "merged"


class Phase(enum.StrEnum):
    """draft -> open -> final vote -> closed. What each allows is in deliberate.rules."""

    DRAFT = "draft"
    OPEN = "open"
    FINAL_VOTE = "final_vote"
    CLOSED = "closed"


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The only identity ever shown publicly.
    pseudonym: Mapped[str] = mapped_column(String(PSEUDONYM_MAX))
    #: What the pseudonym looks like (accounts/pseudonyms.py: case-folded, confusables
    #: skeleton); unique, so "Amina", "amina" and "Аmina" (a Cyrillic А) cannot all exist.
    #: NULL for accounts nobody can log in to (imported, deleted), whose names need not be
    #: unique.
    pseudonym_key: Mapped[str | None] = mapped_column(String(PSEUDONYM_KEY_MAX), unique=True)
    #: Lower-cased; seen only by its owner and by admins. NULL once deleted, or imported.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: Seed accounts, marked on every page they appear on.
    is_demo: Mapped[bool] = mapped_column(default=False)
    #: An anonymous participant brought in with an imported conversation (e.g. Pol.is).
    is_imported: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    #: Set when the account is deleted: its personal data is gone, its writing anonymised.
    deleted_at: Mapped[datetime | None] = mapped_column(Tz)
    #: Part of every session cookie; replacing it ends every session of the account
    #: (password change, ban, "log out everywhere", deletion).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    password_changed_at: Mapped[datetime | None] = mapped_column(Tz)
    #: Base32 TOTP secret once a second factor is confirmed (NULL: none).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: The last TOTP time step accepted, so a code cannot be replayed.
    totp_last_step: Mapped[int | None] = mapped_column()

    __table_args__ = (
        CheckConstraint("length(pseudonym) >= 3", name="pseudonym_length"),
        CheckConstraint("email LIKE '%_@_%'", name="email_shape"),
        # An account either can log in (password, unique pseudonym; an email unless it came
        # in with an access code) or cannot (no password, no unique pseudonym, no email).
        CheckConstraint(
            "(email IS NULL AND password_hash IS NULL AND pseudonym_key IS NULL)"
            " OR (password_hash IS NOT NULL AND pseudonym_key IS NOT NULL)",
            name="login_fields_together",
        ),
        CheckConstraint(
            "password_hash IS NULL OR (NOT is_imported AND deleted_at IS NULL)",
            name="no_login_when_imported_or_deleted",
        ),
    )

    @property
    def can_log_in(self) -> bool:
        return self.password_hash is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.pseudonym!r}>"


class Debate(db.Model):
    __tablename__ = "debate"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    #: The yes/no question the debate decides, or the open question it asks.
    motion: Mapped[str] = mapped_column(String(MOTION_MAX))
    format: Mapped[DebateFormat] = mapped_column(
        str_enum(DebateFormat, "debate_format"), default=DebateFormat.MOTION
    )
    audience: Mapped[Audience] = mapped_column(
        str_enum(Audience, "debate_audience"), default=Audience.PUBLIC
    )
    group_method: Mapped[GroupMethod] = mapped_column(
        str_enum(GroupMethod, "group_method"), default=GroupMethod.CURRENT
    )
    #: The group running the debate (deliberate/groups), or None.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_space.id", ondelete="RESTRICT"), index=True
    )
    #: Markdown source and its sanitised HTML, rendered once on write.
    background: Mapped[str] = mapped_column(Text, default="")
    background_html: Mapped[str] = mapped_column(Text, default="")
    organiser_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    phase: Mapped[Phase] = mapped_column(str_enum(Phase, "phase"), default=Phase.DRAFT)
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Tz, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(Tz)
    #: When the earliest scheduled phase change is due (NULL: none), so loading a debate
    #: needs no query to know whether one must be applied.
    next_phase_at: Mapped[datetime | None] = mapped_column(Tz)
    #: Flags that hide an argument until a mediator reviews it.
    flag_threshold: Mapped[int] = mapped_column(default=3)
    #: Pre-moderation: "off", "first" (a newcomer's first post) or "all".
    premoderation: Mapped[str] = mapped_column(String(8), default="off")
    #: Cooling-off: nobody posts until then.
    frozen_until: Mapped[datetime | None] = mapped_column(Tz)
    #: Debate-wide slow mode: at most one post per this many minutes per participant (0: off).
    slow_mode_minutes: Mapped[int] = mapped_column(default=0)

    argument_count: Mapped[int] = mapped_column(default=0)
    participant_count: Mapped[int] = mapped_column(default=0)
    #: Agree/disagree votes on arguments (motion positions are tallied below).
    vote_count: Mapped[int] = mapped_column(default=0)
    before_for: Mapped[int] = mapped_column(default=0)
    before_against: Mapped[int] = mapped_column(default=0)
    before_undecided: Mapped[int] = mapped_column(default=0)
    after_for: Mapped[int] = mapped_column(default=0)
    after_against: Mapped[int] = mapped_column(default=0)
    after_undecided: Mapped[int] = mapped_column(default=0)
    #: Goes up whenever anything the results analysis reads changes (votes, positions,
    #: arguments, visibility, communities), so cached results know they are stale.
    results_version: Mapped[int] = mapped_column(default=0)
    #: Since when a process has been computing the results (results/jobs.py), so that one
    #: computation runs at a time whoever asks; NULL when none is running.
    results_claimed_at: Mapped[datetime | None] = mapped_column(Tz)
    #: The organiser's choice: do downloads name the authors of arguments by pseudonym?
    export_pseudonyms: Mapped[bool] = mapped_column(default=False)
    #: The organiser's choice: may readers see an unreviewed machine translation, marked as
    #: such, where no person's translation exists yet (deliberate/translating)?
    machine_drafts_shown: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    #: The language its motion, background and contributions are written in (a BCP 47 tag),
    #: so pages in another interface language mark them with `lang`. Contributions may also
    #: be written in the debate's other languages (other_languages).
    language: Mapped[str] = mapped_column(String(35), default="en")
    #: Goes up whenever anything the debate's pages show changes (deliberate/versions.py), so
    #: a page rendered for one version can be served again, and revalidated, until the next.
    version: Mapped[int] = mapped_column(default=0)
    #: A caucus (a community the organisers chose before opening) ratifies an agreement
    #: point when at least this share, in percent, of its declared members endorse it (and
    #: always more than half of them).
    ratify_percent: Mapped[int] = mapped_column(default=50)

    # The home page shows the organiser of every row.
    organiser: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    #: Loaded only where a page asks (the posting forms, the languages setting).
    other_languages: Mapped[list[DebateLanguage]] = relationship(
        order_by="DebateLanguage.position", cascade="all, delete-orphan", lazy="select"
    )

    @property
    def languages(self) -> list[str]:
        """Every language contributions may be written in, the debate's own first."""
        return [self.language, *(other.tag for other in self.other_languages)]

    __table_args__ = (
        CheckConstraint("length(motion) >= 10", name="motion_length"),
        CheckConstraint(
            "argument_count >= 0 AND participant_count >= 0 AND vote_count >= 0"
            " AND before_for >= 0 AND before_against >= 0 AND before_undecided >= 0"
            " AND after_for >= 0 AND after_against >= 0 AND after_undecided >= 0",
            name="counts_not_negative",
        ),
        CheckConstraint(
            "(phase = 'closed') = (closed_at IS NOT NULL)", name="closed_at_iff_closed"
        ),
        CheckConstraint("flag_threshold >= 1", name="flag_threshold_positive"),
        CheckConstraint("premoderation IN ('off', 'first', 'all')", name="premoderation_mode"),
        CheckConstraint("slow_mode_minutes >= 0", name="slow_mode_not_negative"),
        CheckConstraint("ratify_percent BETWEEN 50 AND 100", name="ratify_percent_range"),
        Index("ix_debate_phase_created", "phase", "created_at"),
    )

    @property
    def background_markup(self) -> Markup:
        return Markup(self.background_html)  # noqa: S704 - sanitised when written  # nosec B704

    @property
    def is_public(self) -> bool:
        """Drafts are seen only by the people preparing them."""
        return self.phase is not Phase.DRAFT

    @property
    def is_question(self) -> bool:
        return self.format is DebateFormat.QUESTION

    @property
    def takes_arguments(self) -> bool:
        return self.phase is Phase.OPEN

    @property
    def takes_votes(self) -> bool:
        return self.phase in (Phase.OPEN, Phase.FINAL_VOTE)

    def tally(self, when: str) -> dict[str, int]:
        """Motion positions recorded `when` ("before" or "after"), by position."""
        return {p.value: getattr(self, f"{when}_{p.value}") for p in Position}

    def __repr__(self) -> str:
        return f"<Debate {self.slug}>"


class DebateLanguage(db.Model):
    """A language a debate's contributions may be written in besides its own
    (deliberate/languages.py), in the order the organiser listed them."""

    __tablename__ = "debate_language"

    debate_id: Mapped[int] = mapped_column(
        ForeignKey("debate.id", ondelete="CASCADE"), primary_key=True
    )
    #: A BCP 47 tag, normalised (languages.normalise).
    tag: Mapped[str] = mapped_column(String(35), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger)

    __table_args__ = (
        UniqueConstraint("debate_id", "position"),
        CheckConstraint("length(tag) >= 2", name="tag_not_empty"),
    )


class Participant(db.Model):
    """A user who joined a debate, with their position on the motion before and after."""

    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: NULL in open-question debates, which have no motion to take a position on.
    position_before: Mapped[Position | None] = mapped_column(str_enum(Position, "position_before"))
    position_after: Mapped[Position | None] = mapped_column(str_enum(Position, "position_after"))
    joined_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    after_at: Mapped[datetime | None] = mapped_column(Tz)
    #: When they accepted the debate's ground rules (required to post).
    rules_accepted_at: Mapped[datetime | None] = mapped_column(Tz)
    #: When they last posted, for slow mode.
    last_posted_at: Mapped[datetime | None] = mapped_column(Tz)
    #: Arguments of theirs a mediator approved (pre-moderation of first posts).
    approved_posts: Mapped[int] = mapped_column(default=0)
    #: The community they declared, privately: never shown beside their name, only counted.
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("community.id", ondelete="SET NULL"), index=True
    )
    #: Their number in the conversation this debate was imported from (Pol.is participant).
    external_id: Mapped[int | None] = mapped_column()
    #: The id the site that embedded that conversation gave them (Pol.is `xid`), if any: it
    #: may name them on that site, so only the debate's staff download it (exports.py).
    external_xid: Mapped[str | None] = mapped_column(String(XID_MAX))
    #: Whether the vote downloads may hold their votes as a row of their own. False from
    #: the moment they declare a community or post an argument, and never true again: a
    #: row could then be tied to their name (authors are named) or solved against the
    #: per-community figures (docs/threat-model.md). Their votes still count in every total.
    vote_record_public: Mapped[bool] = mapped_column(default=True, server_default=sa_true())

    __table_args__ = (
        UniqueConstraint("debate_id", "user_id"),
        UniqueConstraint("debate_id", "external_id"),
    )


#: Arguments a reader cannot read, though counted in Debate.argument_count (which counts
#: every published argument not deleted): flagged until reviewed, or hidden by a mediator.
UNREADABLE_WHERE = "visibility IN ('flagged', 'hidden') AND deleted_at IS NULL"


def motion_side(stance: Stance | None, parent: Argument | None) -> str | None:
    """Which side of the motion an argument helps: its own stance at the top level; below,
    its parent's side if it supports the parent, the other side if it opposes it."""
    if stance is None:
        return None
    if parent is None:
        return "for" if stance is Stance.PRO else "against"
    if parent.side is None:
        return None  # a reply to an open question's statement
    if stance is Stance.PRO:
        return parent.side
    return "against" if parent.side == "for" else "for"


class Argument(db.Model):
    """A node of the tree: answers the motion (parent_id NULL) or a parent argument."""

    __tablename__ = "argument"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("argument.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    #: pro supports its parent (or the motion); con opposes it. NULL for an open question's
    #: top-level statements, which take no side.
    stance: Mapped[Stance | None] = mapped_column(str_enum(Stance, "stance"))
    #: The side of the motion it helps, "for" or "against", from the parity of con stances
    #: along its path (a reply opposing an argument against the motion helps "for"); NULL on
    #: an open question. Set once when posted (motion_side): stances never change.
    side: Mapped[str | None] = mapped_column(String(8))
    #: Markdown source (empty once deleted) and its sanitised HTML.
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    #: 0 at top level.
    depth: Mapped[int] = mapped_column(SmallInteger)
    #: Materialised path: the ids of each ancestor and of this one, each as 10 digits, so a
    #: subtree is one index range scan and the ancestors need no recursion. Digits only, so
    #: every collation orders paths as bytes.
    path: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(Tz)
    deleted_at: Mapped[datetime | None] = mapped_column(Tz)

    visibility: Mapped[Visibility] = mapped_column(
        str_enum(Visibility, "visibility"), default=Visibility.SHOWN
    )
    #: When it entered the mediators' review queue (NULL: not in the queue).
    queued_at: Mapped[datetime | None] = mapped_column(Tz)
    #: Flags not yet reviewed.
    flag_count: Mapped[int] = mapped_column(default=0)
    #: The rule a mediator cited to hide it or ask for an edit.
    moderation_rule: Mapped[int | None] = mapped_column()
    moderation_reason: Mapped[str] = mapped_column(Text, default="")
    #: A hide that must be confirmed by a second mediator (threats, revealed identities):
    #: who hid it, so someone else reviews it.
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("argument.id", ondelete="SET NULL")
    )
    #: No reply may be posted under it (cooling-off) until then.
    frozen_until: Mapped[datetime | None] = mapped_column(Tz)
    #: An edit waiting for a mediator (the argument was held, flagged or moderated before):
    #: the public keeps reading `body` until a mediator approves this text.
    pending_body: Mapped[str | None] = mapped_column(Text)
    #: A reply a merge moved here from the duplicate it answered: an overturned merge moves
    #: it back.
    moved_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("argument.id", ondelete="SET NULL")
    )

    #: Its id in the conversation it was imported from (Pol.is comment-id).
    external_id: Mapped[int | None] = mapped_column()
    #: Imported without a decision from the original moderators (Pol.is moderated = 0).
    unreviewed: Mapped[bool] = mapped_column(default=False)
    #: The language it is written in (a BCP 47 tag, one of its debate's languages when
    #: posted); NULL: the debate's own (Debate.language).
    language: Mapped[str | None] = mapped_column(String(35))
    #: A question about the participant rather than an opinion (Pol.is `is-meta`, e.g. "I
    #: live in the city"): shown and voted on, but left out of the opinion groups and
    #: their statistics, as Pol.is leaves it out of its math.
    meta: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    #: Written by the conversation's organisers to start it (Pol.is `is-seed`).
    seed: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    agree_count: Mapped[int] = mapped_column(default=0)
    disagree_count: Mapped[int] = mapped_column(default=0)
    pass_count: Mapped[int] = mapped_column(default=0)
    #: Lower bound of the Wilson interval of the agree share; the "best" order.
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reply_count: Mapped[int] = mapped_column(default=0)
    descendant_count: Mapped[int] = mapped_column(default=0)

    # Every page that shows an argument shows its author's pseudonym.
    author: Mapped[User] = relationship(lazy="joined", innerjoin=True, foreign_keys=[author_id])
    debate: Mapped[Debate] = relationship()

    __table_args__ = (
        CheckConstraint("side IN ('for', 'against')", name="side_of_the_motion"),
        CheckConstraint(
            f"deleted_at IS NOT NULL OR length(body) BETWEEN {BODY_MIN} AND {BODY_MAX}",
            name="body_length",
        ),
        CheckConstraint("(parent_id IS NULL) = (depth = 0)", name="depth_matches_parent"),
        CheckConstraint("stance IS NOT NULL OR parent_id IS NULL", name="replies_take_sides"),
        UniqueConstraint("debate_id", "external_id"),
        CheckConstraint(
            "agree_count >= 0 AND disagree_count >= 0 AND pass_count >= 0 AND reply_count >= 0"
            " AND descendant_count >= reply_count",
            name="counts_not_negative",
        ),
        # One index per order a page lists arguments in (debates/queries.py): the first N of
        # one (parent, stance) range are read in order, however many the range holds.
        Index(
            "ix_argument_best",
            "debate_id",
            "parent_id",
            "stance",
            "score",
            "agree_count",
            "id",
        ),
        Index("ix_argument_new", "debate_id", "parent_id", "stance", "created_at", "id"),
        Index(
            "ix_argument_discussed",
            "debate_id",
            "parent_id",
            "stance",
            "descendant_count",
            "score",
            "id",
        ),
        # The motion's own arguments once more, without parent_id: PostgreSQL reads an index
        # in order only past columns compared with "=", not with "IS NULL", so with the
        # indexes above it sorted every top-level argument of a debate to show the first few.
        *(
            Index(
                f"ix_argument_top_{order}",
                "debate_id",
                "stance",
                *columns,
                sqlite_where=sql_text("parent_id IS NULL"),
                postgresql_where=sql_text("parent_id IS NULL"),
            )
            for order, columns in (
                ("best", ("score", "agree_count", "id")),
                ("new", ("created_at", "id")),
                ("discussed", ("descendant_count", "score", "id")),
            )
        ),
        Index("ix_argument_debate_path", "debate_id", "path"),
        # The few arguments moderation keeps from readers, so pages count what they can read
        # (queries.readable_counts) without reading a debate's other rows.
        Index(
            "ix_argument_unreadable",
            "debate_id",
            sqlite_where=sql_text(UNREADABLE_WHERE),
            postgresql_where=sql_text(UNREADABLE_WHERE),
        ),
        Index("ix_argument_parent", "parent_id"),
        Index("ix_argument_queue", "debate_id", "queued_at", "id"),
        CheckConstraint("flag_count >= 0", name="flag_count_not_negative"),
        CheckConstraint(
            f"pending_body IS NULL OR length(pending_body) BETWEEN {BODY_MIN} AND {BODY_MAX}",
            name="pending_body_length",
        ),
    )

    @property
    def body_markup(self) -> Markup:
        return Markup(self.body_html)  # noqa: S704 - sanitised when written  # nosec B704

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_shown(self) -> bool:
        return self.visibility is Visibility.SHOWN

    @property
    def ancestor_ids(self) -> list[int]:
        return [
            int(self.path[i : i + PATH_STEP])
            for i in range(0, len(self.path) - PATH_STEP, PATH_STEP)
        ]

    def __repr__(self) -> str:
        return f"<Argument {self.id} {self.stance} depth={self.depth}>"


# What the home and debate pages count as a debate's arguments: those a reader can read.
# Loaded with the debate, in the same query, from the partial index ix_argument_unreadable.
Debate.readable_argument_count = column_property(
    Debate.argument_count
    - select(func.count())
    .where(Argument.debate_id == Debate.id, sql_text(UNREADABLE_WHERE))
    .correlate_except(Argument)
    .scalar_subquery()
)


class ArgumentRevision(db.Model):
    """An earlier text of an edited argument; the history the author cannot rewrite."""

    __tablename__ = "argument_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    argument_id: Mapped[int] = mapped_column(
        ForeignKey("argument.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    #: When this text was written (the argument's creation or an earlier edit).
    written_at: Mapped[datetime] = mapped_column(Tz)
    replaced_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)


class DebateRevision(db.Model):
    """An earlier motion and background of a debate, kept when an organiser edits them: the
    public history of what participants were told, and who changed it when."""

    __tablename__ = "debate_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    #: The texts before this edit.
    motion: Mapped[str] = mapped_column(String(MOTION_MAX))
    background: Mapped[str] = mapped_column(Text, default="")
    #: Who made the edit, and when (organisers are named publicly, as in the log).
    edited_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    edited_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)

    edited_by: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (Index("ix_debate_revision_debate_id", "debate_id", "id"),)


class ArgumentVote(db.Model):
    """One user's agree (+1), disagree (-1) or pass (0, statements only) on one argument."""

    __tablename__ = "argument_vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    argument_id: Mapped[int] = mapped_column(ForeignKey("argument.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Tz, default=utcnow, onupdate=utcnow)
    #: A vote a merge moved here from the duplicate it was cast on: an overturned merge
    #: moves it back.
    moved_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("argument.id", ondelete="SET NULL")
    )

    __table_args__ = (
        UniqueConstraint("argument_id", "user_id"),
        CheckConstraint("value IN (-1, 0, 1)", name="value_agree_disagree_or_pass"),
    )


__all__ = [
    "Argument",
    "ArgumentRevision",
    "ArgumentVote",
    "Debate",
    "DebateFormat",
    "Phase",
    "Participant",
    "Position",
    "Stance",
    "User",
    "Visibility",
]
