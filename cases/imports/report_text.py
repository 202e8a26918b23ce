"""The import report as plain lines, for the command, the folder watcher's report file and
the upload screen's download."""

from .upsert import CREATED, REFUSED, UNCHANGED, UPDATED, Report


def report_lines(report: Report, *, everything=False, dry_run=False):
    if report.file_problem:
        yield f"Refused: {report.file_problem} Nothing was imported."
        return
    totals = report.totals
    prefix = "Dry run, nothing written: would have " if dry_run else ""
    yield (
        f"{prefix}{totals[CREATED]} created, {totals[UPDATED]} updated, "
        f"{totals[UNCHANGED]} unchanged, {totals[REFUSED]} refused."
    )
    lines = report.lines if everything else report.noted
    for line in lines:
        where = f"row {line.row}" if line.row else ""
        head = f"{where}: case {line.case_number or '(no number)'} {line.outcome}"
        if not line.messages:
            yield head
        for message in line.messages:
            yield f"{head}: {message}"
