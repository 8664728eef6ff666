"""Everything about the package is declared in pyproject.toml; this file adds one optional step.

With ``WORKLIST_COMPILED_RULES=1`` the rules engine's hot modules (``[tool.worklist]
compiled-rules`` in pyproject.toml) are compiled from their type hints to C extensions by mypyc.
The source stays the only truth: the compiled build runs the same code, gives the same items
(``tests/rules/test_compiled_rules.py``) and evaluates about twice as many cases per second
(``bench/bench_rules.py``). The container image is built this way; development installs are not.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from setuptools import setup

HERE = Path(__file__).resolve().parent


def compiled_rules_modules() -> list[str]:
    with (HERE / "pyproject.toml").open("rb") as f:
        modules: list[str] = tomllib.load(f)["tool"]["worklist"]["compiled-rules"]
    return modules


def _extensions() -> list[Any]:
    if os.environ.get("WORKLIST_COMPILED_RULES") != "1":
        return []
    from mypyc.build import mypycify  # only in the build environment of a compiled build

    return mypycify(compiled_rules_modules(), opt_level="3")


setup(ext_modules=_extensions())
