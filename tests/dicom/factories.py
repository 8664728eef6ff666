"""Synthetic DICOM objects for the tests, built with pydicom (no patient is real)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from dicom_io import sop_classes

STUDY_UID = "2.25.1000000000000000000000000000001"


def code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def _base(sop_class: str, modality: str, study_uid: str = STUDY_UID, **headers: str) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.SOPInstanceUID = headers.pop("sop_instance_uid", None) or generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = sop_class
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = modality
    ds.PatientName = "TEST^PATIENT"
    ds.PatientID = "TST-0001"
    ds.IssuerOfPatientID = "TESTSITE"
    ds.PatientBirthDate = "19650412"
    ds.PatientSex = "F"
    ds.StudyDate = "20260105"
    ds.StudyTime = "093000"
    ds.AccessionNumber = "ACC-1"
    ds.StudyDescription = headers.pop("study_description", "SCREEN MAMMO BIL")
    ds.SeriesDescription = headers.pop("series_description", "")
    ds.SeriesNumber = 1
    for keyword, value in headers.items():
        setattr(ds, keyword, value)
    return ds


def _pixels(ds: Dataset, rows: int, columns: int, frames: int = 1) -> None:
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = rows
    ds.Columns = columns
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.PixelData = bytes(rows * columns * 2 * frames)


VIEWS = {"CC": ("399162004", "cranio-caudal"), "MLO": ("399368009", "medio-lateral oblique"),
         "ML": ("399260004", "medio-lateral"), "SPECIMEN": ("127457009", "tissue specimen from breast")}
MODIFIERS = {"SPOT": ("399055006", "spot compression"), "MAG": ("399163009", "magnification")}


def mammogram(
    laterality: str = "R", view: str = "CC", modifiers: Sequence[str] = (), *,
    sop_class: str = sop_classes.MAMMOGRAPHY_PRESENTATION, size: int = 256, frames: int = 1,
    view_scheme: str = "SCT", **headers: str,
) -> Dataset:
    ds = _base(sop_class, "MG", **headers)
    ds.ImageLaterality = laterality
    ds.BodyPartExamined = "BREAST"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "TOMOSYNTHESIS" if frames > 1 else "", ""]
    view_item = code(*VIEWS[view][:1], view_scheme, VIEWS[view][1]) if view_scheme == "SCT" else (
        code({"CC": "R-10242", "MLO": "R-10226"}[view], "SRT", VIEWS[view][1]))
    view_item.ViewModifierCodeSequence = DicomSequence(
        [code(MODIFIERS[m][0], "SCT", MODIFIERS[m][1]) for m in modifiers]
    )
    ds.ViewCodeSequence = DicomSequence([view_item])
    _pixels(ds, size, size, frames)
    return ds


def tomosynthesis(laterality: str = "L", view: str = "MLO", frames: int = 8, size: int = 64,
                  **headers: str) -> Dataset:
    return mammogram(laterality, view, sop_class=sop_classes.BREAST_TOMOSYNTHESIS, frames=frames,
                     size=size, **headers)


def ultrasound(laterality: str = "L", **headers: str) -> Dataset:
    ds = _base(sop_classes.ULTRASOUND, "US", study_description="US BREAST LT", **headers)
    ds.ImageLaterality = laterality
    ds.BodyPartExamined = "BREAST"
    _pixels(ds, 64, 64)
    return ds


def ct_chest(**headers: str) -> Dataset:
    ds = _base(sop_classes.CT, "CT", study_description="CT CHEST W CONTRAST", **headers)
    ds.BodyPartExamined = "CHEST"
    _pixels(ds, 32, 32)
    return ds


def _sr_item(relationship: str, value_type: str, concept: Dataset, **values: object) -> Dataset:
    item = Dataset()
    item.RelationshipType = relationship
    item.ValueType = value_type
    item.ConceptNameCodeSequence = DicomSequence([concept])
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


def _sr(sop_class: str, title: Dataset, children: list[Dataset], template: str,
        **headers: str) -> Dataset:
    ds = _base(sop_class, "SR", **headers)
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.ConceptNameCodeSequence = DicomSequence([title])
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "VERIFIED"
    ds.ContentDate = "20260105"
    ds.ContentTime = "101500"
    template_item = Dataset()
    template_item.MappingResource = "DCMR"
    template_item.TemplateIdentifier = template
    ds.ContentTemplateSequence = DicomSequence([template_item])
    ds.ContentSequence = DicomSequence(children)
    return ds


def text_section(concept: Dataset, item_concept: Dataset, text: str) -> Dataset:
    container = _sr_item("CONTAINS", "CONTAINER", concept, ContinuityOfContent="SEPARATE")
    container.ContentSequence = DicomSequence([
        _sr_item("CONTAINS", "TEXT", item_concept, TextValue=text)
    ])
    return container


def basic_text_sr(findings: str, impression: str, *, predecessors: Sequence[str] = (),
                  **headers: str) -> Dataset:
    ds = _sr(
        sop_classes.BASIC_TEXT_SR, code("18748-4", "LN", "Diagnostic Imaging Report"),
        [
            text_section(code("121070", "DCM", "Findings"), code("121071", "DCM", "Finding"),
                         findings),
            text_section(code("121072", "DCM", "Impressions"), code("121073", "DCM", "Impression"),
                         impression),
        ],
        "2000", **headers,
    )
    if predecessors:
        reference_items = []
        for uid in predecessors:
            reference = Dataset()
            reference.ReferencedSOPClassUID = sop_classes.BASIC_TEXT_SR
            reference.ReferencedSOPInstanceUID = uid
            reference_items.append(reference)
        series = Dataset()
        series.SeriesInstanceUID = generate_uid()
        series.ReferencedSOPSequence = DicomSequence(reference_items)
        study = Dataset()
        study.StudyInstanceUID = ds.StudyInstanceUID
        study.ReferencedSeriesSequence = DicomSequence([series])
        ds.PredecessorDocumentsSequence = DicomSequence([study])
    return ds


def breast_imaging_sr(**headers: str) -> Dataset:
    """A TID 4200 Breast Imaging Report: narrative plus one coded mass finding, BI-RADS 4."""
    finding = _sr_item("CONTAINS", "CODE", code("121071", "DCM", "Finding"),
                       ConceptCodeSequence=DicomSequence([code("129788004", "SCT", "Mass")]))
    clock = _sr_item("HAS PROPERTIES", "CODE", code("111014", "DCM", "Clockface or region"),
                     ConceptCodeSequence=DicomSequence([code("129773009", "SCT", "2 o'clock")]))
    assessment = _sr_item("HAS PROPERTIES", "CODE", code("111005", "DCM", "Assessment Category"),
                          ConceptCodeSequence=DicomSequence([code("397144001", "SCT", "BI-RADS 4")]))
    # Legacy SNOMED-RT codes, as older systems send them: the reader maps them to SCT.
    laterality = _sr_item("HAS CONCEPT MOD", "CODE", code("G-C171", "SRT", "Laterality"),
                          ConceptCodeSequence=DicomSequence([code("T-04030", "SRT", "Left breast")]))
    measured = Dataset()
    measured.NumericValue = "42"
    measured.MeasurementUnitsCodeSequence = DicomSequence([code("mm", "UCUM", "millimeter")])
    distance = _sr_item("HAS PROPERTIES", "NUM", code("121242", "DCM", "Distance from nipple"),
                        MeasuredValueSequence=DicomSequence([measured]))
    finding.ContentSequence = DicomSequence([laterality, clock, assessment, distance])
    findings = _sr_item("CONTAINS", "CONTAINER", code("121070", "DCM", "Findings"),
                        ContinuityOfContent="SEPARATE")
    findings.ContentSequence = DicomSequence([finding])
    narrative = _sr_item("CONTAINS", "CONTAINER", code("111412", "DCM", "Narrative Summary"),
                         ContinuityOfContent="SEPARATE")
    narrative.ContentSequence = DicomSequence([
        text_section(code("59776-5", "LN", "Findings"), code("121071", "DCM", "Finding"),
                     "Irregular mass at 2 o'clock, left breast."),
        text_section(code("19005-8", "LN", "Impressions"), code("121073", "DCM", "Impression"),
                     "BI-RADS 4. Biopsy recommended."),
    ])
    return _sr(sop_classes.ENHANCED_SR, code("111400", "DCM", "Breast Imaging Report"),
               [narrative, findings], "4200", **headers)


def malformed_sr(**headers: str) -> Dataset:
    """A CODE content item without its Concept Code Sequence."""
    ds = basic_text_sr("x", "y", **headers)
    broken = Dataset()
    broken.RelationshipType = "CONTAINS"
    broken.ValueType = "CODE"
    broken.ConceptNameCodeSequence = DicomSequence([code("121071", "DCM", "Finding")])
    ds.ContentSequence.append(broken)
    return ds


def encapsulated_pdf(**headers: str) -> Dataset:
    ds = _base(sop_classes.ENCAPSULATED_PDF, "DOC", study_description="BREAST MRI OUTSIDE REPORT",
               **headers)
    ds.DocumentTitle = "Outside report"
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.EncapsulatedDocument = b"%PDF-1.4\n%synthetic\n" + bytes(100) + b"%%EOF\n"
    return ds


def write(ds: Dataset, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


def truncated_copy(source: Path, target: Path, cut: int = 200) -> Path:
    target.write_bytes(source.read_bytes()[:-cut])
    return target


def write_claiming(ds: Dataset, path: Path, sop_class: str) -> Path:
    """Write ``ds`` with file meta that claims another SOP class (what a confused sender sends)."""
    from io import BytesIO

    from pydicom.filewriter import write_file_meta_info

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    body = BytesIO()
    plain = ds.copy()
    del plain.file_meta
    plain.save_as(body, enforce_file_format=False, implicit_vr=False, little_endian=True)
    with path.open("wb") as target:
        target.write(b"\x00" * 128 + b"DICM")
        write_file_meta_info(target, meta, enforce_standard=True)  # type: ignore[arg-type]
        target.write(body.getvalue())
    return path
