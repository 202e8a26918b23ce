"""Importing cases from a case management system (issue 18 item 1): formats, the upsert rules,
dry run, the row report and each kind of bad input."""

import hashlib
import io
import json
import threading
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from jsonschema import Draft202012Validator

from cases import actions
from cases.choices import AuditAction, ChargeLevel, Role
from cases.imports import CREATED, REFUSED, UNCHANGED, UPDATED, import_file
from cases.imports.formats import MAX_BYTES, read_cases
from cases.models import AuditEvent, Case, Charge, Office
from tests import factories

HEADER = (
    "court_case_number,defendant_name,aliases,department,next_hearing,next_hearing_type,"
    "assigned_deputy,unit,count_number,statute,level,offense_date"
)


def csv_file(*rows, header=HEADER):
    return io.BytesIO(("\n".join([header, *rows]) + "\n").encode("utf-8"))


def run(office, data, name="cases.csv", **kwargs):
    stream = data if isinstance(data, io.BytesIO) else io.BytesIO(data)
    return import_file(stream, name=name, office=office, **kwargs)


def outcomes(report):
    return [(line.row, line.case_number, line.outcome) for line in report.lines]


ROWS = (
    "IMP-1,José Hernández,Pepe;J. Hernandez,Dept. 4,2026-12-10,Pretrial,alice,Felony Unit,1,"
    "PC 273.5(a),wobbler,2026-10-01",
    "IMP-1,José Hernández,Pepe;J. Hernandez,Dept. 4,2026-12-10,Pretrial,alice,Felony Unit,2,"
    "PC 243(e)(1),misdemeanor,2026-10-01",
    "IMP-2,Ana Ruiz,,Dept. 9,,,,Felony Unit,1,HS 11351,felony,",
)


@pytest.fixture
def imported(office, unit, alice):
    report = run(office, csv_file(*ROWS))
    assert outcomes(report) == [(2, "IMP-1", CREATED), (4, "IMP-2", CREATED)]
    return report


def test_csv_rows_become_cases_with_their_counts(imported, office, alice):
    case = Case.objects.get(office=office, court_case_number="IMP-1")
    assert case.defendant_name == "José Hernández"
    assert case.aliases == "Pepe; J. Hernandez"
    assert case.assigned_deputy == alice
    assert str(case.next_hearing) == "2026-12-10"
    assert case.next_hearing_type == "Pretrial"
    assert case.caption == "People of the State of California v. José Hernández"
    counts = list(case.charges.order_by("number"))
    assert [(c.number, c.statute, c.level) for c in counts] == [
        (1, "PC 273.5(a)", ChargeLevel.WOBBLER),
        (2, "PC 243(e)(1)", ChargeLevel.MISDEMEANOR),
    ]
    assert counts[0].title  # the catalog's title, filled in


def test_the_deputy_is_found_by_bar_number_too(office, unit, bob):
    """Issue 18: "assigned deputy (by username or bar number)"; a username wins a tie."""
    bob.membership.bar_number = "SBN 123456"
    bob.membership.save()
    # Another deputy's bar number equal to a username never hides it (zed is read after bob).
    zed = factories.make_user("zed", office, Role.DEPUTY, unit)
    zed.membership.bar_number = "bob"
    zed.membership.save()
    report = run(
        office,
        csv_file(
            "BAR-1,Al Smith,,,,,sbn 123456,Felony Unit,1,PC 211,felony,",
            "BAR-2,Al Jones,,,,,bob,Felony Unit,1,PC 211,felony,",
        ),
    )
    assert [line.outcome for line in report.lines] == [CREATED, CREATED]
    deputies = dict(Case.objects.values_list("court_case_number", "assigned_deputy__username"))
    assert deputies == {"BAR-1": "bob", "BAR-2": "bob"}


def test_the_same_file_twice_changes_nothing(imported, office):
    before = list(Case.objects.values_list("pk", "lock_version", "updated_at").order_by("pk"))
    charges = list(Charge.objects.values().order_by("pk"))
    report = run(office, csv_file(*ROWS))
    assert [line.outcome for line in report.lines] == [UNCHANGED, UNCHANGED]
    assert (
        list(Case.objects.values_list("pk", "lock_version", "updated_at").order_by("pk")) == before
    )
    assert list(Charge.objects.values().order_by("pk")) == charges


def test_a_reimport_updates_hearings_and_counts(imported, office):
    rows = (
        ROWS[0].replace("2026-12-10", "2027-01-05"),
        ROWS[2].replace("HS 11351", "HS 11350"),
    )
    report = run(office, csv_file(*rows))
    assert [line.outcome for line in report.lines] == [UPDATED, UPDATED]
    case = Case.objects.get(court_case_number="IMP-1")
    assert str(case.next_hearing) == "2027-01-05"
    assert case.lock_version == 2
    assert list(case.charges.values_list("number", flat=True)) == [1]  # count 2 left the file
    assert Charge.objects.get(case__court_case_number="IMP-2").statute == "HS 11350"
    # A change of counts alone moves the case's version too (the API's change feed lists it).
    assert Case.objects.get(court_case_number="IMP-2").lock_version == 2


def test_counts_an_offer_uses_are_kept_and_the_difference_reported(imported, office):
    case = Case.objects.get(court_case_number="IMP-1")
    offer = factories.make_disposition(case)
    factories.make_term(offer, case.charges.get(number=1))
    factories.make_term(offer, case.charges.get(number=2))
    rows = (ROWS[0].replace("PC 273.5(a)", "PC 243(d)"),)  # count 1 changed, count 2 gone
    report = run(office, csv_file(*rows))
    (line,) = report.lines
    assert line.outcome == UNCHANGED
    assert any(
        f"Count 1 differs in the file (statute) but offer {offer.pk}" in m for m in line.messages
    )
    assert any(
        f"Count 2 is not in the file but offer {offer.pk} uses it: kept" in m for m in line.messages
    )
    assert list(case.charges.values_list("number", "statute_as_entered")) == [
        (1, "PC 273.5(a)"),
        (2, "PC 243(e)(1)"),
    ]


def test_a_dry_run_reports_and_writes_nothing(office, unit, alice):
    report = run(office, csv_file(*ROWS), dry_run=True)
    assert [line.outcome for line in report.lines] == [CREATED, CREATED]
    assert not Case.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.IMPORT).exists()


def test_each_import_is_one_audited_event_with_its_hash(office, unit, alice):
    data = csv_file(*ROWS).getvalue()
    run(office, data, by_user=alice)
    (event,) = AuditEvent.objects.filter(action=AuditAction.IMPORT)
    assert event.data["sha256"] == hashlib.sha256(data).hexdigest()
    assert (event.data["created"], event.data["refused"]) == (2, 0)
    assert event.office == office and event.user == alice
    assert "Hernández" not in event.summary  # never a name in the log


def test_json_and_json_lines_give_the_same_cases(office, unit, alice):
    cases = [
        {
            "court_case_number": "J-1",
            "defendant_name": "Luz Peña",
            "aliases": ["Lucy"],
            "unit": "Felony Unit",
            "assigned_deputy": "alice",
            "counts": [{"number": 1, "statute": "PC 211", "level": "felony"}],
        },
        {
            "court_case_number": "J-2",
            "defendant_name": "Omar Said",
            "unit": "Felony Unit",
            "counts": [{"statute": "VC 23152(a)", "level": "M", "offense_date": "2026-11-01"}],
        },
    ]
    report = run(office, json.dumps(cases).encode(), name="export.json")
    assert [line.outcome for line in report.lines] == [CREATED, CREATED]
    lines = "\n".join(json.dumps(case) for case in cases).encode()
    again = run(office, lines, name="export.jsonl")
    assert [line.outcome for line in again.lines] == [UNCHANGED, UNCHANGED]
    assert Charge.objects.get(case__court_case_number="J-2").level == ChargeLevel.MISDEMEANOR


def test_unknown_statutes_are_imported_and_reported(office, unit):
    report = run(office, csv_file("U-1,Al Smith,,,,,,Felony Unit,1,PC 999999,felony,"))
    (line,) = report.lines
    assert line.outcome == CREATED
    assert "the catalog does not know “PC 999999”" in line.messages[0]
    assert "unknown" in line.messages[0]


@pytest.mark.parametrize(
    "row, reason",
    [
        ("B-1,Al,,,2026-13-01,,,Felony Unit,1,PC 211,felony,", "must be a date written YYYY-MM-DD"),
        ("B-1,Al,,,12/01/2026,,,Felony Unit,1,PC 211,felony,", "must be a date written YYYY-MM-DD"),
        ("B-1,Al,,,,,,Felony Unit,1,not a statute at all,felony,", "cannot be read as a statute"),
        ("B-1,Al,,,,,,Felony Unit,1,PC 211,severe,", "the level must be felony, wobbler"),
        ("B-1,Al,,,,,,Nowhere Unit,1,PC 211,felony,", "There is no unit “Nowhere Unit”"),
        ("B-1,Al,,,,,nobody,Felony Unit,1,PC 211,felony,", "username or bar number “nobody”"),
        (",Al,,,,,,Felony Unit,1,PC 211,felony,", "court case number is missing"),
        ("B-1,,,,,,,Felony Unit,1,PC 211,felony,", "defendant's name is missing"),
    ],
)
def test_a_bad_row_is_refused_with_its_number_and_the_others_go_on(office, unit, row, reason):
    report = run(office, csv_file("OK-1,Al Smith,,,,,,Felony Unit,1,PC 211,felony,", row))
    assert report.lines[0].outcome == CREATED
    bad = report.lines[1]
    assert (bad.row, bad.outcome) == (3, REFUSED)
    assert any(reason in message for message in bad.messages), bad.messages
    assert Case.objects.count() == 1


def test_a_duplicate_case_number_is_refused_where_it_appears_again(office, unit):
    report = run(
        office,
        csv_file(
            "D-1,Al Smith,,,,,,Felony Unit,1,PC 211,felony,",
            "D-2,Bo Jones,,,,,,Felony Unit,1,PC 211,felony,",
            "D-1,Al Smith,,,,,,Felony Unit,2,PC 459,felony,",
        ),
    )
    assert outcomes(report) == [(2, "D-1", CREATED), (3, "D-2", CREATED), (4, "D-1", REFUSED)]
    assert "appears again in the file (first at row 2)" in report.lines[2].messages[0]
    assert Charge.objects.filter(case__court_case_number="D-1").count() == 1


def test_a_row_in_the_wrong_encoding_is_refused_alone(office, unit):
    good = b"E-1,Al Smith,,,,,,Felony Unit,1,PC 211,felony,\n"
    latin = "E-2,José Núñez,,,,,,Felony Unit,1,PC 211,felony,\n".encode("latin-1")
    report = run(office, io.BytesIO((HEADER + "\n").encode() + good + latin))
    assert outcomes(report)[0] == (2, "E-1", CREATED)
    assert report.lines[1].outcome == REFUSED
    assert "not UTF-8" in report.lines[1].messages[0]


def test_a_bad_count_refuses_its_whole_case(office, unit):
    """Importing the case without that count would delete it on the next run: the case waits."""
    report = run(
        office,
        csv_file(
            "C-1,Al Smith,,,,,,Felony Unit,1,PC 211,felony,",
            "C-1,Al Smith,,,,,,Felony Unit,2,PC 211,felony,1 May",
        ),
    )
    (line,) = report.lines
    assert line.outcome == REFUSED
    assert "Count 2 (row 3): the offense date “1 May”" in line.messages[0]
    assert not Case.objects.exists()


def test_a_missing_required_column_refuses_the_file(office, unit):
    report = run(
        office, csv_file("X-1,Al,Felony Unit", header="court_case_number,defendant_name,unit")
    )
    assert "no “statute”, “level” column" in report.file_problem
    assert not report.lines and not Case.objects.exists()


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("cases.xlsx", b"PK\x03\x04...", "not a CSV, JSON or JSON Lines file"),
        ("cases.csv", b"%PDF-1.7\n...", "not a text file"),
        ("cases.json", b'{"court_case_number": "A"}', "must hold a JSON array"),
        ("cases.csv", b"", "empty"),
    ],
)
def test_a_file_that_is_not_csv_or_json_is_refused_before_parsing(
    office, unit, name, content, reason
):
    report = run(office, content, name=name)
    assert reason in report.file_problem
    assert not report.lines


def test_a_file_over_100_mb_is_refused_before_parsing(office, unit, monkeypatch):
    monkeypatch.setattr("cases.imports.MAX_BYTES", 1024)
    monkeypatch.setattr("cases.imports.formats.MAX_BYTES", 1024)
    big = csv_file(*[f"B-{n},Al Smith,,,,,,Felony Unit,1,PC 211,felony," for n in range(40)])
    report = run(office, big)
    assert "larger than" in report.file_problem
    assert not Case.objects.exists()
    assert MAX_BYTES == 100 * 1024 * 1024


def test_broken_json_keeps_what_came_before_and_reports_the_break(office, unit):
    text = (
        b'[{"court_case_number": "J-1", "defendant_name": "Al", "unit": "Felony Unit",'
        b' "counts": [{"statute": "PC 211", "level": "felony"}]}, {"court_case_number": '
    )
    report = run(office, text, name="cases.json")
    assert [line.outcome for line in report.lines] == [CREATED, REFUSED]
    assert "cannot be read after case 1" in report.lines[1].messages[0]


def test_another_offices_case_with_the_same_number_is_not_touched(office, unit, other_office):
    other_unit = factories.make_unit(other_office, "Felony Unit")
    theirs = factories.make_case(other_office, other_unit, number="IMP-2")
    run(office, csv_file(ROWS[2]))
    theirs.refresh_from_db()
    assert theirs.defendant_name == "Defendant IMP-2"
    assert Case.objects.filter(court_case_number="IMP-2").count() == 2


def test_the_command_prints_the_report_and_refuses_unknown_offices(
    office, unit, alice, tmp_path, capsys
):
    path = tmp_path / "cases.csv"
    path.write_bytes(csv_file(*ROWS).getvalue())
    call_command("import_cases", str(path), "--office", office.slug, "--dry-run")
    assert "Dry run, nothing written: would have 2 created" in capsys.readouterr().out
    assert not Case.objects.exists()
    with pytest.raises(CommandError, match="no office with the slug"):
        call_command("import_cases", str(path), "--office", "nowhere")


def test_the_folder_command_imports_each_new_file_and_moves_it_aside(office, unit, alice, tmp_path):
    (tmp_path / "one.csv").write_bytes(csv_file(*ROWS).getvalue())
    (tmp_path / "bad.csv").write_bytes(b"%PDF-1.7")
    (tmp_path / "notes.txt").write_text("left alone")
    call_command("import_folder", str(tmp_path), "--office", office.slug, "--settle", "0")
    assert Case.objects.count() == 2
    (done,) = (tmp_path / "imported").glob("*-one.csv")
    report = done.with_name(done.name + ".report.txt").read_text()
    assert report.startswith("2 created, 0 updated")
    assert list((tmp_path / "refused").glob("*-bad.csv"))
    assert (tmp_path / "notes.txt").exists() and not (tmp_path / "one.csv").exists()


def test_query_count_does_not_grow_with_the_cases(
    office, unit, alice, django_assert_max_num_queries
):
    rows = [
        f"Q-{n},Person {n},,,,,alice,Felony Unit,{c},PC 211,felony,"
        for n in range(60)
        for c in (1, 2)
    ]
    with django_assert_max_num_queries(20):
        report = run(office, csv_file(*rows))
    assert report.totals[CREATED] == 60
    assert Charge.objects.count() == 120


# --- The documented format ----------------------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs" / "import"


def test_the_json_schema_is_valid_and_the_samples_follow_it():
    schema = json.loads((DOCS / "case.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    for case in json.loads((DOCS / "sample-cases.json").read_text()):
        validator.validate(case)
    with (DOCS / "sample-cases.csv").open("rb") as stream:
        for item in read_cases(stream, "csv"):
            case = dict(item.data)
            case["counts"] = [
                {
                    ("number" if key == "count_number" else key): (
                        int(value) if key == "count_number" else value
                    )
                    for key, value in count.items()
                    if key != "row" and value != ""
                }
                for count in case["counts"]
            ]
            validator.validate(case)


def test_the_samples_import_into_the_demo_office(db):
    from cases.devdata.demo import seed

    seed()
    office = Office.objects.get(slug="demo")
    for name in ("sample-cases.csv", "sample-cases.json"):
        with (DOCS / name).open("rb") as stream:
            report = import_file(stream, name=name, office=office)
        assert report.totals[REFUSED] == 0, report.noted
        assert report.totals[CREATED] >= 2


def test_every_field_of_the_sample_csv_lands_on_its_case_and_counts(db):
    """Issue 18 item 1's fields, each read back against the sample's own cells."""
    import csv

    from cases.devdata.demo import seed

    seed()
    office = Office.objects.get(slug="demo")
    with (DOCS / "sample-cases.csv").open("rb") as stream:
        assert import_file(stream, name="sample-cases.csv", office=office).totals[REFUSED] == 0
    rows = list(csv.DictReader(io.StringIO((DOCS / "sample-cases.csv").read_text("utf-8"))))
    assert any(row["enhancements"] for row in rows)
    for row in rows:
        case = Case.objects.get(office=office, court_case_number=row["court_case_number"])
        case_fields = ("da_file_number", "court_name", "department", "defense_counsel", "stage")
        for name in (*case_fields, "next_hearing_type"):
            assert getattr(case, name) == row[name], (case, name)
        assert str(case.next_hearing) == row["next_hearing"]
        assert case.assigned_deputy.username == row["assigned_deputy"]
        assert case.unit.name == row["unit"]
        count = case.charges.get(number=int(row["count_number"]))
        assert (count.statute, count.level, count.enhancements) == (
            row["statute"],
            row["level"],
            row["enhancements"],
        )
        assert str(count.offense_date) == row["offense_date"]


@pytest.mark.parametrize(
    "case, where",
    [
        ({"defendant_name": "A", "unit": "U", "counts": [{"statute": "PC 1", "level": "M"}]}, ""),
        (
            {
                "court_case_number": "1",
                "defendant_name": "A",
                "unit": "U",
                "counts": [{"statute": "PC 1", "level": "severe"}],
            },
            "counts/0/level",
        ),
    ],
)
def test_the_schema_refuses_what_the_importer_refuses(case, where):
    schema = json.loads((DOCS / "case.schema.json").read_text())
    errors = list(Draft202012Validator(schema).iter_errors(case))
    assert errors
    assert where in ["/".join(str(p) for p in error.absolute_path) for error in errors]


# --- The upload screen --------------------------------------------------------------------------


def upload(client, content, name="cases.csv", dry_run=True):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"file": SimpleUploadedFile(name, content)}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("case_import"), data)


def test_the_administrator_uploads_a_dry_run_then_imports(client, office, unit, alice, dave):
    client.force_login(dave)
    content = csv_file(*ROWS).getvalue()
    response = upload(client, content)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Dry run: nothing was written" in text and "<strong>2</strong> new cases" in text
    assert not Case.objects.exists()
    response = upload(client, content, dry_run=False)
    assert "<strong>2</strong> new cases" in response.content.decode()
    assert Case.objects.filter(office=office).count() == 2
    assert AuditEvent.objects.get(action=AuditAction.IMPORT).user == dave


def test_a_bad_file_is_a_form_error_and_nothing_is_stored(client, office, unit, dave):
    client.force_login(dave)
    response = upload(client, b"%PDF-1.7 not a csv", dry_run=False)
    assert response.status_code == 200
    assert "is not a text file" in response.content.decode()
    assert not Case.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.IMPORT).exists()


def test_refused_rows_are_listed_with_their_reason(client, office, unit, dave):
    client.force_login(dave)
    content = csv_file("R-1,Al Smith,,,,,,Nowhere,1,PC 211,felony,").getvalue()
    text = upload(client, content, dry_run=False).content.decode()
    assert "Refused" in text and "There is no unit “Nowhere”" in text


@pytest.mark.parametrize("who", ["alice", "carol", "erin"])
def test_only_the_administrator_may_import(client, office, unit, who, request):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(reverse("case_import")).status_code == 403
    assert upload(client, csv_file(*ROWS).getvalue(), dry_run=False).status_code == 403
    assert not Case.objects.exists()


def test_an_administrator_imports_into_their_own_office_only(client, office, unit, other_office):
    from cases.choices import Role

    factories.make_unit(other_office, "Felony Unit")
    admin = factories.make_user("omar", other_office, Role.ADMIN)
    client.force_login(admin)
    upload(client, csv_file(ROWS[2]).getvalue(), dry_run=False)
    assert list(Case.objects.values_list("office", flat=True)) == [other_office.pk]


def test_the_login_is_required(client):
    response = client.get(reverse("case_import"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_large_import_keeps_only_what_a_reader_must_see(office, unit):
    rows = [f"K-{n},Al Smith,,,,,,Felony Unit,1,PC 211,felony," for n in range(30)]
    rows.append("K-bad,Al Smith,,,,,,Nowhere,1,PC 211,felony,")
    report = run(office, csv_file(*rows), keep_all=False)
    assert report.totals == {CREATED: 30, UPDATED: 0, UNCHANGED: 0, REFUSED: 1}
    assert [line.case_number for line in report.lines] == ["K-bad"]


# --- An import beside an edit in the app ----------------------------------------------------------


def _blocked_on_a_lock(cursor):
    """Is another session of this database waiting for a lock? (pg_stat_activity is read once
    per transaction unless its snapshot is cleared.)"""
    cursor.execute("SELECT pg_stat_clear_snapshot()")
    cursor.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )
    return cursor.fetchone()[0] > 0


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks are PostgreSQL's; SQLite's IMMEDIATE transactions serialise writers whole",
)
@pytest.mark.django_db(transaction=True)
def test_an_import_does_not_undo_an_edit_made_in_the_app_meanwhile(office, unit, alice):
    """alice saves case J-A's department in the app while an import is under way that changes
    J-A's defendant and J-B's department. Without the import's row lock, it read J-A before her
    save and wrote J-A's old department back: its batch writes every field that any case of the
    batch changed, and J-A's entry in the file says nothing of its department."""
    count = {"number": 1, "statute": "PC 211", "level": "felony"}
    first = [
        {"court_case_number": "J-A", "defendant_name": "Luz Peña", "unit": "Felony Unit"},
        {"court_case_number": "J-B", "defendant_name": "Omar Said", "unit": "Felony Unit"},
    ]
    first[1]["department"] = "Dept. 9"
    for entry in first:
        entry["counts"] = [count]
    run(office, json.dumps(first).encode(), name="first.json")
    case = Case.objects.get(court_case_number="J-A")
    version = case.lock_version
    later = [{**first[0], "defendant_name": "Luz M. Peña"}, {**first[1], "department": "Dept. 10"}]
    later_file = json.dumps(later).encode()
    outcome = {}

    def import_in_another_session():
        try:
            outcome["report"] = run(office, later_file, name="later.json")
        except Exception as error:  # reported to the test below, not lost in the thread
            outcome["error"] = error
        finally:
            connection.close()

    importer = threading.Thread(target=import_in_another_session)
    with transaction.atomic():
        # alice's save has the row (actions.update_case locks it first): the import waits.
        Case.objects.select_for_update().get(pk=case.pk)
        importer.start()
        with connection.cursor() as cursor:
            for _ in range(300):
                if _blocked_on_a_lock(cursor):
                    break
                time.sleep(0.1)
            else:
                raise AssertionError("the import never waited for the row")
        actions.update_case(case, by_user=alice, version=version, fields={"department": "Dept. 12"})
    importer.join(timeout=60)
    assert "error" not in outcome, outcome.get("error")
    case.refresh_from_db()
    assert case.department == "Dept. 12"  # alice's edit stands
    assert case.defendant_name == "Luz M. Peña"  # and the import's change is applied
    assert case.lock_version == version + 2  # each write moved the version
    assert Case.objects.get(court_case_number="J-B").department == "Dept. 10"
