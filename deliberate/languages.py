"""The languages a debate's contributions are written in: BCP 47 tags ("fr", "bm",
"ff-Latn", "taq-Tfng"), their names in the reader's language, and their writing direction.

A debate has its own language (Debate.language: its motion and background) and may list
others (Debate.other_languages); each contribution carries the one it is written in
(Argument.language, NULL for the debate's own). Pages mark a contribution in another
language than the page's with `lang` and `dir`, so a screen reader reads a Bambara argument
with a Bambara voice (or says it has none) rather than a French one.

Babel knows the names of most languages (Bambara, Fula, Songhay...); a tag it does not know
(Tamasheq, "taq") is shown as written.
"""

from __future__ import annotations

import re

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale

#: RFC 5646 in the forms people use: a language (2 or 3 letters), then an optional script (4
#: letters), region (2 letters or 3 digits) and variants. Extensions and private use are
#: refused: nobody writes a debate in them.
_TAG = re.compile(
    r"^(?P<language>[a-z]{2,3})(-(?P<script>[a-z]{4}))?(-(?P<region>[a-z]{2}|[0-9]{3}))?"
    r"(?P<variants>(-([a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*)$",
    re.IGNORECASE,
)
#: Tags are at most this long (the database column).
TAG_MAX = 35
#: At most this many languages in one debate.
MOST = 12


class BadTag(ValueError):
    """Not a language tag; the message names it."""


def normalise(tag: str) -> str:
    """The tag in its usual case ("ff-latn-ml" -> "ff-Latn-ML"), or BadTag."""
    tag = tag.strip().replace("_", "-")
    match = _TAG.match(tag)
    if match is None or len(tag) > TAG_MAX:
        raise BadTag(tag)
    parts = [match["language"].lower()]
    if match["script"]:
        parts.append(match["script"].title())
    if match["region"]:
        parts.append(match["region"].upper())
    parts.extend(v.lower() for v in match["variants"].split("-") if v)
    return "-".join(parts)


def parse_list(text: str) -> list[str]:
    """Tags separated by commas or spaces, normalised, each once, in the order given."""
    tags: list[str] = []
    for word in re.split(r"[\s,;]+", text.strip()):
        if word and (tag := normalise(word)) not in tags:
            tags.append(tag)
    return tags


#: Scripts written right to left, among them two written in Mali and its neighbours: N'Ko
#: (Manding languages, Bambara among them) and Adlam (Fula).
RTL_SCRIPTS = {"Adlm", "Arab", "Hebr", "Nkoo", "Rohg", "Syrc", "Thaa"}


def _locale(tag: str) -> Locale | None:
    """Babel's locale for the tag, or for the tag without its last subtags ("ff-Latn-ML"
    -> "ff-Latn" -> "ff"), or None."""
    parts = tag.split("-")
    while parts:
        try:
            return Locale.parse("-".join(parts), sep="-")
        except (UnknownLocaleError, ValueError):
            parts.pop()
    return None


def name(tag: str, in_language: str | None = None) -> str:
    """The language's name in the reader's language ("bambara" in French), else the tag."""
    locale = _locale(tag)
    reader = in_language or str(get_locale() or "en")
    shown = locale.get_display_name(reader) if locale is not None else None
    return shown or tag


def own_name(tag: str) -> str:
    """The language's name in itself ("bamanakan"), else its name in the reader's language."""
    locale = _locale(tag)
    return (locale.get_display_name(locale) if locale is not None else None) or name(tag)


def label(tag: str) -> str:
    """ "bambara (bamanakan)": the language's name for the reader, and for its speakers."""
    shown, own = name(tag), own_name(tag)
    return shown if own.casefold() == shown.casefold() else f"{shown} ({own})"


def direction(tag: str) -> str:
    """ "rtl" or "ltr" by the tag's script, else by the language's usual script where Babel
    knows it, else "auto" (the browser decides from the text)."""
    match = _TAG.match(tag)
    if match and match["script"]:
        return "rtl" if match["script"].title() in RTL_SCRIPTS else "ltr"
    locale = _locale(tag)
    return locale.text_direction if locale is not None else "auto"
