"""Roles are groups whose permissions are declared here, in code, and synced by `sync_roles`.

Least privilege: each role gets only what its work needs. Object-level limits (which cases a
role may open) live in `Case.objects.visible_to` and the access helpers in `cases.access`.
"""

from django.contrib.auth.models import Group, Permission

from .choices import Role

_READ_CASES = [
    "cases.view_case",
    "cases.view_charge",
    "cases.view_disposition",
    "cases.view_pleaterm",
    "cases.view_worksheet",
    "cases.view_review",
    "cases.view_flagoverride",
    "cases.view_defensesubmission",
    "cases.view_counselrequest",
]
_EDIT_CASES = [
    "cases.add_case",
    "cases.change_case",
    "cases.add_charge",
    "cases.change_charge",
    "cases.delete_charge",
    "cases.add_disposition",
    "cases.change_disposition",
    "cases.delete_disposition",
    "cases.add_pleaterm",
    "cases.change_pleaterm",
    "cases.delete_pleaterm",
    "cases.add_worksheet",
    "cases.change_worksheet",
    "cases.add_flagoverride",
    "cases.change_flagoverride",
    "cases.delete_flagoverride",
    "cases.add_defensesubmission",
    "cases.change_defensesubmission",
    "cases.add_statusdisclosure",
    "cases.view_status",
    "cases.sign_worksheet",
    "cases.add_counselrequest",
]

ROLE_PERMISSIONS = {
    Role.DEPUTY: _READ_CASES + _EDIT_CASES,
    Role.SUPERVISOR: _READ_CASES
    + _EDIT_CASES
    + [
        "cases.review_worksheet",
        "cases.view_compliance",
        # The access-changes page (cases.views.access_changes): who may do what in the office.
        "cases.view_membership",
    ],
    Role.ADMIN: _READ_CASES
    + [
        "cases.manage_office",
        "cases.review_catalog",
        "cases.view_compliance",
        "cases.view_audit_log",
        "cases.view_office",
        "cases.change_office",
        "cases.view_unit",
        "cases.add_unit",
        "cases.change_unit",
        "cases.view_membership",
        "cases.add_membership",
        "cases.change_membership",
        "cases.view_auditevent",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
    ],
    Role.COUNSEL: _READ_CASES + ["cases.view_status", "cases.answer_counsel"],
}


def group_name(role):
    return Role(role).label


def sync_role_groups():
    """Create or update one group per role with exactly the permissions declared above."""
    groups = {}
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name(role))
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
        groups[role] = group
    return groups


def assign_role(user, role):
    """Put the user in exactly the group of their role."""
    role_groups = Group.objects.filter(name__in=[group_name(r) for r in Role])
    user.groups.remove(*role_groups)
    user.groups.add(Group.objects.get(name=group_name(role)))
    user.is_staff = role == Role.ADMIN
    user.save(update_fields=["is_staff"])
