"""The demo debates from the essay."""

from sqlalchemy import func, select

from deliberate.extensions import db
from deliberate.models import Argument, Debate, Stance, User
from deliberate.seed import seed_demo

from .conftest import post

MAIN = "un-talks-mali-jnim"


def test_seed_creates_the_jnim_debate_and_two_related_motions(app):
    assert seed_demo() == [MAIN, "minusma-from-bases-to-mediation", "african-third-party-mediator"]
    debate = db.session.scalar(select(Debate).where(Debate.slug == MAIN))
    assert debate.motion == "Should the UN support talks between the Malian government and JNIM?"
    arguments = db.session.scalars(select(Argument).where(Argument.debate_id == debate.id)).all()
    assert len(arguments) >= 16
    assert max(a.depth for a in arguments) >= 2  # at least 3 levels
    top = [a for a in arguments if a.depth == 0]
    assert {a.stance for a in top} == {Stance.PRO, Stance.CON}
    assert debate.vote_count > 0 and sum(debate.tally("after").values()) > 0
    text = " ".join(a.body for a in arguments).lower()
    for topic in ("violence", "women", "algiers", "ecowas", "african union", "armed group"):
        assert topic in text, topic


def test_seed_authors_are_marked_demo_accounts(app):
    seed_demo()
    authors = db.session.scalars(select(User).join(Argument, Argument.author_id == User.id)).all()
    assert authors and all(u.is_demo and u.pseudonym.startswith("Demo ·") for u in authors)


def test_seed_is_idempotent(app):
    seed_demo()
    counts = db.session.scalar(select(func.count()).select_from(Argument))
    assert seed_demo() == []
    assert db.session.scalar(select(func.count()).select_from(Argument)) == counts


def test_seeded_debate_page_is_small(client, app, auth, make_user):
    """The seeded debate's HTML plus CSS stays under 60 KB for a reader and a participant,
    whose page also carries vote buttons and reply links."""
    seed_demo()
    css = client.get("/static/style.css")
    css_size = len(css.data)
    css.close()
    reader = client.get(f"/d/{MAIN}")
    assert reader.status_code == 200 and len(reader.data) + css_size < 60 * 1024
    make_user(email="user@example.org")
    auth.login()
    post(client, f"/d/{MAIN}/join", {"position": "undecided", "accept_rules": "y"})
    participant = client.get(f"/d/{MAIN}")
    assert participant.data.count(b'class="vote"') > 60
    assert len(participant.data) + css_size < 60 * 1024


def test_seeded_report_shows_common_ground_out_of_the_box(app, client):
    """The demo crowd gives the main debate's report something to show in every section."""
    seed_demo()
    data = client.get(f"/api/v1/debates/{MAIN}/results").get_json()
    assert data["shift"]["winner"] in ("for", "against")
    assert len(data["shift"]["communities"]) >= 5
    assert len(data["agreement"]["communities"]) >= 5
    assert len(data["agreement"]["common_ground"]) >= 5
    assert data["agreement"]["divisive"]
    assert data["groups"]["status"] == "ok" and data["groups"]["k"] >= 2
    assert all(group["representative"] for group in data["groups"]["groups"])
    assert [p["number"] for p in data["ratified_agreement"]] == [1]
    html = client.get(f"/d/{MAIN}/report").get_data(as_text=True)
    assert "No point of the agreement has been ratified yet" not in html
