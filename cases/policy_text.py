"""What each office setting does, in one sentence, and which screen or report it changes: the
office area's policy page (cases.views.office.office_policy) reads it, and so can the admin guide.

Read-only here: editing policy, with versions and effective dates, is issue 17 item 2. A setting
whose effect is not built yet says so (`in_effect=False`) instead of promising it; the test
tests/test_office_pages.py checks that every Office setting has an entry.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    field: str
    label: str
    does: str
    changes: str
    in_effect: bool = True


SETTINGS = (
    Setting(
        "worksheet_scope",
        "Worksheet scope",
        "Decides which conveyed offers count as needing a § 1016.3(b) worksheet.",
        "The compliance rate, “Needs my action” and the late/missing report.",
        in_effect=False,
    ),
    Setting(
        "exclude_serious_violent",
        "Exclude serious or violent felonies",
        "Takes cases charged with a serious (PC 1192.7(c)) or violent (PC 667.5(c)) felony "
        "out of the worksheet scope.",
        "Every page that counts compliance, which then says so.",
        in_effect=False,
    ),
    Setting(
        "supervisor_approval",
        "Supervisor approval",
        "Decides which signed worksheets go to a supervisor for review: none, departures from "
        "the standard offer, or all.",
        "The review queue and the worksheet's “Supervisor's review” section.",
    ),
    Setting(
        "parity_rule",
        "Citizen-parity question",
        "Decides how the worksheet asks whether a similarly situated citizen would be treated "
        "the same.",
        "The worksheet form and the parity answers in the compliance report.",
    ),
    Setting(
        "route_to_counsel",
        "Route to immigration counsel",
        "Sends cases to the office's immigration counsel for a written view.",
        "Immigration counsel's queue and the worksheet.",
        in_effect=False,
    ),
    Setting(
        "second_factor_required",
        "Second factor for administrators",
        "Administrators must set up an authenticator app before they can open anything.",
        "The log-in: an administrator without an app is taken to set-up first.",
    ),
    Setting(
        "deputies_see_unit_cases",
        "Deputies see their unit's cases",
        "A deputy sees every case of their unit, not only the cases assigned to them.",
        "The case list, case search and the case pages a deputy may open.",
    ),
    Setting(
        "compliance_goal_percent",
        "Compliance goal",
        "The share of conveyed offers that should have a signed worksheet before conveyance.",
        "The goal line on the compliance dashboard and in its PDF.",
    ),
)

NOT_YET = "Stored, not applied yet: it takes effect with versioned policy (issue 17 item 2)."


def summary(office):
    """(setting, its current value as a person reads it) for each setting, in order."""
    rows = []
    for setting in SETTINGS:
        display = getattr(office, f"get_{setting.field}_display", None)
        value = display() if display else getattr(office, setting.field)
        if isinstance(value, bool):
            value = "Yes" if value else "No"
        elif setting.field == "compliance_goal_percent":
            value = f"{value} %"
        rows.append((setting, value))
    return rows
