"""`deliberate seed`: the demo debates, written from the essay behind the first motion."""

from sqlalchemy import select

from .accounts.services import pseudonym_key
from .debates import services
from .extensions import db
from .models import Debate, Position, Stance, User
from .seed_content import DEBATES, DEMO_USERS

DEMO_EMAIL_DOMAIN = "demo.deliberate.invalid"
#: Not an argon2 hash, so no password ever matches: demo accounts cannot log in.
UNUSABLE_PASSWORD = "!demo-account"  # noqa: S105 - deliberately matches no password
VOTE_VALUES = {"agree": services.AGREE, "disagree": services.DISAGREE}


def seed_demo() -> list[str]:
    """Create the demo accounts and debates that do not exist yet; return the new slugs."""
    users = {key: demo_user(key, pseudonym) for key, pseudonym in DEMO_USERS.items()}
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
    debate = services.start_debate(
        users[spec["organiser"]], spec["motion"], spec["background"], slug=spec["slug"]
    )
    participants = {
        key: services.join_debate(users[key], debate, Position(before))
        for key, (before, _after) in spec["positions"].items()
    }
    for argument in spec["arguments"]:
        seed_argument(debate, argument, None, users, participants)
    for key, (_before, after) in spec["positions"].items():
        if after is not None:
            services.record_final_position(users[key], debate, participants[key], Position(after))
    return debate


def seed_argument(debate, spec, parent, users, participants):
    author = spec["author"]
    argument = services.post_argument(
        users[author], debate, participants[author], Stance(spec["stance"]), spec["body"], parent
    )
    for voter, vote in spec.get("votes", {}).items():
        services.cast_vote(users[voter], participants[voter], argument, VOTE_VALUES[vote])
    for reply in spec.get("replies", []):
        seed_argument(debate, reply, argument, users, participants)
