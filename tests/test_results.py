"""The report's figures against hand-computed toy debates, opinion groups on planted data,
the cache, the report page and the results API."""

import dataclasses

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from deliberate.debates import services as debate_services
from deliberate.extensions import db
from deliberate.models import GroupMethod, Position
from deliberate.moderation import review
from deliberate.moderation import services as moderation
from deliberate.moderation.models import Role
from deliberate.results import analysis, cache, polis_math
from deliberate.results.data import DebateData, load
from deliberate.results.polis_math import polis_groups

from .conftest import standing

# community -> [(before, after)] for its five members. Member 4 changes position.
TOY_POSITIONS = {
    "North": [
        ("for", "for"),
        ("for", "for"),
        ("against", "against"),
        ("against", "against"),
        ("undecided", "for"),
    ],
    "South": [
        ("for", "for"),
        ("against", "against"),
        ("against", "against"),
        ("against", "against"),
        ("undecided", "against"),
    ],
    "River": [
        ("for", "for"),
        ("for", "for"),
        ("against", "against"),
        ("undecided", "undecided"),
        ("undecided", "for"),
    ],
}
# argument -> community -> votes of members 0..n (1 agree, -1 disagree).
TOY_VOTES = {
    "A1": {"North": [1, 1, 1, 1, 1], "South": [-1, 1, 1, 1, 1], "River": [1, 1, 1]},
    "A2": {"North": [-1] * 5, "South": [1] * 5, "River": [1, -1, -1]},
    "A3": {"North": [1], "South": [1]},
}


@pytest.fixture
def toy(app, make_debate, make_user, make_argument):
    """Three communities of five; an undeclared author who wrote three arguments."""
    debate = make_debate()
    organiser = standing(debate.organiser, debate)
    moderation.set_communities(organiser, debate, list(TOY_POSITIONS))
    ids = {c.name: c.id for c in moderation.communities(debate)}
    author = make_user()
    arguments = {
        key: make_argument(debate, author, stance, f"Toy argument {key}, long enough.")
        for key, stance in (("A1", "pro"), ("A2", "con"), ("A3", "pro"))
    }
    members = {}
    for community, positions in TOY_POSITIONS.items():
        for before, _after in positions:
            user = make_user()
            debate_services.join_debate(
                standing(user, debate), debate, Position(before), ids[community]
            )
            members.setdefault(community, []).append(user)
    for key, by_community in TOY_VOTES.items():
        for community, values in by_community.items():
            for user, value in zip(members[community], values, strict=False):
                debate_services.cast_vote(standing(user, debate), arguments[key], value)
    for community, positions in TOY_POSITIONS.items():
        for user, (_before, after) in zip(members[community], positions, strict=True):
            debate_services.record_final_position(standing(user, debate), debate, Position(after))
    db.session.commit()
    return debate, arguments, members


def test_opinion_shift_and_winner(toy):
    debate, _arguments, _members = toy
    shift = cache.results_for(debate).figures["shift"]
    # 15 paired voters (the author gave no final position): for 5 -> 7, against 6 -> 7.
    assert shift["paired"] == 15
    assert shift["moved"] == 3
    assert shift["before_pct"] == {"for": 33.3, "against": 40.0, "undecided": 26.7}
    assert shift["after_pct"] == {"for": 46.7, "against": 46.7, "undecided": 6.7}
    assert shift["change"] == {"for": 13.3, "against": 6.7, "undecided": -20.0}
    assert shift["winner"] == "for"
    by_name = {c["name"]: c for c in shift["communities"]}
    assert by_name["North"]["winner"] == "for"
    assert by_name["South"]["winner"] == "against"
    assert by_name["South"]["change"] == {"for": 0.0, "against": 20.0, "undecided": -20.0}
    assert shift["not_by_community"] == 1  # the undeclared author


def test_winner_rule_from_the_issue():
    # For 31% -> 42% (+11) beats Against 44% -> 49% (+5).
    assert analysis.winner({"for": 11.0, "against": 5.0}) == "for"
    assert analysis.winner({"for": -3.0, "against": 2.0}) == "against"
    assert analysis.winner({"for": 4.0, "against": 4.0}) is None


def test_common_ground_and_divisiveness(toy):
    debate, arguments, _members = toy
    agreement = cache.results_for(debate).figures["agreement"]
    assert agreement["communities"] == ["North", "South", "River"]
    # Common ground means a majority agrees in every community: A2 (11 agree, 7 disagree
    # overall, but North all against it and River 1 in 3) is divisive, not common ground.
    [a1] = agreement["common_ground"]
    assert a1["id"] == arguments["A1"].id
    # Product over communities of (agree + 1) / (votes + 2).
    assert a1["common_ground"] == pytest.approx(6 / 7 * 5 / 7 * 4 / 5, abs=1e-4)
    a2 = next(row for row in agreement["divisive"] if row["id"] == arguments["A2"].id)
    assert a2["common_ground"] == pytest.approx(1 / 7 * 6 / 7 * 2 / 5, abs=1e-4)
    assert (a1["agree"], a1["disagree"]) == (12, 1)
    # Divisiveness: the gap between the most and the least agreeing community.
    assert a1["divisiveness"] == pytest.approx(6 / 7 - 5 / 7, abs=1e-4)
    assert a2["divisiveness"] == pytest.approx(6 / 7 - 1 / 7, abs=1e-4)
    assert [row["id"] for row in agreement["divisive"]] == [arguments["A2"].id, arguments["A1"].id]
    assert agreement["too_few_votes"]["count"] == 1
    assert agreement["too_few_votes"]["arguments"][0]["id"] == arguments["A3"].id
    row = agreement["heatmap"]["rows"][0]
    assert row["id"] == arguments["A1"].id
    # River's 3 votes are withheld: a cell under 5 votes would tell on a handful of people.
    assert row["votes"] == [5, 5, None]
    assert row["rates"] == [round(6 / 7, 3), round(5 / 7, 3), None]


def test_arguments_agreed_by_those_who_changed(toy):
    debate, arguments, _members = toy
    changed = cache.results_for(debate).figures["changed_minds"]
    assert changed["participants"] == 3
    assert [(a["id"], a["agree"]) for a in changed["arguments"]] == [
        (arguments["A1"].id, 2),
        (arguments["A2"].id, 1),
    ]


def test_small_communities_are_never_shown(toy, make_user):
    debate, arguments, _members = toy
    organiser = standing(debate.organiser, debate)
    moderation.set_communities(organiser, debate, [*TOY_POSITIONS, "Tiny"])
    tiny = next(c.id for c in moderation.communities(debate) if c.name == "Tiny")
    for _ in range(4):
        who = standing(make_user(), debate)
        participant = debate_services.join_debate(who, debate, Position.FOR, tiny)
        debate_services.cast_vote(standing(who.user, debate), arguments["A1"], 1)
        assert participant.community_id == tiny
    db.session.commit()
    figures = cache.results_for(debate).figures
    assert "Tiny" not in figures["agreement"]["communities"]
    assert "Tiny" not in [c["name"] for c in figures["shift"]["communities"]]


#: Planted opinions: each group's view on two kinds of argument (even and odd ids).
OPINIONS = {
    2: [(1, 1), (-1, -1)],
    3: [(1, 1), (-1, -1), (1, -1)],
    4: [(1, 1), (-1, -1), (1, -1), (-1, 1)],
}


def planted(groups=3, per_group=40, arguments=30, seen=20, noise=0.1, seed=1):
    """Synthetic votes: a group agrees with the arguments of a kind it favours and
    disagrees with the others, except for `noise` of its votes."""
    rng = np.random.default_rng(seed)
    voter, argument, value, truth = [], [], [], []
    for g, opinion in enumerate(OPINIONS[groups]):
        for i in range(per_group):
            row = g * per_group + i
            truth.append(g)
            for j in rng.choice(arguments, size=seen, replace=False):
                agree = (opinion[j % 2] > 0) != (rng.random() < noise)
                voter.append(row)
                argument.append(j)
                value.append(1 if agree else -1)
    n = groups * per_group
    data = DebateData(
        participant_ids=np.arange(100, 100 + n),
        community=np.full(n, -1),
        before=np.zeros(n, dtype=np.int64),
        after=np.full(n, -1),
        community_names=[],
        argument_ids=np.arange(1, arguments + 1),
        stances=["pro"] * arguments,
        voter=np.array(voter),
        argument=np.array(argument),
        value=np.array(value, dtype=np.int8),
        tree=[],
    )
    return data, np.array(truth)


@pytest.mark.parametrize("groups", [2, 3, 4])
def test_opinion_groups_recover_planted_groups(groups):
    data, truth = planted(groups=groups)
    figures, membership = analysis.opinion_groups(data)
    assert figures["status"] == "ok"
    assert figures["k"] == groups
    assert (figures["clustered"], figures["left_out"], figures["min_votes"]) == (40 * groups, 0, 7)
    found = np.array([membership[pid] for pid in data.participant_ids])
    assert adjusted_rand_score(truth, found) >= 0.9
    assert [g["size"] for g in figures["groups"]] == [40] * groups
    assert [g["label"] for g in figures["groups"]] == list("ABCD"[:groups])
    # One dot per participant, sorted by place: their order is not the order people joined.
    assert sorted(p[2] for p in figures["points"]) == sorted(found.tolist())
    assert figures["points"] == sorted(figures["points"])
    # Each group is represented by arguments on which it holds its planted view, more than
    # the other groups do; the first is its most distinctive agreement (Pol.is's best agree).
    for group in figures["groups"]:
        members = found == ord(group["label"]) - ord("A")
        opinion = OPINIONS[groups][np.bincount(truth[members]).argmax()]
        rows = group["representative"]
        assert 1 <= len(rows) <= 5
        # A group that agrees with anything has a best agree (group B of two disagrees
        # with everything); agreements come before disagreements.
        assert rows[0]["best_agree"] == (opinion != (-1, -1)) == (rows[0]["direction"] == "agree")
        assert not any(row["best_agree"] for row in rows[1:])
        directions = [row["direction"] for row in rows]
        assert directions == sorted(directions)  # "agree" < "disagree"
        for row in rows:
            assert row["significant"]
            assert row["group_pct"] > 50 and row["group_pct"] > row["rest_pct"]
            column = row["id"] - 1  # argument ids are 1..n over columns 0..n-1
            assert (opinion[column % 2] > 0) == (row["direction"] == "agree")


def test_opinion_groups_are_polis_groups_on_the_debate_votes():
    """The figures are polis_math's result on the debate's matrix, mapped to arguments: the
    group's share is Pol.is's smoothed one, the other groups' share is counted here from
    their members' votes, and the consensus keeps what beats 1/2 per group."""
    data, _truth = planted(groups=3)
    figures, membership = analysis.opinion_groups(data)
    matrix, columns = analysis.vote_matrix(data)
    assert columns == data.argument_ids.tolist()
    result = polis_groups(matrix, data.participant_ids.tolist(), columns, seed=0)
    assert membership == dict(zip(result.participant_ids, result.labels.tolist(), strict=True))
    for g, (group, stats) in enumerate(zip(figures["groups"], result.repness, strict=True)):
        assert [row["id"] for row in group["representative"]] == [s["comment_id"] for s in stats]
        for row, stat in zip(group["representative"], stats, strict=True):
            assert row["direction"] == stat["repful"]
            assert row["group_pct"] == round(stat["p"] * 100)
            side = 1 if row["direction"] == "agree" else -1
            others = votes_of_other_groups(data, membership, g, row["id"])
            hits = int((others == side).sum())
            assert row["rest_pct"] == round((hits + 1) / (len(others) + 2) * 100)
    for side in ("agree", "disagree"):
        expected = [(c, round(score, 3)) for c, score in result.consensus[side] if score > 0.5**3]
        assert [(r["id"], r["consensus"]) for r in figures["consensus"][side]] == expected
    assert figures["consensus"]["agree"] or figures["consensus"]["disagree"]


def votes_of_other_groups(data, membership, group: int, argument_id: int) -> np.ndarray:
    """The votes on an argument of the participants placed in a group other than `group`."""
    column = int(np.flatnonzero(data.argument_ids == argument_id)[0])
    on_it = data.argument == column
    groups = np.array([membership.get(int(data.participant_ids[r]), -1) for r in data.voter[on_it]])
    return data.value[on_it][(groups >= 0) & (groups != group)]


def test_a_statement_every_group_agrees_with_is_consensus():
    """Planted groups split on every argument but one, which everybody agrees with: it heads
    the group-informed consensus, with Pol.is's score, the product over groups of
    (agree + 1) / (seen + 2)."""
    data, _truth = planted(groups=3)
    common = data.n_arguments + 1
    everyone = np.arange(data.n_participants)
    data.argument_ids = np.append(data.argument_ids, common)
    data.stances.append("pro")
    data.voter = np.concatenate([data.voter, everyone])
    data.argument = np.concatenate([data.argument, np.full(len(everyone), common - 1)])
    data.value = np.concatenate([data.value, np.ones(len(everyone), dtype=np.int8)])
    figures, membership = analysis.opinion_groups(data)
    top = figures["consensus"]["agree"][0]
    assert top["id"] == common
    sizes = np.bincount(list(membership.values()))
    assert top["consensus"] == round(float(np.prod((sizes + 1) / (sizes + 2))), 3)
    assert common not in [r["id"] for r in figures["consensus"]["disagree"]]


def with_votes(data: DebateData, voter, argument, value, *, withheld=False) -> DebateData:
    """The same debate plus votes (on withheld arguments when asked)."""
    prefix = "withheld_" if withheld else ""
    for name, extra in (("voter", voter), ("argument", argument), ("value", value)):
        old = getattr(data, prefix + name)
        setattr(data, prefix + name, np.concatenate([old, np.asarray(extra, dtype=old.dtype)]))
    return data


def add_participants(data: DebateData, n: int) -> np.ndarray:
    """n new participants (rows at the end); their rows."""
    rows = np.arange(data.n_participants, data.n_participants + n)
    data.participant_ids = np.append(data.participant_ids, 1000 + rows)
    data.community = np.append(data.community, np.full(n, -1))
    data.before = np.append(data.before, np.zeros(n, dtype=np.int64))
    data.after = np.append(data.after, np.full(n, -1))
    return rows


def test_opinion_groups_are_reproducible_and_leave_out_light_voters():
    data, _truth = planted(groups=3)
    # Three newcomers with six votes each on shown arguments: one has nothing else (left
    # out), one a pass as well (placed: a pass is seen), one a vote on a withheld argument
    # (placed: Pol.is counts the votes on moderated-out statements).
    light, passer, hidden_voter = add_participants(data, 3)
    for row in (light, passer, hidden_voter):
        data = with_votes(data, [row] * 6, np.arange(6), [1, -1] * 3)
    data = with_votes(data, [passer], [6], [0])
    data.withheld_ids = np.array([999])
    data = with_votes(data, [hidden_voter], [0], [-1], withheld=True)
    first = analysis.opinion_groups(data)
    assert analysis.opinion_groups(data) == first
    figures, membership = first
    assert figures["status"] == "ok" and figures["clustered"] == 122
    assert figures["left_out"] == 1
    ids = data.participant_ids
    assert ids[light] not in membership
    assert ids[passer] in membership and ids[hidden_voter] in membership


def withhold(data: DebateData, argument_id: int) -> DebateData:
    """The same debate with one argument hidden: its column and votes become withheld."""
    column = int(np.flatnonzero(data.argument_ids == argument_id)[0])
    on_it = data.argument == column
    keep = [c for c in range(data.n_arguments) if c != column]
    renumber = np.cumsum(np.arange(data.n_arguments) != column) - 1
    return dataclasses.replace(
        data,
        argument_ids=data.argument_ids[keep],
        stances=[data.stances[c] for c in keep],
        voter=data.voter[~on_it],
        argument=renumber[data.argument[~on_it]],
        value=data.value[~on_it],
        withheld_ids=np.array([argument_id]),
        withheld_voter=data.voter[on_it],
        withheld_argument=np.zeros(int(on_it.sum()), dtype=np.int64),
        withheld_value=data.value[on_it],
    )


def test_a_withheld_argument_is_never_representative():
    """Hiding the argument that best represents a group takes it out of the figures, as
    Pol.is zeroes a moderated-out statement; the groups stay."""
    data, truth = planted(groups=3)
    figures, _membership = analysis.opinion_groups(data)
    top = figures["groups"][0]["representative"][0]["id"]
    hidden = withhold(data, top)
    assert hidden.n_arguments == data.n_arguments - 1 and len(hidden.value) < len(data.value)
    figures, membership = analysis.opinion_groups(hidden)
    shown = {r["id"] for g in figures["groups"] for r in g["representative"]}
    shown |= {r["id"] for side in figures["consensus"].values() for r in side}
    assert top not in shown and shown
    assert figures["k"] == 3
    found = np.array([membership[pid] for pid in data.participant_ids])
    assert adjusted_rand_score(truth, found) >= 0.9


def test_fewer_than_fifteen_voters_give_no_groups():
    data, _truth = planted(groups=2, per_group=7)  # 14 voters, fewer than Pol.is's 15
    figures, membership = analysis.opinion_groups(data)
    assert figures == {"status": "too_few", "clustered": 0, "left_out": 14, "min_votes": 7}
    assert membership == {}
    # A fifteenth voter, even a light one, tops them up: Pol.is places the 15 most active.
    (row,) = add_participants(data, 1)
    data = with_votes(data, [row] * 3, [0, 1, 2], [1, -1, 1])
    figures, membership = analysis.opinion_groups(data)
    assert figures["status"] == "ok" and len(membership) == 15


def test_results_are_cached_until_something_changes(toy, make_user, monkeypatch):
    debate, arguments, members = toy
    calls = []
    real = analysis.analyse
    monkeypatch.setattr(analysis, "analyse", lambda data: calls.append(1) or real(data))
    first = cache.results_for(debate)
    first_version = first.version
    cache.results_for(debate)
    assert len(calls) == 1

    voter = members["River"][4]  # has not voted on A1 yet
    debate_services.cast_vote(standing(voter, debate), arguments["A1"], -1)
    db.session.commit()
    db.session.refresh(debate)
    second = cache.results_for(debate)
    assert len(calls) == 2
    assert second.version > first_version
    assert second.figures["agreement"]["heatmap"]["rows"][0]["votes"] == [5, 5, None]
    assert second.figures["counts"]["participants"] == first.figures["counts"]["participants"]

    # Switching a vote changes no counter, but still refreshes the figures.
    debate_services.cast_vote(standing(voter, debate), arguments["A1"], 1)
    db.session.commit()
    db.session.refresh(debate)
    cache.results_for(debate)
    assert len(calls) == 3

    # So does a mediator hiding an argument.
    mediator = make_user()
    moderation.appoint_accepted(
        standing(debate.organiser, debate), debate, mediator.pseudonym, Role.MEDIATOR
    )
    review.decide(
        standing(mediator, debate), arguments["A2"], review.Decision.URGENT_HIDE, 1, "Rule 1."
    )
    db.session.commit()
    db.session.refresh(debate)
    ids = [row["id"] for row in cache.results_for(debate).figures["agreement"]["common_ground"]]
    assert len(calls) == 4
    assert arguments["A2"].id not in ids
    assert load(debate).withheld_ids.tolist() == [arguments["A2"].id]  # zeroed in the groups


def test_a_slow_analysis_is_reused_for_a_while(toy, monkeypatch):
    debate, arguments, members = toy
    row = cache.results_for(debate)
    row.seconds = 3.0  # as if the debate were huge
    db.session.commit()
    debate_services.cast_vote(standing(members["River"][4], debate), arguments["A1"], 1)
    db.session.commit()
    db.session.refresh(debate)
    monkeypatch.setattr(analysis, "analyse", lambda data: pytest.fail("recomputed"))
    assert cache.results_for(debate).version < debate.results_version


def test_figures_of_an_older_analysis_are_recomputed_even_when_slow(app, toy, monkeypatch):
    debate, _arguments, _members = toy
    row = cache.results_for(debate)
    row.seconds = 3.0  # even a slow debate's figures are not reused...
    row.figures = {**row.figures, "analysis": analysis.VERSION - 1}
    db.session.commit()
    calls = []
    real = analysis.analyse
    monkeypatch.setattr(analysis, "analyse", lambda data: calls.append(1) or real(data))
    assert cache.results_for(debate) is None  # ...nor shown: they are of another shape
    app.extensions["deliberate.results_queue"].join()  # ...but computed in the background
    db.session.expire_all()
    assert cache.results_for(debate).figures["analysis"] == analysis.VERSION
    assert calls == [1]


def test_a_debate_s_groups_use_its_version_of_pol_is_math(toy, monkeypatch):
    debate, _arguments, _members = toy
    seen = []
    real = polis_math.polis_groups
    monkeypatch.setattr(
        polis_math, "polis_groups", lambda *a, **kw: seen.append(kw["method"]) or real(*a, **kw)
    )
    analysis.analyse(load(debate))
    debate.group_method = GroupMethod.LEGACY
    db.session.commit()
    analysis.analyse(load(debate))
    assert seen == ["current", "legacy"]


def test_load_reads_only_published_arguments(toy):
    debate, arguments, _members = toy
    arguments["A3"].deleted_at = arguments["A3"].created_at
    db.session.commit()
    data = load(debate)
    assert arguments["A3"].id not in data.argument_ids.tolist()
    assert data.n_participants == 16
    assert len(data.value) == 13 + 13 + 0  # A1 and A2; A3's two votes no longer count
    # ...except as seen for the opinion groups, which zero the withdrawn argument (Pol.is).
    assert data.withheld_ids.tolist() == [arguments["A3"].id]
    assert data.withheld_argument.tolist() == [0, 0] and data.withheld_value.tolist() == [1, 1]
    voters = {int(data.participant_ids[row]) for row in data.withheld_voter}
    assert len(voters) == 2 and voters <= set(data.participant_ids[data.voter].tolist())


def test_report_page(client, toy):
    debate, arguments, _members = toy
    page = client.get(f"/d/{debate.slug}/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for section in ("shift", "common-ground", "divisive", "groups", "tree", "agreement"):
        assert f'id="{section}"' in html
    assert html.count("<svg") >= 3
    assert "Toy argument A1" in html
    assert "13.3" in html  # For gained 13.3 points


def test_report_in_french_uses_french_numbers(client, toy):
    debate, _arguments, _members = toy
    html = client.get(f"/d/{debate.slug}/report", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    assert "Pour" in html
    assert "13,3" in html


def test_results_api(client, toy):
    debate, arguments, _members = toy
    data = client.get(f"/api/v1/debates/{debate.slug}/results").get_json()
    assert data["slug"] == debate.slug
    assert data["shift"]["winner"] == "for"
    assert data["agreement"]["common_ground"][0]["id"] == arguments["A1"].id
    assert data["ratified_agreement"] == []
    assert "groups" in data and "participation" in data
    # The membership of opinion groups never leaves the server.
    assert "membership" not in data
    assert client.get("/api/v1/debates/no-such-debate/results").status_code == 404


def test_draft_report_is_hidden(client, make_debate):
    debate = make_debate(phase="draft")
    assert client.get(f"/d/{debate.slug}/report").status_code == 404
    assert client.get(f"/api/v1/debates/{debate.slug}/results").status_code == 404


def test_empty_debate_report(client, make_debate):
    debate = make_debate()
    page = client.get(f"/d/{debate.slug}/report")
    assert page.status_code == 200
    assert "Nobody has recorded a final position yet" in page.get_data(as_text=True)


def test_percentages_read_naturally(app):
    from flask import render_template_string
    from flask_babel import refresh

    with app.test_request_context(headers={"Accept-Language": "fr"}):
        refresh()  # the locale is cached in the app context the fixture keeps open
        assert render_template_string("{{ 22.4|pct }}") == "22,4\u00a0%"
        assert render_template_string("{{ -1.7|signed }}") == "\u22121,7"
    with app.test_request_context():
        refresh()
        assert render_template_string("{{ 22.4|pct }} {{ 50|pct }}") == "22.4% 50%"


def test_a_divisive_argument_is_never_common_ground_however_few_the_arguments(
    app, make_debate, make_user, make_argument
):
    """The run's case: 4 agree, 8 disagree, and nothing better to list."""
    debate = make_debate()
    moderation.set_communities(standing(debate.organiser, debate), debate, ["East", "West"])
    east, west = moderation.communities(debate)
    argument = make_argument(debate, body="A point most people reject, long enough.")
    votes = {east.id: [1, 1, 1, -1, -1, -1], west.id: [1, -1, -1, -1, -1, -1]}
    for community_id, values in votes.items():
        for value in values:
            who = standing(make_user(), debate)
            debate_services.join_debate(who, debate, Position("for"), community_id)
            debate_services.cast_vote(standing(who.user, debate), argument, value)
    db.session.commit()
    agreement = cache.results_for(debate).figures["agreement"]
    assert agreement["communities"] == ["East", "West"]
    assert agreement["common_ground"] == []
    assert [row["id"] for row in agreement["divisive"]] == [argument.id]
