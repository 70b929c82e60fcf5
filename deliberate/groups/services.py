"""Groups: starting one, its members and their roles, its trusted mediators, suspension by
site admins, and the log its members read. Every change goes through here, checked by
deliberate/rules.py and written to the group's log in the same transaction."""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import rules
from ..accounts.pseudonyms import pseudonym_key
from ..debates.services import unique_slug
from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..models import Audience, Debate, Phase, User, utcnow
from ..rules import Standing
from .log import record
from .models import (
    GROUP_DESCRIPTION_MAX,
    GROUP_NAME_MAX,
    Group,
    GroupLogEntry,
    GroupMediator,
    GroupMember,
    GroupRole,
)

NO_SUCH_PERSON = _l("No account has this pseudonym.")
LAST_ADMIN = _l("A group keeps at least one admin: make someone else admin first.")


# --- reading -------------------------------------------------------------------------------


def role_of(user: User, group: Group) -> GroupRole | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        select(GroupMember.role).where(
            GroupMember.group_id == group.id, GroupMember.user_id == user.id
        )
    )


def standing(user: User, group: Group) -> Standing:
    role = role_of(user, group)
    return Standing(user, group_role=None if role is None else str(role))


def load(slug: str, user: User) -> tuple[Group, Standing]:
    """The group (404 if there is none) and who `user` is in it."""
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    if group is None:
        abort(404)
    return group, standing(user, group)


def members(group: Group) -> list[GroupMember]:
    order = {GroupRole.ADMIN: 0, GroupRole.FACILITATOR: 1, GroupRole.MEMBER: 2}
    rows = db.session.scalars(
        select(GroupMember).where(GroupMember.group_id == group.id).order_by(GroupMember.id)
    ).all()
    return sorted(rows, key=lambda m: order[m.role])


def mediators(group: Group) -> list[GroupMediator]:
    return db.session.scalars(
        select(GroupMediator).where(GroupMediator.group_id == group.id).order_by(GroupMediator.id)
    ).all()


def member_count(group: Group) -> int:
    return db.session.scalar(
        select(func.count()).select_from(GroupMember).where(GroupMember.group_id == group.id)
    )


def log_entries(group: Group, limit: int = 200) -> list[GroupLogEntry]:
    return db.session.scalars(
        select(GroupLogEntry)
        .where(GroupLogEntry.group_id == group.id)
        .order_by(GroupLogEntry.id.desc())
        .limit(limit)
    ).all()


def debates(group: Group, who: Standing) -> list[Debate]:
    """The group's debates `who` may see: to anyone its public ones; to its members the
    unlisted and private ones too; to its admins and facilitators its drafts as well."""
    query = select(Debate).where(Debate.group_id == group.id)
    if not who.group_role and not who.is_admin:
        query = query.where(Debate.audience == Audience.PUBLIC)
    if not who.runs_group and not who.is_admin:
        query = query.where(Debate.phase != Phase.DRAFT)
    return db.session.scalars(query.order_by(Debate.created_at.desc())).all()


def groups_of(user: User) -> list[tuple[Group, GroupRole]]:
    """The groups someone belongs to, with their role, by name."""
    if not user.is_authenticated:
        return []
    return db.session.execute(
        select(Group, GroupMember.role)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(GroupMember.user_id == user.id)
        .order_by(Group.name)
    ).all()


def runnable_by(user: User) -> list[Group]:
    """The groups whose debates `user` may start: admin or facilitator, not suspended."""
    return [
        group
        for group, role in groups_of(user)
        if role is not GroupRole.MEMBER and not group.suspended
    ]


# --- changing ------------------------------------------------------------------------------


def create(user: User, name: str, description: str) -> Group:
    """A new group; whoever starts it is its first admin."""
    rules.require(rules.start_group(Standing(user)))
    name, description = " ".join(name.split()), description.strip()
    if not 3 <= len(name) <= GROUP_NAME_MAX or len(description) > GROUP_DESCRIPTION_MAX:
        raise InvalidInput()
    group = Group(
        slug=unique_slug(name, table=Group),
        name=name,
        description=description,
        created_by_id=user.id,
    )
    db.session.add(group)
    db.session.flush()
    db.session.add(GroupMember(group_id=group.id, user_id=user.id, role=GroupRole.ADMIN))
    record(group, user, "created")
    return group


def person_named(pseudonym: str) -> User:
    """The account with this pseudonym (as accounts compare them), or InvalidInput."""
    user = db.session.scalar(select(User).where(User.pseudonym_key == pseudonym_key(pseudonym)))
    if user is None or user.deleted_at is not None:
        raise InvalidInput(NO_SUCH_PERSON)
    return user


def add_member(who: Standing, group: Group, pseudonym: str, role: GroupRole) -> GroupMember:
    rules.require(rules.manage_members(who, group))
    person = person_named(pseudonym)
    if role_of(person, group) is not None:
        raise Conflict(_l("%(name)s is already a member.", name=person.pseudonym))
    member = GroupMember(group_id=group.id, user_id=person.id, role=role)
    db.session.add(member)
    record(group, who.user, "member_added", person, role.value)
    return member


def join_with_code(group: Group, person: User) -> None:
    """Someone who signed up with one of the group's access codes becomes a member."""
    if role_of(person, group) is None:
        db.session.add(GroupMember(group_id=group.id, user_id=person.id, role=GroupRole.MEMBER))
    record(group, person, "joined_with_code", person)


def _membership(group: Group, user_id: int) -> GroupMember:
    member = db.session.scalar(
        select(GroupMember).where(GroupMember.group_id == group.id, GroupMember.user_id == user_id)
    )
    if member is None:
        abort(404)
    return member


def _admin_count(group: Group) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(GroupMember)
        .where(GroupMember.group_id == group.id, GroupMember.role == GroupRole.ADMIN)
    )


def change_role(who: Standing, group: Group, user_id: int, role: GroupRole) -> None:
    rules.require(rules.manage_members(who, group))
    member = _membership(group, user_id)
    if member.role is role:
        return
    if member.role is GroupRole.ADMIN and _admin_count(group) == 1:
        raise Conflict(LAST_ADMIN)
    member.role = role
    record(group, who.user, "role_changed", member.user, role.value)


def remove_member(who: Standing, group: Group, user_id: int) -> None:
    """A group admin removes someone; anyone may leave (but not the last admin)."""
    rules.require(rules.remove_member(who, group, user_id))
    member = _membership(group, user_id)
    if member.role is GroupRole.ADMIN and _admin_count(group) == 1:
        raise Conflict(LAST_ADMIN)
    person = member.user
    db.session.delete(member)
    record(group, who.user, "member_removed", person)


def add_mediator(who: Standing, group: Group, pseudonym: str) -> None:
    rules.require(rules.manage_members(who, group))
    person = person_named(pseudonym)
    already = db.session.scalar(
        select(GroupMediator.id).where(
            GroupMediator.group_id == group.id, GroupMediator.user_id == person.id
        )
    )
    if already:
        raise Conflict(_l("%(name)s is already in the pool.", name=person.pseudonym))
    db.session.add(GroupMediator(group_id=group.id, user_id=person.id))
    record(group, who.user, "mediator_added", person)


def remove_mediator(who: Standing, group: Group, user_id: int) -> None:
    rules.require(rules.manage_members(who, group))
    mediator = db.session.scalar(
        select(GroupMediator).where(
            GroupMediator.group_id == group.id, GroupMediator.user_id == user_id
        )
    )
    if mediator is None:
        abort(404)
    person = mediator.user
    db.session.delete(mediator)
    record(group, who.user, "mediator_removed", person)


def suspend(who: Standing, group: Group, reason: str) -> None:
    rules.require(rules.suspend_group(who, group))
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_l("Give the reason: the group's members read it."))
    if group.suspended:
        return
    group.suspended_at, group.suspension_reason = utcnow(), reason
    record(group, who.user, "suspended", detail=reason)


def unsuspend(who: Standing, group: Group) -> None:
    rules.require(rules.suspend_group(who, group))
    if group.suspended:
        group.suspended_at = group.suspension_reason = None
        record(group, who.user, "unsuspended")
