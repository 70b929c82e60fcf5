"""Group pages: the group's page and debates, its members and trusted mediators, its log,
and suspension by site admins. Thin views over groups/services.py."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import rules
from ..errors import DomainError
from ..extensions import db, limiter
from ..forms import EmptyForm
from . import services
from .forms import (
    AddMediatorForm,
    AddMemberForm,
    GroupForm,
    RoleForm,
    SuspendForm,
    role_choices,
)
from .models import GroupRole
from .texts import group_action_text, group_role_name

bp = Blueprint("groups", __name__)
bp.add_app_template_global(group_role_name)
bp.add_app_template_global(group_action_text)
bp.add_app_template_global(role_choices)


WRITE_LIMIT = "30 per minute;300 per hour"


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def new():
    form = GroupForm()
    if form.validate_on_submit():
        group = services.create(current_user, form.name.data, form.description.data or "")
        db.session.commit()
        flash(_("Your group is ready. Add its members, or start its first debate."), "success")
        return redirect(url_for(".group", group=group.slug))
    return render_template("groups/new.html", form=form), 400 if form.errors else 200


@bp.route("/g/<group>")
def group(group: str):
    group, who = services.load(group, current_user)
    return render_template(
        "groups/group.html",
        group=group,
        who=who,
        debates=services.debates(group, who),
        member_count=services.member_count(group),
        form=EmptyForm(),
    )


def members_page(group, who, status=200, **forms):
    rules.require(rules.see_members(who, group))
    forms.setdefault("member_form", AddMemberForm(prefix="member", formdata=None))
    forms.setdefault("mediator_form", AddMediatorForm(prefix="mediator", formdata=None))
    return render_template(
        "groups/members.html",
        group=group,
        who=who,
        members=services.members(group),
        mediators=services.mediators(group),
        role_form=RoleForm(formdata=None),
        form=EmptyForm(),
        **forms,
    ), status


@bp.route("/g/<group>/members")
@login_required
def members(group: str):
    return members_page(*services.load(group, current_user))


@bp.route("/g/<group>/members", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def add_member(group: str):
    group, who = services.load(group, current_user)
    rules.require(rules.manage_members(who, group))
    form = AddMemberForm(prefix="member")
    if form.validate_on_submit():
        try:
            services.add_member(who, group, form.pseudonym.data, GroupRole(form.role.data))
        except DomainError as error:
            form.pseudonym.errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("%(name)s is now in the group.", name=form.pseudonym.data), "success")
            return redirect(url_for(".members", group=group.slug))
    db.session.rollback()
    return members_page(group, who, 400, member_form=form)


@bp.route("/g/<group>/members/<int:user_id>/role", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def change_role(group: str, user_id: int):
    group, who = services.load(group, current_user)
    rules.require(rules.manage_members(who, group))
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    services.change_role(who, group, user_id, GroupRole(form.role.data))
    db.session.commit()
    flash(_("The role is changed, and the change is in the group's log."), "success")
    return redirect(url_for(".members", group=group.slug))


@bp.route("/g/<group>/members/<int:user_id>/remove", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def remove_member(group: str, user_id: int):
    """A group admin removes someone, or someone leaves."""
    group, who = services.load(group, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    leaving = user_id == current_user.id
    services.remove_member(who, group, user_id)
    db.session.commit()
    if leaving:
        flash(_("You left the group."), "success")
        return redirect(url_for(".group", group=group.slug))
    flash(_("The person is no longer in the group."), "success")
    return redirect(url_for(".members", group=group.slug))


@bp.route("/g/<group>/mediators", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def add_mediator(group: str):
    group, who = services.load(group, current_user)
    rules.require(rules.manage_members(who, group))
    form = AddMediatorForm(prefix="mediator")
    if form.validate_on_submit():
        try:
            services.add_mediator(who, group, form.pseudonym.data)
        except DomainError as error:
            form.pseudonym.errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("%(name)s is in the pool of mediators.", name=form.pseudonym.data), "success")
            return redirect(url_for(".members", group=group.slug, _anchor="mediators-title"))
    db.session.rollback()
    return members_page(group, who, 400, mediator_form=form)


@bp.route("/g/<group>/mediators/<int:user_id>/remove", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def remove_mediator(group: str, user_id: int):
    group, who = services.load(group, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.remove_mediator(who, group, user_id)
    db.session.commit()
    flash(_("The person is no longer in the pool of mediators."), "success")
    return redirect(url_for(".members", group=group.slug, _anchor="mediators-title"))


@bp.route("/g/<group>/log")
@login_required
def log(group: str):
    group, who = services.load(group, current_user)
    rules.require(rules.read_group_log(who, group))
    return render_template("groups/log.html", group=group, entries=services.log_entries(group))


@bp.route("/g/<group>/suspension", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def suspend(group: str):
    group, who = services.load(group, current_user)
    rules.require(rules.suspend_group(who, group))
    form = SuspendForm()
    if form.validate_on_submit():
        services.suspend(who, group, form.reason.data)
        db.session.commit()
        flash(_("The group is suspended; its members are told why in its log."), "success")
        return redirect(url_for(".group", group=group.slug))
    return render_template("groups/suspend.html", group=group, form=form), (
        400 if form.errors else 200
    )


@bp.route("/g/<group>/suspension/end", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def unsuspend(group: str):
    group, who = services.load(group, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.unsuspend(who, group)
    db.session.commit()
    flash(_("The suspension is lifted."), "success")
    return redirect(url_for(".group", group=group.slug))
