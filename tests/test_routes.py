"""Every route, by every kind of user: the expected status, on an open debate.

Roles: anonymous; "visitor" (logged in, has not joined the debate); "participant" (joined);
"author" (joined, wrote the argument under test); "organiser" (started the debate);
"mediator" (appointed, independent). POSTs carry a valid CSRF token and valid data, so any
refusal is about who asks. 302 means done or, for anonymous users on a page that needs an
account, sent to log in.
"""

import pytest

from deliberate.agreements import services as agreements
from deliberate.agreements.models import PointKind
from deliberate.extensions import db
from deliberate.moderation import review, sanctions
from deliberate.moderation import services as moderation
from deliberate.moderation.models import DebateRole, Role, SanctionKind

from .conftest import PASSWORD, csrf_token, post, standing

ROLES = ("anonymous", "visitor", "participant", "author", "organiser", "mediator")


def row(*statuses):
    return dict(zip(ROLES, statuses, strict=True))


EVERYONE_200 = row(200, 200, 200, 200, 200, 200)
EVERYONE_302 = row(302, 302, 302, 302, 302, 302)
LOGGED_IN_200 = row(302, 200, 200, 200, 200, 200)
AUTHOR_ONLY_GET = row(302, 403, 403, 200, 403, 403)
AUTHOR_ONLY_POST = row(302, 403, 403, 302, 403, 403)
PARTICIPANTS_GET = row(302, 403, 200, 200, 403, 403)
PARTICIPANTS_POST = row(302, 403, 302, 302, 403, 403)
ORGANISER_GET = row(302, 403, 403, 403, 200, 403)
ORGANISER_POST = row(302, 403, 403, 403, 302, 403)
MEDIATOR_GET = row(302, 403, 403, 403, 403, 200)
MEDIATOR_POST = row(302, 403, 403, 403, 403, 302)

TEXT = {"stance": "con", "body": "A fresh argument for the route table."}
D = "/d/{slug}"
A = "/d/{slug}/a/{arg}"

#: (endpoint, method, url, form data, expected status by role)
ROUTES = [
    ("main.home", "GET", "/", None, EVERYONE_200),
    ("main.healthz", "GET", "/healthz", None, EVERYONE_200),
    ("main.readyz", "GET", "/readyz", None, EVERYONE_200),
    ("main.set_language", "POST", "/language", {"lang": "fr"}, EVERYONE_302),
    ("static", "GET", "/static/style.css", None, EVERYONE_200),
    ("accounts.register", "GET", "/register", None, EVERYONE_200),
    ("accounts.register", "POST", "/register", {"pseudonym": "x"}, row(*[400] * 6)),
    ("accounts.login", "GET", "/login", None, EVERYONE_200),
    ("accounts.login", "POST", "/login", {"email": "nobody@example.org"}, row(*[400] * 6)),
    ("accounts.logout", "POST", "/logout", {}, EVERYONE_302),
    ("accounts.account", "GET", "/account", None, LOGGED_IN_200),
    ("api.debates", "GET", "/api/v1/debates", None, EVERYONE_200),
    ("api.debate", "GET", "/api/v1/debates/{slug}", None, EVERYONE_200),
    ("api.moderation_log", "GET", "/api/v1/debates/{slug}/moderation-log", None, EVERYONE_200),
    ("api.results", "GET", "/api/v1/debates/{slug}/results", None, EVERYONE_200),
    ("results.report", "GET", D + "/report", None, EVERYONE_200),
    ("results.export", "GET", D + "/export/arguments.json", None, EVERYONE_200),
    ("results.export", "GET", D + "/export/comments.csv", None, EVERYONE_200),
    ("results.export", "GET", D + "/export/votes.csv", None, EVERYONE_200),
    ("results.export", "GET", D + "/export/participants-votes.csv", None, EVERYONE_200),
    ("results.export", "GET", D + "/export/moderation-log.csv", None, EVERYONE_200),
    (
        "results.export_pseudonyms",
        "POST",
        D + "/export/pseudonyms",
        {"pseudonyms": "1"},
        ORGANISER_POST,
    ),
    ("debates.new_debate", "GET", "/debates/new", None, LOGGED_IN_200),
    (
        "debates.new_debate",
        "POST",
        "/debates/new",
        {"motion": "A new question to ask, is it?"},
        EVERYONE_302,
    ),
    ("debates.debate", "GET", D, None, EVERYONE_200),
    ("debates.argument", "GET", A, None, EVERYONE_200),
    ("debates.history", "GET", A + "/history", None, EVERYONE_200),
    (
        "debates.join",
        "POST",
        D + "/join",
        {"position": "for", "accept_rules": "y"},
        row(302, 302, 403, 403, 302, 403),
    ),
    ("debates.final_position", "POST", D + "/position", {"position": "for"}, PARTICIPANTS_POST),
    ("debates.new_argument", "GET", D + "/arguments/new", None, PARTICIPANTS_GET),
    ("debates.new_argument", "POST", D + "/arguments/new", TEXT, PARTICIPANTS_POST),
    ("debates.reply", "GET", A + "/reply", None, PARTICIPANTS_GET),
    ("debates.reply", "POST", A + "/reply", TEXT, PARTICIPANTS_POST),
    ("debates.vote", "POST", D + "/vote", {"value": "{arg}:1"}, row(302, 403, 302, 403, 403, 403)),
    ("debates.edit_argument", "GET", A + "/edit", None, AUTHOR_ONLY_GET),
    (
        "debates.edit_argument",
        "POST",
        A + "/edit",
        {"body": "An edited text, long enough."},
        AUTHOR_ONLY_POST,
    ),
    ("debates.delete_argument", "GET", A + "/delete", None, AUTHOR_ONLY_GET),
    ("debates.delete_argument", "POST", A + "/delete", {}, AUTHOR_ONLY_POST),
    ("moderation.manage", "GET", D + "/manage", None, ORGANISER_GET),
    ("moderation.change_phase", "POST", D + "/phase", {"phase": "final_vote"}, ORGANISER_POST),
    (
        "moderation.schedule",
        "POST",
        D + "/schedule",
        {"phase": "closed", "due_at": "2031-01-01T10:00"},
        ORGANISER_POST,
    ),
    ("moderation.unschedule", "POST", D + "/unschedule", {"phase": "closed"}, ORGANISER_POST),
    ("moderation.ground_rules", "GET", D + "/ground-rules", None, EVERYONE_200),
    # Ground rules change only in drafts: even the organiser is refused on an open debate.
    (
        "moderation.ground_rules",
        "POST",
        D + "/ground-rules",
        {"lines": "Be kind to each other."},
        row(403, 403, 403, 403, 409, 403),
    ),
    (
        "moderation.communities",
        "POST",
        D + "/communities",
        {"lines": "Youth\nElders\nWomen"},
        ORGANISER_POST,
    ),
    (
        "moderation.appoint",
        "POST",
        D + "/appoint",
        {"pseudonym": "Visitor", "role": "mediator", "community": ""},
        ORGANISER_POST,
    ),
    ("moderation.remove_role", "POST", D + "/roles/{mediator_role}/remove", {}, ORGANISER_POST),
    ("moderation.step_down", "POST", D + "/step-down", {}, MEDIATOR_POST),
    ("moderation.note", "GET", D + "/notes", None, MEDIATOR_GET),
    (
        "moderation.note",
        "POST",
        D + "/notes",
        {"kind": "summary", "body": "Where the debate stands now."},
        MEDIATOR_POST,
    ),
    (
        "moderation.declare_community",
        "POST",
        D + "/community",
        {"community": "{community}"},
        row(302, 403, 302, 302, 403, 403),
    ),
    ("moderation.moderation_log", "GET", D + "/moderation", None, EVERYONE_200),
    ("debates.argument_by_id", "GET", "/a/{arg}", None, EVERYONE_302),
    ("debates.debate_by_id", "GET", "/debates/{debate_id}", None, EVERYONE_302),
    ("review.flag", "GET", A + "/flag", None, row(302, 403, 200, 403, 403, 403)),
    (
        "review.flag",
        "POST",
        A + "/flag",
        {"rule": "1", "note": ""},
        row(302, 403, 302, 403, 403, 403),
    ),
    ("review.queue", "GET", D + "/queue", None, MEDIATOR_GET),
    (
        "review.decide",
        "POST",
        A + "/decide",
        {"decision": "urgent_hide", "rule": "2", "reason": "It names someone."},
        MEDIATOR_POST,
    ),
    ("review.appeal_argument", "GET", D + "/a/{hidden}/appeal", None, AUTHOR_ONLY_GET),
    (
        "review.appeal_argument",
        "POST",
        D + "/a/{hidden}/appeal",
        {"text": "It broke no rule at all."},
        AUTHOR_ONLY_POST,
    ),
    (
        "review.appeal_sanction",
        "GET",
        D + "/sanctions/{sanction}/appeal",
        None,
        row(302, 403, 200, 403, 403, 403),
    ),
    (
        "review.appeal_sanction",
        "POST",
        D + "/sanctions/{sanction}/appeal",
        {"text": "I did not break that rule."},
        row(302, 403, 302, 403, 403, 403),
    ),
    # The only mediator took the decision appealed, so nobody here may decide it.
    (
        "review.decide_appeal",
        "POST",
        D + "/appeals/{appeal}/decide",
        {"outcome": "upheld", "reason": "It stands."},
        row(302, 403, 403, 403, 403, 403),
    ),
    ("review.sanction", "GET", D + "/people/{participant}/sanction", None, MEDIATOR_GET),
    (
        "review.sanction",
        "POST",
        D + "/people/{participant}/sanction",
        {"kind": "warning", "rule": "1", "reason": "Mind the tone."},
        MEDIATOR_POST,
    ),
    # A removal needs a second mediator from another community: nobody here qualifies.
    (
        "review.cosign",
        "POST",
        D + "/sanctions/{sanction}/cosign",
        {},
        row(302, 403, 403, 403, 403, 403),
    ),
    (
        "review.freeze",
        "POST",
        D + "/freeze",
        {"minutes": "5", "note": "A short pause, please."},
        MEDIATOR_POST,
    ),
    ("review.slow_mode", "POST", D + "/slow-mode", {"minutes": "2"}, MEDIATOR_POST),
    (
        "review.settings",
        "POST",
        D + "/settings",
        {"premoderation": "first", "flag_threshold": "2"},
        ORGANISER_POST,
    ),
    ("review.inbox", "GET", "/inbox", None, LOGGED_IN_200),
    ("review.inbox", "POST", "/inbox", {}, EVERYONE_302),
    ("agreements.agreement", "GET", D + "/agreement", None, EVERYONE_200),
    (
        "agreements.add_point",
        "POST",
        D + "/agreement/points",
        {"kind": "next_step", "text": "Meet again in a month.", "arguments": ""},
        MEDIATOR_POST,
    ),
    ("agreements.edit_point", "GET", D + "/agreement/points/{point}/edit", None, MEDIATOR_GET),
    (
        "agreements.edit_point",
        "POST",
        D + "/agreement/points/{point}/edit",
        {"kind": "next_step", "text": "Meet again in two months.", "arguments": ""},
        MEDIATOR_POST,
    ),
    ("agreements.remove_point", "POST", D + "/agreement/points/{point}/remove", {}, MEDIATOR_POST),
    (
        "agreements.endorse",
        "POST",
        D + "/agreement/points/{point}/endorse",
        {"value": "1"},
        PARTICIPANTS_POST,
    ),
]


@pytest.fixture
def scene(app, make_user, make_debate, make_argument, join):
    organiser = make_user(pseudonym="Organiser", email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    running = standing(organiser, debate)
    moderation.set_communities(running, debate, ["Youth", "Elders"])
    mediator = make_user(pseudonym="Mediator", email="mediator@example.org")
    appointment = moderation.appoint(running, debate, "Mediator", Role.MEDIATOR)
    author = make_user(pseudonym="Author", email="author@example.org")
    argument = make_argument(debate, author=author, body="The argument the table acts on.")
    participant = make_user(pseudonym="Participant", email="participant@example.org")
    join(participant, debate)
    make_user(pseudonym="Visitor", email="visitor@example.org")
    db.session.commit()
    assert mediator.id == appointment.user_id
    # Two hidden arguments (one already appealed), a removal awaiting its second key, a point.
    mediating = standing(mediator, debate)
    hidden, appealed = (
        make_argument(debate, author=author, body=f"An argument a mediator hid, {n}.")
        for n in (1, 2)
    )
    for target in (hidden, appealed):
        review.decide(mediating, target, review.Decision.URGENT_HIDE, 1, "Names a person.")
    appeal = sanctions.appeal_argument(
        standing(author, debate), appealed, "It names nobody at all."
    )
    removal = sanctions.issue(
        mediating, debate, standing(participant, debate), SanctionKind.REMOVAL, 1, "Insults."
    )
    point = agreements.add_point(
        mediating, debate, PointKind.COMMON_GROUND, "Water is for all.", []
    )
    db.session.commit()
    return {
        "slug": debate.slug,
        "debate_id": debate.id,
        "arg": argument.id,
        "hidden": hidden.id,
        "participant": participant.id,
        "sanction": removal.id,
        "appeal": appeal.id,
        "point": point.id,
        "mediator_role": appointment.id,
        "community": moderation.communities(debate)[0].id,
    }


def act(client, scene, role, method, url, data):
    if role != "anonymous":
        logged_in = post(client, "/login", {"email": f"{role}@example.org", "password": PASSWORD})
        assert logged_in.status_code == 302
    url = url.format(**scene)
    if method == "GET":
        response = client.get(url)
    else:
        data = {key: value.format(**scene) for key, value in (data or {}).items()}
        response = post(client, url, data)
    response.get_data()
    response.close()  # static files stream from an open file
    return response


def test_the_table_covers_every_route_and_method(app):
    served = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served == {(endpoint, method) for endpoint, method, *_ in ROUTES}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("endpoint", "method", "url", "data", "expected"),
    ROUTES,
    ids=[f"{endpoint}-{method}" for endpoint, method, *_ in ROUTES],
)
def test_route_by_role(client, scene, role, endpoint, method, url, data, expected):
    response = act(client, scene, role, method, url, data)
    assert response.status_code == expected[role], response.get_data(as_text=True)[:300]
    if role == "anonymous" and method == "GET" and expected[role] == 302 != expected["visitor"]:
        assert "/login?next=" in response.headers["Location"]


def test_writes_are_rate_limited_with_a_readable_page(database_url, make_app):
    from .conftest import base_config

    app = make_app({**base_config(database_url), "RATELIMIT_ENABLED": True})
    client = app.test_client()
    statuses = [
        post(
            client,
            "/register",
            {"pseudonym": f"Flood {n}", "email": f"f{n}@example.org", "password": "short"},
        ).status_code
        for n in range(7)
    ]
    assert statuses == [400] * 5 + [429, 429]
    response = post(client, "/register", {})
    assert response.status_code == 429
    assert "Slow down a little" in response.get_data(as_text=True)
    assert client.get("/register").status_code == 200  # reading is not limited


def test_every_write_counts_against_one_backstop_limit(database_url, make_app):
    """Routes without a limit of their own (here the language switch) still stop at 60
    writes a minute from one address; reading is never limited."""
    from .conftest import base_config

    app = make_app({**base_config(database_url), "RATELIMIT_ENABLED": True})
    client = app.test_client()
    token = csrf_token(client)
    statuses = [
        client.post("/language", data={"lang": "fr", "csrf_token": token}).status_code
        for _ in range(61)
    ]
    assert statuses == [302] * 60 + [429]
    assert client.get("/").status_code == 200


def test_role_rows_keep_their_history(app, scene):
    # Removing a mediator ends the role; the row stays, for the record.
    assert db.session.get(DebateRole, scene["mediator_role"]).is_active
