"""seed_demo builds the demo offices, users and cases, and running it again changes nothing."""

import pytest
from django.core.management import call_command

from cases.analysis import History
from cases.models import AuditEvent, Case, Charge, Disposition, Membership, Office, PleaTerm
from consequences import engine

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        model.__name__: model.objects.count()
        for model in (Office, Membership, Case, Charge, Disposition, PleaTerm, AuditEvent)
    }


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first
    assert first["Case"] >= 15


def test_seed_demo_prints_the_logins(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    for username in ("deputy1", "deputy2", "supervisor1", "admin1"):
        assert username in out
    assert "considered-demo-2026" in out


def test_demo_logins_work(client):
    call_command("seed_demo")
    assert client.login(username="deputy1", password="considered-demo-2026")


def test_demo_office_has_two_units_and_twelve_cases():
    call_command("seed_demo")
    demo = Office.objects.get(name="Demo County District Attorney")
    assert demo.units.count() == 2
    assert Case.objects.for_office(demo).count() >= 12
    levels = set(Charge.objects.filter(case__office=demo).values_list("level", flat=True))
    assert {"felony", "misdemeanor"} <= levels


def test_demo_0001_has_the_counts_and_offers_the_story_needs():
    call_command("seed_demo")
    case = Case.objects.get(court_case_number="DEMO-0001")
    assert [c.statute for c in case.charges.order_by("number")] == [
        "PC 273.5(a)",
        "HS 11351",
        "PC 487(a)",
    ]
    standard, defense = case.dispositions.order_by("pk")
    assert standard.label == "standard" and defense.label == "defense"
    terms = list(defense.terms.order_by("charge__number"))
    assert [t.statute_pleaded for t in terms] == ["PC 243(e)(1)", "HS 11350(a)", "PC 496(a)"]
    assert [t.custody_days_imposed for t in terms] == [364, 364, 364]
    assert "pc1203_097" in terms[0].conditions


def test_the_neighbor_office_is_separate():
    call_command("seed_demo")
    neighbor = Office.objects.get(name="Neighbor County District Attorney")
    assert Case.objects.for_office(neighbor).exists()
    assert (
        not Case.objects.for_office(neighbor).filter(court_case_number__startswith="DEMO").exists()
    )
    assert Membership.objects.filter(office=neighbor, user__username="neighbor_deputy").exists()


def test_the_demo_shows_prior_convictions():
    """Issue 16: priors are visible in `make run`, and the engine reads them on those cases."""
    call_command("seed_demo")
    torres = Case.objects.get(court_case_number="DEMO-0006")
    obrien = Case.objects.get(court_case_number="DEMO-0007")
    assert [p.code for p in torres.priors.all()] == ["PC 647(f)"]
    (theft,) = obrien.priors.all()
    assert theft.code == "PC 484(a)" and theft.convicted_on < obrien.charges.first().offense_date
    # Added through the audited action, as a deputy would.
    assert AuditEvent.objects.filter(object_type="priorconviction", object_id=str(theft.pk))
    # With the earlier theft, a CIMT among the charges no longer has the petty-offense exception
    # (8 U.S.C. 1182(a)(2)(A)(ii)(II): it covers only a person's one CIMT).
    history = History.of(obrien)
    result = engine.assess_disposition(
        [{"offense": c.statute} for c in obrien.charges.all()], priors=history.priors
    )
    assert any(f.subcategory == "petty_offense_exception_lost" for f in result.flags)
    without = engine.assess_disposition([{"offense": c.statute} for c in obrien.charges.all()])
    assert not any(f.subcategory == "petty_offense_exception_lost" for f in without.flags)
