"""Integrity guards shared by the actions: optimistic locking and frozen signed worksheets."""


class ConflictError(Exception):
    """Someone else changed the record since the form was loaded; nothing was overwritten."""

    default_message = (
        "Someone else changed this record after you opened it. Your changes were not saved; "
        "reload the page to see the current version, then make your changes again."
    )

    def __init__(self, message=None):
        super().__init__(message or self.default_message)


class WorksheetSigned(ConflictError):
    default_message = "This worksheet is signed and can no longer change. Amend it instead."


class OfferFrozen(ConflictError):
    """Terms of an offer that was conveyed or that a signed worksheet considered (cases.binding)."""

    default_message = (
        "This offer was conveyed or considered by a signed worksheet, so its terms stay as they "
        "are. Revise it as a new offer instead."
    )


class CountsBound(ConflictError):
    """A case edit would remove or renumber counts whose terms are part of frozen offers.

    `problems` maps each such count's id to the message for its row."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__(" ".join(problems.values()))


def check_version(obj, submitted_version):
    """Refuse a write built on an older `lock_version` than the row now has."""
    try:
        version = int(submitted_version)
    except (TypeError, ValueError):
        # A form that lost its version cannot prove it saw the current row: refuse, not guess.
        raise ConflictError() from None
    if version != obj.lock_version:
        raise ConflictError()


class ShownContentChanged(ConflictError):
    """What the signer's page showed (the counts, an offer's terms, the defense's request)
    changed after it was shown (another tab, a colleague): signing would freeze, as considered,
    what the signer did not read. `changed` lists what, in words."""

    def __init__(self, changed):
        what = ", ".join(changed) or "the worksheet"
        super().__init__(
            f"Saved as a draft, not signed: {what} changed after you opened this page. "
            "Read the worksheet again below, then sign."
        )


class CaseNumberTaken(ConflictError):
    """Another case of the office has this court case number: someone saved it between the
    form's check and this save (two people entering the same case at once). `case` is that
    case, for a link to it; the database's unique constraint decided, so there is no race.
    A ConflictError, so that a caller that knows no better (the admin) says it and reloads."""

    def __init__(self, number, case):
        self.number = number
        self.case = case
        super().__init__(f"Case {number} already exists in this office.")
