"""forms/ is the pure domain: no Slack, database or scheduler imports, and no clock reads."""

from __future__ import annotations

import ast
from pathlib import Path

FORMS = Path(__file__).parents[2] / "forms"
FORBIDDEN = {"slack_bolt", "slack_sdk", "sqlalchemy", "apscheduler"}
CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}


def _imports(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "__import__"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(str(node.args[0].value).split(".")[0])
    return found


def _clock_reads(tree: ast.AST) -> list[str]:
    reads = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if (name, node.func.attr) in CLOCK_READS:
                reads.append(f"{name}.{node.func.attr}() on line {node.lineno}")
    return reads


def test_forms_imports_nothing_from_the_outer_layers() -> None:
    sources = sorted(FORMS.rglob("*.py"))
    assert sources, "no forms/ sources found"
    bad = {
        str(path.relative_to(FORMS)): sorted(
            _imports(ast.parse(path.read_text("utf-8"))) & FORBIDDEN
        )
        for path in sources
    }
    assert {k: v for k, v in bad.items() if v} == {}


def test_forms_never_reads_the_clock() -> None:
    reads = {
        str(path.relative_to(FORMS)): _clock_reads(ast.parse(path.read_text("utf-8")))
        for path in sorted(FORMS.rglob("*.py"))
    }
    assert {k: v for k, v in reads.items() if v} == {}


def test_the_checks_catch_what_they_look_for() -> None:
    tree = ast.parse(
        "import slack_sdk.web\nfrom sqlalchemy.orm import Session\nimport datetime\n"
        "x = datetime.datetime.now()\ny = date.today()\n"
    )
    assert _imports(tree) & FORBIDDEN == {"slack_sdk", "sqlalchemy"}
    assert _clock_reads(tree) == ["datetime.now() on line 4", "date.today() on line 5"]
