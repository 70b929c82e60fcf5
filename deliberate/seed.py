"""`deliberate seed`: the demo debates, written from the essay behind the first motion."""

import math
import random

from sqlalchemy import select

from .accounts.services import pseudonym_key
from .agreements import services as agreements
from .debates import services
from .extensions import db
from .models import Debate, Phase, Position, Stance, User
from .moderation import services as moderation
from .moderation.models import NoteKind, Role
from .rules import Standing
from .seed_content import (
    AGREEMENT,
    COMMUNITIES,
    CROWD,
    CROWD_COMMON_GROUND,
    CROWD_ENDORSEMENTS,
    CROWD_PULLS,
    DEBATES,
    DECLARED,
    DEMO_MEDIATORS,
    DEMO_USERS,
    MEDIATORS,
    SUMMARY_NOTE,
)

MAIN = "un-talks-mali-jnim"

DEMO_EMAIL_DOMAIN = "demo.deliberate.invalid"
#: Not an argon2 hash, so no password ever matches: demo accounts cannot log in.
UNUSABLE_PASSWORD = "!demo-account"  # noqa: S105 - deliberately matches no password  # nosec B105
VOTE_VALUES = {"agree": services.AGREE, "disagree": services.DISAGREE}


def seed_demo() -> list[str]:
    """Create the demo accounts and debates that do not exist yet; return the new slugs."""
    users = {
        key: demo_user(key, pseudonym)
        for key, pseudonym in {**DEMO_USERS, **DEMO_MEDIATORS}.items()
    }
    created = []
    for spec in DEBATES:
        if db.session.scalar(select(Debate.id).where(Debate.slug == spec["slug"])):
            continue
        seed_debate(spec, users)
        created.append(spec["slug"])
    db.session.commit()
    return created


def demo_user(key: str, pseudonym: str) -> User:
    email = f"{key}@{DEMO_EMAIL_DOMAIN}"
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(
            pseudonym=pseudonym,
            pseudonym_key=pseudonym_key(pseudonym),
            email=email,
            password_hash=UNUSABLE_PASSWORD,
            is_demo=True,
        )
        db.session.add(user)
        db.session.flush()
    return user


def seed_debate(spec: dict, users: dict[str, User]) -> Debate:
    organiser = users[spec["organiser"]]
    debate = services.start_debate(organiser, spec["motion"], spec["background"], slug=spec["slug"])
    running = Standing(organiser, roles=frozenset({"organiser"}))
    main = spec["slug"] == MAIN
    if main:
        moderation.set_communities(running, debate, COMMUNITIES)
        ids = {c.name: c.id for c in moderation.communities(debate)}
        for key, community in MEDIATORS.items():
            moderation.appoint(
                running, debate, users[key].pseudonym, Role.MEDIATOR, ids.get(community)
            )
    moderation.change_phase(running, debate, Phase.OPEN)
    standing = {}
    for key, (before, _after) in spec["positions"].items():
        community = ids.get(DECLARED.get(key)) if main else None
        participant = services.join_debate(
            Standing(users[key]), debate, Position(before), community
        )
        standing[key] = Standing(users[key], participant)
    arguments = {}
    for argument in spec["arguments"]:
        seed_argument(debate, argument, None, standing, arguments)
    for key, (_before, after) in spec["positions"].items():
        if after is not None:
            services.record_final_position(standing[key], debate, Position(after))
    if main:
        mediator = Standing(users["sekou"], roles=frozenset({"mediator"}))
        moderation.post_note(mediator, debate, NoteKind.SUMMARY, SUMMARY_NOTE)
        for kind, text, endorse, oppose in AGREEMENT:
            point = agreements.add_point(mediator, debate, kind, text)
            for key, value in [(k, 1) for k in endorse] + [(k, -1) for k in oppose]:
                agreements.endorse(standing[key], point, value)
        seed_crowd(debate, ids, arguments)
    return debate


def seed_argument(debate, spec, parent, standing, arguments, sign=1):
    """Post an argument and its replies; record each by key with its sign towards the
    motion (a con reply to a con argument argues for the motion)."""
    author = standing[spec["author"]]
    argument = services.post_argument(author, debate, Stance(spec["stance"]), spec["body"], parent)
    sign *= 1 if spec["stance"] == "pro" else -1
    arguments[spec.get("key", argument.id)] = (argument, sign)
    for voter, vote in spec.get("votes", {}).items():
        services.cast_vote(standing[voter], argument, VOTE_VALUES[vote])
    for reply in spec.get("replies", []):
        seed_argument(debate, reply, argument, standing, arguments, sign)


def seed_crowd(debate: Debate, community_ids: dict, arguments: dict) -> None:
    """Demo voters with the leanings of their community (seed_content.CROWD), drawn from
    a fixed seed so every install shows the same report."""
    rng = random.Random(2022)  # noqa: S311 - demo data, not security  # nosec B311
    points = agreements.points(debate)
    number = 0
    for community, (size, lean) in CROWD.items():
        pulls = CROWD_PULLS.get(community, {})
        for _ in range(size):
            number += 1
            user = demo_user(f"voter{number:02d}", f"Demo · Voter {number:02d}")
            before = _crowd_position(rng, lean)
            who = Standing(user)
            participant = services.join_debate(who, debate, before, community_ids.get(community))
            who = Standing(user, participant)
            for key in rng.sample(sorted(arguments), rng.randint(12, 30)):
                argument, sign = arguments[key]
                pull = 2.2 * lean * sign + pulls.get(key, 0.0)
                pull += 2.0 if key in CROWD_COMMON_GROUND else 0.0
                agree = rng.random() < 1 / (1 + math.exp(-pull))
                services.cast_vote(who, argument, services.AGREE if agree else services.DISAGREE)
            if rng.random() < 0.8:
                after = _crowd_position(rng, lean + 0.25) if rng.random() < 0.35 else before
                services.record_final_position(who, debate, after)
            for point, (endorse, object_) in zip(points, CROWD_ENDORSEMENTS, strict=True):
                roll = rng.random()
                if roll < endorse:
                    agreements.endorse(who, point, 1)
                elif roll < endorse + object_:
                    agreements.endorse(who, point, -1)


def _crowd_position(rng: random.Random, lean: float) -> Position:
    roll = rng.random()
    if roll < 0.35 + 0.3 * lean:
        return Position.FOR
    if roll > 0.65 + 0.3 * lean:
        return Position.AGAINST
    return Position.UNDECIDED
