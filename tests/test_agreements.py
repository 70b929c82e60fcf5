"""The agreement: mediators write numbered points, participants endorse or object to them,
and a point is ratified by a majority of every community of 5 or more."""

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from deliberate.agreements import services as agreements
from deliberate.agreements.models import AgreementPoint, Endorsement, PointKind
from deliberate.errors import InvalidInput, NotAllowed
from deliberate.extensions import db
from deliberate.models import Phase, Visibility
from deliberate.moderation import services as moderation
from deliberate.moderation.models import LogEntry, Notification, Role

from .conftest import count_queries, post, standing

TEXT = "Both sides agree that the well must be shared by every village."


def login(client, email):
    response = post(client, "/login", {"email": email, "password": "correct horse battery"})
    assert response.status_code == 302


def log_actions(debate) -> list[str]:
    return list(
        db.session.scalars(
            select(LogEntry.action)
            .where(LogEntry.debate_id == debate.id, LogEntry.action.like("agreement_%"))
            .order_by(LogEntry.id)
        )
    )


def numbered(debate) -> list[tuple[int, str]]:
    return [(p.number, p.text) for p in agreements.points(debate)]


def answers(point) -> list[int]:
    return list(
        db.session.scalars(select(Endorsement.value).where(Endorsement.point_id == point.id))
    )


@pytest.fixture
def debate(make_user, make_debate):
    """An open debate with an organiser and a mediator (mediator@example.org)."""
    organiser = make_user(pseudonym="Organiser Awa", email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    make_user(pseudonym="Mediator Sekou", email="mediator@example.org")
    moderation.appoint_accepted(
        standing(organiser, debate), debate, "Mediator Sekou", Role.MEDIATOR
    )
    db.session.commit()
    return debate


@pytest.fixture
def mediator(debate):
    return next(r.user for r in moderation.active_roles(debate) if r.role is Role.MEDIATOR)


@pytest.fixture
def add(debate, mediator):
    """Add a point as the debate's mediator."""

    def add(text=TEXT, kind="common_ground", argument_ids=(), on=None):
        on = on or debate
        point = agreements.add_point(standing(mediator, on), on, kind, text, argument_ids)
        db.session.commit()
        return point

    return add


# --- drafting -----------------------------------------------------------------------------


def test_the_mediator_adds_edits_and_removes_points_and_the_numbers_stay_1_to_n(
    client, debate, make_argument
):
    argument = make_argument(debate)
    login(client, "mediator@example.org")
    url = f"/d/{debate.slug}/agreement/points"
    for n, kind in enumerate(["common_ground", "disagreement", "next_step"], start=1):
        response = post(
            client,
            url,
            {"kind": kind, "text": f"Point number {n}, written carefully.", "arguments": ""},
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/d/{debate.slug}/agreement#p{n}")
    assert [n for n, _text in numbered(debate)] == [1, 2, 3]
    second = agreements.points(debate)[1]

    edit = f"{url}/{second.id}/edit"
    assert client.get(edit).status_code == 200
    response = post(
        client,
        edit,
        {
            "kind": "disagreement",
            "text": "A reworded second point.",
            "arguments": f"#{argument.id}",
        },
    )
    assert response.status_code == 302
    db.session.refresh(second)
    assert second.text == "A reworded second point." and second.arguments == [argument]

    first = agreements.points(debate)[0]
    assert post(client, f"{url}/{first.id}/remove").status_code == 302
    assert numbered(debate) == [
        (1, "A reworded second point."),
        (2, "Point number 3, written carefully."),
    ]
    # Removing the last one and then the middle keeps the sequence too.
    add_more = {"kind": "next_step", "text": "A fourth point to remove.", "arguments": ""}
    post(client, url, add_more)
    middle = agreements.points(debate)[1]
    assert post(client, f"{url}/{middle.id}/remove").status_code == 302
    assert [n for n, _text in numbered(debate)] == [1, 2]
    assert log_actions(debate) == [
        "agreement_point_added",
        "agreement_point_added",
        "agreement_point_added",
        "agreement_point_edited",
        "agreement_point_removed",
        "agreement_point_added",
        "agreement_point_removed",
    ]
    entry = db.session.scalars(select(LogEntry).order_by(LogEntry.id.desc())).first()
    assert entry.actor.pseudonym == "Mediator Sekou" and entry.actor_role == "mediator"
    assert "Point number 3" in entry.reason
    log_page = client.get(f"/d/{debate.slug}/moderation").get_data(as_text=True)
    assert "removed a point from the agreement" in log_page


@pytest.mark.parametrize("email", [None, "organiser@example.org", "participant@example.org"])
def test_only_mediators_draft_the_agreement(client, debate, add, make_user, join, email):
    point = add()
    join(make_user(email="participant@example.org"), debate)
    if email:
        login(client, email)
    base = f"/d/{debate.slug}/agreement/points"
    data = {"kind": "next_step", "text": "A point someone else wrote.", "arguments": ""}
    for url in (base, f"{base}/{point.id}/edit", f"{base}/{point.id}/remove"):
        response = post(client, url, data)
        if email:
            assert response.status_code == 403, url
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert numbered(debate) == [(1, TEXT)]
    if email:
        assert client.get(f"{base}/{point.id}/edit").status_code == 403
    with pytest.raises(NotAllowed):
        agreements.add_point(standing(debate.organiser, debate), debate, "next_step", TEXT)


def test_mediators_stay_neutral_and_cannot_endorse(client, debate, add, mediator):
    point = add()
    login(client, "mediator@example.org")
    response = post(client, f"/d/{debate.slug}/agreement/points/{point.id}/endorse", {"value": "1"})
    assert response.status_code == 403
    assert "Mediators stay neutral" in response.get_data(as_text=True)
    assert answers(point) == []
    html = client.get(f"/d/{debate.slug}/agreement").get_data(as_text=True)
    assert "/endorse" not in html and "/agreement/points" in html


def test_a_point_of_another_debate_is_not_found(client, debate, add, make_debate):
    other = make_debate(motion="Should the other town pave its road?")
    point = add()
    login(client, "mediator@example.org")
    response = client.get(f"/d/{other.slug}/agreement/points/{point.id}/edit")
    assert response.status_code == 404
    assert client.get(f"/d/{debate.slug}/agreement/points/999999/edit").status_code == 404


# --- endorsing ----------------------------------------------------------------------------


def test_a_participant_endorses_objects_and_withdraws_with_one_row(
    client, debate, add, make_user, join
):
    point = add()
    join(make_user(email="participant@example.org"), debate)
    login(client, "participant@example.org")
    url = f"/d/{debate.slug}/agreement/points/{point.id}/endorse"
    page = f"/d/{debate.slug}/agreement"

    response = post(client, url, {"value": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#p1")
    assert answers(point) == [1]
    # The participant sees their answer pressed; the page gives no total that would say it
    # to others (one person outside any community shown: test_no_overall_figure_...).
    html = client.get(page).get_data(as_text=True)
    assert 'value="1" class="vote" aria-pressed="true"' in html and "1 endorsement" not in html
    assert post(client, url, {"value": "1"}).status_code == 302  # again: no second row
    assert answers(point) == [1]
    assert post(client, url, {"value": "-1"}).status_code == 302
    assert answers(point) == [-1]
    html = client.get(page).get_data(as_text=True)
    assert "1 objection" not in html and "Withdraw my answer" in html
    assert re.search(r'value="-1" class="vote" aria-pressed="true"', html)
    assert post(client, url, {"value": ""}).status_code == 302
    assert answers(point) == []
    assert post(client, url, {"value": "2"}).status_code == 400
    assert post(client, url, {}).status_code == 400
    assert answers(point) == []


def test_endorsing_needs_a_participant(client, debate, add, make_user):
    point = add()
    make_user(email="visitor@example.org")
    login(client, "visitor@example.org")
    response = post(client, f"/d/{debate.slug}/agreement/points/{point.id}/endorse", {"value": "1"})
    assert response.status_code == 403 and "Record your position" in response.get_data(as_text=True)
    html = client.get(f"/d/{debate.slug}/agreement").get_data(as_text=True)
    assert "Record your position" in html and "/endorse" not in html


def test_the_database_refuses_a_second_answer_and_bad_values(app, debate, add, make_user, join):
    point = add()
    who = join(make_user(), debate)
    agreements.endorse(who, point, 1)
    db.session.commit()
    for row in (
        Endorsement(point_id=point.id, user_id=who.user.id, value=-1),
        Endorsement(point_id=point.id, user_id=make_user().id, value=2),
    ):
        db.session.add(row)
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert answers(point) == [1]


def test_a_racing_second_insert_changes_the_one_row(app, debate, add, make_user, join):
    point = add()
    who = join(make_user(), debate)
    # The other request's row, committed after this one looked and found none.
    db.session.add(Endorsement(point_id=point.id, user_id=who.user.id, value=1))
    db.session.commit()
    original = db.session.scalar

    def stale_lookup(statement, *args, **kwargs):
        if "FROM endorsement" in str(statement):
            return None  # what this request saw before the other one committed
        return original(statement, *args, **kwargs)

    db.session.scalar = stale_lookup
    try:
        agreements.endorse(who, point, -1)
    finally:
        del db.session.scalar
    db.session.commit()
    assert answers(point) == [-1]


# --- ratification -------------------------------------------------------------------------


@pytest.fixture
def communities(debate, make_user, join):
    """Herders (5 members), Farmers (6) and Youth (4): returns {name: [standings]}."""
    moderation.set_communities(
        standing(debate.organiser, debate), debate, ["Herders", "Farmers", "Youth"]
    )
    db.session.commit()
    members = {}
    for community, size in zip(moderation.communities(debate), (5, 6, 4), strict=True):
        members[community.name] = []
        for n in range(size):
            user = make_user(pseudonym=f"{community.name} member {n}")
            moderation.declare_community(join(user, debate), debate, community.id)
            members[community.name].append(standing(user, debate))
    db.session.commit()
    return members


def answer(members, point, value):
    for who in members:
        agreements.endorse(who, point, value)
    db.session.commit()


def test_a_point_is_ratified_by_a_majority_of_every_community_of_five_or_more(
    client, debate, add, communities
):
    point = add()
    answer(communities["Herders"][:3], point, 1)
    answer(communities["Herders"][3:], point, -1)
    answer(communities["Farmers"][:3], point, 1)  # 3 of 6 is half, not a majority
    answer(communities["Youth"], point, -1)
    tally = agreements.tallies(debate)[point.id]
    assert (tally.endorsements, tally.objections) == (6, 6)
    assert [(c.name, c.members, c.endorsements, c.objections) for c in tally.communities] == [
        ("Herders", 5, 3, 2),
        ("Farmers", 6, 3, 0),
    ]
    assert [c.has_majority for c in tally.communities] == [True, False]
    assert not tally.ratified
    assert "Ratified" not in client.get(f"/d/{debate.slug}/agreement").get_data(as_text=True)

    answer(communities["Farmers"][3:4], point, 1)
    tally = agreements.tallies(debate)[point.id]
    assert tally.ratified and tally.communities[1].endorsements == 4
    html = client.get(f"/d/{debate.slug}/agreement").get_data(as_text=True)
    assert "Ratified" in html and "1 ratified" in html
    assert (
        "Herders: 3 of 5 endorse, 2 object" in html and "Farmers: 4 of 6 endorse, 0 object" in html
    )
    # A majority of those who answered is not enough: it takes a majority of the community.
    answer(communities["Herders"][1:3], point, None)
    assert not agreements.tallies(debate)[point.id].ratified


def test_a_community_under_five_is_never_shown_and_cannot_ratify(client, debate, add, communities):
    point = add()
    answer(communities["Youth"], point, 1)
    html = client.get(f"/d/{debate.slug}/agreement").get_data(as_text=True)
    # The four of them are everyone outside Herders and Farmers: no total says they endorsed.
    assert "4 endorsements" not in html
    assert "Herders: 0 of 5 endorse" in html and "Youth" not in html
    tally = agreements.tallies(debate)[point.id]
    assert "Youth" not in {c.name for c in tally.communities}
    assert not tally.ratified


def test_no_community_of_five_means_no_ratification(client, debate, add, make_user, join):
    point = add()
    for _n in range(6):
        agreements.endorse(join(make_user(), debate), point, 1)
    db.session.commit()
    tally = agreements.tallies(debate)[point.id]
    assert tally.endorsements == 6 and tally.communities == () and not tally.ratified
    html = client.get(f"/d/{debate.slug}/agreement").get_data(as_text=True)
    assert "No community has 5 declared participants yet" in html


def test_tallies_take_the_same_number_of_queries_for_3_or_30_points(
    app, debate, add, communities, make_debate, mediator
):
    def queries(target):
        db.session.expire_all()
        assert target.id  # loaded before counting, as a view has it
        with count_queries(db.engine) as counter:
            result = agreements.tallies(target)
        return counter.count, result

    few = debate
    many = make_debate(motion="Should the market move to the river bank?")
    moderation.appoint_accepted(
        standing(many.organiser, many), many, mediator.pseudonym, Role.MEDIATOR
    )
    db.session.commit()
    for n in range(3):
        point = add(f"Point {n} of the small agreement.")
        answer(communities["Herders"] + communities["Farmers"][:n], point, 1)
    for n in range(30):
        add(f"Point {n} of the large agreement.", on=many)
    small, small_result = queries(few)
    large, large_result = queries(many)
    assert small == large <= 2
    assert len(small_result) == 3 and len(large_result) == 30
    assert sorted(t.endorsements for t in small_result.values()) == [5, 6, 7]


# --- the page -----------------------------------------------------------------------------


def test_the_page_is_public_and_read_only_for_anonymous_readers(client, debate, add, make_argument):
    argument = make_argument(debate, body="The well near the market serves everyone.")
    add(argument_ids=[argument.id])
    add("Meet again in March to plan the work.", kind="next_step")
    response = client.get(f"/d/{debate.slug}/agreement")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Agreement · " in html
    assert "Point 1 · Common ground" in html and "Point 2 · Next step" in html
    assert f'href="/d/{debate.slug}/a/{argument.id}"' in html
    assert "The well near the market serves everyone." in html
    assert "/endorse" not in html and "/agreement/points" not in html
    assert "Edit point" not in html and 'name="value"' not in html
    assert "Log in to take part." in html


def test_a_draft_debate_has_no_public_agreement(client, make_debate):
    draft = make_debate(phase="draft")
    assert client.get(f"/d/{draft.slug}/agreement").status_code == 404


def test_an_empty_agreement_says_so(client, debate):
    html = client.get(f"/d/{debate.slug}/agreement").get_data(as_text=True)
    assert "The mediators have not written any point yet." in html


def test_an_argument_of_another_debate_is_refused_with_the_form_kept(
    client, debate, mediator, make_debate, make_argument
):
    other = make_debate(motion="Should the other town pave its road?")
    foreign = make_argument(other)
    login(client, "mediator@example.org")
    data = {"kind": "common_ground", "text": TEXT, "arguments": str(foreign.id)}
    response = post(client, f"/d/{debate.slug}/agreement/points", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f"These arguments belong to another debate: {foreign.id}." in html
    assert TEXT in html
    response = post(client, f"/d/{debate.slug}/agreement/points", data | {"arguments": "999999"})
    assert response.status_code == 400
    assert "There is no argument with these ids: 999999." in response.get_data(as_text=True)
    response = post(client, f"/d/{debate.slug}/agreement/points", data | {"arguments": "12, x"})
    assert response.status_code == 400
    assert "Type argument ids separated by commas" in response.get_data(as_text=True)
    assert agreements.points(debate) == []
    with pytest.raises(InvalidInput):
        agreements.add_point(
            standing(mediator, debate), debate, "common_ground", TEXT, [foreign.id]
        )


def test_an_invalid_point_keeps_the_typed_text(client, debate, add):
    point = add()
    login(client, "mediator@example.org")
    response = post(
        client,
        f"/d/{debate.slug}/agreement/points",
        {"kind": "next_step", "text": "Too short", "arguments": ""},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Write between 10 and 2000 characters." in html and "Too short</textarea>" in html
    response = post(
        client,
        f"/d/{debate.slug}/agreement/points/{point.id}/edit",
        {"kind": "nonsense", "text": "A kept draft of the edit.", "arguments": ""},
    )
    assert response.status_code == 400
    assert "A kept draft of the edit.</textarea>" in response.get_data(as_text=True)
    assert numbered(debate) == [(1, TEXT)]


def test_any_change_of_substance_reopens_endorsement_and_tells_who_answered(
    app, debate, add, mediator, make_user, join, make_argument
):
    point = add()
    argument, other = make_argument(debate), make_argument(debate)
    endorser = make_user()
    agreements.endorse(join(endorser, debate), point, 1)
    db.session.commit()
    who = standing(mediator, debate)
    assert agreements.edit_point(who, point, "common_ground", TEXT, []) == 0  # no change
    assert answers(point) == [1]
    # Citing other arguments changes what the endorsers endorsed: their answers go.
    assert agreements.edit_point(who, point, "common_ground", TEXT, [argument.id]) == 1
    db.session.commit()
    assert answers(point) == []
    assert notices(endorser) == ["agreement_reopened"]
    agreements.endorse(standing(endorser, debate), point, 1)
    assert agreements.edit_point(who, point, "common_ground", TEXT, [other.id]) == 1
    agreements.endorse(standing(endorser, debate), point, 1)
    assert agreements.edit_point(who, point, PointKind.DISAGREEMENT, TEXT, [other.id]) == 1
    db.session.commit()
    assert answers(point) == [] and point.kind is PointKind.DISAGREEMENT
    assert db.session.scalar(select(func.count()).select_from(AgreementPoint)) == 1


def notices(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == user.id, Notification.kind.like("agreement_%"))
            .order_by(Notification.id)
        )
    )


def test_caucuses_chosen_before_opening_ratify_whatever_their_size(
    client, make_user, make_debate, join
):
    organiser = make_user(email="organiser@example.org")
    debate = make_debate(organiser=organiser, phase="draft")
    running = standing(organiser, debate)
    moderation.set_communities(running, debate, ["Herders", "Women's associations", "Youth"])
    herders, women, youth = moderation.communities(debate)
    db.session.commit()
    login(client, "organiser@example.org")
    response = post(
        client,
        f"/d/{debate.slug}/caucuses",
        {"caucuses": [str(herders.id), str(women.id)], "percent": "67"},
    )
    assert response.status_code == 302
    assert (herders.caucus, women.caucus, youth.caucus, debate.ratify_percent) == (
        True,
        True,
        False,
        67,
    )
    moderation.change_phase(running, debate, Phase.OPEN)
    mediator = make_user(pseudonym="Mediator Sekou")
    moderation.appoint_accepted(running, debate, "Mediator Sekou", Role.MEDIATOR)
    db.session.commit()
    refused = post(client, f"/d/{debate.slug}/caucuses", {"caucuses": [], "percent": "50"})
    assert refused.status_code == 409 and herders.caucus  # chosen before opening, for good
    members = {}
    for community, size in ((herders, 5), (women, 2), (youth, 4)):
        members[community.name] = []
        for _ in range(size):
            who = join(make_user(), debate)
            moderation.declare_community(who, debate, community.id)
            members[community.name].append(standing(who.user, debate))
    db.session.commit()
    point = agreements.add_point(standing(mediator, debate), debate, "common_ground", TEXT)
    db.session.commit()
    answer(members["Herders"][:4], point, 1)  # 80%: at least two thirds
    answer(members["Women's associations"][:1], point, 1)  # 1 of 2: not yet
    html = client.get(f"/d/{debate.slug}/agreement").get_data(as_text=True)
    assert "Herders: 4 of 5 endorse, 0 object" in html
    assert "Women&#39;s associations: not yet" in html and "of 2" not in html
    assert "at least two thirds of its declared members" in html
    assert "Youth" not in html and "Ratified" not in html
    answer(members["Women's associations"][1:], point, 1)
    html = client.get(f"/d/{debate.slug}/agreement").get_data(as_text=True)
    assert "Women&#39;s associations: <b>ratified</b>" in html and "Ratified" in html
    assert agreements.ratified_points(debate) == [point]
    # Three of five herders is more than half, but short of two thirds.
    answer(members["Herders"][3:4], point, None)
    assert not agreements.tallies(debate)[point.id].ratified


def test_a_cited_argument_that_moderation_hides_is_linked_but_never_quoted(
    client, debate, add, make_argument
):
    argument = make_argument(debate, body="Words a mediator had to hide from the page.")
    add(argument_ids=[argument.id])
    argument.visibility = Visibility.HIDDEN
    db.session.commit()
    html = client.get(f"/d/{debate.slug}/agreement").get_data(as_text=True)
    assert f"/a/{argument.id}" in html and "Words a mediator had to hide" not in html


def test_no_overall_figure_gives_away_the_answers_of_a_few_people(
    client, make_user, make_debate, join
):
    """The overall endorsements minus the herders' are the answers of everyone else: when
    that is two women, the overall figures are not shown (only the caucuses' own)."""
    organiser = make_user()
    debate = make_debate(organiser=organiser, phase="draft")
    running = standing(organiser, debate)
    moderation.set_communities(running, debate, ["Herders", "Women's associations"])
    herders, women = moderation.communities(debate)
    moderation.change_phase(running, debate, Phase.OPEN)
    mediator = make_user(pseudonym="Mediator Sekou")
    moderation.appoint_accepted(running, debate, "Mediator Sekou", Role.MEDIATOR)
    people = []
    for community, size in ((herders, 5), (women, 2)):
        for _ in range(size):
            who = join(make_user(), debate)
            moderation.declare_community(who, debate, community.id)
            people.append(standing(who.user, debate))
    db.session.commit()
    point = agreements.add_point(standing(mediator, debate), debate, "common_ground", TEXT)
    db.session.commit()
    answer(people, point, 1)
    html = client.get(f"/d/{debate.slug}/agreement").get_data(as_text=True)
    assert "Herders: 5 of 5 endorse, 0 object" in html
    assert "7 endorsements" not in html and "objection" not in html
    assert not agreements.tallies(debate)[point.id].totals_shown
    # Five more, undeclared: the rest is now seven people, and the totals return.
    for _ in range(5):
        join(make_user(), debate)
    db.session.commit()
    assert agreements.tallies(debate)[point.id].totals_shown
