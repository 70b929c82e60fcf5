"""`deliberate translations`: how much of the interface each catalogue translates
(docs/translating.md)."""

import os
from dataclasses import dataclass
from pathlib import Path

import click
from babel.messages.pofile import read_po
from flask import current_app
from flask.cli import with_appcontext

from .config import SOURCE_LANGUAGE, language_name


@dataclass
class Coverage:
    code: str
    name: str
    translated: int
    total: int
    fuzzy: int
    offered: bool

    @property
    def percent(self) -> float:
        """Rounded down to a tenth, so 1434 of 1435 is not shown as 100.0%."""
        return (1000 * self.translated // self.total) / 10 if self.total else 100.0


def translations_folder() -> Path:
    """The app's catalogues (its first translation directory, as Flask-Babel resolves it)."""
    first = current_app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations").split(";")[0]
    return Path(os.path.join(current_app.root_path, first))


def message_key(message) -> tuple:
    """A message's identity: its text (singular and plural) and its context."""
    text = tuple(message.id) if isinstance(message.id, list | tuple) else (message.id,)
    return (*text, message.context)


def is_translated(message) -> bool:
    forms = message.string if isinstance(message.string, list | tuple) else [message.string]
    return not message.fuzzy and all(forms)


def coverage(folder: Path, offered) -> list[Coverage]:
    """One row per catalogue (<code>/LC_MESSAGES/messages.po), English first, then by code.
    The total is the template's (messages.pot): a catalogue not yet updated with new strings
    counts them as untranslated. Fuzzy entries ("needs review") are not counted as
    translated: they are not compiled, so the interface shows them in English."""
    template = folder / "messages.pot"
    expected = None
    if template.is_file():
        with template.open("rb") as f:
            expected = {message_key(m) for m in read_po(f) if m.id}
    rows = []
    for path in folder.glob("*/LC_MESSAGES/messages.po"):
        code = path.parent.parent.name
        with path.open("rb") as f:
            messages = [m for m in read_po(f) if m.id]
        if expected is not None:
            messages = [m for m in messages if message_key(m) in expected]
        rows.append(
            Coverage(
                code=code,
                name=language_name(code),
                translated=sum(is_translated(m) for m in messages),
                total=len(expected) if expected is not None else len(messages),
                fuzzy=sum(bool(m.fuzzy) for m in messages),
                offered=code in offered,
            )
        )
    return sorted(rows, key=lambda row: (row.code != SOURCE_LANGUAGE, row.code))


@click.command("translations")
@with_appcontext
def translations_command():
    """How much of the interface each catalogue translates."""
    folder = translations_folder()
    rows = coverage(folder, current_app.config["LANGUAGES"])
    click.echo(f"Catalogues in {folder}:")
    header = ("code", "name", "translated", "percent", "fuzzy", "offered")
    table = [
        (
            row.code,
            row.name,
            f"{row.translated}/{row.total}",
            f"{row.percent:.1f}%",
            str(row.fuzzy),
            "yes" if row.offered else "no",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *table]) for i in range(len(header))]
    for line in [header, *table]:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )
    if any(not row.offered for row in rows):
        click.echo(
            "Not offered: no compiled .mo (run scripts/update_translations.py), or a code "
            "Babel has no locale data for (docs/translating.md)."
        )


def register(app) -> None:
    app.cli.add_command(translations_command)
