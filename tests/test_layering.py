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
