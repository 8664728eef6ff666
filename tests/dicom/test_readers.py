"""The readers: image headers, SR content trees, scope. Synthesized objects plus shared examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicom_io.readers.objects import ObjectKind, UnreadableObject, read_object
from rules.anatomy import Laterality
from rules.codes import dcm, sct
from rules.documents import Modality, ValueType, View, ViewModifier
from tests.conftest import SHARED_EXAMPLES
from tests.dicom import factories

EXAMPLES = SHARED_EXAMPLES / "dicom"


def test_mammogram_views_modifiers_and_headers() -> None:
    result = read_object(factories.mammogram("L", "MLO", ["SPOT", "MAG"]))
    assert result.kind is ObjectKind.IMAGE and result.in_scope
    image = result.image
    assert image is not None
    assert (image.modality, image.laterality, image.view) == (Modality.MG, Laterality.LEFT, View.MLO)
    assert image.modifiers == {ViewModifier.SPOT_COMPRESSION, ViewModifier.MAGNIFICATION}
    assert not image.specimen and image.biopsy_guidance is None
    assert result.patient.patient_id == "TST-0001" and result.patient.issuer == "TESTSITE"
    assert result.patient.birth_date is not None and result.patient.birth_date.year == 1965
    assert result.study.accession == "ACC-1" and result.study.study_uid == factories.STUDY_UID
    assert result.body_part.examined == "BREAST"


def test_legacy_srt_view_code_is_read_as_sct() -> None:
    image = read_object(factories.mammogram("R", "CC", view_scheme="SRT")).image
    assert image is not None and image.view is View.CC


def test_specimen_tomosynthesis_and_biopsy_guidance() -> None:
    specimen = read_object(factories.mammogram("L", "SPECIMEN")).image
    assert specimen is not None and specimen.specimen and specimen.view is None
    dbt = read_object(factories.tomosynthesis(study_description="TOMO GUIDED BX LT")).image
    assert dbt is not None and dbt.modality is Modality.DBT and dbt.biopsy_guidance == "tomosynthesis"
    stereo = read_object(factories.mammogram(study_description="STEREO CORE RT")).image
    assert stereo is not None and stereo.biopsy_guidance == "stereotactic"
    us = read_object(factories.ultrasound("R")).image
    assert us is not None and us.modality is Modality.US and us.laterality is Laterality.RIGHT


def test_an_image_keeps_its_institution_and_an_import_mark() -> None:
    """The rules tell an outside prior by who made it (Institution Name) or by the import mark."""
    image = read_object(factories.mammogram(InstitutionName="Riverbend Radiology")).image
    assert image is not None and image.institution == "Riverbend Radiology" and not image.outside_prior
    unnamed = read_object(factories.mammogram()).image
    assert unnamed is not None and unnamed.institution == ""
    imported = read_object(factories.mammogram(study_description="OUTSIDE MAMMO BIL")).image
    assert imported is not None and imported.outside_prior


def test_basic_text_sr_sections_flags_and_predecessors() -> None:
    result = read_object(factories.basic_text_sr("Mass at 2 o'clock.", "BI-RADS 4.",
                                                 predecessors=["1.2.3.4"]))
    report = result.report
    assert result.kind is ObjectKind.REPORT and report is not None
    assert [(s.heading, s.text) for s in report.sections] == [
        ("Findings", "Mass at 2 o'clock."), ("Impression", "BI-RADS 4.")
    ]
    assert report.predecessor_uids == ("1.2.3.4",)
    assert report.complete and report.verified and report.template_id == "2000"


def test_tid_4200_coded_content_with_srt_translated() -> None:
    report = read_object(factories.breast_imaging_sr()).report
    assert report is not None and report.template_id == "4200"
    assert report.title == dcm("111400")
    assert [s.heading for s in report.sections] == ["Findings", "Impression"]
    finding = next(i for i in report.content.walk() if i.concept == dcm("121071")
                   and i.value_type is ValueType.CODE)
    properties = {child.concept: child for child in finding.children}
    assert finding.code == sct("129788004")
    assert properties[dcm("111005")].code == sct("397144001")
    assert properties[sct("272741003")].code == sct("80248007"), "SRT laterality mapped to SCT"
    distance = properties[dcm("121242")]
    assert distance.number == 42.0 and distance.unit is not None and distance.unit.value == "mm"


def test_malformed_sr_is_refused_with_a_reason() -> None:
    with pytest.raises(UnreadableObject, match="Concept Code"):
        read_object(factories.malformed_sr())


def test_pdf_is_a_document_not_machine_readable_and_ct_chest_is_out_of_scope() -> None:
    pdf = read_object(factories.encapsulated_pdf())
    assert pdf.kind is ObjectKind.DOCUMENT and not pdf.machine_readable and pdf.in_scope
    ct = read_object(factories.ct_chest())
    assert ct.out_of_scope and "CHEST" in ct.scope_reason
    pathology = read_object(factories.basic_text_sr("Benign.", "Fibroadenoma.",
                                                    study_description="SURGICAL PATHOLOGY"))
    assert pathology.in_scope, "a report that names no body part is kept"


def test_truncated_file_is_unreadable(tmp_path: Path) -> None:
    path = factories.write(factories.basic_text_sr("a", "b"), tmp_path / "sr.dcm")
    cut = factories.truncated_copy(path, tmp_path / "cut.dcm", cut=400)
    with pytest.raises(UnreadableObject):
        read_object(cut)


def test_shared_examples_read_as_their_names_say() -> None:
    if not EXAMPLES.is_dir():
        pytest.skip("shared examples are not beside the repository")
    for path in sorted(EXAMPLES.glob("*/*.dcm")):
        result = read_object(path)
        assert result.in_scope, path.name
        if "-SR-" in path.name:
            assert result.report is not None and result.report.sections, path.name
            continue
        image = result.image
        assert image is not None
        side = path.stem.split("-")[3][0]
        assert image.laterality is Laterality(side), path.name
        assert (ViewModifier.SPOT_COMPRESSION in image.modifiers) == ("SPOT" in path.name)
        assert (ViewModifier.MAGNIFICATION in image.modifiers) == ("MAG" in path.name)
        assert image.specimen == ("SPECIMEN" in path.name)
        assert (image.modality is Modality.DBT) == ("DBT" in path.name)


def test_the_interpreting_physician_is_the_verifying_observer_else_the_author() -> None:
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence as DicomSequence

    unsigned = read_object(factories.basic_text_sr("No findings.", "BI-RADS 1.")).report
    assert unsigned is not None and unsigned.interpreter == ""
    ds = factories.basic_text_sr("No findings.", "BI-RADS 1.")
    author = Dataset()
    author.PersonName = "ABARA^NGOZI^^^MD"
    ds.AuthorObserverSequence = DicomSequence([author])
    assert read_object(ds).report.interpreter == "ABARA, NGOZI, MD"  # type: ignore[union-attr]
    verifier = Dataset()
    verifier.VerifyingObserverName = "NOVAK^HELENA^^^MD"
    ds.VerifyingObserverSequence = DicomSequence([verifier])
    assert read_object(ds).report.interpreter == "NOVAK, HELENA, MD"  # type: ignore[union-attr]
