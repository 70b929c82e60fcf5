"""Groups (members, roles, trusted mediators, log, suspension) and private debates: to
anyone not admitted a private debate does not exist, with the same 404 as a missing one,
on every page, download and API answer, and nothing of it shows in lists or counts."""

import pytest
from sqlalchemy import select

from deliberate.debates import services as debates
from deliberate.errors import Conflict, NotAllowed
from deliberate.extensions import db
from deliberate.groups import services as groups
from deliberate.groups.models import Group, GroupLogEntry, GroupRole
from deliberate.invitations import services as invitations
from deliberate.models import Audience, Debate, Phase, Position
from deliberate.moderation import services as moderation

from .conftest import post


def login(client, email):
    response = post(client, "/login", {"email": email, "password": "correct horse battery"})
    assert response.status_code == 302, response.text[:300]


@pytest.fixture
def people(make_user):
    return {
        name: make_user(pseudonym=name, email=f"{name.lower()}@example.org")
        for name in ("Awa", "Boubacar", "Coumba", "Drissa", "Outsider")
    }


@pytest.fixture
def group(app, people):
    """Awa's group: Boubacar facilitates, Coumba is a member."""
    group = groups.create(people["Awa"], "Mopti peace association", "We talk about peace.")
    awa = groups.standing(people["Awa"], group)
    groups.add_member(awa, group, "Boubacar", GroupRole.FACILITATOR)
    groups.add_member(awa, group, "coumba", GroupRole.MEMBER)  # pseudonyms compare folded
    db.session.commit()
    return group


def private_debate(group, organiser, motion="Should the association meet the armed group?"):
    debate = debates.start_debate(organiser, motion, "", group=group, audience=Audience.PRIVATE)
    moderation.change_phase(debates.standing(organiser, debate), debate, Phase.OPEN)
    db.session.commit()
    return debate


def test_a_group_keeps_its_roles_and_logs_every_change(app, people, group):
    roles = {m.user.pseudonym: m.role for m in groups.members(group)}
    assert roles == {
        "Awa": GroupRole.ADMIN,
        "Boubacar": GroupRole.FACILITATOR,
        "Coumba": GroupRole.MEMBER,
    }
    awa = groups.standing(people["Awa"], group)
    with pytest.raises(Conflict):  # the last admin stays
        groups.change_role(awa, group, people["Awa"].id, GroupRole.MEMBER)
    with pytest.raises(NotAllowed):  # a facilitator does not manage members
        groups.add_member(
            groups.standing(people["Boubacar"], group), group, "Drissa", GroupRole.MEMBER
        )
    groups.change_role(awa, group, people["Coumba"].id, GroupRole.FACILITATOR)
    groups.add_mediator(awa, group, "Drissa")
    groups.remove_member(groups.standing(people["Coumba"], group), group, people["Coumba"].id)
    db.session.commit()
    actions = db.session.scalars(
        select(GroupLogEntry.action)
        .where(GroupLogEntry.group_id == group.id)
        .order_by(GroupLogEntry.id)
    ).all()
    assert actions == [
        "created",
        "member_added",
        "member_added",
        "role_changed",
        "mediator_added",
        "member_removed",
    ]


def test_group_pages_show_each_person_what_their_role_allows(app, client, people, group):
    slug = group.slug
    private_debate(group, people["Boubacar"])
    public = debates.start_debate(
        people["Boubacar"], "Should the association open a radio?", "", group=group
    )
    moderation.change_phase(debates.standing(people["Boubacar"], public), public, Phase.OPEN)
    db.session.commit()

    page = client.get(f"/g/{slug}").text  # anyone: the name, its public debates only
    assert "Mopti peace association" in page and "open a radio" in page
    assert "armed group" not in page and "members" not in page
    assert client.get(f"/g/{slug}/members").status_code == 302  # to log in
    login(client, "outsider@example.org")
    assert client.get(f"/g/{slug}/members").status_code == 404
    assert client.get(f"/g/{slug}/log").status_code == 404
    assert post(client, f"/g/{slug}/members", {"member-pseudonym": "Outsider"}).status_code == 403
    post(client, "/logout", {})

    login(client, "coumba@example.org")
    page = client.get(f"/g/{slug}").text
    assert "armed group" in page and "3 members" in page
    members = client.get(f"/g/{slug}/members").text
    assert "Boubacar" in members and "Add a member" not in members
    log = client.get(f"/g/{slug}/log").text
    assert "added Boubacar as facilitator" in log
    post(client, "/logout", {})

    login(client, "awa@example.org")
    response = post(
        client, f"/g/{slug}/members", {"member-pseudonym": "Nobody here", "member-role": "member"}
    )
    assert response.status_code == 400 and "No account has this pseudonym." in response.text
    assert 'value="Nobody here"' in response.text  # what was typed is kept
    response = post(
        client, f"/g/{slug}/members", {"member-pseudonym": "Drissa", "member-role": "member"}
    )
    assert response.status_code == 302
    client.get("/language/fr")
    assert "a ajouté Drissa comme membre" in client.get(f"/g/{slug}/log").text


def test_a_private_debate_does_not_exist_for_anyone_not_admitted(app, client, people, group):
    debate = private_debate(group, people["Boubacar"])
    slug = debate.slug
    urls = [
        f"/d/{slug}",
        f"/d/{slug}/report",
        f"/d/{slug}/moderation",
        f"/d/{slug}/agreement",
        f"/d/{slug}/revisions",
        f"/d/{slug}/export/comments.csv",
        f"/d/{slug}/export/moderation-log.csv",
        f"/api/v1/debates/{slug}",
        f"/api/v1/debates/{slug}/results",
        f"/api/v1/debates/{slug}/moderation-log",
    ]
    missing = client.get("/d/no-such-debate")
    for who in (None, "outsider@example.org"):
        if who:
            login(client, who)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 404, (who, url)
            if response.mimetype == "text/html":
                assert response.text == missing.text.replace("no-such-debate", slug) or (
                    "armed group" not in response.text
                ), url
        assert "armed group" not in client.get("/").text
        assert slug not in str(client.get("/api/v1/debates").get_json())
        assert "armed group" not in client.get(f"/g/{group.slug}").text
        # No form reaches into it either.
        assert post(
            client, f"/d/{slug}/join", {"position": "for", "accept_rules": "y"}
        ).status_code in (302, 404)
    post(client, "/logout", {})

    for member in ("coumba@example.org", "boubacar@example.org", "awa@example.org"):
        login(client, member)
        page = client.get(f"/d/{slug}")
        assert page.status_code == 200 and "armed group" in page.text, member
        assert page.headers["X-Robots-Tag"] == "noindex"
        assert client.get(f"/d/{slug}/report").status_code == 200
        post(client, "/logout", {})


def test_an_invitation_lets_someone_into_a_private_debate(app, client, people, group):
    debate = private_debate(group, people["Boubacar"])
    invitation = invitations.create(
        debates.standing(people["Boubacar"], debate), debate, "Workshop", 5, 7
    )
    db.session.commit()
    login(client, "outsider@example.org")
    assert client.get(f"/d/{debate.slug}").status_code == 404
    landing = client.get(f"/i/{invitation.token}")
    assert landing.status_code == 200 and "armed group" in landing.text
    response = post(client, f"/i/{invitation.token}", {})
    assert response.headers["Location"].endswith(f"/d/{debate.slug}#join")
    assert client.get(f"/d/{debate.slug}").status_code == 200
    joined = post(client, f"/d/{debate.slug}/join", {"position": "against", "accept_rules": "y"})
    assert joined.status_code == 302
    assert (
        debates.standing(people["Outsider"], debate).participant.position_before is Position.AGAINST
    )


def test_a_page_cached_while_public_is_not_served_once_private(app, client, people, group):
    debate = debates.start_debate(
        people["Boubacar"], "Should the association keep its accounts public?", "", group=group
    )
    moderation.change_phase(debates.standing(people["Boubacar"], debate), debate, Phase.OPEN)
    db.session.commit()
    reader = app.test_client()
    assert reader.get(f"/d/{debate.slug}").status_code == 200
    assert reader.get(f"/d/{debate.slug}").status_code == 200  # from the page cache
    login(client, "boubacar@example.org")
    assert post(client, f"/d/{debate.slug}/audience", {"audience": "private"}).status_code == 302
    assert reader.get(f"/d/{debate.slug}").status_code == 404
    assert db.session.get(Debate, debate.id).audience is Audience.PRIVATE


def test_only_those_running_the_group_start_its_debates(app, client, people, group):
    login(client, "coumba@example.org")
    page = client.get("/debates/new").text
    assert "Run by" not in page  # a member runs no group debate: no choice offered
    response = post(
        client,
        "/debates/new",
        {
            "format": "motion",
            "motion": "Should the group buy a generator?",
            "audience": "private",
            "group": group.slug,
        },
    )
    assert response.status_code == 400  # not one of the offered choices
    post(client, "/logout", {})
    login(client, "boubacar@example.org")
    page = client.get(f"/debates/new?group={group.slug}").text
    assert f'<option selected value="{group.slug}">' in page
    response = post(
        client,
        "/debates/new",
        {
            "format": "motion",
            "motion": "Should the group buy a generator?",
            "audience": "private",
            "group": group.slug,
        },
    )
    assert response.status_code == 302
    debate = db.session.scalar(
        select(Debate).where(Debate.motion == "Should the group buy a generator?")
    )
    assert debate.group_id == group.id and debate.audience is Audience.PRIVATE
    assert "started the debate" in client.get(f"/g/{group.slug}/log").text
    # Its organisers appoint mediators from the pool the group trusts.
    groups.add_mediator(groups.standing(people["Awa"], group), group, "Drissa")
    db.session.commit()
    assert "Mediators your group trusts: Drissa." in client.get(f"/d/{debate.slug}/manage").text


def test_a_site_admin_suspends_a_group_and_its_members_read_why(
    app, client, make_user, people, group
):
    make_user(pseudonym="Admin", email="admin@example.org", is_admin=True)
    app.config["REQUIRE_STAFF_TOTP"] = False
    login(client, "awa@example.org")
    assert client.get(f"/g/{group.slug}/suspension").status_code == 403
    post(client, "/logout", {})
    login(client, "admin@example.org")
    response = post(client, f"/g/{group.slug}/suspension", {"reason": ""})
    assert response.status_code == 400
    response = post(client, f"/g/{group.slug}/suspension", {"reason": "Reports of threats"})
    assert response.status_code == 302
    post(client, "/logout", {})
    assert db.session.get(Group, group.id).suspended
    with pytest.raises(NotAllowed):
        debates.start_debate(
            people["Boubacar"], "Should the group meet again soon?", "", group=group
        )
    login(client, "coumba@example.org")
    assert "Reports of threats" in client.get(f"/g/{group.slug}/log").text
    assert "Reports of threats" in client.get(f"/g/{group.slug}").text


def test_every_page_of_a_private_debate_answers_an_outsider_as_for_a_missing_one(
    app, client, people, group
):
    """Every GET route about a debate (<slug>), including any added later: to an outsider a
    private debate answers exactly what a debate that does not exist answers."""
    debate = private_debate(group, people["Boubacar"])
    login(client, "outsider@example.org")
    checked = 0
    for rule in app.url_map.iter_rules():
        if "slug" not in rule.arguments or "GET" not in rule.methods:
            continue
        values = {name: 1 for name in rule.arguments if name != "slug"}
        values |= {"kind": "comments.csv"} if "kind" in rule.arguments else {}
        private = client.get(rule.build({**values, "slug": debate.slug})[1])
        missing = client.get(rule.build({**values, "slug": "no-such-debate-at-all"})[1])
        assert (private.status_code, rule.rule) == (missing.status_code, rule.rule)
        assert private.status_code in (302, 404), rule.rule
        assert b"armed group" not in private.data, rule.rule
        checked += 1
    assert checked > 25


def test_someone_removed_from_the_group_loses_its_private_debates(app, client, people, group):
    """Joining a private debate does not keep one in it: a group admin who finds out an
    informer removes them from the group, and every page of it is gone for them at once."""
    debate = private_debate(group, people["Boubacar"])
    login(client, "coumba@example.org")
    joined = post(client, f"/d/{debate.slug}/join", {"position": "for", "accept_rules": "y"})
    assert joined.status_code == 302
    assert client.get(f"/d/{debate.slug}").status_code == 200
    awa = groups.standing(people["Awa"], group)
    groups.remove_member(awa, group, people["Coumba"].id)
    db.session.commit()
    for url in (f"/d/{debate.slug}", f"/d/{debate.slug}/report", f"/g/{group.slug}/log"):
        assert client.get(url).status_code == 404, url
    vote = post(client, f"/d/{debate.slug}/position", {"position": "against"})
    assert vote.status_code == 404
