"""Refresh the message catalogues after changing user-facing text.

    python scripts/update_translations.py
    python scripts/update_translations.py --new bm   # start a catalogue for Bambara

Extracts every string marked for translation (babel.cfg) into messages.pot, merges it into
every catalogue (new strings arrive empty, for a translator to fill), rewrites the English
catalogue from the source strings, and compiles them all. tests/test_i18n.py fails while a
string is untranslated in English or French, or a compiled catalogue is stale. How to
translate: docs/translating.md.
"""

import argparse
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
    parser = argparse.ArgumentParser(description="Refresh, and compile, the catalogues.")
    parser.add_argument("--new", metavar="CODE", help="first start a catalogue (bm, ff, ses)")
    new = parser.parse_args().new
    if new and (TRANSLATIONS / new / "LC_MESSAGES" / "messages.po").exists():
        parser.error(f"there is a catalogue for {new!r} already")
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
    if new:
        pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", new)
    pybabel(
        "update",
        "-i",
        str(POT),
        "-d",
        str(TRANSLATIONS),
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
            english.add(message.id, message.id, context=message.context)
    target = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as f:
        write_po(f, english, width=76, sort_output=True)


if __name__ == "__main__":
    main()
