"""A case's counts, priors and current worksheet as the case page and the comparison read them,
their SQL compiled once per process (cases.kept_reads).

The case was opened through `access.get_case_for_user` first: these read its own records by its
id. Building and compiling the three querysets cost the case page more CPU than running them
(issue 19: about 2 ms of the page's 26 on a slow core). Each record comes back with its `case`
set to the case given, as the case's related managers would set it, so that reading it costs
no query.
"""

from . import kept_reads
from .models import Charge, PriorConviction, Worksheet

_CHARGES = kept_reads.KeptInstances(
    Charge, lambda shape, case_id: Charge.objects.filter(case_id=case_id)
)
_PRIORS = kept_reads.KeptInstances(
    PriorConviction,
    lambda shape, case_id: PriorConviction.objects.filter(case_id=case_id).select_related(
        "entered_by"
    ),
)
_CURRENT_WORKSHEET = kept_reads.KeptInstances(
    Worksheet,
    lambda shape, case_id: (
        Worksheet.objects.current()
        .filter(case_id=case_id)
        .select_related("review", "review__reviewer")
        .order_by("-version")[:1]
    ),
)


def charges(case):
    """`list(case.charges.all())`: the counts in their order."""
    return _of(case, _CHARGES.all("charges", case_id=case.pk))


def priors(case):
    """`list(case.priors.select_related("entered_by"))`."""
    return _of(case, _PRIORS.all("priors", case_id=case.pk))


def current_worksheet(case):
    """The newest version of the case's worksheet, with its review and reviewer; None if none."""
    found = _of(case, _CURRENT_WORKSHEET.all("current", case_id=case.pk))
    return found[0] if found else None


def _of(case, records):
    for record in records:
        record.case = case
    return records
