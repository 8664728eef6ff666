"""A whole case rendered: each event's objects, in event order, as datasets or Part-10 files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pydicom import dcmwrite
from pydicom.dataset import Dataset

from dicom_io.synth.case import (
    Case,
    CaseError,
    acquisition_moment,
    patient_of,
    plan_studies,
    study_key,
)
from dicom_io.synth.images import ImageSpec, image_specs, render_image, sop_class_of
from dicom_io.synth.reports import is_enhanced, render_report
from dicom_io.synth.sr_content import Reference
from dicom_io.synth.uids import DEFAULT_ROOT, UidMaker


@dataclass(frozen=True)
class RenderedEvent:
    """One event of a case: what a PACS would send in one association."""

    index: int
    """1-based position in the case's events (the ``EEE`` of file names)."""
    day: int
    kind: str
    study: str
    datasets: list[Dataset] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    """Part-10 file names, ``EEE-FF-<what>.dcm``, one per dataset."""


def render_case(
    case: Case, day0: date | None = None, *, uid_root: str = DEFAULT_ROOT, run_tag: str = ""
) -> list[RenderedEvent]:
    """Render every event of ``case`` with day 0 = ``day0`` (default: today). Deterministic: the
    same case, day 0, root and run tag give the same UIDs and bytes."""
    day0 = day0 or date.today()
    uids = UidMaker(str(case["id"]), uid_root, run_tag)
    patient = patient_of(case, day0)
    studies = plan_studies(case, day0, uids)
    referrer = str(case.get("referrer", ""))
    events = list(case["events"])

    specs: dict[int, list[ImageSpec]] = {}
    evidence: dict[str, list[Reference]] = {}
    for index, event in enumerate(events, start=1):
        if event.get("kind") == "image":
            specs[index] = image_specs(event)
            study = studies[study_key(case, event, index)]
            evidence.setdefault(study.key, []).extend(
                Reference(
                    study.uid, uids.series(index, n), sop_class_of(spec), uids.instance(index, n)
                )
                for n, spec in enumerate(specs[index], start=1)
            )

    rendered: list[RenderedEvent] = []
    for index, event in enumerate(events, start=1):
        study = studies[study_key(case, event, index)]
        made = acquisition_moment(event, index, day0)
        kind = str(event.get("kind"))
        if kind == "image":
            datasets = [
                render_image(
                    spec,
                    event=event,
                    event_index=index,
                    file_index=n,
                    patient=patient,
                    study=study,
                    made=made,
                    referrer=referrer,
                    uids=uids,
                )
                for n, spec in enumerate(specs[index], start=1)
            ]
            labels = [spec.file_label() for spec in specs[index]]
        elif kind == "report":
            datasets = [
                render_report(
                    case,
                    event,
                    index=index,
                    patient=patient,
                    study=study,
                    studies=studies,
                    made=made,
                    evidence=evidence.get(study.key, []),
                    referrer=referrer,
                    uids=uids,
                )
            ]
            labels = ["SR-ENHANCED" if is_enhanced(event) else "SR-BASIC"]
        else:
            raise CaseError(f"case {case.get('id')} event {index}: unknown kind {kind!r}")
        names = [f"{index:03d}-{n:02d}-{label}.dcm" for n, label in enumerate(labels, start=1)]
        rendered.append(RenderedEvent(index, int(event["day"]), kind, study.key, datasets, names))
    return rendered


def write_case(
    case: Case,
    day0: date | None,
    folder: Path | str,
    *,
    uid_root: str = DEFAULT_ROOT,
    run_tag: str = "",
) -> list[Path]:
    """Render ``case`` and write its Part-10 files into ``folder``; returns the paths in event
    order."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for event in render_case(case, day0, uid_root=uid_root, run_tag=run_tag):
        for name, dataset in zip(event.names, event.datasets, strict=True):
            path = target / name
            dcmwrite(path, dataset, enforce_file_format=True)
            paths.append(path)
    return paths
