"""The compiled build of the rules engine (setup.py, the container image's) against the source.

The build is made once per source state (``build_support.compiled_rules``) and run in child
processes: it must compile every module it lists, decide exactly the items the interpreted source
decides over the story corpus, and pass the rules test suite.
"""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

import rules
from build_support.compiled_rules import (
    ROOT,
    BuildFailed,
    compiled_build,
    compiled_modules,
    environment,
)
from tests.conftest import service_missing
from tests.rules import compiled_parity

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def build() -> Path:
    try:
        return compiled_build()
    except BuildFailed as failure:
        service_missing(f"the compiled build ({failure})")
        raise


def _run(build: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = environment(build) | {"WORKLIST_EXPECT_COMPILED_RULES": "1"}
    return subprocess.run([sys.executable, *args], cwd=build, env=env, capture_output=True,
                          text=True, timeout=600, check=False)


def test_every_listed_module_is_compiled(build: Path) -> None:
    modules = compiled_modules()
    assert "rules.case" in modules and "rules.pathways.biopsy" in modules
    shown = _run(build, "-c", "import importlib, sys\n"
                 "for name in sys.argv[1:]: print(importlib.import_module(name).__spec__.origin)",
                 *modules)
    assert shown.returncode == 0, shown.stderr
    origins = shown.stdout.split()
    assert len(origins) == len(modules)
    interpreted = [o for o in origins if not o.endswith(tuple(EXTENSION_SUFFIXES))]
    assert not interpreted, interpreted
    assert all(o.startswith(str(build)) for o in origins), origins


def test_both_builds_decide_the_same_items(build: Path, tmp_path: Path) -> None:
    assert rules.build() == "interpreted"  # this process: the source itself
    out = tmp_path / "compiled.pickle"
    done = _run(build, "-m", "tests.rules.compiled_parity", str(out))
    assert done.returncode == 0, done.stderr[-4000:]
    compiled = pickle.loads(out.read_bytes())
    interpreted = compiled_parity.answers()
    assert len(interpreted) >= 1000
    assert [label for label, _ in compiled] == [label for label, _ in interpreted]
    differ = [label for (label, a), (_, b) in zip(compiled, interpreted, strict=True) if a != b]
    assert not differ, f"{len(differ)} case-moments differ, first: {differ[:5]}"
    assert sum(len(e.open) + len(e.satisfied) for _, e in interpreted) > len(interpreted)


def test_the_rules_suite_passes_on_the_compiled_build(build: Path) -> None:
    done = _run(
        build, "-m", "pytest", str(ROOT / "tests" / "rules"), "-q", "-p", "no:cacheprovider",
        "--import-mode=append", f"--rootdir={ROOT}",
        f"--ignore={Path(__file__).resolve()}",
        "-o", "addopts=", "-W", "ignore",
    )
    summary = done.stdout.strip().splitlines()[-1:] or [done.stderr[-2000:]]
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    passed = re.search(r"(\d+) passed", summary[0])
    assert passed and int(passed.group(1)) >= 90, summary
