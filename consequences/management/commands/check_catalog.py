from django.core.management.base import BaseCommand, CommandError

from consequences.catalog import CatalogError, load_catalog


class Command(BaseCommand):
    help = (
        "Load and validate the offense catalog; print its version, effective date and size. "
        "Fails with the file, entry and field of the first problem found."
    )

    def handle(self, *args, **options):
        try:
            catalog = load_catalog()
        except CatalogError as problem:
            raise CommandError(f"The offense catalog is invalid: {problem}") from problem
        self.stdout.write(
            f"Offense catalog {catalog.version} (effective {catalog.effective:%Y-%m-%d}): "
            f"{len(catalog.offenses)} offenses."
        )
