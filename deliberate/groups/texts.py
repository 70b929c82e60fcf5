"""How roles and log entries of a group read, in the reader's language."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .models import GroupLogEntry

ROLE_NAMES = {"admin": _l("admin"), "facilitator": _l("facilitator"), "member": _l("member")}


def group_role_name(role: str) -> str:
    return str(ROLE_NAMES[role])


def group_action_text(entry: GroupLogEntry) -> str:
    name = entry.subject.pseudonym if entry.subject else ""
    role = str(ROLE_NAMES.get(entry.detail, entry.detail))
    texts = {
        "created": lambda: _("started the group"),
        "member_added": lambda: _("added %(name)s as %(role)s", name=name, role=role),
        "member_removed": lambda: (
            _("left the group")
            if entry.subject_id == entry.actor_id
            else _("removed %(name)s", name=name)
        ),
        "role_changed": lambda: _("made %(name)s %(role)s", name=name, role=role),
        "mediator_added": lambda: _("added %(name)s to the pool of mediators", name=name),
        "mediator_removed": lambda: _("removed %(name)s from the pool of mediators", name=name),
        "codes_issued": lambda: _(
            "issued a sheet of access codes: %(detail)s", detail=entry.detail
        ),
        "codes_revoked": lambda: _(
            "withdrew a sheet of access codes: %(detail)s", detail=entry.detail
        ),
        "recovery_code_issued": lambda: _("gave %(name)s a recovery code", name=name),
        "joined_with_code": lambda: _("joined with an access code"),
        "recovered_with_code": lambda: _("recovered their account with a recovery code"),
        "suspended": lambda: _(
            "suspended the group (site administrator): %(reason)s", reason=entry.detail
        ),
        "unsuspended": lambda: _("lifted the group's suspension (site administrator)"),
        "debate_started": lambda: _("started the debate “%(motion)s”", motion=entry.detail),
    }
    return texts[entry.action]()
