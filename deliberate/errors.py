"""Domain errors raised by services; views map them to 4xx pages, the API to JSON."""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A request that cannot be carried out; `message` is safe to show to the user."""

    status = 400
    default_message = _l("This request cannot be carried out.")

    def __init__(self, message=None):
        self.message = self.default_message if message is None else message
        super().__init__(self.message)


class NotAllowed(DomainError):
    status = 403
    default_message = _l("You are not allowed to do this.")


class DebateClosed(DomainError):
    status = 409
    default_message = _l("This debate is closed: it can be read but no longer changed.")


class Conflict(DomainError):
    status = 409
    default_message = _l("This conflicts with the current state of the debate.")


class InvalidInput(DomainError):
    status = 400


class WrongPhase(DomainError):
    status = 409
    default_message = _l("The debate's current phase does not allow this.")


class NotFound(DomainError):
    status = 404
    default_message = _l(
        "We could not find this page. It may have moved, or the link may be mistyped."
    )


class RateLimited(DomainError):
    status = 429
    default_message = _l(
        "You have done this many times in a short while. Wait a minute, then try again."
    )
