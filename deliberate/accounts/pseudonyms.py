"""How pseudonyms are compared: by what they look like, not by their code points.

A pseudonym is the only identity anyone shows, so one that looks like another is an
impersonation: "Dеmo · Sékou" (a Cyrillic е) passes for a demo mediator, "Fоrmer
participant" (a Cyrillic о) for a deleted account. Two pseudonyms are the same when their
keys are: NFKC, case-folded, inner spaces collapsed, then the confusables skeleton of
Unicode Technical Standard #39, computed by ICU (the Unicode Consortium's own library,
through PyICU), which maps every character to the prototype it can be mistaken for
("m" and "rn" both become "rn", Cyrillic "о" becomes Latin "o").

Case is folded before the skeleton, so "Amina" and "AMINA" are one name; the price is
that a capital I and a small l, confusable in some fonts, are told apart once folded.

This module sits below accounts/services.py and privacy/services.py, which both use it;
it imports neither, so the two no longer import each other.
"""

from __future__ import annotations

import unicodedata

import icu
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..models import PSEUDONYM_KEY_MAX as KEY_MAX

__all__ = ["KEY_MAX", "pseudonym_key"]

#: Shown instead of the pseudonym of a deleted account, wherever it wrote or acted.
FORMER_PARTICIPANT = _l("Former participant")
#: Pseudonyms starting with this (as a key) are the demo accounts'.
DEMO_PREFIX = "Demo"

# ICU's checker is thread-safe once built: getSkeleton does not change it.
_checker = icu.SpoofChecker()


def pseudonym_key(pseudonym: str) -> str:
    """The form two pseudonyms are compared in (unique among accounts that can log in)."""
    folded = " ".join(unicodedata.normalize("NFKC", pseudonym).casefold().split())
    return _checker.getSkeleton(0, folded)


def tidy(pseudonym: str) -> str:
    """The pseudonym as stored: NFKC, inner spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", pseudonym).split())


def looks_like_demo(key: str) -> bool:
    return key.startswith(pseudonym_key(DEMO_PREFIX))


def former_participant_label() -> str:
    """The label stored as a deleted account's pseudonym, in the site's default language
    (the pseudonym column is shown as it is, to readers of every language)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(FORMER_PARTICIPANT)


def reserved_keys() -> set[str]:
    """The deleted accounts' label in every language the site offers, as keys: nobody may
    register it, or anything that looks like it."""
    keys = set()
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            keys.add(pseudonym_key(str(FORMER_PARTICIPANT)))
    return keys
