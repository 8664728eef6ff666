"""The image's build stage builds from exactly the inputs the compiled build for tests and benchmarks
uses (build_support.compiled_rules), with the rules compiler switched on."""

from __future__ import annotations

import re

from build_support.compiled_rules import BUILD_INPUTS, ROOT

DOCKERFILE = ROOT / "Dockerfile"


def _stages() -> list[list[str]]:
    stages: list[list[str]] = []
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def _copied(stage: list[str]) -> set[str]:
    sources: set[str] = set()
    for line in stage:
        if line.startswith("COPY ") and "--from=" not in line:
            *names, _destination = line.split()[1:]
            sources |= set(names)
    return sources


def test_the_build_stage_copies_every_build_input_and_nothing_else() -> None:
    build, _runtime = _stages()
    assert _copied(build) == set(BUILD_INPUTS)
    assert all((ROOT / name).exists() for name in BUILD_INPUTS)


def test_the_build_stage_compiles_and_the_image_checks_it() -> None:
    build, runtime = _stages()
    assert any(re.search(r"\bWORKLIST_COMPILED_RULES=1\b", line) for line in build)
    assert any("pip wheel" in line for line in build)
    assert any("rules.build() != 'compiled'" in line for line in runtime)
    assert not _copied(runtime)  # the runtime stage installs the wheel, it has no source tree


def test_the_parser_reads_copy_sources() -> None:
    assert _copied(["COPY pyproject.toml setup.py ./", "COPY rules ./rules"]) == {
        "pyproject.toml", "setup.py", "rules"}
