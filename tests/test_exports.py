"""Downloads: each format read back equals the database, and publishes nothing the public
pages do not show (no e-mail, no hidden text, no pseudonym unless the organiser chose so)."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from flask import render_template
from sqlalchemy import select

from deliberate.debates import services as debate_services
from deliberate.extensions import db
from deliberate.forms import EmptyForm
from deliberate.models import Argument, ArgumentVote, Debate, Phase, Visibility
from deliberate.moderation import review
from deliberate.moderation import services as moderation
from deliberate.moderation.models import Role
from deliberate.results import cache, exports

from .conftest import PASSWORD, count_queries, post, standing

KINDS = ("arguments.json", "comments.csv", "votes.csv", "participants-votes.csv")


@pytest.fixture
def scene(app, make_user, make_debate, make_argument, join, vote):
    """Twelve participants (the organiser, 5 in "Youth", 2 in "Elders", 1 undeclared voter
    and 3 quiet voters who declared nothing and wrote nothing), a nested tree with every kind
    of placeholder, votes, and a mediator's hide in the log. Only the organiser, the
    undeclared voter and the quiet ones may be rows of the vote downloads."""
    organiser = make_user(pseudonym="OrganiserQ", email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    running = standing(organiser, debate)
    moderation.set_communities(running, debate, ["Youth", "Elders"])
    youth, elders = moderation.communities(debate)
    mediator = make_user(pseudonym="MediatorQ", email="mediator@example.org")
    moderation.appoint_accepted(running, debate, "MediatorQ", Role.MEDIATOR)
    join(organiser, debate)  # a participant who neither votes nor writes
    db.session.commit()
    people = [make_user(pseudonym=f"Pseud{n}X", email=f"p{n}@example.org") for n in range(8)]
    for n, person in enumerate(people):
        who = join(person, debate)
        community = youth if n < 5 else elders if n < 7 else None
        if community:
            moderation.declare_community(who, debate, community.id)
    db.session.commit()

    def argue(n, stance, parent=None):
        body = f"Argument number {n} of the exported debate."
        return make_argument(debate, author=people[n], stance=stance, body=body, parent=parent)

    a = argue(0, "pro")
    b = argue(1, "con", a)
    c = argue(2, "pro", b)
    d = argue(3, "con")
    hidden = argue(4, "pro")
    deleted = argue(5, "con", a)
    under_deleted = argue(6, "pro", deleted)
    flagged, collapsed, pending = argue(0, "pro", d), argue(1, "con", d), argue(2, "pro")
    for voter, target, value in [
        (1, a, 1), (2, a, -1), (3, a, 1), (0, b, -1), (3, b, 1), (0, c, 1),
        (5, d, -1), (6, d, 1), (0, hidden, 1), (1, deleted, 1), (2, flagged, -1),
        (3, collapsed, 1), (7, d, 1),
    ]:  # fmt: skip
        vote(people[voter], target, value)
    vote(people[2], a, 1)  # changes their mind: the last vote counts
    quiet = [make_user(pseudonym=f"Quiet{n}Q", email=f"q{n}@example.org") for n in range(3)]
    for voter, target, value in [(0, a, 1), (0, b, -1), (1, a, -1), (2, d, 1), (2, c, 1)]:
        vote(quiet[voter], target, value)
    vote(quiet[1], a, 1)  # changes their mind: the last vote counts
    review.decide(
        standing(mediator, debate), hidden, review.Decision.URGENT_HIDE, 1, "Names a person."
    )
    debate_services.delete_argument(standing(people[5], debate), deleted)
    flagged.visibility = Visibility.FLAGGED
    collapsed.visibility = Visibility.EDIT_REQUESTED
    pending.visibility = Visibility.PENDING
    db.session.commit()
    return {
        "debate": debate,
        "people": people,
        "quiet": quiet,
        "organiser": organiser,
        "mediator": mediator,
        "args": dict(
            a=a, b=b, c=c, d=d, hidden=hidden, deleted=deleted, under_deleted=under_deleted,
            flagged=flagged, collapsed=collapsed, pending=pending,
        ),
    }  # fmt: skip


def text(chunks) -> str:
    return "".join(chunks)


def rows(chunks) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text(chunks))))


def everything(debate, groups=None) -> dict[str, str]:
    return {
        "arguments.json": json.dumps(exports.argument_graph(debate), ensure_ascii=False),
        "comments.csv": text(exports.comments_csv(debate)),
        "votes.csv": text(exports.votes_csv(debate)),
        "participants-votes.csv": text(exports.participants_votes_csv(debate, groups)),
    }


def database_votes(debate) -> dict[tuple[int, int], int]:
    """The votes of the participants whose votes may be a row of their own, by voter number."""
    numbers = exports.participant_numbers(debate)
    listed = db.session.execute(
        select(ArgumentVote.user_id, ArgumentVote.argument_id, ArgumentVote.value)
        .join(Argument, Argument.id == ArgumentVote.argument_id)
        .where(
            Argument.debate_id == debate.id,
            Argument.visibility.not_in((Visibility.PENDING, Visibility.MERGED)),
        )
    )
    return {(numbers[user], argument): value for user, argument, value in listed if user in numbers}


def test_voters_are_numbered_apart_from_authors_and_declared_people(scene):
    numbers = exports.participant_numbers(scene["debate"])
    public = [scene["organiser"], scene["people"][7], *scene["quiet"]]
    assert set(numbers) == {user.id for user in public}
    assert sorted(numbers.values()) == list(range(len(numbers)))


def test_voter_numbers_are_not_the_joining_order(app, make_user, make_debate, join):
    debate = make_debate()
    people = [make_user() for _ in range(30)]
    for person in people:
        join(person, debate)
    numbers = exports.participant_numbers(debate)
    assert [numbers[p.id] for p in people] != list(range(30))
    assert exports.participant_numbers(debate) == numbers  # the same in every download


def test_the_vote_matrix_and_the_vote_list_equal_the_database(scene):
    debate = scene["debate"]
    expected = database_votes(debate)
    assert len(expected) == 6  # the undeclared voter's one, the quiet voters' five
    matrix_csv = text(exports.participants_votes_csv(debate))
    assert exports.read_polis_matrix(matrix_csv) == expected
    listed = rows(exports.votes_csv(debate))
    assert {(int(v["voter-id"]), int(v["comment-id"])): int(v["vote"]) for v in listed} == expected
    assert len(listed) == len(expected)
    # Argument by argument, then by voter number; each dated to its day, at midnight UTC.
    order = [(int(v["comment-id"]), int(v["voter-id"])) for v in listed]
    assert order == sorted(order)
    assert all(int(v["timestamp"]) % 86_400_000 == 0 for v in listed)
    # The changed vote is listed once, with its new value.
    numbers = exports.participant_numbers(debate)
    changed = (numbers[scene["quiet"][1].id], scene["args"]["a"].id)
    assert expected[changed] == 1


def test_participant_rows_count_votes_and_comments(scene):
    debate = scene["debate"]
    numbers = exports.participant_numbers(debate)
    by_number = {int(r["participant"]): r for r in rows(exports.participants_votes_csv(debate))}
    first = by_number[numbers[scene["quiet"][0].id]]
    assert (first["n-comments"], first["n-votes"], first["n-agree"], first["n-disagree"]) == (
        "0",
        "2",
        "1",
        "1",
    )
    assert numbers[scene["organiser"].id] not in by_number  # neither voted nor wrote
    assert len(by_number) == 4


def test_the_group_column_comes_from_the_analysis(scene):
    debate = scene["debate"]
    first, second = (standing(p, debate).participant.id for p in scene["quiet"][:2])
    matrix = rows(exports.participants_votes_csv(debate, {first: 0, second: 1}))
    numbers = exports.participant_numbers(debate)
    groups = {int(r["participant"]): r["group-id"] for r in matrix}
    assert groups[numbers[scene["quiet"][0].id]] == "0"
    assert groups[numbers[scene["quiet"][1].id]] == "1"
    assert groups[numbers[scene["quiet"][2].id]] == ""
    assert {r["group-id"] for r in rows(exports.participants_votes_csv(debate))} == {""}


def test_comments_have_polis_columns_counters_and_no_hidden_text(scene):
    debate, args = scene["debate"], scene["args"]
    comments = {int(c["comment-id"]): c for c in rows(exports.comments_csv(debate))}
    header = text(exports.comments_csv(debate)).split("\n", 1)[0]
    assert (
        header == "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body"
    )
    assert args["pending"].id not in comments
    assert sorted(comments) == sorted(a.id for name, a in args.items() if name != "pending")
    for argument in args.values():
        if argument.id in comments:
            row = comments[argument.id]
            assert (int(row["agrees"]), int(row["disagrees"])) == (
                argument.agree_count,
                argument.disagree_count,
            )
    moderated = {name: comments[a.id]["moderated"] for name, a in args.items() if a.id in comments}
    assert moderated == {
        "a": "1", "b": "1", "c": "1", "d": "1", "under_deleted": "1",
        "hidden": "-1", "deleted": "-1", "flagged": "-1", "collapsed": "0",
    }  # fmt: skip
    for name in ("hidden", "deleted", "flagged"):
        assert comments[args[name].id]["comment-body"] == ""
    assert comments[args["collapsed"].id]["comment-body"] == args["collapsed"].body
    # No author where the pages name none: hidden, flagged, deleted.
    for name in ("hidden", "deleted", "flagged"):
        assert comments[args[name].id]["author-id"] == ""
    # Authors have numbers of their own, never a voter's: a row of votes has no name.
    voters = set(exports.participant_numbers(debate).values())
    authors = {int(row["author-id"]) for row in comments.values() if row["author-id"]}
    assert authors and not authors & voters
    assert comments[args["a"].id]["author-id"] == comments[args["flagged"].id]["author-id"] or (
        comments[args["flagged"].id]["author-id"] == ""
    )
    # Every vote listed is counted; the counts also hold the votes of people with no row.
    votes = rows(exports.votes_csv(debate))
    for comment_id, row in comments.items():
        values = [int(v["vote"]) for v in votes if int(v["comment-id"]) == comment_id]
        assert values.count(1) <= int(row["agrees"])
        assert values.count(-1) <= int(row["disagrees"])


def test_polis_dates_are_english_utc():
    moment = datetime(2014, 6, 18, 8, 16, 54, 196000, tzinfo=UTC)
    assert exports.polis_time(moment) == (1403079414196, "Wed Jun 18 08:16:54 UTC 2014")


def test_the_graph_rebuilds_the_tree(scene):
    debate, args = scene["debate"], scene["args"]
    graph = json.loads(json.dumps(exports.argument_graph(debate, "https://example.org/d/x")))
    assert (graph["format"], graph["version"]) == ("deliberate.argument-graph", 1)
    assert graph["debate"]["slug"] == debate.slug and graph["debate"]["phase"] == "open"
    nodes = {n["id"]: n for n in graph["arguments"]}
    listed = [a for name, a in args.items() if name != "pending"]
    assert {i: (n["parent_id"], n["depth"], n["stance"]) for i, n in nodes.items()} == {
        a.id: (a.parent_id, a.depth, a.stance.value) for a in listed
    }
    for node in graph["arguments"]:  # every parent precedes its replies
        assert node["parent_id"] is None or node["parent_id"] < node["id"]
    status = {name: nodes[a.id]["status"] for name, a in args.items() if a.id in nodes}
    assert status == {
        "a": "shown", "b": "shown", "c": "shown", "d": "shown", "under_deleted": "shown",
        "hidden": "hidden", "flagged": "hidden", "deleted": "deleted", "collapsed": "collapsed",
    }  # fmt: skip
    for name in ("hidden", "flagged", "deleted"):
        assert nodes[args[name].id]["body"] is None
    assert nodes[args["a"].id]["body"] == args["a"].body
    for name in ("hidden", "flagged", "deleted"):
        assert nodes[args[name].id]["author"] is None
    comments = {int(c["comment-id"]): c for c in rows(exports.comments_csv(debate))}
    assert str(nodes[args["c"].id]["author"]) == comments[args["c"].id]["author-id"]
    assert nodes[args["c"].id]["author"] not in exports.participant_numbers(debate).values()
    assert nodes[args["a"].id]["created_at"] == args["a"].created_at.isoformat()
    assert all("author_pseudonym" not in n for n in graph["arguments"])


def test_small_communities_are_suppressed(scene):
    graph = exports.argument_graph(scene["debate"])
    assert graph["communities"] == [{"name": "Youth", "participants": 5}]
    assert graph["debate"]["participants"] == 12


def test_no_email_user_id_or_pseudonym_in_any_download(scene):
    debate = scene["debate"]
    groups = {standing(p, debate).participant.id: 0 for p in scene["people"]}
    users = [*scene["people"], *scene["quiet"], scene["organiser"], scene["mediator"]]
    for kind, content in everything(debate, groups).items():
        assert "@" not in content, kind
        for user in users:
            assert user.pseudonym not in content, kind
    log = text(exports.moderation_log_csv(debate))
    assert "@" not in log
    assert all(p.pseudonym not in log for p in scene["people"])


def test_pseudonyms_only_in_the_graph_when_the_organiser_chose(scene):
    debate, args = scene["debate"], scene["args"]
    debate.export_pseudonyms = True
    db.session.commit()
    content = everything(debate)
    graph = json.loads(content.pop("arguments.json"))
    nodes = {n["id"]: n for n in graph["arguments"]}
    assert nodes[args["b"].id]["author_pseudonym"] == "Pseud1X"
    for name in ("hidden", "flagged", "deleted"):
        assert nodes[args[name].id]["author_pseudonym"] is None
    for kind, other in content.items():
        assert all(p.pseudonym not in other for p in scene["people"]), kind
    assert "@" not in json.dumps(graph)


def test_the_log_download_mirrors_the_public_page(scene):
    debate, hidden = scene["debate"], scene["args"]["hidden"]
    entries = rows(exports.moderation_log_csv(debate))
    assert list(entries[0]) == exports.LOG_HEADER
    hide = entries[-1]
    assert hide["action"] == "argument_hidden_urgently"
    assert hide["action_label"] == "hid an argument at once, for a second review"
    assert (hide["actor"], hide["actor_role"]) == ("MediatorQ", "mediator")
    assert (hide["rule"], hide["reason"], hide["argument_id"]) == (
        "1",
        "Names a person.",
        str(hidden.id),
    )
    assert hide["subject"] == ""
    # The organiser's set-up is logged too, oldest first.
    assert entries[0]["actor"] == "OrganiserQ"


def test_large_downloads_come_in_chunks(scene, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 2)
    chunks = list(exports.votes_csv(scene["debate"]))
    assert len(chunks) == 4  # header and 6 votes, 2 rows a chunk
    assert len(rows(chunks)) == 6


def test_queries_do_not_grow_with_the_debate(scene, make_user, vote):
    def queries(debate):
        counts = []
        for build in (exports.comments_csv, exports.votes_csv, exports.participants_votes_csv):
            with count_queries(db.engine) as counter:
                text(build(debate))
            counts.append(counter.count)
        cache.results_for(debate)  # the published counts, computed once
        with count_queries(db.engine) as counter:
            exports.argument_graph(debate)
        return [*counts, counter.count]

    debate = scene["debate"]
    before = queries(debate)
    for _ in range(3):
        vote(make_user(), scene["args"]["c"], 1)
    db.session.expire_all()
    assert queries(debate) == before
    # The argument graph: people, arguments, published counts, languages, translations.
    assert max(before) <= 5


# --- views ----------------------------------------------------------------------------------


@pytest.fixture
def no_groups(monkeypatch):
    monkeypatch.setattr(
        "deliberate.results.cache.participant_groups", lambda debate: {}, raising=False
    )


def login(client, email):
    assert post(client, "/login", {"email": email, "password": PASSWORD}).status_code == 302


def close(scene) -> None:
    debate = scene["debate"]
    moderation.change_phase(standing(scene["organiser"], debate), debate, Phase.CLOSED)
    db.session.commit()


@pytest.mark.parametrize("kind", ["votes.csv", "participants-votes.csv"])
def test_votes_row_by_row_wait_for_the_close(client, scene, kind):
    slug = scene["debate"].slug
    response = client.get(f"/d/{slug}/export/{kind}")
    assert response.status_code == 409
    assert "published when the debate closes" in response.get_data(as_text=True)
    close(scene)
    assert client.get(f"/d/{slug}/export/{kind}").status_code == 200


@pytest.mark.parametrize("kind", [*KINDS, "moderation-log.csv"])
def test_downloads_are_attachments(client, scene, no_groups, kind):
    slug = scene["debate"].slug
    close(scene)
    response = client.get(f"/d/{slug}/export/{kind}")
    assert response.status_code == 200
    streamed = response.is_streamed  # before reading it
    body = response.get_data(as_text=True)
    assert response.headers["Content-Disposition"] == f'attachment; filename="{slug}-{kind}"'
    if kind.endswith(".json"):
        assert response.mimetype == "application/json"
        assert json.loads(body)["debate"]["url"] == f"http://localhost/d/{slug}"
    else:
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert streamed
        assert body.count("\n") > 1


def test_the_matrix_download_uses_the_opinion_groups(client, scene, monkeypatch):
    debate = scene["debate"]
    close(scene)
    first = standing(scene["quiet"][0], debate).participant.id
    monkeypatch.setattr(
        "deliberate.results.cache.participant_groups", lambda d: {first: 3}, raising=False
    )
    body = client.get(f"/d/{debate.slug}/export/participants-votes.csv").get_data(as_text=True)
    number = exports.participant_numbers(debate)[scene["quiet"][0].id]
    assert {r["participant"]: r["group-id"] for r in rows([body])}[str(number)] == "3"


def test_unknown_kinds_and_drafts_are_404(client, make_user, make_debate, scene):
    assert client.get(f"/d/{scene['debate'].slug}/export/users.csv").status_code == 404
    assert client.get("/d/no-such-debate/export/votes.csv").status_code == 404
    organiser = make_user(email="drafter@example.org")
    draft = make_debate(
        organiser=organiser, motion="A draft nobody else may see yet?", phase="draft"
    )
    assert client.get(f"/d/{draft.slug}/export/arguments.json").status_code == 404
    login(client, "drafter@example.org")
    assert client.get(f"/d/{draft.slug}/export/arguments.json").status_code == 200


def test_only_the_organiser_chooses_to_name_authors(client, scene):
    debate = scene["debate"]
    url = f"/d/{debate.slug}/export/pseudonyms"
    assert "/login?next=" in post(client, url, {"pseudonyms": "1"}).headers["Location"]
    login(client, "p0@example.org")
    assert post(client, url, {"pseudonyms": "1"}).status_code == 403
    post(client, "/logout")
    login(client, "organiser@example.org")
    response = client.post(url, data={"pseudonyms": "1"})
    assert response.status_code == 400  # no CSRF token
    assert not db.session.get(Debate, debate.id).export_pseudonyms
    response = post(client, url, {"pseudonyms": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/d/{debate.slug}/report#downloads")
    assert db.session.get(Debate, debate.id).export_pseudonyms
    assert post(client, url, {}).status_code == 302  # an unticked box turns it off
    assert not db.session.get(Debate, debate.id).export_pseudonyms


def render_downloads(app, debate, user):
    with app.test_request_context():
        return render_template(
            "results/_exports.html", debate=debate, who=standing(user, debate), form=EmptyForm()
        )


def test_the_downloads_section(app, scene):
    debate = scene["debate"]
    html = render_downloads(app, debate, scene["people"][0])
    assert 'id="downloads"' in html
    for kind in ["arguments.json", "comments.csv", "moderation-log.csv"]:
        assert f"/d/{debate.slug}/export/{kind}" in html
    for kind in ["votes.csv", "participants-votes.csv"]:  # once the debate is closed
        assert f"/d/{debate.slug}/export/{kind}" not in html
    assert "Published when the debate closes" in html
    assert "never contain e-mail addresses" in html
    assert 'name="pseudonyms"' not in html
    close(scene)
    html = render_downloads(app, debate, scene["people"][0])
    for kind in KINDS:
        assert f"/d/{debate.slug}/export/{kind}" in html
    html = render_downloads(app, debate, scene["organiser"])
    assert 'name="pseudonyms"' in html and 'name="csrf_token"' in html
    assert "Name the authors of arguments by their pseudonym" in html
