"""manage.py import_cases FILE --office SLUG [--dry-run]: import cases from the office's case
management system (docs/import.md). Prints the row-level report; exits 1 when the file was
refused as a whole, 0 otherwise (refused rows are in the report)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cases.imports import import_file
from cases.imports.report_text import report_lines
from cases.models import Office


class Command(BaseCommand):
    help = "Import cases (CSV, JSON or JSON Lines) into an office; see docs/import.md."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--office", required=True, help="The office's slug.")
        parser.add_argument("--dry-run", action="store_true", help="Report only; write nothing.")
        parser.add_argument("--as", dest="username", help="The user the audit log names.")
        parser.add_argument("--all", action="store_true", help="List unchanged cases too.")

    def handle(self, *args, **options):
        office = Office.objects.filter(slug=options["office"]).first()
        if office is None:
            raise CommandError(f"There is no office with the slug “{options['office']}”.")
        user = None
        if options["username"]:
            user = get_user_model().objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"There is no user “{options['username']}”.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file “{path}”.")
        with path.open("rb") as stream:
            report = import_file(
                stream,
                name=path.name,
                office=office,
                by_user=user,
                dry_run=options["dry_run"],
                keep_all=options["all"],
            )
        for line in report_lines(report, everything=options["all"], dry_run=options["dry_run"]):
            self.stdout.write(line)
        if report.file_problem:
            raise CommandError(report.file_problem)
