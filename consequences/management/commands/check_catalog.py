from django.core.management.base import BaseCommand, CommandError

from consequences.catalog import CATALOG_ROOT, check_catalog, load_catalog


class Command(BaseCommand):
    help = (
        "Load and validate the offense catalog; print its version, effective date and size. "
        "On failure, lists every problem with its file, entry and field."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--root", default=str(CATALOG_ROOT), help="A catalog folder to check (for review)."
        )

    def handle(self, *args, root, **options):
        problems = check_catalog(root)
        if problems:
            for problem in problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"The offense catalog has {len(problems)} problem(s); see above.")
        catalog = load_catalog(root)
        self.stdout.write(
            f"Offense catalog {catalog.version} (effective {catalog.effective:%Y-%m-%d}): "
            f"{len(catalog.offenses)} offenses."
        )
