"""The PDF names each long "Matters for" list once (S1, S2, …) and prints it in full.

Issue 14 item 7: DEMO-0001's worksheet PDF in at most 4 pages without dropping anything. The
same long status lists recurred in a narrow column; they are now printed once above section 3's
table, as the authorities are numbered after it.
"""

import os
import re

import pytest
from django.core.management import call_command

from cases.worksheet_print import STATUS_SET_MIN_LENGTH, name_status_sets, render_html

LONG = "possible citizen, LPR (incl. conditional), refugee, asylee, U/T visa, VAWA, undocumented"


def flag(label):
    return {"statuses_label": label}


def test_long_lists_are_named_once_in_order_and_short_ones_stay():
    first, again, short, other = (
        flag(LONG),
        flag(LONG),
        flag("DACA"),
        flag("refugee, asylee, asylum applicant"),
    )
    pleas = [{"term": {"flagged": [first, short]}}, {"term": {"flagged": [again]}}]
    offers = [{"whole_flags": [other]}, {"whole_flags": []}]
    sets = name_status_sets(pleas, offers)
    assert sets == [
        {"name": "S1", "label": LONG},
        {"name": "S2", "label": "refugee, asylee, asylum applicant"},
    ]
    assert first["status_set"] == again["status_set"] == "S1"
    assert other["status_set"] == "S2"
    assert "status_set" not in short
    assert len("every non-citizen status") < STATUS_SET_MIN_LENGTH  # stays in its cell


@pytest.mark.django_db
def test_demo_0001_prints_every_status_list_in_full():
    """Nothing silently dropped: each flag's list is in its cell or, named, in the list above."""
    from cases.models import Worksheet
    from cases.worksheet_print import print_context

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    signed = Worksheet.objects.get(case__court_case_number="DEMO-0001", version=1)
    context = print_context(signed)
    html = re.sub(r"\s+", " ", render_html(signed))
    named = {s["name"]: s["label"] for s in context["status_sets"]}
    assert named, "DEMO-0001 has long status lists"
    for name, label in named.items():
        assert f"<strong>{name}</strong> {label}" in html.replace("&#x27;", "'")
    flags = [f for plea in context["pleas"] for f in plea["term"]["flagged"]]
    flags += [f for offer in context["offers"] for f in offer.get("whole_flags") or []]
    for each in flags:
        shown = each.get("status_set") or each["statuses_label"]
        assert f"<td>{shown}</td>" in html
        if each.get("status_set"):
            assert named[each["status_set"]] == each["statuses_label"]
