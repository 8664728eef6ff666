"""Image headers to ``ImageRecord``: modality, laterality, view, view modifiers, specimen, guidance.

Only header elements are read; the caller opens files with ``stop_before_pixels``. Views and
modifiers are read from their codes (CID 4014, CID 4015); the View Position text (0018,5101) is a
fallback for headers without a View Code Sequence.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pydicom.dataset import Dataset

from dicom_io import sop_classes
from dicom_io.readers.codes import all_codes, first_code
from dicom_io.readers.headers import parse_datetime, parse_dt, text
from rules.anatomy import Laterality
from rules.codes import Code, sct
from rules.documents import ImageRecord, Modality, View, ViewModifier

# CID 4014 View for Mammography.
VIEW_CODES: Final[dict[Code, View]] = {
    sct("399162004", "cranio-caudal"): View.CC,
    sct("399368009", "medio-lateral oblique"): View.MLO,
    sct("399260004", "medio-lateral"): View.ML,
    sct("399352003", "latero-medial"): View.LM,
    sct("399192008", "cranio-caudal exaggerated laterally"): View.XCCL,
}
SPECIMEN_VIEW: Final = sct("127457009", "tissue specimen from breast")
"""CID 4014: the view code of a specimen radiograph."""
SPECIMEN_RADIOGRAPHY: Final = sct("80865008", "specimen radiography of breast")
"""A procedure code that marks a specimen radiograph."""

# CID 4015 View Modifier for Mammography.
MODIFIER_CODES: Final[dict[Code, ViewModifier]] = {
    sct("399055006", "spot compression"): ViewModifier.SPOT_COMPRESSION,
    sct("399163009", "magnification"): ViewModifier.MAGNIFICATION,
    sct("399110001", "tangential"): ViewModifier.TANGENTIAL,
    sct("399209000", "implant displaced"): ViewModifier.IMPLANT_DISPLACED,
}

_VIEW_POSITIONS: Final = {view.value: view for view in View if view is not View.OTHER}
_LATERALITIES: Final = {"L": Laterality.LEFT, "R": Laterality.RIGHT, "B": Laterality.BOTH}
_TOMOSYNTHESIS_CLASSES: Final = frozenset({sop_classes.BREAST_TOMOSYNTHESIS})
_MAMMOGRAPHY_CLASSES: Final = frozenset({
    sop_classes.MAMMOGRAPHY_PRESENTATION, sop_classes.MAMMOGRAPHY_PROCESSING,
    sop_classes.BREAST_PROJECTION_PRESENTATION, sop_classes.BREAST_PROJECTION_PROCESSING,
})


def read_image(dataset: Dataset) -> ImageRecord:
    view_code = first_code(dataset, "ViewCodeSequence")
    specimen = view_code == SPECIMEN_VIEW or SPECIMEN_RADIOGRAPHY in all_codes(
        dataset, "ProcedureCodeSequence"
    )
    modality = image_modality(dataset)
    return ImageRecord(
        sop_instance_uid=text(dataset, "SOPInstanceUID"),
        study_uid=text(dataset, "StudyInstanceUID"),
        acquired_at=acquired_at(dataset),
        modality=modality,
        laterality=image_laterality(dataset),
        view=None if specimen else _view(dataset, view_code),
        modifiers=view_modifiers(dataset),
        specimen=specimen,
        biopsy_guidance=None if specimen else _biopsy_guidance(dataset, modality),
        study_description=text(dataset, "StudyDescription"),
        series_description=text(dataset, "SeriesDescription"),
        outside_prior=_outside_prior(dataset),
        institution=text(dataset, "InstitutionName"),
    )


def image_modality(dataset: Dataset) -> Modality:
    sop_class = text(dataset, "SOPClassUID")
    image_type = {part.upper() for part in text(dataset, "ImageType").split("\\")}
    if sop_class in _TOMOSYNTHESIS_CLASSES or (
        sop_class in _MAMMOGRAPHY_CLASSES and "TOMOSYNTHESIS" in image_type
    ):
        return Modality.DBT
    if sop_class in _MAMMOGRAPHY_CLASSES:
        return Modality.MG
    modality = text(dataset, "Modality").upper()
    try:
        return Modality(modality)
    except ValueError:
        return Modality.OTHER


def image_laterality(dataset: Dataset) -> Laterality | None:
    """Image Laterality (0020,0062), else the series Laterality (0020,0060), else the frame's."""
    for keyword in ("ImageLaterality", "Laterality"):
        value = text(dataset, keyword).upper()
        if value in _LATERALITIES:
            return _LATERALITIES[value]
    for group in dataset.get("SharedFunctionalGroupsSequence") or ():
        for anatomy in group.get("FrameAnatomySequence") or ():
            value = text(anatomy, "FrameLaterality").upper()
            if value in _LATERALITIES:
                return _LATERALITIES[value]
    return None


def _view(dataset: Dataset, view_code: Code | None) -> View | None:
    if view_code is not None:
        return VIEW_CODES.get(view_code, View.OTHER)
    position = text(dataset, "ViewPosition").upper()
    return _VIEW_POSITIONS.get(position) if position else None


def view_modifiers(dataset: Dataset) -> frozenset[ViewModifier]:
    """Modifiers nested in the view item (the IOD's place for them) or at the top level."""
    codes = list(all_codes(dataset, "ViewModifierCodeSequence"))
    for view_item in dataset.get("ViewCodeSequence") or ():
        codes.extend(all_codes(view_item, "ViewModifierCodeSequence"))
    return frozenset(MODIFIER_CODES[code] for code in codes if code in MODIFIER_CODES)


def acquired_at(dataset: Dataset) -> datetime | None:
    return (
        parse_dt(dataset, "AcquisitionDateTime")
        or parse_datetime(dataset, "AcquisitionDate", "AcquisitionTime")
        or parse_datetime(dataset, "ContentDate", "ContentTime")
        or parse_datetime(dataset, "SeriesDate", "SeriesTime")
        or parse_datetime(dataset, "StudyDate", "StudyTime")
    )


def _descriptions(dataset: Dataset) -> str:
    keywords = ("StudyDescription", "SeriesDescription", "PerformedProcedureStepDescription",
                "RequestedProcedureDescription", "ProtocolName")
    return " ".join(text(dataset, keyword).upper() for keyword in keywords)


def _biopsy_guidance(dataset: Dataset, modality: Modality) -> str | None:
    """``stereotactic`` or ``tomosynthesis`` for images acquired to guide a biopsy.

    No standard code marks a guidance image, so the study and series descriptions decide
    (vendors write ``STEREO``, ``STEREOTACTIC``, ``TOMO GUIDED BX``).
    """
    words = set(_descriptions(dataset).replace("-", " ").replace("/", " ").split())
    if words & {"STEREO", "STEREOTACTIC", "STX"}:
        return "stereotactic"
    biopsy = bool(words & {"BX", "BIOPSY", "CORE", "VAB", "GUIDED"})
    if biopsy and (modality is Modality.DBT or words & {"TOMO", "TOMOSYNTHESIS", "DBT"}):
        return "tomosynthesis"
    return None


def _outside_prior(dataset: Dataset) -> bool:
    """An outside study imported into this PACS: its attributes were coerced on import
    (Original Attributes Sequence, PS3.3 C.12.1) or its descriptions say so."""
    for item in dataset.get("OriginalAttributesSequence") or ():
        if text(item, "ReasonForTheAttributeModification").upper() == "COERCE":
            return True
    words = set(_descriptions(dataset).split())
    return bool(words & {"OUTSIDE", "OSH", "IMPORTED"})
