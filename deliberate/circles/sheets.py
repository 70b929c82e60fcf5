"""A circle's tally sheet as a spreadsheet exports it (CSV), for facilitators who count on a
laptop or a phone's spreadsheet and upload afterwards. One line per community:

    community,came,start_for,start_against,start_undecided,end_for,end_against,end_undecided
    Fulani herders,14,5,6,3,8,4,2
    ,7,2,2,3,3,2,2

`community` is one of the debate's communities (any case), or empty for people who named
none. Commas or semicolons (French spreadsheets use semicolons), UTF-8 with or without a
byte-order mark. Every line is checked before anything is saved, and each problem names its
line, so a facilitator can fix the file and upload it again.
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from .models import COUNT_MAX
from .services import Count

COLUMNS = (
    "community",
    "came",
    "start_for",
    "start_against",
    "start_undecided",
    "end_for",
    "end_against",
    "end_undecided",
)
#: At most this many problems are listed: the first ones say what is wrong with the file.
SHOWN_PROBLEMS = 10


class SheetError(ValueError):
    """The sheet cannot be read; `problems` says why, line by line."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems[:SHOWN_PROBLEMS]


def read_sheet(data: bytes, communities) -> list[Count]:
    """The counts of an uploaded sheet, or SheetError with every problem found."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise SheetError([_("The file is not UTF-8 text: save it as “CSV UTF-8”.")]) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip().lower() for cell in next(rows)]
    except StopIteration:
        raise SheetError([_("The file is empty.")]) from None
    except csv.Error as error:
        raise SheetError([_("Line 1: %(error)s", error=str(error))]) from None
    if tuple(header) != COLUMNS:
        expected = ",".join(COLUMNS)
        raise SheetError([_("Line 1: the columns must be %(columns)s.", columns=expected)])
    by_name = {c.name.casefold(): c.id for c in communities}
    names = ", ".join(c.name for c in communities) or "—"
    counts, seen, problems = [], {}, []
    line = 1
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(_("Line %(n)d: %(error)s", n=line + 1, error=str(error)))
            break
        line += 1
        if not any(cell.strip() for cell in row):
            continue
        count = _row(line, row, by_name, names, problems)
        if count is None:
            continue
        if count.community_id in seen:
            problems.append(
                _(
                    "Line %(n)d: this community is already on line %(first)d.",
                    n=line,
                    first=seen[count.community_id],
                )
            )
            continue
        seen[count.community_id] = line
        counts.append(count)
    if not counts and not problems:
        problems.append(_("The file has no line of counts under its header."))
    if problems:
        raise SheetError(problems)
    return counts


def _row(line: int, row: list[str], by_name: dict, names: str, problems: list) -> Count | None:
    if len(row) != len(COLUMNS):
        problems.append(
            _(
                "Line %(n)d: %(found)d cells, where the header has %(expected)d.",
                n=line,
                found=len(row),
                expected=len(COLUMNS),
            )
        )
        return None
    name = row[0].strip()
    community = by_name.get(name.casefold()) if name else None
    if name and community is None:
        problems.append(
            _(
                "Line %(n)d: “%(name)s” is not a community of this debate (%(names)s).",
                n=line,
                name=name,
                names=names,
            )
        )
        return None
    numbers = []
    for column, cell in zip(COLUMNS[1:], row[1:], strict=True):
        value = cell.strip()
        if not value.isdigit() or int(value) > COUNT_MAX:
            problems.append(
                _(
                    "Line %(n)d: %(column)s “%(value)s” is not a whole number from 0 to %(max)d.",
                    n=line,
                    column=column,
                    value=value,
                    max=COUNT_MAX,
                )
            )
            return None
        numbers.append(int(value))
    came, start, end = numbers[0], tuple(numbers[1:4]), tuple(numbers[4:7])
    for moment, hands in ((_("at the start"), start), (_("at the end"), end)):
        if sum(hands) > came:
            problems.append(
                _(
                    "Line %(n)d: %(hands)d hands %(moment)s, but %(came)d people came.",
                    n=line,
                    hands=sum(hands),
                    moment=moment,
                    came=came,
                )
            )
            return None
    return Count(community, came, start, end)
