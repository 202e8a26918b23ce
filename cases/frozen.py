"""Signed means frozen, whatever code path tries to change it: the application guard.

The actions refuse a signed worksheet themselves (they re-read it locked and raise
`WorksheetSigned`, with a message for the user). This module is the safety net under them,
for SQLite above all (PostgreSQL also has the triggers of migration 0003): any ORM save or
delete of a signed worksheet, any change to its `dispositions_considered` and any save or
delete of one of its flag overrides raises `WorksheetSigned` before the database is touched.
It reads the stored row, so an in-memory object that is stale or was tampered with cannot
slip past.
The same net holds the terms of offers that were conveyed or that a signed worksheet considered
(`cases.binding`; on PostgreSQL also migration 0016's triggers): their plea terms are not
saved, added or deleted, their own term fields do not change, and the offer is not deleted.
Connected once in `CasesConfig.ready`. `QuerySet.update()` sends no signal: the trigger is the
guard there, and application code must not use it on worksheets.
"""

from django.db.models.signals import m2m_changed, pre_delete, pre_save

from .integrity import OfferFrozen, WorksheetSigned


def is_signed_in_database(worksheet):
    if worksheet.pk is None:
        return False
    model = type(worksheet)
    return model._default_manager.filter(pk=worksheet.pk, signed_at__isnull=False).exists()


def _refuse_save(sender, instance, raw=False, **kwargs):
    if not raw and not instance._state.adding and is_signed_in_database(instance):
        raise WorksheetSigned()


def _refuse_delete(sender, instance, **kwargs):
    if is_signed_in_database(instance):
        raise WorksheetSigned()


def _refuse_m2m(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("pre_"):
        return
    from .models import Worksheet

    if not reverse:
        if is_signed_in_database(instance):
            raise WorksheetSigned()
        return
    signed = Worksheet._default_manager.filter(signed_at__isnull=False)
    if action == "pre_clear":
        touched = signed.filter(dispositions_considered=instance)
    else:
        touched = signed.filter(pk__in=pk_set or ())
    if touched.exists():
        raise WorksheetSigned()


def _refuse_override_change(sender, instance, raw=False, **kwargs):
    """An override is part of what was signed: it cannot be added, changed or removed after."""
    if raw:
        return
    from .models import Worksheet

    worksheets = Worksheet._default_manager.filter(signed_at__isnull=False)
    if worksheets.filter(pk=instance.worksheet_id).exists():
        raise WorksheetSigned()


def _refuse_term_change(sender, instance, raw=False, **kwargs):
    """A plea term of an offer that was conveyed or that a signed worksheet considered is not
    written, moved or deleted (cases.binding). Reads the stored rows, old and new offer."""
    if raw:
        return
    from .binding import is_frozen_in_database

    offers = {instance.disposition_id}
    if not instance._state.adding and instance.pk is not None:
        stored = type(instance)._default_manager.filter(pk=instance.pk)
        offers.update(stored.values_list("disposition_id", flat=True))
    if any(is_frozen_in_database(offer) for offer in offers):
        raise OfferFrozen()


def _refuse_offer_term_fields(sender, instance, raw=False, **kwargs):
    """An offer's own term fields (binding.TERM_FIELDS) stay as they were once it is frozen;
    its status, dates and report columns still move on (conveyance, the defense's answer)."""
    if raw or instance._state.adding or instance.pk is None:
        return
    from .binding import TERM_FIELDS, is_frozen_in_database

    stored = type(instance)._default_manager.filter(pk=instance.pk).values(*TERM_FIELDS).first()
    if stored is None:
        return
    changed = any(getattr(instance, name) != value for name, value in stored.items())
    if changed and is_frozen_in_database(instance.pk):
        raise OfferFrozen()


def _refuse_offer_delete(sender, instance, **kwargs):
    from .binding import is_frozen_in_database

    if is_frozen_in_database(instance.pk):
        raise OfferFrozen()


def connect():
    from .models import Disposition, FlagOverride, PleaTerm, Worksheet

    through = Worksheet.dispositions_considered.through
    pre_save.connect(_refuse_save, sender=Worksheet, dispatch_uid="frozen_worksheet_save")
    pre_delete.connect(_refuse_delete, sender=Worksheet, dispatch_uid="frozen_worksheet_delete")
    m2m_changed.connect(_refuse_m2m, sender=through, dispatch_uid="frozen_worksheet_m2m")
    pre_save.connect(_refuse_override_change, sender=FlagOverride, dispatch_uid="frozen_ovr_save")
    pre_delete.connect(
        _refuse_override_change, sender=FlagOverride, dispatch_uid="frozen_ovr_delete"
    )
    pre_save.connect(_refuse_term_change, sender=PleaTerm, dispatch_uid="frozen_term_save")
    pre_delete.connect(_refuse_term_change, sender=PleaTerm, dispatch_uid="frozen_term_delete")
    pre_save.connect(
        _refuse_offer_term_fields, sender=Disposition, dispatch_uid="frozen_offer_save"
    )
    pre_delete.connect(_refuse_offer_delete, sender=Disposition, dispatch_uid="frozen_offer_delete")
