"""Clinical knowledge of the breast imaging worklist.

Pure: no database, no network, no Celery. Facts come in (typed, with their evidence), decisions go
out. A radiologist should be able to read every rule in this package.

The main names are importable from here; they load on first use so that importing a submodule
(the report reader, the shared types) stays light.
"""

from __future__ import annotations

from importlib import import_module
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

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rules' has no attribute {name!r}")
