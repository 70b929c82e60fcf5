"""Access codes (groups/codes.py): sheets of join codes for people without an email address,
recovery codes for members who lost their password, the /code page that uses them, log-in
by pseudonym, and the limits that let a workshop in but keep guessers out."""

import re
import threading
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image, ImageDraw
from sqlalchemy import func, select, update

from deliberate.accounts import services as accounts
from deliberate.debates import services as debates
from deliberate.errors import NotAllowed
from deliberate.extensions import db
from deliberate.groups import codes
from deliberate.groups import services as groups
from deliberate.groups.models import AccessCode, CodeSheet, GroupLogEntry, GroupRole
from deliberate.models import Audience, Phase, User, utcnow
from deliberate.moderation import services as moderation

from .conftest import PASSWORD, FreshContextClient, csrf_token, post

NEW_PASSWORD = "a quiet river at dawn"
CODE = re.compile(r"<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</code>")


@pytest.fixture
def people(make_user):
    return {
        name: make_user(pseudonym=name, email=f"{name.lower()}@example.org")
        for name in ("Awa", "Boubacar", "Coumba", "Outsider")
    }


@pytest.fixture
def group(app, people):
    """Awa's group: Boubacar facilitates, Coumba is a member (with an email)."""
    group = groups.create(people["Awa"], "Mopti peace association", "We talk about peace.")
    awa = groups.standing(people["Awa"], group)
    groups.add_member(awa, group, "Boubacar", GroupRole.FACILITATOR)
    groups.add_member(awa, group, "Coumba", GroupRole.MEMBER)
    db.session.commit()
    return group


@pytest.fixture
def debate(group, people):
    debate = debates.start_debate(
        people["Awa"],
        "Should the association meet the armed group?",
        "",
        group=group,
        audience=Audience.PRIVATE,
    )
    moderation.change_phase(debates.standing(people["Awa"], debate), debate, Phase.OPEN)
    db.session.commit()
    return debate


@pytest.fixture(autouse=True)
def fresh_contexts(app):
    app.test_client_class = FreshContextClient


def without_csrf(page: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", page)


def login(client, identifier, password=PASSWORD):
    return post(client, "/login", {"email": identifier, "password": password})


def sheet_of(group, person, size=3, debate=None, days=7):
    sheet, issued = codes.issue_sheet(
        groups.standing(person, group), group, "Workshop", size, days, debate
    )
    db.session.commit()
    return sheet, issued


def redeem(client, code, pseudonym, password=NEW_PASSWORD, confirm=None):
    token = csrf_token(client, "/code")
    return client.post(
        "/code",
        data={
            "csrf_token": token,
            "code": code,
            "pseudonym": pseudonym,
            "password": password,
            "confirm": confirm or password,
        },
    )


def log_of(group) -> list[tuple[str, str | None, str]]:
    rows = db.session.scalars(
        select(GroupLogEntry).where(GroupLogEntry.group_id == group.id).order_by(GroupLogEntry.id)
    ).all()
    return [(e.action, e.subject.pseudonym if e.subject else None, e.detail) for e in rows]


def qr_links(page: str) -> list[str]:
    """Every QR code of the page, drawn from its SVG path and read back with zxing."""
    found = []
    for svg in re.findall(r"<svg.*?</svg>", page, flags=re.S):
        side = int(re.search(r'viewBox="0 0 (\d+)', svg)[1]) // 5
        path = re.search(r'<path stroke="#000" d="([^"]+)"', svg)[1]
        image = Image.new("L", (side * 8, side * 8), 255)
        draw = ImageDraw.Draw(image)
        x = y = 0.0
        for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
            if op == "M":
                x, y = float(a), float(b)
            elif op == "m":
                x, y = x + float(a), y + float(b)
            else:
                row, end = int(y), x + float(a)
                draw.rectangle([x * 8, row * 8, end * 8 - 1, row * 8 + 7], fill=0)
                x = end
        (result,) = zxingcpp.read_barcodes(image)
        found.append(result.text)
    return found


# --- the codes ----------------------------------------------------------------------------


def test_codes_are_60_random_bits_in_crockford_base32_and_forgive_typing():
    code = codes.new_code()
    assert len(code) == 12 and set(code) <= set(codes.ALPHABET)
    assert not set("ILOU") & set(codes.ALPHABET)
    assert re.fullmatch(r"\w{4}-\w{4}-\w{4}", codes.shown(code))
    assert len({codes.new_code() for _ in range(1000)}) == 1000
    assert codes.normalise(" 7k3m-q9xd 2hpa ") == "7K3MQ9XD2HPA"
    assert codes.normalise("OIL0-1111-2222") == "0110" + "11112222"
    for wrong in ("7K3M-Q9XD-2HP", "7K3M-Q9XD-2HPU", "", None, "x" * 500):
        assert codes.normalise(wrong) is None


def test_admins_and_facilitators_issue_codes_members_and_outsiders_do_not(
    app, client, people, group
):
    for name in ("Awa", "Boubacar"):
        sheet_of(group, people[name], size=1)
    for name in ("Coumba", "Outsider"):
        with pytest.raises(NotAllowed):
            sheet_of(group, people[name])
    page = f"/g/{group.slug}/codes"
    assert client.get(page).status_code == 302  # to log in
    for name, status in (("Outsider", 404), ("Coumba", 403), ("Boubacar", 200)):
        login(client, f"{name.lower()}@example.org")
        assert client.get(page).status_code == status, name
    group.suspended_at, group.suspension_reason = utcnow(), "Spam."
    db.session.commit()
    with pytest.raises(NotAllowed):
        sheet_of(group, people["Awa"])
    # A suspended group still sees and withdraws its sheets, but issues none.
    response = client.get(page)
    assert response.status_code == 200 and "Issue a sheet" not in response.text
    assert (
        post(client, page, {"label": "More", "size": "2", "days": "3", "debate": ""}).status_code
        == 403
    )


def test_the_sheet_is_printed_once_with_a_qr_code_of_each_link(app, client, people, group, debate):
    login(client, "boubacar@example.org")
    response = post(
        client,
        f"/g/{group.slug}/codes",
        {"label": "Youth workshop", "size": "4", "days": "10", "debate": str(debate.id)},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.text
    shown = CODE.findall(page)
    assert len(shown) == 4 and len(set(shown)) == 4
    assert "shown only now" in page and group.name in page and debate.motion in page
    assert qr_links(page) == [f"http://localhost/code?c={code}" for code in shown]
    # Only hashes are kept.
    stored = db.session.scalars(select(AccessCode.code_hash)).all()
    assert sorted(stored) == sorted(codes.code_hash(codes.normalise(c)) for c in shown)
    assert not any(c.replace("-", "") in str(stored) for c in shown)
    # The list names the sheet, not its codes.
    listing = client.get(f"/g/{group.slug}/codes").text
    assert "Youth workshop" in listing and "0 of 4" in listing
    assert not any(code in listing for code in shown)
    assert log_of(group)[-1] == ("codes_issued", None, "Youth workshop (4)")
    # Wrong input: the form again, with what was typed.
    wrong = post(client, f"/g/{group.slug}/codes", {"label": "Big", "size": "500", "days": "10"})
    assert wrong.status_code == 400 and 'value="Big"' in wrong.text


def test_a_join_code_makes_an_account_without_email_in_the_group(
    app, client, people, group, debate
):
    _sheet, issued = sheet_of(group, people["Boubacar"], debate=debate)
    code = issued[0]
    # The link fills the field, and says nothing about the code.
    page = client.get(f"/code?c={code}")
    assert page.status_code == 200 and f'value="{code}"' in page.text
    unknown = client.get("/code?c=ZZZZ-ZZZZ-ZZZZ")
    assert unknown.status_code == 200
    assert without_csrf(unknown.text).replace("ZZZZ-ZZZZ-ZZZZ", code) == without_csrf(page.text)
    response = redeem(client, code.lower().replace("-", " "), "Fanta")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/d/{debate.slug}#join"
    fanta = db.session.scalar(select(User).where(User.pseudonym == "Fanta"))
    assert fanta.email is None and fanta.can_log_in
    assert groups.role_of(fanta, group) is GroupRole.MEMBER
    assert client.get(f"/d/{debate.slug}").status_code == 200  # a private debate, admitted
    used = db.session.scalar(select(AccessCode).where(AccessCode.used_by_id == fanta.id))
    assert used.used_at is not None
    assert log_of(group)[-1] == ("joined_with_code", "Fanta", "")
    # The account page and settings cope without an email.
    settings = client.get("/account/settings").text
    assert "no email address" in settings and "recovery code" in settings
    assert client.get("/account").status_code == 200
    assert (
        client.post(
            "/account/data", data={"csrf_token": csrf_token(client, "/account/data")}
        ).status_code
        == 200
    )
    # A code works once.
    other = app.test_client()
    again = redeem(other, code, "Someone Else")
    assert again.status_code == 400 and "already used" in again.text
    assert 'value="Someone Else"' in again.text and NEW_PASSWORD not in again.text
    # Log out, then in by pseudonym (any case).
    post(client, "/logout")
    assert login(client, "fanta", NEW_PASSWORD).status_code == 302
    # No mail ever goes to an account without an address.
    outbox = app.extensions["deliberate.mail"].outbox
    before = len(outbox)
    post(client, "/account/logout-everywhere")
    assert len(outbox) == before


def test_a_sheet_without_debate_leads_to_the_group_page(app, client, people, group):
    _sheet, (code, *_rest) = sheet_of(group, people["Awa"])
    response = redeem(client, code, "Fanta")
    assert response.headers["Location"] == f"/g/{group.slug}"


def test_one_code_used_twice_at_once_makes_one_account(app, people, group, monkeypatch):
    _sheet, (code, *_rest) = sheet_of(group, people["Awa"])
    barrier = threading.Barrier(2, timeout=10)
    hash_password = accounts.hash_password

    def slow_hash(password):  # both requests past the first check before either claims
        barrier.wait()
        return hash_password(password)

    monkeypatch.setattr(accounts, "hash_password", slow_hash)
    clients = [app.test_client() for _ in range(2)]
    tokens = [csrf_token(c, "/code") for c in clients]
    results = {}

    def use(i):
        form = {"code": code, "pseudonym": f"Racer {i}", "password": NEW_PASSWORD}
        form |= {"confirm": NEW_PASSWORD, "csrf_token": tokens[i]}
        with app.app_context():  # each thread its own, as each request has
            results[i] = clients[i].post("/code", data=form).status_code

    threads = [threading.Thread(target=use, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == [302, 400]
    racers = db.session.scalar(select(func.count()).where(User.pseudonym.like("Racer %")))
    assert racers == 1


def test_refused_codes_say_why_and_make_nothing(app, client, people, group):
    sheet, (expired, revoked, suspended, _spare) = sheet_of(group, people["Awa"], size=4)
    db.session.execute(
        update(AccessCode)
        .where(AccessCode.code_hash == codes.code_hash(codes.normalise(expired)))
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    users = db.session.scalar(select(func.count()).select_from(User))
    assert "expired" in redeem(client, expired, "Fanta").text

    login(client, "boubacar@example.org")
    assert post(client, f"/g/{group.slug}/codes/{sheet.id}/revoke").status_code == 302
    post(client, "/logout")
    assert db.session.get(CodeSheet, sheet.id).revoked_at is not None
    response = redeem(client, revoked, "Fanta")
    assert response.status_code == 400 and "withdrew this code" in response.text

    sheet2, (fresh,) = sheet_of(group, people["Awa"], size=1)
    group.suspended_at, group.suspension_reason = utcnow(), "Spam."
    db.session.commit()
    assert "suspended" in redeem(client, fresh, "Fanta").text
    for wrong in ("ZZZZ-ZZZZ-ZZZZ", "not a code"):
        response = redeem(client, wrong, "Fanta")
        assert response.status_code == 400 and "not a valid code" in response.text
    mismatch = redeem(client, _spare, "Fanta", confirm="something else entirely")
    assert mismatch.status_code == 400 and "passwords differ" in mismatch.text
    assert db.session.scalar(select(func.count()).select_from(User)) == users
    assert [a for a, *_ in log_of(group)].count("codes_revoked") == 1


def test_a_recovery_code_sets_a_new_password_and_ends_every_session(app, client, people, group):
    _sheet, (code, *_rest) = sheet_of(group, people["Awa"])
    member = app.test_client()
    assert redeem(member, code, "Fanta").status_code == 302
    assert member.get("/account").status_code == 200
    fanta = db.session.scalar(select(User).where(User.pseudonym == "Fanta"))

    # Who may issue one, for whom.
    boubacar = groups.standing(people["Boubacar"], group)
    for person in (people["Coumba"], people["Awa"], people["Boubacar"], people["Outsider"]):
        with pytest.raises(NotAllowed):  # has an email, an admin, oneself, not a member
            codes.issue_recovery(boubacar, group, person)
    with pytest.raises(NotAllowed):
        codes.issue_recovery(groups.standing(people["Coumba"], group), group, fanta)

    login(client, "boubacar@example.org")
    url = f"/g/{group.slug}/members/{fanta.id}/recovery-code"
    first = CODE.findall(post(client, url).text)[0]
    response = post(client, url)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    (recovery,) = CODE.findall(response.text)
    assert qr_links(response.text) == [f"http://localhost/code?c={recovery}"]
    post(client, "/logout")

    stranger = app.test_client()
    assert "expired" in redeem(stranger, first, "Fanta").text  # replaced by the second
    wrong = redeem(stranger, recovery, "Coumba")
    assert wrong.status_code == 400 and "another pseudonym" in wrong.text
    response = redeem(stranger, recovery, "fanta")
    assert response.status_code == 302 and response.headers["Location"] == f"/g/{group.slug}"
    assert member.get("/account").status_code == 302  # the old session ended
    assert login(app.test_client(), "Fanta", NEW_PASSWORD).status_code == 302
    assert redeem(app.test_client(), recovery, "Fanta", "yet another password").status_code == 400
    fresh = app.test_client()
    assert login(fresh, "Fanta", "yet another password").status_code == 400
    actions = [(a, s) for a, s, _d in log_of(group)]
    assert actions[-3:] == [
        ("recovery_code_issued", "Fanta"),
        ("recovery_code_issued", "Fanta"),
        ("recovered_with_code", "Fanta"),
    ]


def test_login_by_pseudonym(app, client, people):
    assert login(client, "Coumba").status_code == 302
    post(client, "/logout")
    assert login(client, " coumba ").status_code == 302
    post(client, "/logout")
    wrong = login(client, "Coumba", "not the password at all")
    assert wrong.status_code == 400
    assert "This pseudonym and password do not match an account." in wrong.text
    unknown = login(client, "Nobody Here", "not the password at all")
    assert unknown.status_code == 400 and "pseudonym and password do not match" in unknown.text
    assert "Email or pseudonym" in client.get("/login").text


def test_forty_people_sign_up_from_one_address_but_guessing_is_limited(limited, people, group):
    app = limited
    _sheet, issued = sheet_of(group, people["Awa"], size=42)
    for n, code in enumerate(issued[:40]):
        response = redeem(app.test_client(), code, f"Person {n:02d}")
        assert response.status_code == 302, (n, response.text[:200])
    # Typos that cannot be a code cost nothing; codes that could be but are not, do.
    for _ in range(5):
        assert redeem(app.test_client(), "7K3M-Q9XD", "Guesser").status_code == 400
    for n in range(10):
        assert redeem(app.test_client(), f"ZZZZ-ZZZZ-ZZ{n}Z", "Guesser").status_code == 400
    assert redeem(app.test_client(), "ZZZZ-ZZZZ-ZZZZ", "Guesser").status_code == 429
    assert redeem(app.test_client(), issued[40], "Late").status_code == 429
    members = db.session.scalar(
        select(func.count()).where(User.pseudonym.like("Person %"), User.email.is_(None))
    )
    assert members == 40
