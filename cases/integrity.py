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


def check_version(obj, submitted_version):
    """Refuse a write built on an older `lock_version` than the row now has."""
    try:
        version = int(submitted_version)
    except (TypeError, ValueError):
        # A form that lost its version cannot prove it saw the current row: refuse, not guess.
        raise ConflictError() from None
    if version != obj.lock_version:
        raise ConflictError()
