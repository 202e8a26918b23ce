"""Worksheets of any size, built through the actions as a deputy would build them.

Used by the PDF tests and by bench/bench_pdf.py (a 5-count × 3-offer worksheet, a 20 × 5 one).
"""

from cases import actions
from cases.choices import (
    ChargeLevel,
    Decision,
    DispositionLabel,
    FactorWeight,
    ParityAnswer,
    PleaLevel,
    ProposedBy,
    SentenceForm,
)
from cases.forms import statute_fields

# Statutes the catalog knows, charged and with a plea a deputy might look at instead.
CHARGES = [
    ("PC 273.5(a)", "Corporal injury on a spouse or cohabitant", "PC 243(e)(1)"),
    ("HS 11351", "Possession for sale of a controlled substance", "HS 11350(a)"),
    ("PC 487(a)", "Grand theft of property over $950", "PC 496(a)"),
    ("PC 245(a)(1)", "Assault with a deadly weapon", "PC 245(a)(4)"),
    ("PC 459", "Burglary", "PC 602"),
    ("VC 23152(a)", "Driving under the influence", "VC 23103"),
    ("PC 422", "Criminal threats", "PC 415"),
    ("PC 211", "Robbery", "PC 487(c)"),
]
LABELS = [
    (DispositionLabel.STANDARD, ProposedBy.PROSECUTION, "Standard offer"),
    (DispositionLabel.DEFENSE, ProposedBy.DEFENSE, "Defense proposal"),
    (DispositionLabel.ALTERNATIVE, ProposedBy.PROSECUTION, "Alternative"),
]


def build_worksheet(
    case_kwargs,
    *,
    deputy,
    counts=5,
    offers=3,
    sign=True,
    defendant_name=None,
    reasons="Reasons weighed for this test worksheet.",
):
    """A case with `counts` counts and `offers` offers, all considered, filled in and signed.

    `case_kwargs` holds office, unit and court_case_number (and any other Case field).
    """
    charges = []
    for number in range(counts):
        statute, title, _ = CHARGES[number % len(CHARGES)]
        charges.append(
            {
                "statute_as_entered": statute,
                "title": title,
                "level": ChargeLevel.FELONY if number % 2 else ChargeLevel.WOBBLER,
                **statute_fields(statute),
            }
        )
    name = defendant_name or "José Luis Hernández"
    case = actions.create_case(
        by_user=deputy,
        charges=charges,
        caption=f"People of the State of California v. {name}",
        defendant_name=name,
        assigned_deputy=deputy,
        **case_kwargs,
    )
    case_charges = list(case.charges.order_by("number"))
    dispositions = []
    for index in range(offers):
        label, proposed_by, name = LABELS[index % len(LABELS)]
        terms = {}
        for number, charge in enumerate(case_charges):
            charged, _, safer = CHARGES[number % len(CHARGES)]
            safer_plea = index > 0 and (number + index) % 2 == 1
            terms[charge] = {
                "statute_pleaded": safer if safer_plea else charged,
                "level_at_plea": PleaLevel.MISDEMEANOR if safer_plea else PleaLevel.FELONY,
                "sentence_form": SentenceForm.ISS,
                "custody_days_imposed": 364 if safer_plea else 365,
                "probation_months": 36,
            }
        dispositions.append(
            actions.save_disposition(
                case,
                by_user=deputy,
                fields={
                    "label": label,
                    "proposed_by": proposed_by,
                    "name": f"{name} {index + 1}",
                },
                terms=terms,
            )
        )
    worksheet = actions.start_worksheet(case, by_user=deputy)
    actions.update_worksheet(
        worksheet,
        by_user=deputy,
        version=worksheet.lock_version,
        fields={
            "chosen_disposition": dispositions[-1] if dispositions else None,
            "decision": Decision.MODIFIED,
            "reasons": reasons,
            "parity_answer": ParityAnswer.SAME,
            "factors": {
                "seriousness": {"weight": FactorWeight.NEUTRAL, "note": "Weighed."},
                "equities": {"weight": FactorWeight.FOR_ALTERNATIVE, "note": "Family here."},
            },
        },
        considered=dispositions,
    )
    worksheet.refresh_from_db()
    if sign:
        worksheet = actions.sign_worksheet(worksheet, by_user=deputy)
    return worksheet
