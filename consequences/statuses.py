"""The fixed vocabularies the engine and the cases app share: statuses, grounds, verdicts, levels.

The identifiers are a contract (DESIGN.md, "The consequence engine contract"; docs/catalog.md):
never rename a value, only add.
"""

from django.db import models


class Status(models.TextChoices):
    """Immigration status, only ever as volunteered by the defense (PC 1016.3(c), 1016.5(d))."""

    US_CITIZEN = "us_citizen", "U.S. citizen"
    US_NATIONAL = "us_national", "U.S. national"
    POSSIBLE_DERIVATIVE_CITIZEN = "possible_derivative_citizen", "Possible derivative citizen"
    LPR = "lpr", "Lawful permanent resident (green card)"
    CONDITIONAL_LPR = "conditional_lpr", "Conditional permanent resident"
    REFUGEE = "refugee", "Refugee"
    ASYLEE = "asylee", "Asylee"
    ASYLUM_APPLICANT = "asylum_applicant", "Asylum applicant"
    NONIMMIGRANT_VISA = "nonimmigrant_visa", "Nonimmigrant visa holder"
    TPS = "tps", "Temporary Protected Status"
    DACA = "daca", "DACA recipient"
    U_T_VISA = "u_t_visa", "U or T visa holder or applicant"
    VAWA_SELF_PETITIONER = "vawa_self_petitioner", "VAWA self-petitioner"
    SIJS = "sijs", "Special Immigrant Juvenile"
    PAROLEE = "parolee", "Parolee"
    UNDOCUMENTED_EWI = "undocumented_ewi", "Undocumented (entered without inspection)"
    UNDOCUMENTED_OVERSTAY = "undocumented_overstay", "Undocumented (overstayed a visa)"
    PRIOR_REMOVAL_ORDER = "prior_removal_order", "Has a prior removal order"
    UNKNOWN = "unknown", "Unknown / not disclosed"

    @property
    def is_citizen(self) -> bool:
        """Citizens and nationals face no immigration consequence (8 U.S.C. 1101(a)(22))."""
        return self in (Status.US_CITIZEN, Status.US_NATIONAL)

    @property
    def shows_every_ground(self) -> bool:
        """Unknown, or a possible citizen who may not be one: the worst case across statuses."""
        return self in (Status.UNKNOWN, Status.POSSIBLE_DERIVATIVE_CITIZEN)


class Ground(models.TextChoices):
    """A removal ground or bar, as docs/catalog.md lists them."""

    AGGRAVATED_FELONY = "aggravated_felony", "Aggravated felony"
    CIMT = "cimt", "Crime involving moral turpitude"
    CONTROLLED_SUBSTANCE = "controlled_substance", "Controlled substance"
    FIREARM = "firearm", "Firearm"
    DOMESTIC_VIOLENCE = (
        "domestic_violence",
        "Domestic violence, stalking, child abuse, protection order",
    )
    PROSTITUTION = "prostitution", "Prostitution"
    OTHER_INADMISSIBILITY = "other_inadmissibility", "Other inadmissibility ground"
    OTHER_DEPORTABILITY = "other_deportability", "Other deportability ground"
    DACA_BAR = "daca_bar", "DACA bar"
    TPS_BAR = "tps_bar", "TPS bar"
    ASYLUM_BAR = "asylum_bar", "Asylum bar"
    MANDATORY_DETENTION = "mandatory_detention", "Mandatory detention"
    GOOD_MORAL_CHARACTER = "good_moral_character", "Good moral character"


class Verdict(models.TextChoices):
    """How sure a flag is, graded as the defenders' charts grade it (ILRC Quick Reference Chart)."""

    YES = "yes", "Yes"
    ASSUME_YES = "assume_yes", "Assume yes"
    UNCLEAR = "unclear", "Unclear"
    ARGUABLY_NOT = "arguably_not", "Arguably not"
    NO = "no", "No"

    @property
    def is_flagged(self) -> bool:
        """A ground is flagged when its verdict is yes, assume yes or unclear (DESIGN.md)."""
        return _SEVERITY[self] >= _FLAGGED_SEVERITY

    @property
    def severity(self) -> int:
        """4 for yes down to 0 for no: the conservative answer is the higher one."""
        return _SEVERITY[self]


_SEVERITY = {
    Verdict.YES: 4,
    Verdict.ASSUME_YES: 3,
    Verdict.UNCLEAR: 2,
    Verdict.ARGUABLY_NOT: 1,
    Verdict.NO: 0,
}
_FLAGGED_SEVERITY = _SEVERITY[Verdict.UNCLEAR]  # yes, assume yes and unclear are flagged


class Level(models.TextChoices):
    """Level of a count at plea, after any PC 17(b) reduction at sentencing."""

    FELONY = "felony", "Felony"
    MISDEMEANOR = "misdemeanor", "Misdemeanor"
    INFRACTION = "infraction", "Infraction"
