"""What each office setting does, and its value today, for the Office area's policy page
(cases.views.office_pages.office_policy).

The versioned settings (scope, exclusions, approval, defense request, counsel routing, second
factor) and their sentences are `cases.policy`'s, read from the version in force today; the
office's other settings (parity question, unit visibility, compliance goal) are described here.
Changing them: `policy_edit` (versions with effective dates) and the operator's admin.
Tests: tests/test_office_pages.py (every setting has a sentence).
"""

from dataclasses import dataclass

from . import policy
from .models import Office, OfficePolicy

# Office fields that are settings but not versioned policy: field → what it does.
OFFICE_SETTINGS = {
    "parity_rule": (
        "How the worksheet asks whether a similarly situated citizen would be treated the "
        "same. It changes the worksheet form and the parity answers in the compliance report."
    ),
    "local_passwords_allowed": (
        "Users may log in, and confirm a signature, with a Considered password. Off, and with "
        "single sign-on set up, they use their county account only (docs/sso.md)."
    ),
    "deputies_see_unit_cases": (
        "A deputy sees every case of their unit, not only the cases assigned to them. It "
        "changes the case list, case search and the case pages a deputy may open."
    ),
    "compliance_goal_percent": (
        "The share of conveyed offers that should have a signed worksheet before conveyance. "
        "It changes the goal line on the compliance dashboard and in its PDF."
    ),
    "inbox_hearing_days": (
        "How many days ahead a hearing without a signed worksheet is listed on a deputy's "
        "“Needs my action” page."
    ),
    "inbox_draft_days": (
        "After how many days an unsigned draft worksheet is listed on its deputy's “Needs my "
        "action” page."
    ),
}


@dataclass(frozen=True)
class Row:
    field: str
    label: str
    value: str
    does: str


def summary(office):
    """(the version in force today, a Row per setting: label, value as read, what it does)."""
    in_force = policy.policy_for(office)
    rows = [_row(in_force, OfficePolicy, field, text) for field, text in policy.SETTINGS.items()]
    rows += [_row(office, Office, field, text) for field, text in OFFICE_SETTINGS.items()]
    return in_force, rows


def _row(obj, model, field, text):
    label = str(model._meta.get_field(field).verbose_name)
    display = getattr(obj, f"get_{field}_display", None)
    value = display() if display else getattr(obj, field)
    if isinstance(value, bool):
        value = "Yes" if value else "No"
    elif field == "compliance_goal_percent":
        value = f"{value} %"
    return Row(field, label[:1].upper() + label[1:], str(value) if value != "" else "—", text)
