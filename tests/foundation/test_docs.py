"""The documentation stands alone and keeps up: every setting documented with its default, and no
reference to documents that are not in the repository."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.conftest import REPO_ROOT
from worklist.settings import Settings, setting_names, unknown_variables

SETTINGS_PAGE = REPO_ROOT / "docs" / "settings.md"
OUTSIDE_DOCUMENTS = re.compile(r"DESIGN\.md|clinical\.md|dicom-breast\.md|reference/|shared/")


def _rows() -> dict[str, list[str]]:
    rows = {}
    for line in SETTINGS_PAGE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`(WORKLIST_[A-Z0-9_]+)`\s*\|", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in line.strip("|").split("|")]
    return rows


def _shown(default: object) -> str:
    if default is None:
        return "none"
    if isinstance(default, list) and default:
        return f"`{','.join(map(str, default))}`"
    if default in ("", [], {}):
        return "empty"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, float) and default.is_integer():
        return f"`{int(default)}`"
    return f"`{default}`"


def test_every_setting_is_documented_with_its_default() -> None:
    rows = _rows()
    missing = sorted(set(setting_names()) - set(rows))
    assert not missing, f"document in docs/settings.md: {missing}"
    assert unknown_variables(rows) == [], "docs/settings.md documents a name that is no setting"
    for name, field in Settings.model_fields.items():
        row = rows[f"WORKLIST_{name.upper()}"]
        assert row[1] == _shown(field.get_default(call_default_factory=True)), (name, row)
        assert row[2], f"WORKLIST_{name.upper()} has no meaning written"


def _tracked_text_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    return [name for name in listed.stdout.splitlines()
            if name.endswith((".py", ".md", ".yaml", ".yml", ".toml", ".sh", ".txt"))
            and not name.startswith("tests/corpus/")]


def test_nothing_refers_to_documents_outside_the_repository() -> None:
    this = "tests/foundation/test_docs.py"
    found = [f"{name}:{number}: {line.strip()}"
             for name in _tracked_text_files() if name != this
             for number, line in enumerate(
                 (REPO_ROOT / name).read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             if OUTSIDE_DOCUMENTS.search(line)]
    assert not found, "point these at docs/ instead:\n" + "\n".join(found[:40])


def test_links_between_documents_resolve() -> None:
    expected_elsewhere = {"dicom-conformance.md", "hl7-conformance.md"}  # written alongside
    for page in sorted((REPO_ROOT / "docs").glob("*.md")):
        for target in re.findall(r"\]\(([^)#:]+\.md)\)", page.read_text(encoding="utf-8")):
            if target in expected_elsewhere:
                continue
            assert (page.parent / target).resolve().is_file(), f"{page.name} links to {target}"
