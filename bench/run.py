"""Run every benchmark and write ``bench/RESULTS.md``: ``make bench`` or ``python -m bench.run``.

Each benchmark module exposes ``measure(quick: bool) -> list[Section]``. ``--quick`` shrinks every
corpus so the whole run takes a minute or two (for checking the harness, not for figures).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from rich.console import Console

from bench.common import Figure, Section

BENCHMARKS = ("bench_reader", "bench_rules", "bench_ingest", "bench_latency", "bench_hl7",
              "bench_scale", "bench_audit")
RESULTS = Path(__file__).with_name("RESULTS.md")
console = Console(stderr=True)


def _tool_version(command: list[str]) -> str:
    if shutil.which(command[0]) is None:
        return "not installed"
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def _versions() -> list[tuple[str, str]]:
    packages = ("pydicom", "pynetdicom", "hl7", "SQLAlchemy", "psycopg", "celery", "redis",
                "fastapi", "medspacy", "spacy")
    return [
        ("python", platform.python_version()),
        *((name, version(name)) for name in packages),
        ("dcmtk storescu", _tool_version(["storescu", "--version"])),
        ("orthanc", _tool_version(["Orthanc", "--version"])),
        ("postgresql", _tool_version(["psql", "--version"])),
        ("redis-server", _tool_version(["redis-server", "--version"])),
    ]


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _ratio(figure: Figure) -> str:
    ratio = figure.ratio
    return "-" if ratio is None else f"{ratio:.2f}x"


def render(sections: list[Section], started: datetime, elapsed: float, quick: bool) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` on {started:%Y-%m-%d %H:%M} UTC, in {elapsed / 60:.1f} minutes"
        + (" (**--quick**: small corpora, figures only check the harness)." if quick else "."),
        f"Machine: {os.cpu_count()} cores, {_cpu()}, {platform.system()} {platform.release()}.",
        "",
        "Ratios compare us with the peer measured in the same run; above 1x means we are faster.",
        "",
        "| benchmark | metric | ours | peer | ratio | target |",
        "|---|---|---:|---:|---:|---|",
    ]
    for section in sections:
        for figure in section.figures:
            lines.append(
                f"| {section.title} | {figure.metric} ({figure.unit}) | {_number(figure.ours)} "
                f"| {_number(figure.peer)} | {_ratio(figure)} | {figure.target} |"
            )
    lines += ["", "## Each benchmark", ""]
    for section in sections:
        lines += [f"### {section.title}", "", f"Peer: {section.peer}.", "",
                  f"Command: `{section.command}` ({section.seconds:.0f} s).", ""]
        lines += [f"- {note}" for note in section.notes]
        lines.append("")
    lines += ["## Versions", "", "| component | version |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in _versions()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small corpora; checks the harness")
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS, help="run these benchmarks only")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    started, clock = datetime.now(UTC), time.perf_counter()
    sections: list[Section] = []
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    for name in args.only or BENCHMARKS:
        console.rule(name)
        module = importlib.import_module(f"bench.{name}")
        begin = time.perf_counter()
        produced = module.measure(quick=args.quick)
        if cores is not None:
            os.sched_setaffinity(0, cores)  # a one-core benchmark must not pin the ones after it
        for section in produced:
            section.seconds = section.seconds or (time.perf_counter() - begin) / len(produced)
        sections += produced
    text = render(sections, started, time.perf_counter() - clock, args.quick)
    args.output.write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
