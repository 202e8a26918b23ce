"""Write worksheet PDFs to files, for a case file or an archive."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cases.models import Case, Office, Worksheet
from cases.pdf import DEFAULT_VARIANT, VARIANTS
from cases.worksheet_print import filename, issue_pdf


class Command(BaseCommand):
    help = (
        "Write the current worksheet of a case as a PDF (--case NUMBER --out FILE), or every "
        "current worksheet (--all --out-dir DIR, one folder per office; --office SLUG for one "
        "office). The current worksheet is the newest version, signed or not; a draft carries a "
        "DRAFT watermark. Each file written is recorded in the audit log with its SHA-256, as a "
        "download is. Volunteered status is printed where the deputy chose to include it: the "
        "files are for the office's own case files."
    )

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--case", metavar="NUMBER", help="court case number")
        target.add_argument("--all", action="store_true", help="every current worksheet")
        parser.add_argument("--out", metavar="FILE", help="the PDF file to write (with --case)")
        parser.add_argument(
            "--out-dir", metavar="DIR", help="the folder to write into (with --all)"
        )
        parser.add_argument("--office", metavar="SLUG", help="the office (slug)")
        parser.add_argument(
            "--variant",
            choices=sorted(VARIANTS),
            default=DEFAULT_VARIANT,
            help="tagged (PDF/UA-1, the default) or archival (PDF/A-2b)",
        )

    def handle(self, *args, **options):
        office = self._office(options["office"])
        if options["case"]:
            if not options["out"]:
                raise CommandError("--case needs --out FILE.")
            self._export_case(options["case"], office, Path(options["out"]), options["variant"])
        else:
            if not options["out_dir"]:
                raise CommandError("--all needs --out-dir DIR.")
            self._export_all(office, Path(options["out_dir"]), options["variant"])

    def _office(self, slug):
        if slug is None:
            return None
        office = Office.objects.filter(slug=slug).first()
        if office is None:
            raise CommandError(f"No office with the slug {slug!r}.")
        return office

    def _export_case(self, number, office, out, variant):
        cases = Case.objects.filter(court_case_number=number).select_related("office")
        if office is not None:
            cases = cases.filter(office=office)
        found = list(cases)
        if not found:
            raise CommandError(f"No case numbered {number!r}{' in that office' if office else ''}.")
        if len(found) > 1:
            slugs = ", ".join(sorted(case.office.slug for case in found))
            raise CommandError(
                f"Case number {number!r} exists in several offices ({slugs}); add --office."
            )
        worksheet = current_worksheets(Case.objects.filter(pk=found[0].pk)).first()
        if worksheet is None:
            raise CommandError(f"Case {number!r} has no worksheet yet.")
        digest = self._write(worksheet, out, variant)
        self.stdout.write(f"Wrote {out} (SHA-256 {digest}).")

    def _export_all(self, office, out_dir, variant):
        cases = Case.objects.all() if office is None else Case.objects.filter(office=office)
        worksheets = list(current_worksheets(cases))
        written = 0
        for worksheet in tqdm(worksheets, desc="Worksheets", unit="pdf", file=self.stderr._out):
            folder = out_dir / worksheet.case.office.slug
            folder.mkdir(parents=True, exist_ok=True)
            self._write(worksheet, folder / filename(worksheet, variant), variant)
            written += 1
        self.stdout.write(f"Wrote {written} PDF{'s' if written != 1 else ''} under {out_dir}.")

    def _write(self, worksheet, out, variant):
        data, digest = issue_pdf(worksheet, variant=variant, by_user=None, via="command")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        return digest


def current_worksheets(cases):
    """The current version of each case's worksheet (the one nothing amends yet)."""
    return (
        Worksheet.objects.current()
        .filter(case__in=cases)
        .select_related("case", "case__office", "case__unit", "signed_by")
        .order_by("case__office__slug", "case__court_case_number")
    )
