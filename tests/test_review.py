"""Flags, the review queue, decisions, appeals, sanctions with two keys, cooling-off,
pre-moderation and the inbox."""

import pytest
from sqlalchemy import select

from deliberate.debates import services as debates
from deliberate.errors import Conflict, NotAllowed, WrongPhase
from deliberate.extensions import db
from deliberate.models import Debate, Stance, Visibility
from deliberate.moderation import notify, review, sanctions
from deliberate.moderation import services as moderation
from deliberate.moderation.models import (
    AppealOutcome,
    LogEntry,
    Notification,
    Role,
    SanctionKind,
    SanctionStatus,
)

from .conftest import PASSWORD, post, standing


@pytest.fixture
def world(app, make_user, make_debate, make_argument, join):
    """An open debate with two communities, three mediators (two communities and one
    independent), an author with an argument, and five participants."""
    organiser = make_user(pseudonym="Organiser", email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    running = standing(organiser, debate)
    moderation.set_communities(running, debate, ["Herders", "Farmers"])
    herders, farmers = moderation.communities(debate)
    for name, community in (("Med A", herders.id), ("Med B", farmers.id), ("Med C", None)):
        make_user(pseudonym=name, email=f"{name.replace(' ', '').lower()}@example.org")
        moderation.appoint_accepted(running, debate, name, Role.MEDIATOR, community)
    author = make_user(pseudonym="Author", email="author@example.org")
    argument = make_argument(debate, author=author, body="A sharp argument that some dislike.")
    people = [make_user(pseudonym=f"Reader {n}") for n in range(5)]
    for person in people:
        join(person, debate)
    db.session.commit()

    def mediator(name):
        from deliberate.models import User

        user = db.session.scalar(select(User).where(User.pseudonym == name))
        return standing(user, debate)

    return debate, argument, author, people, mediator


def who(user, debate):
    return standing(user, debate)


def actions(debate):
    return list(db.session.scalars(select(LogEntry.action).where(LogEntry.debate_id == debate.id)))


def test_flags_once_each_and_the_threshold_hides_until_review(world):
    debate, argument, _author, people, _mediator = world
    review.flag(who(people[0], debate), argument, 1, "Insulting.")
    with pytest.raises(Conflict):
        review.flag(who(people[0], debate), argument, 1)
    review.flag(who(people[1], debate), argument, 2)
    assert argument.visibility is Visibility.SHOWN and argument.queued_at is not None
    review.flag(who(people[2], debate), argument, 1)
    db.session.commit()
    assert (argument.flag_count, argument.visibility) == (3, Visibility.FLAGGED)
    assert db.session.scalar(select(Notification.id).where(Notification.kind == "new_flag"))
    with pytest.raises(NotAllowed):
        review.flag(who(argument.author, debate), argument, 1)


def test_the_queue_is_oldest_first_and_paged_by_keyset(world, make_argument):
    debate, _argument, _author, people, mediator = world
    flagged = [make_argument(debate, body=f"Argument to review number {n}.") for n in range(5)]
    for item in flagged:
        review.flag(who(people[0], debate), item, 1)
    db.session.commit()
    med = mediator("Med A")
    first = review.queue(med, debate, limit=2)
    second = review.queue(med, debate, after=(first[-1].queued_at, first[-1].id), limit=2)
    third = review.queue(med, debate, after=(second[-1].queued_at, second[-1].id), limit=2)
    assert [a.id for a in first + second + third] == [a.id for a in flagged]
    with pytest.raises(NotAllowed):
        review.queue(who(people[0], debate), debate)


def test_keep_hide_and_request_edit(world, make_argument):
    debate, argument, author, people, mediator = world
    med = mediator("Med A")
    review.flag(who(people[0], debate), argument, 1)
    with pytest.raises(Exception, match="Give a reason"):
        review.decide(med, argument, review.Decision.HIDE, 1, "")
    review.decide(med, argument, review.Decision.KEEP)
    assert argument.queued_at is None and argument.visibility is Visibility.SHOWN
    review.flag(who(people[1], debate), argument, 1)
    review.decide(med, argument, review.Decision.REQUEST_EDIT, 1, "Please remove the insult.")
    assert argument.visibility is Visibility.EDIT_REQUESTED and argument.queued_at is None
    # The author edits: back in the queue for a mediator, who approves the new text.
    debates.edit_argument(who(author, debate), argument, "A sharp argument, now said politely.")
    assert argument.queued_at is not None
    assert argument.body == "A sharp argument that some dislike."
    review.decide(med, argument, review.Decision.APPROVE)
    assert argument.visibility is Visibility.SHOWN
    assert argument.body == "A sharp argument, now said politely."
    kinds = list(
        db.session.scalars(select(Notification.kind).where(Notification.user_id == author.id))
    )
    assert kinds == ["kept", "edit_requested", "edit_approved"]
    assert actions(debate)[-3:] == ["argument_kept", "edit_requested", "edit_approved"]


def test_an_urgent_hide_is_reviewed_by_a_second_mediator(world):
    debate, argument, author, _people, mediator = world
    first, second = mediator("Med A"), mediator("Med B")
    review.decide(first, argument, review.Decision.URGENT_HIDE, 2, "It gives a home address.")
    assert argument.visibility is Visibility.HIDDEN and argument.queued_at is not None
    with pytest.raises(NotAllowed, match="second mediator"):
        review.decide(first, argument, review.Decision.HIDE, 2, "Confirming my own hide.")
    review.decide(second, argument, review.Decision.HIDE, 2, "Confirmed: it reveals an address.")
    assert argument.visibility is Visibility.HIDDEN and argument.queued_at is None
    assert "urgent_hide_confirmed" in actions(debate)


def test_appeal_of_a_hide_is_decided_by_a_different_mediator(world):
    debate, argument, author, _people, mediator = world
    hider, other = mediator("Med A"), mediator("Med C")
    review.flag(who(_people[0], debate), argument, 1)
    review.decide(hider, argument, review.Decision.HIDE, 1, "Insulting wording.")
    with pytest.raises(NotAllowed):
        sanctions.appeal_argument(who(_people[0], debate), argument, "Not their appeal to make.")
    appeal = sanctions.appeal_argument(
        who(author, debate), argument, "It criticises an idea, not a person."
    )
    with pytest.raises(NotAllowed, match="once"):
        sanctions.appeal_argument(who(author, debate), argument, "A second try at the same appeal.")
    with pytest.raises(NotAllowed, match="different mediator"):
        sanctions.decide_appeal(hider, appeal, AppealOutcome.UPHELD, "I stand by it.")
    sanctions.decide_appeal(
        other, appeal, AppealOutcome.OVERTURNED, "The wording is sharp but fair."
    )
    assert argument.visibility is Visibility.SHOWN
    assert actions(debate)[-3:] == ["argument_hidden", "appeal_filed", "appeal_overturned"]
    # The notice says the outcome in words (its kind), the detail is the mediator's reason.
    decided = db.session.scalar(
        select(Notification).where(Notification.kind == "appeal_overturned")
    )
    assert decided.user_id == author.id and decided.detail == "The wording is sharp but fair."


def test_graduated_sanctions_and_two_keys(world, client):
    debate, _argument, _author, people, mediator = world
    target = people[0]
    med_a, med_b, med_c = mediator("Med A"), mediator("Med B"), mediator("Med C")
    assert sanctions.next_step(debate, target.id) is SanctionKind.WARNING
    sanctions.issue(med_a, debate, who(target, debate), SanctionKind.WARNING, 1, "Mind the tone.")
    assert sanctions.next_step(debate, target.id) is SanctionKind.SLOW_MODE
    short = sanctions.issue(
        med_a, debate, who(target, debate), SanctionKind.MUTE, 1, "Cool down.", 120
    )
    assert short.status is SanctionStatus.ACTIVE
    db.session.commit()
    muted = who(target, debate)
    with pytest.raises(NotAllowed, match="muted"):
        debates.post_argument(muted, debate, Stance.PRO, "Trying to post while muted.")
    # Over 24 hours: waits for a second key from another community.
    long = sanctions.issue(
        med_a, debate, who(people[1], debate), SanctionKind.MUTE, 1, "Again.", 48 * 60
    )
    assert long.status is SanctionStatus.AWAITING_COSIGN
    assert not who(people[1], debate).sanctions
    with pytest.raises(NotAllowed, match="another mediator"):
        sanctions.cosign(med_a, long)
    sanctions.cosign(med_b, long)
    assert long.status is SanctionStatus.ACTIVE and who(people[1], debate).sanctioned("mute")
    removal = sanctions.issue(
        med_c, debate, who(people[2], debate), SanctionKind.REMOVAL, 1, "Threats."
    )
    assert removal.status is SanctionStatus.AWAITING_COSIGN
    sanctions.cosign(med_a, removal)  # independent issuer, community co-signer: different
    assert who(people[2], debate).sanctioned("removal")
    # Appeal of a sanction, decided by someone other than its issuer.
    appeal = sanctions.appeal_sanction(
        who(people[2], debate), removal, "I made no threat, please read again."
    )
    sanctions.decide_appeal(med_b, appeal, AppealOutcome.OVERTURNED, "It was a quotation.")
    assert removal.status is SanctionStatus.OVERTURNED and not who(people[2], debate).sanctions


def test_same_community_cannot_cosign(world, make_user):
    debate, _argument, _author, people, mediator = world
    organiser = db.session.get(Debate, debate.id).organiser
    herders = moderation.communities(debate)[0]
    make_user(pseudonym="Med D", email="medd@example.org")
    moderation.appoint_accepted(
        standing(organiser, debate), debate, "Med D", Role.MEDIATOR, herders.id
    )
    removal = sanctions.issue(
        mediator("Med A"), debate, who(people[0], debate), SanctionKind.REMOVAL, 1, "Threats."
    )
    with pytest.raises(NotAllowed, match="another community"):
        sanctions.cosign(mediator("Med D"), removal)


def test_slow_mode_and_cooling_off(world, client, make_argument):
    debate, argument, author, people, mediator = world
    med = mediator("Med A")
    review.set_slow_mode(med, debate, 10)
    db.session.commit()
    poster = who(people[0], debate)
    debates.post_argument(poster, debate, Stance.PRO, "My first point in slow mode.")
    db.session.commit()
    assert (
        post(client, "/login", {"email": people[0].email, "password": PASSWORD}).status_code == 302
    )
    response = post(
        client,
        f"/d/{debate.slug}/arguments/new",
        {"stance": "pro", "body": "A second one too soon."},
    )
    assert response.status_code == 429 and "Slow mode" in response.get_data(as_text=True)
    review.set_slow_mode(med, debate, 0)
    # Pause one thread: no reply below it; elsewhere posting goes on.
    review.freeze(med, debate, 30, "Let us all take a breath here.", argument)
    db.session.commit()
    with pytest.raises(WrongPhase, match="thread"):
        debates.post_argument(
            who(people[1], debate), debate, Stance.CON, "A reply while paused.", argument
        )
    debates.post_argument(who(people[1], debate), debate, Stance.CON, "A new point elsewhere.")
    review.freeze(med, debate, 30, "The whole debate pauses for half an hour.")
    with pytest.raises(WrongPhase, match="debate"):
        debates.post_argument(
            who(people[2], debate), debate, Stance.CON, "Posting while the debate is paused."
        )
    assert actions(debate).count("cooling_off") == 2


def test_premoderation_of_first_posts(world, client, make_user, join):
    debate, _argument, _author, _people, mediator = world
    organiser = db.session.get(Debate, debate.id).organiser
    moderation.set_safety(standing(organiser, debate), debate, "first", 3)
    newcomer = make_user(pseudonym="Newcomer")
    join(newcomer, debate)
    count = db.session.get(Debate, debate.id).argument_count
    held = debates.post_argument(
        who(newcomer, debate), debate, Stance.PRO, "My very first post here."
    )
    db.session.commit()
    assert held.visibility is Visibility.PENDING
    assert "My very first post" not in client.get(f"/d/{debate.slug}").get_data(as_text=True)
    assert db.session.get(Debate, debate.id).argument_count == count
    review.decide(mediator("Med B"), held, review.Decision.APPROVE)
    db.session.commit()
    assert "My very first post" in client.get(f"/d/{debate.slug}").get_data(as_text=True)
    assert db.session.get(Debate, debate.id).argument_count == count + 1
    second = debates.post_argument(
        who(newcomer, debate), debate, Stance.PRO, "My second post, straight out."
    )
    assert second.visibility is Visibility.SHOWN


def test_inbox_tells_authors_about_replies(world, client, make_argument):
    debate, argument, author, people, _mediator = world
    make_argument(
        debate, author=people[0], stance="con", parent=argument, body="A reply to the author."
    )
    assert notify.unread_count(author) == 1
    assert (
        post(client, "/login", {"email": "author@example.org", "password": PASSWORD}).status_code
        == 302
    )
    html = client.get("/").get_data(as_text=True)
    assert "Inbox" in html and ">1<" in html
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "Someone replied to your argument." in inbox
    post(client, "/inbox", {})
    assert notify.unread_count(author) == 0


def test_hidden_arguments_show_a_placeholder_and_keep_replies(world, client, make_argument):
    debate, argument, _author, people, mediator = world
    reply = make_argument(
        debate, author=people[0], stance="con", parent=argument, body="A reply that stays."
    )
    review.decide(mediator("Med A"), argument, review.Decision.URGENT_HIDE, 1, "Insult.")
    db.session.commit()
    html = client.get(f"/d/{debate.slug}").get_data(as_text=True)
    assert "[hidden by a mediator: rule 1]" in html and "A sharp argument" not in html
    assert "A reply that stays." in html
    assert reply.id


def test_merging_a_duplicate_moves_replies_and_votes_and_keeps_counts_true(
    world, client, make_argument, make_user, vote
):
    debate, target, _author, people, mediator = world
    duplicate = make_argument(debate, author=people[0], body="The same point, said a second time.")
    reply = make_argument(
        debate, author=people[1], stance="con", parent=duplicate, body="A reply to the copy."
    )
    deeper = make_argument(debate, author=people[2], parent=reply, body="A deeper reply below it.")
    vote(people[3], duplicate, 1)
    vote(people[4], duplicate, -1)
    vote(people[4], target, 1)  # already voted on the target: this vote stays theirs
    review.decide(
        mediator("Med A"),
        duplicate,
        review.Decision.DUPLICATE,
        5,
        "Same point.",
        duplicate_of=target,
    )
    db.session.commit()
    db.session.expire_all()
    assert duplicate.visibility is Visibility.MERGED and duplicate.merged_into_id == target.id
    assert (reply.parent_id, reply.depth, deeper.depth) == (target.id, 1, 2)
    assert reply.path.startswith(target.path) and deeper.path.startswith(reply.path)
    assert (target.reply_count, target.descendant_count) == (1, 2)
    assert (target.agree_count, target.disagree_count) == (2, 0)
    debate = db.session.get(Debate, debate.id)
    assert debate.argument_count == 3 and debate.vote_count == 2
    response = client.get(f"/d/{debate.slug}/a/{duplicate.id}")
    assert response.status_code == 301 and response.headers["Location"].endswith(f"/a/{target.id}")
    html = client.get(f"/d/{debate.slug}/a/{target.id}").get_data(as_text=True)
    assert "A deeper reply below it." in html and "said a second time" not in html
    with pytest.raises(Exception, match="same side"):
        review.decide(
            mediator("Med A"), target, review.Decision.DUPLICATE, 5, "Same.", duplicate_of=deeper
        )


def test_hidden_text_reaches_no_page_title_trail_history_or_api(world, client, make_argument):
    debate, argument, _author, people, mediator = world
    reply = make_argument(
        debate, author=people[0], stance="con", parent=argument, body="A reply below it."
    )
    review.decide(
        mediator("Med A"), argument, review.Decision.URGENT_HIDE, 2, "It names a village."
    )
    db.session.commit()
    secret = "A sharp argument"
    for url in (f"/d/{debate.slug}/a/{argument.id}", f"/d/{debate.slug}/a/{reply.id}"):
        assert secret not in client.get(url).get_data(as_text=True), url
    assert client.get(f"/d/{debate.slug}/a/{argument.id}/history").status_code == 404
    data = client.get(f"/api/v1/debates/{debate.slug}").get_json()
    shown = {a["id"]: a for a in data["arguments"]}[argument.id]
    assert (shown["body"], shown["author"], shown["visibility"]) == ("", None, "hidden")


def test_decisions_must_fit_the_argument_state(world, make_user, join):
    debate, argument, _author, _people, mediator = world
    organiser = db.session.get(Debate, debate.id).organiser
    moderation.set_safety(standing(organiser, debate), debate, "all", 3)
    newcomer = make_user(pseudonym="Newcomer")
    held = debates.post_argument(
        join(newcomer, debate), debate, Stance.PRO, "Held for approval here."
    )
    count = db.session.get(Debate, debate.id).argument_count
    with pytest.raises(Conflict):
        review.decide(mediator("Med A"), held, review.Decision.KEEP)
    with pytest.raises(Conflict):
        review.decide(mediator("Med A"), argument, review.Decision.APPROVE)
    # Its author withdraws it before approval: nothing to uncount, and it leaves the queue.
    debates.delete_argument(who(newcomer, debate), held)
    assert held.queued_at is None
    assert db.session.get(Debate, debate.id).argument_count == count


def test_no_mediator_who_took_part_decides_the_appeal(world):
    debate, argument, author, people, mediator = world
    med_a, med_b, med_c = mediator("Med A"), mediator("Med B"), mediator("Med C")
    review.decide(med_a, argument, review.Decision.URGENT_HIDE, 1, "An insult.")
    review.decide(med_b, argument, review.Decision.HIDE, 1, "Confirmed.")
    appeal = sanctions.appeal_argument(
        who(author, debate), argument, "Please read it again, kindly."
    )
    for involved in (med_a, med_b):
        with pytest.raises(NotAllowed):
            sanctions.decide_appeal(involved, appeal, AppealOutcome.OVERTURNED, "Mine to decide?")
    sanctions.decide_appeal(med_c, appeal, AppealOutcome.UPHELD, "It stays hidden.")
    removal = sanctions.issue(
        med_c, debate, who(people[0], debate), SanctionKind.REMOVAL, 1, "Threats."
    )
    sanctions.cosign(med_a, removal)
    appeal = sanctions.appeal_sanction(
        who(people[0], debate), removal, "I threatened nobody at all."
    )
    with pytest.raises(NotAllowed):
        sanctions.decide_appeal(med_a, appeal, AppealOutcome.OVERTURNED, "The co-signer decides?")
    sanctions.decide_appeal(med_b, appeal, AppealOutcome.UPHELD, "It stands.")


def test_sanctions_also_stop_editing_and_endorsing(world, make_argument):
    from deliberate.agreements import services as agreements
    from deliberate.agreements.models import PointKind

    debate, _argument, _author, people, mediator = world
    mine = make_argument(debate, author=people[0], body="An argument I will try to edit.")
    sanctions.issue(
        mediator("Med A"), debate, who(people[0], debate), SanctionKind.MUTE, 1, "Pause.", 60
    )
    with pytest.raises(NotAllowed, match="muted"):
        debates.edit_argument(who(people[0], debate), mine, "Rewritten while muted, sneakily.")
    point = agreements.add_point(
        mediator("Med A"), debate, PointKind.NEXT_STEP, "Meet again next month."
    )
    removal = sanctions.issue(
        mediator("Med C"), debate, who(people[1], debate), SanctionKind.REMOVAL, 1, "Threats."
    )
    sanctions.cosign(mediator("Med A"), removal)
    with pytest.raises(NotAllowed, match="removed"):
        agreements.endorse(who(people[1], debate), point, 1)


def test_bad_rule_and_community_lines_are_refused_with_the_text_kept(world, client, make_debate):
    debate, _argument, _author, _people, _mediator = world
    assert (
        post(client, "/login", {"email": "organiser@example.org", "password": PASSWORD}).status_code
        == 302
    )
    response = post(client, f"/d/{debate.slug}/communities", {"lines": "Herders\nFarmers\nX"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "2 to 80 characters" in html and "Herders\nFarmers\nX</textarea>" in html
    draft = make_debate(
        organiser=db.session.get(Debate, debate.id).organiser,
        phase="draft",
        motion="A draft to set rules for, is it?",
    )
    response = post(client, f"/d/{draft.slug}/ground-rules", {"lines": "ok"})
    assert response.status_code == 400 and "5 to 500 characters" in response.get_data(as_text=True)
    assert client.get(f"/debates/{draft.id}").status_code == 302  # the organiser may see it
    post(client, "/logout", {})
    assert client.get(f"/debates/{draft.id}").status_code == 404  # others learn nothing


def test_each_decision_can_be_appealed_once(world):
    debate, argument, author, people, mediator = world
    med_a, med_c = mediator("Med A"), mediator("Med C")
    review.decide(med_a, argument, review.Decision.URGENT_HIDE, 1, "An insult.")
    first = sanctions.appeal_argument(who(author, debate), argument, "It was a fair criticism.")
    sanctions.decide_appeal(med_c, first, AppealOutcome.OVERTURNED, "Restored.")
    # Hidden again later, for another reason: that new decision can be appealed too, once.
    review.decide(med_a, argument, review.Decision.URGENT_HIDE, 2, "It names a village now.")
    sanctions.appeal_argument(who(author, debate), argument, "The village is public knowledge.")
    with pytest.raises(NotAllowed, match="once"):
        sanctions.appeal_argument(
            who(author, debate), argument, "Appealing the same decision twice."
        )
