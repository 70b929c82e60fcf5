"""The re-identification attack suite: adversaries who read only what the site publishes.

Each test builds one debate with communities (a world whose secrets the test knows), then
plays an outside attacker against its public outputs, anonymously, through the same URLs a
browser or a script would use: the pages, the JSON API, the results and the downloads. Each
attack is scored against a chance attacker who knows only the public totals (the prior), on
the same targets. The promise (docs/threat-model.md) is that no attack does better:

- the linker (issue 12, item 1) ties authors, named on the argument pages, to rows of the
  vote downloads, by participant number or by the arguments a row never voted on;
- the solver (item 2a) solves the vote downloads against the per-community figures of the
  results for each voter's declared community (an integer program: forced assignments);
- the differencers (items 2b to 2e) snapshot every public output before and after one
  person votes, joins, or deletes their account, and read the change.

Setup goes through the services (the same calls the pages make); attacks only GET.
"""

import csv
import io
import json
import random
import re
from dataclasses import dataclass, field

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from deliberate.debates import services as debate_services
from deliberate.extensions import db
from deliberate.models import Argument, Phase, Position, Stance
from deliberate.moderation import services as moderation
from deliberate.privacy import services as privacy

from .conftest import standing


@pytest.fixture(autouse=True)
def batches_of_five(app):
    """The production default (the tests' app releases every change at once)."""
    app.config["RELEASE_BATCH"] = 5


#: (community, members); "Fishers" is under 5, so it is never shown on its own.
COMMUNITIES = [("Herders", 8), ("Farmers", 8), ("Traders", 6), ("Youth", 6), ("Fishers", 2)]
UNDECLARED = 4
ARGUMENTS = 12
#: How each community leans, by argument: the chance of agreeing.
SEED = 12
POSITIONS = ["for", "against", "undecided"]


@dataclass
class Person:
    user: object
    community: str | None
    position: str
    votes: dict[int, int] = field(default_factory=dict)  # argument id -> +1 / -1
    wrote: list[int] = field(default_factory=list)


@dataclass
class World:
    slug: str
    debate: object
    people: list[Person]
    names: list[str]  # communities, in order
    organiser: object = None

    def close(self) -> None:
        """The end of the debate, when every download is complete."""
        moderation.change_phase(standing(self.organiser, self.debate), self.debate, Phase.CLOSED)
        db.session.commit()

    def shown(self) -> list[str]:
        return [name for name, size in COMMUNITIES if size >= 5]

    def declared(self) -> list[Person]:
        return [p for p in self.people if p.community is not None]


def build_world(make_user, make_debate, extra_undeclared: int = 0) -> World:
    """34 participants in five communities (one too small to show) and four undeclared,
    twelve arguments by six authors, about three votes in four, leaning by community."""
    rng = random.Random(SEED)
    organiser = make_user(pseudonym="Organiser Z", email="organiser@example.org")
    debate = make_debate(organiser=organiser, phase="draft")
    running = standing(organiser, debate)
    moderation.set_communities(running, debate, [name for name, _size in COMMUNITIES])
    moderation.change_phase(running, debate, Phase.OPEN)
    db.session.commit()
    ids = {c.name: c.id for c in moderation.communities(debate)}
    people = []
    plan = [name for name, size in COMMUNITIES for _ in range(size)]
    plan += [None] * (UNDECLARED + extra_undeclared)
    rng.shuffle(plan)
    for n, community in enumerate(plan):
        user = make_user(pseudonym=f"Speaker {n:02d}", email=f"speaker{n}@example.org")
        position = rng.choice(POSITIONS)
        who = standing(user, debate)
        debate_services.join_debate(who, debate, Position(position), ids.get(community))
        db.session.commit()
        people.append(Person(user, community, position))
    authors = people[:6]
    arguments = []
    for n in range(ARGUMENTS):
        author = authors[n % len(authors)]
        argument = debate_services.post_argument(
            standing(author.user, debate),
            debate,
            Stance.PRO if n % 2 else Stance.CON,
            f"Argument number {n}: a point that communities weigh differently.",
        )
        db.session.commit()
        author.wrote.append(argument.id)
        arguments.append(argument)
    lean = {name: [rng.random() for _ in arguments] for name in ids} | {None: [0.5] * ARGUMENTS}
    for person in people:
        who = standing(person.user, debate)
        for column, argument in enumerate(arguments):
            if argument.id in person.wrote or rng.random() > 0.75:
                continue
            value = 1 if rng.random() < lean[person.community][column] else -1
            debate_services.cast_vote(who, argument, value)
            person.votes[argument.id] = value
        db.session.commit()
    return World(debate.slug, debate, people, list(ids), organiser)


# --- what the public sees ---------------------------------------------------------------------


def results(client, slug) -> dict:
    response = client.get(f"/api/v1/debates/{slug}/results")
    assert response.status_code == 200
    return response.get_json()


def download(client, slug, kind) -> str:
    response = client.get(f"/d/{slug}/export/{kind}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def vote_rows(client, slug) -> dict[str, dict[int, int]]:
    """votes.csv as voter number -> {argument id: vote} (none while it is not published)."""
    rows: dict[str, dict[int, int]] = {}
    response = client.get(f"/d/{slug}/export/votes.csv")
    if response.status_code != 200:
        return rows
    for row in csv.DictReader(io.StringIO(response.get_data(as_text=True))):
        rows.setdefault(row["voter-id"], {})[int(row["comment-id"])] = int(row["vote"])
    return rows


def authors_on_pages(client, world: World) -> dict[str, list[int]]:
    """Pseudonym -> the arguments the public pages say they wrote."""
    named: dict[str, list[int]] = {}
    for argument in client.get(f"/api/v1/debates/{world.slug}").get_json()["arguments"]:
        if argument["author"]:
            named.setdefault(argument["author"], []).append(argument["id"])
    return named


PEOPLE_LIST = re.compile(r"<li>([^<:]+): (\d+)</li>")


def snapshot(client, world: World) -> dict:
    """Every public output that a declared community or a motion position could move."""
    page = client.get(f"/d/{world.slug}").get_data(as_text=True)
    api = client.get(f"/api/v1/debates/{world.slug}").get_json()
    figures = results(client, world.slug)
    for volatile in ("computed_at", "version"):
        figures.pop(volatile, None)
    graph = json.loads(download(client, world.slug, "arguments.json"))
    return {
        "page_communities": dict(PEOPLE_LIST.findall(page)),
        "motion_votes": api["motion_votes"],
        "results": figures,
        "graph_communities": graph["communities"],
    }


def community_changes(before: dict, after: dict, names: list[str]) -> set[str]:
    """The communities some community-indexed figure moved for."""
    moved = set()
    for name in names:
        if before["page_communities"].get(name) != after["page_communities"].get(name):
            moved.add(name)
        old = {c["name"]: c for c in before["graph_communities"]}
        new = {c["name"]: c for c in after["graph_communities"]}
        if old.get(name) != new.get(name):
            moved.add(name)
    for key in ("heatmap_cells", "shift_rows"):
        old, new = _indexed(before["results"], key), _indexed(after["results"], key)
        for name in names:
            if old.get(name) != new.get(name):
                moved.add(name)
    return moved


def _indexed(figures: dict, key: str) -> dict[str, object]:
    """Per-community figures of the results, by community name."""
    if key == "shift_rows":
        return {row["name"]: row for row in figures.get("shift", {}).get("communities", [])}
    heatmap = figures.get("agreement", {}).get("heatmap", {})
    names = heatmap.get("communities", [])
    cells: dict[str, list] = {name: [] for name in names}
    for row in heatmap.get("rows", []):
        for i, name in enumerate(names):
            cells[name].append((row["id"], row["rates"][i], row["votes"][i]))
    return cells


def prior_community(world: World, client) -> str:
    """The chance attacker's guess: the largest community the public counts show."""
    counts = {k: int(v) for k, v in snapshot(client, world)["page_communities"].items()}
    return max(counts, key=counts.get) if counts else world.shown()[0]


# --- item 1: authors' votes -------------------------------------------------------------------


def test_linker_cannot_tie_authors_to_their_votes(client, make_user, make_debate, report):
    """Authors are named on the argument pages. Tie each to a row of votes.csv: by the
    author number of comments.csv, else by the rows that never voted on their arguments
    (nobody votes on their own). Expected correct links must not beat a blind guess."""
    world = build_world(make_user, make_debate)
    world.close()
    results(client, world.slug)  # the figures of the debate as built
    rows = vote_rows(client, world.slug)
    comments = list(csv.DictReader(io.StringIO(download(client, world.slug, "comments.csv"))))
    author_of = {int(c["comment-id"]): c["author-id"] for c in comments if c["author-id"]}
    named = authors_on_pages(client, world)
    truth = {p.user.pseudonym: p for p in world.people}

    linked, chance = 0.0, 0.0
    for pseudonym, arguments in named.items():
        person = truth[pseudonym]
        numbers = {author_of.get(a) for a in arguments} - {None}
        if len(numbers) == 1 and next(iter(numbers)) in rows:
            candidates = [next(iter(numbers))]
        else:
            candidates = [r for r, votes in rows.items() if not set(votes) & set(arguments)]
        right = [r for r in candidates if rows[r] == person.votes and person.votes]
        linked += len(right) / len(candidates) if candidates else 0
        in_rows = [r for r, votes in rows.items() if votes == person.votes and person.votes]
        chance += len(in_rows) / len(rows) if rows else 0
    report.append(
        f"reidentification linker: {linked:.2f} of {len(named)} authors' votes found "
        f"(a blind guess: {chance:.2f})"
    )
    assert linked <= chance + 0.5, f"{linked:.1f} authors' votes found from the downloads"


# --- item 2a: the solver ----------------------------------------------------------------------


def published_cells(figures: dict) -> dict[tuple[int, str], tuple[int, int]]:
    """(argument id, community) -> (agree, votes), from the results' heat map: the rates are
    (agree + 1) / (votes + 2), so with the votes they give the agree count back."""
    cells = {}
    heatmap = figures.get("agreement", {}).get("heatmap", {})
    for row in heatmap.get("rows", []):
        for name, rate, votes in zip(
            heatmap["communities"], row["rates"], row["votes"], strict=True
        ):
            if rate is not None and votes is not None:
                cells[row["id"], name] = (round(rate * (votes + 2) - 1), votes)
    return cells


def solve(rows: dict[str, dict[int, int]], cells: dict, names: list[str], exact: bool):
    """Integer program: x[r, c] = 1 when row r is in community c (at most one). Each
    published cell is a sum over the rows of its community: equal to it when every voter
    has a row (exact), at most it otherwise. Returns (a feasible assignment, a function
    telling which communities row r can be in), or None when infeasible."""
    order = list(rows)
    n, k = len(order), len(names)
    if not n or not k:
        return None
    index = {(r, c): i * k + j for i, r in enumerate(order) for j, c in enumerate(names)}
    lines, lower, upper = [], [], []
    for (argument, name), (agree, votes) in cells.items():
        for wanted, total in ((lambda v: v is not None, votes), (lambda v: v == 1, agree)):
            line = np.zeros(n * k)
            for r in order:
                if wanted(rows[r].get(argument)):
                    line[index[r, name]] = 1
            lines.append(line)
            lower.append(total if exact else 0)
            upper.append(total)
    for r in order:
        line = np.zeros(n * k)
        line[[index[r, c] for c in names]] = 1
        lines.append(line)
        lower.append(0)
        upper.append(1)
    base = LinearConstraint(np.array(lines), lower, upper)

    def feasible(fix: dict[int, int]) -> np.ndarray | None:
        low, high = np.zeros(n * k), np.ones(n * k)
        for i, value in fix.items():
            low[i] = high[i] = value
        found = milp(
            np.zeros(n * k), constraints=base, integrality=np.ones(n * k), bounds=Bounds(low, high)
        )
        return found.x if found.success else None

    solution = feasible({})
    if solution is None:
        return None

    def options(r: str) -> set[str | None]:
        possible = {c for c in names if feasible({index[r, c]: 1}) is not None}
        if feasible({index[r, c]: 0 for c in names}) is not None:
            possible.add(None)
        return possible

    assignment = {r: next((c for c in names if solution[index[r, c]] > 0.5), None) for r in order}
    return assignment, options


def test_solver_cannot_recover_declared_communities(client, make_user, make_debate, report):
    """Solve votes.csv against the per-community agree/disagree figures of the results:
    each forced assignment names a voter's community. Scored over the declared participants
    against guessing the largest community for everyone."""
    world = build_world(make_user, make_debate)
    world.close()
    figures = results(client, world.slug)
    rows = vote_rows(client, world.slug)
    cells = published_cells(figures)
    names = sorted({name for _argument, name in cells})
    solved = solve(rows, cells, names, exact=True) or solve(rows, cells, names, exact=False)
    prior = prior_community(world, client)
    row_of = {}
    for person in world.people:
        matching = [r for r, votes in rows.items() if votes == person.votes and person.votes]
        if len(matching) == 1:
            row_of[person.user.id] = matching[0]

    forced = correct = prior_correct = 0
    for person in world.declared():
        prior_correct += person.community == prior
        guess = prior
        row = row_of.get(person.user.id)
        if solved and row is not None:
            assignment, options = solved
            possible = options(row)
            if len(possible) == 1:
                forced += 1
                guess = next(iter(possible))
            elif assignment[row] is not None:
                guess = assignment[row]
        correct += guess == person.community
    declared = len(world.declared())
    report.append(
        f"reidentification solver: {forced} communities forced, {correct} of {declared} "
        f"right (the prior alone: {prior_correct})"
    )
    assert forced == 0, f"the solver forced {forced} declared communities"
    assert correct <= prior_correct + 1, f"the solver found {correct} of {declared} communities"


# --- items 2b to 2e: the differencers ---------------------------------------------------------


def _guess(before, after, world, client, prior) -> str:
    moved = community_changes(before, after, world.names)
    return next(iter(moved)) if len(moved) == 1 else prior


def _targets(world: World, prior: str, count: int = 3) -> list[Person]:
    """Declared participants outside the largest community, in different communities."""
    seen, chosen = set(), []
    for person in world.people:
        if person.community not in (None, prior, *seen) and person.community in world.shown():
            seen.add(person.community)
            chosen.append(person)
    return chosen[:count]


def test_differencer_learns_nothing_from_one_vote(client, make_user, make_debate, report):
    """2b: snapshot every public figure, let one declared participant change a vote, take
    a snapshot again, and read which community's figures moved."""
    world = build_world(make_user, make_debate)
    prior = prior_community(world, client)
    learned = chance = 0
    targets = _targets(world, prior)
    for person in targets:
        argument_id, value = next(iter(person.votes.items()))
        before = snapshot(client, world)
        argument = db.session.get(Argument, argument_id)
        debate_services.cast_vote(standing(person.user, world.debate), argument, -value)
        db.session.commit()
        after = snapshot(client, world)
        learned += _guess(before, after, world, client, prior) == person.community
        chance += prior == person.community
    report.append(f"reidentification one vote: {learned} of {len(targets)} (chance {chance})")
    assert learned <= chance, f"one vote gave away {learned} communities"


def test_differencer_learns_nothing_from_one_join(client, make_user, make_debate, report):
    """2c: poll the debate page, the API and the results around one join: the opening
    position and the community must not show."""
    world = build_world(make_user, make_debate)
    prior = prior_community(world, client)
    ids = {c.name: c.id for c in moderation.communities(world.debate)}
    tallies = snapshot(client, world)["motion_votes"]["before"]
    prior_position = max(tallies, key=tallies.get)
    joiners = [("Farmers", "against"), ("Traders", "for"), ("Youth", "against")]
    joiners = [(c, p) for c, p in joiners if c != prior] or joiners
    learned = chance = 0
    for n, (community, position) in enumerate(joiners):
        user = make_user(pseudonym=f"Newcomer {n}", email=f"newcomer{n}@example.org")
        before = snapshot(client, world)
        who = standing(user, world.debate)
        debate_services.join_debate(who, world.debate, Position(position), ids[community])
        db.session.commit()
        after = snapshot(client, world)
        grew = [
            key
            for key, count in after["motion_votes"]["before"].items()
            if count != before["motion_votes"]["before"][key]
        ]
        guessed_position = grew[0] if len(grew) == 1 else prior_position
        learned += _guess(before, after, world, client, prior) == community
        learned += guessed_position == position
        chance += (prior == community) + (prior_position == position)
    report.append(f"reidentification one join: {learned} of {2 * len(joiners)} (chance {chance})")
    assert learned <= chance, f"one join gave away {learned} secrets"


def test_differencer_learns_nothing_from_one_deletion(client, make_user, make_debate, report):
    """2d: the deleted account's writing turns into "Former participant" at once; the
    figures must not say which community it had declared."""
    world = build_world(make_user, make_debate)
    prior = prior_community(world, client)
    learned = chance = 0
    targets = _targets(world, prior)
    for person in targets:
        before = snapshot(client, world)
        privacy.delete_account(person.user)
        db.session.commit()
        after = snapshot(client, world)
        learned += _guess(before, after, world, client, prior) == person.community
        chance += prior == person.community
    report.append(f"reidentification one deletion: {learned} of {len(targets)} (chance {chance})")
    assert learned <= chance, f"deleting an account gave away {learned} communities"


def test_small_communities_stay_hidden_in_every_count(client, make_user, make_debate, report):
    """2e: someone joins the community too small to be shown. No public figure may move in
    a way that says so (the report's count of declared participants did)."""
    world = build_world(make_user, make_debate)
    results(client, world.slug)
    ids = {c.name: c.id for c in moderation.communities(world.debate)}
    before = snapshot(client, world)
    user = make_user(pseudonym="Quiet Fisher", email="fisher@example.org")
    who = standing(user, world.debate)
    debate_services.join_debate(who, world.debate, Position.UNDECIDED, ids["Fishers"])
    db.session.commit()
    after = snapshot(client, world)
    moved = {
        key
        for key in ("declared",)
        if before["results"].get("participation", {}).get(key)
        != after["results"].get("participation", {}).get(key)
    }
    shown_moved = community_changes(before, after, world.names)
    told = bool(moved) and not shown_moved
    report.append(f"reidentification small community: {'told' if told else 'hidden'}")
    assert not told, "the declared count moved while no shown community did"
