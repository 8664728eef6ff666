"""A compiled build of the package in a folder of its own, for the benchmark and the parity test.

It is the wheel the container image installs (``WORKLIST_COMPILED_RULES=1``, see ``setup.py``),
unpacked by ``pip install --target`` under ``build/compiled-rules/<digest of the sources>/`` and
reused while the sources are unchanged. A process started with ``environment(folder)`` imports the
compiled rules engine, and the rest of the package as built with it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "LICENSE", "build_support", "worklist",
                "dicom_io", "tasks", "rules")
"""What a build reads: the container image's build stage copies exactly these (a test checks)."""


class BuildFailed(RuntimeError):
    """The compiled build could not be made here (no C compiler, no package index...)."""


def compiled_modules(root: Path = ROOT) -> list[str]:
    """Dotted names of the modules a compiled build compiles (pyproject.toml, [tool.worklist])."""
    with (root / "pyproject.toml").open("rb") as f:
        paths: list[str] = tomllib.load(f)["tool"]["worklist"]["compiled-rules"]
    return [p.removesuffix(".py").removesuffix("/__init__").replace("/", ".") for p in paths]


def _input_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for name in BUILD_INPUTS:
        path = root / name
        found = sorted(path.rglob("*")) if path.is_dir() else [path]
        files += [f for f in found if f.is_file() and "__pycache__" not in f.parts]
    return files


def sources_digest(root: Path = ROOT) -> str:
    """Changes whenever a file that goes into the build changes."""
    digest = hashlib.sha256()
    for path in _input_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def compiled_build(root: Path = ROOT) -> Path:
    """The folder holding the compiled build of the current sources, built first if need be.

    Built from a copy of the build inputs only, as the image's build stage sees them, so that
    nothing else in the working tree (an earlier build, a virtualenv) can leak into it."""
    builds = root / "build" / "compiled-rules"
    folder = builds / sources_digest(root)
    if (folder / ".complete").exists():
        return folder
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="compiled-rules-") as stage:
        for path in _input_files(root):
            copy = Path(stage) / path.relative_to(root)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
             str(partial), stage],
            env={**os.environ, "WORKLIST_COMPILED_RULES": "1"},
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise BuildFailed(f"pip install of the compiled build failed:\n{done.stderr[-4000:]}")
    for stale in builds.iterdir():  # one build per source state is enough
        if stale.is_dir() and stale != partial:
            shutil.rmtree(stale, ignore_errors=True)
    partial.rename(folder)
    (folder / ".complete").touch()
    return folder


def environment(folder: Path) -> dict[str, str]:
    """Environment for a child process that runs the compiled build: the build first on the path,
    then the repository (for tests/ and bench/). Start the child with ``cwd=folder`` as well, so
    ``python -m`` does not put the repository's own interpreted package first."""
    path = [str(folder), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
