"""Importing Pol.is conversations (deliberate/polis): slices of three real conversations
(tests/data/polis, CC BY 4.0) become closed open-question debates whose counters equal
their rows, whose moderation is kept, and whose Pol.is downloads give back the same vote
matrix and texts. Malformed exports fail with the file and line, leaving nothing behind."""

import csv
import io
import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from markupsafe import escape
from sklearn.metrics import adjusted_rand_score
from sqlalchemy import func, select

from deliberate.counters import wilson_lower_bound
from deliberate.extensions import db
from deliberate.models import (
    Argument,
    ArgumentVote,
    Debate,
    DebateFormat,
    GroupMethod,
    Participant,
    Phase,
    User,
    Visibility,
)
from deliberate.moderation.models import LogEntry
from deliberate.polis import importer
from deliberate.polis.files import read_conversation
from deliberate.polis.importer import (
    IMPORT_ACCOUNT,
    REJECTED_REASON,
    PolisFormatError,
    PolisImportError,
    import_conversation,
    run_import,
)
from deliberate.results import exports
from deliberate.results.models import DebateResult
from deliberate.results.polis_math import polis_groups
from deliberate.results.texts import excerpt

DATA = Path(__file__).parent / "data" / "polis"
SLICES = [
    "15-per-hour-seattle-slice",
    "brexit-consensus-slice",
    "american-assembly.bowling-green-slice",
]
SEATTLE, BREXIT, BOWLING_GREEN = (DATA / name for name in SLICES)
BREXIT_FULL = DATA / "brexit-consensus"


# --- reading the files independently of the importer ----------------------------------------


def read_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def file_comments(folder: Path) -> dict[int, dict]:
    return {int(c["comment-id"]): c for c in read_rows(folder / "comments.csv")}


def file_matrix(folder: Path) -> dict[tuple[int, int], int]:
    matrix = {}
    for row in read_rows(folder / "participants-votes.csv"):
        for key, cell in row.items():
            if key not in exports.MATRIX_HEADER and cell != "":
                matrix[int(row["participant"]), int(key)] = int(cell)
    return matrix


def file_latest_votes(folder: Path) -> dict[tuple[int, int], tuple[int, int]]:
    """(voter, comment) -> (vote, timestamp) of the latest vote (ties: the later line)."""
    rows = read_rows(folder / "votes.csv")
    latest = {}
    for _line, row in sorted(
        enumerate(rows), key=lambda item: (int(item[1]["timestamp"]), item[0])
    ):
        latest[int(row["voter-id"]), int(row["comment-id"])] = (
            int(row["vote"]),
            int(row["timestamp"]),
        )
    return latest


def file_participants(folder: Path) -> set[int]:
    people = {int(r["participant"]) for r in read_rows(folder / "participants-votes.csv")}
    people |= {int(c["author-id"]) for c in file_comments(folder).values()}
    if (folder / "votes.csv").exists():
        people |= {voter for voter, _comment in file_latest_votes(folder)}
    return people


def file_votes(folder: Path) -> dict[tuple[int, int], int]:
    if (folder / "votes.csv").exists():
        return {key: vote for key, (vote, _when) in file_latest_votes(folder).items()}
    return file_matrix(folder)


def table_counts() -> dict[str, int]:
    db.session.rollback()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def text(chunks) -> str:
    return "".join(chunks)


def csv_rows(chunks) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text(chunks))))


def statements(debate: Debate) -> dict[int, Argument]:
    return {
        a.external_id: a
        for a in db.session.scalars(select(Argument).where(Argument.debate_id == debate.id))
    }


# --- importing ------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", [SEATTLE, BREXIT, BOWLING_GREEN], ids=SLICES)
def test_a_slice_imports_with_every_count_matching_the_files(app, folder):
    comments, votes = file_comments(folder), file_votes(folder)
    result = run_import(folder)
    debate = db.session.get(Debate, result.debate.id)
    rejected = {cid for cid, c in comments.items() if c["moderated"] == "-1"}
    unmoderated = {cid for cid, c in comments.items() if c["moderated"] == "0"}
    short = {cid for cid, c in comments.items() if not 10 <= len(c["comment-body"]) <= 2000}
    assert (result.statements, result.participants, result.votes) == (
        len(comments),
        len(file_participants(folder)),
        len(votes),
    )
    assert (result.hidden, result.unreviewed) == (len(rejected), len(unmoderated))
    assert {cid for cid, _length in result.without_text} == short
    assert result.votes_from == (
        "votes.csv" if (folder / "votes.csv").exists() else "participants-votes.csv"
    )

    # The debate: a closed open question.
    assert debate.format is DebateFormat.QUESTION and debate.phase is Phase.CLOSED
    assert debate.closed_at is not None and debate.created_at <= debate.closed_at
    assert debate.results_version >= 1

    # Statements: every comment, top-level, no stance, its Pol.is id; moderation kept.
    by_id = statements(debate)
    assert set(by_id) == set(comments)
    for cid, argument in by_id.items():
        comment = comments[cid]
        assert (argument.stance, argument.parent_id, argument.depth) == (None, None, 0)
        assert argument.path == f"{argument.id:010d}"
        assert argument.visibility is (Visibility.HIDDEN if cid in rejected else Visibility.SHOWN)
        assert argument.unreviewed is (cid in unmoderated)
        assert argument.moderation_reason == (REJECTED_REASON if cid in rejected else "")
        assert argument.created_at == datetime.fromtimestamp(int(comment["timestamp"]) / 1000, UTC)
        assert argument.author.pseudonym == f"Pol.is participant {comment['author-id']}"
        if cid in short:
            assert argument.deleted_at is not None and argument.body == argument.body_html == ""
        else:
            assert argument.deleted_at is None and argument.body == comment["comment-body"]
            assert argument.body_html.startswith("<")

    # Participants: anonymous imported accounts nobody can log in to.
    participants = db.session.scalars(
        select(Participant).where(Participant.debate_id == debate.id)
    ).all()
    assert {p.external_id for p in participants} == file_participants(folder)
    assert all(p.position_before is None and p.position_after is None for p in participants)
    users = db.session.scalars(
        select(User).where(User.id.in_([p.user_id for p in participants]))
    ).all()
    assert len(users) == len(participants)
    for user in users:
        assert user.is_imported and not user.can_log_in
        assert (user.email, user.password_hash, user.pseudonym_key) == (None, None, None)
    number = {p.user_id: p.external_id for p in participants}
    assert {number[u.id]: u.pseudonym for u in users} == {
        n: f"Pol.is participant {n}" for n in number.values()
    }

    # Votes: the same matrix, 1 / -1 / 0.
    stored = db.session.execute(
        select(ArgumentVote.user_id, Argument.external_id, ArgumentVote.value)
        .join(Argument, Argument.id == ArgumentVote.argument_id)
        .where(Argument.debate_id == debate.id)
    ).all()
    assert {(number[user], cid): value for user, cid, value in stored} == votes

    # Counters equal the rows they count.
    for cid, argument in by_id.items():
        values = [v for (_voter, c), v in votes.items() if c == cid]
        assert (argument.agree_count, argument.disagree_count, argument.pass_count) == (
            values.count(1),
            values.count(-1),
            values.count(0),
        )
        # The slices' comments.csv counts were recomputed from their votes.
        assert (argument.agree_count, argument.disagree_count) == (
            int(comments[cid]["agrees"]),
            int(comments[cid]["disagrees"]),
        )
        assert argument.score == pytest.approx(
            wilson_lower_bound(argument.agree_count, argument.disagree_count)
        )
        assert (argument.reply_count, argument.descendant_count) == (0, 0)
    assert debate.participant_count == len(participants)
    assert debate.vote_count == len(stored)
    assert debate.argument_count == len(comments) - len(short)

    # Each rejection is on the public moderation log.
    entries = db.session.scalars(select(LogEntry).where(LogEntry.debate_id == debate.id)).all()
    hides = [e for e in entries if e.action == "argument_hidden"]
    assert sorted(e.argument_id for e in hides) == sorted(by_id[cid].id for cid in rejected)
    assert {(e.reason, e.actor_id) for e in hides} <= {(REJECTED_REASON, debate.organiser_id)}


@pytest.mark.parametrize("folder", [SEATTLE, BOWLING_GREEN], ids=[SLICES[0], SLICES[2]])
def test_the_reader_gives_the_vote_matrix_groups_and_arrival_order(folder):
    """What the opinion-group tests and bench/polis_fidelity.py read: the matrix in Pol.is's
    row order (first vote in votes.csv, else participant id), Pol.is's group-id column and
    the rejected statements, against the files read independently."""
    conversation = read_conversation(folder)
    order = conversation.arrival_order()
    assert sorted(order) == conversation.participants
    if (folder / "votes.csv").exists():
        first = {}
        for _line, row in sorted(
            enumerate(read_rows(folder / "votes.csv")),
            key=lambda item: (int(item[1]["timestamp"]), item[0]),
        ):
            first.setdefault(int(row["voter-id"]), None)
        assert order[: len(first)] == list(first) != sorted(first)
    else:
        assert order == sorted(conversation.participants)

    votes = file_votes(folder)
    rows = {p: i for i, p in enumerate(order)}
    columns = {c: j for j, c in enumerate(conversation.comment_ids)}
    expected = np.full((len(order), len(columns)), np.nan)
    for (voter, comment), value in votes.items():
        expected[rows[voter], columns[comment]] = value
    dense = conversation.vote_matrix(order, dense=True)
    assert np.array_equal(dense, expected, equal_nan=True)
    sparse = conversation.vote_matrix(order)
    passes = sum(value == 0 for value in votes.values())
    assert sparse.nnz == len(votes) and (sparse.data == 0).sum() == passes > 0  # passes seen
    assert np.array_equal(sparse.toarray(), np.nan_to_num(expected))

    groups = {
        int(r["participant"]): int(r["group-id"]) if r["group-id"] else None
        for r in read_rows(folder / "participants-votes.csv")
    }
    assert conversation.groups == groups and None in groups.values()
    comments = file_comments(folder)
    assert conversation.rejected == sorted(c for c in comments if comments[c]["moderated"] == "-1")
    assert conversation.meta == []  # none known for the slices


def test_votes_csv_latest_vote_counts_with_its_times(app):
    rows = read_rows(SEATTLE / "votes.csv")
    seen = {}
    for row in rows:
        seen.setdefault((int(row["voter-id"]), int(row["comment-id"])), []).append(row)
    changed = {k: v for k, v in seen.items() if len({r["vote"] for r in v}) > 1}
    assert changed, "the slice keeps some changed votes"
    debate = import_conversation(SEATTLE)
    by_id = statements(debate)
    people = {
        p.external_id: p.user_id
        for p in db.session.scalars(select(Participant).where(Participant.debate_id == debate.id))
    }
    for (voter, cid), history in changed.items():
        times = [int(r["timestamp"]) for r in history]
        latest = max(history, key=lambda r: int(r["timestamp"]))
        vote = db.session.scalar(
            select(ArgumentVote).where(
                ArgumentVote.argument_id == by_id[cid].id, ArgumentVote.user_id == people[voter]
            )
        )
        assert vote.value == int(latest["vote"])
        assert vote.created_at == datetime.fromtimestamp(min(times) / 1000, UTC)
        assert vote.updated_at == datetime.fromtimestamp(max(times) / 1000, UTC)


def test_without_votes_csv_votes_are_dated_at_the_import(app):
    before = datetime.now(UTC)
    debate = import_conversation(BOWLING_GREEN)
    times = db.session.execute(
        select(func.min(ArgumentVote.created_at), func.max(ArgumentVote.updated_at))
        .join(Argument, Argument.id == ArgumentVote.argument_id)
        .where(Argument.debate_id == debate.id)
    ).one()
    assert before <= times[0] <= times[1] <= datetime.now(UTC)


def test_statements_too_short_keep_their_place_votes_and_moderation(app):
    """Seattle has 8 rejected comments shorter than Deliberate's 10 characters ("?",
    "Hola"...): kept as withdrawn (no text), hidden, with their votes."""
    result = run_import(SEATTLE)
    assert sorted(length for _cid, length in result.without_text) == [1, 3, 4, 4, 5, 6, 7, 8]
    by_id = statements(result.debate)
    for cid, _length in result.without_text:
        argument = by_id[cid]
        assert argument.visibility is Visibility.HIDDEN and argument.is_deleted
        assert argument.agree_count + argument.disagree_count + argument.pass_count > 0


def test_motion_background_and_title(app):
    debate = import_conversation(SEATTLE)
    assert debate.motion == "$15/hour (a Pol.is conversation)"  # the topic is too short
    assert "<https://pol.is/2demo>" in debate.background
    assert "How do you think the new minimum wage law will affect Seattle?" in debate.background
    assert "CC BY 4.0 with Attribution to The Computational Democracy Project" in debate.background
    assert 'href="https://pol.is/2demo"' in debate.background_html
    assert "8 statements outside Deliberate's 10 to 2,000 characters are kept" in debate.background
    assert "https://creativecommons.org/licenses/by/4.0/" in debate.background
    other = import_conversation(BREXIT, title="  Brexit:   is there   any consensus?  ")
    assert other.motion == "Brexit: is there any consensus?"
    assert import_conversation(BOWLING_GREEN).motion == "Improving Bowling Green / Warren County"
    with pytest.raises(PolisImportError, match="title must be 10 to 300 characters"):
        import_conversation(BREXIT, title="Brexit?")


def test_the_organiser_named_or_the_first_admin_or_an_import_account(app, make_user):
    first = import_conversation(BREXIT)
    second = import_conversation(BREXIT)
    assert first.slug != second.slug
    assert first.organiser.pseudonym == IMPORT_ACCOUNT and not first.organiser.can_log_in
    assert second.organiser_id == first.organiser_id  # one such account, reused
    make_user(pseudonym="Someone", email="someone@example.org")
    admin = make_user(pseudonym="AdminOne", email="admin1@example.org", is_admin=True)
    make_user(pseudonym="AdminTwo", email="admin2@example.org", is_admin=True)
    assert import_conversation(BREXIT).organiser_id == admin.id
    named = import_conversation(BREXIT, organiser="Someone@Example.org")
    assert named.organiser.pseudonym == "Someone"
    with pytest.raises(PolisImportError, match="no account has the e-mail address"):
        import_conversation(BREXIT, organiser="nobody@example.org")


def test_progress_is_reported_by_stage(app):
    seen = []
    import_conversation(
        SEATTLE, progress=lambda stage, done, total: seen.append((stage, done, total))
    )
    stages = {stage for stage, _done, _total in seen}
    assert stages == {"participants", "statements", "votes"}
    for stage in stages:
        last = [(done, total) for s, done, total in seen if s == stage][-1]
        assert last[0] == last[1] > 0


# --- the report's opinion groups -----------------------------------------------------------


@pytest.mark.parametrize("folder", [SEATTLE, BREXIT, BOWLING_GREEN], ids=SLICES)
def test_an_imported_conversation_gets_pol_is_groups_on_its_report(app, client, folder):
    """The report's opinion groups are those polis_groups finds on the export's own files:
    rows in Pol.is's order, rejected comments and those kept without text zeroed, with the
    version of Pol.is's math the import kept. The page shows each group's representative
    statements."""
    result = run_import(folder)
    debate = result.debate
    page = client.get(f"/d/{debate.slug}/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    cached = db.session.get(DebateResult, debate.id)
    figures = cached.figures["groups"]
    assert figures["status"] == "ok"

    conversation = read_conversation(folder)
    zeroed = set(conversation.rejected) | {cid for cid, _length in result.without_text}
    zeroed |= set(conversation.meta)  # meta statements, marked or known, are left out too
    order = conversation.arrival_order()
    direct = polis_groups(
        conversation.vote_matrix(order),
        order,
        conversation.comment_ids,
        excluded_comments=zeroed,
        method=debate.group_method.value,
    )
    pol_is_id = {
        p.id: p.external_id
        for p in db.session.scalars(select(Participant).where(Participant.debate_id == debate.id))
    }
    ours = {pol_is_id[int(pid)]: group for pid, group in cached.groups.items()}
    # The same people placed, in the same groups, numbered alike.
    assert ours == dict(zip(direct.participant_ids, direct.labels.tolist(), strict=True))
    assert adjusted_rand_score([ours[p] for p in direct.participant_ids], direct.labels) == 1
    assert figures["k"] == direct.k >= 2 and figures["clustered"] == len(direct.labels)
    assert [g["size"] for g in figures["groups"]] == np.bincount(direct.labels).tolist()

    comments = file_comments(folder)
    by_comment = statements(debate)
    comment_of = {argument.id: cid for cid, argument in by_comment.items()}
    for group, stats in zip(figures["groups"], direct.repness, strict=True):
        rows = group["representative"]
        assert [comment_of[row["id"]] for row in rows] == [s["comment_id"] for s in stats]
        assert rows and not {comment_of[row["id"]] for row in rows} & zeroed
        for row in rows:
            comment_id = comment_of[row["id"]]
            text = excerpt(by_comment[comment_id].body_html)
            assert "excerpt" not in row  # the cache holds ids; the page reads the texts
            assert str(escape(text)) in html
            assert text.rstrip("…")[:40] in comments[comment_id]["comment-body"]
    assert html.count('class="group-card"') == direct.k
    best = sum(s["best_agree"] for stats in direct.repness for s in stats)
    assert html.count("What the group agrees with most distinctively.") == best > 0
    agree = [comment_of[row["id"]] for row in figures["consensus"]["agree"]]
    assert agree == [cid for cid, score in direct.consensus["agree"] if score > 0.5**direct.k]


def test_the_import_keeps_the_version_of_pol_is_math_that_reproduces_its_groups(app, client):
    full = run_import(BREXIT_FULL)  # Pol.is's groups of the whole conversation
    assert full.group_method is GroupMethod.CURRENT is full.debate.group_method
    assert full.fidelity["current"].ok and full.fidelity["current"].ari > 0.9
    # On a slice, Pol.is's groups (of the whole conversation) are best matched by the
    # earlier version.
    sliced = run_import(BREXIT)
    assert sliced.debate.group_method is GroupMethod.LEGACY
    assert sliced.fidelity["legacy"].groups == (2, 2) == sliced.fidelity["current"].groups
    assert sliced.fidelity["legacy"].ari > 0.8 > sliced.fidelity["current"].ari
    # The report says so, only where the earlier version is used.
    note = "the earlier version of Pol.is’s method"
    assert note in client.get(f"/d/{sliced.debate.slug}/report").get_data(as_text=True)
    assert note not in client.get(f"/d/{full.debate.slug}/report").get_data(as_text=True)


def test_an_export_without_groups_keeps_the_current_version(app, tmp_path):
    folder = tmp_path / "no-groups"
    shutil.copytree(BREXIT, folder)
    matrix = folder / "participants-votes.csv"
    with matrix.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    for row in rows[1:]:
        row[1] = ""
    with matrix.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    result = run_import(folder)
    assert result.fidelity == {} and result.debate.group_method is GroupMethod.CURRENT


# --- the round trip -------------------------------------------------------------------------


@pytest.mark.parametrize("folder", [SEATTLE, BREXIT, BOWLING_GREEN], ids=SLICES)
def test_exporting_an_import_gives_back_the_matrix_and_the_texts(app, folder):
    debate = import_conversation(folder)
    comments = file_comments(folder)

    matrix_csv = text(exports.participants_votes_csv(debate))
    header = matrix_csv.split("\n", 1)[0].split(",")
    assert header[:6] == exports.MATRIX_HEADER
    assert [int(h) for h in header[6:]] == sorted(comments)  # Pol.is's own comment-ids
    assert exports.read_polis_matrix(matrix_csv) == file_matrix(folder)
    original = {int(r["participant"]): r for r in read_rows(folder / "participants-votes.csv")}
    for row in csv_rows([matrix_csv]):
        source = original[int(row["participant"])]
        for column in ("n-votes", "n-agree", "n-disagree"):
            assert row[column] == source[column], column

    votes = csv_rows(exports.votes_csv(debate))
    assert list(votes[0]) == exports.VOTES_HEADER
    exported = {(int(v["voter-id"]), int(v["comment-id"])): int(v["vote"]) for v in votes}
    assert len(exported) == len(votes)
    assert exported == file_votes(folder)
    if (folder / "votes.csv").exists():
        assert {
            (int(v["voter-id"]), int(v["comment-id"])): (int(v["vote"]), int(v["timestamp"]))
            for v in votes
        } == file_latest_votes(folder)

    rows = csv_rows(exports.comments_csv(debate))
    assert list(rows[0]) == exports.COMMENTS_HEADER
    back = {int(r["comment-id"]): r for r in rows}
    assert set(back) == set(comments)
    for cid, comment in comments.items():
        row = back[cid]
        assert row["moderated"] == comment["moderated"]
        assert row["timestamp"] == comment["timestamp"]
        assert (row["agrees"], row["disagrees"]) == (comment["agrees"], comment["disagrees"])
        if comment["moderated"] == "-1":
            # Rejected: hidden here, so its text stays out of every download.
            assert row["comment-body"] == ""
        else:
            assert row["comment-body"] == comment["comment-body"]
            assert row["author-id"] == comment["author-id"]


def test_participants_and_statements_added_after_the_import_get_new_numbers(app, make_user):
    debate = import_conversation(BREXIT)
    newcomer = make_user()
    participant = Participant(debate_id=debate.id, user_id=newcomer.id)
    statement = Argument(
        debate_id=debate.id,
        author_id=newcomer.id,
        body="A statement written after the import.",
        body_html="<p>A statement written after the import.</p>",
        depth=0,
    )
    db.session.add_all([participant, statement])
    db.session.flush()
    first = statements(debate)[0]
    db.session.add(ArgumentVote(argument_id=first.id, user_id=newcomer.id, value=0))
    db.session.commit()
    imported_people = {p for p in file_participants(BREXIT)}
    numbers = exports.participant_numbers(debate)
    assert numbers[newcomer.id] == max(imported_people) + 1
    comment_ids = [int(r["comment-id"]) for r in csv_rows(exports.comments_csv(debate))]
    assert len(set(comment_ids)) == len(comment_ids) == len(file_comments(BREXIT)) + 1
    assert comment_ids[-1] > max(file_comments(BREXIT))
    matrix = exports.read_polis_matrix(text(exports.participants_votes_csv(debate)))
    assert matrix[numbers[newcomer.id], 0] == 0
    assert {k: v for k, v in matrix.items() if k[0] in imported_people} == file_matrix(BREXIT)


# --- malformed exports and failures ---------------------------------------------------------


def damaged(tmp_path, folder: Path, name: str, change) -> Path:
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    path = copy / name
    path.write_bytes(change(path.read_bytes()))
    return copy


def replace_line(number: int, change):
    def edit(data: bytes) -> bytes:
        lines = data.split(b"\n")
        lines[number - 1] = change(lines[number - 1])
        return b"\n".join(lines)

    return edit


def set_matrix_cell(data: bytes) -> bytes:
    """Line 57 of the Bowling Green matrix: the first vote cell becomes 'x'."""
    lines = data.split(b"\n")
    cells = lines[56].split(b",")
    cells[6] = b"x"
    lines[56] = b",".join(cells)
    return b"\n".join(lines)


MALFORMED = {
    "bad vote in the matrix": (
        BOWLING_GREEN,
        "participants-votes.csv",
        set_matrix_cell,
        "participants-votes.csv line 57: vote 'x' is not 1, -1, 0 or blank",
    ),
    "bad vote in votes.csv": (
        SEATTLE,
        "votes.csv",
        replace_line(5, lambda line: line.rsplit(b",", 1)[0] + b",2"),
        "votes.csv line 5: vote '2' is not 1, -1 or 0",
    ),
    "unknown comment in votes.csv": (
        BREXIT,
        "votes.csv",
        lambda data: data + b"1500282615559,Mon Jul 17 16:10:15 WIB 2017,999,3,1\n",
        "votes.csv line 782: comment 999 is not in comments.csv",
    ),
    "missing column": (
        BREXIT,
        "comments.csv",
        replace_line(1, lambda line: line.replace(b"moderated", b"moderation")),
        "comments.csv line 1: no 'moderated' column",
    ),
    "not UTF-8": (
        SEATTLE,
        "comments.csv",
        replace_line(4, lambda line: line.replace(b"a", b"\xe9", 1)),
        "comments.csv line 4: not UTF-8 text (byte 0xe9)",
    ),
    "too few fields": (
        BREXIT,
        "participants-votes.csv",
        replace_line(3, lambda line: line.rsplit(b",", 1)[0]),
        "participants-votes.csv line 3: 30 fields, but the header has 31",
    ),
    "a comment-id that is not a number": (
        BOWLING_GREEN,
        "comments.csv",
        replace_line(2, lambda line: line.replace(b",559,", b",5x9,", 1)),
        "comments.csv line 2: comment-id '5x9' is not a whole number",
    ),
    "matrix column for an unknown comment": (
        BREXIT,
        "participants-votes.csv",
        replace_line(1, lambda line: line.replace(b",24", b",99")),
        "participants-votes.csv line 1: comment 99 is not in comments.csv",
    ),
    "bad group id": (
        BREXIT,
        "participants-votes.csv",
        replace_line(3, lambda line: line.replace(b"1,1,0,", b"1,B,0,", 1)),
        "participants-votes.csv line 3: group-id 'B' is not a whole number",
    ),
    "the same comment twice": (
        BREXIT,
        "comments.csv",
        lambda data: data + data.split(b"\n")[1] + b"\n",
        "comments.csv line 27: comment 13 is already on line 2",
    ),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_a_malformed_export_names_the_file_and_line_and_leaves_nothing(app, tmp_path, case):
    folder, name, change, message = MALFORMED[case]
    copy = damaged(tmp_path, folder, name, change)
    before = table_counts()
    with pytest.raises(PolisFormatError) as error:
        import_conversation(copy)
    assert str(error.value).startswith(message)
    assert table_counts() == before


def test_a_failure_midway_leaves_nothing_behind(app, monkeypatch, make_user):
    make_user(is_admin=True)
    before = table_counts()
    real = importer._insert_votes

    def fail_after_some_votes(conversation, users, arguments, now, progress):
        monkeypatch.setattr(importer, "CHUNK", 100)
        calls = []

        def count(stage, done, total):
            calls.append(done)
            if len(calls) == 3:  # two chunks of votes written
                raise RuntimeError("the disk is full")

        real(conversation, users, arguments, now, count)

    monkeypatch.setattr(importer, "_insert_votes", fail_after_some_votes)
    with pytest.raises(RuntimeError, match="the disk is full"):
        import_conversation(SEATTLE)
    assert table_counts() == before
    # The session is usable again, and a later import works.
    monkeypatch.setattr(importer, "_insert_votes", real)
    assert import_conversation(SEATTLE).vote_count == len(file_votes(SEATTLE))


# --- the command ----------------------------------------------------------------------------


def test_the_command_imports_and_reports(app, runner, make_user):
    make_user(pseudonym="Chief", email="chief@example.org", is_admin=True)
    result = runner.invoke(
        args=["import-polis", str(SEATTLE), "--title", "Will $15/hour help Seattle?"]
    )
    assert result.exit_code == 0, result.output
    debate = db.session.scalar(select(Debate).order_by(Debate.id.desc()).limit(1))
    assert debate.motion == "Will $15/hour help Seattle?"
    assert debate.organiser.pseudonym == "Chief"
    assert f"/d/{debate.slug}" in result.output
    assert (
        "54 statements (23 hidden, 1 unreviewed), 58 participants, 840 votes "
        "(from the latest of 864 rows of votes.csv)"
    ) in result.output
    assert "Kept without their text" in result.output
    assert "8 statements, comment-id 13 (6 characters), 16 (1 character)," in result.output
    assert (
        "Opinion groups: current Pol.is math reproduces the exported ones with adjusted Rand "
        "0.370 (5 groups for Pol.is's 2); legacy Pol.is math reproduces the exported ones "
        "with adjusted Rand 0.338 (5 groups for Pol.is's 2); reloaded Pol.is math"
    ) in result.output
    assert "late2017 Pol.is math reproduces" in result.output
    assert ". The report uses the current one." in result.output
    assert "\r" not in result.output  # no progress line when stderr is not a terminal


def test_the_command_fails_cleanly(app, runner, tmp_path):
    folder, name, change, message = MALFORMED["bad vote in the matrix"]
    copy = damaged(tmp_path, folder, name, change)
    before = table_counts()
    result = runner.invoke(args=["import-polis", str(copy)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {message}")
    assert result.output.count("\n") == 1
    assert "Traceback" not in result.output
    assert table_counts() == before
    result = runner.invoke(args=["import-polis", str(BREXIT), "--organiser", "x@example.org"])
    assert result.exit_code == 1
    assert "Error: no account has the e-mail address 'x@example.org'" in result.output
    assert runner.invoke(args=["import-polis", str(tmp_path / "nowhere")]).exit_code == 2


def test_the_attribution_comes_from_a_readme_beside_the_export(app, tmp_path):
    collection = tmp_path / "collection"
    shutil.copytree(BREXIT, collection / "brexit")
    (collection / "README.md").write_text(
        "# Some open data\n\nIntro.\n\n## Licence and attribution (CC BY 4.0)\n\n"
        "Data gathered by Somebody, under CC BY 4.0.\n\n### Links\n\n- https://example.org\n\n"
        "## Other files\n\nNot part of it.\n",
        encoding="utf-8",
    )
    debate = import_conversation(collection / "brexit")
    assert "Data gathered by Somebody, under CC BY 4.0." in debate.background
    assert "https://example.org" in debate.background
    assert "Not part of it" not in debate.background and "Intro" not in debate.background
    assert debate.background.endswith(
        "Licence: CC BY 4.0, <https://creativecommons.org/licenses/by/4.0/>."
    )

    bare = tmp_path / "bare" / "some-conversation"
    shutil.copytree(BREXIT, bare)
    (bare / "summary.csv").unlink()
    debate = import_conversation(bare)
    assert debate.motion == "some-conversation"
    assert debate.background.startswith("Imported from a Pol.is conversation: ")
    assert "CC BY" not in debate.background
