"""Sending notices by mail, off the request path.

`deliver_due` does one round: it reads the notices the sender is not done with, settles
those that are not to be mailed (no address, category off, already read on the site, kind
never mailed, too old), mails those due at once, one mail each, and the daily digests that
are due, one per person. A process mails a notice only after claiming it with a conditional
UPDATE, so two processes never send it twice; a claim left by a process that died, or by a
send that failed, lapses after CLAIM_TIMEOUT and the notice is tried again (until MAX_AGE:
it stays in the inbox whatever happens). A failed send ends the round: the mail server is
likely away, and the next round tries again.

Who runs it: `deliberate worker` (with DELIBERATE_REDIS_URL), or, without Redis, a thread
in each server process, every DELIBERATE_MAIL_INTERVAL seconds (MailLoop).

What a mail says: the kind of event, in the person's language, and a link to the inbox;
never who did it, the debate, or anyone's words (a mail leaves the site: it may be read by
others, forwarded, or kept by a provider). Plain text only.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..accounts import mail
from ..accounts.letters import SIGNATURE
from ..extensions import db
from ..models import User, utcnow
from ..moderation.models import Notification
from ..moderation.notify import KINDS
from .categories import ABOUT, Cadence, Category, category_of
from .models import MailPreference, MailSetting
from .services import DIGEST, unsubscribe_token

log = logging.getLogger("deliberate.mail")

#: A claim older than this belongs to a process that died or a send that failed.
CLAIM_TIMEOUT = timedelta(minutes=10)
#: A notice not mailed by then is not mailed at all (it is still in the inbox).
MAX_AGE = timedelta(days=3)
#: A digest gathers at least a day of notices: it goes out a day after its oldest one.
DIGEST_EVERY = timedelta(days=1)
#: Mails per round at most, so a round stays short; the rest go in the next one.
MAILS_PER_ROUND = 200
CHUNK = 500  # ids per statement


@dataclass(frozen=True)
class Pending:
    id: int
    user_id: int
    kind: str
    created_at: datetime
    read_at: datetime | None
    email: str | None


@dataclass
class Plan:
    settle: list[int] = field(default_factory=list)
    at_once: list[Pending] = field(default_factory=list)
    digests: dict[int, list[Pending]] = field(default_factory=dict)


@dataclass
class Report:
    sent: int = 0
    digests: int = 0
    settled: int = 0
    failed: int = 0


class SendFailed(Exception):
    pass


def deliver_due(now: datetime | None = None) -> Report:
    """One round of mail; commits as it goes (never holding a transaction while it talks
    to the mail server)."""
    now = now or utcnow()
    report = Report()
    if isinstance(current_app.extensions[mail.EXTENSION], mail.DisabledBackend):
        return report  # production without a mail server: the notices wait in the inbox
    pending = pending_notices(now)
    settings = mail_settings({n.user_id for n in pending})
    plan = make_plan(pending, settings, now)
    report.settled = settle(plan.settle, now)
    db.session.commit()
    languages = {user_id: language for user_id, (language, _last) in settings.items()}
    try:
        for notice in plan.at_once[:MAILS_PER_ROUND]:
            report.sent += send_at_once(notice, languages.get(notice.user_id), now)
        budget = MAILS_PER_ROUND - report.sent
        for user_id, notices in list(plan.digests.items())[: max(budget, 0)]:
            report.digests += send_digest(user_id, notices, languages.get(user_id), now)
    except SendFailed:
        report.failed += 1
    return report


# --- what is due ------------------------------------------------------------------------------


def claimable(now: datetime):
    return and_(
        Notification.mailed_at.is_(None),
        or_(
            Notification.mail_claimed_at.is_(None),
            Notification.mail_claimed_at < now - CLAIM_TIMEOUT,
        ),
    )


def pending_notices(now: datetime) -> list[Pending]:
    rows = db.session.execute(
        select(
            Notification.id,
            Notification.user_id,
            Notification.kind,
            Notification.created_at,
            Notification.read_at,
            User.email,
        )
        .join(User, User.id == Notification.user_id)
        .where(claimable(now), Notification.created_at <= now)
        .order_by(Notification.id)
    ).all()
    return [Pending(*row) for row in rows]


def make_plan(
    pending: list[Pending], settings: dict[int, tuple[str | None, datetime | None]], now: datetime
) -> Plan:
    plan = Plan()
    chosen = chosen_cadences({n.user_id for n in pending})
    waiting: dict[int, list[Pending]] = defaultdict(list)
    for notice in pending:
        category = category_of(notice.kind)
        if (
            category is None
            or not notice.email
            or notice.read_at is not None  # seen on the site: no need to mail it
            or notice.created_at < now - MAX_AGE
        ):
            plan.settle.append(notice.id)
            continue
        cadence = chosen.get((notice.user_id, category), ABOUT[category].default)
        if cadence is Cadence.OFF:
            plan.settle.append(notice.id)
        elif cadence is Cadence.AT_ONCE:
            plan.at_once.append(notice)
        else:
            waiting[notice.user_id].append(notice)
    plan.digests = {
        user_id: notices
        for user_id, notices in waiting.items()
        if digest_due(notices[0], settings.get(user_id, (None, None))[1], now)
    }
    return plan


def digest_due(oldest: Pending, last_digest_at: datetime | None, now: datetime) -> bool:
    """A day after the oldest notice waiting (pending is ordered by id), and never twice
    within a day."""
    day_ago = now - DIGEST_EVERY
    return oldest.created_at <= day_ago and (last_digest_at is None or last_digest_at <= day_ago)


def chosen_cadences(user_ids: set[int]) -> dict[tuple[int, Category], Cadence]:
    found = {}
    for ids in chunks(sorted(user_ids)):
        for user_id, category, cadence in db.session.execute(
            select(MailPreference.user_id, MailPreference.category, MailPreference.cadence).where(
                MailPreference.user_id.in_(ids)
            )
        ):
            found[user_id, category] = cadence
    return found


def mail_settings(user_ids: set[int]) -> dict[int, tuple[str | None, datetime | None]]:
    """(language, last digest) of those who have a mail_setting row."""
    found = {}
    for ids in chunks(sorted(user_ids)):
        for user_id, language, last_digest_at in db.session.execute(
            select(MailSetting.user_id, MailSetting.language, MailSetting.last_digest_at).where(
                MailSetting.user_id.in_(ids)
            )
        ):
            found[user_id] = (language, last_digest_at)
    return found


def chunks(items: list[int]):
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


# --- claims -----------------------------------------------------------------------------------


def settle(ids: list[int], now: datetime) -> int:
    """Done with, without a mail (unless another process has claimed one meanwhile)."""
    done = 0
    for part in chunks(ids):
        done += db.session.execute(
            update(Notification)
            .where(Notification.id.in_(part), claimable(now))
            .values(mailed_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
    return done


def claim(ids: list[int], now: datetime) -> set[int]:
    """Take the notices on, if nobody has: the ids this process now holds (committed, so
    every other process sees the claim before this one talks to the mail server)."""
    claimed = set()
    for part in chunks(ids):
        claimed |= set(
            db.session.scalars(
                update(Notification)
                .where(Notification.id.in_(part), claimable(now))
                .values(mail_claimed_at=now)
                .returning(Notification.id)
                .execution_options(synchronize_session=False)
            )
        )
    db.session.commit()
    return claimed


def mark_mailed(ids: set[int], now: datetime) -> None:
    for part in chunks(sorted(ids)):
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(part))
            .values(mailed_at=now)
            .execution_options(synchronize_session=False)
        )


def release(ids: set[int]) -> None:
    for part in chunks(sorted(ids)):
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(part), Notification.mailed_at.is_(None))
            .values(mail_claimed_at=None)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


# --- sending ----------------------------------------------------------------------------------


def send_at_once(notice: Pending, language: str | None, now: datetime) -> int:
    if not claim([notice.id], now):
        return 0  # another process has it
    message = single_mail(notice, language)
    if not transmit(message):
        raise SendFailed  # the claim stays: tried again once it lapses
    mark_mailed({notice.id}, now)
    db.session.commit()
    return 1


def send_digest(user_id: int, notices: list[Pending], language: str | None, now: datetime) -> int:
    """Whoever claims the oldest notice sends the person's digest; a process that got only
    some of them (another is sending the digest) lets them go."""
    claimed = claim([n.id for n in notices], now)
    if notices[0].id not in claimed:
        release(claimed)
        return 0
    notices = [n for n in notices if n.id in claimed]
    if not transmit(digest_mail(notices, language)):
        raise SendFailed
    mark_mailed(claimed, now)
    record_digest(user_id, now)
    db.session.commit()
    return 1


def transmit(message: EmailMessage) -> bool:
    """Send now, in this (background) thread; False if it failed. Never logs the address."""
    backend = current_app.extensions[mail.EXTENSION]
    try:
        deliver = getattr(backend, "deliver", None)  # SMTP: synchronous, with its result
        if deliver is not None:
            return bool(deliver(message))
        backend.send(message)
    except Exception as error:  # noqa: BLE001 - any failure: keep the notice, try later
        log.error("a notification mail was not sent: %s", type(error).__name__)
        return False
    return True


def record_digest(user_id: int, now: datetime) -> None:
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(MailSetting)
        .values(user_id=user_id, last_digest_at=now)
        .on_conflict_do_update(index_elements=["user_id"], set_={"last_digest_at": now})
    )


# --- what mails say ---------------------------------------------------------------------------


def external(endpoint: str, **values) -> str:
    """An absolute link on the site's configured address (DELIBERATE_PUBLIC_URL), built
    without a request (this runs in the background), never from a Host header."""
    parts = urlsplit(current_app.config.get("PUBLIC_URL") or mail.DEVELOPMENT_URL)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path.rstrip("/") or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def unsubscribe_headers(link: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: mail programs show an "Unsubscribe" button that POSTs
    List-Unsubscribe=One-Click to the link."""
    return {
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def language_of(language: str | None) -> str:
    return language or current_app.config["BABEL_DEFAULT_LOCALE"]


def single_mail(notice: Pending, language: str | None) -> EmailMessage:
    category = category_of(notice.kind)
    with force_locale(language_of(language)):
        stop = external("mailings.unsubscribe", token=unsubscribe_token(notice.user_id, category))
        body = gettext(
            "Hello,\n\n%(what)s\n\nRead more on Deliberate (log in first):\n%(inbox)s",
            what=str(KINDS[notice.kind]),
            inbox=external("review.inbox"),
        )
        footer = gettext(
            "You get this mail because you chose to hear at once about: %(category)s.\n"
            "Stop these mails: %(stop)s\nAll your mail choices: %(choices)s",
            category=str(ABOUT[category].label),
            stop=stop,
            choices=external("mailings.preferences"),
        )
        subject = str(ABOUT[category].subject)
    return mail.compose(
        notice.email, subject, f"{body}\n\n{footer}{SIGNATURE}", unsubscribe_headers(stop)
    )


def digest_lines(notices: list[Pending]) -> list[str]:
    """One line per kind of notice, with how many, in the order of the categories."""
    counts = Counter(n.kind for n in notices)
    order = list(Category)
    kinds = sorted(counts, key=lambda kind: (order.index(category_of(kind)), kind))
    lines = []
    for kind in kinds:
        what = str(KINDS[kind])
        lines.append(f"- {what}" if counts[kind] == 1 else f"- {counts[kind]} × {what}")
    return lines


def digest_mail(notices: list[Pending], language: str | None) -> EmailMessage:
    user_id = notices[0].user_id
    with force_locale(language_of(language)):
        stop = external("mailings.unsubscribe", token=unsubscribe_token(user_id, DIGEST))
        body = gettext(
            "Hello,\n\nWhat happened on Deliberate since your last digest:\n\n%(lines)s\n\n"
            "Read more on Deliberate (log in first):\n%(inbox)s",
            lines="\n".join(digest_lines(notices)),
            inbox=external("review.inbox"),
        )
        footer = gettext(
            "You get this digest at most once a day because you chose it in your mail "
            "choices.\nStop the digest: %(stop)s\nAll your mail choices: %(choices)s",
            stop=stop,
            choices=external("mailings.preferences"),
        )
        subject = ngettext(
            "Your Deliberate digest: %(num)d notice",
            "Your Deliberate digest: %(num)d notices",
            len(notices),
        )
    return mail.compose(
        notices[0].email, subject, f"{body}\n\n{footer}{SIGNATURE}", unsubscribe_headers(stop)
    )


# --- who runs it ------------------------------------------------------------------------------

LOOP = "deliberate.mail_loop"


class MailLoop:
    """A daemon thread that runs a round every `interval` seconds, started on first use
    (after gunicorn forked its workers). Each server process runs one; the claims keep them
    from sending anything twice."""

    def __init__(self, app: Flask, interval: float):
        self.app = app
        self.interval = interval
        self.thread: threading.Thread | None = None
        self.stopped = threading.Event()
        self.lock = threading.Lock()

    def start(self) -> None:
        if self.thread is not None:
            return
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._loop, name="mail", daemon=True)
                self.thread.start()

    def stop(self) -> None:
        self.stopped.set()

    def _loop(self) -> None:
        while not self.stopped.wait(self.interval):
            self.run_once()

    def run_once(self) -> Report | None:
        with self.app.app_context():
            try:
                return deliver_due()
            except Exception:  # noqa: BLE001 - a bad round must not end the loop
                log.exception("mail: a round of notification mail failed")
                db.session.rollback()
                return None
            finally:
                db.session.remove()


def register(app: Flask) -> None:
    """Without Redis, each server process sends mail itself; with it, `deliberate worker`
    does (cli.py). Tests call deliver_due themselves."""
    interval = app.config["MAIL_INTERVAL"]
    if interval > 0 and not app.config.get("REDIS_URL") and not app.testing:
        app.extensions[LOOP] = MailLoop(app, interval)


def start_in_this_process(app: Flask) -> None:
    loop = app.extensions.get(LOOP)
    if loop is not None:
        loop.start()
