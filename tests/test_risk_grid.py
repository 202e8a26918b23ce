"""The risk grid (issue 14, item 1): counts against offers, most serious first, on the case page.

The grid is laid out once, in cases.worksheet_layout.risk_grid, for the case page, the worksheet,
the review and the PDF; the rules are tested on plain values, the page through the client.
"""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import worksheet_layout
from tests import factories


def flag(ground, verdict, subcategory=None):
    return {"ground": ground, "verdict": verdict, "subcategory": subcategory, "statuses": []}


def column(key, results, *, whole=None, reference=False, compared=True):
    return worksheet_layout.grid_column(
        key, key, results, whole_flags=whole, reference=reference, compared=compared
    )


def known(*flags):
    return {"offense": {"known": True}, "flags": list(flags)}


COUNTS = [{"id": 1, "number": 1, "statute": "PC 273.5(a)", "title": ""}]


def test_a_cell_lists_the_most_serious_grounds_first_each_verdict_named():
    result = known(
        flag("good_moral_character", "unclear", "confinement_180_days"),
        flag("cimt", "assume_yes"),
        flag("firearm", "no"),
        flag("domestic_violence", "yes", "domestic_violence"),
        flag("aggravated_felony", "yes", "F"),
    )
    grid = worksheet_layout.risk_grid(COUNTS, [column("a", {1: result})])
    cell = grid["rows"][0]["cells"][0]
    assert cell["top"] == "yes" and cell["total"] == 4
    assert [group["label"] for group in cell["groups"]] == ["Yes", "Assume yes", "Unclear"]
    assert cell["groups"][0]["grounds"] == [
        "Aggravated felony (crime of violence)",
        # The subcategory is not repeated when the ground already says it.
        "Domestic violence, stalking, child abuse, protection order",
    ]
    assert cell["groups"][2]["grounds"] == ["Good moral character (180 days or more confined)"]
    assert cell["anchor"] == "flags-c1-a"


def test_an_offer_says_what_it_clears_and_adds_against_the_reference():
    standard = known(flag("aggravated_felony", "yes", "F"), flag("cimt", "yes"))
    proposal = known(flag("cimt", "yes"), flag("daca_bar", "yes", "significant_misdemeanor"))
    charged = known(flag("firearm", "yes"))
    grid = worksheet_layout.risk_grid(
        COUNTS,
        [
            column("charged", {1: charged}, compared=False),
            column("a", {1: standard}, whole=[], reference=True),
            column("b", {1: proposal}, whole=[flag("tps_bar", "yes", "two_misdemeanors")]),
        ],
    )
    charged_cell, standard_cell, proposal_cell = grid["rows"][0]["cells"]
    assert charged_cell["cleared"] == [] and charged_cell["added"] == []
    assert standard_cell["cleared"] == [] and standard_cell["added"] == []
    assert proposal_cell["cleared"] == ["Aggravated felony (crime of violence)"]
    assert proposal_cell["added"] == ["DACA bar (significant misdemeanor)"]
    # The disposition-level grounds have their own row, compared the same way.
    assert grid["whole"][0]["kind"] == "absent"
    assert grid["whole"][2]["added"] == ["TPS bar (two misdemeanors)"]
    assert grid["whole"][2]["anchor"] == "flags-whole-b"


def test_an_unknown_statute_or_a_dismissed_count_is_never_an_empty_safe_cell():
    unknown = {"offense": {"known": False, "code": "PC 99999"}, "flags": []}
    dismissed = {"dismissed": True, "flags": [], "offense": {"known": True}}
    grid = worksheet_layout.risk_grid(
        COUNTS,
        [
            column("a", {1: known(flag("cimt", "yes"))}, reference=True),
            column("b", {1: unknown}),
            column("c", {1: dismissed}),
            column("d", {}),
        ],
    )
    _, unknown_cell, dismissed_cell, absent = grid["rows"][0]["cells"]
    assert unknown_cell["kind"] == "unknown"
    assert dismissed_cell["kind"] == "dismissed"
    assert dismissed_cell["cleared"] == ["Crime involving moral turpitude"]
    assert absent["kind"] == "absent"


def test_the_case_page_opens_with_the_grid_and_an_unknown_statute_says_so(client, alice, case):
    unknown = factories.make_charge(case, 3, "PC 99999")
    offer = factories.make_disposition(case)
    for charge in case.charges.all():
        factories.make_term(offer, charge, level="felony", custody_days_imposed=365)
    client.force_login(alice)
    page = client.get(case.get_absolute_url()).content.decode()
    grid = page[page.index('class="risk-grid-wrap') : page.index("</table>")]
    order = [page.index(h) for h in ("Risks at a glance", "Flags by count", "Plea offers")]
    assert order == sorted(order)
    row = grid[grid.index("Count 3") :]
    # As charged and in the offer: both cells say there is no analysis.
    assert row.count("Not in catalog — no analysis") == 2
    assert f'href="#flags-c{unknown.number}-o{offer.pk}"' in row
    assert "Whole offer" in grid


def test_the_grid_and_flags_speak_words_not_identifiers(client, alice, case):
    offer = factories.make_disposition(case)
    for charge in case.charges.all():
        factories.make_term(offer, charge, level="misdemeanor", custody_days_imposed=364)
    client.force_login(alice)
    page = client.get(case.get_absolute_url()).content.decode()
    text = re.sub(r"<[^>]+>", " ", page)
    for leak in ("(dv)", "(laken riley)", "laken_riley", "(two cimts)", "significant_misdemeanor"):
        assert leak not in text
    assert "Laken Riley Act" in text
    assert "significant misdemeanor (domestic violence)" in text


def test_a_case_of_20_counts_and_6_offers_keeps_one_grid_and_the_same_queries(client, alice, case):
    client.force_login(alice)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(case.get_absolute_url())
        assert response.status_code == 200
        return len(captured.captured_queries), response.content.decode()

    first = factories.make_disposition(case)
    factories.make_term(first, case.charges.get(number=1))
    few, _ = queries()
    for number in range(3, 21):
        factories.make_charge(case, number, "PC 459")
    for charge in case.charges.exclude(number=1):
        factories.make_term(first, charge)
    for _ in range(5):
        offer = factories.make_disposition(case)
        for charge in case.charges.all():
            factories.make_term(offer, charge)
    many, page = queries()
    assert many == few
    assert page.count('class="risk-grid-wrap') == 1
    assert page.count('class="grid-cell') == 20 * 7 + 7  # as charged + 6 offers, + whole offer
