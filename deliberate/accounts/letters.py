"""What the accounts mail says, in the reader's language (that of the request that sends it).

Every mail is short, names nobody (no pseudonym, no other address), and says what to do if
the reader did not ask for it. Links are absolute (see mail.link).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from . import mail

SIGNATURE = "\n\n-- \nDeliberate"


@dataclass(frozen=True)
class Letter:
    to: str | None
    subject: str
    body: str

    def send(self) -> None:
        """Sent to the address, if the account has one: an account made with an access
        code has none, and is told nothing by mail."""
        if self.to:
            mail.send(self.to, self.subject, self.body + SIGNATURE)


def _reset_link() -> str:
    return mail.link("accounts.reset_request")


def confirm_registration(to: str, token: str, hours: int) -> Letter:
    return Letter(
        to,
        _("Confirm your email address for Deliberate"),
        _(
            "Hello,\n\nSomeone, probably you, asked to create a Deliberate account with this "
            "email address.\n\nTo finish, open this link and choose your password. It works "
            "for %(hours)d hours:\n\n%(link)s\n\nIf it was not you, ignore this mail: no "
            "account is created.",
            hours=hours,
            link=mail.link("accounts.confirm_registration", token=token),
        ),
    )


def already_registered(to: str) -> Letter:
    return Letter(
        to,
        _("Someone tried to register with your address"),
        _(
            "Hello,\n\nSomeone just tried to create a Deliberate account with this email "
            "address, but you already have one, so no new account was created.\n\nIf it was "
            "you, log in:\n%(login)s\n\nForgot your password? Choose a new one:\n%(reset)s\n\n"
            "If it was not you, you can ignore this mail: your account has not changed.",
            login=mail.link("accounts.login"),
            reset=_reset_link(),
        ),
    )


def password_reset(to: str, token: str, minutes: int) -> Letter:
    return Letter(
        to,
        _("Choose a new Deliberate password"),
        _(
            "Hello,\n\nSomeone, probably you, asked to reset the password of your Deliberate "
            "account.\n\nTo choose a new password, open this link within %(minutes)d "
            "minutes. It works once:\n\n%(link)s\n\nIf it was not you, ignore this mail: your "
            "password has not changed.",
            minutes=minutes,
            link=mail.link("accounts.reset_password", token=token),
        ),
    )


def password_changed(to: str) -> Letter:
    return Letter(
        to,
        _("Your Deliberate password was changed"),
        _(
            "Hello,\n\nThe password of your Deliberate account was just changed, and every "
            "device logged in to it was logged out.\n\nIf it was not you, choose a new "
            "password now:\n%(reset)s",
            reset=_reset_link(),
        ),
    )


def confirm_new_email(to: str, token: str, hours: int) -> Letter:
    return Letter(
        to,
        _("Confirm your new email address for Deliberate"),
        _(
            "Hello,\n\nSomeone, probably you, asked to use this email address for their "
            "Deliberate account.\n\nTo confirm, open this link. It works for %(hours)d "
            "hours:\n\n%(link)s\n\nIf it was not you, ignore this mail: nothing changes.",
            hours=hours,
            link=mail.link("accounts.confirm_email", token=token),
        ),
    )


def new_email_taken(to: str) -> Letter:
    return Letter(
        to,
        _("Someone tried to use your address on Deliberate"),
        _(
            "Hello,\n\nSomeone asked to move their Deliberate account to this email address, "
            "but an account already uses it, so nothing changed.\n\nIf it was not you, you can "
            "ignore this mail."
        ),
    )


def email_change_requested(to: str) -> Letter:
    return Letter(
        to,
        _("A new email address was requested for your Deliberate account"),
        _(
            "Hello,\n\nSomeone logged in to your Deliberate account asked to change its email "
            "address. The change happens only when the link sent to the new address is "
            "opened.\n\nIf it was not you, choose a new password now: that cancels the change "
            "and logs out every device.\n%(reset)s",
            reset=_reset_link(),
        ),
    )


def email_changed(to: str) -> Letter:
    return Letter(
        to,
        _("The email address of your Deliberate account was changed"),
        _(
            "Hello,\n\nThe email address of your Deliberate account was just changed. From now "
            "on, mail about the account goes to the new address.\n\nIf it was not you, contact "
            "the people who run this Deliberate site."
        ),
    )


def two_factor_changed(to: str, *, enabled: bool) -> Letter:
    if enabled:
        return Letter(
            to,
            _("Two-step login is on for your Deliberate account"),
            _(
                "Hello,\n\nYour Deliberate account now asks for a code from your authenticator "
                "app after the password, and every other device was logged out.\n\nIf it was "
                "not you, choose a new password now:\n%(reset)s",
                reset=_reset_link(),
            ),
        )
    return Letter(
        to,
        _("Two-step login is off for your Deliberate account"),
        _(
            "Hello,\n\nYour Deliberate account no longer asks for a code after the password."
            "\n\nIf it was not you, choose a new password now, then turn two-step login on "
            "again:\n%(reset)s",
            reset=_reset_link(),
        ),
    )


def two_factor_reset(to: str, reason: str) -> Letter:
    return Letter(
        to,
        _("A site administrator turned off two-step login on your Deliberate account"),
        _(
            "Hello,\n\nAt your request, a site administrator turned off two-step login on "
            "your Deliberate account, and every device was logged out. Their note: "
            "%(reason)s\n\nLog in with your password, then set two-step login up again in "
            "your account settings. If you did not ask for this, choose a new password now "
            "and tell the site's administrators:\n%(reset)s",
            reason=reason,
            reset=_reset_link(),
        ),
    )


def invitation(to: str, role: str) -> Letter:
    """An organiser invited the reader to run a debate. The mail names neither the debate
    nor anyone: it may be read by others; the account page says the rest."""
    if role == "organiser":
        what = _("You are invited to be an organiser of a debate on Deliberate.")
    elif role == "translator":
        what = _("You are invited to be a translator of a debate on Deliberate.")
    else:
        what = _("You are invited to be a mediator of a debate on Deliberate.")
    return Letter(
        to,
        _("An invitation to help run a debate on Deliberate"),
        _(
            "Hello,\n\n%(what)s\n\nNothing is shown or given until you accept. To accept or "
            "decline, log in and open your account page:\n%(link)s\n\nIf you do not want "
            "this role, decline it, or ignore this mail.",
            what=what,
            link=mail.link("accounts.account", _anchor="invitations-title"),
        ),
    )
