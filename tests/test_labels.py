"""Words for people (issue 14, item 6): labels instead of identifiers, one date format in the
office's time zone, no placeholder glitches, case numbers in the audit log."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse

from cases import labels
from cases.choices import AuditAction
from cases.models import AuditEvent
from cases.worksheet_print import render_worksheet_pdf
from consequences import rules
from consequences.catalog import get_catalog
from consequences.statuses import Ground
from tests.pdf_tools import pdf_text
from tests.worksheet_builder import build_worksheet


def engine_subcategories():
    """Every subcategory the catalog states and the rules derive (read from their source)."""
    found = {
        rule.subcategory
        for offense in get_catalog().offenses.values()
        for rule in offense.flags
        if rule.subcategory
    }
    source = Path(rules.__file__).read_text()
    found.update(re.findall(r'Finding\(\s*[^,]+,\s*"([a-z_0-9]+)"', source))
    return found


def test_every_subcategory_the_engine_can_give_has_words():
    subcategories = engine_subcategories()
    assert {"laken_riley", "two_misdemeanors", "F", "cimt_or_controlled_substance"} <= subcategories
    for subcategory in subcategories:
        words = (
            labels.subcategory_label(Ground.AGGRAVATED_FELONY, subcategory)
            if len(subcategory) <= 2
            else labels.SUBCATEGORY_LABELS.get(subcategory)
        )
        assert words, subcategory
        assert "_" not in words, subcategory


def test_every_significant_misdemeanor_tag_has_words():
    assert set(labels.TAG_LABELS) >= rules.DACA_SIGNIFICANT_TAGS
    assert (
        labels.condition_label("a significant misdemeanor (dv, firearm), or a felony")
        == "a significant misdemeanor (domestic violence, firearm), or a felony"
    )
    # Parentheses that are not a tag list are left alone.
    assert labels.condition_label("PC 17(b) (not reduced)") == "PC 17(b) (not reduced)"


def test_dates_and_times_have_one_format_in_the_office_time_zone():
    moment = dt.datetime(2026, 12, 3, 22, 5, 30, 123456, tzinfo=dt.UTC)
    assert labels.format_moment(moment) == "Dec 3, 2026, 2:05 p.m. PST"
    assert labels.format_moment(moment.isoformat()) == "Dec 3, 2026, 2:05 p.m. PST"
    # 02:00 UTC on Dec 4 is still Dec 3 in California.
    assert labels.format_day(dt.datetime(2026, 12, 4, 2, 0, tzinfo=dt.UTC)) == "Dec 3, 2026"
    assert labels.format_day(dt.date(2026, 7, 4)) == "Jul 4, 2026"


def test_the_caption_help_reads_whole_when_no_name_is_entered(client, alice):
    client.force_login(alice)
    page = client.get(reverse("case_create")).content.decode()
    assert "“People of the State of California v.” and the defendant" in page
    assert "v. ”." not in page and "&lt;defendant&gt;" not in page


def test_the_audit_log_names_cases_by_their_number(client, dave, case):
    AuditEvent.objects.create(
        office=case.office,
        user=dave,
        action=AuditAction.VIEW,
        object_type="case",
        object_id=str(case.pk),
    )
    client.force_login(dave)
    page = client.get(reverse("audit_log")).content.decode()
    assert "Case ALPHA-0001" in page
    assert f"#{case.pk}<" not in page and f"case #{case.pk}" not in page


@pytest.mark.django_db
def test_the_pdf_has_no_iso_timestamp_and_no_jargon(office, unit, alice):
    signed = build_worksheet(
        {"office": office, "unit": unit, "court_case_number": "WORDS-1"}, deputy=alice
    )
    text = pdf_text(render_worksheet_pdf(signed))
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", text)
    assert "canonical JSON" not in text
    assert labels.format_moment(signed.signed_at) in " ".join(text.split())


def test_the_label_filters_give_the_enums_words():
    """The template filters read labels from tables built once (issue 19: the enum's `values`
    list was rebuilt at every call); they must say exactly what the enums say, and pass
    anything unknown through."""
    from cases.templatetags import considered
    from consequences.statuses import Status, Verdict

    for ground in Ground:
        assert considered.ground_label(ground.value) == ground.label
        assert labels.ground_label(ground.value) == ground.label
    for verdict in Verdict:
        assert considered.verdict_label(verdict.value) == verdict.label
        assert considered.is_flagged({"verdict": verdict.value}) is verdict.is_flagged
    assert [considered.status_labels([s.value]) for s in Status] == [s.label for s in Status]
    assert considered.ground_label("no_such_ground") == "no_such_ground"
    assert considered.verdict_label("maybe") == "maybe"
    assert considered.is_flagged({"verdict": "maybe"}) is False
    assert considered.status_labels(["martian"]) == "any non-citizen"
    assert labels.ground_label("no_such_ground") == "no such ground"


def test_a_moment_formatted_again_is_the_same_and_follows_the_zone_and_language():
    """`format_moment` remembers what it formatted (issue 19), keyed on the zone and language
    too: a remembered moment never shows another zone's time or another language's month."""
    from django.test import override_settings
    from django.utils import dateformat, translation

    moment = dt.datetime(2026, 12, 3, 22, 5, tzinfo=dt.UTC)
    assert labels.format_moment(moment) == "Dec 3, 2026, 2:05 p.m. PST"
    assert labels.format_moment(moment) == "Dec 3, 2026, 2:05 p.m. PST"
    with override_settings(TIME_ZONE="America/New_York"):
        assert labels.format_moment(moment) == "Dec 3, 2026, 5:05 p.m. EST"
    with translation.override("fr"):
        expected = dateformat.format(labels.local(moment), labels.DATETIME_FORMAT)
        assert labels.format_moment(moment) == expected
    assert labels.format_moment(moment) == "Dec 3, 2026, 2:05 p.m. PST"
