"""The demo patients: short, fictional case stories that ``worklist demo`` renders as DICOM and
pushes to the listener, so a newcomer sees the worklist fill with realistic items."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dicom_io.synth import load_case

STORIES_DIR = Path(__file__).resolve().parent / "stories"


def story_paths() -> list[Path]:
    return sorted(STORIES_DIR.glob("*.yaml"))


def load_stories() -> list[dict[str, Any]]:
    return [load_case(path) for path in story_paths()]
