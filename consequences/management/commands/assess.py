"""``python manage.py assess``: the consequence engine from the command line.

Never touches the database, so it works on an empty one right after ``migrate``.
Tests: tests/consequences/test_assess_command.py.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from consequences.catalog import FACT_TYPES, CatalogError
from consequences.engine import DISCLAIMER, InvalidInput, assess_count, assess_disposition
from consequences.statuses import Level, Status

BATCH_KEYS = {"offense", "level", "sentence_days", "suspended_days", "status", "facts"}
DISPOSITION_KEYS = {"counts", "priors", "single_scheme", "status"}
SINGLE_SCHEME = {"yes": True, "no": False, "unknown": None}


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
        "--suspended-days 334, not --sentence-days 364. "
        "A whole disposition: repeat --count, each with its own terms, e.g. "
        '--count "PC 487(a) level=felony sentence=90 suspended=275 date=2026-05-01 '
        'loss_over_10000=false" --count "PC 664/211 level=felony sentence=180", with known '
        'priors as --prior "HS 11350 convicted=2020-01-15 sentence=30 level=misdemeanor '
        'source=rap_sheet pleaded=no" and --single-scheme yes|no|unknown (do the counts arise '
        "from a single scheme or act?); the disposition-level grounds are printed after the "
        'counts. In --batch, a line with "counts" (and optional "priors", '
        '"single_scheme", "status") is one disposition.'
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
        parser.add_argument(
            "--count",
            action="append",
            default=[],
            metavar="SPEC",
            help=(
                'one count of a disposition: "CODE [level=L] [sentence=N] [suspended=N] '
                '[date=YYYY-MM-DD] [FACT=VALUE ...]"; sentence is the custody to serve'
            ),
        )
        parser.add_argument(
            "--prior",
            action="append",
            default=[],
            metavar="SPEC",
            help=(
                'a known prior conviction: "CODE convicted=YYYY-MM-DD [sentence=N] [level=L] '
                '[source=rap_sheet|defense|court_record] [pleaded=yes|no]"; sentence is the '
                "whole term imposed, suspended time included"
            ),
        )
        parser.add_argument(
            "--single-scheme",
            choices=tuple(SINGLE_SCHEME),
            default="unknown",
            help="do the counts arise from a single scheme or act? (unknown: assume not)",
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
            if options["count"] or options["prior"]:
                if options["code"]:
                    raise CommandError("give either CODE or --count SPEC (repeated), not both")
                self.run_disposition(options)
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

    def run_disposition(self, options):
        """Several counts, their priors and the single-scheme answer, assessed together."""
        if not options["count"]:
            raise InvalidInput("give at least one --count with the --prior options")
        if options["sentence_days"] is not None or options["suspended_days"] or options["fact"]:
            raise InvalidInput(
                "with --count, give each count's sentence and facts inside its SPEC "
                '(e.g. --count "PC 459 sentence=90 substance_named=false")'
            )
        result = assess_disposition(
            [parse_count(spec, number) for number, spec in enumerate(options["count"], start=1)],
            priors=[
                parse_prior(spec, number) for number, spec in enumerate(options["prior"], start=1)
            ],
            single_scheme=SINGLE_SCHEME[options["single_scheme"]],
            status=options["status"],
        )
        if options["json"]:
            self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            self.stdout.write(render_disposition(result))

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
    if isinstance(request, dict) and "counts" in request:
        return assess_disposition_line(request, number)
    try:
        if not isinstance(request, dict) or "offense" not in request:
            raise InvalidInput(
                'each line must be a JSON object with an "offense" (one count) or "counts" '
                "(a disposition)"
            )
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


def assess_disposition_line(request, number):
    """One batch line holding a disposition: counts, priors, single_scheme and status."""
    try:
        unknown = set(request) - DISPOSITION_KEYS
        if unknown:
            raise InvalidInput(f"unknown key(s): {', '.join(sorted(unknown))}")
        counts, priors = request["counts"], request.get("priors") or []
        if not isinstance(counts, list) or not counts:
            raise InvalidInput('"counts" must be a non-empty list of counts')
        if not isinstance(priors, list):
            raise InvalidInput('"priors" must be a list of prior convictions')
        result = assess_disposition(
            counts,
            priors=priors,
            single_scheme=request.get("single_scheme"),
            status=request.get("status") or Status.UNKNOWN,
        )
    except InvalidInput as error:
        return {"line": number, "input": request, "error": str(error), "disclaimer": DISCLAIMER}
    return result.to_dict()


_COUNT_KEYS = {"level", "sentence", "suspended", "date"}
_PRIOR_KEYS = {"convicted", "sentence", "level", "source", "pleaded"}


def _split_spec(spec, where, keys):
    """ "PC 487(a) level=felony sentence=90" → ("PC 487(a)", {"level": "felony", ...})."""
    words: list[str] = []
    options: dict[str, str] = {}
    for token in spec.split():
        name, sep, value = token.partition("=")
        if not sep:
            if options:
                raise InvalidInput(f"{where}: write the code first, then NAME=VALUE options")
            words.append(token)
            continue
        name = name.strip().lower()
        if name not in keys and name not in FACT_TYPES:
            allowed = ", ".join(sorted(keys)) + (
                ", " + ", ".join(FACT_TYPES) if "date" in keys else ""
            )
            raise InvalidInput(f"{where}: unknown option {name!r}; expected one of: {allowed}")
        if name in options:
            raise InvalidInput(f"{where}: {name} is given twice")
        options[name] = value
    if not words:
        raise InvalidInput(f'{where}: give the offense code first, e.g. "PC 459 sentence=90"')
    return " ".join(words), options


def _whole_days(value, where, name):
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(
            f"{where}: {name} must be a whole number of days (got {value!r})"
        ) from None


def parse_count(spec, number):
    """One --count SPEC as the engine's count mapping. Tests: test_assess_disposition.py."""
    where = f"count {number}"
    code, options = _split_spec(spec, where, _COUNT_KEYS)
    facts = parse_facts(
        [f"{name}={value}" for name, value in options.items() if name in FACT_TYPES]
    )
    count = {"offense": code, "facts": facts}
    if "level" in options:
        count["level"] = options["level"]
    if "sentence" in options:
        count["sentence_days"] = _whole_days(options["sentence"], where, "sentence")
    if "suspended" in options:
        count["suspended_days"] = _whole_days(options["suspended"], where, "suspended")
    if "date" in options:
        count["offense_date"] = options["date"]
    return count


def parse_prior(spec, number):
    """One --prior SPEC as the engine's prior mapping. Tests: test_assess_disposition.py."""
    where = f"prior {number}"
    code, options = _split_spec(spec, where, _PRIOR_KEYS)
    if "convicted" not in options:
        raise InvalidInput(f"{where}: convicted=YYYY-MM-DD (the date of conviction) is required")
    prior = {"code": code, "convicted_on": options["convicted"]}
    if "sentence" in options:
        prior["sentence_days"] = _whole_days(options["sentence"], where, "sentence")
    if "level" in options:
        prior["level"] = options["level"]
    if "source" in options:
        prior["source"] = options["source"]
    if "pleaded" in options:
        answer = options["pleaded"].lower()
        if answer not in ("yes", "no", "true", "false"):
            raise InvalidInput(f"{where}: pleaded must be yes or no")
        prior["pleaded_and_proven"] = answer in ("yes", "true")
    return prior


def render_disposition(result):
    """A plain-text report of a whole disposition: each count's flagged grounds, then the
    grounds only the whole disposition (with the priors) triggers."""
    lines = [f"Disposition of {len(result.counts)} count(s)   (catalog {result.catalog_version})"]
    scheme = {True: "yes", False: "no", None: "unknown"}[result.single_scheme]
    lines.append(f"Single scheme or act: {scheme}")
    for prior in result.priors:
        given = prior.prior
        facts = ", ".join(
            part
            for part in (
                f"convicted {given.convicted_on.isoformat()}",
                given.level,
                None if given.sentence_days is None else f"{given.sentence_days} days",
                given.source.replace("_", " "),
            )
            if part
        )
        known = "" if prior.known else " — not in the catalog"
        lines.append(f"Prior {prior.assessment.code or given.code} ({facts}){known}")
    for number, count in enumerate(result.counts, start=1):
        offense = count.code or count.input.offense
        title = f" — {count.title}" if count.title else ""
        lines.append("")
        lines.append(f"Count {number}: {offense}{title}")
        for text in (count.match_note, count.message):
            if text:
                lines.append(f"  {text}")
        for flag in count.flagged:
            lines.append(
                f"  {flag.ground.value:<22} {flag.subcategory or '':<28} "
                f"{flag.verdict.value:<12} {flag.condition or ''}"
            )
    lines.append("")
    lines.append("Disposition-level grounds:")
    if result.flags:
        lines.extend(_flag_table(result.flags))
    else:
        lines.append("none")
    if result.message:
        lines.append("")
        lines.append(result.message)
    lines.append("")
    lines.append(DISCLAIMER)
    return "\n".join(lines)


def parse_facts(pairs):
    """["substance_named=false", "grams=28.5"] → {"substance_named": False, "grams": 28.5}"""
    facts: dict[str, bool | int | float] = {}
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


def _flag_table(flags):
    """The flags as aligned text lines, a fix under each flagged ground that has one."""
    lines = [f"{'ground':<22} {'subcategory':<28} {'verdict':<12} condition"]
    for flag in flags:
        lines.append(
            f"{flag.ground.value:<22} {flag.subcategory or '':<28} "
            f"{flag.verdict.value:<12} {flag.condition or ''}"
        )
        if flag.is_flagged and flag.fix:
            lines.append(f"{'':<22} fix: {flag.fix}")
    return lines


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
        lines.extend(_flag_table(result.flags))
    for alternative in result.alternatives:
        flagged = [f"{f.ground.value} {f.verdict.value}" for f in alternative.flags if f.is_flagged]
        lines.append("")
        lines.append(f"Alternative {alternative.code} — {alternative.title}")
        lines.append(f"  {alternative.conditions}")
        lines.append(f"  flagged: {', '.join(flagged) if flagged else 'none'}")
    lines.append("")
    lines.append(DISCLAIMER)
    return "\n".join(lines)
