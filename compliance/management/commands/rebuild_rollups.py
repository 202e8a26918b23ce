from django.core.management.base import BaseCommand

from cases.models import Office
from compliance.rollups import rebuild_rollups


class Command(BaseCommand):
    help = (
        "Rebuild the compliance report's monthly rollups of every month an office has records "
        "in (all offices by default). The actions keep them up to date; run this after a bulk "
        "load that bypassed them (seed_volume runs it at its end). The report rebuilds any "
        "month it finds stale anyway, so this only moves that cost off the first page view. "
        "All of an office's months are counted at once and stay locked until the office is "
        "done: an action that marks one of them meanwhile waits for it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--office", action="append", default=[], help="Office slug.")

    def handle(self, *args, office, **options):
        offices = Office.objects.order_by("pk")
        if office:
            offices = offices.filter(slug__in=office)
        for each in offices:
            months = rebuild_rollups(each)
            if options["verbosity"]:
                self.stdout.write(f"{each.slug}: {months} month(s) rebuilt")
