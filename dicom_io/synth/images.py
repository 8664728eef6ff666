"""Image events as header-only images: digital mammography, breast tomosynthesis and ultrasound.

Pixel data is a tiny constant frame (16 x 16) so files are valid and small; only the headers matter
to the product (DX/MG modules PS3.3 C.8.11, C.8.11.7 Mammography Image; US Image C.8.5.6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    BreastTomosynthesisImageStorage,
    DigitalMammographyXRayImageStorageForPresentation,
    UltrasoundImageStorage,
)

from dicom_io.synth.case import CaseError, Event, Patient, Study
from dicom_io.synth.codes import (
    BREAST,
    MODIFIER_LABELS,
    SPECIMEN_VIEW,
    VIEW_MODIFIERS,
    VIEWS,
    Coded,
)
from dicom_io.synth.header import base_dataset, code_item, code_sequence
from dicom_io.synth.uids import UidMaker

_ROWS = _COLUMNS = 16
_SOP_CLASSES = {
    "MG": DigitalMammographyXRayImageStorageForPresentation,
    "DBT": BreastTomosynthesisImageStorage,
    "US": UltrasoundImageStorage,
}
_STATIONS = {"MG": "SYN-MAMMO1", "DBT": "SYN-TOMO1", "US": "SYN-US1"}
# Patient Orientation (0020,0020) of a mammogram: row and column directions per view and side.
_ORIENTATION = {
    ("R", "CC"): ["A", "L"],
    ("L", "CC"): ["P", "R"],
    ("R", "XCCL"): ["A", "L"],
    ("L", "XCCL"): ["P", "R"],
    ("R", "MLO"): ["A", "FL"],
    ("L", "MLO"): ["P", "FR"],
    ("R", "ML"): ["A", "F"],
    ("L", "ML"): ["P", "F"],
    ("R", "LM"): ["P", "F"],
    ("L", "LM"): ["A", "F"],
}


@dataclass(frozen=True)
class ImageSpec:
    """One image file of an image event."""

    modality: str
    """MG, DBT or US (DBT images carry Modality MG and the tomosynthesis SOP class)."""
    side: str
    view: str | None
    modifiers: tuple[str, ...]
    specimen: bool

    def file_label(self) -> str:
        if self.modality == "US":
            return f"US-{self.side}"
        view = "SPECIMEN" if self.specimen else (self.view or "")
        labels = "".join(f"-{MODIFIER_LABELS[m]}" for m in self.modifiers)
        return f"{self.modality}-{self.side}{view}{labels}"

    def series_description(self) -> str:
        if self.modality == "US":
            return f"{self.side} BREAST"
        if self.specimen:
            return f"{self.side} SPECIMEN"
        labels = "".join(f" {MODIFIER_LABELS[m]}" for m in self.modifiers)
        return f"{self.side} {self.view}{labels}"


def sop_class_of(spec: ImageSpec) -> str:
    return str(_SOP_CLASSES[spec.modality])


def image_specs(event: Event) -> list[ImageSpec]:
    """The files an image event stands for, right breast before left."""
    modality = str(event.get("modality", "MG")).upper()
    if modality not in _SOP_CLASSES:
        raise CaseError(f"unknown image modality {modality!r}")
    laterality = str(event.get("laterality", "B")).upper()
    sides = ["R", "L"] if laterality == "B" else [laterality]
    modifiers = tuple(str(m) for m in event.get("modifiers", ()))
    for modifier in modifiers:
        if modifier not in VIEW_MODIFIERS:
            raise CaseError(f"unknown view modifier {modifier!r}")
    count = int(event.get("count", 1))
    specs: list[ImageSpec] = []
    for side in sides:
        if modality == "US":
            specs += [ImageSpec(modality, side, None, (), False)] * count
        elif event.get("specimen"):
            specs += [ImageSpec(modality, side, None, modifiers, True)] * count
        else:
            for view in event.get("views") or ["CC", "MLO"]:
                if view not in VIEWS:
                    raise CaseError(f"unknown view {view!r}")
                specs.append(ImageSpec(modality, side, str(view), modifiers, False))
    return specs


def render_image(
    spec: ImageSpec,
    *,
    event: Event,
    event_index: int,
    file_index: int,
    patient: Patient,
    study: Study,
    made: datetime,
    referrer: str,
    uids: UidMaker,
) -> Dataset:
    ds = base_dataset(
        sop_class=sop_class_of(spec),
        sop_instance=uids.instance(event_index, file_index),
        modality="US" if spec.modality == "US" else "MG",
        patient=patient,
        study=study,
        series_uid=uids.series(event_index, file_index),
        series_number=event_index,
        instance_number=file_index,
        made=made,
        institution=str(event.get("institution") or study.institution),
        series_description=str(event.get("series_description") or spec.series_description()),
        referrer=referrer,
    )
    ds.AcquisitionDateTime = made.strftime("%Y%m%d%H%M%S")
    ds.StationName = _STATIONS[spec.modality]
    ds.ManufacturerModelName = f"Synthetic {spec.modality}"
    ds.AnatomicRegionSequence = code_sequence(BREAST)
    ds.BodyPartExamined = "BREAST"
    ds.ImageLaterality = spec.side
    if spec.modality == "US":
        _ultrasound(ds, spec)
    else:
        _mammography(ds, spec)
    return ds


def _mammography(ds: Dataset, spec: ImageSpec) -> None:
    tomosynthesis = spec.modality == "DBT"
    ds.ImageType = [
        "ORIGINAL",
        "PRIMARY",
        "TOMOSYNTHESIS" if tomosynthesis else "",
        "NONE" if tomosynthesis else "",
    ]
    ds.PresentationIntentType = "FOR PRESENTATION"
    ds.PositionerType = "MAMMOGRAPHIC"
    ds.DetectorType = "DIRECT"
    ds.KVP = "29"
    ds.ImagerPixelSpacing = ["0.07", "0.07"]
    ds.PixelSpacing = ["0.07", "0.07"]
    ds.BodyPartThickness = "48"
    ds.CompressionForce = "90"
    ds.OrganExposed = "BREAST"
    ds.BreastImplantPresent = "NO"
    ds.PartialView = "NO"
    ds.BurnedInAnnotation = "NO"
    view = SPECIMEN_VIEW if spec.specimen else VIEWS[spec.view or "CC"]
    if not spec.specimen and spec.view:
        ds.ViewPosition = spec.view
        ds.PatientOrientation = _ORIENTATION.get((spec.side, spec.view), ["A", "F"])
    ds.ViewCodeSequence = Sequence([_view_item(view, spec.modifiers)])
    if tomosynthesis:
        ds.NumberOfFrames = 1
    _pixels(ds, bits=16, stored=12)


def _view_item(view: Coded, modifiers: tuple[str, ...]) -> Dataset:
    # View modifiers sit inside the view code item (PS3.3 C.8.11.7, View Code Sequence macro).
    item = code_item(view)
    if modifiers:
        item.ViewModifierCodeSequence = Sequence([code_item(VIEW_MODIFIERS[m]) for m in modifiers])
    return item


def _ultrasound(ds: Dataset, spec: ImageSpec) -> None:
    ds.ImageType = ["ORIGINAL", "PRIMARY", "", "0001"]
    ds.Laterality = spec.side
    _pixels(ds, bits=8, stored=8)


def _pixels(ds: Dataset, *, bits: int, stored: int) -> None:
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = _ROWS
    ds.Columns = _COLUMNS
    ds.BitsAllocated = bits
    ds.BitsStored = stored
    ds.HighBit = stored - 1
    ds.PixelRepresentation = 0
    frames = int(ds.get("NumberOfFrames", 1))
    ds.PixelData = bytes(_ROWS * _COLUMNS * (bits // 8) * frames)
