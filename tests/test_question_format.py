"""Open-question debates (Pol.is's format): statements without a stance, voted agree,
disagree or pass; replies beneath them stay pro/con; no motion vote."""

import pytest
from sqlalchemy import func, select

from deliberate.debates import services
from deliberate.errors import InvalidInput, NotAllowed
from deliberate.extensions import db
from deliberate.models import (
    AGREE,
    DISAGREE,
    PASS,
    Argument,
    ArgumentVote,
    DebateFormat,
    Participant,
    Phase,
    Stance,
)
from deliberate.moderation import services as moderation_services

from .conftest import post, standing


@pytest.fixture
def question(app, make_user):
    organiser = make_user()
    debate = services.start_debate(
        organiser, "What should change in our market?", "", format=DebateFormat.QUESTION
    )
    moderation_services.change_phase(standing(organiser, debate), debate, Phase.OPEN)
    db.session.commit()
    return debate


def take_part(user, debate):
    services.join_debate(standing(user, debate), debate, None)
    db.session.commit()
    return standing(user, debate)


def test_creating_an_open_question_through_the_form(client, auth, make_user):
    make_user(email="user@example.org")
    auth.login()
    page = client.get("/debates/new").get_data(as_text=True)
    assert 'value="question"' in page and "Format" in page
    response = post(
        client,
        "/debates/new",
        {"format": "question", "motion": "What should change in Bowling Green?"},
    )
    assert response.status_code == 302
    debate = db.session.scalar(select(services.Debate).order_by(services.Debate.id.desc()))
    assert debate.format is DebateFormat.QUESTION
    bad = post(client, "/debates/new", {"format": "poll", "motion": "A question, long enough?"})
    assert bad.status_code == 400
    assert "A question, long enough?" in bad.get_data(as_text=True)


def test_joining_takes_no_position(question, make_user, client, auth):
    user = make_user(email="user@example.org")
    auth.login()
    page = client.get(f"/d/{question.slug}").get_data(as_text=True)
    assert 'name="position"' not in page and "Take part" in page
    response = post(client, f"/d/{question.slug}/join", {"accept_rules": "y"})
    assert response.status_code == 302
    participant = db.session.scalar(select(Participant).where(Participant.user_id == user.id))
    assert participant.position_before is None
    assert question.participant_count == 1
    assert question.tally("before") == {"for": 0, "against": 0, "undecided": 0}
    with pytest.raises(NotAllowed):
        services.record_final_position(standing(user, question), question, services.Position.FOR)


def test_a_position_is_refused_on_a_question_and_required_on_a_motion(
    question, make_user, make_debate
):
    with pytest.raises(InvalidInput):
        services.join_debate(standing(make_user(), question), question, services.Position.FOR)
    motion = make_debate()
    with pytest.raises(InvalidInput):
        services.join_debate(standing(make_user(), motion), motion, None)


def test_statements_take_no_side_and_replies_do(question, make_user):
    who = take_part(make_user(), question)
    statement = services.post_argument(who, question, None, "The market should open on Sundays.")
    db.session.commit()
    assert statement.stance is None and statement.depth == 0
    with pytest.raises(InvalidInput):
        services.post_argument(who, question, Stance.PRO, "A statement with a side is refused.")
    with pytest.raises(InvalidInput):
        services.post_argument(who, question, None, "A reply without a side is refused.", statement)
    reply = services.post_argument(
        who, question, Stance.CON, "Stall holders need a day off.", statement
    )
    db.session.commit()
    assert reply.stance is Stance.CON and question.argument_count == 2


def test_the_database_refuses_a_reply_without_a_side(question, make_user):
    who = take_part(make_user(), question)
    statement = services.post_argument(who, question, None, "The market should open on Sundays.")
    db.session.commit()
    with pytest.raises(Exception, match="(?i)check|constraint"):
        db.session.add(
            Argument(
                debate_id=question.id,
                parent_id=statement.id,
                author_id=who.user.id,
                stance=None,
                body="No side, straight into the table.",
                body_html="",
                depth=1,
            )
        )
        db.session.flush()
    db.session.rollback()


def test_agree_disagree_and_pass_are_counted(question, make_user):
    author = take_part(make_user(), question)
    statement = services.post_argument(author, question, None, "The market should open on Sundays.")
    db.session.commit()
    voters = [take_part(make_user(), question) for _ in range(3)]
    for who, value in zip(voters, (AGREE, DISAGREE, PASS), strict=True):
        services.cast_vote(who, statement, value)
    db.session.commit()
    db.session.refresh(statement)
    assert (statement.agree_count, statement.disagree_count, statement.pass_count) == (1, 1, 1)
    assert question.vote_count == 3
    services.cast_vote(voters[2], statement, AGREE)  # a pass changed to agree
    services.cast_vote(voters[1], statement, None)  # a disagree retracted
    db.session.commit()
    db.session.refresh(statement)
    assert (statement.agree_count, statement.disagree_count, statement.pass_count) == (2, 0, 0)
    rows = db.session.scalar(select(func.count()).select_from(ArgumentVote))
    assert rows == question.vote_count == 2


def test_pass_is_only_for_statements(question, make_user, make_debate, make_argument):
    author = take_part(make_user(), question)
    statement = services.post_argument(author, question, None, "The market should open on Sundays.")
    reply = services.post_argument(
        author, question, Stance.PRO, "Families shop on Sundays.", statement
    )
    db.session.commit()
    voter = take_part(make_user(), question)
    with pytest.raises(InvalidInput):
        services.cast_vote(voter, reply, PASS)
    motion = make_debate()
    argument = make_argument(motion)
    who = services.standing(make_user(), motion)
    services.join_debate(who, motion, services.Position.FOR)
    with pytest.raises(InvalidInput):
        services.cast_vote(services.standing(who.user, motion), argument, PASS)


def test_the_page_lists_statements_with_a_pass_button(question, make_user, client, auth):
    author = take_part(make_user(), question)
    statement = services.post_argument(author, question, None, "The market should open on Sundays.")
    db.session.commit()
    voter = make_user(email="user@example.org")
    take_part(voter, question)
    auth.login()
    page = client.get(f"/d/{question.slug}").get_data(as_text=True)
    assert "Statements" in page and "For the motion" not in page
    assert f'value="{statement.id}:0"' in page and "Pass" in page
    assert 'name="stance"' not in page  # the new-statement form asks for no side
    response = post(client, f"/d/{question.slug}/vote", {"value": f"{statement.id}:0"})
    assert response.status_code == 302
    db.session.refresh(statement)
    assert statement.pass_count == 1
    response = post(
        client, f"/d/{question.slug}/arguments/new", {"body": "Open the market until nine."}
    )
    assert response.status_code == 302
    new = db.session.scalar(select(Argument).order_by(Argument.id.desc()))
    assert new.stance is None and new.author_id == voter.id


def test_the_api_and_the_report_handle_statements(question, make_user, client):
    author = take_part(make_user(), question)
    statement = services.post_argument(author, question, None, "The market should open on Sundays.")
    db.session.commit()
    services.cast_vote(take_part(make_user(), question), statement, PASS)
    db.session.commit()
    data = client.get(f"/api/v1/debates/{question.slug}").get_json()
    assert data["format"] == "question"
    assert data["arguments"][0]["stance"] is None and data["arguments"][0]["pass"] == 1
    report = client.get(f"/d/{question.slug}/report")
    assert report.status_code == 200
    assert client.get(f"/api/v1/debates/{question.slug}/results").status_code == 200
