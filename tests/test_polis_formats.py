"""Every export format Pol.is has written, read and written back.

- the math worker's classic export (2014-2021): tests/test_polis_import.py;
- the same with an `xid` column after `participant` (2022 on): london.youth.policing, a
  whole real conversation (tests/data/polis, CC BY 4.0), its xid cells empty as Pol.is
  publishes them, and a copy with xids filled in;
- the 2024 comments.csv (no `datetime`; `is-meta`, `is-seed`, `group-informed-consensus`):
  a slice of bg2050-volunteers;
- the Pol.is server's report export (2024): `participant-votes.csv`, timestamps in seconds,
  comments in no id order; made here from the London files as that code writes them
  (compdemocracy/polis server/src/routes/export.ts).

The downloads write the classic format and the current one (`?format=current`), and both
read back to the same votes, matrix, texts, xids and meta statements."""

import csv
import io
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from deliberate.extensions import db
from deliberate.models import Argument, Participant
from deliberate.polis.files import PolisFormatError, read_conversation
from deliberate.polis.importer import import_conversation
from deliberate.results import data as results_data
from deliberate.results import exports

from .conftest import PASSWORD

DATA = Path(__file__).parent / "data" / "polis"
LONDON = DATA / "london.youth.policing"
BG2050 = DATA / "bg2050-volunteers-slice"
#: The whole Brexit conversation: its demographic statements are known meta statements.
CLASSIC = DATA / "brexit-consensus"


def rows_of(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_rows(path: Path, rows: list[list]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def copy(tmp_path: Path, folder: Path, name: str | None = None) -> Path:
    target = tmp_path / (name or folder.name)
    shutil.copytree(folder, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


def with_xids(tmp_path: Path) -> Path:
    """London with an xid for every other participant, as the embedding site set them."""
    folder = copy(tmp_path, LONDON, "london-with-xids")
    matrix = folder / "participants-votes.csv"
    rows = rows_of(matrix)
    assert rows[0][:3] == ["participant", "xid", "group-id"]
    for n, row in enumerate(rows[1:]):
        row[1] = f"site-user-{row[0]}@example.org" if n % 2 == 0 else ""
    write_rows(matrix, rows)
    return folder


def as_report_export(tmp_path: Path) -> Path:
    """London as the Pol.is server's report export writes it: participant-votes.csv
    without xid, times in seconds, comments in reverse order."""
    folder = tmp_path / "london-report-export"
    folder.mkdir()
    matrix = rows_of(LONDON / "participants-votes.csv")
    write_rows(folder / "participant-votes.csv", [row[:1] + row[2:] for row in matrix])
    comments = rows_of(LONDON / "comments.csv")
    for row in comments[1:]:
        row[0] = str(int(row[0]) // 1000)
    write_rows(folder / "comments.csv", [comments[0], *reversed(comments[1:])])
    votes = rows_of(LONDON / "votes.csv")
    for row in votes[1:]:
        row[0] = str(int(row[0]) // 1000)
    write_rows(folder / "votes.csv", votes)
    shutil.copy(LONDON / "summary.csv", folder / "summary.csv")
    return folder


def text(chunks) -> str:
    return "".join(chunks)


def csv_dicts(body: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body, newline="")))


# --- reading --------------------------------------------------------------------------------


def test_the_xid_column_is_read_and_the_rest_as_in_the_classic_format(tmp_path):
    conversation = read_conversation(LONDON)
    assert conversation.has_xid and conversation.xids == {}  # published without them
    assert len(conversation.participants) == 27 and len(conversation.comments) == 39
    assert {g for g in conversation.groups.values() if g is not None} == {0, 1, 2}
    # Without the column, the same conversation reads the same.
    classic = copy(tmp_path, LONDON, "classic")
    matrix = classic / "participants-votes.csv"
    write_rows(matrix, [row[:1] + row[2:] for row in rows_of(matrix)])
    again = read_conversation(classic)
    assert not again.has_xid
    assert again.groups == conversation.groups
    assert {k: v.value for k, v in again.votes.items()} == {
        k: v.value for k, v in conversation.votes.items()
    }


def test_xids_are_kept_with_the_imported_participants(app, tmp_path):
    folder = with_xids(tmp_path)
    conversation = read_conversation(folder)
    assert len(conversation.xids) == 13  # every other one of 26 rows
    debate = import_conversation(folder)
    stored = dict(
        db.session.execute(
            select(Participant.external_id, Participant.external_xid).where(
                Participant.debate_id == debate.id
            )
        ).all()
    )
    assert {p: x for p, x in stored.items() if x is not None} == conversation.xids


def test_the_2024_comment_columns_are_read_and_kept(app):
    conversation = read_conversation(BG2050)
    assert conversation.meta == [12]
    seeds = {c.id for c in conversation.comments if c.is_seed}
    assert len(seeds) == 20
    original = {int(r["comment-id"]): r for r in csv_dicts((BG2050 / "comments.csv").read_text())}
    for comment in conversation.comments:
        assert comment.consensus == float(original[comment.id]["group-informed-consensus"])
        assert comment.timestamp == int(original[comment.id]["timestamp"])

    debate = import_conversation(BG2050)
    arguments = db.session.scalars(select(Argument).where(Argument.debate_id == debate.id)).all()
    assert {a.external_id for a in arguments if a.meta} == {12}
    assert {a.external_id for a in arguments if a.seed} == seeds
    # Left out of the opinion groups, as Pol.is leaves it out of its math; still shown.
    meta = next(a for a in arguments if a.meta)
    loaded = results_data.load(debate)
    assert meta.id in loaded.withheld_ids.tolist()
    assert meta.id not in loaded.argument_ids.tolist()


def test_a_meta_statement_is_marked_as_such_on_its_page(app, client):
    debate = import_conversation(BG2050)
    statements = db.session.scalars(select(Argument).where(Argument.debate_id == debate.id))
    meta, other = sorted(statements, key=lambda a: not a.meta)[:2]
    mark = "About the participants"
    assert mark in client.get(f"/d/{debate.slug}/a/{meta.id}").get_data(as_text=True)
    assert mark not in client.get(f"/d/{debate.slug}/a/{other.id}").get_data(as_text=True)


def test_the_server_report_export_reads_as_the_worker_export_does(tmp_path):
    conversation = read_conversation(LONDON)
    report = read_conversation(as_report_export(tmp_path))
    assert report.matrix_file == "participant-votes.csv" and not report.has_xid
    assert report.groups == conversation.groups
    assert [c.id for c in report.comments] == [c.id for c in conversation.comments]
    # Seconds become milliseconds: the same moments, to the second.
    for ours, theirs in zip(report.comments, conversation.comments, strict=True):
        assert ours.timestamp == theirs.timestamp // 1000 * 1000
    assert {k: v.value for k, v in report.votes.items()} == {
        k: v.value for k, v in conversation.votes.items()
    }


def damaged(tmp_path: Path, folder: Path, name: str, change) -> Path:
    target = copy(tmp_path, folder, "damaged")
    rows = rows_of(target / name)
    change(rows)
    write_rows(target / name, rows)
    return target


def set_cell(column: str, line: int, value: str):
    def change(rows):
        rows[line - 1][rows[0].index(column)] = value

    return change


@pytest.mark.parametrize(
    ("folder", "name", "change", "message"),
    [
        (
            BG2050,
            "comments.csv",
            set_cell("is-meta", 3, "maybe"),
            "comments.csv line 3: is-meta 'maybe' is not true or false",
        ),
        (
            BG2050,
            "comments.csv",
            set_cell("group-informed-consensus", 2, "1.5"),
            "comments.csv line 2: group-informed-consensus '1.5' is not a number from 0 to 1",
        ),
        (
            LONDON,
            "participants-votes.csv",
            lambda rows: [row.insert(2, row.pop(1)) for row in rows],
            "participants-votes.csv line 1: the first columns must be participant,group-id,",
        ),
        (
            LONDON,
            "participants-votes.csv",
            set_cell("xid", 5, "x" * 256),
            "participants-votes.csv line 5: the xid of participant 4 is longer than 255",
        ),
    ],
    ids=["is-meta", "consensus", "xid-misplaced", "xid-too-long"],
)
def test_a_malformed_new_format_names_the_file_and_line(tmp_path, folder, name, change, message):
    with pytest.raises(PolisFormatError) as error:
        read_conversation(damaged(tmp_path, folder, name, change))
    assert message in str(error.value)


# --- writing back ---------------------------------------------------------------------------


def download(client, debate, kind: str, fmt: str | None = None, api: bool = False) -> str:
    base = f"/api/v1/debates/{debate.slug}/export" if api else f"/d/{debate.slug}/export"
    query = f"?format={fmt}" if fmt else ""
    response = client.get(f"{base}/{kind}{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def export_folder(client, debate, fmt: str, target: Path) -> Path:
    target.mkdir()
    for kind in ("comments.csv", "votes.csv", "participants-votes.csv"):
        (target / kind).write_text(download(client, debate, kind, fmt), encoding="utf-8")
    return target


@pytest.mark.parametrize("fmt", ["classic", "current"])
@pytest.mark.parametrize("source", ["london-with-xids", "bg2050"])
def test_both_formats_give_the_conversation_back(
    app, client, auth, make_user, tmp_path, fmt, source
):
    folder = with_xids(tmp_path) if source == "london-with-xids" else BG2050
    organiser = make_user(email="organiser@example.org")
    debate = import_conversation(folder, organiser=organiser)
    original = read_conversation(folder)
    auth.login("organiser@example.org", PASSWORD)
    back = read_conversation(export_folder(client, debate, fmt, tmp_path / f"back-{fmt}"))

    assert back.has_xid is (fmt == "current")
    assert {k: v.value for k, v in back.votes.items()} == {
        k: v.value for k, v in original.votes.items()
    }
    shown = {c.id: c.body for c in original.comments if c.moderated != -1}
    assert {c.id: c.body for c in back.comments if c.id in shown} == shown
    assert [c.timestamp for c in back.comments] == [c.timestamp for c in original.comments]
    if fmt == "current":
        assert back.xids == original.xids  # the organiser's download
        assert back.meta == original.meta
        assert [c.is_seed for c in back.comments] == [c.is_seed for c in original.comments]
    # Everyone else gets the xid column empty: an xid may name someone on the host site.
    auth.logout()
    if fmt == "current" and original.xids:
        public = csv_dicts(download(client, debate, "participants-votes.csv", "current"))
        assert public and all(row["xid"] == "" for row in public)


def test_the_current_format_carries_the_group_informed_consensus(app, client):
    debate = import_conversation(LONDON)
    matrix = csv_dicts(download(client, debate, "participants-votes.csv", "current"))
    comments = csv_dicts(download(client, debate, "comments.csv", "current"))
    assert list(comments[0]) == exports.CURRENT_COMMENTS_HEADER
    groups = sorted({row["group-id"] for row in matrix if row["group-id"] != ""})
    assert len(groups) >= 2
    for comment in comments:
        if comment["moderated"] == "-1":
            assert comment["group-informed-consensus"] == ""
            continue
        cid = comment["comment-id"]
        expected = 1.0
        for group in groups:
            members = [row for row in matrix if row["group-id"] == group]
            agree = sum(row[cid] == "1" for row in members)
            seen = sum(row[cid] != "" for row in members)
            expected *= (agree + 1) / (seen + 2)
        assert float(comment["group-informed-consensus"]) == pytest.approx(expected)


def test_the_api_serves_the_downloads_in_either_format(app, client):
    debate = import_conversation(CLASSIC)
    classic = download(client, debate, "comments.csv", api=True)
    current = download(client, debate, "comments.csv", "current", api=True)
    assert classic.split("\n", 1)[0] == ",".join(exports.COMMENTS_HEADER)
    assert current.split("\n", 1)[0] == ",".join(exports.CURRENT_COMMENTS_HEADER)
    # Brexit's demographic statements are known meta statements: marked in the download.
    meta = {row["comment-id"] for row in csv_dicts(current) if row["is-meta"] == "true"}
    assert meta == {"0", "1", "10", "11", "15"}


def test_an_unknown_format_is_refused_with_a_message(app, client):
    debate = import_conversation(CLASSIC)
    response = client.get(f"/d/{debate.slug}/export/comments.csv?format=2019")
    assert response.status_code == 400
    assert "choose classic or current" in response.get_data(as_text=True)


def test_the_downloads_page_offers_both_formats(app, client):
    debate = import_conversation(CLASSIC)
    page = client.get(f"/d/{debate.slug}/report").get_data(as_text=True)
    assert f"/d/{debate.slug}/export/comments.csv?format=current" in page
    assert f"/d/{debate.slug}/export/participants-votes.csv?format=current" in page
