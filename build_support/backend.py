"""The package's build backend: setuptools, plus mypy (which carries mypyc) in the build environment
when the compiled rules engine is asked for (``WORKLIST_COMPILED_RULES=1``, see ``setup.py``).

An ordinary or editable install never downloads the compiler. An editable install is never
compiled: its point is that an edited rule takes effect at once.
"""

from __future__ import annotations

import os
from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import (  # the hooks this backend leaves to setuptools as they are
    build_sdist,
    build_wheel,
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

__all__ = [
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]

COMPILER = "mypy==2.4.1"
_ASKED = os.environ.get("WORKLIST_COMPILED_RULES") == "1"


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    if _ASKED:  # setuptools would run setup.py to ask, and setup.py needs the compiler already
        return [COMPILER]
    return _setuptools.get_requires_for_build_wheel(config_settings)


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    if _ASKED:
        raise SystemExit(
            "WORKLIST_COMPILED_RULES=1 builds wheels (pip install ., the container image); "
            "an editable install stays interpreted so that edits to rules/ take effect at once. "
            "Unset it for pip install -e."
        )
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
