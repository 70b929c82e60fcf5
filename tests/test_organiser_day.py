"""Issue 13, the organiser's day: mediator notes that show their text, phases that stay
where an organiser put them, one opinion shift, a log written in sentences, the home page's
counts, two-step setup, and editing a debate's motion and background."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from deliberate.accounts import totp
from deliberate.debates import services as debate_services
from deliberate.extensions import db
from deliberate.models import Debate, Phase, Position, User, Visibility
from deliberate.moderation import services as moderation
from deliberate.moderation.models import LogEntry, NoteKind, PhaseChange, Role

from .conftest import PASSWORD, post, standing


def login(client, email):
    response = post(client, "/login", {"email": email, "password": "correct horse battery"})
    assert response.status_code == 302


@pytest.fixture
def mediated(make_user, make_debate):
    """An open debate with an organiser and a mediator."""
    organiser = make_user(pseudonym="Organiser Amina", email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    make_user(pseudonym="Mediator Sekou", email="mediator@example.org")
    moderation.appoint_accepted(
        standing(organiser, debate), debate, "Mediator Sekou", Role.MEDIATOR
    )
    db.session.commit()
    return debate


def log_actions(debate) -> list[str]:
    query = select(LogEntry.action).where(LogEntry.debate_id == debate.id)
    return list(db.session.scalars(query.order_by(LogEntry.id)))


def person(email):
    return db.session.scalars(select(User).where(User.email == email)).one()


# --- 1. mediator notes show their text -------------------------------------------------------


def test_a_mediator_note_shows_its_text_on_the_debate_and_argument_pages(
    client, mediated, make_argument
):
    argument = make_argument(mediated)
    mediator = standing(person("mediator@example.org"), mediated)
    assert "Both sides" not in client.get(f"/d/{mediated.slug}").text  # now cached for readers
    moderation.post_note(mediator, mediated, NoteKind.SUMMARY, "Both sides **agree** on wells.")
    moderation.post_note(
        mediator, mediated, NoteKind.SOURCES, "Where do these _figures_ come from?", argument
    )
    db.session.commit()
    debate_page = client.get(f"/d/{mediated.slug}").get_data(as_text=True)
    assert "Both sides <strong>agree</strong> on wells." in debate_page
    argument_page = client.get(f"/d/{mediated.slug}/a/{argument.id}").get_data(as_text=True)
    assert "Where do these <em>figures</em> come from?" in argument_page
    login(client, "mediator@example.org")
    assert "Both sides <strong>agree</strong>" in client.get(f"/d/{mediated.slug}").get_data(
        as_text=True
    )


@pytest.mark.seeded
def test_the_seeded_summary_note_shows_its_text(client):
    html = client.get("/d/un-talks-mali-jnim").get_data(as_text=True)
    assert "<strong>Where the debate stands so far.</strong>" in html


# --- 2. a closed debate stays closed ---------------------------------------------------------


def make_due(debate):
    """Time passes: every scheduled change of the debate is due."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    db.session.execute(update(PhaseChange).values(due_at=past))
    db.session.execute(update(Debate).where(Debate.id == debate.id).values(next_phase_at=past))
    db.session.commit()


def test_closing_by_hand_cancels_a_schedule_that_would_reopen_the_debate(client, mediated):
    organiser = standing(person("organiser@example.org"), mediated)
    soon = datetime.now(UTC) + timedelta(hours=1)
    moderation.schedule_phase(organiser, mediated, Phase.FINAL_VOTE, soon)
    db.session.commit()
    login(client, "organiser@example.org")
    closing = post(client, f"/d/{mediated.slug}/phase", {"phase": "closed", "confirm": "y"})
    assert closing.status_code == 302
    assert db.session.scalar(select(PhaseChange.id)) is None
    make_due(mediated)
    client.get(f"/d/{mediated.slug}")
    assert db.session.get(Debate, mediated.id).phase is Phase.CLOSED
    assert log_actions(mediated)[-2:] == ["phase_changed", "phase_unscheduled"]


def test_a_due_schedule_never_reopens_a_closed_debate(client, mediated):
    """Even a schedule row left from before this rule is skipped once the debate is closed."""
    db.session.add(PhaseChange(debate_id=mediated.id, phase=Phase.OPEN, due_at=datetime.now(UTC)))
    db.session.execute(
        update(Debate)
        .where(Debate.id == mediated.id)
        .values(phase=Phase.CLOSED, closed_at=datetime.now(UTC))
    )
    make_due(mediated)
    client.get(f"/d/{mediated.slug}")
    assert db.session.get(Debate, mediated.id).phase is Phase.CLOSED


def test_scheduling_on_a_closed_debate_is_refused_with_a_message(client, mediated):
    login(client, "organiser@example.org")
    post(client, f"/d/{mediated.slug}/phase", {"phase": "closed", "confirm": "y"})
    due = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = post(client, f"/d/{mediated.slug}/schedule", {"phase": "open", "due_at": due})
    assert response.status_code == 409
    assert "The debate is closed: reopen it first" in response.get_data(as_text=True)
    assert db.session.scalar(select(PhaseChange.id)) is None
    assert db.session.get(Debate, mediated.id).phase is Phase.CLOSED


def test_closing_and_reopening_ask_for_a_confirmation(client, mediated):
    login(client, "organiser@example.org")
    url = f"/d/{mediated.slug}/phase"
    manage = client.get(f"/d/{mediated.slug}/manage").get_data(as_text=True)
    assert "I want to close the debate" in manage
    refused = post(client, url, {"phase": "closed"})
    assert refused.status_code == 400
    assert "Tick the box to confirm that you want to close" in refused.get_data(as_text=True)
    assert db.session.get(Debate, mediated.id).phase is Phase.OPEN
    assert post(client, url, {"phase": "closed", "confirm": "y"}).status_code == 302
    manage = client.get(f"/d/{mediated.slug}/manage").get_data(as_text=True)
    assert "Move to: Open" not in manage and "Reopen the debate (Open)" in manage
    assert 'name="due_at"' not in manage  # nothing to schedule on a closed debate
    refused = post(client, url, {"phase": "open"})
    assert refused.status_code == 400 and "want to reopen" in refused.get_data(as_text=True)
    assert db.session.get(Debate, mediated.id).phase is Phase.CLOSED
    assert post(client, url, {"phase": "open", "confirm": "y"}).status_code == 302
    assert db.session.get(Debate, mediated.id).phase is Phase.OPEN


def test_the_service_reopens_only_when_told_the_organiser_confirmed(mediated):
    organiser = standing(person("organiser@example.org"), mediated)
    moderation.change_phase(organiser, mediated, Phase.CLOSED)
    with pytest.raises(moderation.Conflict):
        moderation.change_phase(organiser, mediated, Phase.OPEN)
    moderation.change_phase(organiser, mediated, Phase.OPEN, reopen=True)
    assert mediated.phase is Phase.OPEN


# --- 10. the home page's counts, two-step setup ----------------------------------------------


def test_the_home_and_debate_pages_count_only_arguments_a_reader_can_read(
    client, mediated, make_argument
):
    make_argument(mediated, body="A point anyone can read here.")
    hidden = make_argument(mediated, body="A point a mediator hid here.")
    flagged = make_argument(mediated, body="A point flagged by many here.")
    hidden.visibility, flagged.visibility = Visibility.HIDDEN, Visibility.FLAGGED
    db.session.commit()
    assert db.session.get(Debate, mediated.id).argument_count == 3
    for url in ("/", f"/d/{mediated.slug}"):
        html = client.get(url).get_data(as_text=True)
        assert "<dt>Arguments</dt><dd>1</dd>" in html, url


def test_the_two_step_set_up_page_keeps_its_key_until_confirmed(client, auth, make_user):
    user = make_user(email="user@example.org")
    auth.login()
    first = re.search(r"<code>([A-Z2-7 ]+)</code>", client.get("/account/two-factor").text)[1]
    # Another device (a new session, no cookie in common) sees the same key too.
    auth.logout()
    auth.login()
    assert first in client.get("/account/two-factor").text
    secret = first.replace(" ", "")
    assert db.session.get(User, user.id).totp_secret is None  # nothing saved yet
    code = totp.code_for(secret, totp.current_step())
    response = post(client, "/account/two-factor", {"password": PASSWORD, "code": code})
    assert response.status_code == 200 and "Your recovery codes" in response.text
    user = db.session.get(User, user.id)
    assert user.totp_secret == secret
    # Turning it on ended the other sessions: a later set-up would offer a new key.
    assert totp.setup_secret(user) != secret


def test_a_code_used_twice_says_to_wait_for_the_next(client, auth, make_user):
    user = make_user(email="user@example.org")
    user.totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    db.session.commit()
    code = totp.code_for(user.totp_secret, totp.current_step())
    auth.login(code=code)
    auth.logout()
    post(client, "/login", {"email": "user@example.org", "password": PASSWORD})
    again = post(client, "/login/code", {"code": code})
    assert again.status_code == 400
    assert "That code was already used; wait for the next one" in again.text
    assert "not the one your app shows now" not in again.text
    wrong = post(client, "/login/code", {"code": "000000"})
    assert "This code is not the one your app shows now." in wrong.text


# --- the organiser's day: editing the debate, its address, the create button ------------------


def test_a_draft_is_created_by_a_button_that_says_so_and_shows_its_address(client, auth, make_user):
    make_user(email="user@example.org")
    auth.login()
    form = client.get("/debates/new").text
    assert "Create the draft" in form and "Open the debate" not in form
    response = post(
        client,
        "/debates/new",
        {"format": "motion", "motion": "Should the town build a new well?", "background": ""},
        follow_redirects=True,
    )
    assert "http://localhost/d/should-the-town-build-a-new-well" in response.text
    assert "Its address:" in response.text


def test_the_motion_changes_in_a_draft_and_the_background_later_with_a_public_history(
    client, make_user, make_debate
):
    make_user(pseudonym="Organiser Amina", email="organiser@example.org")
    debate = make_debate(
        organiser=person("organiser@example.org"),
        phase="draft",
        motion="Should the town dig a well?",
        background="The old well is dry.\nWater comes by truck.",
    )
    login(client, "organiser@example.org")
    url = f"/d/{debate.slug}/edit"
    refused = post(client, url, {"motion": "Too short", "background": "Kept text here."})
    assert refused.status_code == 400 and "Kept text here." in refused.text
    edited = {"motion": "Should the town dig a new well?", "background": "The old well is dry."}
    assert post(client, url, edited).status_code == 302
    moderation.change_phase(standing(person("organiser@example.org"), debate), debate, Phase.OPEN)
    db.session.commit()
    post(client, "/logout")
    page = client.get(f"/d/{debate.slug}/revisions").text  # cached for readers, as it is
    assert "Should the town dig a well?" in page and "Organiser Amina" in page
    login(client, "organiser@example.org")
    form = client.get(url).text
    assert 'name="motion"' not in form and "can only change while the debate is a draft" in form
    later = {
        "motion": "Sneaked in after opening?",
        "background": "The old well is dry.\nA new fact.",
    }
    assert post(client, url, later).status_code == 302
    debate = db.session.get(Debate, debate.id)
    assert debate.motion == "Should the town dig a new well?"  # the motion stayed
    assert "A new fact." in debate.background_html
    post(client, "/logout")
    reader = client.get(f"/d/{debate.slug}").text
    assert "A new fact." in reader and f"/d/{debate.slug}/revisions" in reader
    history = client.get(f"/d/{debate.slug}/revisions").text
    assert "<ins>+ A new fact.</ins>" in history
    assert "<del>− Water comes by truck.</del>" in history
    assert "edited the motion or background" in client.get(f"/d/{debate.slug}/moderation").text


def test_a_closed_debate_background_no_longer_changes(client, mediated):
    login(client, "organiser@example.org")
    post(client, f"/d/{mediated.slug}/phase", {"phase": "closed", "confirm": "y"})
    response = post(client, f"/d/{mediated.slug}/edit", {"background": "Rewritten later."})
    assert response.status_code == 409


# --- 8. the public log in sentences, in the reader's language ---------------------------------


@pytest.fixture
def logged(mediated):
    """A log with the entries that used to show codes."""
    organiser = standing(person("organiser@example.org"), mediated)
    mediator = standing(person("mediator@example.org"), mediated)
    due = datetime(2030, 12, 21, 18, 0, tzinfo=UTC)
    moderation.schedule_phase(organiser, mediated, Phase.FINAL_VOTE, due)
    moderation.post_note(mediator, mediated, NoteKind.SUMMARY, "Where the debate stands now.")
    db.session.commit()
    return mediated


def log_part(html: str) -> str:
    return html[html.index('<ol class="log"') : html.index("</ol>", html.index('<ol class="log"'))]


def test_the_log_page_writes_sentences_in_english_and_french(client, logged):
    english = log_part(client.get(f"/d/{logged.slug}/moderation").text)
    assert "Organiser Amina (organiser) changed the phase. From “Draft” to “Open”." in english
    assert "To “Final vote” on Dec 21, 2030, 6:00:00\u202fPM (UTC)." in english
    assert "Mediator Sekou (mediator) posted a mediator note. Kind: summary." in english
    french_page = client.get(f"/d/{logged.slug}/moderation", headers={"Accept-Language": "fr"})
    french = log_part(french_page.text)
    assert "Organiser Amina (organisateur) a changé la phase." in french
    assert "De « Brouillon » à « Ouvert »." in french
    assert "21 déc. 2030" in french and "résumé" in french
    for code in ("summary", "final_vote", "draft", "@ 2030", "organiser)"):
        assert code not in french, code


def test_the_log_download_has_the_same_sentences_in_the_readers_language(client, logged):
    url = f"/d/{logged.slug}/export/moderation-log.csv"
    rows = list(
        csv.DictReader(io.StringIO(client.get(url, headers={"Accept-Language": "fr"}).text))
    )
    assert rows[0]["entry"].startswith("Organiser Amina (organisateur) a changé")
    assert rows[0]["reason"] == "De « Brouillon » à « Ouvert »."
    assert "21 déc. 2030" in rows[-2]["entry"] and "21 déc. 2030" in rows[-2]["reason"]
    assert rows[-1]["action"] == "note_posted"  # the code stays, for programs
    assert "final_vote" not in rows[-2]["entry"]


# --- 6. one opinion shift, the report's ----------------------------------------------------------


def shift_lead(html: str) -> str:
    """The shift's headline: the first lead paragraph after the table of positions' start."""
    start = html.rindex('<p class="lead">', 0, html.index("Intelligence Squared"))
    return " ".join(html[start : html.index("</p>", start)].split())


def test_the_debate_page_and_the_report_show_the_same_shift(client, make_user, make_debate, join):
    """All openings against all finals would say Against gained (60/40 → 50/50); among the
    two who voted both, For went from 0% to 50%: the report's answer, now on both pages."""
    debate = make_debate()
    for position in ("for", "for", "for"):
        join(make_user(), debate, position)  # they never come back for the final vote
    changing, staying = make_user(), make_user()
    for person_, final in ((changing, "for"), (staying, "against")):
        who = join(person_, debate, "against")
        debate_services.record_final_position(who, debate, Position(final))
    db.session.commit()
    for language in ("en", "fr"):
        headers = {"Accept-Language": language}
        page = client.get(f"/d/{debate.slug}", headers=headers).text
        report = client.get(f"/d/{debate.slug}/report", headers=headers).text
        assert shift_lead(page) == shift_lead(report)
        if language == "en":
            assert "For gained most: 0% → 50% (+50 points)." in shift_lead(page)
            assert "Among the 2 participants who voted both" in page
