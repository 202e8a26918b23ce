"""One layout of a worksheet for the page and the PDF (cases/worksheet_layout.py).

A deputy's override belongs to one flag: (offer, count, ground, subcategory). PC 487 grand theft
with a year imposed is flagged twice under aggravated felony, as theft (G) and as fraud or deceit
(M); an override of one must be shown and printed against that one only.
"""

import re

import pytest

from cases import actions
from cases.choices import ChargeLevel, Decision, ParityAnswer, PleaLevel
from cases.worksheet_print import render_worksheet_pdf
from tests import factories
from tests.pdf_tools import pdf_text

pytestmark = pytest.mark.django_db

REASON = "Ninth Circuit forum, so the theft ground does not reach this plea."


@pytest.fixture
def theft(office, unit, alice):
    """PC 487 with 365 days imposed, in two offers that plead it the same way."""
    case = factories.make_case(office, unit, alice, number="THEFT-0001")
    count = factories.make_charge(case, 1, "PC 487", level=ChargeLevel.FELONY)
    offers = []
    for name in ("Standard offer", "Same plea, other terms"):
        offer = factories.make_disposition(case, name=name)
        factories.make_term(
            offer, count, "PC 487", level=PleaLevel.FELONY, custody_days_imposed=365
        )
        offers.append(offer)
    worksheet = actions.start_worksheet(case, by_user=alice)
    return worksheet, count, offers


def aggravated_felonies(worksheet, offer, count):
    from cases.worksheets import content_for_display

    content = content_for_display(worksheet)
    flags = content["analysis"]["dispositions"][str(offer.pk)]["counts"][str(count.pk)]["flags"]
    return {f["subcategory"]: f for f in flags if f["ground"] == "aggravated_felony"}


def override_theft(worksheet, count, offer, alice):
    flags = aggravated_felonies(worksheet, offer, count)
    # The catalog's premise for this test: both subparagraphs flagged on the one count.
    assert {sub: flag["verdict"] for sub, flag in flags.items()} == {
        "G": "unclear",
        "M": "unclear",
    }
    actions.set_override(
        worksheet,
        by_user=alice,
        disposition=offer,
        charge=count,
        ground="aggravated_felony",
        subcategory="G",
        engine_verdict=flags["G"]["verdict"],
        deputy_verdict="arguably_not",
        reason=REASON,
    )


def override_block(page, offer, count, subcategory):
    """The page's override block of one flag (worksheets/_override.html)."""
    key = f"{offer.pk}-{count.pk}-aggravated_felony-{subcategory}"
    match = re.search(rf'<div class="override mt-1" id="override-{key}">(.*?)</div>', page, re.S)
    assert match, f"no override block for {key}"
    return match.group(1)


def test_an_override_of_theft_g_is_shown_against_g_only(client, alice, theft):
    worksheet, count, (offer, same) = theft
    override_theft(worksheet, count, offer, alice)
    client.force_login(alice)
    page = client.get(worksheet.get_absolute_url()).content.decode()

    theft_block = override_block(page, offer, count, "G")
    assert "Overridden by the deputy" in theft_block and REASON in theft_block
    assert "Remove this override" in theft_block
    for other in (override_block(page, offer, count, "M"), override_block(page, same, count, "G")):
        assert "Overridden by the deputy" not in other and REASON not in other
        assert "Override this flag" in other
    assert page.count(REASON) == 1


def test_an_override_of_theft_g_is_printed_against_g_only(alice, theft):
    worksheet, count, (offer, same) = theft
    override_theft(worksheet, count, offer, alice)
    actions.update_worksheet(
        worksheet,
        by_user=alice,
        version=worksheet.lock_version,
        fields={
            "chosen_disposition": offer,
            "decision": Decision.STANDARD_KEPT,
            "reasons": "Proportionate.",
            "parity_answer": ParityAnswer.SAME,
        },
        considered=[offer, same],
    )
    worksheet.refresh_from_db()
    signed = actions.sign_worksheet(worksheet, by_user=alice)
    text = pdf_text(render_worksheet_pdf(signed))

    # Section 3 prints the one plea once, for both offers, a row per flag: G, then M.
    section = text[text.index("Every flag, count by count") : text.index("Authorities cited")]
    assert "pleaded as PC 487, felony, 365 days imposed · offers A, B" in section
    theft_row = section[section.index("1101(a)(43)(G)") : section.index("1101(a)(43)(M)")]
    fraud_row = section[section.index("1101(a)(43)(M)") :]
    assert f"Deputy's view (offer A): Arguably not — {REASON}" in theft_row
    assert "Deputy's view" not in fraud_row and REASON not in fraud_row
    assert text.count("Deputy's view") == 1
