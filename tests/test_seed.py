"""The demo debates from the essay, and the files they are written in."""

import shutil
import zlib
from importlib.metadata import PackageNotFoundError, distribution

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import DBAPIError

from deliberate.debates import services
from deliberate.errors import NotAllowed
from deliberate.extensions import db
from deliberate.models import AGREE, DISAGREE, Argument, ArgumentVote, Debate, Stance, User
from deliberate.moderation.models import LogEntry
from deliberate.seed import cast_first_votes, seed_demo
from deliberate.seed_content import SEED_DIR, SeedContentError, load_seed

from . import seed_fingerprint
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


@pytest.mark.seeded
def test_seeded_debate_page_is_light_on_the_wire(client, app, auth, make_user):
    """The first view of the seeded debate, page and stylesheet, compressed as a browser
    asks for them, stays under 30 KB for a reader and for a participant (whose page also
    carries vote buttons and the forms to post)."""
    gzip = {"Accept-Encoding": "gzip"}
    css = client.get("/static/style.css", headers=gzip)
    assert css.headers["Content-Encoding"] == "gzip"
    css_size = len(css.data)
    css.close()
    reader = client.get(f"/d/{MAIN}", headers=gzip)
    assert reader.status_code == 200 and reader.headers["Content-Encoding"] == "gzip"
    assert len(reader.data) + css_size < 30 * 1024
    make_user(email="user@example.org")
    auth.login()
    post(client, f"/d/{MAIN}/join", {"position": "undecided", "accept_rules": "y"})
    participant = client.get(f"/d/{MAIN}", headers=gzip)
    assert participant.headers["Content-Encoding"] == "gzip"
    assert zlib.decompress(participant.data, 31).count(b'class="vote"') >= 20
    assert len(participant.data) + css_size < 30 * 1024


def test_seeded_report_shows_common_ground_out_of_the_box(app, client):
    """The demo crowd gives the main debate's report something to show in every section."""
    seed_demo()
    data = client.get(f"/api/v1/debates/{MAIN}/results").get_json()
    assert data["shift"]["winner"] in ("for", "against")
    assert len(data["shift"]["communities"]) >= 5
    assert len(data["agreement"]["communities"]) >= 5
    # Common ground: a majority agrees overall and in every community (analysis version 6).
    assert len(data["agreement"]["common_ground"]) >= 3
    assert all(
        2 * row["agree"] > row["agree"] + row["disagree"]
        for row in data["agreement"]["common_ground"]
    )
    assert data["agreement"]["divisive"]
    assert data["groups"]["status"] == "ok" and data["groups"]["k"] >= 2
    assert all(group["representative"] for group in data["groups"]["groups"])
    assert [p["number"] for p in data["ratified_agreement"]] == [1]
    html = client.get(f"/d/{MAIN}/report").get_data(as_text=True)
    assert "No point of the agreement has been ratified yet" not in html


def test_seed_writes_what_it_wrote_when_its_content_was_python(app):
    """Seeded from deliberate/data/seed/, every table holds the rows the content held in
    Python (deliberate/seed_content.py, before) wrote: same texts, counts, votes, positions,
    endorsements and log, in the same order (tests/seed_fingerprint.py says what it keeps).
    Tables added since hold nothing; columns added since are not compared."""
    seed_demo()
    expected = seed_fingerprint.load()
    seeded = seed_fingerprint.fingerprint({t: expected[t]["columns"] for t in expected})
    for table, fingerprint in expected.items():
        assert seeded[table] == fingerprint, table
    # Who waits for the next release of the results (results/release.py): the seeded
    # people, until the results are first computed.
    added = seeded.keys() - expected.keys() - {"pending_change"}
    assert {table for table in added if seeded[table]["rows"]} == set()
    assert len(seeded["argument_vote"]["rows"]) > 1500


def test_votes_cast_in_bulk_count_as_votes_cast_one_by_one(
    app, make_debate, make_argument, make_user, join
):
    """cast_first_votes leaves the counters, score and results version cast_vote leaves."""
    ends = []
    for cast_in_bulk in (False, True):
        debate = make_debate()
        first, second = make_argument(debate), make_argument(debate, stance="con")
        voters = [join(make_user(), debate) for _ in range(5)]
        votes = [(who, first, AGREE if n % 3 else DISAGREE) for n, who in enumerate(voters)]
        votes += [(voters[0], second, DISAGREE)]
        if cast_in_bulk:
            cast_first_votes(debate, votes)
        else:
            for who, argument, value in votes:
                services.cast_vote(who, argument, value)
        db.session.commit()
        ends.append(
            [
                (a.agree_count, a.disagree_count, a.score)
                for a in (db.session.get(Argument, first.id), db.session.get(Argument, second.id))
            ]
            + [(debate.vote_count, debate.results_version)]
        )
    assert ends[0] == ends[1]
    assert ends[0][0][:2] == (3, 2)


def test_votes_cast_in_bulk_are_refused_as_one_by_one(
    app, make_debate, make_argument, make_user, join
):
    """A vote the rules refuse (here, on one's own argument) stops the whole bulk write."""
    debate = make_debate()
    author = make_user()
    argument = make_argument(debate, author=author)
    votes = [(join(make_user(), debate), argument, AGREE), (join(author, debate), argument, AGREE)]
    with pytest.raises(NotAllowed):
        cast_first_votes(debate, votes)
    assert db.session.scalar(select(func.count()).select_from(ArgumentVote)) == 0


def test_installed_package_carries_the_seed_files():
    """A wheel install (CI's) ships every file of deliberate/data/seed/."""
    try:
        names = {str(f) for f in distribution("deliberate").files or []}
    except PackageNotFoundError:
        pytest.skip("deliberate is not installed")
    if "deliberate/models.py" not in names:
        pytest.skip("editable install: the source tree is used directly")
    for path in SEED_DIR.iterdir():
        assert f"deliberate/data/seed/{path.name}" in names, path.name


MAIN_FILE = f"{MAIN}.toml"
FIRST_VOTES = '[arguments.votes]\nawa = "agree"\n'


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            MAIN_FILE,
            FIRST_VOTES,
            FIRST_VOTES + 'bob = "agree"\n',
            "arguments #1 (barkhane-failed), votes: bob: not a participant",
        ),
        (
            MAIN_FILE,
            FIRST_VOTES,
            FIRST_VOTES + 'moussa = "agree"\n',
            "arguments #1 (barkhane-failed), votes: moussa: not a participant, or the argument's author",
        ),
        (
            MAIN_FILE,
            FIRST_VOTES,
            '[arguments.votes]\nawa = "yes"\n',
            "arguments #1 (barkhane-failed), votes: awa: 'yes' is not agree or disagree",
        ),
        (
            MAIN_FILE,
            'reply_to = "barkhane-failed"',
            'reply_to = "barkhane-failled"',
            "arguments #2 (barkhane-other-options): reply_to: 'barkhane-failled' is not the key "
            "of an earlier argument",
        ),
        (
            MAIN_FILE,
            'key = "barkhane-failed"\nstance = "pro"',
            'key = "barkhane-failed"\nstanse = "pro"',
            "arguments #1 (barkhane-failed): stance is missing",
        ),
        (
            MAIN_FILE,
            'key = "barkhane-failed"\n',
            'key = "barkhane-failed"\nstars = 5\n',
            "arguments #1 (barkhane-failed): unknown field stars",
        ),
        (
            MAIN_FILE,
            'body = """\nThe purely military route has had its chance. Operation Barkhane ran',
            'body = """Too short"""\nignored = """',
            "arguments #1 (barkhane-failed): body: 9 characters, not 10 to 2000",
        ),
        (
            MAIN_FILE,
            "\nmoussa = { before",
            '\nmoussa = { before = "maybe" }\nx = { before',
            "participants.moussa: before: 'maybe' is not for or against or undecided",
        ),
        (
            MAIN_FILE,
            'community = "Youth"',
            'community = "Elders"',
            "participants.moussa: community: 'Elders' is not a community of the debate",
        ),
        (
            MAIN_FILE,
            'object = ["alassane"]',
            'object = ["alassane", "mariam"]',
            "agreement #1: endorse, object: mariam: not participants, or twice",
        ),
        (
            MAIN_FILE,
            "deal-is-a-hope = -1.0",
            "deal-is-hope = -1.0",
            "crowd, groups #1, pulls: deal-is-hope: no argument has this key",
        ),
        (
            MAIN_FILE,
            "    { endorse = 0.5, object = 0.1 },\n",
            "",
            "crowd: endorsements: 2, for 3 agreement points",
        ),
        (MAIN_FILE, 'organiser = "amina"', 'organiser = "amina', "(at line 6, column 19)"),
        ("seed.toml", '"Demo · Awa"', '"Demo · Amina"', "accounts: awa: 'Demo · Amina' is another"),
        (
            "seed.toml",
            '    "african-third-party-mediator",\n',
            "",
            "african-third-party-mediator not listed",
        ),
    ],
)
def test_a_mistake_in_a_seed_file_names_the_file_and_entry(tmp_path, file, old, new, message):
    shutil.copytree(SEED_DIR, tmp_path, dirs_exist_ok=True)
    path = tmp_path / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SeedContentError) as error:
        load_seed(tmp_path)
    assert str(error.value).startswith(
        f"{tmp_path / ('seed.toml' if 'listed' in message else file)}:"
    )
    assert message in str(error.value)


def test_removing_the_demo_leaves_a_real_site_whole(
    app, client, make_debate, make_argument, make_user, join
):
    """`deliberate seed --remove`: every demo debate and account goes, with what a real
    visitor did in one; real debates, people and their public log stay as they were."""
    seed_demo()
    real = make_debate()
    make_argument(real)
    visitor = make_user(pseudonym="Curious Visitor")
    demo = db.session.scalar(select(Debate).where(Debate.slug == MAIN))
    make_argument(demo, author=visitor, body="A first look at the demo, long enough.")
    real_log = db.session.scalar(select(func.count()).where(LogEntry.debate_id == real.id))
    assert real_log > 0
    real_id, visitor_id = real.id, visitor.id
    runner = app.test_cli_runner()

    declined = runner.invoke(args=["seed", "--remove"], input="n\n")
    assert declined.exit_code != 0 and db.session.scalar(select(func.count()).where(User.is_demo))
    removed = runner.invoke(args=["seed", "--remove"], input="y\n")
    assert removed.exit_code == 0, removed.output
    assert "debates: 3" in removed.output and "real people who had joined one: 1" in removed.output

    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(User.is_demo)) == 0
    assert db.session.scalars(select(Debate.id)).all() == [real_id]
    assert db.session.get(User, visitor_id) is not None
    assert db.session.scalar(select(func.count()).where(LogEntry.debate_id == real_id)) == real_log
    assert client.get(f"/d/{MAIN}").status_code == 404
    assert client.get(f"/d/{real.slug}").status_code == 200
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
    # The real debate's log is as append-only as before.
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(delete(LogEntry).where(LogEntry.debate_id == real_id))
    db.session.rollback()
    again = runner.invoke(args=["seed", "--remove", "--yes"])
    assert again.exit_code == 0 and "No demo debates or accounts" in again.output
