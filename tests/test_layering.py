"""The apps depend one way: compliance → cases → consequences.

`consequences` (the law) knows nothing of the records or the reports; `cases` writes the report
columns itself (`cases.report_columns`) and never imports the report code. Read from the source,
so an import inside a function counts too.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_apps(app):
    """{(file, top-level package)} for every import in the app's Python files."""
    found = set()
    for path in (ROOT / app).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found.update((path.relative_to(ROOT).as_posix(), name.split(".")[0]) for name in names)
    return found


@pytest.mark.parametrize(
    ("app", "forbidden"),
    [("consequences", {"cases", "compliance"}), ("cases", {"compliance"})],
)
def test_apps_import_one_way(app, forbidden):
    imports = imported_apps(app)
    assert any(package == "django" for _, package in imports)  # the walk found the imports
    assert sorted((path, pkg) for path, pkg in imports if pkg in forbidden) == []


def top_level_definitions(name):
    """The modules of the apps that define ``name`` at top level (def, class or assignment)."""
    found = []
    for app in ("cases", "compliance", "consequences", "config"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.parse(path.read_text(), filename=str(path)).body:
                if isinstance(node, ast.FunctionDef | ast.ClassDef):
                    names = [node.name]
                elif isinstance(node, ast.Assign):
                    names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    names = [node.target.id]
                else:
                    continue
                if name in names:
                    found.append(path.relative_to(ROOT).as_posix())
    return found


@pytest.mark.parametrize(
    ("name", "home"),
    [
        ("MISDEMEANOR_MAX_DAYS", "consequences/rules.py"),  # PC 18.5, the engine's
        ("csv_safe", "cases/security.py"),  # every CSV export
        ("statute_fields", "cases/forms.py"),  # forms, seed data and factories
        ("RECORD_FACTS", "cases/models.py"),  # model, actions, forms
    ],
)
def test_one_place_per_fact(name, home):
    assert top_level_definitions(name) == [home]
