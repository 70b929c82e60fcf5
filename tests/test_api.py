"""The read-only JSON API."""

from deliberate.extensions import db

from .conftest import standing


def test_list_debates(client, make_debate, make_argument):
    debate = make_debate(motion="Should the council publish its budget?")
    make_argument(debate)
    data = client.get("/api/v1/debates").get_json()
    assert data["debates"] == [
        {
            "slug": debate.slug,
            "motion": "Should the council publish its budget?",
            "format": "motion",
            "phase": "open",
            "organiser": debate.organiser.pseudonym,
            "created_at": debate.created_at.isoformat(),
            "argument_count": 1,
            "participant_count": 1,
            "vote_count": 0,
        }
    ]


def test_debate_with_tallies_and_arguments(
    client, make_debate, make_argument, make_user, vote, join
):
    debate = make_debate()
    pro = make_argument(debate, body="A **pro** argument in Markdown.")
    con = make_argument(debate, stance="con", parent=pro, body="A reply that opposes it.")
    voter = make_user()
    join(voter, debate, "against")
    vote(voter, pro, 1)
    data = client.get(f"/api/v1/debates/{debate.slug}").get_json()
    assert data["motion_votes"]["before"] == {"for": 0, "against": 1, "undecided": 2}
    assert data["motion_votes"]["after"] == {"for": 0, "against": 0, "undecided": 0}
    arguments = {a["id"]: a for a in data["arguments"]}
    assert arguments[pro.id] | {"created_at": None} == {
        "id": pro.id,
        "parent_id": None,
        "stance": "pro",
        "body": "A **pro** argument in Markdown.",
        "language": "en",
        "author": pro.author.pseudonym,
        "created_at": None,
        "edited_at": None,
        "deleted": False,
        "visibility": "shown",
        "agree": 1,
        "disagree": 0,
        "pass": 0,
        "reply_count": 1,
    }
    assert arguments[con.id]["parent_id"] == pro.id and arguments[con.id]["stance"] == "con"


def test_deleted_arguments_have_no_author_or_text(client, make_debate, make_argument):
    debate = make_debate()
    argument = make_argument(debate)
    from deliberate.debates.services import delete_argument

    delete_argument(standing(argument.author, debate), argument)
    db.session.commit()
    data = client.get(f"/api/v1/debates/{debate.slug}").get_json()
    shown = data["arguments"][0]
    assert (shown["body"], shown["author"], shown["deleted"]) == ("", None, True)


def test_unknown_debate_is_a_json_404(client):
    response = client.get("/api/v1/debates/nope")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404
