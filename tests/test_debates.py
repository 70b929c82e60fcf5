"""View tests: debates, arguments, votes and positions through the HTML pages."""

from sqlalchemy import select

from deliberate.extensions import db
from deliberate.models import Argument, ArgumentRevision, Debate, Participant, Phase

from .conftest import PASSWORD, post


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_home_lists_open_debates_first_with_counts(
    client, make_debate, make_argument, join, make_user
):
    make_debate(motion="An older question that is now closed?", phase="closed")
    make_debate(motion="A draft nobody else sees yet, is it?", phase="draft")
    debate = make_debate(motion="Should the valley share its wells?")
    make_argument(debate)
    join(make_user(), debate)
    html = page(client, "/")
    assert html.index("Should the valley share its wells?") < html.index("An older question")
    assert "A draft nobody else sees" not in html
    assert "<dd>1</dd>" in html and "<dd>2</dd>" in html  # one argument, two participants


def test_start_a_debate(client, auth, make_user):
    make_user(email="user@example.org")
    auth.login()
    assert client.get("/debates/new").status_code == 200
    response = post(
        client,
        "/debates/new",
        {"motion": "Should Bamako ban plastic bags?", "background": "Some *facts*."},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/d/should-bamako-ban-plastic-bags/manage"
    html = page(client, "/d/should-bamako-ban-plastic-bags")
    assert "<em>facts</em>" in html and "Draft" in html
    # The same motion again gets a different slug.
    response = post(client, "/debates/new", {"motion": "Should Bamako ban plastic bags?"})
    assert response.headers["Location"].startswith("/d/should-bamako-ban-plastic-bags-")


def test_start_a_debate_needs_login_and_keeps_text_on_error(client, auth, make_user):
    assert client.get("/debates/new").status_code == 302
    make_user(email="user@example.org")
    auth.login()
    response = post(
        client, "/debates/new", {"motion": "Too short", "background": "Kept background"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Use 10 to 300 characters." in html
    assert 'value="Too short"' in html and "Kept background" in html


def test_unknown_debate_and_argument_are_404(client, make_debate, make_argument):
    debate = make_debate()
    other = make_debate(motion="Another question entirely, is it?")
    argument = make_argument(other)
    assert client.get("/d/no-such-debate").status_code == 404
    assert client.get(f"/d/{debate.slug}/a/999999").status_code == 404
    # An argument of another debate is not reachable under this one.
    assert client.get(f"/d/{debate.slug}/a/{argument.id}").status_code == 404
    assert "Page not found" in client.get("/nowhere").get_data(as_text=True)


def test_join_then_post_a_pro_and_a_con_and_reply(client, auth, make_user, make_debate):
    user = make_user(email="user@example.org")
    debate = make_debate()
    auth.login()
    url = f"/d/{debate.slug}"
    html = page(client, url)
    assert "where do you stand on the motion?" in html
    # Posting before joining is refused with a reason.
    response = post(
        client, f"{url}/arguments/new", {"stance": "pro", "body": "Wells near markets save hours."}
    )
    assert response.status_code == 403
    assert post(client, f"{url}/join", {"position": "for", "accept_rules": "y"}).status_code == 302
    response = post(
        client, f"{url}/arguments/new", {"stance": "pro", "body": "Wells near markets save hours."}
    )
    assert response.status_code == 302
    pro = db.session.scalars(select(Argument).where(Argument.body.startswith("Wells"))).one()
    assert response.headers["Location"] == f"{url}/a/{pro.id}#a{pro.id}"
    post(
        client,
        f"{url}/arguments/new",
        {"stance": "con", "body": "The market floods every rainy season."},
    )
    post(
        client,
        f"{url}/a/{pro.id}/reply",
        {"stance": "con", "body": "Hours saved matter less than clean water."},
    )
    db.session.expire_all()
    reply = db.session.scalars(select(Argument).where(Argument.parent_id == pro.id)).one()
    assert (reply.depth, reply.author_id, pro.reply_count) == (1, user.id, 1)
    html = page(client, url)
    assert "Wells near markets save hours." in html and "The market floods" in html
    assert "Hours saved matter less" in html
    assert db.session.get(Debate, debate.id).argument_count == 3


def test_invalid_argument_keeps_text_and_explains(client, auth, make_user, make_debate, join):
    user = make_user(email="user@example.org")
    debate = make_debate()
    join(user, debate)
    auth.login()
    response = post(
        client, f"/d/{debate.slug}/arguments/new", {"stance": "pro", "body": "Too short"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Write between 10 and 2000 characters." in html and "Too short</textarea>" in html
    response = post(
        client, f"/d/{debate.slug}/arguments/new", {"body": "No stance given here at all."}
    )
    assert response.status_code == 400
    assert "Say whether your argument is for or against." in response.get_data(as_text=True)
    response = post(
        client, f"/d/{debate.slug}/arguments/new", {"stance": "pro", "body": "x" * 2001}
    )
    assert response.status_code == 400


def test_reply_to_a_missing_parent_is_404(client, auth, make_user, make_debate, join):
    user = make_user(email="user@example.org")
    debate = make_debate()
    join(user, debate)
    auth.login()
    assert client.get(f"/d/{debate.slug}/a/4242/reply").status_code == 404


def test_motion_positions_before_and_after(client, auth, make_user, make_debate):
    make_user(email="user@example.org")
    debate = make_debate()
    auth.login()
    url = f"/d/{debate.slug}"
    post(client, f"{url}/join", {"position": "against", "accept_rules": "y"})
    # The opening position is fixed once recorded.
    assert post(client, f"{url}/join", {"position": "for", "accept_rules": "y"}).status_code == 403
    post(client, f"{url}/position", {"position": "for"})
    post(client, f"{url}/position", {"position": "undecided"})
    db.session.expire_all()
    debate = db.session.get(Debate, debate.id)
    assert debate.tally("before") == {"for": 0, "against": 1, "undecided": 0}
    assert debate.tally("after") == {"for": 0, "against": 0, "undecided": 1}
    html = page(client, url)
    # The shift as the report gives it: before → after among those who voted both, in points.
    assert '<th scope="row">Against</th><td>100%</td><td>0%</td><td>\u2212100</td>' in html
    assert "Change my final position" in html
    # An invalid position changes nothing.
    post(client, f"{url}/position", {"position": "maybe"})
    db.session.expire_all()
    assert db.session.get(Debate, debate.id).tally("after")["undecided"] == 1


def test_vote_change_and_retract(client, auth, make_user, make_debate, make_argument, join):
    voter = make_user(email="user@example.org")
    debate = make_debate()
    argument = make_argument(debate)
    join(voter, debate)
    auth.login()
    url = f"/d/{debate.slug}/vote"
    response = post(client, url, {"value": f"{argument.id}:1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#a{argument.id}")
    db.session.refresh(argument)
    assert (argument.agree_count, argument.disagree_count) == (1, 0)
    assert argument.score > 0
    post(client, url, {"value": f"{argument.id}:1"})  # the same vote again counts once
    db.session.refresh(argument)
    assert argument.agree_count == 1
    post(client, url, {"value": f"{argument.id}:-1"})
    db.session.refresh(argument)
    assert (argument.agree_count, argument.disagree_count) == (0, 1)
    html = page(client, f"/d/{debate.slug}")
    assert 'aria-pressed="true">Disagree <b>1</b>' in html
    post(client, url, {"value": f"{argument.id}:"})
    db.session.refresh(argument)
    assert (argument.agree_count, argument.disagree_count, argument.score) == (0, 0, 0.0)
    assert db.session.get(Debate, debate.id).vote_count == 0


def test_bad_vote_values_are_400_not_500(client, auth, make_user, make_debate, make_argument, join):
    voter = make_user(email="user@example.org")
    debate = make_debate()
    argument = make_argument(debate)
    join(voter, debate)
    auth.login()
    for value in ("", "abc", f"{argument.id}:2", f"{argument.id}:999", "1:1:1", f"{argument.id}"):
        assert post(client, f"/d/{debate.slug}/vote", {"value": value}).status_code == 400, value
    assert post(client, f"/d/{debate.slug}/vote", {"value": "987654:1"}).status_code == 404


def test_nobody_votes_on_their_own_argument(client, auth, make_user, make_debate, make_argument):
    author = make_user(email="user@example.org")
    debate = make_debate()
    argument = make_argument(debate, author=author)
    auth.login()
    response = post(client, f"/d/{debate.slug}/vote", {"value": f"{argument.id}:1"})
    assert response.status_code == 403
    assert "own argument" in response.get_data(as_text=True)


def test_edit_keeps_history_and_shows_edited(client, auth, make_user, make_debate, make_argument):
    author = make_user(email="user@example.org")
    debate = make_debate()
    argument = make_argument(debate, author=author, body="The first version of my point.")
    auth.login()
    url = f"/d/{debate.slug}/a/{argument.id}"
    assert client.get(f"{url}/edit").status_code == 200
    response = post(client, f"{url}/edit", {"body": "short"})
    assert response.status_code == 400 and "short</textarea>" in response.get_data(as_text=True)
    assert post(client, f"{url}/edit", {"body": "The second, better version."}).status_code == 302
    html = page(client, url)
    assert "The second, better version." in html and ">edited</a>" in html
    history = page(client, f"{url}/history")
    assert "The first version of my point." in history
    assert (
        db.session.scalars(select(ArgumentRevision)).one().body == "The first version of my point."
    )


def test_only_the_author_edits_or_deletes(client, auth, make_user, make_debate, make_argument):
    make_user(email="user@example.org")
    debate = make_debate()
    argument = make_argument(debate)
    auth.login()
    url = f"/d/{debate.slug}/a/{argument.id}"
    assert client.get(f"{url}/edit").status_code == 403
    assert (
        post(client, f"{url}/edit", {"body": "Hijacked text of the argument."}).status_code == 403
    )
    assert post(client, f"{url}/delete").status_code == 403
    db.session.refresh(argument)
    assert argument.body == "A reasoned point, long enough." and argument.deleted_at is None


def test_delete_shows_deleted_and_keeps_replies(
    client, auth, make_user, make_debate, make_argument
):
    author = make_user(email="user@example.org")
    debate = make_debate()
    argument = make_argument(debate, author=author, body="A point I will withdraw later.")
    make_argument(debate, stance="con", body="A reply that must stay visible.", parent=argument)
    auth.login()
    url = f"/d/{debate.slug}/a/{argument.id}"
    assert client.get(f"{url}/delete").status_code == 200
    assert post(client, f"{url}/delete").status_code == 302
    html = page(client, f"/d/{debate.slug}")
    assert "[deleted]" in html and "A point I will withdraw" not in html
    assert "A reply that must stay visible." in html
    db.session.refresh(argument)
    assert argument.body == "" and db.session.get(Debate, debate.id).argument_count == 1
    assert client.get(f"{url}/edit").status_code == 403


def test_closed_debate_refuses_posts_votes_and_positions(
    client, auth, make_user, make_debate, make_argument, join
):
    organiser = make_user(email="user@example.org")
    debate = make_debate(organiser=organiser)
    argument = make_argument(debate)
    join(organiser, debate)
    auth.login()
    closing = {"phase": "closed", "confirm": "y"}
    assert post(client, f"/d/{debate.slug}/phase", closing).status_code == 302
    for url, data in [
        (
            f"/d/{debate.slug}/arguments/new",
            {"stance": "pro", "body": "Too late to post this one."},
        ),
        (f"/d/{debate.slug}/vote", {"value": f"{argument.id}:1"}),
        (f"/d/{debate.slug}/position", {"position": "for"}),
    ]:
        response = post(client, url, data)
        assert response.status_code == 409, url
        assert "This debate is closed" in response.get_data(as_text=True)
    assert "Closed" in page(client, f"/d/{debate.slug}")
    assert "Reopen the debate (Open)" in page(client, f"/d/{debate.slug}/manage")
    reopening = {"phase": "open", "confirm": "y"}
    assert post(client, f"/d/{debate.slug}/phase", reopening).status_code == 302
    assert db.session.get(Debate, debate.id).phase is Phase.OPEN


def test_only_the_organiser_closes(client, auth, make_user, make_debate):
    make_user(email="user@example.org")
    debate = make_debate()
    auth.login()
    assert post(client, f"/d/{debate.slug}/phase", {"phase": "closed"}).status_code == 403
    assert db.session.get(Debate, debate.id).phase is Phase.OPEN


def test_missing_or_stale_csrf_token_is_a_readable_400(client, auth, make_user, make_debate):
    make_user(email="user@example.org")
    debate = make_debate()
    auth.login()
    response = client.post(f"/d/{debate.slug}/join", data={"position": "for"})
    assert response.status_code == 400
    assert "This form had expired" in response.get_data(as_text=True)
    response = client.post(
        f"/d/{debate.slug}/join", data={"position": "for", "csrf_token": "stale"}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(Participant)) is None


def test_sort_orders(client, make_debate, make_argument, make_user, vote):
    debate = make_debate()
    old = make_argument(debate, body="The oldest argument here.")
    liked = make_argument(debate, body="The most agreed argument.")
    new = make_argument(debate, body="The newest argument here.")
    for _ in range(3):
        vote(make_user(), liked, 1)
    for _ in range(2):
        make_argument(debate, stance="con", parent=old, body="A reply to the oldest one.")

    def order(sort):
        html = page(client, f"/d/{debate.slug}?sort={sort}")
        return sorted((old, liked, new), key=lambda a: html.index(f'id="a{a.id}"'))

    assert order("best")[0] == liked
    assert order("new")[0] == new
    assert order("discussed")[0] == old
    assert page(client, f"/d/{debate.slug}?sort=bogus&n=x")  # unknown values fall back


def test_pages_show_two_levels_and_link_deeper(app, client, make_debate, make_argument):
    """The debate page shows each argument with its first replies; everything deeper is on
    the argument pages, each linked from the one above."""
    debate = make_debate()
    node = make_argument(debate, body="Level zero of the thread.")
    chain = [node]
    for depth in range(1, 6):
        node = make_argument(
            debate, stance="con", parent=node, body=f"Level {depth} of the thread."
        )
        chain.append(node)
    html = page(client, f"/d/{debate.slug}")
    assert "Level 1 of the thread." in html and "Level 2 of the thread." not in html
    assert f'href="/d/{debate.slug}/a/{chain[1].id}">1 reply' in html
    focus = page(client, f"/d/{debate.slug}/a/{chain[3].id}")
    assert "Level 4 of the thread." in focus and "Level 5 of the thread." in focus
    assert focus.count("<h1") == 1
    # The path back to the motion lists every ancestor.
    assert all(f'/a/{a.id}">' in focus for a in chain[:3])

    app.config["REPLIES_PER_PAGE"] = 3
    for n in range(5):
        make_argument(debate, parent=chain[0], body=f"Sibling reply number {n}.")
    html = page(client, f"/d/{debate.slug}")
    assert "See all 6 replies" in html  # 6 replies, 2 shown
    argument_page = page(client, f"/d/{debate.slug}/a/{chain[0].id}")
    assert argument_page.count("Sibling reply number") == 3 and "Show more replies" in argument_page
    assert page(client, f"/d/{debate.slug}/a/{chain[0].id}?n=6").count("Sibling reply number") == 5


def test_top_level_show_more(app, client, make_debate, make_argument):
    app.config["ARGUMENTS_PER_SIDE"] = 2
    debate = make_debate()
    for n in range(5):
        make_argument(debate, body=f"Top level argument {n}.")
    html = page(client, f"/d/{debate.slug}")
    assert html.count("Top level argument") == 2 and "More arguments for the motion" in html
    html = page(client, f"/d/{debate.slug}?n=4")
    assert html.count("Top level argument") == 4 and "More arguments for the motion" in html
    html = page(client, f"/d/{debate.slug}?n=6")
    assert html.count("Top level argument") == 5 and "More arguments for the motion" not in html


def test_long_arguments_show_as_excerpts_linking_to_the_whole(client, make_debate, make_argument):
    debate = make_debate()
    body = "A *long* argument. " + "Word " * 200 + "The very end."
    argument = make_argument(debate, body=body)
    html = page(client, f"/d/{debate.slug}")
    assert "The very end." not in html and "A long argument. Word Word" in html
    assert f'<a href="/d/{debate.slug}/a/{argument.id}">Read more</a>' in html
    assert "The very end." in page(client, f"/d/{debate.slug}/a/{argument.id}")


def test_user_text_is_rendered_safely(client, make_debate, make_argument):
    debate = make_debate(background="<script>alert(1)</script> [x](javascript:alert(2))")
    make_argument(debate, body="<img src=x onerror=alert(3)> and [a link](https://example.org)")
    html = page(client, f"/d/{debate.slug}")
    assert "<script>alert" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html
    assert '<a href="https://example.org" rel="nofollow ugc noopener">a link</a>' in html


def test_login_required_pages_redirect(client, make_debate):
    debate = make_debate()
    for url in ("/debates/new", "/account", f"/d/{debate.slug}/arguments/new"):
        response = client.get(url)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_account_page_lists_my_arguments_votes_and_positions(
    client, auth, make_user, make_debate, make_argument, vote
):
    me = make_user(email="user@example.org")
    debate = make_debate()
    make_argument(debate, author=me, body="My own argument, listed.")
    other = make_argument(debate, body="Someone else's argument.")
    vote(me, other, -1)
    auth.login("user@example.org", PASSWORD)
    html = page(client, "/account")
    assert "My own argument, listed." in html and "Someone else" in html and "Disagree" in html
    assert debate.motion in html and "user@example.org" in html


def test_argument_page_invites_a_visitor_to_join_before_replying(
    client, auth, make_user, make_debate, make_argument
):
    make_user(email="user@example.org")
    debate = make_debate()
    argument = make_argument(debate)
    auth.login()
    html = page(client, f"/d/{debate.slug}/a/{argument.id}")
    assert "Record your position on the motion first" in html
    assert f'href="/d/{debate.slug}#motion-vote">Record your position</a>' in html


def test_a_reply_shows_the_side_of_the_motion_it_helps(client, make_debate, make_argument):
    """Stances are relative to the parent; the side follows their parity along the path."""
    debate = make_debate()
    against = make_argument(debate, stance="con", body="Against the motion, long enough.")
    rebuttal = make_argument(debate, stance="con", body="This rebuttal helps For.", parent=against)
    backing = make_argument(
        debate, stance="pro", body="Backing the rebuttal here.", parent=rebuttal
    )
    assert (against.side, rebuttal.side, backing.side) == ("against", "for", "for")
    html = client.get(f"/d/{debate.slug}/a/{against.id}").get_data(as_text=True)
    assert "Opposes · helps For" in html and "Supports · helps For" in html
