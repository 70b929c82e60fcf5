"""Running a debate: drafts, phases and their schedule, ground rules, communities,
mediators and their notes, and the append-only public moderation log."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from deliberate.extensions import db
from deliberate.models import Debate, Phase
from deliberate.moderation import services as moderation
from deliberate.moderation.models import LogEntry, PhaseChange, Role
from deliberate.results import cache

from .conftest import post, standing


def log_actions(debate) -> list[str]:
    return list(
        db.session.scalars(
            select(LogEntry.action).where(LogEntry.debate_id == debate.id).order_by(LogEntry.id)
        )
    )


def login(client, email):
    assert (
        post(client, "/login", {"email": email, "password": "correct horse battery"}).status_code
        == 302
    )


def test_a_new_debate_is_a_hidden_draft_with_default_ground_rules(client, make_user, make_debate):
    organiser = make_user(email="organiser@example.org")
    debate = make_debate(organiser=organiser, phase="draft", motion="A draft question to prepare?")
    assert len(moderation.ground_rules(debate)) == 6
    assert client.get(f"/d/{debate.slug}").status_code == 404
    assert client.get(f"/api/v1/debates/{debate.slug}").status_code == 404
    assert "A draft question" not in client.get("/").get_data(as_text=True)
    login(client, "organiser@example.org")
    assert "Draft" in client.get(f"/d/{debate.slug}").get_data(as_text=True)
    response = post(
        client, f"/d/{debate.slug}/ground-rules", {"lines": "Be courteous.\nCite sources."}
    )
    assert response.status_code == 302
    assert [r.text for r in moderation.ground_rules(debate)] == ["Be courteous.", "Cite sources."]
    post(client, f"/d/{debate.slug}/phase", {"phase": "open"})
    response = post(client, f"/d/{debate.slug}/ground-rules", {"lines": "Changed after opening."})
    assert response.status_code == 409
    assert log_actions(debate) == ["ground_rules_edited", "phase_changed"]
    assert client.get(f"/d/{debate.slug}/ground-rules").get_data(as_text=True).count("<li") >= 2


def test_phases_decide_what_participants_can_do(
    client, make_user, make_debate, make_argument, join
):
    organiser = make_user(email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    argument = make_argument(debate)
    me = make_user(email="me@example.org")
    join(me, debate)
    moderation.change_phase(standing(organiser, debate), debate, Phase.FINAL_VOTE)
    db.session.commit()
    login(client, "me@example.org")
    refused = post(
        client,
        f"/d/{debate.slug}/arguments/new",
        {"stance": "pro", "body": "A late argument here."},
    )
    assert refused.status_code == 409 and "final vote" in refused.get_data(as_text=True)
    assert post(client, f"/d/{debate.slug}/vote", {"value": f"{argument.id}:1"}).status_code == 302
    assert post(client, f"/d/{debate.slug}/position", {"position": "for"}).status_code == 302
    with pytest.raises(moderation.WrongPhase):
        moderation.change_phase(standing(organiser, debate), debate, Phase.DRAFT)


def test_a_scheduled_phase_change_applies_on_time_without_a_cron_job(
    client, make_user, make_debate
):
    organiser = make_user(email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    due = datetime.now(UTC) + timedelta(hours=1)
    moderation.schedule_phase(standing(organiser, debate), debate, Phase.CLOSED, due)
    db.session.commit()
    assert db.session.get(Debate, debate.id).next_phase_at == due
    assert "Open" in client.get(f"/d/{debate.slug}").get_data(as_text=True)
    # An hour passes.
    past = datetime.now(UTC) - timedelta(seconds=1)
    db.session.execute(update(PhaseChange).values(due_at=past))
    db.session.execute(update(Debate).where(Debate.id == debate.id).values(next_phase_at=past))
    db.session.commit()
    html = client.get(f"/d/{debate.slug}").get_data(as_text=True)
    assert "Closed" in html
    client.get(f"/d/{debate.slug}")  # a second reader applies nothing twice
    debate = db.session.get(Debate, debate.id)
    assert debate.phase is Phase.CLOSED and debate.next_phase_at is None
    assert log_actions(debate) == ["phase_changed", "phase_scheduled", "phase_changed"]
    entry = db.session.scalars(select(LogEntry).order_by(LogEntry.id.desc())).first()
    assert entry.actor_id is None and entry.actor_role == "system"


def test_scheduling_in_the_past_is_refused_with_the_form_kept(client, make_user, make_debate):
    organiser = make_user(email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    login(client, "organiser@example.org")
    response = post(
        client, f"/d/{debate.slug}/schedule", {"phase": "closed", "due_at": "2001-01-01T10:00"}
    )
    assert response.status_code == 400
    assert "Choose a time in the future." in response.get_data(as_text=True)
    response = post(
        client, f"/d/{debate.slug}/schedule", {"phase": "closed", "due_at": "not a date"}
    )
    assert response.status_code == 400


def test_mediators_stay_neutral_post_notes_and_step_down(
    client, make_user, make_debate, make_argument
):
    organiser = make_user(email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    argument = make_argument(debate)
    make_user(pseudonym="Neutral Sékou", email="mediator@example.org")
    moderation.appoint_accepted(standing(organiser, debate), debate, "neutral sékou", Role.MEDIATOR)
    db.session.commit()
    login(client, "mediator@example.org")
    refused = post(client, f"/d/{debate.slug}/join", {"position": "for", "accept_rules": "y"})
    assert refused.status_code == 403 and "Mediators stay neutral" in refused.get_data(as_text=True)
    assert post(client, f"/d/{debate.slug}/vote", {"value": f"{argument.id}:1"}).status_code == 403
    response = post(
        client,
        f"/d/{debate.slug}/notes",
        {
            "kind": "sources",
            "body": "Could both sides cite where these figures come from?",
            "argument": str(argument.id),
        },
    )
    assert response.status_code == 302
    html = client.get(f"/d/{debate.slug}").get_data(as_text=True)
    assert 'class="note"' in html and "Request for sources" in html and "Neutral Sékou" in html
    assert post(client, f"/d/{debate.slug}/step-down").status_code == 302
    assert (
        post(client, f"/d/{debate.slug}/join", {"position": "for", "accept_rules": "y"}).status_code
        == 302
    )
    assert log_actions(debate) == [
        "phase_changed",
        "mediator_appointed",
        "note_posted",
        "mediator_stepped_down",
    ]


def test_appointing_an_unknown_pseudonym_explains_and_keeps_the_form(
    client, make_user, make_debate
):
    organiser = make_user(email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    login(client, "organiser@example.org")
    response = post(
        client,
        f"/d/{debate.slug}/appoint",
        {"pseudonym": "Nobody Here", "role": "mediator", "community": ""},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "No account has this pseudonym." in html and 'value="Nobody Here"' in html


def test_communities_are_private_and_counted_only_in_groups_of_five(
    client, make_user, make_debate, join
):
    organiser = make_user(email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    moderation.set_communities(standing(organiser, debate), debate, ["Youth", "Elders"])
    db.session.commit()
    youth, elders = moderation.communities(debate)
    for n in range(4):
        person = make_user(pseudonym=f"Young {n}")
        moderation.declare_community(join(person, debate), debate, youth.id)
    db.session.commit()
    html = client.get(f"/d/{debate.slug}").get_data(as_text=True)
    assert "Youth: 4" not in html and "Participants by community" not in html
    moderation.declare_community(join(make_user(), debate), debate, youth.id)
    db.session.commit()
    html = client.get(f"/d/{debate.slug}").get_data(as_text=True)
    assert "Youth: 5" in html
    assert cache.published_counts(debate)["communities"] == [{"name": "Youth", "participants": 5}]
    assert cache.published_counts(debate)["not_by_community"] == 0
    # A community someone declared cannot be dropped from the list.
    kept = moderation.set_communities(standing(organiser, debate), debate, ["Elders"])
    assert kept == ["Youth"]


def test_a_community_of_another_debate_is_refused(app, make_user, make_debate, join):
    debate, other = make_debate(), make_debate(motion="Another debate entirely, is it?")
    moderation.set_communities(standing(other.organiser, other), other, ["Youth"])
    with pytest.raises(moderation.InvalidInput):
        moderation.declare_community(
            join(make_user(), debate), debate, moderation.communities(other)[0].id
        )


def test_the_public_log_page_and_api(client, make_user, make_debate):
    organiser = make_user(pseudonym="Amina O", email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    make_user(pseudonym="Sekou M")
    moderation.appoint_accepted(standing(organiser, debate), debate, "Sekou M", Role.MEDIATOR)
    db.session.commit()
    html = client.get(f"/d/{debate.slug}/moderation").get_data(as_text=True)
    assert "appointed a mediator" in html and "Sekou M" in html and "Amina O" in html
    data = client.get(f"/api/v1/debates/{debate.slug}/moderation-log").get_json()
    assert [e["action"] for e in data["entries"]] == ["mediator_appointed", "phase_changed"]
    assert data["entries"][0] | {"id": 0, "at": ""} == {
        "id": 0,
        "at": "",
        "actor": "Amina O",
        "actor_role": "organiser",
        "action": "mediator_appointed",
        "rule": None,
        "reason": "",
        "argument_id": None,
        "subject": "Sekou M",
    }


def test_the_log_is_append_only_in_the_database(app, make_debate):
    debate = make_debate()
    entry_id = db.session.scalar(select(LogEntry.id).where(LogEntry.debate_id == debate.id))
    for statement in (
        "UPDATE moderation_log SET reason = 'rewritten' WHERE id = :id",
        "DELETE FROM moderation_log WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement), {"id": entry_id})
        db.session.rollback()
    assert db.session.get(LogEntry, entry_id).reason == "draft → open"
