"""Locust scenario: participants of the main demo debate, reading, voting and posting.

    python bench/load_test.py                   (creates the accounts, starts the server)

Each simulated user logs in to an account of its own, joins the seeded debate (opening
position and the ground rules), then reads the debate page (most often), opens argument pages,
votes agree or disagree on others' arguments and now and then posts a short argument or a
reply, with 1-3 s of thinking between actions.

Registering takes a link sent by mail, so the accounts exist before the run: load_test.py
creates "Load 1".."Load N" (load-<n>@example.org) and passes N and their password in
DELIBERATE_LOAD_ACCOUNTS and DELIBERATE_LOAD_PASSWORD. Run by hand, `locust -f
bench/locustfile.py --host URL` needs those two variables and the accounts on that server.

Every response is checked, and anything but the expected answer is a failure, 429 (rate
limited) included: a correct server gives 0 failures. Requests are named by kind ("debate
page", "vote", ...) so locust's statistics group them.

The server must trust one proxy (DELIBERATE_TRUSTED_PROXIES=1): each user sends its own
X-Forwarded-For address, as clients behind a reverse proxy appear, so the per-address limit on
logins does not stop 50 users coming from 127.0.0.1; and, as through a proxy, each request
comes on a new connection (Connection: close). Once logged in, limits
count per account; the pace here (a request every ~2 s, 1 in ~14 of them a post, 3 in ~14 a
vote) stays far below the write limit (30/min) and the vote limit (120/min).
"""

import itertools
import os
import random
import re
import uuid

from locust import HttpUser, between, task

DEBATE = "un-talks-mali-jnim"
DEBATE_PATH = f"/d/{DEBATE}"

CSRF_INPUT = re.compile(r"<input\b[^>]*\bname=\"csrf_token\"[^>]*>")
VALUE_ATTR = re.compile(r"\bvalue=\"([^\"]*)\"")
ARGUMENT_LINK = re.compile(rf"href=\"{re.escape(DEBATE_PATH)}/a/(\d+)[\"#]")
REPLY_LINK = re.compile(rf"href=\"{re.escape(DEBATE_PATH)}/a/(\d+)/reply\"")
VOTE_BUTTON = re.compile(r"<button form=\"vote\" name=\"value\" value=\"(\d+):(-?1|)\"")
ARGUMENT_URL = re.compile(rf"{re.escape(DEBATE_PATH)}/a/(\d+)(?:[?#]|$)")

# A distinct client address per simulated user (10.0.0.0/8), from a random start so that
# a second run against the same server does not reuse the first run's addresses.
_addresses = itertools.count(random.randrange(1, 1 << 23))

POINTS = [
    "A ceasefire that excludes the armed groups leaves the villages without any protection.",
    "Talks give local mediators cover to negotiate access for food convoys.",
    "Any deal must be verified by observers the communities themselves trust.",
    "Negotiating now rewards violence and invites the next group to escalate.",
    "The sources cited do not show the effect claimed; we need local figures.",
    "Past local truces held longer when religious leaders were part of them.",
]


# Accounts made by load_test.py; each simulated user takes the next one (round the list
# again if there are more users than accounts).
ACCOUNTS = int(os.environ.get("DELIBERATE_LOAD_ACCOUNTS", "0"))
PASSWORD = os.environ.get("DELIBERATE_LOAD_PASSWORD", "")
_accounts = itertools.count()


def next_email() -> str:
    return f"load-{next(_accounts) % ACCOUNTS + 1}@example.org"


def next_address() -> str:
    n = next(_addresses) % (1 << 24)
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def status(response) -> str:
    """E.g. "status 404"; for no answer at all (status 0), the connection error."""
    if response.status_code == 0:
        return f"no response: {type(response.error).__name__}: {response.error}"
    return f"status {response.status_code}"


def csrf_token(html: str) -> str | None:
    tag = CSRF_INPUT.search(html)
    if tag is None:
        return None
    value = VALUE_ATTR.search(tag.group(0))
    return value.group(1) if value else None


class Participant(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        self.client.headers.update(
            {
                "X-Forwarded-For": next_address(),
                "Accept-Language": "en",
                # One connection per request, as a reverse proxy (nginx's default upstream
                # HTTP/1.0) reaches gunicorn. Kept-alive connections idle for 1-3 s race
                # gunicorn's 2 s keep-alive timeout: it resets one now and then, a client
                # artefact here that browsers retry transparently.
                "Connection": "close",
            }
        )
        self.token = None
        self.argument_ids: list[int] = []  # seen on the last page read
        self.reply_ids: list[int] = []  # arguments offering a "Reply" link
        self.vote_buttons: list[str] = []  # "<id>:<value>" of buttons offered to us
        self.mine: set[int] = set()  # arguments we posted
        self.joined = self.login() and self.join()

    # --- setting up --------------------------------------------------------------------------

    def login(self) -> bool:
        if not ACCOUNTS or not PASSWORD:
            raise RuntimeError(
                "DELIBERATE_LOAD_ACCOUNTS and DELIBERATE_LOAD_PASSWORD are not set: "
                "run bench/load_test.py, which creates the accounts"
            )
        with self.client.get("/login", name="login form", catch_response=True) as r:
            token = csrf_token(r.text) if r.status_code == 200 else None
            if token is None:
                r.failure(f"{status(r)}, no CSRF token")
                return False
            r.success()
        form = {"csrf_token": token, "email": next_email(), "password": PASSWORD}
        with self.client.post("/login", data=form, name="login", catch_response=True) as r:
            if r.status_code != 200 or not r.history or r.history[0].status_code != 302:
                r.failure(f"{status(r)} (expected a redirect after logging in)")
                return False
            if "/login" in r.url:
                r.failure(f"not logged in (ended at {r.url})")
                return False
            r.success()
        # Logging in starts a new session: the token for the next forms is on this page.
        self.token = csrf_token(r.text)
        return True

    def join(self) -> bool:
        if not self.read_debate():
            return False
        if 'name="accept_rules"' not in self.page:
            self.environment.events.request.fire(
                request_type="POST",
                name="join",
                response_time=0,
                response_length=0,
                exception=AssertionError("no join form on the debate page"),
                context={},
            )
            return False
        form = {
            "csrf_token": self.token,
            "position": random.choice(["for", "against", "undecided"]),
            "community": "",
            "accept_rules": "y",
        }
        path = f"{DEBATE_PATH}/join"
        with self.client.post(path, data=form, name="join", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(status(r))
                return False
            if "Your opening position:" not in r.text:
                r.failure("not joined (the join form was refused)")
                return False
            r.success()
            self.remember(r.text)
        return True

    # --- reading -----------------------------------------------------------------------------

    def remember(self, html: str) -> None:
        """Keep the page's CSRF token, argument links, reply links and vote buttons."""
        self.page = html
        self.token = csrf_token(html) or self.token
        self.argument_ids = sorted({int(i) for i in ARGUMENT_LINK.findall(html)})
        self.reply_ids = [int(i) for i in REPLY_LINK.findall(html)]
        self.vote_buttons = [f"{i}:{v}" for i, v in VOTE_BUTTON.findall(html) if v]

    def read_debate(self) -> bool:
        with self.client.get(DEBATE_PATH, name="debate page", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(status(r))
                return False
            if not ARGUMENT_LINK.search(r.text):
                r.failure("no argument links on the debate page")
                return False
            r.success()
            self.remember(r.text)
        return True

    @task(6)
    def debate_page(self):
        self.read_debate()

    @task(4)
    def argument_page(self):
        if not self.argument_ids:
            self.read_debate()
            return
        argument_id = random.choice(self.argument_ids)
        path = f"{DEBATE_PATH}/a/{argument_id}"
        with self.client.get(path, name="argument page", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(status(r))
                return
            # (A merged duplicate redirects to the argument it was merged into: still fine.)
            if not ARGUMENT_URL.search(r.url):
                r.failure(f"ended at {r.url}")
                return
            r.success()
            self.remember(r.text)

    # --- writing -----------------------------------------------------------------------------

    @task(3)
    def vote(self):
        if not self.joined:
            return
        if not self.vote_buttons:
            self.read_debate()
            return
        value = random.choice(self.vote_buttons)
        argument_id, mine = value.split(":")
        with self.client.post(
            f"{DEBATE_PATH}/vote",
            data={"csrf_token": self.token, "value": value},
            headers={"Accept": "application/json"},
            name="vote",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(status(r))
                return
            try:
                answer = r.json()
            except ValueError:
                r.failure(f"not JSON (ended at {r.url})")
                return
            if answer.get("argument") != int(argument_id) or answer.get("mine") != int(mine):
                r.failure(f"unexpected answer {answer!r}")
                return
            r.success()
        # The button we pressed now retracts; do not press it again from this page.
        self.vote_buttons = [b for b in self.vote_buttons if not b.startswith(f"{argument_id}:")]

    @task(1)
    def post(self):
        if not self.joined:
            return
        candidates = [i for i in self.reply_ids if i not in self.mine]
        if candidates and random.random() < 0.5:
            self.post_reply(random.choice(candidates))
        else:
            self.post_argument()

    def body(self) -> str:
        return f"{random.choice(POINTS)} (load test {uuid.uuid4().hex})"

    def post_argument(self):
        form = {
            "csrf_token": self.token,
            "stance": random.choice(["pro", "con"]),
            "body": self.body(),
        }
        self.submit(f"{DEBATE_PATH}/arguments/new", form, "post argument")

    def post_reply(self, parent_id: int):
        path = f"{DEBATE_PATH}/a/{parent_id}/reply"
        with self.client.get(path, name="reply form", catch_response=True) as r:
            token = csrf_token(r.text) if r.status_code == 200 else None
            if token is None:
                r.failure(f"{status(r)}, no CSRF token")
                return
            r.success()
        form = {"csrf_token": token, "stance": random.choice(["pro", "con"]), "body": self.body()}
        self.submit(path, form, "post reply")

    def submit(self, path: str, form: dict, name: str) -> None:
        with self.client.post(path, data=form, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(status(r))
                return
            landed = ARGUMENT_URL.search(r.url)
            if not r.history or landed is None or form["body"][-32:] not in r.text:
                r.failure(f"not posted (ended at {r.url})")
                return
            r.success()
            self.mine.add(int(landed.group(1)))
            self.remember(r.text)
