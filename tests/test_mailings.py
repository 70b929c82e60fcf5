"""Notifications by email: the preferences page, which notice is mailed when and to whom,
claims that keep two senders from mailing a notice twice, digests, languages, one-click
unsubscribe links, and a real SMTP server (tests/smtp.py) and a real served app at the end."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from deliberate.accounts import mail
from deliberate.config import ConfigError, mail_interval
from deliberate.extensions import db
from deliberate.mailings import delivery, services
from deliberate.mailings.categories import ABOUT, KIND_CATEGORY, Cadence, Category
from deliberate.mailings.delivery import CLAIM_TIMEOUT, DIGEST_EVERY, deliver_due
from deliberate.mailings.models import MailPreference, MailSetting
from deliberate.models import utcnow
from deliberate.moderation import notify
from deliberate.moderation.models import Notification
from deliberate.privacy import services as privacy

from .conftest import PASSWORD, post
from .smtp import smtp_server  # noqa: F401 - a fixture

UNSUBSCRIBE_LINK = re.compile(r"http://localhost(/mail/unsubscribe/\S+)")


def outbox(app) -> list:
    return app.extensions["deliberate.mail"].outbox


def notice(user, kind: str, detail: str = "", debate=None) -> Notification:
    notify.send(user.id, kind, debate, detail=detail)
    db.session.commit()
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    ).first()


def mailed_at(notification_id: int):
    db.session.expire_all()
    return db.session.get(Notification, notification_id).mailed_at


def logged_in(app, user):
    client = app.test_client()
    response = post(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


# --- the table of kinds ------------------------------------------------------------------------


def test_every_kind_of_notice_is_in_a_category_or_explicitly_in_none():
    assert set(KIND_CATEGORY) == set(notify.KINDS)
    assert set(KIND_CATEGORY.values()) - {None} == set(Category) == set(ABOUT)


# --- the preferences page --------------------------------------------------------------------


def test_the_preferences_page_shows_the_defaults_and_saves_choices(app, make_user):
    user = make_user()
    client = logged_in(app, user)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'name="csrf_token"' in page and "<script" not in page.split("<main")[-1]
    for category, about in ABOUT.items():
        checked = re.search(rf'<input checked id="{category}-\d"[^>]*value="([a-z_]+)"', page)
        assert checked and checked[1] == about.default, category
    # Every field has a label: the select its own, each radio button the one around it, and
    # each group of them a legend.
    assert '<label for="language">' in page
    radios = re.findall(r'<label class="radio"><input [^>]*type="radio"', page)
    assert len(radios) == len(re.findall(r'type="radio"', page)) == 3 * len(ABOUT)
    assert page.count("<legend>") == len(ABOUT)
    assert "Choose my mail notifications" in client.get("/account/settings").get_data(True)

    choices = {c.value: "off" for c in Category} | {"replies": "at_once", "language": "fr"}
    assert client.post("/account/notifications", data=choices).status_code == 400  # no token
    response = post(client, "/account/notifications", choices, headers={"Referer": "x"})
    assert response.status_code == 302
    cadences = services.cadences(user.id)
    assert cadences[Category.REPLIES] is Cadence.AT_ONCE
    assert cadences[Category.DECISIONS] is Cadence.OFF
    assert services.language(user.id) == "fr"
    bad = post(client, "/account/notifications", {**choices, "replies": "hourly"})
    assert (
        bad.status_code == 400 and services.cadences(user.id)[Category.REPLIES] is Cadence.AT_ONCE
    )


def test_a_new_account_keeps_the_language_of_its_registration(app):
    client = app.test_client()
    client.set_cookie("lang", "fr")
    post(client, "/register", {"pseudonym": "Amélie", "email": "amelie@example.org"})
    link = re.findall(r"http://localhost(/\S+)", outbox(app)[-1].get_content())[-1]
    assert post(client, link, {"pseudonym": "Amélie", "password": PASSWORD}).status_code == 302
    [(language,)] = db.session.execute(select(MailSetting.language)).all()
    assert language == "fr"


def test_the_mail_interval_setting_is_checked(monkeypatch):
    monkeypatch.setenv("DELIBERATE_MAIL_INTERVAL", "0.5")
    assert mail_interval() == 0.5
    for wrong in ("soon", "-1"):
        monkeypatch.setenv("DELIBERATE_MAIL_INTERVAL", wrong)
        with pytest.raises(ConfigError):
            mail_interval()


# --- what is mailed --------------------------------------------------------------------------


def test_a_decision_is_mailed_at_once_with_a_summary_and_a_one_click_unsubscribe(
    app, make_user, make_debate
):
    user = make_user()
    debate = make_debate(motion="Should the secret garden open to all?")
    hidden = notice(
        user, "hidden", detail="Rule 2: names Jo Bloggs, who lives at 3 Elm St.", debate=debate
    )
    report = deliver_due()
    assert (report.sent, report.digests) == (1, 0)
    [message] = outbox(app)
    assert message["To"] == user.email
    assert message["Subject"] == "A moderation decision on Deliberate"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<(http://localhost/mail/unsubscribe/\S+)>", message["List-Unsubscribe"])
    body = message.get_content()
    assert link and link[1] in body
    assert "A mediator hid your argument." in body and "http://localhost/inbox" in body
    assert "http://localhost/account/notifications" in body
    # A mail leaves the site: no detail in anyone's words, no debate, no HTML.
    assert (
        "Bloggs" not in body and "garden" not in body and message.get_content_type() == "text/plain"
    )
    assert mailed_at(hidden.id) is not None
    assert deliver_due().sent == 0 and len(outbox(app)) == 1


def test_nothing_is_mailed_without_an_address_a_category_or_when_off_or_read(app, make_user):
    no_address, switched_off, reader = make_user(), make_user(), make_user()
    no_address.email = None
    services.set_cadences(switched_off.id, {Category.DECISIONS: Cadence.OFF})
    db.session.commit()
    settled = [
        notice(no_address, "hidden"),
        notice(switched_off, "hidden"),
        notice(reader, "second_factor_reset"),  # mailed by its own letter
        notice(reader, "invited_mediator"),  # likewise
    ]
    read = notice(reader, "kept")
    notify.mark_all_read(reader)
    db.session.commit()
    report = deliver_due()
    assert (report.sent, report.settled) == (0, 5) and outbox(app) == []
    assert all(mailed_at(n.id) for n in [*settled, read])


def test_a_daily_digest_gathers_a_day_of_notices_per_person(app, make_user):
    busy, quiet = make_user(), make_user()
    for kind in ("reply", "phase_closed", "reply", "reply", "agreement_to_endorse"):
        notice(busy, kind)
    notice(quiet, "reply")
    now = utcnow()
    assert deliver_due(now).digests == 0  # not a day old yet
    report = deliver_due(now + DIGEST_EVERY)
    assert report.digests == 2 and report.sent == 0
    mails = {m["To"]: m for m in outbox(app)}
    busy_mail = mails[busy.email]
    assert busy_mail["Subject"] == "Your Deliberate digest: 5 notices"
    assert mails[quiet.email]["Subject"] == "Your Deliberate digest: 1 notice"
    body = busy_mail.get_content()
    # One line per kind, with how many, in the order of the categories.
    lines = [line for line in body.splitlines() if line.startswith("- ")]
    assert lines == [
        "- 3 × Someone replied to your argument.",
        "- A debate you take part in is closed: read its report and agreement.",
        "- A point of the agreement awaits your endorsement or objection.",
    ]
    assert services.setting(busy.id).last_digest_at is not None
    # A notice after the digest waits for the next day.
    notice(busy, "reply")
    assert deliver_due(now + DIGEST_EVERY + timedelta(hours=1)).digests == 0
    assert deliver_due(now + 2 * DIGEST_EVERY + timedelta(hours=2)).digests == 1


def test_mail_is_in_the_persons_language(app, make_user):
    user = make_user()
    services.set_language(user.id, "fr")
    db.session.commit()
    notice(user, "hidden")
    deliver_due()
    body = outbox(app)[0].get_content()
    assert "Un médiateur a masqué votre argument." in body


def test_two_senders_never_mail_a_notice_twice(app, make_user):
    people = [make_user() for _ in range(6)]
    for person in people:
        for kind in ("hidden", "kept", "restored"):
            notice(person, kind)
    now = utcnow()
    reports = []

    def sender():
        with app.app_context():
            reports.append(deliver_due(now))
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(r.sent for r in reports) == 18 == len(outbox(app))
    assert len({(m["To"], m.get_content()) for m in outbox(app)}) == 6 * 3


def test_a_claim_keeps_others_off_until_it_lapses(app, make_user):
    user = make_user()
    taken = notice(user, "hidden")
    now = utcnow()
    assert delivery.claim([taken.id], now) == {taken.id}
    assert delivery.claim([taken.id], now) == set()  # a second process gets nothing
    assert deliver_due(now).sent == 0
    assert deliver_due(now + CLAIM_TIMEOUT + timedelta(seconds=1)).sent == 1  # it died


class Refusing:
    """A mail server that is away."""

    def __init__(self):
        self.tries = 0

    def send(self, message):
        self.tries += 1
        raise ConnectionRefusedError("no mail server")


def test_a_failed_send_loses_nothing_and_is_tried_again(app, make_user, monkeypatch):
    first, second = make_user(), make_user()
    kept = [notice(first, "hidden"), notice(second, "hidden")]
    working, refusing = app.extensions["deliberate.mail"], Refusing()
    app.extensions["deliberate.mail"] = refusing
    now = utcnow()
    report = deliver_due(now)
    assert (report.sent, report.failed, refusing.tries) == (0, 1, 1)  # the round stops
    assert not any(mailed_at(n.id) for n in kept)
    app.extensions["deliberate.mail"] = working
    assert deliver_due(now + timedelta(seconds=1)).sent == 1  # the other one, at once
    assert deliver_due(now + CLAIM_TIMEOUT + timedelta(seconds=2)).sent == 1  # the failed one
    assert all(mailed_at(n.id) for n in kept)
    # The thread's loop survives anything a round throws.
    monkeypatch.setattr(delivery, "pending_notices", lambda now: 1 / 0)
    assert delivery.MailLoop(app, 60).run_once() is None


def test_the_data_download_holds_the_mail_choices_and_deletion_erases_them(app, make_user):
    user = make_user()
    services.set_language(user.id, "fr")
    services.set_cadences(user.id, {Category.PHASES: Cadence.OFF})
    db.session.commit()
    data = privacy.personal_data(user)
    assert data["mail"]["language"] == "fr"
    assert data["mail"]["cadences"]["phases"] == "off"
    assert data["mail"]["cadences"]["decisions"] == "at_once"  # the default
    privacy.delete_account(user)
    db.session.commit()
    assert db.session.scalars(select(MailSetting)).all() == []
    assert db.session.scalars(select(MailPreference)).all() == []


# --- unsubscribing -----------------------------------------------------------------------------


def test_the_unsubscribe_link_shows_a_page_and_a_one_click_post_turns_the_category_off(
    app, make_user
):
    user = make_user()
    path = f"/mail/unsubscribe/{services.unsubscribe_token(user.id, Category.REPLIES)}"
    stranger = app.test_client()  # no cookie, no session, no CSRF token: a mail program
    page = stranger.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Replies to my arguments" in text
    assert 'name="List-Unsubscribe" value="One-Click"' in text
    assert "/account/notifications" in text
    assert services.cadences(user.id)[Category.REPLIES] is Cadence.DAILY  # a GET changes nothing
    assert stranger.post(path, data={}).status_code == 400
    response = stranger.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "Replies to my arguments" in response.get_data(True)
    db.session.expire_all()
    assert services.cadences(user.id)[Category.REPLIES] is Cadence.OFF
    assert stranger.get_cookie(app.config["SESSION_COOKIE_NAME"]) is None


def test_a_digests_link_stops_every_category_it_gathers(app, make_user):
    user = make_user()
    path = f"/mail/unsubscribe/{services.unsubscribe_token(user.id, services.DIGEST)}"
    app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    db.session.expire_all()
    cadences = services.cadences(user.id)
    assert {c for c, cadence in cadences.items() if cadence is Cadence.OFF} == {
        c for c, about in ABOUT.items() if about.default is Cadence.DAILY
    }
    assert cadences[Category.DECISIONS] is Cadence.AT_ONCE


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        "WzEsInJlcGxpZXMiXQ.forgedsignature",
        "tampered",  # a real token, one character changed
        "other-salt",  # signed with the site's key, for another purpose
        "no-such-category",
        "no-such-user",
    ],
)
def test_a_bad_unsubscribe_link_is_a_clear_404(app, make_user, token):
    user = make_user()
    real = services.unsubscribe_token(user.id, Category.REPLIES)
    token = {
        "tampered": real[:-1] + ("A" if real[-1] != "A" else "B"),
        "other-salt": URLSafeSerializer(app.secret_key, salt="other").dumps([user.id, "replies"]),
        "no-such-category": services._serializer().dumps([user.id, "gossip"]),
        "no-such-user": services.unsubscribe_token(10**6, Category.REPLIES),
    }.get(token, token)
    client = app.test_client()
    for response in (
        client.get(f"/mail/unsubscribe/{token}"),
        client.post(f"/mail/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}),
    ):
        assert response.status_code == 404
        assert "This unsubscribe link is incomplete or was not made by this site" in (
            response.get_data(as_text=True)
        )
    assert services.cadences(user.id)[Category.REPLIES] is Cadence.DAILY


# --- a real SMTP server ------------------------------------------------------------------------


def test_mail_reaches_a_real_smtp_server_and_its_link_unsubscribes(
    app,
    make_user,
    smtp_server,  # noqa: F811 - the fixture
):
    app.extensions["deliberate.mail"] = mail.SMTPBackend(smtp_server.url)
    french, english = make_user(), make_user()
    services.set_language(french.id, "fr")
    db.session.commit()
    notice(french, "hidden")
    notice(english, "reply")  # a digest, a day later
    assert deliver_due().sent == 1
    assert deliver_due(utcnow() + DIGEST_EVERY).digests == 1
    first, digest = smtp_server.wait_for(2)
    assert smtp_server.envelopes[0].recipients == [french.email]
    assert first["To"] == french.email and first["Auto-Submitted"] == "auto-generated"
    assert "Un médiateur a masqué votre argument." in first.get_content()
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert digest["To"] == english.email and "Someone replied" in digest.get_content()
    path = urlsplit(digest["List-Unsubscribe"].strip("<>")).path
    assert path == UNSUBSCRIBE_LINK.search(digest.get_content())[1]
    response = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert services.cadences(english.id)[Category.REPLIES] is Cadence.OFF


def test_a_served_app_mails_from_its_own_thread(app, make_user, smtp_server, tmp_path):  # noqa: F811
    """`deliberate serve`, configured as tests/smtp.py says, mails a notice by itself, and
    the link in the mail works on it."""
    from .served import Browser, Server

    user = make_user()
    notice(user, "hidden")
    user_id, address = user.id, user.email
    db.session.commit()
    db.session.remove()  # the test holds no transaction while the server runs
    server = Server(
        app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path / "served",
        workers=1,
        env=smtp_server.served_env(interval=0.1),
    )
    try:
        server.start()
        [message] = smtp_server.wait_for(1, timeout=30)
        assert message["To"] == address
        link = urlsplit(message["List-Unsubscribe"].strip("<>"))
        assert link.port == server.port
        reply = Browser(server).request("POST", link.path, {"List-Unsubscribe": "One-Click"})
        assert reply.status == 200
        assert server.errors_logged() == []
    finally:
        server.stop()
    db.session.expire_all()
    assert services.cadences(user_id)[Category.DECISIONS] is Cadence.OFF
