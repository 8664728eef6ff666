"""Where the synthetic-DICOM tests find their inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / ".." / "shared" / "examples"
TEST_CASES = REPO_ROOT / "tests" / "cases"
DEMO_STORIES = REPO_ROOT / "worklist" / "demo" / "stories"


def examples_or_skip() -> Path:
    if not (EXAMPLES / "cases").is_dir() or not (EXAMPLES / "dicom").is_dir():
        pytest.skip("the shared example cases are not beside the repository")
    return EXAMPLES
