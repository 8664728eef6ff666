"""Reading messages into records, without a network: escapes, FT and TX text, sections, statuses,
accession, specimen site, patient identity, character sets, and the AE/AR a bad message gets."""

from __future__ import annotations

import pytest

from hl7_io import acks
from hl7_io.header import Policy, check, parse
from hl7_io.readers import read
from hl7_io.records import Department, MergeMessage, ResultMessage, ResultStatus
from hl7_io.refusals import AckCode, ErrorCode, Refused
from rules.documents import Section
from rules.reader import read_report

MSH = "MSH|^~\\&|COPATH|NFLAB|WORKLIST|NFBC|20261027101500||ORU^R01^ORU_R01|MSG-1|P|2.5.1" \
      "|||AL|NE||{charset}"
PID = "PID|1||X-99^^^HOSP^PI~PUB-0002^^^NFBC^MR||KAUR^HARPREET^J||19701030|F"
OBR = ("OBR|1|ORD-1|NFP-25-3310^COPATH|88305^SURGICAL PATHOLOGY^CPT4|||20261027091500|||||||"
       "|{obr15}|||{obr18}||||20261027101500||SP|{status}{obr26_32}")


def _oru(*obx: str, status: str = "F", charset: str = "UNICODE UTF-8", obr15: str = "",
         obr18: str = "", obr32: str = "", extra: tuple[str, ...] = ()) -> bytes:
    tail = "|" * 7 + obr32 if obr32 else ""
    segments = [MSH.format(charset=charset), PID, OBR.format(status=status, obr15=obr15,
                                                             obr18=obr18, obr26_32=tail),
                *extra, *obx]
    return "\r".join(segments).encode("utf-8")


def _result(raw: bytes) -> ResultMessage:
    content = read(parse(raw))
    assert isinstance(content, ResultMessage)
    return content


def test_escapes_and_formatting_are_decoded() -> None:
    text = (r"Invasive ductal carcinoma\.br\ER \T\ PR positive; HER2 1\S\3 \F\ score"
            r" \R\ \E\ note\X0D\end\H\!\N\ ")
    raw = _oru(f"OBX|1|FT|22637-3^Final Diagnosis^LN||{text.strip()}||||||F")
    [section] = _result(raw).results[0].document.sections
    assert section == Section("Final Diagnosis", "Invasive ductal carcinoma\nER & PR positive; "
                                                 "HER2 1^3 | score ~ \\ note\nend!")


def test_tx_lines_and_sections_by_observation_identifier() -> None:
    raw = _oru("OBX|1|TX|22633-2^Specimen^LN|1|Right breast, 4 o'clock,||||||F",
               "OBX|2|TX|22633-2^Specimen^LN|1|ultrasound-guided core.||||||F",
               "OBX|3|TX|PATH^Pathology report^L|2|FINAL DIAGNOSIS: Fibroadenoma.||||||F",
               "OBX|4|TX|PATH^Pathology report^L|2|COMMENT: Concordant.||||||F",
               "OBX|5|NM|SIZE^Size^L||12|mm|||||F",
               "OBX|6|TX|22638-1^Comment^LN||Deleted line.||||||D")
    sections = _result(raw).results[0].document.sections
    assert sections == (Section("Specimen", "Right breast, 4 o'clock,\nultrasound-guided core."),
                        Section("FINAL DIAGNOSIS", "Fibroadenoma."),
                        Section("COMMENT", "Concordant."))


@pytest.mark.parametrize(("code", "status"), [("P", ResultStatus.PRELIMINARY),
                                               ("F", ResultStatus.FINAL),
                                               ("C", ResultStatus.CORRECTED),
                                               ("X", ResultStatus.CANCELLED)])
def test_result_status(code: str, status: ResultStatus) -> None:
    assert _result(_oru("OBX|1|TX|X^Y||Benign.||||||F", status=code)).results[0].status is status


def test_result_fields_and_identity() -> None:
    message = _result(_oru("OBX|1|FT|22637-3^Final Diagnosis^LN||Fibroadenoma.||||||F",
                           obr15="^^^Left breast^", obr18="RAD-1"))
    result = message.results[0]
    assert (result.sender, result.accession, result.placer_accession) == ("COPATH", "NFP-25-3310",
                                                                          "RAD-1")
    assert result.department is Department.PATHOLOGY and result.service == "SURGICAL PATHOLOGY"
    assert result.specimen_site == "Left breast" and result.in_scope
    assert result.document.uid == "hl7:COPATH:NFP-25-3310:202610270915"
    assert result.document.sections[0] == Section("Specimen", "Left breast")
    identifiers = message.patient.identifiers
    assert [(i.patient_id, i.authority, i.type_code) for i in identifiers] == [
        ("X-99", "HOSP", "PI"), ("PUB-0002", "NFBC", "MR")]
    assert message.patient.name == "KAUR^HARPREET^J"


def test_the_principal_result_interpreter_names_the_pathologist() -> None:
    plain = _result(_oru("OBX|1|FT|22637-3^Final Diagnosis^LN||Fibroadenoma.||||||F"))
    assert plain.results[0].document.interpreter == ""
    signed = _result(_oru("OBX|1|FT|22637-3^Final Diagnosis^LN||Fibroadenoma.||||||F",
                          obr32="1234&OKAFOR&CHIDI&&&MD"))
    assert signed.results[0].document.interpreter == "OKAFOR, CHIDI"


def test_specimen_site_from_spm() -> None:
    spm = "SPM|1|||TISSUE||||^Right breast 10 o'clock^L"  # SPM-8 specimen source site
    result = _result(_oru("OBX|1|TX|X^Y||Benign.||||||F", extra=(spm,))).results[0]
    assert result.specimen_site == "Right breast 10 o'clock"


def test_the_same_reader_reads_the_text_as_an_sr() -> None:
    raw = _oru("OBX|1|FT|22633-2^Specimen^LN||Left breast, 2 o'clock, core biopsy.||||||F",
               "OBX|2|FT|22637-3^Final Diagnosis^LN||Invasive ductal carcinoma.||||||F")
    facts = read_report(_result(raw).results[0].document)
    assert facts.kind.value == "pathology"
    assert [p.category.value for p in facts.pathology] == ["malignant"]
    assert facts.pathology[0].laterality is not None and facts.pathology[0].laterality.value == "L"


def test_latin_1_declared_is_decoded() -> None:
    raw = _oru("OBX|1|TX|X^Y||Carcinome canalaire, grade élevé.||||||F", charset="8859/1")
    raw = raw.decode("utf-8").encode("latin-1")
    assert "élevé" in _result(raw).results[0].document.sections[0].text


def test_a_merge_reads_each_pid_with_its_mrg() -> None:
    raw = "\r".join(["MSH|^~\\&|REG|NFBC|WORKLIST|NFBC|20261027||ADT^A40^ADT_A39|M1|P|2.5",
                     "EVN|A40|20261027", "PID|1||NEW-1^^^NFBC^MR", "MRG|OLD-1^^^NFBC^MR",
                     "PID|1||NEW-2^^^NFBC^MR", "MRG|OLD-2^^^NFBC^MR~OLD-3^^^NFBC^MR"]).encode()
    content = read(parse(raw))
    assert isinstance(content, MergeMessage)
    assert [(m.survivor.identifiers[0].patient_id, [i.patient_id for i in m.merged])
            for m in content.merges] == [("NEW-1", ["OLD-1"]), ("NEW-2", ["OLD-2", "OLD-3"])]


@pytest.mark.parametrize(("raw", "ack", "code"), [
    (b"garbage", AckCode.REJECT, ErrorCode.SEGMENT_SEQUENCE),
    (_oru("OBX|1|TX|X^Y||a||||||F", charset="EBCDIC"), AckCode.REJECT,
     ErrorCode.TABLE_VALUE_NOT_FOUND),
    (_oru("OBX|1|TX|X^Y||été||||||F", charset="ASCII"), AckCode.REJECT, ErrorCode.DATA_TYPE),
    (_oru("OBX|1|TX|X^Y||a||||||F").replace(b"ORU^R01", b"ADT^A01"), AckCode.REJECT,
     ErrorCode.UNSUPPORTED_EVENT),
    (_oru("OBX|1|TX|X^Y||a||||||F").replace(PID.encode(), b"PID|1"), AckCode.ERROR,
     ErrorCode.REQUIRED_FIELD_MISSING),
    (_oru("OBX|1|TX|X^Y||a||||||F").replace(b"MSG-1", b""), AckCode.REJECT,
     ErrorCode.REQUIRED_FIELD_MISSING),
])
def test_refusals(raw: bytes, ack: AckCode, code: ErrorCode) -> None:
    with pytest.raises(Refused) as refused:
        parsed = parse(raw)
        check(parsed.header, Policy())
        read(parsed)
    assert (refused.value.ack, refused.value.code) == (ack, code)


def test_acks_echo_the_control_id_and_carry_err() -> None:
    parsed = parse(_oru("OBX|1|TX|X^Y||a||||||F"))
    accepted = acks.build(parsed.header, AckCode.ACCEPT, application="WORKLIST").decode()
    assert accepted.split("\r")[1] == "MSA|AA|MSG-1|"
    assert accepted.split("\r")[0].split("|")[4:6] == ["COPATH", "NFLAB"]
    refusal = Refused(AckCode.ERROR, ErrorCode.REQUIRED_FIELD_MISSING, "no PID | here", "PID^1^3")
    errored = acks.build(parsed.header, AckCode.ERROR, application="WORKLIST",
                         refusal=refusal).decode().split("\r")
    assert errored[1] == "MSA|AE|MSG-1|no PID \\F\\ here"
    assert errored[2].split("|")[2:5] == ["PID^1^3", "101^required field missing^HL70357", "E"]
