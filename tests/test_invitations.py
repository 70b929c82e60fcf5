"""Invitation links: made by organisers, for N people until a date; opening one leads
through sign-up or log-in to the join form."""

import re

from deliberate.extensions import db
from deliberate.invitations.models import Invitation, InvitationUse
from deliberate.models import utcnow

from .conftest import PASSWORD, post
from .test_accounts import link_in, outbox


def make_link(client, slug, capacity=2, label="Mopti workshop") -> Invitation:
    response = post(
        client, f"/d/{slug}/invitations", {"label": label, "capacity": capacity, "days": 14}
    )
    assert response.status_code == 302
    return db.session.query(Invitation).order_by(Invitation.id.desc()).first()


def test_a_link_lets_in_as_many_people_as_it_was_made_for(
    app, client, auth, make_user, make_debate
):
    organiser = make_user(email="user@example.org")
    debate = make_debate(organiser=organiser)
    auth.login()
    refused = post(
        client, f"/d/{debate.slug}/invitations", {"label": " ", "capacity": 0, "days": 99}
    )
    assert refused.status_code == 400 and "Say who it is for." in refused.text
    assert "From 1 to 500 people." in refused.text and "From 1 to 90 days." in refused.text
    invitation = make_link(client, debate.slug)
    assert invitation.label == "Mopti workshop" and len(invitation.token) >= 20
    manage = client.get(f"/d/{debate.slug}/manage").text
    assert "0 of 2 used" in manage and f"/i/{invitation.token}" in manage
    auth.logout()

    # Signed out: who invites to what, and the way in (coming back here after).
    landing = client.get(f"/i/{invitation.token}")
    assert landing.status_code == 200 and debate.motion in landing.text
    assert landing.headers["X-Robots-Tag"] == "noindex"
    assert f"/register?next=/i/{invitation.token}" in landing.text
    assert f"/login?next=/i/{invitation.token}" in landing.text

    def accept(email):
        person = app.test_client()
        post(person, "/login", {"email": email, "password": PASSWORD})
        return person, post(person, f"/i/{invitation.token}")

    for n in (1, 2):
        make_user(email=f"guest{n}@example.org")
        person, response = accept(f"guest{n}@example.org")
        assert response.status_code == 302 and response.headers["Location"].endswith(
            f"/d/{debate.slug}#join"
        )
        # Opening it again counts nobody twice, and still leads to the debate.
        assert post(person, f"/i/{invitation.token}").status_code == 302
    assert db.session.get(Invitation, invitation.id).used == 2
    assert db.session.query(InvitationUse).count() == 2
    make_user(email="late@example.org")
    late, response = accept("late@example.org")
    assert response.status_code == 410 and "As many people as it was made for" in response.text
    assert late.get(f"/i/{invitation.token}").status_code == 410
    assert db.session.get(Invitation, invitation.id).used == 2


def test_expired_withdrawn_and_unknown_links_let_nobody_in(
    app, client, auth, make_user, make_debate
):
    organiser = make_user(email="user@example.org")
    debate = make_debate(organiser=organiser)
    auth.login()
    expired, withdrawn = make_link(client, debate.slug), make_link(client, debate.slug)
    expired.created_at = utcnow().replace(year=2020)
    expired.expires_at = utcnow().replace(year=2021)
    db.session.commit()
    revoke = f"/d/{debate.slug}/invitations/{withdrawn.id}/revoke"
    assert post(client, revoke).status_code == 302
    assert "withdrawn" in client.get(f"/d/{debate.slug}/manage").text
    visitor = app.test_client()
    assert "It has expired." in visitor.get(f"/i/{expired.token}").text
    assert visitor.get(f"/i/{expired.token}").status_code == 410
    assert "The organisers have withdrawn it." in visitor.get(f"/i/{withdrawn.token}").text
    unknown = visitor.get("/i/not-a-real-token")
    assert unknown.status_code == 404 and "check that it was copied whole" in unknown.text


def test_the_printed_cards_carry_the_link_as_a_qr_code(client, auth, make_user, make_debate):
    organiser = make_user(email="user@example.org")
    debate = make_debate(organiser=organiser)
    auth.login()
    invitation = make_link(client, debate.slug)
    client.get(f"/d/{debate.slug}/manage")  # where the flash with the link is shown
    sheet = client.get(f"/d/{debate.slug}/invitations/{invitation.id}/sheet").text
    assert sheet.count('class="qr"') == 4 and sheet.count(f"/i/{invitation.token}") == 4
    assert "style=" not in re.search(r"<svg.*?</svg>", sheet, re.S)[0]


def test_signing_up_from_an_invitation_comes_back_to_it(app, client, make_user, make_debate):
    debate = make_debate(organiser=make_user())
    client.get("/")  # a session for the CSRF token
    from deliberate.invitations import services
    from deliberate.rules import Standing

    invitation = services.create(
        Standing(debate.organiser, roles=frozenset({"organiser"})), debate, "Youth council", 5, 7
    )
    db.session.commit()
    response = post(
        client,
        f"/register?next=/i/{invitation.token}",
        {"pseudonym": "Awa T", "email": "awa@example.org"},
    )
    assert response.status_code == 302
    link = link_in(outbox(app)[-1])
    assert client.get(link).status_code == 200
    done = post(client, link, {"pseudonym": "Awa T", "password": PASSWORD})
    assert done.status_code == 302
    assert done.headers["Location"] == f"/i/{invitation.token}"


def test_forty_people_behind_one_address_sign_up_through_one_invitation(limited):
    """A workshop on one Wi-Fi: through a live invitation, sign-ups, confirmations and
    log-ins count against its seats, not against the shared address; open sign-up from that
    address keeps its limit (the sixth in a minute waits), and so does a link that is not a
    live invitation."""
    from deliberate.accounts import services as accounts
    from deliberate.debates import services as debates
    from deliberate.invitations import services
    from deliberate.rules import Standing

    with limited.app_context():
        organiser = accounts.register_user("Organiser O", "organiser@example.org", PASSWORD)
        db.session.commit()
        debate = debates.start_debate(organiser, "Should the workshop meet every month?", "")
        invitation = services.create(
            Standing(organiser, roles=frozenset({"organiser"})), debate, "Workshop", 40, 1
        )
        db.session.commit()
        token = invitation.token

    def sign_up(n: int, next_path: str | None) -> int:
        client = limited.test_client()
        url = f"/register?next={next_path}" if next_path else "/register"
        form = {"pseudonym": f"Workshop {n}", "email": f"w{n}@example.org"}
        response = post(client, url, form)
        if response.status_code != 302 or not next_path:
            return response.status_code
        link = link_in(outbox(limited)[-1])
        client.get(link)
        return post(client, link, {"pseudonym": f"Workshop {n}", "password": PASSWORD}).status_code

    assert [sign_up(n, f"/i/{token}") for n in range(40)] == [302] * 40
    assert [sign_up(100 + n, None) for n in range(6)] == [302] * 5 + [429]
    assert sign_up(200, "/i/not-a-live-one") == 429
