"""Small factories for tests: plain functions with sensible defaults, no fixtures files."""

import itertools

from django.contrib.auth import get_user_model

from cases import actions
from cases.choices import ChargeLevel, Decision, DispositionLabel, ParityAnswer, PleaLevel, Role
from cases.forms import statute_fields
from cases.models import (
    Case,
    Charge,
    Disposition,
    Membership,
    Office,
    OfficePolicy,
    PleaTerm,
    Unit,
)
from cases.policy import EPOCH
from cases.roles import assign_role

_seq = itertools.count(1)


def make_office(name=None, **kwargs):
    n = next(_seq)
    name = name or f"Test County {n} District Attorney"
    return Office.objects.create(name=name, county=f"Test {n}", slug=f"test-{n}", **kwargs)


def set_policy(office, effective_from=EPOCH, **settings):
    """The office's policy version from `effective_from` (since always by default), with
    `settings` over the defaults; written directly, as a fixture (the action refuses past dates).
    """
    version, _ = OfficePolicy.objects.update_or_create(
        office=office, effective_from=effective_from, defaults=settings
    )
    return version


def make_unit(office, name=None):
    return Unit.objects.create(office=office, name=name or f"Unit {next(_seq)}")


def make_user(username, office, role=Role.DEPUTY, unit=None, password="correct-horse-battery"):
    user = get_user_model().objects.create_user(
        username=username, password=password, first_name=username.title(), last_name="Tester"
    )
    Membership.objects.create(user=user, office=office, unit=unit, role=role)
    assign_role(user, role)
    return user


def make_case(office, unit, deputy=None, number=None, **kwargs):
    number = number or f"TST-{next(_seq):05d}"
    defaults = {
        "caption": f"People of the State of California v. Defendant {number}",
        "defendant_name": f"Defendant {number}",
    }
    defaults.update(kwargs)
    return Case.objects.create(
        office=office, unit=unit, assigned_deputy=deputy, court_case_number=number, **defaults
    )


def make_charge(case, number=None, statute="PC 273.5(a)", level=ChargeLevel.WOBBLER, **kwargs):
    number = case.charges.count() + 1 if number is None else number
    return Charge.objects.create(
        case=case,
        number=number,
        statute_as_entered=statute,
        level=level,
        **statute_fields(statute),
        **kwargs,
    )


def make_disposition(case, label=DispositionLabel.STANDARD, **kwargs):
    return Disposition.objects.create(case=case, label=label, **kwargs)


def make_term(disposition, charge, statute=None, level=PleaLevel.MISDEMEANOR, **kwargs):
    return PleaTerm.objects.create(
        disposition=disposition,
        charge=charge,
        statute_pleaded=statute or charge.statute,
        level_at_plea=level,
        **kwargs,
    )


def ready_worksheet(case, user, chosen=None, decision=Decision.STANDARD_KEPT, **fields):
    """A draft worksheet with everything signing asks for, made through the actions."""
    worksheet = actions.start_worksheet(case, by_user=user)
    return actions.update_worksheet(
        worksheet,
        by_user=user,
        version=worksheet.lock_version,
        fields={
            "chosen_disposition": chosen,
            "decision": decision,
            "reasons": "Weighed as one factor among the others.",
            "parity_answer": ParityAnswer.SAME,
            **fields,
        },
    )
