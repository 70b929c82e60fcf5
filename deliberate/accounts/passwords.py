"""What a password must be: 8 to 128 characters, never truncated, and not one of the 10,000
most common. No composition rules (NIST SP 800-63B, OWASP ASVS 2.1)."""

from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

PASSWORD_MIN, PASSWORD_MAX = 8, 128
#: Inside the package, so a wheel ships it.
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"

TOO_SHORT_OR_LONG = _l("Use 8 to 128 characters.")
TOO_COMMON = _l(
    "This password is among the 10,000 most common, so it is one of the first an attacker "
    "would try. Choose another: a few unrelated words make a strong password."
)


@cache
def common_passwords() -> frozenset[str]:
    """The list, read once, on first use. Its leading lines starting with "#" are the
    attribution and licence; after them every line is a password (one starts with "#")."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    return frozenset(line for line in lines[start:] if line)


def is_common(password: str) -> bool:
    """Case-insensitive, as the list is lower case; surrounding spaces do not make a
    common password less common."""
    return password.strip().lower() in common_passwords()


def password_problem(password: str):
    """Why `password` cannot be used (a message for the form), or None."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return TOO_SHORT_OR_LONG
    if is_common(password):
        return TOO_COMMON
    return None
