"""Refresh the message catalogues after changing user-facing text.

    python scripts/update_translations.py

Extracts every string marked for translation (babel.cfg) into messages.pot, merges it into
the French catalogue (new strings arrive empty, for a translator to fill), rewrites the
English catalogue from the source strings, and compiles both. tests/test_i18n.py fails
while any string is untranslated or a compiled catalogue is stale.
"""

import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "deliberate" / "translations"
POT = TRANSLATIONS / "messages.pot"


def pybabel(*args: str) -> None:
    command = [sys.executable, "-m", "babel.messages.frontend", *args]
    subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603 - our own fixed arguments


def main() -> None:
    pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "-k",
        "lazy_gettext",
        "--no-location",
        "--sort-output",
        "--project",
        "Deliberate",
        "--copyright-holder",
        "Deliberate contributors",
        "-o",
        str(POT),
        ".",
    )
    pybabel(
        "update",
        "-i",
        str(POT),
        "-d",
        str(TRANSLATIONS),
        "-l",
        "fr",
        "--no-fuzzy-matching",
        "--ignore-obsolete",
    )
    write_english_catalogue()
    pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


def write_english_catalogue() -> None:
    with POT.open("rb") as f:
        template = read_po(f)
    english = Catalog(
        locale="en", project="Deliberate", copyright_holder="Deliberate contributors", fuzzy=False
    )
    for message in template:
        if message.id:
            english.add(message.id, message.id)
    target = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as f:
        write_po(f, english, width=76, sort_output=True)


if __name__ == "__main__":
    main()
