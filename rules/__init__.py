"""Clinical knowledge of the breast imaging worklist.

Pure: no database, no network, no Celery. Facts come in (typed, with their evidence), decisions go
out. A radiologist should be able to read every rule in this package.

The main names are importable from here; they load on first use so that importing a submodule
(the report reader, the shared types) stays light.
"""

from __future__ import annotations

from importlib import import_module
from importlib.machinery import EXTENSION_SUFFIXES
from typing import Any

# The function `evaluate` lives in rules.evaluation: a submodule named `evaluate` would shadow it.
_EXPORTS = {
    "evaluate": "rules.evaluation",
    "Case": "rules.case",
    "ItemKind": "rules.items",
    "Priority": "rules.items",
    "ItemDecision": "rules.items",
    "Evaluation": "rules.items",
}

__all__ = ["Case", "Evaluation", "ItemDecision", "ItemKind", "Priority", "build", "evaluate"]


def build() -> str:
    """How the engine runs here: ``compiled`` (the container image's build, see setup.py) or
    ``interpreted`` (a development install). Both run the same source to the same items."""
    spec = import_module("rules.evaluation").__spec__
    origin = (spec.origin if spec else None) or ""
    return "compiled" if origin.endswith(tuple(EXTENSION_SUFFIXES)) else "interpreted"


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rules' has no attribute {name!r}")
