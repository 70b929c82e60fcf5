"""Every route, by every kind of user: the expected status, on an open debate.

Roles: anonymous; "visitor" (logged in, has not joined the debate); "participant" (joined);
"author" (joined, wrote the argument under test); "organiser" (started the debate, has not
joined). POSTs carry a valid CSRF token and valid data, so any refusal is about who asks.
302 means done (or, for anonymous users on a login-only page, sent to log in).
"""

import pytest

from deliberate.debates.services import set_debate_status
from deliberate.extensions import db
from deliberate.models import DebateStatus

from .conftest import PASSWORD, post

ROLES = ("anonymous", "visitor", "participant", "author", "organiser")


def row(anonymous, visitor, participant, author, organiser):
    return dict(zip(ROLES, (anonymous, visitor, participant, author, organiser), strict=True))


EVERYONE_200 = row(200, 200, 200, 200, 200)
LOGGED_IN_200 = row(302, 200, 200, 200, 200)
AUTHOR_ONLY_GET = row(302, 403, 403, 200, 403)
AUTHOR_ONLY_POST = row(302, 403, 403, 302, 403)
PARTICIPANTS_GET = row(302, 403, 200, 200, 403)
PARTICIPANTS_POST = row(302, 403, 302, 302, 403)
ORGANISER_POST = row(302, 403, 403, 403, 302)

TEXT = {"stance": "con", "body": "A fresh argument for the route table."}

#: endpoint: (method, url, form data, expected status by role)
ROUTES = {
    "main.home": ("GET", "/", None, EVERYONE_200),
    "main.healthz": ("GET", "/healthz", None, EVERYONE_200),
    "main.set_language": ("POST", "/language", {"lang": "fr"}, row(302, 302, 302, 302, 302)),
    "static": ("GET", "/static/style.css", None, EVERYONE_200),
    "accounts.register": ("GET", "/register", None, EVERYONE_200),
    "accounts.login": ("GET", "/login", None, EVERYONE_200),
    "accounts.logout": ("POST", "/logout", {}, row(302, 302, 302, 302, 302)),
    "accounts.account": ("GET", "/account", None, LOGGED_IN_200),
    "api.debates": ("GET", "/api/v1/debates", None, EVERYONE_200),
    "api.debate": ("GET", "/api/v1/debates/{slug}", None, EVERYONE_200),
    "debates.new_debate": (
        "POST",
        "/debates/new",
        {"motion": "A new question to ask, is it?"},
        row(302, 302, 302, 302, 302),
    ),
    "debates.debate": ("GET", "/d/{slug}", None, EVERYONE_200),
    "debates.argument": ("GET", "/d/{slug}/a/{arg}", None, EVERYONE_200),
    "debates.history": ("GET", "/d/{slug}/a/{arg}/history", None, EVERYONE_200),
    "debates.join": ("POST", "/d/{slug}/join", {"position": "for"}, row(302, 302, 403, 403, 302)),
    "debates.final_position": (
        "POST",
        "/d/{slug}/position",
        {"position": "for"},
        PARTICIPANTS_POST,
    ),
    "debates.new_argument": ("POST", "/d/{slug}/arguments/new", TEXT, PARTICIPANTS_POST),
    "debates.reply": ("POST", "/d/{slug}/a/{arg}/reply", TEXT, PARTICIPANTS_POST),
    "debates.vote": ("POST", "/d/{slug}/vote", {"value": "{arg}:1"}, row(302, 403, 302, 403, 403)),
    "debates.edit_argument": (
        "POST",
        "/d/{slug}/a/{arg}/edit",
        {"body": "An edited text, long enough."},
        AUTHOR_ONLY_POST,
    ),
    "debates.delete_argument": ("POST", "/d/{slug}/a/{arg}/delete", {}, AUTHOR_ONLY_POST),
    "debates.close": ("POST", "/d/{slug}/close", {}, ORGANISER_POST),
    "debates.reopen": ("POST", "/d/{slug}/reopen", {}, ORGANISER_POST),
}

# Pages that show a form answer GET too, with the same rule as their POST.
GET_FORMS = {
    "debates.new_debate": ("/debates/new", LOGGED_IN_200),
    "debates.new_argument": ("/d/{slug}/arguments/new", PARTICIPANTS_GET),
    "debates.reply": ("/d/{slug}/a/{arg}/reply", PARTICIPANTS_GET),
    "debates.edit_argument": ("/d/{slug}/a/{arg}/edit", AUTHOR_ONLY_GET),
    "debates.delete_argument": ("/d/{slug}/a/{arg}/delete", AUTHOR_ONLY_GET),
}


@pytest.fixture
def scene(app, make_user, make_debate, make_argument, join):
    organiser = make_user(email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    author = make_user(email="author@example.org")
    argument = make_argument(debate, author=author, body="The argument the table acts on.")
    join(make_user(email="participant@example.org"), debate)
    make_user(email="visitor@example.org")
    return {"slug": debate.slug, "arg": argument.id, "debate": debate}


def act(client, scene, role, method, url, data):
    if role != "anonymous":
        assert (
            post(
                client, "/login", {"email": f"{role}@example.org", "password": PASSWORD}
            ).status_code
            == 302
        )
    url = url.format(**scene)
    if method == "GET":
        response = client.get(url)
    else:
        data = {key: value.format(**scene) for key, value in (data or {}).items()}
        response = post(client, url, data)
    response.get_data()
    response.close()  # static files stream from an open file
    return response


def test_the_table_covers_every_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(ROUTES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(ROUTES))
def test_route_by_role(client, scene, endpoint, role):
    method, url, data, expected = ROUTES[endpoint]
    if endpoint == "debates.reopen":
        set_debate_status(scene["debate"].organiser, scene["debate"], DebateStatus.CLOSED)
        db.session.commit()
    response = act(client, scene, role, method, url, data)
    assert response.status_code == expected[role], response.get_data(as_text=True)[:300]
    if role == "anonymous" and expected[role] == 302 and method == "GET":
        assert "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(GET_FORMS))
def test_form_pages_by_role(client, scene, endpoint, role):
    url, expected = GET_FORMS[endpoint]
    assert act(client, scene, role, "GET", url, None).status_code == expected[role]


def test_writes_are_rate_limited_with_a_readable_page(database_url):
    from deliberate import create_app

    from .conftest import base_config

    app = create_app({**base_config(database_url), "RATELIMIT_ENABLED": True})
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
