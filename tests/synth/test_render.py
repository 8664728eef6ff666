"""Rendering is deterministic, Part-10 files read back, and the headers say what the case says."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pydicom
import pytest
from pydicom.uid import (
    BasicTextSRStorage,
    BreastTomosynthesisImageStorage,
    DigitalMammographyXRayImageStorageForPresentation,
    EnhancedSRStorage,
    UltrasoundImageStorage,
)

from dicom_io.synth import CaseError, render_case, write_case
from tests.synth.sample import sample_case
from tests.synth.tree import content_tree, predecessor_uid, views

DAY0 = date(2026, 3, 2)


def _bytes(folder: Path, day0: date, **kwargs: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in write_case(sample_case(), day0, folder, **kwargs)}


def test_same_input_gives_same_uids_and_bytes(tmp_path: Path) -> None:
    first = _bytes(tmp_path / "a", DAY0)
    second = _bytes(tmp_path / "b", DAY0)
    assert first == second
    uids = [str(ds.SOPInstanceUID) for e in render_case(sample_case(), DAY0) for ds in e.datasets]
    assert len(set(uids)) == len(uids)


def test_a_run_tag_gives_new_uids(tmp_path: Path) -> None:
    plain = render_case(sample_case(), DAY0)
    tagged = render_case(sample_case(), DAY0, run_tag="second-run")
    assert plain[0].datasets[0].SOPInstanceUID != tagged[0].datasets[0].SOPInstanceUID
    assert plain[0].datasets[0].StudyInstanceUID != tagged[0].datasets[0].StudyInstanceUID


def test_part10_files_read_back(tmp_path: Path) -> None:
    paths = write_case(sample_case(), DAY0, tmp_path)
    assert [p.name[:6] for p in paths][:2] == ["001-01", "001-02"]
    for path in paths:
        ds = pydicom.dcmread(path)
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert ds.PatientID == "SYN-0001"
        assert path.stat().st_size < 8192


def test_headers_follow_the_case() -> None:
    events = render_case(sample_case(), DAY0)
    by_index = {e.index: e for e in events}

    screen = by_index[1].datasets
    assert [ds.SOPClassUID for ds in screen] == [BreastTomosynthesisImageStorage] * 4
    assert [(ds.ImageLaterality, ds.ViewPosition) for ds in screen] == [
        ("R", "CC"),
        ("R", "MLO"),
        ("L", "CC"),
        ("L", "MLO"),
    ]
    assert {ds.Modality for ds in screen} == {"MG"}
    assert screen[0].StudyDate == (DAY0 - timedelta(days=30)).strftime("%Y%m%d")
    assert screen[0].AccessionNumber == "T-1"
    # Born on 29 February, 62 on day 0 (2026-03-02): 1964, a leap year.
    assert screen[0].PatientBirthDate == "19640229"

    magnified = by_index[3].datasets
    assert [ds.SOPClassUID for ds in magnified] == [
        DigitalMammographyXRayImageStorageForPresentation
    ] * 2
    assert views(magnified[1]) == [
        (("399192008", "SCT"), (("399055006", "SCT"), ("399163009", "SCT")))
    ]
    assert by_index[3].names == ["003-01-MG-LCC-SPOT-MAG.dcm", "003-02-MG-LXCCL-SPOT-MAG.dcm"]

    sono = by_index[4].datasets
    assert [(ds.SOPClassUID, ds.Laterality) for ds in sono] == [(UltrasoundImageStorage, "L")] * 2

    coded = by_index[5].datasets[0]
    assert coded.SOPClassUID == EnhancedSRStorage
    assert coded.ContentTemplateSequence[0].TemplateIdentifier == "4200"
    evidence = coded.CurrentRequestedProcedureEvidenceSequence[0]
    assert evidence.StudyInstanceUID == magnified[0].StudyInstanceUID
    assert len(evidence.ReferencedSeriesSequence) == 4  # two mammograms, two sonograms

    prior = by_index[6].datasets
    assert {ds.InstitutionName for ds in prior} == {"Elsewhere Imaging"}
    assert prior[0].StudyDate == (DAY0 - timedelta(days=800)).strftime("%Y%m%d")

    specimen = by_index[7].datasets[0]
    assert views(specimen) == [(("127457009", "SCT"), ())]
    assert "ViewPosition" not in specimen

    pathology = by_index[9].datasets[0]
    assert pathology.InstitutionName == "Test Pathology"
    assert pathology.ConceptNameCodeSequence[0].CodeValue == "11529-5"


def test_an_addendum_repeats_the_report_and_names_it() -> None:
    events = render_case(sample_case(), DAY0)
    report, addendum = events[7].datasets[0], events[9].datasets[0]
    assert addendum.SOPClassUID == BasicTextSRStorage
    assert predecessor_uid(addendum) == report.SOPInstanceUID
    assert addendum.StudyInstanceUID == report.StudyInstanceUID
    assert addendum.StudyDate == report.StudyDate and addendum.ContentDate > report.ContentDate
    texts = [
        node[4][0][3] for node in content_tree(addendum.ContentSequence) if node[1] == "CONTAINER"
    ]
    assert texts == ["Concordant benign.", "Stereotactic biopsy.", "Calcifications in cores."]


def test_day0_moves_every_date() -> None:
    later = DAY0 + timedelta(days=10)
    a = render_case(sample_case(), DAY0)[1].datasets[0]
    b = render_case(sample_case(), later)[1].datasets[0]
    assert (pydicom.valuerep.DA(b.ContentDate) - pydicom.valuerep.DA(a.ContentDate)).days == 10


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c["events"][1]["sections"].update({"Conclusionz": "x"}),
        lambda c: c["events"][0].update({"views": ["AP"]}),
        lambda c: c["events"][9].update({"addendum_to": "nothing"}),
        lambda c: c["events"][4]["coded"]["findings"][0].update({"birads": "7"}),
    ],
)
def test_bad_cases_are_refused_with_a_reason(change) -> None:  # type: ignore[no-untyped-def]
    case = sample_case()
    change(case)
    with pytest.raises(CaseError):
        render_case(case, DAY0)


def test_a_radpath_note_on_its_own_study_reads_back_as_a_radpath_note() -> None:
    """A rad-path note whose study has no description must not be described as a mammogram:
    the reader would take it for an imaging report and drop its concordance verdict."""
    from dicom_io.readers.sr import read_report as read_sr
    from rules.facts import ReportKind
    from rules.reader import read_report

    case = sample_case()
    case["events"].append({
        "day": -5, "kind": "report", "study": "rp", "title": "radpath", "author": "READER^ONE",
        "sections": {"Findings": "Left 3 o'clock mass, US core: fibroadenoma. Benign, concordant."},
    })
    note = render_case(case, DAY0)[-1].datasets[0]
    assert note.StudyDescription == "RAD-PATH CORRELATION"
    facts = read_report(read_sr(note))
    assert facts.kind is ReportKind.RADPATH
