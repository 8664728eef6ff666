"""``worklist read``: what the report reader finds in a report, with its evidence sentences."""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from worklist.cases.codec import to_json

_FACT_GROUPS = ("findings", "assessments", "recommendations", "procedures", "correspondences",
                "not_feasible", "pathology", "concordance", "palpable", "completed_steps", "corrections")


def _facts_of(source: str) -> Any:
    from rules.reader import read_report, read_text

    path = Path(source)
    if path.is_file():
        raw = path.read_bytes()
        if raw[128:132] == b"DICM":
            from dicom_io.readers.objects import UnreadableObject, read_object

            try:
                result = read_object(path)
            except UnreadableObject as error:
                raise typer.BadParameter(str(error)) from None
            if result.report is None:
                raise typer.BadParameter("this DICOM object is not a machine-readable report")
            return read_report(result.report)
        return read_text(raw.decode("utf-8", errors="replace"), uid=path.name)
    if _names_a_file(source):
        raise typer.BadParameter(f"{source}: no such file (to read text, pass the report's words)")
    return read_text(source)


def _names_a_file(source: str) -> bool:
    """One word with a folder separator or a file extension is a path, not a report: reading it
    as report text would print an empty reading of a typo'd file name."""
    if not source.strip() or any(c.isspace() for c in source.strip()):
        return False
    path = Path(source.strip())
    return "/" in source or "\\" in source or bool(path.suffix) or path.exists()


def _describe(fact: Any) -> str:
    parts = []
    for field in fields(fact):
        value = getattr(fact, field.name)
        if field.name == "evidence" or value in (None, (), False, "") or (
            is_dataclass(value) and not any(v is not None for v in to_json(value).values())
        ):
            continue
        shown = to_json(value)
        if isinstance(shown, dict):
            shown = ", ".join(f"{k} {v}" for k, v in shown.items() if v is not None)
        parts.append(f"{field.name}: {shown}")
    return "; ".join(parts)


def read(
    source: str = typer.Argument(..., help="A DICOM SR file, a text file, or report text."),
    as_json: bool = typer.Option(False, "--json", help="Print the facts as JSON."),
) -> None:
    """Print the facts read from a report, each with the sentence it came from."""
    facts = _facts_of(source)
    if as_json:
        typer.echo(json.dumps(to_json(facts), indent=2))
        return
    console = Console()
    console.print(f"[bold]{facts.kind.value} report[/]"
                  + (f", composition {facts.composition.value}" if facts.composition else ""))
    for group in _FACT_GROUPS:
        for fact in getattr(facts, group):
            console.print(f"[cyan]{group}[/] {_describe(fact)}", highlight=False)
            console.print(f"    [dim]\u201c{fact.evidence.text}\u201d[/]", highlight=False)
    for evidence in facts.outside_priors_received:
        console.print("[cyan]outside priors on hand[/]", highlight=False)
        console.print(f"    [dim]\u201c{evidence.text}\u201d[/]", highlight=False)
