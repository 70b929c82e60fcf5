"""In-person circles, first step (deliberate/circles): a facilitator records a circle with
its attendance and show of hands per community; a second facilitator or mediator confirms
it; only then does the public see it, communities of fewer than 5 people not detailed; the
public moderation log lists both steps."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from deliberate import rules
from deliberate.circles import services
from deliberate.circles.models import Circle
from deliberate.extensions import db
from deliberate.models import utcnow
from deliberate.moderation import services as moderation
from deliberate.moderation.models import LogEntry, Role

from .conftest import PASSWORD, post, standing


@pytest.fixture
def scene(app, make_user, make_debate):
    organiser = make_user(pseudonym="Organiser", email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    boss = standing(organiser, debate)
    moderation.set_communities(boss, debate, ["Fulani herders", "Dogon farmers"])
    for key in ("Sira", "Oumar"):
        make_user(pseudonym=f"Mediator {key}", email=f"{key.lower()}@example.org")
        moderation.appoint_accepted(boss, debate, f"Mediator {key}", Role.MEDIATOR)
    db.session.commit()
    return debate


def sheet(debate, **changes) -> dict:
    """The entry form as a facilitator fills it: Fulani 12, Dogon 3, none named 0."""
    herders, farmers = moderation.communities(debate)
    form = {"held_on": (utcnow().date() - timedelta(days=2)).isoformat(), "place": "Mopti"}
    rows = [
        (herders.id, 12, (7, 3, 2), (9, 2, 1)),
        (farmers.id, 3, (1, 1, 1), (2, 1, 0)),
        ("", 0, (0, 0, 0), (0, 0, 0)),
    ]
    for n, (community, came, opening, closing) in enumerate(rows):
        form[f"counts-{n}-community"] = str(community)
        form[f"counts-{n}-attendance"] = str(came)
        for side, a, b in zip(("for", "against", "undecided"), opening, closing, strict=True):
            form[f"counts-{n}-opening_{side}"] = str(a)
            form[f"counts-{n}-closing_{side}"] = str(b)
    form.update(changes)
    return form


def test_a_circle_is_shown_once_a_second_facilitator_confirms_it(client, auth, scene):
    debate = scene
    auth.login("sira@example.org", PASSWORD)
    form_page = client.get(f"/d/{debate.slug}/circles/new").get_data(as_text=True)
    assert "Fulani herders" in form_page and "Dogon farmers" in form_page
    assert post(client, f"/d/{debate.slug}/circles/new", sheet(debate)).status_code == 302
    circle = db.session.scalar(select(Circle))
    assert circle.attendance == 15 and circle.confirmed_at is None
    # Waiting: facilitators see it, the public does not.
    assert "Waiting for a second facilitator" in client.get(f"/d/{debate.slug}/circles").text
    auth.logout()
    assert "Mopti" not in client.get(f"/d/{debate.slug}/circles").text
    # The one who entered it cannot be the second key.
    auth.login("sira@example.org", PASSWORD)
    url = f"/d/{debate.slug}/circles/{circle.id}/confirm"
    assert post(client, url).status_code == 403
    auth.logout()
    auth.login("oumar@example.org", PASSWORD)
    assert post(client, url).status_code == 302
    auth.logout()
    html = client.get(f"/d/{debate.slug}/circles").text
    assert "Circle · Mopti" in html
    assert "Entered by Mediator Sira, confirmed by Mediator Oumar." in html
    assert "12 came" in html
    assert "At the start: 7 for, 3 against, 2 undecided" in html
    assert "At the end: 9 for, 2 against, 1 undecided" in html
    # Three Dogon farmers: their hands could be told apart, so they are neither shown nor
    # named, nor counted in the circle's total (12, not 15: 15 - 12 would give them away).
    assert "Dogon farmers" not in html and "1 for, 1 against" not in html
    assert "12 people came." in html and "15 people came" not in html
    log = client.get(f"/d/{debate.slug}/moderation").text
    assert "recorded an in-person circle" in log and "confirmed an in-person circle" in log
    assert "Mopti, " in log


def test_more_hands_than_people_is_refused_and_what_was_typed_kept(client, auth, scene):
    debate = scene
    auth.login("sira@example.org", PASSWORD)
    bad = sheet(debate, **{"counts-0-closing_for": "40", "place": "Ségou"})
    response = post(client, f"/d/{debate.slug}/circles/new", bad)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "More hands were counted than people came" in html
    assert 'value="Ségou"' in html and 'value="40"' in html
    assert db.session.scalar(select(Circle)) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"held_on": (utcnow().date() + timedelta(days=3)).isoformat()}, "its date is not to come"),
        ({"counts-0-attendance": "0", "counts-1-attendance": "0"}, "for at least one community"),
        ({"counts-0-attendance": "-2"}, "A whole number from 0 to"),
        ({"place": "x"}, "Field must be between 2 and 80"),
    ],
    ids=["future", "nobody", "negative", "place"],
)
def test_bad_sheets_are_refused_with_a_message(client, auth, scene, changes, message):
    auth.login("sira@example.org", PASSWORD)
    response = post(client, f"/d/{scene.slug}/circles/new", sheet(scene, **changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_the_database_keeps_the_two_keys_apart(app, scene):
    sira = db.session.scalar(
        select(LogEntry.actor_id).where(LogEntry.action == "mediator_appointed")
    )
    circle = Circle(
        debate_id=scene.id,
        held_on=utcnow().date(),
        place="Mopti",
        entered_by_id=sira,
        confirmed_by_id=sira,
        confirmed_at=utcnow(),
    )
    db.session.add(circle)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_who_records_circles(app, scene, make_user, join):
    from deliberate.models import User

    sira = db.session.scalar(select(User).where(User.pseudonym == "Mediator Sira"))
    participant = make_user()
    join(participant, scene)
    assert rules.allowed(rules.record_circle(standing(sira, scene), scene))
    assert not rules.allowed(rules.record_circle(standing(participant, scene), scene))
    organiser = db.session.scalar(select(User).where(User.pseudonym == "Organiser"))
    assert not rules.allowed(rules.record_circle(standing(organiser, scene), scene))
    circle = services.record(
        standing(sira, scene),
        scene,
        utcnow().date(),
        "Mopti",
        [services.Count(None, 6, (3, 2, 1), (4, 1, 1))],
    )
    assert not rules.allowed(rules.confirm_circle(standing(sira, scene), scene, circle))


def test_the_report_shows_online_in_person_and_together(client, scene, make_user, join):
    from deliberate.debates import services as debates
    from deliberate.models import Position, User

    debate = scene
    for position_before, position_after in (("for", "for"), ("against", "for")):
        who = join(make_user(), debate, position_before)
        debates.record_final_position(who, debate, Position(position_after))
    sira, oumar = (
        db.session.scalar(select(User).where(User.pseudonym == f"Mediator {name}"))
        for name in ("Sira", "Oumar")
    )
    herders, farmers = moderation.communities(debate)
    circle = services.record(
        standing(sira, debate),
        debate,
        utcnow().date(),
        "Mopti",
        [
            services.Count(herders.id, 12, (7, 3, 2), (9, 2, 1)),
            services.Count(farmers.id, 3, (1, 1, 1), (2, 1, 0)),
        ],
    )
    db.session.commit()
    assert "Online and in person" not in client.get(f"/d/{debate.slug}/report").text
    services.confirm(standing(oumar, debate), debate, circle)
    db.session.commit()
    html = client.get(f"/d/{debate.slug}/report").text
    assert "Online and in person" in html and "12 people came" in html
    row = lambda label: html[html.index(label) :].split("</tr>", 1)[0]  # noqa: E731
    # In person, the 12 herders' hands only (the 3 farmers are left out of every total):
    # 7, 3, 2 at the start; 9, 2, 1 at the end.
    assert "58.3% · 25% · 16.7%" in row("In person (hands raised)")
    assert "75% · 16.7% · 8.3%" in row("In person (hands raised)")
    # Online, the two who voted twice: 1 for and 1 against, then 2 for.
    assert "50% · 50% · 0%" in row("Online (2 who voted twice)")
    # Together, 14: 8, 4, 2 at the start; 11, 2, 1 at the end.
    assert "57.1% · 28.6% · 14.3%" in row("Together")
    assert "78.6% · 14.3% · 7.1%" in row("Together")


# --- the tally sheet as CSV -------------------------------------------------------------------


def upload(client, debate, content: str, **fields):
    import io

    data = {
        "held_on": (utcnow().date() - timedelta(days=1)).isoformat(),
        "place": "Ségou",
        "sheet": (io.BytesIO(content.encode("utf-8")), "tally.csv"),
        **fields,
    }
    return post(client, f"/d/{debate.slug}/circles/new", data, content_type="multipart/form-data")


HEADER = "community,came,start_for,start_against,start_undecided,end_for,end_against,end_undecided"


def test_a_tally_sheet_from_a_spreadsheet_records_the_circle(client, auth, scene):
    auth.login("sira@example.org", PASSWORD)
    sheet = f"\ufeff{HEADER}\nfulani herders,14,5,6,3,8,4,2\n,7,2,2,3,3,2,2\n"
    assert upload(client, scene, sheet).status_code == 302
    circle = db.session.scalar(select(Circle))
    assert circle.place == "Ségou" and circle.attendance == 21
    assert {(c.community.name if c.community else None) for c in circle.counts} == {
        "Fulani herders",
        None,
    }


def test_a_french_spreadsheet_s_semicolons_are_read(client, auth, scene):
    auth.login("sira@example.org", PASSWORD)
    sheet = HEADER.replace(",", ";") + "\nDogon farmers;11;3;5;3;6;4;1\n"
    assert upload(client, scene, sheet).status_code == 302
    assert db.session.scalar(select(Circle)).attendance == 11


def test_a_malformed_sheet_names_its_lines_and_saves_nothing(client, auth, scene):
    auth.login("sira@example.org", PASSWORD)
    sheet = (
        f"{HEADER}\n"
        "Fulani herders,14,5,6,3,8,4,2\n"
        "Dogon farmer,11,3,5,3,6,4,1\n"
        ",7,2,2,3,30,2,2\n"
        "Fulani herders,2,1,1,0,1,1,0\n"
        "Youth,x,1,1,1,1,1,1\n"
    )
    response = upload(client, scene, sheet)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Line 3: “Dogon farmer” is not a community of this debate" in html
    assert "Line 4: 34 hands at the end, but 7 people came." in html, re.findall(
        r"<li>Line[^<]*", html
    )
    assert "Line 5: this community is already on line 2." in html
    assert "Line 6: “Youth” is not a community" in html
    assert 'value="Ségou"' in html  # the rest of the form is kept
    assert db.session.scalar(select(Circle)) is None
    wrong_header = upload(client, scene, "name,count\nFulani herders,3\n")
    assert wrong_header.status_code == 400
    assert "Line 1: the columns must be community,came," in wrong_header.get_data(as_text=True)


def test_the_printed_kit_has_the_motion_arguments_rules_sheet_and_a_way_back(
    client, auth, scene, make_argument
):
    debate = scene
    strong = make_argument(debate, body="Talks let the herders and the farmers be heard first.")
    make_argument(debate, stance="con", body="An armed group should not gain a seat at the table.")
    auth.login("sira@example.org", PASSWORD)
    html = client.get(f"/d/{debate.slug}/circles/kit").get_data(as_text=True)
    assert debate.motion in html
    assert strong.body in html and "An armed group should not gain a seat" in html
    assert "Respect every community" in html  # the ground rules
    for community in ("Fulani herders", "Dogon farmers", "No community named"):
        assert f'<th scope="row">{community}</th>' in html
    assert "<svg" in html and f"/d/{debate.slug}/circles/new</code>" in html
    auth.logout()
    auth.login("organiser@example.org", PASSWORD)
    assert client.get(f"/d/{debate.slug}/circles/kit").status_code == 403


def test_a_correction_is_a_new_entry_that_stands_in_once_confirmed(client, auth, scene):
    debate = scene
    auth.login("sira@example.org", PASSWORD)
    post(client, f"/d/{debate.slug}/circles/new", sheet(debate))
    first = db.session.scalar(select(Circle))
    auth.logout()
    auth.login("oumar@example.org", PASSWORD)
    post(client, f"/d/{debate.slug}/circles/{first.id}/confirm")
    # Oumar corrects it: the form starts from the confirmed figures.
    url = f"/d/{debate.slug}/circles/{first.id}/correct"
    form_page = client.get(url).get_data(as_text=True)
    assert 'value="Mopti"' in form_page and 'value="12"' in form_page
    corrected = sheet(debate, **{"counts-0-attendance": "13", "counts-0-closing_for": "10"})
    assert post(client, url, corrected).status_code == 302
    second = db.session.scalar(select(Circle).where(Circle.corrects_id == first.id))
    assert second.confirmed_at is None
    # Until confirmed, the public still reads the first figures.
    auth.logout()
    html = client.get(f"/d/{debate.slug}/circles").text
    assert "12 came" in html and "13 came" not in html
    auth.login("sira@example.org", PASSWORD)
    assert post(client, f"/d/{debate.slug}/circles/{second.id}/confirm").status_code == 302
    auth.logout()
    html = client.get(f"/d/{debate.slug}/circles").text
    assert "13 came" in html and "12 came" not in html
    assert "Corrected figures: they replace those entered on" in html
    actions = db.session.scalars(select(LogEntry.action).order_by(LogEntry.id)).all()
    assert actions[-4:] == [
        "circle_recorded",
        "circle_confirmed",
        "circle_corrected",
        "circle_confirmed",
    ]
    assert db.session.get(Circle, first.id) is not None  # kept


def test_small_communities_cannot_be_worked_out_from_what_is_public(app, scene):
    """Everything public about a circle, read together: the lines, the circle's total and
    the report's totals. A community of fewer than 5 is in none of them on its own; small
    communities that come to 5 together are one line."""
    from deliberate.models import User

    debate = scene
    sira, oumar = (
        db.session.scalar(select(User).where(User.pseudonym == f"Mediator {name}"))
        for name in ("Sira", "Oumar")
    )
    herders, farmers = moderation.communities(debate)
    circle = services.record(
        standing(sira, debate),
        debate,
        utcnow().date(),
        "Mopti",
        [
            services.Count(herders.id, 3, (1, 1, 1), (2, 1, 0)),
            services.Count(farmers.id, 4, (4, 0, 0), (3, 1, 0)),
            services.Count(None, 9, (3, 3, 3), (5, 2, 2)),
        ],
    )
    services.confirm(standing(oumar, debate), debate, circle)
    db.session.commit()
    rows = services.public(circle)
    assert [(r.name, r.attendance) for r in rows] == [(None, 9), (services.OTHERS, 7)]
    assert rows[1].opening == (5, 1, 1) and rows[1].closing == (5, 2, 0)
    totals = services.hands(debate)
    assert totals["people"] == 16 == sum(r.attendance for r in rows)
    # A lone small community is left out altogether, from the total too.
    alone = services.record(
        standing(sira, debate),
        debate,
        utcnow().date(),
        "Ségou",
        [
            services.Count(herders.id, 6, (2, 2, 2), (3, 2, 1)),
            services.Count(farmers.id, 2, (2, 0, 0), (0, 2, 0)),
        ],
    )
    services.confirm(standing(oumar, debate), debate, alone)
    db.session.commit()
    assert [(r.name, r.attendance) for r in services.public(alone)] == [("Fulani herders", 6)]
    assert services.hands(debate)["people"] == 22
