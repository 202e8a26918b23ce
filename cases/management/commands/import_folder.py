"""manage.py import_folder DIR --office SLUG: import every new file a case management system
dropped in DIR, then move it aside, for a cron job or a systemd timer (docs/import.md).

Each file goes to DIR/imported/ (or DIR/refused/ when refused as a whole), stamped with the
time, with its report beside it as NAME.report.txt. A lock file keeps two runs from taking
the same file; a file still being written (changed in the last minute) waits for the next run.
"""

import fcntl
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cases.imports import FORMATS_ACCEPTED, import_file
from cases.imports.report_text import report_lines
from cases.models import Office

SETTLE_SECONDS = 60


class Command(BaseCommand):
    help = "Import every CSV/JSON file in a folder into an office, then move it aside."

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--office", required=True)
        parser.add_argument(
            "--settle",
            type=int,
            default=SETTLE_SECONDS,
            help="Skip files changed less than this many seconds ago (default 60).",
        )

    def handle(self, *args, **options):
        office = Office.objects.filter(slug=options["office"]).first()
        if office is None:
            raise CommandError(f"There is no office with the slug “{options['office']}”.")
        folder = Path(options["folder"])
        if not folder.is_dir():
            raise CommandError(f"There is no folder “{folder}”.")
        with (folder / ".import.lock").open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self.stdout.write("Another import_folder run holds the lock; nothing done.")
                return
            for path in sorted(folder.iterdir()):
                if path.is_file() and path.suffix.lower() in FORMATS_ACCEPTED:
                    if time.time() - path.stat().st_mtime < options["settle"]:
                        self.stdout.write(
                            f"{path.name}: still being written, left for the next run."
                        )
                        continue
                    self._import(path, office)

    def _import(self, path, office):
        with path.open("rb") as stream:
            report = import_file(stream, name=path.name, office=office, keep_all=False)
        target = path.parent / ("refused" if report.file_problem else "imported")
        target.mkdir(exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        moved = target / f"{stamp}-{path.name}"
        path.rename(moved)
        text = "\n".join(report_lines(report)) + "\n"
        moved.with_name(moved.name + ".report.txt").write_text(text, encoding="utf-8")
        self.stdout.write(f"{path.name}: {text.splitlines()[0]}")
