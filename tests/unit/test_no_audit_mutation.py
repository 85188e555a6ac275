"""The audit log is append-only (DESIGN §5): no code path updates or deletes an audit row.

The source of ``bot/``, ``storage/`` and ``forms/`` is scanned for an ORM ``update()`` /
``delete()`` of ``AuditRow`` (or of its table), a ``Query.update`` / ``delete`` on it, and raw
SQL that updates, deletes, truncates or drops ``audit_log`` or its triggers — outside a
migration's ``downgrade()``. The scanner is tested on snippets of each form, so that it would
catch one. The database refuses such statements too (migration 0005; see
``tests/integration/test_purge.py``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from storage.orm import AuditRow
from storage.ports import AuditRepository
from storage.repositories.audit import SqlAuditRepository

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("bot", "storage", "forms")
AUDIT_NAMES = {"AuditRow", "audit_log"}
RAW_SQL = re.compile(
    r"\b(?:UPDATE\s+(?:ONLY\s+)?\"?audit_log\"?\s|DELETE\s+FROM\s+(?:ONLY\s+)?\"?audit_log\b|"
    r"TRUNCATE\b[^;]*\baudit_log\b|DROP\s+TABLE\b[^;]*\baudit_log\b|"
    r"DROP\s+(?:TRIGGER|FUNCTION)\b[^;]*\baudit_log|"
    r"ALTER\s+TABLE\s+\"?audit_log\"?\s+(?:DISABLE|DROP|RENAME))",
    re.IGNORECASE,
)
MUTATING = {"update", "delete", "merge", "bulk_update_mappings", "truncate"}


def _mentions_audit(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in AUDIT_NAMES:
            return True
        if isinstance(sub, ast.Attribute) and sub.attr in AUDIT_NAMES:
            return True
        if isinstance(sub, ast.Constant) and sub.value == "audit_log":
            return True
    return False


def _skipped(tree: ast.AST, filename: str) -> set[int]:
    """Lines of a migration's downgrade(): taking the schema back is not the application."""
    if "migrations" not in filename:
        return set()
    return {
        line
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "downgrade"
        for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)
    }


def audit_mutations(source: str, filename: str = "<snippet>") -> list[str]:
    """Every place in ``source`` that would update or delete audit rows, as ``file:line what``."""
    tree = ast.parse(source, filename)
    skipped = _skipped(tree, filename)
    found: list[str] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if line in skipped:
            continue
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in MUTATING:
                target = node.args[:1] if isinstance(func, ast.Name) else [func.value, *node.args]
                if any(_mentions_audit(t) for t in target):
                    found.append(f"{filename}:{line} {name}() of the audit log")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = RAW_SQL.search(node.value)
            if match:
                found.append(f"{filename}:{line} SQL {match.group(0).strip()!r}")
    return found


def test_no_code_updates_or_deletes_an_audit_row() -> None:
    found = [
        problem
        for folder in SCANNED
        for path in sorted((ROOT / folder).rglob("*.py"))
        for problem in audit_mutations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert found == []


def test_the_audit_repository_can_only_add_and_read() -> None:
    for cls in (SqlAuditRepository, AuditRepository):
        public = {n for n in vars(cls) if not n.startswith("_")}
        assert public <= {"add", "list_for_review"}, cls
    assert all(fk.ondelete is None for fk in AuditRow.__table__.foreign_keys)  # no cascade


@pytest.mark.parametrize(
    "snippet",
    [
        "session.execute(update(AuditRow).values(details='{}'))",
        "session.execute(sa.delete(AuditRow).where(AuditRow.id == 1))",
        "session.execute(AuditRow.__table__.delete())",
        "session.query(AuditRow).filter_by(id=1).update({'actor': 'x'})",
        "session.query(AuditRow).delete()",
        "session.scalars(select(AuditRow)).first(); session.delete(session.get(AuditRow, 1))",
        "connection.exec_driver_sql('UPDATE audit_log SET actor = 1')",
        "connection.execute(text('delete from \"audit_log\" where id = 3'))",
        "op.execute('TRUNCATE reviews, audit_log')",
        "op.execute('ALTER TABLE audit_log DISABLE TRIGGER ALL')",
        "def upgrade():\n    op.execute('DROP TRIGGER audit_log_append_only ON audit_log')",
    ],
)
def test_the_scanner_finds_each_way_of_changing_the_audit_log(snippet: str) -> None:
    assert audit_mutations(snippet, "storage/migrations/versions/x.py") != []


@pytest.mark.parametrize(
    "snippet",
    [
        "session.add(AuditRow(actor='x'))",
        "session.scalars(select(AuditRow).where(AuditRow.review_id == 1))",
        "session.execute(update(ReviewRow).values(status='closed'))",
        "session.execute(delete(AnswerRow))",
        "op.execute('CREATE TRIGGER t BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW ...')",
        "def downgrade():\n    op.execute('DROP TRIGGER IF EXISTS t ON audit_log')",
    ],
)
def test_the_scanner_lets_reads_inserts_and_other_tables_be(snippet: str) -> None:
    assert audit_mutations(snippet, "storage/migrations/versions/x.py") == []
