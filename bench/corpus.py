"""A deterministic DICOM corpus for the ingest benchmark, generated once and cached.

Studies are screening mammograms as a modality sends them: four Digital Mammography X-Ray (For
Presentation) views, optionally breast tomosynthesis objects (multi-frame, with per-frame
functional groups), and one report (Basic Text SR, every fourth an Enhanced SR TID 4200). Headers
come from the product's own synthetic renderer (``dicom_io.synth``); pixels are seeded noise, sent
uncompressed. Patients are obviously fake (``ZZBENCH^...``). The same spec gives the same bytes, so
a cached corpus under ``bench/.corpus/`` is reused until the spec or this generator changes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import BasicTextSRStorage, EnhancedSRStorage

from dicom_io.synth.basic_text import sections_content
from dicom_io.synth.case import Patient, Study
from dicom_io.synth.codes import BREAST_IMAGING_REPORT, DOCUMENT_TITLES
from dicom_io.synth.enhanced import tid4200_content
from dicom_io.synth.header import base_dataset
from dicom_io.synth.images import ImageSpec, render_image, sop_class_of
from dicom_io.synth.sr_content import Reference, document_header, observation_context
from dicom_io.synth.uids import UidMaker

CACHE = Path(__file__).with_name(".corpus")
GENERATOR_VERSION = 1
"""Bump when the bytes this module writes change, so cached corpora are rebuilt."""
_VIEWS = (("R", "CC"), ("L", "CC"), ("R", "MLO"), ("L", "MLO"))
_DAY0 = date(2026, 1, 5)
_INSTITUTION = "Bench Synthetic Breast Centre"
_READER = "ZZREADER^Synthetic"
_FINDINGS = (
    "Scattered fibroglandular densities. No suspicious mass, distortion or calcification.",
    "Stable benign-appearing calcifications in the right breast. No new mass.",
    "Heterogeneously dense breasts, which may obscure small masses. No suspicious finding.",
    "Oval circumscribed mass in the left upper outer quadrant, unchanged from prior.",
)
_IMPRESSIONS = (
    "BI-RADS 1: negative. Routine screening in 12 months.",
    "BI-RADS 2: benign. Routine screening in 12 months.",
    "BI-RADS 3: probably benign. Short-interval follow-up in 6 months.",
)


@dataclass(frozen=True)
class CorpusSpec:
    name: str
    studies: int
    rows: int
    columns: int
    dbt_objects: int = 0
    """Tomosynthesis objects, one each in the first studies (a DBT screening adds them)."""
    dbt_frames: int = 0
    dbt_rows: int = 0
    dbt_columns: int = 0
    seed: int = 20260105

    @property
    def key(self) -> str:
        text = json.dumps({**asdict(self), "version": GENERATOR_VERSION}, sort_keys=True)
        return f"{self.name}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class Corpus:
    spec: CorpusSpec
    root: Path
    studies: list[list[Path]]
    """The files of each study, in sending order (images first, the report last)."""
    total_bytes: int

    @property
    def files(self) -> list[Path]:
        return [path for study in self.studies for path in study]

    def lanes(self, count: int) -> list[list[Path]]:
        """Studies dealt round-robin to ``count`` senders, whole studies each."""
        lanes: list[list[Path]] = [[] for _ in range(count)]
        for index, study in enumerate(self.studies):
            lanes[index % count].extend(study)
        return [lane for lane in lanes if lane]


def ensure(spec: CorpusSpec, cache: Path = CACHE) -> Corpus:
    """The corpus for ``spec``, generated on first use; the manifest is written last, so a run
    interrupted half-way is regenerated rather than used."""
    root = cache / spec.key
    manifest = root / "manifest.json"
    if not manifest.exists():
        if root.exists():
            shutil.rmtree(root)
        for stale in cache.glob(f"{spec.name}-*"):  # an older generator's corpus of this name
            shutil.rmtree(stale, ignore_errors=True)
        _generate(spec, root)
    listing = json.loads(manifest.read_text())
    studies = [[root / name for name in study] for study in listing["studies"]]
    return Corpus(spec, root, studies, int(listing["total_bytes"]))


def _generate(spec: CorpusSpec, root: Path) -> None:
    rng = np.random.default_rng(spec.seed)
    mg_base = _noise(rng, spec.rows, spec.columns)
    dbt_base = _noise(rng, spec.dbt_rows, spec.dbt_columns) if spec.dbt_objects else None
    studies: list[list[str]] = []
    total = 0
    for number in range(spec.studies):
        folder = f"study-{number:05d}"
        (root / folder).mkdir(parents=True, exist_ok=True)
        names = []
        for index, ds in enumerate(_study(spec, number, mg_base, dbt_base)):
            name = f"{folder}/{index:02d}-{ds.Modality}.dcm"
            ds.save_as(root / name, enforce_file_format=True)
            total += (root / name).stat().st_size
            names.append(name)
        studies.append(names)
    (root / "manifest.json").write_text(json.dumps({"studies": studies, "total_bytes": total}))


def _noise(rng: np.random.Generator, rows: int, columns: int) -> np.ndarray:
    # 12-bit noise: incompressible like real detector data, and cheap to vary per instance.
    return rng.integers(0, 4096, size=(rows, columns), dtype=np.uint16)


def _pixels(base: np.ndarray, shift: int) -> bytes:
    return np.roll(base, shift, axis=1).tobytes()


def _study(
    spec: CorpusSpec, number: int, mg_base: np.ndarray, dbt_base: np.ndarray | None
) -> Iterator[Dataset]:
    uids = UidMaker(case_id=f"{spec.name}-{number}", run_tag=f"bench-ingest-{spec.seed}")
    started = datetime.combine(_DAY0 + timedelta(days=number // 40), datetime.min.time()) + \
        timedelta(hours=8, minutes=(number % 40) * 12)
    patient = Patient(patient_id=f"ZZBENCH{number:06d}", name=f"ZZBENCH^Synthetic{number:06d}",
                      birth_date=date(1950 + number % 30, 1 + number % 12, 1 + number % 28),
                      sex="F", issuer="BENCH")
    study = Study(key="screening", uid=uids.study("screening"), accession=f"ZZB{number:07d}",
                  description="SCREENING MAMMOGRAPHY BILATERAL", number=1, started=started,
                  institution=_INSTITUTION)
    evidence = []
    file_index = 0
    images: list[tuple[ImageSpec, np.ndarray, int]] = [
        (ImageSpec("MG", side, view, (), False), mg_base, 1) for side, view in _VIEWS
    ]
    if number < spec.dbt_objects and dbt_base is not None:
        images.append((ImageSpec("DBT", "R" if number % 2 == 0 else "L", "CC", (), False),
                       dbt_base, spec.dbt_frames))
    for spec_image, base, frames in images:
        file_index += 1
        ds = render_image(spec_image, event={}, event_index=1, file_index=file_index,
                          patient=patient, study=study,
                          made=started + timedelta(minutes=file_index),
                          referrer="ZZREFERRER^Synthetic", uids=uids)
        _set_pixels(ds, base, frames, shift=number * 7 + file_index)
        evidence.append(Reference(study.uid, str(ds.SeriesInstanceUID), sop_class_of(spec_image),
                                  str(ds.SOPInstanceUID)))
        yield ds
    yield _report(number, uids, patient, study, started + timedelta(hours=2), evidence)


def _set_pixels(ds: Dataset, base: np.ndarray, frames: int, shift: int) -> None:
    rows, columns = base.shape
    ds.Rows, ds.Columns = rows, columns
    if frames > 1:
        ds.NumberOfFrames = frames
        _functional_groups(ds, frames)
        ds.PixelData = b"".join(_pixels(base, shift + frame) for frame in range(frames))
    else:
        ds.PixelData = _pixels(base, shift)


def _functional_groups(ds: Dataset, frames: int) -> None:
    """Per-frame plane positions, as reconstructed tomosynthesis slices carry them (C.7.6.16)."""
    measures = Dataset()
    measures.PixelSpacing = ["0.1", "0.1"]
    measures.SliceThickness = "1"
    shared = Dataset()
    shared.PixelMeasuresSequence = Sequence([measures])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    per_frame = []
    for frame in range(frames):
        content = Dataset()
        content.InStackPositionNumber = frame + 1
        content.DimensionIndexValues = [1, frame + 1]
        position = Dataset()
        position.ImagePositionPatient = ["0", "0", f"{frame:.1f}"]
        item = Dataset()
        item.FrameContentSequence = Sequence([content])
        item.PlanePositionSequence = Sequence([position])
        per_frame.append(item)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)


def _report(
    number: int, uids: UidMaker, patient: Patient, study: Study, made: datetime,
    evidence: list[Reference],
) -> Dataset:
    enhanced = number % 4 == 3
    ds = base_dataset(
        sop_class=EnhancedSRStorage if enhanced else BasicTextSRStorage,
        sop_instance=uids.instance(2, 1), modality="SR", patient=patient, study=study,
        series_uid=uids.series(2, 1), series_number=2, instance_number=1, made=made,
        institution=_INSTITUTION, series_description="MAMMOGRAPHY REPORT",
        referrer="ZZREFERRER^Synthetic",
    )
    document_header(
        ds, title=BREAST_IMAGING_REPORT if enhanced else DOCUMENT_TITLES["mammo-screening"],
        template="4200" if enhanced else "2000", author=_READER, organisation=_INSTITUTION,
        verified=made, evidence=evidence, predecessor=None,
    )
    findings, impression = _FINDINGS[number % 4], _IMPRESSIONS[number % 3]
    narrative = [("Findings", findings), ("Impression", impression)]
    if enhanced:
        body = tid4200_content({
            "narrative": dict(narrative),
            "procedure": {"type": "mammogram"},
            "composition": "ABCD"[number % 4],
            "overall": [{"laterality": side, "birads": str(1 + number % 3)} for side in "RL"],
        })
    else:
        body = sections_content(narrative)
    ds.ContentSequence = Sequence(observation_context(_READER) + body)
    return ds
