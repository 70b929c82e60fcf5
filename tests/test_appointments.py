"""Appointments are invitations: shown nowhere and granting nothing until accepted; the
person is told (inbox, mail) and answers from their account page; stepping down always
works; organisers remove mediators and co-organisers; errors stay next to the field."""

from sqlalchemy import select

from deliberate.extensions import db
from deliberate.moderation import services as moderation
from deliberate.moderation.models import LogEntry, Notification, Role

from .conftest import post, standing
from .test_accounts import outbox


def login(client, email):
    response = post(client, "/login", {"email": email, "password": "correct horse battery"})
    assert response.status_code == 302


def actions(debate) -> list[str]:
    return list(
        db.session.scalars(
            select(LogEntry.action).where(LogEntry.debate_id == debate.id).order_by(LogEntry.id)
        )
    )


def kinds(user) -> list[str]:
    return list(
        db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id))
    )


def test_an_appointment_is_an_invitation_until_accepted(app, client, make_user, make_debate):
    organiser = make_user(pseudonym="Amina O", email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    sekou = make_user(pseudonym="Sekou M", email="sekou@example.org")
    login(client, "organiser@example.org")
    response = post(
        client,
        f"/d/{debate.slug}/appoint",
        {"pseudonym": "sekou m", "role": "mediator", "community": ""},
    )
    assert response.status_code == 302
    assert "Sekou M" in client.get(f"/d/{debate.slug}/manage").get_data(as_text=True)
    # Told, by inbox and by a mail that names nobody and no debate.
    assert kinds(sekou) == ["invited_mediator"]
    mail = outbox(app)[-1]
    assert mail["To"] == "sekou@example.org" and "/account" in mail.get_content()
    assert debate.motion not in mail.get_content() and "Amina" not in mail.get_content()
    # Not public, grants nothing.
    reader = app.test_client()
    assert "Sekou M" not in reader.get(f"/d/{debate.slug}").get_data(as_text=True)
    assert actions(debate) == ["phase_changed"]
    assert not standing(sekou, debate).is_mediator
    login(client, "sekou@example.org")
    assert client.get(f"/d/{debate.slug}/queue").status_code == 403
    account = client.get("/account").get_data(as_text=True)
    assert "invited to be an independent mediator" in account and debate.motion in account
    invitation = moderation.invitations(debate)[0]
    response = post(client, f"/account/invitations/{invitation.id}/accept")
    assert response.status_code == 302
    # Now public, logged with the organiser who appointed, and working.
    assert "Sekou M" in reader.get(f"/d/{debate.slug}").get_data(as_text=True)
    assert actions(debate) == ["phase_changed", "mediator_appointed"]
    entry = db.session.scalars(select(LogEntry).order_by(LogEntry.id.desc())).first()
    assert entry.actor_id == organiser.id and entry.subject_id == sekou.id
    assert client.get(f"/d/{debate.slug}/queue").status_code == 200
    account = client.get("/account").get_data(as_text=True)
    assert f"/d/{debate.slug}/queue" in account  # the debate, from the account page
    assert "invitation_accepted" in kinds(organiser)
    # Answered once.
    assert post(client, f"/account/invitations/{invitation.id}/accept").status_code == 404


def test_a_declined_invitation_leaves_nothing_public(app, client, make_user, make_debate):
    organiser = make_user(email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    person = make_user(pseudonym="Reluctant", email="reluctant@example.org")
    with app.test_request_context():
        invitation = moderation.appoint(
            standing(organiser, debate), debate, "Reluctant", Role.ORGANISER
        )
    db.session.commit()
    login(client, "reluctant@example.org")
    other = app.test_client()
    login(other, make_user(email="other@example.org").email)
    assert post(other, f"/account/invitations/{invitation.id}/decline").status_code == 404
    assert post(client, f"/account/invitations/{invitation.id}/decline").status_code == 302
    assert actions(debate) == ["phase_changed"]
    assert not standing(person, debate).is_organiser
    assert "invitation_declined" in kinds(organiser)
    assert moderation.invitations(debate) == []


def test_appointment_errors_stay_next_to_the_field(client, make_user, make_debate):
    organiser = make_user(pseudonym="Amina O", email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    make_user(pseudonym="Co Organiser")
    login(client, "organiser@example.org")
    url = f"/d/{debate.slug}/appoint"
    cases = [
        ("Amina O", "mediator", "You cannot appoint yourself."),
        ("Co Organiser", "organiser", None),
        ("Co Organiser", "organiser", "already has this role in the debate, or is invited"),
        ("Co Organiser", "mediator", "One role per person in a debate"),
    ]
    for pseudonym, role, error in cases:
        response = post(client, url, {"pseudonym": pseudonym, "role": role, "community": ""})
        if error is None:
            assert response.status_code == 302
            continue
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        field = html[html.index('id="pseudonym"') - 600 : html.index('id="pseudonym"') + 600]
        assert error in field and f'value="{pseudonym}"' in html


def test_organisers_remove_co_organisers_and_anyone_steps_down(app, client, make_user, make_debate):
    founder = make_user(pseudonym="Founder", email="founder@example.org")
    debate = make_debate(organiser=founder)
    helper = make_user(pseudonym="Helper", email="helper@example.org")
    mediator = make_user(pseudonym="Mediator", email="mediator@example.org")
    running = standing(founder, debate)
    helper_role = moderation.appoint_accepted(running, debate, "Helper", Role.ORGANISER)
    moderation.appoint_accepted(running, debate, "Mediator", Role.MEDIATOR)
    db.session.commit()
    # A co-organiser cannot remove the founder, but the founder removes the co-organiser.
    login(client, "helper@example.org")
    founder_role = next(r for r in moderation.active_roles(debate) if r.user_id == founder.id)
    assert post(client, f"/d/{debate.slug}/roles/{founder_role.id}/remove").status_code == 403
    login(client, "founder@example.org")
    assert post(client, f"/d/{debate.slug}/roles/{helper_role.id}/remove").status_code == 302
    assert not standing(helper, debate).is_organiser
    assert "removed_organiser" in kinds(helper)
    # The last organiser steps down; the mediator too.
    response = post(client, f"/d/{debate.slug}/step-down", {"role": "organiser"})
    assert response.status_code == 302
    assert not standing(founder, debate).is_organiser
    login(client, "mediator@example.org")
    assert post(client, f"/d/{debate.slug}/step-down").status_code == 302
    assert not standing(mediator, debate).is_mediator
    assert actions(debate)[-3:] == [
        "organiser_removed",
        "organiser_stepped_down",
        "mediator_stepped_down",
    ]


def test_organisers_read_the_review_queue_without_deciding(
    client, make_user, make_debate, make_argument, join
):
    from deliberate.moderation import review

    organiser = make_user(email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    author = make_user(pseudonym="Hidden Author")
    argument = make_argument(debate, author=author, body="A flagged text nobody else reads.")
    flagger = make_user(pseudonym="Flagger Person")
    review.flag(join(flagger, debate), argument, 2, "a note")
    argument.visibility = argument.visibility.FLAGGED  # as if the threshold were reached
    db.session.commit()
    login(client, "organiser@example.org")
    response = client.get(f"/d/{debate.slug}/queue")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Read-only" in html and f"Argument {argument.id}" in html and "1 flag" in html
    assert "A flagged text" not in html and "Hidden Author" not in html
    assert "Flagger Person" not in html and "/decide" not in html
    refused = post(client, f"/d/{debate.slug}/a/{argument.id}/decide", {"decision": "keep"})
    assert refused.status_code == 403
