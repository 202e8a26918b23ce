from django.core.management.base import BaseCommand, CommandError

from consequences.catalog import CATALOG_ROOT, CatalogError, load_catalog

from ...catalog_impact import impact
from ...models import Case, Office


class Command(BaseCommand):
    help = (
        "What a new offense catalog changes: the open offers no signed worksheet considered whose "
        "flags change (old and new verdicts), and the signed worksheets whose frozen analysis "
        "differs from what the new catalog says. OLD and NEW are catalog directories (NEW "
        "defaults to the installed catalog); each is validated first. Nothing is written: "
        "signed worksheets never change. The output names case numbers, never defendants."
    )

    def add_arguments(self, parser):
        parser.add_argument("old", help="The catalog directory in use until now.")
        parser.add_argument(
            "new",
            nargs="?",
            default=str(CATALOG_ROOT),
            help="The new catalog directory (default: the installed catalog).",
        )
        parser.add_argument("--office", help="Only this office (its slug).")

    def handle(self, *args, old, new, office=None, **options):
        old_catalog = _load(old, "OLD")
        new_catalog = _load(new, "NEW")
        cases = Case.objects.all()
        if office:
            try:
                cases = cases.filter(office=Office.objects.get(slug=office))
            except Office.DoesNotExist:
                raise CommandError(f"No office with the slug {office!r}.") from None
        result = impact(old_catalog, new_catalog, cases=cases)
        out = self.stdout.write
        out(f"Catalog impact: {result.old_version} -> {result.new_version}")
        out("")
        out(f"Unsigned offers whose flags change: {len(result.offers)}")
        for item in result.offers:
            disposition = item.disposition
            out(
                f"  {disposition.case.court_case_number} · offer {disposition.pk} "
                f"({disposition.get_status_display().lower()})"
            )
            for change in item.changes:
                out(f"    {_change(change)}")
        out("")
        out(f"Signed worksheets whose frozen analysis differs: {len(result.worksheets)}")
        for item in result.worksheets:
            worksheet = item.worksheet
            out(
                f"  {worksheet.case.court_case_number} · worksheet {worksheet.pk} "
                f"v{worksheet.version} (signed under {worksheet.catalog_version}) · offer "
                f"{item.offer}"
            )
            for change in item.changes:
                out(f"    {_change(change)}")


def _load(path, name):
    try:
        return load_catalog(path)
    except CatalogError as error:
        raise CommandError(f"{name} catalog {path} does not validate: {error}") from None
    except OSError as error:
        raise CommandError(f"{name} catalog {path} cannot be read: {error}") from None


def _change(change):
    where = f"count {change.count}" if change.count is not None else "offer as a whole"
    ground = change.ground + (f" ({change.subcategory})" if change.subcategory else "")
    return f"{where}: {ground}: {change.old} -> {change.new}"
