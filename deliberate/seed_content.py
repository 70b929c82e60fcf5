"""Seed debates for `deliberate seed`, written for this project from the facts of the essay
"Is it time for the UN to help Malians talk to JNIM?" (see README: Seed content).

The prose and the people live in TOML files in deliberate/data/seed/ (their format is in
the README there). load_seed() reads them and checks every entry, and the keys entries use
to name one another, before anything is written: a mistake fails with the file and entry
at fault.
"""

from __future__ import annotations

import enum
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .accounts.services import pseudonym_key
from .agreements.models import POINT_MAX, POINT_MIN, PointKind
from .languages import BadTag, normalise
from .models import AGREE, BODY_MAX, BODY_MIN, DISAGREE, MOTION_MAX, PSEUDONYM_MAX, Position, Stance
from .moderation.models import COMMUNITY_NAME_MAX, NOTE_MAX, NoteKind

SEED_DIR = Path(__file__).resolve().parent / "data" / "seed"
INDEX = "seed.toml"
VOTES = {"agree": AGREE, "disagree": DISAGREE}
#: Account keys: they make the demo accounts' email addresses, and crowd voters are voterNN.
KEY = re.compile(r"[a-z][a-z0-9]*")
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
CROWD_VOTER = re.compile(r"voter\d+")


class SeedContentError(ValueError):
    """A seed file that cannot be seeded; the message names the file and the entry."""


@dataclass(frozen=True)
class ParticipantSpec:
    key: str
    before: Position
    after: Position | None
    community: str | None


@dataclass(frozen=True)
class MediatorSpec:
    key: str
    community: str | None


@dataclass(frozen=True)
class TranslationSpec:
    #: A translator of the debate (published at once) or a participant (proposed)...
    by: str
    #: ...and then approved by this mediator, if named.
    checked_by: str | None
    text: str


@dataclass(frozen=True)
class ArgumentSpec:
    key: str
    reply_to: str | None
    stance: Stance
    author: str
    body: str
    #: Account key -> AGREE or DISAGREE, in the order the votes are cast.
    votes: dict[str, int]
    #: Language tag -> its translation into that language.
    translations: dict[str, TranslationSpec] = field(default_factory=dict)


@dataclass(frozen=True)
class NoteSpec:
    author: str
    kind: NoteKind
    text: str


@dataclass(frozen=True)
class PointSpec:
    author: str
    kind: PointKind
    text: str
    endorse: list[str]
    object: list[str]


@dataclass(frozen=True)
class CircleSpec:
    """An in-person circle: entered by one mediator, confirmed by another."""

    days_ago: int
    place: str
    entered_by: str
    confirmed_by: str
    #: Community name ("" for none named) -> (came, hands at the start, hands at the end),
    #: the hands as (for, against, undecided).
    counts: dict[str, tuple[int, tuple[int, int, int], tuple[int, int, int]]]


@dataclass(frozen=True)
class CrowdGroup:
    community: str | None
    size: int
    #: From -1 (against the motion) to 1 (for it).
    lean: float
    #: Argument key -> how much more (or less) this group agrees with it than its lean says.
    pulls: dict[str, float]


@dataclass(frozen=True)
class CrowdSpec:
    groups: list[CrowdGroup]
    common_ground: frozenset[str]
    #: For each agreement point, in order: the share that endorses it, the share that objects.
    endorsements: list[tuple[float, float]]


@dataclass(frozen=True)
class DebateSpec:
    slug: str
    motion: str
    background: str
    organiser: str
    communities: list[str]
    #: The debate's other languages (normalised tags), and its translators' account keys.
    languages: list[str]
    translators: list[str]
    mediators: list[MediatorSpec]
    participants: list[ParticipantSpec]
    arguments: list[ArgumentSpec]
    notes: list[NoteSpec]
    agreement: list[PointSpec]
    crowd: CrowdSpec | None
    circles: list[CircleSpec] = field(default_factory=list)


@dataclass(frozen=True)
class Seed:
    #: Account key -> pseudonym, in the order the accounts are created.
    accounts: dict[str, str]
    debates: list[DebateSpec]


def load_seed(directory: Path = SEED_DIR) -> Seed:
    """The seed written in `directory`, every entry checked."""
    index = Entry(_read(directory / INDEX), directory / INDEX)
    accounts = index.table("accounts")
    _check_accounts(index.child("accounts", accounts))
    slugs = index.list("debates", str)
    index.done()
    debates = []
    for slug in slugs:
        path = directory / f"{slug}.toml"
        if not SLUG.fullmatch(slug) or not path.is_file():
            raise index.error(f"debates: {slug!r} is not the slug of a file {slug}.toml here")
        debates.append(_debate(slug, Entry(_read(path), path), accounts))
    unlisted = {path.stem for path in directory.glob("*.toml")} - {Path(INDEX).stem, *slugs}
    if unlisted:
        raise index.error(f"debates: {', '.join(sorted(unlisted))} not listed, so never seeded")
    return Seed(accounts, debates)


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SeedContentError(f"{path}: {error}") from None


def _check_accounts(accounts: Entry) -> None:
    taken = set()
    for key in accounts.data:
        pseudonym = accounts.text(key, 3, PSEUDONYM_MAX)
        if not KEY.fullmatch(key) or CROWD_VOTER.fullmatch(key):
            raise accounts.error(f"{key}: a key is a-z, then a-z or 0-9, and not voterNN")
        if pseudonym_key(pseudonym) in taken:
            raise accounts.error(f"{key}: {pseudonym!r} is another account's pseudonym")
        taken.add(pseudonym_key(pseudonym))


def _debate(slug: str, entry: Entry, accounts: dict) -> DebateSpec:
    motion = entry.text("motion", 10, MOTION_MAX)
    background = entry.text("background", 0, None)
    organiser = entry.choice("organiser", accounts, f"an account of {INDEX}")
    communities = entry.list("communities", str, default=[])
    for name in communities:
        if not 2 <= len(name) <= COMMUNITY_NAME_MAX:
            raise entry.error(f"communities: {name!r} is not 2 to {COMMUNITY_NAME_MAX} characters")
    languages = entry.list("languages", str, default=[])
    try:
        languages = [normalise(tag) for tag in languages]
    except BadTag as error:
        raise entry.error(f"languages: {str(error)!r} is not a language tag") from None
    translators = list(entry.table("translators", default={}))
    unknown = [key for key in translators if key not in accounts]
    if unknown:
        raise entry.error(f"translators: {', '.join(unknown)}: no such account in {INDEX}")
    mediators = [
        _mediator(key, entry.child(f"mediators.{key}", fields), accounts, communities)
        for key, fields in entry.table("mediators", default={}).items()
    ]
    participants = [
        _participant(key, entry.child(f"participants.{key}", fields), accounts, communities)
        for key, fields in entry.table("participants").items()
    ]
    joined = {p.key for p in participants}
    mediating = {m.key for m in mediators}
    if joined & mediating:
        raise entry.error(f"{', '.join(sorted(joined & mediating))}: mediators cannot take part")
    if set(translators) & (joined | mediating):
        raise entry.error("translators: a translator neither takes part nor mediates")
    writers = Writers(joined, set(translators), mediating, languages)
    arguments: dict[str, ArgumentSpec] = {}
    for number, fields in enumerate(entry.list("arguments", dict), start=1):
        argument = _argument(entry.child(f"arguments #{number}", fields), writers, arguments)
        arguments[argument.key] = argument
    notes = [
        _note(entry.child(f"notes #{number}", fields), mediating)
        for number, fields in enumerate(entry.list("notes", dict, default=[]), start=1)
    ]
    agreement = [
        _point(entry.child(f"agreement #{number}", fields), mediating, joined)
        for number, fields in enumerate(entry.list("agreement", dict, default=[]), start=1)
    ]
    crowd = entry.table("crowd", default=None)
    if crowd is not None:
        crowd = _crowd(entry.child("crowd", crowd), communities, arguments, agreement)
    circles = [
        _circle(entry.child(f"circles #{number}", fields), mediating, communities)
        for number, fields in enumerate(entry.list("circles", dict, default=[]), start=1)
    ]
    entry.done()
    return DebateSpec(
        slug,
        motion,
        background,
        organiser,
        communities,
        languages,
        translators,
        mediators,
        participants,
        list(arguments.values()),
        notes,
        agreement,
        crowd,
        circles,
    )


def _circle(entry: Entry, mediating: set[str], communities: list[str]) -> CircleSpec:
    days_ago = entry.get("days_ago", int)
    if days_ago < 0:
        raise entry.error("days_ago: 0 or more (a circle is recorded once it has met)")
    place = entry.text("place", 2, 80)
    entered_by = entry.choice("entered_by", mediating, "a mediator of the debate")
    confirmed_by = entry.choice("confirmed_by", mediating, "a mediator of the debate")
    if confirmed_by == entered_by:
        raise entry.error("confirmed_by: another mediator than the one who entered it")
    table = entry.child("counts", entry.table("counts"))
    counts = {}
    for name in table.data:
        if name and name not in communities:
            raise table.error(f'{name!r} is not a community of the debate ("" for none named)')
        row = table.child(name or '""', table.table(name))
        came = row.get("came", int)
        start, end = (tuple(row.list(moment, int)) for moment in ("start", "end"))
        if len(start) != 3 or len(end) != 3 or sum(start) > came or sum(end) > came:
            raise row.error("start and end: three counts (for, against, undecided) within came")
        row.done()
        counts[name] = (came, start, end)
    table.done()
    entry.done()
    return CircleSpec(days_ago, place, entered_by, confirmed_by, counts)


def _mediator(key: str, entry: Entry, accounts: dict, communities: list[str]) -> MediatorSpec:
    if key not in accounts:
        raise entry.error(f"no such account in {INDEX}")
    community = entry.choice("community", communities, "a community of the debate", None)
    entry.done()
    return MediatorSpec(key, community)


def _participant(key: str, entry: Entry, accounts: dict, communities: list[str]) -> ParticipantSpec:
    if key not in accounts:
        raise entry.error(f"no such account in {INDEX}")
    before = entry.enum("before", Position)
    after = entry.enum("after", Position, default=None)
    community = entry.choice("community", communities, "a community of the debate", None)
    entry.done()
    return ParticipantSpec(key, before, after, community)


@dataclass(frozen=True)
class Writers:
    """Who may write what in a debate: participants post and propose translations,
    translators publish them, mediators check them; into the debate's other languages."""

    joined: set[str]
    translators: set[str]
    mediating: set[str]
    languages: list[str]


def _argument(entry: Entry, writers: Writers, earlier: dict[str, ArgumentSpec]) -> ArgumentSpec:
    joined = writers.joined
    key = entry.text("key", 1, None)
    entry.name += f" ({key})"
    if not SLUG.fullmatch(key) or key in earlier:
        raise entry.error("key: a-z, 0-9 and hyphens, and not an earlier argument's")
    reply_to = entry.choice("reply_to", earlier, "the key of an earlier argument", None)
    stance = entry.enum("stance", Stance)
    author = entry.choice("author", joined, "a participant")
    body = entry.text("body", BODY_MIN, BODY_MAX)
    votes = entry.child("votes", entry.table("votes", default={}))
    for voter in votes.data:
        if voter not in joined or voter == author:
            raise votes.error(f"{voter}: not a participant, or the argument's author")
    cast = {voter: VOTES[votes.choice(voter, VOTES, "agree or disagree")] for voter in votes.data}
    translations = entry.child("translations", entry.table("translations", default={}))
    done = {
        tag: _translation(translations.child(tag, fields), writers)
        for tag, fields in translations.data.items()
    }
    wrong = [tag for tag in done if tag not in writers.languages]
    if wrong:
        raise translations.error(f"{', '.join(wrong)}: not one of the debate's languages")
    entry.done()
    return ArgumentSpec(key, reply_to, stance, author, body, cast, done)


def _translation(entry: Entry, writers: Writers) -> TranslationSpec:
    by = entry.choice("by", writers.joined | writers.translators, "a participant or translator")
    checked_by = entry.choice("checked_by", writers.mediating, "a mediator of the debate", None)
    if by in writers.joined and checked_by is None:
        raise entry.error("checked_by: a participant's translation needs a mediator to check it")
    text = entry.text("text", 1, 2 * BODY_MAX)
    entry.done()
    return TranslationSpec(by, checked_by, text)


def _note(entry: Entry, mediating: set[str]) -> NoteSpec:
    author = entry.choice("author", mediating, "a mediator of the debate")
    kind = entry.enum("kind", NoteKind)
    text = entry.text("text", 10, NOTE_MAX)
    entry.done()
    return NoteSpec(author, kind, text)


def _point(entry: Entry, mediating: set[str], joined: set[str]) -> PointSpec:
    author = entry.choice("author", mediating, "a mediator of the debate")
    kind = entry.enum("kind", PointKind)
    text = entry.text("text", POINT_MIN, POINT_MAX)
    endorse = entry.list("endorse", str, default=[])
    object_ = entry.list("object", str, default=[])
    answers = endorse + object_
    wrong = [key for key in dict.fromkeys(answers) if key not in joined or answers.count(key) > 1]
    if wrong:
        raise entry.error(f"endorse, object: {', '.join(wrong)}: not participants, or twice")
    entry.done()
    return PointSpec(author, kind, text, endorse, object_)


def _crowd(
    entry: Entry, communities: list[str], arguments: dict, agreement: list[PointSpec]
) -> CrowdSpec:
    common_ground = entry.list("common_ground", str, default=[])
    unknown = [key for key in common_ground if key not in arguments]
    if unknown:
        raise entry.error(f"common_ground: no argument has the key {', '.join(unknown)}")
    shares = entry.list("endorsements", dict, default=[])
    if len(shares) != len(agreement):
        raise entry.error(f"endorsements: {len(shares)}, for {len(agreement)} agreement points")
    endorsements = [
        _shares(entry.child(f"endorsements #{number}", fields))
        for number, fields in enumerate(shares, start=1)
    ]
    groups = [
        _crowd_group(entry.child(f"groups #{number}", fields), communities, arguments)
        for number, fields in enumerate(entry.list("groups", dict), start=1)
    ]
    entry.done()
    return CrowdSpec(groups, frozenset(common_ground), endorsements)


def _shares(entry: Entry) -> tuple[float, float]:
    endorse, object_ = entry.number("endorse", 0, 1), entry.number("object", 0, 1)
    entry.done()
    if endorse + object_ > 1:
        raise entry.error("endorse and object add up to more than 1")
    return endorse, object_


def _crowd_group(entry: Entry, communities: list[str], arguments: dict) -> CrowdGroup:
    community = entry.choice("community", communities, "a community of the debate", None)
    size = entry.get("size", int)
    if size < 1:
        raise entry.error("size: at least 1")
    lean = entry.number("lean", -1, 1)
    pulls = entry.child("pulls", entry.table("pulls", default={}))
    for key in pulls.data:
        if key not in arguments:
            raise pulls.error(f"{key}: no argument has this key")
    strength = {key: pulls.number(key, -10, 10) for key in pulls.data}
    entry.done()
    return CrowdGroup(community, size, lean, strength)


_MISSING = object()


class Entry:
    """One table of a seed file: reads its fields, each checked, and names itself in errors.
    done() refuses fields nobody read (a misspelt optional field would go unnoticed)."""

    def __init__(self, data: object, path: Path, name: str = ""):
        self.path, self.name, self.read = path, name, set()
        if not isinstance(data, dict):
            raise self.error("expected a table")
        self.data = data

    def child(self, name: str, data: object) -> Entry:
        return Entry(data, self.path, f"{self.name}, {name}" if self.name else name)

    def error(self, message: str) -> SeedContentError:
        where = f"{self.path}: {self.name}" if self.name else str(self.path)
        return SeedContentError(f"{where}: {message}")

    def done(self) -> None:
        unknown = set(self.data) - self.read
        if unknown:
            raise self.error(f"unknown field {', '.join(sorted(unknown))}")

    def get(self, name: str, kind: type | tuple[type, ...], default=_MISSING):
        self.read.add(name)
        if name not in self.data:
            if default is _MISSING:
                raise self.error(f"{name} is missing")
            return default
        value = self.data[name]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise self.error(f"{name}: {value!r} is not {_kind_name(kind)}")
        return value

    def text(self, name: str, shortest: int, longest: int | None) -> str:
        value = self.get(name, str)
        if value != value.strip():
            raise self.error(f"{name}: starts or ends with a space or line break")
        if len(value) < shortest or (longest is not None and len(value) > longest):
            limits = f"{shortest} to {longest}" if longest else f"at least {shortest}"
            raise self.error(f"{name}: {len(value)} characters, not {limits}")
        return value

    def table(self, name: str, default=_MISSING) -> dict:
        return self.get(name, dict, default)

    def list(self, name: str, item: type, default=_MISSING) -> list:
        values = self.get(name, list, default)
        for value in values:
            if isinstance(value, bool) or not isinstance(value, item):
                raise self.error(f"{name}: {value!r} is not {_kind_name(item)}")
        return values

    def choice(self, name: str, allowed, what: str, default=_MISSING):
        """Text naming one of `allowed` (an account, an argument...), described by `what`."""
        value = self.get(name, str, default)
        if value is not default and value not in allowed:
            raise self.error(f"{name}: {value!r} is not {what}")
        return value

    def enum(self, name: str, kind: type[enum.Enum], default=_MISSING):
        values = [member.value for member in kind]
        value = self.choice(name, values, " or ".join(values), default)
        return default if value is default else kind(value)

    def number(self, name: str, low: float, high: float) -> float:
        value = self.get(name, (int, float))
        if not low <= value <= high:
            raise self.error(f"{name}: {value} is not between {low} and {high}")
        return float(value)


def _kind_name(kind) -> str:
    return {str: "text", int: "a whole number", dict: "a table", list: "a list"}.get(
        kind, "a number"
    )
