"""The inbox tells people what concerns them: phase changes to a debate's participants, new
agreement points to answer, the outcome of a flag to those who raised it (never naming the
mediator), and replies, naming the debate each notice is about."""

from sqlalchemy import select

from deliberate.agreements import services as agreements
from deliberate.debates import services as debates
from deliberate.extensions import db
from deliberate.models import Phase, Stance
from deliberate.moderation import review
from deliberate.moderation import services as moderation
from deliberate.moderation.models import Notification, Role

from .conftest import post, standing


def notices(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def test_participants_hear_of_phase_changes_and_points_to_answer(make_user, make_debate, join):
    organiser = make_user()
    debate = make_debate(organiser=organiser)
    participant, onlooker = make_user(), make_user()
    join(participant, debate)
    mediator = make_user(pseudonym="Mediator")
    moderation.appoint_accepted(standing(organiser, debate), debate, "Mediator", Role.MEDIATOR)
    moderation.change_phase(standing(organiser, debate), debate, Phase.FINAL_VOTE)
    agreements.add_point(standing(mediator, debate), debate, "next_step", "Meet again in May.")
    agreements.add_point(standing(mediator, debate), debate, "next_step", "Share the water.")
    db.session.commit()
    # Points drafted in a row make one unread notice, not one each.
    assert notices(participant) == ["phase_final_vote", "agreement_to_endorse"]
    assert notices(onlooker) == []


def test_flaggers_hear_the_outcome_without_the_mediators_name(
    client, make_user, make_debate, make_argument, join
):
    organiser = make_user()
    debate = make_debate(organiser=organiser)
    mediator = make_user(pseudonym="Mediator Awa")
    moderation.appoint_accepted(standing(organiser, debate), debate, "Mediator Awa", Role.MEDIATOR)
    kept, hidden = make_argument(debate), make_argument(debate)
    flagger = make_user(email="flagger@example.org")
    for argument in (kept, hidden):
        review.flag(join(flagger, debate), argument, 1)
    db.session.commit()
    review.decide(standing(mediator, debate), kept, review.Decision.KEEP)
    review.decide(
        standing(mediator, debate), hidden, review.Decision.HIDE, 1, "An insult to a person."
    )
    db.session.commit()
    assert notices(flagger) == ["flag_outcome_kept", "flag_outcome_hidden"]
    post(client, "/login", {"email": "flagger@example.org", "password": "correct horse battery"})
    html = client.get("/inbox").get_data(as_text=True)
    assert "reviewed and kept" in html and "reviewed and hidden" in html
    assert "Mediator Awa" not in html and debate.motion in html


def test_a_reply_notice_names_the_debate(client, make_user, make_debate, make_argument, join):
    debate = make_debate(motion="Should the market open on Sundays too?")
    author = make_user(email="author@example.org")
    parent = make_argument(debate, author=author)
    debates.post_argument(
        join(make_user(), debate), debate, Stance.CON, "Not on market days, surely.", parent
    )
    db.session.commit()
    post(client, "/login", {"email": "author@example.org", "password": "correct horse battery"})
    html = client.get("/inbox").get_data(as_text=True)
    assert "Someone replied to your argument." in html
    assert "Should the market open on Sundays too?" in html
