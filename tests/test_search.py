"""Search that finds people (cases.search): names and aliases without accents or case, every
word of the query, a slightly misspelt name on PostgreSQL, the folded column kept by every
writer, and an exact court case number that opens its case — all within the user's office.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import actions, search
from cases.choices import CaseStage
from cases.models import Case
from cases.search import fold, is_name_query
from tests import factories

pytestmark = pytest.mark.django_db

TOMORROW = dt.date.today() + dt.timedelta(days=1)


def found(client, query):
    response = client.get(reverse("case_list"), {"q": query})
    assert response.status_code == 200
    return sorted(case.court_case_number for case in response.context["page"].object_list)


@pytest.fixture
def people(office, unit, alice):
    return {
        "hernandez": factories.make_case(
            office, unit, alice, "24CR000101", defendant_name="José Luis Hernández Ramírez"
        ),
        "nunez": factories.make_case(
            office, unit, alice, "24CR000102", defendant_name="Ana Soto", aliases="Anita Núñez"
        ),
        "obrien": factories.make_case(
            office, unit, alice, "24CR000103", defendant_name="Seán O’Brien-Smith"
        ),
        "hernando": factories.make_case(
            office, unit, alice, "24CR000104", defendant_name="Luis Hernando"
        ),
    }


# --- Folding, without the database --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("José Luis Hernández", "jose luis hernandez"),
        ("HERNÁNDEZ", "hernandez"),
        ("Seán O’Brien-Smith", "sean obrien smith"),
        ("O'Brien", "obrien"),
        ("Straße", "strasse"),
        ("Nguyễn Văn  Thành", "nguyen van thanh"),
        ("Müller, Jürgen", "muller jurgen"),
        ("", ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_a_digit_makes_it_a_number_or_statute_search():
    assert is_name_query("hernandez")
    assert not is_name_query("PC 273.5")
    assert not is_name_query("24CR0001")
    assert not is_name_query("   ")


# --- Names and aliases --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hernandez", ["24CR000101"]),
        ("HERNANDEZ", ["24CR000101"]),
        ("Hernández", ["24CR000101"]),
        ("ramirez", ["24CR000101"]),
        ("jose luis", ["24CR000101"]),
        ("ramirez jose", ["24CR000101"]),  # every word, in any order
        ("luis", ["24CR000101", "24CR000104"]),
        ("nunez", ["24CR000102"]),  # an alias
        ("o'brien", ["24CR000103"]),  # straight or curly apostrophe
        ("obrien", ["24CR000103"]),
        ("smith", ["24CR000103"]),
        ("hernan", ["24CR000101", "24CR000104"]),  # part of a name
        ("zzyzx", []),
    ],
)
def test_names_and_aliases_without_accents_or_case(client, alice, people, query, expected):
    client.force_login(alice)
    assert found(client, query) == expected


def test_a_slightly_misspelt_name(client, alice, people):
    """pg_trgm's word similarity on PostgreSQL; SQLite (trial and demo) matches exactly."""
    client.force_login(alice)
    if connection.vendor == "postgresql":
        assert "24CR000101" in found(client, "hernandes")
        assert "24CR000102" in found(client, "nunes")
    else:
        assert found(client, "hernandes") == []


def test_the_words_as_typed_come_before_names_that_resemble_them(
    client, alice, office, unit, people
):
    """A resembling name is looked for only when no name holds the words: "hernandes" finds the
    Hernandes it names, not the Hernández it resembles (cases.search.by_name)."""
    factories.make_case(office, unit, alice, "24CR000105", defendant_name="Luis Hernandes")
    client.force_login(alice)
    response = client.get(reverse("case_list"), {"q": "hernandes"})
    assert [case.court_case_number for case in response.context["page"].object_list] == [
        "24CR000105"
    ]
    assert not response.context["found"].resembling
    assert "1 case matches" in response.text


def test_resembling_names_are_said_to_resemble(client, alice, people):
    client.force_login(alice)
    response = client.get(reverse("case_list"), {"q": "hernandes"})
    if connection.vendor == "postgresql":
        # Hernández (0.8) and Hernando (0.7) resemble "hernandes" (word similarity ≥ 0.6).
        assert response.context["page"].paginator.count == 2
        assert "No name holds this search as typed; 2 cases have names that resemble it" in (
            response.text
        )
    else:
        assert "No case matches this search" in response.text


def test_many_matches_are_counted_up_to_the_limit_and_the_soonest_hearings_listed(
    client, alice, office, unit, people, monkeypatch
):
    """Past search.MATCH_LIMIT the list says "more than" instead of counting every match, and
    its page is still the soonest hearings among them all, not the first ones read."""
    monkeypatch.setattr(search, "MATCH_LIMIT", 1)
    # Entered last, so read last: a page of the ids read first would miss it.
    soon = factories.make_case(
        office, unit, alice, "24CR000106", defendant_name="Rosa Hernanz", next_hearing=TOMORROW
    )
    client.force_login(alice)
    response = client.get(reverse("case_list"), {"q": "hernan"})
    assert response.context["found"].more_than_limit
    assert response.context["page"].paginator.count == 1
    assert [case.pk for case in response.context["page"].object_list] == [soon.pk]
    assert "More than 1 cases match: the first 1 are listed" in response.text


def test_the_filters_narrow_before_the_matches_are_counted(client, alice, people, monkeypatch):
    monkeypatch.setattr(search, "MATCH_LIMIT", 1)
    Case.objects.filter(pk=people["hernandez"].pk).update(stage=CaseStage.SENTENCING)
    client.force_login(alice)
    response = client.get(reverse("case_list"), {"q": "hernan", "stage": CaseStage.SENTENCING})
    assert not response.context["found"].more_than_limit
    assert "1 case matches" in response.text
    assert [case.pk for case in response.context["page"].object_list] == [people["hernandez"].pk]


def test_many_resembling_names_are_capped_too(client, alice, people, monkeypatch):
    monkeypatch.setattr(search, "RESEMBLING_LIMIT", 1)
    client.force_login(alice)
    response = client.get(reverse("case_list"), {"q": "hernandes"})
    if connection.vendor != "postgresql":  # no resemblance without pg_trgm
        assert response.context["page"].object_list == []
        return
    assert response.context["page"].paginator.count == 1
    assert len(response.context["page"].object_list) == 1
    assert "More than 1 cases have a name that resembles this search" in response.text


def test_another_offices_people_are_not_found(client, alice, olivia, outsider_case, people):
    outsider_case.defendant_name = "José Hernández"
    outsider_case.save()
    client.force_login(alice)
    assert "OMEGA-0001" not in found(client, "hernandez")
    client.force_login(olivia)
    assert found(client, "hernandez") == ["OMEGA-0001"]


def test_the_folded_column_follows_every_name_change(office, unit, alice, people):
    case = people["nunez"]
    actions.update_case(
        case,
        by_user=alice,
        version=case.lock_version,
        fields={"defendant_name": "Ana Peña", "aliases": "La Güera"},
    )
    assert Case.objects.get(pk=case.pk).search_name == "ana pena la guera"
    case = Case.objects.get(pk=case.pk)
    case.aliases = "Ña"
    case.save(update_fields=["aliases"])
    assert Case.objects.get(pk=case.pk).search_name == "ana pena na"


def test_the_volume_seeder_fills_the_folded_column(db):
    from django.core.management import call_command

    call_command("seed_volume", cases=3, verbosity=0)
    assert not Case.objects.filter(search_name="").exists()
    assert Case.objects.filter(search_name__startswith="synthetic defendant").count() >= 3


# --- Case numbers -------------------------------------------------------------------------------


def test_an_exact_case_number_opens_the_case(client, alice, people):
    client.force_login(alice)
    case = people["nunez"]
    for typed in ("24CR000102", "24cr000102", "  24CR000102 "):
        response = client.get(reverse("case_list"), {"q": typed})
        assert response.status_code == 302
        assert response.url == case.get_absolute_url()


def test_part_of_a_case_number_lists_the_cases(client, alice, people):
    client.force_login(alice)
    assert found(client, "24CR00010") == ["24CR000101", "24CR000102", "24CR000103", "24CR000104"]


def test_another_offices_case_number_opens_nothing(client, alice, outsider_case, people):
    client.force_login(alice)
    response = client.get(reverse("case_list"), {"q": outsider_case.court_case_number})
    assert response.status_code == 200
    assert response.context["page"].object_list == []


def test_a_case_the_deputy_may_not_open_is_not_opened(client, frank, people):
    client.force_login(frank)  # another unit of the same office
    response = client.get(reverse("case_list"), {"q": "24CR000101"})
    assert response.status_code == 200
    assert response.context["page"].object_list == []


def test_search_queries_do_not_grow_with_the_matches(
    client, alice, people, django_assert_max_num_queries
):
    client.force_login(alice)
    client.get(reverse("case_list"), {"q": "soto"})
    with CaptureQueriesContext(connection) as one:
        assert found(client, "soto") == ["24CR000102"]
    with django_assert_max_num_queries(len(one)):
        assert len(found(client, "luis hernan")) == 2


def test_a_search_of_short_words_that_finds_nobody_reads_the_cases_once(client, alice, people):
    """Words under three letters have no trigrams: looking for names that resemble them would
    run the same LIKE again (a scan of the office's cases), so it is not looked for."""
    client.force_login(alice)
    client.get(reverse("case_list"), {"q": "zq"})
    with CaptureQueriesContext(connection) as captured:
        assert found(client, "zq xy") == []
    likes = [q["sql"] for q in captured if "LIKE" in q["sql"] and "search_name" in q["sql"]]
    assert len(likes) == 1, likes


def test_the_case_list_order_is_an_index_of_the_office(db):
    """The case list's first page is read from an index in its order (soonest hearing, then
    case number), not sorted from every case the deputy may see."""
    ordering = [
        getattr(term, "expression", term).name if not isinstance(term, str) else term
        for term in Case.objects.by_next_hearing().query.order_by
    ]
    indexes = [index.fields for index in Case._meta.indexes]
    assert ["office", *ordering] in indexes, (ordering, indexes)
