"""Modules every rendered object carries: SOP common, patient, general study and series, equipment,
and the Part-10 file meta (PS3.3 C.7, C.12.1; PS3.10 7.1)."""

from __future__ import annotations

from datetime import datetime

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, ExplicitVRLittleEndian

from dicom_io.synth.case import Patient, Study
from dicom_io.synth.codes import Coded

MANUFACTURER = "Worklist Synthetic"
IMPLEMENTATION_VERSION = "WLSYNTH_1"


def code_item(code: Coded) -> Dataset:
    item = Dataset()
    item.CodeValue = code.value
    item.CodingSchemeDesignator = code.scheme
    item.CodeMeaning = code.meaning
    return item


def code_sequence(code: Coded) -> Sequence:
    return Sequence([code_item(code)])


def da(moment: datetime) -> str:
    return moment.strftime("%Y%m%d")


def tm(moment: datetime) -> str:
    return moment.strftime("%H%M%S")


def character_set(*texts: str) -> str:
    """Latin-1 when it can hold every string, UTF-8 otherwise."""
    try:
        for text in texts:
            text.encode("latin-1")
    except UnicodeEncodeError:
        return "ISO_IR 192"
    return "ISO_IR 100"


def base_dataset(
    *,
    sop_class: str,
    sop_instance: str,
    modality: str,
    patient: Patient,
    study: Study,
    series_uid: str,
    series_number: int,
    instance_number: int,
    made: datetime,
    institution: str,
    series_description: str,
    referrer: str,
) -> Dataset:
    ds = Dataset()
    ds.file_meta = _file_meta(sop_class, sop_instance)
    ds.SpecificCharacterSet = character_set(patient.name, institution, series_description)
    ds.InstanceCreationDate = da(made)
    ds.InstanceCreationTime = tm(made)
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_instance
    ds.StudyDate = da(study.started)
    ds.SeriesDate = da(made)
    ds.ContentDate = da(made)
    ds.StudyTime = tm(study.started)
    ds.SeriesTime = tm(made)
    ds.ContentTime = tm(made)
    ds.AccessionNumber = study.accession
    ds.Modality = modality
    ds.Manufacturer = MANUFACTURER
    ds.InstitutionName = institution
    ds.ReferringPhysicianName = referrer
    ds.StudyDescription = study.description
    ds.SeriesDescription = series_description
    ds.PatientName = patient.name
    ds.PatientID = patient.patient_id
    ds.IssuerOfPatientID = patient.issuer
    ds.PatientBirthDate = patient.birth_date.strftime("%Y%m%d")
    ds.PatientSex = patient.sex
    ds.StudyInstanceUID = study.uid
    ds.SeriesInstanceUID = series_uid
    ds.StudyID = str(study.number)
    ds.SeriesNumber = series_number
    ds.InstanceNumber = instance_number
    return ds


def _file_meta(sop_class: str, sop_instance: str) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION
    return meta
