"""rules/ is pure: it never imports the service, the task queue, the DICOM layer, a database or a
network library (docs/architecture.md, "Layers")."""

from __future__ import annotations

import ast
from pathlib import Path

import rules

FORBIDDEN = {
    "worklist",
    "tasks",
    "dicom_io",
    "sqlalchemy",
    "celery",
    "pydicom",
    "pynetdicom",
    "redis",
    "psycopg",
    "fastapi",
    "httpx",
    "requests",
    "socket",
}
RULES_DIR = Path(rules.__file__).resolve().parent


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_rules_imports_nothing_from_the_outer_layers() -> None:
    files = sorted(RULES_DIR.rglob("*.py"))
    assert len(files) > 10
    offenders = {
        str(f.relative_to(RULES_DIR)): sorted(_imported_roots(f) & FORBIDDEN)
        for f in files
        if _imported_roots(f) & FORBIDDEN
    }
    assert not offenders, offenders


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from worklist.db import models\nimport pydicom.dataset\n", encoding="utf-8")
    assert _imported_roots(sample) & FORBIDDEN == {"worklist", "pydicom"}
