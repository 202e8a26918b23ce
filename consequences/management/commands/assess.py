"""``python manage.py assess``: the consequence engine from the command line.

Never touches the database, so it works on an empty one right after ``migrate``.
Tests: tests/consequences/test_assess_command.py.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from consequences.catalog import FACT_TYPES, CatalogError
from consequences.engine import DISCLAIMER, InvalidInput, assess_count
from consequences.statuses import Level, Status

BATCH_KEYS = {"offense", "level", "sentence_days", "suspended_days", "status", "facts"}


class Command(BaseCommand):
    help = (
        "Assess an offense's possible immigration consequences (advisory only; not legal advice). "
        "Give CODE with optional plea terms for a readable table or one JSON object (--json), or "
        "--batch FILE --json to read JSON lines such as "
        '{"offense": "PC 487(a)", "sentence_days": 90, "suspended_days": 275, "level": "felony", '
        '"status": "lpr", "facts": {"loss_over_10000": false}} and write one JSON object per '
        'line, in order; a line that cannot be assessed gives an object with an "error" instead. '
        "--sentence-days (sentence_days) is the custody ordered to be served; --suspended-days "
        "(suspended_days) any further term imposed but suspended; immigration counts both "
        "(8 U.S.C. 1101(a)(48)(B)): 364 days mostly suspended is --sentence-days 30 "
        "--suspended-days 334, not --sentence-days 364."
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("code", nargs="?", help='offense code, e.g. "PC 273.5(a)"')
        parser.add_argument(
            "--sentence-days",
            type=int,
            metavar="N",
            help="the custody ordered to be served on the count, in days (not any suspended term)",
        )
        parser.add_argument(
            "--suspended-days",
            type=int,
            default=0,
            metavar="N",
            help=(
                "any further term imposed but suspended, in days; immigration counts both "
                "(8 U.S.C. 1101(a)(48)(B)), while the DACA 90-day and good-moral-character "
                "180-day tests count only the custody to serve"
            ),
        )
        parser.add_argument("--level", choices=Level.values)
        parser.add_argument("--status", choices=Status.values, default=Status.UNKNOWN.value)
        parser.add_argument(
            "--fact",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=f"record-of-conviction fact ({', '.join(FACT_TYPES)}), e.g. substance_named=false",
        )
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
        parser.add_argument("--batch", metavar="FILE", help='JSON lines ("-" for standard input)')

    def handle(self, *args, **options):
        try:
            if options["batch"]:
                if options["code"]:
                    raise CommandError("give either CODE or --batch FILE, not both")
                if not options["json"]:
                    raise CommandError("--batch writes JSON lines: add --json")
                self.run_batch(options["batch"])
                return
            if not options["code"]:
                raise CommandError("give an offense CODE, or --batch FILE --json")
            result = assess_count(
                options["code"],
                level=options["level"],
                sentence_days=options["sentence_days"],
                suspended_days=options["suspended_days"],
                facts=parse_facts(options["fact"]),
                status=options["status"],
            )
        except (InvalidInput, CatalogError) as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            self.stdout.write(render_table(result))

    def run_batch(self, path):
        try:
            handle = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        with handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                self.stdout.write(json.dumps(assess_line(line, number), ensure_ascii=False))


def assess_line(line, number):
    """One batch line's answer: the assessment, or an error object naming the line."""
    try:
        request = json.loads(line)
    except json.JSONDecodeError as error:
        return {"line": number, "input": line.rstrip("\n"), "error": f"not JSON: {error.msg}"}
    try:
        if not isinstance(request, dict) or "offense" not in request:
            raise InvalidInput('each line must be a JSON object with an "offense"')
        unknown = set(request) - BATCH_KEYS
        if unknown:
            raise InvalidInput(f"unknown key(s): {', '.join(sorted(unknown))}")
        result = assess_count(
            request["offense"],
            level=request.get("level"),
            sentence_days=request.get("sentence_days"),
            suspended_days=request.get("suspended_days") or 0,
            facts=request.get("facts"),
            status=request.get("status") or Status.UNKNOWN,
        )
    except InvalidInput as error:
        return {"line": number, "input": request, "error": str(error), "disclaimer": DISCLAIMER}
    return result.to_dict()


def parse_facts(pairs):
    """["substance_named=false", "grams=28.5"] → {"substance_named": False, "grams": 28.5}"""
    facts = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name, value = name.strip(), value.strip().lower()
        if not sep or name not in FACT_TYPES:
            names = ", ".join(FACT_TYPES)
            raise InvalidInput(f"--fact {pair!r}: expected NAME=VALUE, NAME one of {names}")
        if FACT_TYPES[name] is bool:
            if value not in ("true", "false", "yes", "no"):
                raise InvalidInput(f"--fact {pair!r}: expected true or false")
            facts[name] = value in ("true", "yes")
        else:
            try:
                facts[name] = float(value) if "." in value else int(value)
            except ValueError:
                raise InvalidInput(f"--fact {pair!r}: expected a number") from None
    return facts


def sentence_line(result):
    """The sentence as read: custody to serve, suspended, and the total immigration counts."""
    custody, suspended = result.input.sentence_days, result.input.suspended_days
    if custody is None and not suspended:
        return None
    to_serve = "custody to serve not given" if custody is None else f"{custody} to serve"
    return (
        f"Sentence: {result.sentence_days} days imposed ({to_serve}, {suspended} suspended; "
        "immigration counts both, 8 U.S.C. 1101(a)(48)(B))"
    )


def render_table(result):
    """A plain-text report of one assessment, for a terminal."""
    lines = []
    offense = result.code or result.input.offense
    title = f" — {result.title}" if result.title else ""
    lines.append(f"{offense}{title}   (catalog {result.catalog_version})")
    sentence = sentence_line(result)
    if sentence:
        lines.append(sentence)
    for text in (result.match_note, result.message):
        if text:
            lines.append(text)
    if result.flags:
        lines.append("")
        lines.append(f"{'ground':<22} {'subcategory':<28} {'verdict':<12} condition")
        for flag in result.flags:
            lines.append(
                f"{flag.ground.value:<22} {flag.subcategory or '':<28} "
                f"{flag.verdict.value:<12} {flag.condition or ''}"
            )
            if flag.is_flagged and flag.fix:
                lines.append(f"{'':<22} fix: {flag.fix}")
    for alternative in result.alternatives:
        flagged = [f"{f.ground.value} {f.verdict.value}" for f in alternative.flags if f.is_flagged]
        lines.append("")
        lines.append(f"Alternative {alternative.code} — {alternative.title}")
        lines.append(f"  {alternative.conditions}")
        lines.append(f"  flagged: {', '.join(flagged) if flagged else 'none'}")
    lines.append("")
    lines.append(DISCLAIMER)
    return "\n".join(lines)
