"""Moderation that cannot be sidestepped (issue 13, items 3, 4, 5, 7, 9, 12, 13, 14 and the
participant list): each test here fails on the code before it."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from deliberate.agreements import services as agreements
from deliberate.agreements.models import PointKind
from deliberate.debates import services as debates
from deliberate.errors import Conflict, InvalidInput, NotAllowed
from deliberate.extensions import db
from deliberate.models import Argument, Debate, Phase, Position, Stance, Visibility, utcnow
from deliberate.moderation import review, sanctions
from deliberate.moderation import services as moderation
from deliberate.moderation.models import (
    AppealOutcome,
    LogEntry,
    Notification,
    SanctionKind,
    SanctionStatus,
)

from . import test_review
from .conftest import PASSWORD, post, standing

world = test_review.world  # the same fixture: an open debate, three mediators, participants

who = standing


def login(client, user):
    assert post(client, "/login", {"email": user.email, "password": PASSWORD}).status_code == 302


def actions(debate) -> list[str]:
    return list(
        db.session.scalars(
            select(LogEntry.action).where(LogEntry.debate_id == debate.id).order_by(LogEntry.id)
        )
    )


def notices(user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def user_of(mediator):
    return mediator.user


# --- 14. two keys over a rolling week -------------------------------------------------------


def test_a_long_slow_mode_needs_a_second_key(world):
    debate, _argument, _author, people, mediator = world
    ninety_days = sanctions.issue(
        mediator("Med A"),
        debate,
        who(people[0], debate),
        SanctionKind.SLOW_MODE,
        1,
        "One post a day for a season.",
        duration_minutes=90 * 24 * 60,
        interval_minutes=24 * 60,
    )
    assert ninety_days.status is SanctionStatus.AWAITING_COSIGN
    assert not who(people[0], debate).sanctions


def test_chained_mutes_past_24_hours_in_a_week_need_a_second_key(world):
    debate, _argument, _author, people, mediator = world
    target = people[0]
    first = sanctions.issue(
        mediator("Med A"), debate, who(target, debate), SanctionKind.MUTE, 1, "Cool down.", 24 * 60
    )
    assert first.status is SanctionStatus.ACTIVE
    # Lifted after a while and muted again: together more than 24 hours this week.
    first.starts_at -= timedelta(hours=20)
    first.ends_at = utcnow()
    second = sanctions.issue(
        mediator("Med A"), debate, who(target, debate), SanctionKind.MUTE, 1, "Again.", 6 * 60
    )
    assert second.status is SanctionStatus.AWAITING_COSIGN
    # A mute that ended over a week ago no longer counts.
    first.starts_at -= timedelta(days=9)
    first.ends_at -= timedelta(days=8)
    second.status = SanctionStatus.DECLINED
    third = sanctions.issue(
        mediator("Med A"), debate, who(target, debate), SanctionKind.MUTE, 1, "Later.", 6 * 60
    )
    assert third.status is SanctionStatus.ACTIVE


# --- 5. announced only in force, with its end time ---------------------------------------


def test_a_long_mute_is_announced_only_once_cosigned_with_its_end(world, client):
    debate, _argument, _author, people, mediator = world
    target = people[0]
    mute = sanctions.issue(
        mediator("Med A"), debate, who(target, debate), SanctionKind.MUTE, 1, "Insults.", 48 * 60
    )
    db.session.commit()
    assert notices(target) == []
    sanctions.cosign(mediator("Med B"), mute)
    db.session.commit()
    assert [n.kind for n in notices(target)] == ["sanction_in_force"]
    assert notices(target)[0].sanction_id == mute.id
    login(client, target)
    html = client.get("/inbox").get_data(as_text=True)
    assert "It ends" in html
    # In the reader's language: the same end time, written in French.
    html = client.get("/inbox", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Elle prend fin le" in html or "prend fin" in html
    page = client.get(f"/d/{debate.slug}").get_data(as_text=True)
    assert "muted you in this debate until" in page


# --- 4. co-signing: not the proposer's button; the other mediator may decline -----------------


def test_the_proposer_sees_no_cosign_and_another_mediator_declines(world, client):
    debate, _argument, _author, people, mediator = world
    med_a, med_b = mediator("Med A"), mediator("Med B")
    removal = sanctions.issue(med_a, debate, who(people[0], debate), SanctionKind.REMOVAL, 1, "X.")
    db.session.commit()
    login(client, med_a.user)
    queue = client.get(f"/d/{debate.slug}/queue").get_data(as_text=True)
    assert "You proposed it" in queue and ">Co-sign<" not in queue
    post(client, "/logout", {})
    login(client, med_b.user)
    queue = client.get(f"/d/{debate.slug}/queue").get_data(as_text=True)
    assert ">Co-sign<" in queue and "Decline to co-sign" in queue
    empty = post(client, f"/d/{debate.slug}/sanctions/{removal.id}/decline", {"reason": ""})
    assert empty.status_code == 400 and "Give a reason." in empty.get_data(as_text=True)
    response = post(
        client,
        f"/d/{debate.slug}/sanctions/{removal.id}/decline",
        {"reason": "A quotation, not a threat."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert removal.status is SanctionStatus.DECLINED and not who(people[0], debate).sanctions
    told = [n for n in notices(med_a.user) if n.kind == "cosign_declined"]
    assert told and told[0].detail == "A quotation, not a threat."
    assert notices(people[0]) == []
    assert actions(debate)[-1] == "sanction_declined"
    with pytest.raises(Conflict):
        sanctions.cosign(mediator("Med C"), removal)


# --- 3. the person page: record, sanctions, lift and shorten -------------------------------


def test_the_person_page_lifts_and_shortens_sanctions(world, client):
    debate, argument, author, people, mediator = world
    med_a = mediator("Med A")
    review.flag(who(people[0], debate), argument, 1)
    review.decide(med_a, argument, review.Decision.HIDE, 1, "Insulting wording.")
    mute = sanctions.issue(med_a, debate, who(author, debate), SanctionKind.MUTE, 1, "Pause.", 20)
    slow = sanctions.issue(
        med_a, debate, who(author, debate), SanctionKind.SLOW_MODE, 1, "Slower.", 600, 30
    )
    db.session.commit()
    login(client, med_a.user)
    page = f"/d/{debate.slug}/people/{author.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Author in this debate" in html and "A sharp argument that some dislike." in html
    assert "hid an argument" in html and "Insulting wording." in html
    assert "Ends " in html and "Lift it now" in html and "Shorten it" in html
    # Linked from the queue's items and from the decided argument's page.
    assert page in client.get(f"/d/{debate.slug}/a/{argument.id}").get_data(as_text=True)

    bad = post(
        client,
        f"/d/{debate.slug}/sanctions/{slow.id}/shorten",
        {f"shorten{slow.id}-hours": "24", f"shorten{slow.id}-reason": "Longer, by mistake."},
    )
    assert bad.status_code == 400 and "sooner than the present one" in bad.get_data(as_text=True)
    assert "Longer, by mistake." in bad.get_data(as_text=True)
    assert (
        post(
            client,
            f"/d/{debate.slug}/sanctions/{slow.id}/shorten",
            {f"shorten{slow.id}-hours": "2", f"shorten{slow.id}-reason": "Calmer now."},
        )
        .headers["Location"]
        .endswith(page)
    )
    assert (
        post(
            client,
            f"/d/{debate.slug}/sanctions/{mute.id}/lift",
            {f"lift{mute.id}-reason": "An apology was made."},
        )
        .headers["Location"]
        .endswith(page)
    )
    db.session.expire_all()
    assert not who(author, debate).sanctioned("mute")
    assert slow.ends_at < utcnow() + timedelta(hours=2, minutes=1)
    assert actions(debate)[-2:] == ["sanction_shortened", "sanction_lifted"]
    assert [n.kind for n in notices(author)][-2:] == ["sanction_shortened", "sanction_lifted"]
    # Nobody else reads the page.
    post(client, "/logout", {})
    login(client, people[0])
    assert client.get(page).status_code == 403
    with pytest.raises(NotAllowed):
        sanctions.lift(who(people[0], debate), slow, "Not mine to lift.")


def test_a_thread_pause_is_lifted_early_from_any_argument_in_it(world, make_argument, client):
    debate, argument, _author, people, mediator = world
    reply = make_argument(debate, author=people[0], stance="con", parent=argument)
    review.freeze(mediator("Med A"), debate, 60, "Let the thread cool down a while.", argument)
    db.session.commit()
    login(client, mediator("Med B").user)
    html = client.get(f"/d/{debate.slug}/a/{reply.id}").get_data(as_text=True)
    assert "Lift the pause on this thread" in html
    response = post(client, f"/d/{debate.slug}/unfreeze", {"argument": str(reply.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert argument.frozen_until is None and reply.frozen_until is None
    debates.post_argument(who(people[1], debate), debate, Stance.PRO, "Back to it again.", reply)
    assert actions(debate)[-1] == "cooling_off_lifted"
    with pytest.raises(Conflict):
        review.lift_pause(mediator("Med A"), debate)
    review.freeze(mediator("Med A"), debate, 60, "The whole debate pauses for an hour.")
    review.lift_pause(mediator("Med B"), debate)
    assert debate.frozen_until is None


# --- the participant list -----------------------------------------------------------------


def test_the_participant_list_shows_sanctions_never_communities(world, client, make_user, join):
    debate, _argument, _author, people, mediator = world
    farmers = moderation.communities(debate)[1]
    moderation.declare_community(who(people[0], debate), debate, farmers.id)
    sanctions.issue(
        mediator("Med A"), debate, who(people[0], debate), SanctionKind.MUTE, 1, "Pause.", 60
    )
    db.session.commit()
    organiser = db.session.get(Debate, debate.id).organiser
    login(client, organiser)
    html = client.get(f"/d/{debate.slug}/people").get_data(as_text=True)
    assert "Reader 0" in html and "Mute (until" in html and "Reader 4" in html
    assert "Farmers" not in html and "Herders" not in html
    post(client, "/logout", {})
    login(client, people[1])
    assert client.get(f"/d/{debate.slug}/people").status_code == 403


# --- 7. muted: no posting, but a final position and endorsements -------------------------


def test_a_muted_participant_records_a_final_position_and_endorses(world, client):
    debate, _argument, _author, people, mediator = world
    sanctions.issue(
        mediator("Med A"), debate, who(people[0], debate), SanctionKind.MUTE, 1, "Pause.", 60
    )
    point = agreements.add_point(mediator("Med A"), debate, PointKind.NEXT_STEP, "Meet again soon.")
    with pytest.raises(NotAllowed, match="until"):
        debates.post_argument(who(people[0], debate), debate, Stance.PRO, "Not while muted.")
    moderation.change_phase(
        who(db.session.get(Debate, debate.id).organiser, debate), debate, Phase.FINAL_VOTE
    )
    db.session.commit()
    debates.record_final_position(who(people[0], debate), debate, Position.FOR)
    agreements.endorse(who(people[0], debate), point, 1)
    # A removed participant is refused, and told why where the form would be.
    removal = sanctions.issue(
        mediator("Med C"), debate, who(people[1], debate), SanctionKind.REMOVAL, 1, "Threats."
    )
    sanctions.cosign(mediator("Med A"), removal)
    db.session.commit()
    login(client, people[1])
    html = client.get(f"/d/{debate.slug}").get_data(as_text=True)
    assert "A mediator removed you from this debate" in html


# --- 9. decision forms keep what was chosen; nothing harmful is chosen in advance ----------


def test_the_decision_form_keeps_the_choice_and_reason_after_an_error(world, client):
    debate, argument, _author, people, mediator = world
    review.flag(who(people[0], debate), argument, 1)
    db.session.commit()
    login(client, mediator("Med A").user)
    queue = client.get(f"/d/{debate.slug}/queue").get_data(as_text=True)
    assert not re.search(r'<option selected value="keep"|<option value="keep" selected', queue)
    response = post(
        client,
        f"/d/{debate.slug}/a/{argument.id}/decide",
        {"decision": "hide", "rule": "", "reason": "Mocks the farmers by name."},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Cite one of the debate" in html
    assert re.search(r'<option selected value="hide">', html)
    assert "Mocks the farmers by name.</textarea>" in html
    unchosen = post(client, f"/d/{debate.slug}/a/{argument.id}/decide", {"reason": "Typed."})
    assert unchosen.status_code == 400 and "Choose a decision." in unchosen.get_data(as_text=True)
    assert db.session.get(Argument, argument.id).visibility is Visibility.SHOWN


def test_the_appeal_card_shows_the_hidden_text_and_the_ruling(world, client):
    debate, argument, author, _people, mediator = world
    review.decide(mediator("Med A"), argument, review.Decision.URGENT_HIDE, 2, "Names a village.")
    sanctions.appeal_argument(who(author, debate), argument, "It names nobody at all, honestly.")
    db.session.commit()
    login(client, mediator("Med C").user)
    html = client.get(f"/d/{debate.slug}/queue").get_data(as_text=True)
    appeals = html[html.index('id="appeals-title"') :]
    assert "A sharp argument that some dislike." in appeals
    assert "The ruling appealed:" in appeals and "Names a village." in appeals
    assert not re.search(r'<option selected value="overturned">', appeals)
    response = post(
        client,
        f"/d/{debate.slug}/appeals/{sanctions.open_appeals(debate)[0].id}/decide",
        {"outcome": "", "reason": "Still names it."},
    )
    assert response.status_code == 400 and "Still names it.</textarea>" in response.get_data(
        as_text=True
    )


# --- 4. after appealing, the link becomes the appeal's status ------------------------------


def test_after_appealing_the_link_becomes_the_status(world, client):
    debate, argument, author, people, mediator = world
    review.decide(mediator("Med A"), argument, review.Decision.URGENT_HIDE, 2, "Names a village.")
    warning = sanctions.issue(
        mediator("Med A"), debate, who(author, debate), SanctionKind.WARNING, 1, "Mind it."
    )
    db.session.commit()
    login(client, author)
    page = f"/d/{debate.slug}/a/{argument.id}"
    assert f"/a/{argument.id}/appeal" in client.get(page).get_data(as_text=True)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert f"/sanctions/{warning.id}/appeal" in inbox
    post(client, f"{page}/appeal", {"text": "It names nobody at all, honestly."})
    post(client, f"/d/{debate.slug}/sanctions/{warning.id}/appeal", {"text": "I was polite."})
    html = client.get(page).get_data(as_text=True)
    assert f"/a/{argument.id}/appeal" not in html and "Your appeal is waiting" in html
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "/appeal" not in inbox and "Your appeal is waiting" in inbox


# --- 12. pre-moderation cannot be bypassed by editing ------------------------------------


def test_an_edit_of_an_approved_held_post_waits_for_review(world, client, make_user, join):
    debate, _argument, _author, _people, mediator = world
    organiser = db.session.get(Debate, debate.id).organiser
    moderation.set_safety(who(organiser, debate), debate, "all", 3)
    newcomer = make_user(pseudonym="Newcomer")
    held = debates.post_argument(
        join(newcomer, debate), debate, Stance.PRO, "A harmless first text."
    )
    review.decide(mediator("Med A"), held, review.Decision.APPROVE)
    db.session.commit()
    login(client, newcomer)
    response = post(
        client, f"/d/{debate.slug}/a/{held.id}/edit", {"body": "Abuse slipped in after approval."}
    )
    assert response.status_code == 302
    assert "Abuse slipped in" not in client.get(f"/d/{debate.slug}").get_data(as_text=True)
    mine = client.get(f"/d/{debate.slug}/a/{held.id}").get_data(as_text=True)
    assert "An edit waits for a mediator" in mine and "Abuse slipped in" in mine
    db.session.expire_all()
    assert held.body == "A harmless first text." and held.queued_at is not None
    review.decide(
        mediator("Med B"), held, review.Decision.REFUSE_EDIT, 1, "That edit insults people."
    )
    assert held.pending_body is None and held.body == "A harmless first text."
    assert held.queued_at is None and actions(debate)[-1] == "edit_refused"


def test_flag_edit_keep_reedit_goes_through_review_and_can_be_flagged_again(world):
    debate, argument, author, people, mediator = world
    med = mediator("Med A")
    for person in people[:3]:
        review.flag(who(person, debate), argument, 1)
    assert argument.visibility is Visibility.FLAGGED
    # Edited while flagged: the mediator reads the new text before anyone else.
    assert not debates.edit_argument(who(author, debate), argument, "A polite version now.")
    review.decide(med, argument, review.Decision.APPROVE)
    assert argument.visibility is Visibility.SHOWN and argument.body == "A polite version now."
    # Moderated before: the next edit (abuse brought back) waits for review too.
    assert not debates.edit_argument(who(author, debate), argument, "The abuse is back again.")
    assert argument.body == "A polite version now." and argument.queued_at is not None
    review.decide(med, argument, review.Decision.APPROVE)  # (say the mediator let it through)
    # The changed text can be flagged again by those who flagged the earlier one.
    review.flag(who(people[0], debate), argument, 1)
    with pytest.raises(Conflict):
        review.flag(who(people[0], debate), argument, 1)


def test_an_edit_of_a_collapsed_argument_stays_private_until_approved(world, client):
    debate, argument, author, people, mediator = world
    review.flag(who(people[0], debate), argument, 1)
    review.decide(mediator("Med A"), argument, review.Decision.REQUEST_EDIT, 1, "Too sharp.")
    debates.edit_argument(who(author, debate), argument, "Replaced by something worse.")
    db.session.commit()
    assert "Replaced by something worse" not in client.get(
        f"/d/{debate.slug}/a/{argument.id}"
    ).get_data(as_text=True)


# --- 13. merging: a rule, a reason, same side and parent, logged, told, appealable -------


def test_a_merge_needs_a_rule_a_reason_and_the_same_side_and_parent(world, make_argument):
    debate, target, _author, people, mediator = world
    med = mediator("Med A")
    duplicate = make_argument(debate, author=people[0], body="The same point, said again.")
    other_side = make_argument(debate, author=people[1], stance="con", body="Against, though.")
    with pytest.raises(InvalidInput, match="ground rules"):
        review.decide(med, duplicate, review.Decision.DUPLICATE, None, "", duplicate_of=target)
    with pytest.raises(InvalidInput, match="reason"):
        review.decide(med, duplicate, review.Decision.DUPLICATE, 5, "", duplicate_of=target)
    with pytest.raises(InvalidInput, match="same side"):
        review.decide(med, other_side, review.Decision.DUPLICATE, 5, "Same.", duplicate_of=target)
    review.decide(med, duplicate, review.Decision.DUPLICATE, 5, "Said before.", duplicate_of=target)
    merged = [n for n in notices(people[0]) if n.kind == "merged"]
    assert merged and "Said before." in merged[0].detail and merged[0].argument_id == duplicate.id
    entry = db.session.scalars(select(LogEntry).where(LogEntry.action == "argument_merged")).one()
    assert (entry.rule_number, entry.argument_id) == (5, duplicate.id)


def test_an_overturned_merge_restores_the_argument_its_votes_and_replies(
    world, make_argument, vote
):
    debate, target, author, people, mediator = world
    duplicate = make_argument(debate, author=people[0], body="The same point, said a second time.")
    reply = make_argument(
        debate, author=people[1], stance="con", parent=duplicate, body="A reply to the copy."
    )
    deeper = make_argument(debate, author=people[2], parent=reply, body="A deeper reply below.")
    vote(people[3], duplicate, 1)
    vote(people[4], duplicate, -1)
    vote(people[4], target, 1)  # voted on both: this vote on the duplicate stays behind
    vote(author, duplicate, 1)  # the target's author: stays behind too
    before = db.session.get(Debate, debate.id)
    counts = (before.argument_count, before.vote_count)
    review.decide(
        mediator("Med A"), duplicate, review.Decision.DUPLICATE, 5, "Same.", duplicate_of=target
    )
    db.session.commit()
    appeal = sanctions.appeal_argument(
        who(people[0], debate), duplicate, "Mine adds a point about the cost."
    )
    with pytest.raises(NotAllowed):
        sanctions.decide_appeal(mediator("Med A"), appeal, AppealOutcome.OVERTURNED, "Mine.")
    sanctions.decide_appeal(mediator("Med B"), appeal, AppealOutcome.OVERTURNED, "It differs.")
    db.session.commit()
    db.session.expire_all()
    assert duplicate.visibility is Visibility.SHOWN and duplicate.merged_into_id is None
    assert (reply.parent_id, reply.depth, deeper.depth) == (duplicate.id, 1, 2)
    assert reply.path.startswith(duplicate.path) and deeper.path.startswith(reply.path)
    assert (duplicate.reply_count, duplicate.descendant_count) == (1, 2)
    assert (target.reply_count, target.descendant_count) == (0, 0)
    assert (duplicate.agree_count, duplicate.disagree_count) == (2, 1)
    assert (target.agree_count, target.disagree_count) == (1, 0)
    debate = db.session.get(Debate, debate.id)
    assert (debate.argument_count, debate.vote_count) == counts


def test_a_refused_urgent_hide_says_why_on_the_arguments_page(world, client):
    debate, argument, _author, _people, mediator = world
    login(client, mediator("Med A").user)
    response = post(
        client,
        f"/d/{debate.slug}/a/{argument.id}/decide",
        {"decision": "urgent_hide", "rule": "", "reason": "It names the chief's son."},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Cite one of the debate" in html and "Mediator actions" in html
    assert "It names the chief&#39;s son.</textarea>" in html
