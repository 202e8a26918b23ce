"""Every choice list of the cases app, defined once; rules and templates compare with these."""

from django.db import models


class Role(models.TextChoices):
    DEPUTY = "deputy", "Deputy DA"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMIN = "admin", "Office administrator"
    COUNSEL = "counsel", "Immigration counsel"


class WorksheetScope(models.TextChoices):
    """Which conveyed offers need a § 1016.3(b) worksheet under office policy (cases.policy)."""

    ALL_OFFERS = "all_offers", "Every plea offer"
    FELONIES = "felonies", "Felony cases only"
    FLAGGED = "flagged", "Cases with a flagged ground"
    NONE = "none", "No worksheet required"


class CounselRouting(models.TextChoices):
    """When a signed worksheet goes to in-house immigration counsel (cases.counsel)."""

    OFF = "off", "Off"
    ON_REQUEST = "on_request", "When a deputy asks"
    GROUND = "ground", "Every worksheet that flags a given ground, and when a deputy asks"


class SecondFactorPolicy(models.TextChoices):
    """Who must enrol a TOTP second factor before anything else (cases.security)."""

    NONE = "none", "Nobody (optional for everyone)"
    ADMINS = "admins", "Administrators"
    EVERYONE = "everyone", "Every user"


class ApprovalPolicy(models.TextChoices):
    NEVER = "never", "No supervisor approval"
    DEPARTURES = "departures", "Approval for departures from the standard offer"
    ALWAYS = "always", "Approval for every signed worksheet"


class ParityRule(models.TextChoices):
    """How the office asks about equal treatment with a similarly situated citizen."""

    RECORD = "record", "Record the deputy's answer"
    EQUIVALENCE = "equivalence", "An accommodation needs an equivalent concession"
    NOT_ASKED = "not_asked", "Not asked"


class ChargeLevel(models.TextChoices):
    FELONY = "felony", "Felony"
    WOBBLER = "wobbler", "Wobbler"
    MISDEMEANOR = "misdemeanor", "Misdemeanor"
    INFRACTION = "infraction", "Infraction"


class PleaLevel(models.TextChoices):
    """The level of a count at plea: a wobbler is pleaded as one or the other."""

    FELONY = "felony", "Felony"
    MISDEMEANOR = "misdemeanor", "Misdemeanor"
    INFRACTION = "infraction", "Infraction"


class CaseStage(models.TextChoices):
    PRE_FILING = "pre_filing", "Pre-filing"
    ARRAIGNMENT = "arraignment", "Arraignment"
    PRE_PRELIM = "pre_prelim", "Pre-preliminary hearing"
    POST_INFORMATION = "post_information", "Post-information"
    TRIAL = "trial", "Trial"
    SENTENCING = "sentencing", "Sentencing"
    PROBATION_VIOLATION = "probation_violation", "Probation violation"
    POST_CONVICTION = "post_conviction", "Post-conviction motion"
    CLOSED = "closed", "Closed"


class DefenseType(models.TextChoices):
    PUBLIC_DEFENDER = "pd", "Public defender"
    ALTERNATE_PD = "apd", "Alternate public defender"
    PANEL = "panel", "Conflict panel"
    PRIVATE = "private", "Private counsel"
    PRO_PER = "pro_per", "Self-represented (pro per)"


class DispositionLabel(models.TextChoices):
    STANDARD = "standard", "Standard offer"
    DEFENSE = "defense", "Defense proposal"
    ALTERNATIVE = "alternative", "Alternative"


class ProposedBy(models.TextChoices):
    PROSECUTION = "prosecution", "Prosecution"
    DEFENSE = "defense", "Defense"
    COURT = "court", "Court"


class DispositionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CONVEYED = "conveyed", "Conveyed"
    REJECTED = "rejected", "Rejected"
    ACCEPTED = "accepted", "Accepted"
    ENTERED = "entered", "Entered"


class Diversion(models.TextChoices):
    NONE = "", "No diversion"
    PC_1000 = "pc1000", "PC 1000 drug diversion"
    PC_1001_36 = "pc1001_36", "PC 1001.36 mental health diversion"
    PC_1001_80 = "pc1001_80", "PC 1001.80 military diversion"
    PC_1001_95 = "pc1001_95", "PC 1001.95 judicial diversion"
    COUNTY = "county", "County program"


class TermAction(models.TextChoices):
    PLEAD = "plead", "Plead"
    DISMISS = "dismiss", "Dismiss"


class PleaType(models.TextChoices):
    GUILTY = "guilty", "Guilty"
    NO_CONTEST = "no_contest", "No contest"
    WEST = "west", "West plea"


class Reduction17b(models.TextChoices):
    NONE = "none", "No PC 17(b) reduction"
    AT_SENTENCING = "at_sentencing", "Reduced at sentencing"
    LATER = "later", "Reduction later (e.g. after probation)"


class SentenceForm(models.TextChoices):
    STRAIGHT_JAIL = "jail", "Straight jail"
    ISS = "iss", "Probation, imposition suspended (ISS)"
    ESS = "ess", "Probation, execution suspended (ESS)"
    COUNTY_PRISON = "1170h", "County jail under PC 1170(h)"
    SPLIT = "split", "Split sentence"
    PRISON = "prison", "State prison"
    FINE = "fine", "Fine only"


class Condition(models.TextChoices):
    BATTERER_PROGRAM = "pc1203_097", "PC 1203.097 batterer program"
    STAY_AWAY = "stay_away", "Protective or stay-away order"
    FINES = "fines", "Fines and fees"
    RESTITUTION = "restitution", "Restitution"
    COMMUNITY_SERVICE = "community_service", "Community service"
    TREATMENT = "treatment", "Drug or alcohol program"
    SEARCH = "search", "Search condition"
    FIREARM_SURRENDER = "firearm_surrender", "Firearm surrender"


class FactualBasis(models.TextChoices):
    STIPULATION = "stipulation", "Stipulation without specifics"
    WRITTEN = "written", "Written statement"
    POLICE_REPORT = "police_report", "Police report or preliminary hearing transcript"


class PriorSource(models.TextChoices):
    """Where a prior conviction was learned (issue 16 item 2). The engine reads the same values."""

    RAP_SHEET = "rap_sheet", "Rap sheet"
    DEFENSE = "defense", "Defense"
    COURT_RECORD = "court_record", "Court record"


class SchemeAnswer(models.TextChoices):
    """The answer to "do these counts arise from a single scheme or act?". Unknown is read as
    "assume yes" for the grounds it would clear (8 U.S.C. 1227(a)(2)(A)(ii); DACA's same-act
    rule)."""

    UNKNOWN = "unknown", "Unknown"
    YES = "yes", "Yes, a single scheme or act"
    NO = "no", "No, separate schemes or acts"


class DisclosureSource(models.TextChoices):
    """Where a volunteered status came from. Never a federal database (Gov. Code § 7284.6)."""

    DEFENSE_LETTER = "defense_letter", "Defense letter"
    VIA_COUNSEL = "via_counsel", "Defendant, through counsel"
    COURT_RECORD = "court_record", "Court record"


class Factor(models.TextChoices):
    SERIOUSNESS = "seriousness", "Seriousness of the offense"
    INJURY = "injury", "Injury to a victim"
    WEAPON = "weapon", "Weapon involved"
    VICTIM_INPUT = "victim_input", "Victim input"
    PUBLIC_SAFETY = "public_safety", "Public safety"
    HISTORY = "history", "Criminal history"
    EVIDENCE = "evidence", "Strength of the evidence"
    RESTITUTION = "restitution", "Restitution"
    EQUITIES = "equities", "Equities (family, work, years here)"
    PROPORTIONALITY = "proportionality", "Proportionality of the consequences"


class FactorWeight(models.TextChoices):
    NOT_CONSIDERED = "", "—"
    FOR_STANDARD = "for_standard", "Weighs toward the standard offer"
    NEUTRAL = "neutral", "Neutral"
    FOR_ALTERNATIVE = "for_alternative", "Weighs toward an alternative"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class ParityAnswer(models.TextChoices):
    SAME = "same", "A similarly situated citizen would receive the same offer"
    EQUIVALENT = "equivalent", "Equivalent offer, with a concession that balances it"
    DIFFERENT = "different", "The offer differs from a citizen's; reasons given"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class Decision(models.TextChoices):
    STANDARD_KEPT = "standard_kept", "Standard offer kept"
    MODIFIED = "modified", "Modified offer"
    DEFENSE_ALTERNATIVE = "defense_alternative", "Defense alternative accepted"
    DIVERSION = "diversion", "Diversion"
    DECLINED = "declined", "Declined or dismissed"


class ReviewOutcome(models.TextChoices):
    PENDING = "pending", "Awaiting review"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned with comments"


class AuditAction(models.TextChoices):
    CREATE = "create", "Create"
    CHANGE = "change", "Change"
    DELETE = "delete", "Delete"
    VIEW = "view", "View"
    SIGN = "sign", "Sign"
    AMEND = "amend", "Amend"
    REVIEW = "review", "Review"
    CONVEY = "convey", "Convey"
    EXPORT = "export", "Export"
    LOGIN = "login", "Log in"
    LOGOUT = "logout", "Log out"
    LOGIN_FAILED = "login_failed", "Failed log-in"
    # A security event: a signed-in user was refused a page (403) or asked for one that is not
    # theirs or does not exist (404). See cases.middleware.RefusalAuditMiddleware.
    REFUSED = "refused", "Refused access (security event)"
    # One import of cases from the office's case management system (cases.imports).
    IMPORT = "import", "Import of cases"
